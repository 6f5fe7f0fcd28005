/* doctor: a preflight check for classroom machines, one line per item with
 * the fix for each that fails. The facts are gathered and judged below
 * (doctor/doctor.h); here the command's arguments, and the printing. */
#define _GNU_SOURCE
#include "cmd/cmd.h"
#include "cmd/doctor.h"

#include <stdio.h>
#include <stdlib.h>

#include "util/safe.h"
#include "util/xalloc.h"

void
doctor_format(const struct doctor_item *it, char *buf, size_t len)
{
	static const char *const word[] = {
		[DOC_OK] = "ok", [DOC_INFO] = "info", [DOC_WARN] = "warn", [DOC_FAIL] = "FAIL",
	};

	if (it->fix[0] && it->status != DOC_OK && it->status != DOC_INFO)
		snprintf(buf, len, "%-6s%s (fix: %s)", word[it->status], it->what, it->fix);
	else
		snprintf(buf, len, "%-6s%s", word[it->status], it->what);
}

static int
doctor_run(struct nsx_shell *sh, int argc, char **argv)
{
	extern const struct nsx_cmd cmd_doctor;
	struct doctor_item items[DOCTOR_NCHECKS];
	struct cmd_getopt g = { 0 };
	struct doctor_facts *f;
	size_t n;
	int c, fails = 0;

	while ((c = cmd_getopt(&cmd_doctor, argc, argv, &g)) != -1) {
		if (c != 'h')
			return 1;
		cmd_print_help(&cmd_doctor, stdout);
		return 0;
	}
	if (g.optind < argc)
		return cmd_fail(&cmd_doctor, "unexpected argument '%s' (doctor takes none)",
				argv[g.optind]);
	f = xmalloc(sizeof(*f));
	doctor_gather(f);
	n = doctor_eval(f, items, ARRAY_SIZE(items));
	free(f);
	for (size_t i = 0; i < n; i++) {
		char line[sizeof(items[i].what) + sizeof(items[i].fix) + 16];

		doctor_format(&items[i], line, sizeof(line));
		/* it quotes what it read: a cgroup path, a sysctl's value */
		safe_fputs(line, stdout);
		putchar('\n');
		fails += items[i].status == DOC_FAIL;
	}
	fflush(stdout);
	return fails ? 1 : 0;
}

const struct nsx_cmd cmd_doctor = {
	.name = "doctor",
	.summary = "preflight check: kernel, namespace types, user namespaces, cgroups",
	.usage = "doctor",
	.help =
	"A preflight check for a classroom machine, one line per item: ok, info,\n"
	"warn or FAIL, and for each that is not ok the fix. It looks at the kernel\n"
	"version, tries unshare of each of the eight namespace types in a child\n"
	"process (as a normal user also together with a user namespace, which is how\n"
	"rootless nsx works), tries what a student's unprivileged user namespace\n"
	"needs (unshare, then the uid and gid maps; as root it tests as uid 65534),\n"
	"reads the sysctls that restrict that (kernel.unprivileged_userns_clone,\n"
	"user.max_user_namespaces, kernel.apparmor_restrict_unprivileged_userns),\n"
	"checks newuidmap/newgidmap and /etc/subuid and /etc/subgid, and which cgroup\n"
	"controllers nsx can use for limits. It changes nothing on the machine.\n"
	"Exit status 1 when any item FAILs, 0 otherwise.\n"
	"\n"
	"Examples:\n"
	"  doctor                  as root: what the machine offers; user namespaces are\n"
	"                          tested as uid 65534, what a student gets\n"
	"  nsx doctor              as a student, before the first lesson\n"
	"  nsx doctor | grep -v ^ok   only what needs attention\n",
	.run = doctor_run,
};
