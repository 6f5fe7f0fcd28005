/* ns: the eight namespaces of one process, explained (ls -li /proc/PID/ns). */
#define _GNU_SOURCE
#include "cmd/cmd.h"

#include <errno.h>
#include <fcntl.h>
#include <libsmartcols.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "model/model.h"
#include "util/xalloc.h"

enum { OPT_PROC_ROOT = 256 };

static const struct nsx_opt ns_opts[] = {
	{ "json", 'J', ARG_NONE, NULL, COMP_NONE, "use JSON output format" },
	{ "proc-root", OPT_PROC_ROOT, ARG_REQUIRED, "DIR", COMP_FILE,
	  "read DIR instead of /proc (a fixture tree)" },
	{ NULL, 0, 0, NULL, 0, NULL },
};

/* The namespaces to compare with: PID 1's, or where nsx started when PID 1
 * cannot be read (a container, a sandbox, or not root). */
static const char *
reference(struct nsx_shell *sh, const struct nsx_model *m, unsigned long ref[NSX_NTYPES])
{
	struct nsx_err err;

	if (proc_ns_inodes(m->procfd, 1, ref, &err) == 0)
		return "PID 1";
	memcpy(ref, sh->start_ns, sizeof(sh->start_ns));
	return "nsx's start";
}

static int
ns_table(const unsigned long ino[NSX_NTYPES],
	 const unsigned long ref[NSX_NTYPES], const char *refname, bool json)
{
	struct libscols_table *tab = scols_new_table();
	const char *vs = strcmp(refname, "PID 1") == 0 ? "VS PID 1" : "VS START";

	if (!tab)
		return -1;
	scols_table_enable_json(tab, json);
	if (json)
		scols_table_set_name(tab, "namespaces");
	scols_table_new_column(tab, "TYPE", 6, 0);
	scols_column_set_json_type(scols_table_new_column(tab, "NS", 10, SCOLS_FL_RIGHT),
				   SCOLS_JSON_NUMBER);
	scols_table_new_column(tab, vs, 6, 0);
	scols_table_new_column(tab, "ISOLATES", 0, SCOLS_FL_TRUNC);
	for (int t = 0; t < NSX_NTYPES; t++) {
		struct libscols_line *l = scols_table_new_line(tab, NULL);
		const char *cmp;

		if (!l)
			break;
		cmp = !ino[t] ? "-" : !ref[t] ? "?" : ino[t] == ref[t] ? "same" : "differs";
		scols_line_set_data(l, 0, nstype_table[t].name);
		if (ino[t])
			scols_line_refer_data(l, 1, xasprintf("%lu", ino[t]));
		scols_line_set_data(l, 2, cmp);
		scols_line_set_data(l, 3, nstype_table[t].isolates);
	}
	scols_print_table(tab);
	scols_unref_table(tab);
	return 0;
}

/* After `unshare -p` without a fork, the process is still in its old pid
 * namespace but its next child starts in the new one: say so. */
static void
note_children(const struct nsx_model *m, pid_t pid, const unsigned long ino[NSX_NTYPES])
{
	static const struct { const char *link; int type; } kids[] = {
		{ "pid_for_children", NSX_PID }, { "time_for_children", NSX_TIME },
	};

	for (size_t k = 0; k < ARRAY_SIZE(kids); k++) {
		char path[64], buf[64];
		unsigned long c;
		ssize_t n;
		int type;

		snprintf(path, sizeof(path), "%d/ns/%s", (int)pid, kids[k].link);
		n = readlinkat(m->procfd, path, buf, sizeof(buf));
		if (n > 0 && nstype_parse_link(buf, (size_t)n, &type, &c) == 0 &&
		    c != ino[kids[k].type])
			printf("%s is %s:[%lu]: children of %d start in that namespace\n",
			       kids[k].link, nstype_table[type].name, c, (int)pid);
	}
}

static int
ns_run(struct nsx_shell *sh, int argc, char **argv)
{
	extern const struct nsx_cmd cmd_ns;
	struct cmd_getopt g = { 0 };
	const char *proc_root = sh->proc_root;
	unsigned long ino[NSX_NTYPES], ref[NSX_NTYPES];
	struct nsx_model m;
	struct nsx_err err;
	bool json = false;
	pid_t pid = getpid();
	const char *refname;
	int c, rc = 0;

	while ((c = cmd_getopt(&cmd_ns, argc, argv, &g)) != -1) {
		switch (c) {
		case 'J': json = true; break;
		case OPT_PROC_ROOT: proc_root = g.optarg; break;
		case 'h':
			cmd_print_help(&cmd_ns, stdout);
			return 0;
		default:
			return 1;
		}
	}
	if (g.optind < argc) {
		if (g.optind + 1 < argc)
			return cmd_fail(&cmd_ns, "too many arguments: '%s' (one PID at most)",
					argv[g.optind + 1]);
		if (cmd_parse_pid(argv[g.optind], &pid) < 0)
			return cmd_fail(&cmd_ns, "invalid PID '%s' (a positive number)", argv[g.optind]);
	}
	if (model_open(&m, proc_root, &err) < 0) {
		nsx_err_print("ns", &err);
		return 1;
	}
	if (proc_ns_inodes(m.procfd, pid, ino, &err) < 0) {
		nsx_err_print("ns", &err);
		model_close(&m);
		return 1;
	}
	refname = reference(sh, &m, ref);
	if (ns_table(ino, ref, refname, json) < 0)
		rc = cmd_fail(&cmd_ns, "cannot create the output table");
	if (!json) {
		note_children(&m, pid, ino);
		if (strcmp(refname, "PID 1") != 0)
			printf("(PID 1 cannot be read here: compared with the namespaces nsx started in)\n");
	}
	model_close(&m);
	return rc;
}

const struct nsx_cmd cmd_ns = {
	.name = "ns",
	.summary = "the eight namespaces of a process (default: this shell), explained",
	.usage = "ns [options] [PID]",
	.help =
	"For each namespace type: its inode (what /proc/PID/ns/TYPE links to), whether\n"
	"it is the same as PID 1's (or, when PID 1 cannot be read, as where nsx\n"
	"started), and what that type isolates. Two processes share a namespace\n"
	"exactly when their inodes are equal.\n"
	"\n"
	"Examples:\n"
	"  ns                      this shell's namespaces\n"
	"  ns 1234                 the namespaces of process 1234\n"
	"  ns -J                   as JSON\n",
	.opts = ns_opts,
	.args = COMP_PID,
	.run = ns_run,
};
