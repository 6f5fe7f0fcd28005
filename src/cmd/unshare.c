/* unshare: new namespaces in a new level (a nested shell), with unshare(1)'s
 * options. `nsx unshare TYPES -- CMD` runs CMD there and exits with its
 * status. */
#define _GNU_SOURCE
#include "cmd/cmd.h"

#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "repl/repl.h"
#include "util/xalloc.h"

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

enum {
	OPT_MAP_ROOT = 256, OPT_MAP_USER, OPT_MAP_GROUP, OPT_MAP_USERS, OPT_MAP_GROUPS,
	OPT_HOSTNAME, OPT_MOUNT_PROC, OPT_PROPAGATION, OPT_ROOT, OPT_WD,
	OPT_MONOTONIC, OPT_BOOTTIME,
};

static const struct nsx_opt unshare_opts[] = {
	{ "map-root", 'r', ARG_NONE, NULL, COMP_NONE,
	  "map your user and group to root in a new user namespace" },
	{ "map-user", OPT_MAP_USER, ARG_REQUIRED, "UID", COMP_NONE,
	  "map your user to UID in a new user namespace" },
	{ "map-group", OPT_MAP_GROUP, ARG_REQUIRED, "GID", COMP_NONE,
	  "map your group to GID in a new user namespace" },
	{ "map-users", OPT_MAP_USERS, ARG_REQUIRED, "INNER:OUTER:COUNT", COMP_NONE,
	  "map a range of users (newuidmap when not root); repeatable" },
	{ "map-groups", OPT_MAP_GROUPS, ARG_REQUIRED, "INNER:OUTER:COUNT", COMP_NONE,
	  "map a range of groups (newgidmap when not root); repeatable" },
	{ "hostname", OPT_HOSTNAME, ARG_REQUIRED, "NAME", COMP_NONE,
	  "set the hostname (implies uts)" },
	{ "mount-proc", OPT_MOUNT_PROC, ARG_NONE, NULL, COMP_NONE,
	  "mount a /proc of the new pid namespace (implies mnt and pid)" },
	{ "propagation", OPT_PROPAGATION, ARG_REQUIRED, "MODE", COMP_NONE,
	  "private (default), slave, shared or unchanged for / in a new mnt namespace" },
	{ "root", OPT_ROOT, ARG_REQUIRED, "DIR", COMP_FILE, "chroot into DIR" },
	{ "wd", OPT_WD, ARG_REQUIRED, "DIR", COMP_FILE, "start in DIR" },
	{ "monotonic", OPT_MONOTONIC, ARG_REQUIRED, "SECONDS", COMP_NONE,
	  "offset of CLOCK_MONOTONIC in a new time namespace" },
	{ "boottime", OPT_BOOTTIME, ARG_REQUIRED, "SECONDS", COMP_NONE,
	  "offset of CLOCK_BOOTTIME in a new time namespace" },
	{ NULL, 0, 0, NULL, 0, NULL },
};

static int
parse_id(const char *s, unsigned long *v)
{
	char *end;

	errno = 0;
	*v = strtoul(s, &end, 10);
	return errno || end == s || *end || *s == '-' || *v >= 4294967295UL ? -1 : 0;
}

static int
parse_offset(const char *s, long long *v)
{
	char *end;

	errno = 0;
	*v = strtoll(s, &end, 10);
	return errno || end == s || *end ? -1 : 0;
}

static int
parse_types(struct level_req *r, int argc, char **argv, int first)
{
	extern const struct nsx_cmd cmd_unshare;

	for (int i = first; i < argc; i++) {
		int t;

		if (strcmp(argv[i], "all") == 0) {
			for (t = 0; t < NSX_NTYPES; t++)
				r->flags |= nstype_table[t].clone_flag;
			continue;
		}
		if ((t = nstype_from_name(argv[i])) < 0)
			return cmd_fail(&cmd_unshare, "unknown namespace type '%s' (%s, or all)",
					argv[i], nstype_names());
		r->flags |= nstype_table[t].clone_flag;
	}
	return 0;
}

struct unshare_opts {
	bool map_root, have_user, have_group;
	unsigned long user, group;
};

static int
parse_opt(struct level_req *r, struct unshare_opts *o, int c, const char *arg)
{
	extern const struct nsx_cmd cmd_unshare;
	struct stat st;

	switch (c) {
	case 'r': o->map_root = true; return 0;
	case OPT_MAP_USER:
		if (parse_id(arg, &o->user) < 0)
			return cmd_fail(&cmd_unshare, "invalid --map-user '%s' (a number)", arg);
		o->have_user = true;
		return 0;
	case OPT_MAP_GROUP:
		if (parse_id(arg, &o->group) < 0)
			return cmd_fail(&cmd_unshare, "invalid --map-group '%s' (a number)", arg);
		o->have_group = true;
		return 0;
	case OPT_MAP_USERS: return cmd_add_idmap(&cmd_unshare, r->maps.uidmap, &r->maps.nuid, arg, "map-users");
	case OPT_MAP_GROUPS: return cmd_add_idmap(&cmd_unshare, r->maps.gidmap, &r->maps.ngid, arg, "map-groups");
	case OPT_HOSTNAME:
		if (!*arg || strlen(arg) > 64)
			return cmd_fail(&cmd_unshare, "invalid hostname '%s' (1 to 64 bytes)", arg);
		r->hostname = arg;
		r->flags |= CLONE_NEWUTS;
		return 0;
	case OPT_MOUNT_PROC:
		r->mount_proc = true;
		r->flags |= CLONE_NEWNS | CLONE_NEWPID;
		return 0;
	case OPT_PROPAGATION:
		if (strcmp(arg, "private") == 0) r->propagation = MS_PRIVATE;
		else if (strcmp(arg, "slave") == 0) r->propagation = MS_SLAVE;
		else if (strcmp(arg, "shared") == 0) r->propagation = MS_SHARED;
		else if (strcmp(arg, "unchanged") == 0) r->propagation = 0;
		else
			return cmd_fail(&cmd_unshare, "unknown propagation '%s' (private slave shared unchanged)", arg);
		return 0;
	case OPT_ROOT:
	case OPT_WD:
		if (c == OPT_ROOT && (stat(arg, &st) < 0 || !S_ISDIR(st.st_mode)))
			return cmd_fail(&cmd_unshare, "--root %s: %s", arg,
					errno == ENOENT || !S_ISDIR(st.st_mode) ? "no such directory" : strerror(errno));
		*(c == OPT_ROOT ? &r->root : &r->wd) = arg;
		return 0;
	case OPT_MONOTONIC:
	case OPT_BOOTTIME:
		if (parse_offset(arg, c == OPT_MONOTONIC ? &r->monotonic : &r->boottime) < 0)
			return cmd_fail(&cmd_unshare, "invalid offset '%s' (seconds, e.g. 86400)", arg);
		r->flags |= CLONE_NEWTIME;
		return 0;
	}
	return 1;
}

/* Single-id maps as unshare -r / --map-user / --map-group make them; a
 * normal user asking for namespaces that need privilege gets a user
 * namespace with root mapped (like unshare -r), and is told so. */
static void
unshare_maps(struct level_req *r, struct unshare_opts *o, bool *auto_user)
{
	uid_t uid = geteuid();
	gid_t gid = getegid();

	*auto_user = false;
	if (uid != 0 && r->flags && !(r->flags & CLONE_NEWUSER)) {
		r->flags |= CLONE_NEWUSER;
		if (!r->maps.nuid && !o->have_user)
			o->map_root = true;
		*auto_user = true;
	}
	if (o->map_root || o->have_user || o->have_group || r->maps.nuid || r->maps.ngid)
		r->flags |= CLONE_NEWUSER;
	if ((o->map_root || o->have_user) && !r->maps.nuid)
		r->maps.uidmap[r->maps.nuid++] = (struct idmap){ o->have_user ? o->user : 0, uid, 1 };
	if ((o->map_root || o->have_group) && !r->maps.ngid) {
		r->maps.gidmap[r->maps.ngid++] = (struct idmap){ o->have_group ? o->group : 0, gid, 1 };
		r->maps.deny_setgroups = uid != 0;
	}
}

#define NOTE_AUTO_USER "as a normal user, made a user namespace too and mapped you " \
	"to root in it (like unshare -r)"
#define NOTE_NOBODY "no uid map is written, so inside you are nobody (65534) and " \
	"have no rights on the host's files (--map-root maps you to root)"

/* What to tell the student about the user namespace, once the level is
 * there: a level that fails is one line. */
static const char *note;

static void
say_note(void)
{
	if (note)
		fprintf(stderr, "nsx: unshare: %s\n", note);
}

static void
unshare_become(struct nsx_shell *sh, char **argv)
{
	say_note();
	repl_become(sh, argv);
}

static int
unshare_run(struct nsx_shell *sh, int argc, char **argv)
{
	extern const struct nsx_cmd cmd_unshare;
	struct level_req r = { .propagation = MS_PRIVATE };
	struct unshare_opts o = { 0 };
	struct cmd_getopt g = { 0 };
	struct nsx_err err;
	bool auto_user;
	int c, status, rc, nargs;

	level_req_cmd(&r, argc, argv);
	nargs = cmd_dashdash(argc, argv);
	while ((c = cmd_getopt(&cmd_unshare, nargs, argv, &g)) != -1) {
		if (c == 'h') {
			cmd_print_help(&cmd_unshare, stdout);
			return 0;
		}
		if (c == '?' || parse_opt(&r, &o, c, g.optarg))
			return 1;
	}
	if (parse_types(&r, nargs, argv, g.optind))
		return 1;
	unshare_maps(&r, &o, &auto_user);
	if (!r.flags)
		return cmd_fail(&cmd_unshare, "which namespaces? (%s, or all; e.g. 'unshare uts')",
				nstype_names());
	if (r.hostname && sh->depth == 0 && !(r.flags & CLONE_NEWUTS))
		return cmd_fail(&cmd_unshare, "--hostname needs a uts namespace");
	/* a range needs newuidmap: missing, say so before anything is made */
	if (idmap_check_tools(&r.maps, "--map-users", "--map-groups", &err) < 0) {
		nsx_err_print("unshare", &err);
		return 1;
	}
	level_req_types(&r, r.flags);
	note = auto_user ? NOTE_AUTO_USER : (r.flags & CLONE_NEWUSER) && !r.maps.nuid ? NOTE_NOBODY : NULL;
	/* `nsx unshare ... -- CMD`: this process becomes the level and CMD */
	if (sh->oneshot && nargs + 1 < argc)
		rc = level_exec(sh, &r, argv + nargs + 1, unshare_become, &err);
	else
		rc = 0;
	if (rc == 0)
		rc = level_open(sh, &r, &status, &err);
	if (rc < 0) {
		nsx_err_print("unshare", &err);
		return 1;
	}
	if (rc == 0) {
		/* the new level: run CMD there, or go on with the shell */
		if (nargs + 1 < argc)
			unshare_become(sh, argv + nargs + 1);
		say_note();
		return 0;
	}
	return status;
}

const struct nsx_cmd cmd_unshare = {
	.name = "unshare",
	.summary = "make new namespaces and step into them (a new level; exit to come back)",
	.usage = "unshare [options] TYPE... [-- CMD [ARG...]]",
	.help =
	"TYPE is cgroup ipc mnt net pid time user uts, or all. The shell forks: the\n"
	"new process makes the namespaces and becomes the next level, shown in the\n"
	"prompt; `exit` or Ctrl-D brings you back. With a new pid (or time)\n"
	"namespace the level forks again so that it is PID 1 there. With `-- CMD`,\n"
	"CMD runs in the new namespaces and its status is returned.\n"
	"As a normal user, a user namespace is added and you are mapped to root.\n"
	"\n"
	"Examples:\n"
	"  unshare uts --hostname box     your own hostname\n"
	"  unshare pid --mount-proc       PID 1 of a new pid namespace; ps shows only it\n"
	"  unshare user --map-root        root in a new user namespace\n"
	"  unshare net -- ip link         a network namespace holds only lo\n"
	"  unshare time --boottime 86400  one more day of uptime\n",
	.opts = unshare_opts,
	.args = COMP_NSTYPE,
	.run = unshare_run,
};
