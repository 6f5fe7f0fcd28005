/* run: a full container in one command, on the built-in busybox rootfs, a
 * directory or an image. The options become a plan (src/container/plan.c);
 * --dry-run prints it, otherwise it is executed. */
#define _GNU_SOURCE
#include "cmd/cmd.h"

#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "container/plan.h"
#include "util/safe.h"
#include "util/trust.h"
#include "util/xalloc.h"

enum {
	OPT_NAME = 256, OPT_HOSTNAME, OPT_ROOTFS, OPT_IMAGE, OPT_RW, OPT_NO_INIT, OPT_USER,
	OPT_UID_MAP, OPT_GID_MAP, OPT_SHARE, OPT_TIME, OPT_MEMORY, OPT_PIDS, OPT_CPUS,
	OPT_NET, OPT_DRY_RUN, OPT_IMG_BYTES, OPT_IMG_ENTRIES, OPT_IMG_DEPTH, OPT_LIMITS,
};

static const struct nsx_opt run_opts[] = {
	{ "name", OPT_NAME, ARG_REQUIRED, "NAME", COMP_NONE,
	  "name the container (default: generated); also its hostname" },
	{ "hostname", OPT_HOSTNAME, ARG_REQUIRED, "NAME", COMP_NONE, "the container's hostname" },
	{ "rootfs", OPT_ROOTFS, ARG_REQUIRED, "DIR", COMP_FILE,
	  "run on a directory tree (e.g. debootstrap's output)" },
	{ "image", OPT_IMAGE, ARG_REQUIRED, "FILE", COMP_FILE,
	  "run on a tarball (tar, gz, xz, zst) or an OCI image layout directory" },
	{ "image-max-bytes", OPT_IMG_BYTES, ARG_REQUIRED, "SIZE", COMP_NONE,
	  "unpack an image whose files hold up to SIZE (default 4g)" },
	{ "image-max-entries", OPT_IMG_ENTRIES, ARG_REQUIRED, "N", COMP_NONE,
	  "unpack an image of up to N members (default 300000)" },
	{ "image-max-depth", OPT_IMG_DEPTH, ARG_REQUIRED, "N", COMP_NONE,
	  "unpack an image whose paths are up to N levels deep (default 256)" },
	{ "rw", OPT_RW, ARG_NONE, NULL, COMP_NONE,
	  "with --rootfs: write to that directory itself, not to a layer that goes away" },
	{ "no-init", OPT_NO_INIT, ARG_NONE, NULL, COMP_NONE, "run the command as PID 1 itself" },
	{ "user", OPT_USER, ARG_NONE, NULL, COMP_NONE,
	  "a new user namespace even as root (automatic otherwise)" },
	{ "uid-map", OPT_UID_MAP, ARG_REQUIRED, "INNER:OUTER:COUNT", COMP_NONE,
	  "map users (newuidmap when not root); repeatable; implies --user" },
	{ "gid-map", OPT_GID_MAP, ARG_REQUIRED, "INNER:OUTER:COUNT", COMP_NONE,
	  "map groups (newgidmap when not root); repeatable; implies --user" },
	{ "share", OPT_SHARE, ARG_REQUIRED, "TYPE", COMP_NSTYPE,
	  "keep the host's namespace of TYPE (uts, ipc, net, cgroup, user); repeatable" },
	{ "time", OPT_TIME, ARG_NONE, NULL, COMP_NONE, "a new time namespace too" },
	{ "memory", OPT_MEMORY, ARG_REQUIRED, "SIZE", COMP_NONE, "memory limit (e.g. 64m, 1g)" },
	{ "pids", OPT_PIDS, ARG_REQUIRED, "N", COMP_NONE, "at most N processes" },
	{ "cpus", OPT_CPUS, ARG_REQUIRED, "N", COMP_NONE, "CPU time limit, in CPUs (e.g. 0.5)" },
	{ "limits", OPT_LIMITS, ARG_REQUIRED, "MODE", COMP_NONE,
	  "require (default): a limit nsx cannot apply is an error; try: a note, and no limits" },
	{ "net", OPT_NET, ARG_REQUIRED, "MODE", COMP_NONE,
	  "none (default: lo only), host (without CAP_NET_RAW), or veth[:CIDR] (a veth pair, "
	  "root only)" },
	{ "dry-run", OPT_DRY_RUN, ARG_NONE, NULL, COMP_NONE,
	  "print the setup steps, each with why, and run nothing" },
	{ NULL, 0, 0, NULL, 0, NULL },
};

extern const struct nsx_cmd cmd_run;

static int
run_fail(struct nsx_err *err)
{
	nsx_err_print("run", err);
	return 125;
}

static int
run_opt_net(struct run_opts *o, const char *arg)
{
	if (strcmp(arg, "none") == 0)
		o->net = RUN_NET_NONE;
	else if (strcmp(arg, "host") == 0)
		o->net = RUN_NET_HOST;
	else if (strcmp(arg, "veth") == 0)
		o->net = RUN_NET_VETH;
	else if (strncmp(arg, "veth:", 5) == 0) {
		o->net = RUN_NET_VETH;
		o->cidr = arg + 5;
	} else {
		cmd_fail(&cmd_run, "invalid --net '%s' (none, host, veth or veth:CIDR)", arg);
		return -1;
	}
	return 0;
}

static int
run_opt_limits(struct run_opts *o, const char *arg)
{
	if (strcmp(arg, "require") == 0)
		o->limits_try = false;
	else if (strcmp(arg, "try") == 0)
		o->limits_try = true;
	else {
		cmd_fail(&cmd_run, "invalid --limits '%s' (require or try)", arg);
		return -1;
	}
	return 0;
}

static int
run_opt_share(struct run_opts *o, const char *arg)
{
	int t = nstype_from_name(arg);

	if (t < 0 || t == NSX_TIME) {
		cmd_fail(&cmd_run, "invalid --share '%s' (uts, ipc, net, cgroup or user)", arg);
		return -1;
	}
	o->share |= nstype_table[t].clone_flag;
	return 0;
}

static int
run_opt(struct run_opts *o, int c, const char *arg)
{
	struct nsx_err err;

	switch (c) {
	case OPT_NAME: o->name = arg; return 0;
	case OPT_HOSTNAME: o->hostname = arg; return 0;
	case OPT_ROOTFS: o->rootfs = arg; return 0;
	case OPT_IMAGE: o->image = arg; return 0;
	case OPT_RW: o->rw = true; return 0;
	case OPT_NO_INIT: o->no_init = true; return 0;
	case OPT_USER: o->user = true; return 0;
	case OPT_UID_MAP: return cmd_add_idmap(&cmd_run, o->uidmap, &o->nuid, arg, "uid-map") ? -1 : 0;
	case OPT_GID_MAP: return cmd_add_idmap(&cmd_run, o->gidmap, &o->ngid, arg, "gid-map") ? -1 : 0;
	case OPT_SHARE: return run_opt_share(o, arg);
	case OPT_TIME: o->time_ns = true; return 0;
	case OPT_NET: return run_opt_net(o, arg);
	case OPT_LIMITS: return run_opt_limits(o, arg);
	case OPT_DRY_RUN: o->dry_run = true; return 0;
	case OPT_MEMORY:
		if (parse_memory(arg, &o->lim.memory, &err) == 0)
			return 0;
		break;
	case OPT_IMG_BYTES: {
		long long n;

		if (parse_size("--image-max-bytes", arg, &n, &err) == 0) {
			o->img_lim.bytes = (unsigned long long)n;
			return 0;
		}
		break;
	}
	case OPT_IMG_ENTRIES:
		if (rootfs_parse_count("--image-max-entries", arg, &o->img_lim.entries, &err) == 0)
			return 0;
		break;
	case OPT_IMG_DEPTH:
		if (rootfs_parse_count("--image-max-depth", arg, &o->img_lim.depth, &err) == 0)
			return 0;
		break;
	case OPT_PIDS:
		if (parse_pids(arg, &o->lim.pids, &err) == 0)
			return 0;
		break;
	case OPT_CPUS:
		if (parse_cpus(arg, &o->lim.cpus_milli, &err) == 0)
			return 0;
		break;
	default:
		return -1;
	}
	nsx_err_print("run", &err);
	return -1;
}

static void
run_print_plan(const struct plan *p)
{
	static const char *const who[] = { "nsx", "init", "cmd" };

	/* paths in it may be files other users named (--image ~student/x.tar) */
	printf("plan for container '%s' on ", p->name);
	safe_fputs(p->source, stdout);
	printf(" (--dry-run: nothing is run)\n");
	printf("  #  %-11s %-4s  %s\n", "STEP", "WHO", "WHAT, and why");
	for (int i = 0; i < p->nsteps; i++) {
		const struct plan_step *s = &p->steps[i];

		printf(" %2d  %-11s %-4s  ", i + 1, s->name, who[s->where]);
		safe_fputs(s->what, stdout);
		printf("\n     %-11s %-4s    why: %s\n", "", "", s->why);
	}
}

static int
run_run(struct nsx_shell *sh, int argc, char **argv)
{
	struct run_opts o = { .lim = CG_UNLIMITED };
	struct cmd_getopt g = { .in_order = true };
	struct nsx_err err = { 0 };
	struct plan *p;
	int c, rc;

	while ((c = cmd_getopt(&cmd_run, argc, argv, &g)) != -1) {
		if (c == 'h') {
			cmd_print_help(&cmd_run, stdout);
			return 0;
		}
		if (c == '?' || run_opt(&o, c, g.optarg) < 0)
			return 125;
	}
	if (g.optind < argc)
		o.argv = argv + g.optind;
	/* its cache, records, cgroup files and rootfs are all paths: at a
	 * level in another's mount or user namespace, theirs to decide */
	if (trust_root() && trust_foreign()) {
		nsx_warn("run", "%s: as root, nsx runs no container there (its cache, records and cgroup "
			 "files would be paths another decides); run it where nsx started", trust_foreign());
		return 125;
	}
	p = xcalloc(1, sizeof(*p));
	if (plan_build(p, &o, &err) < 0) {
		free(p);
		return run_fail(&err);
	}
	if (o.dry_run) {
		run_print_plan(p);
		free(p);
		return 0;
	}
	fflush(NULL);
	rc = container_run(p, &err);
	free(p);
	if (rc >= 125 && rc <= 127 && err.msg[0])
		nsx_err_print("run", &err);
	return rc;
}

const struct nsx_cmd cmd_run = {
	.name = "run",
	.summary = "run a container: own rootfs, /proc, /dev, hostname, limits, network",
	.usage = "run [options] [--] [CMD [ARG...]]",
	.help =
	"Starts CMD (default /bin/sh) in a new container: new user (when not root),\n"
	"mount, uts, ipc, pid, net and cgroup namespaces, a root filesystem of its\n"
	"own with fresh /proc, /dev and read-only /sys, the usual container\n"
	"capabilities, and nsx's init as PID 1. The rootfs is the built-in busybox\n"
	"tree unless --rootfs or --image is given; the container writes to a layer\n"
	"that goes away (unless --rw). Everything it made is removed when it ends.\n"
	"With --memory, --pids or --cpus it runs in a cgroup of its own, which it\n"
	"sees read-only at /sys/fs/cgroup; a limit that cannot be applied (no\n"
	"delegated cgroup, no controller) is an error unless --limits=try.\n"
	"Exit status: CMD's (128+N if signal N killed it); 125 setup failed,\n"
	"126 CMD not executable, 127 CMD not found.\n"
	"\n"
	"Examples:\n"
	"  run                                   a shell in a busybox container\n"
	"  run --dry-run                         every setup step, with why\n"
	"  run --name web --memory 64m --pids 20 -- httpd -f -p 8080\n"
	"  run --memory 64m -- cat /sys/fs/cgroup/memory.max\n"
	"                                        the limit, seen inside (cgroup v2)\n"
	"  run --pids 20 --limits=try -- make    limits where the cgroups allow them\n"
	"  run --image alpine.tar.gz -- cat /etc/os-release\n"
	"  run --net veth -- ip addr             a veth pair to the host side\n",
	.opts = run_opts,
	.args = COMP_NONE,
	.run = run_run,
};
