/* /proc files as nsx reads them: stat (PPID, state, start time), status (NSpid, CapEff, Uid),
 * uid_map and gid_map, mountinfo (nsfs mounts, the viewer's mount list, the
 * lessons' mount checks, cgroup mounts), cgroup, timens_offsets, cmdline
 * and comm. The input is those files, in that order, separated by form
 * feeds (\f); they are written into a fake proc root (PID 1) that the
 * model, the viewer's content and the lesson checks read, and the pure
 * parsers get the text directly. */
#define _GNU_SOURCE
#include "fuzz.h"

#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cgroup/cgroup.h"
#include "lesson/lesson.h"
#include "model/internal.h"
#include "model/mountinfo.h"
#include "sys/sys.h"
#include "view/content.h"
#include "view/content_int.h"

enum { F_STAT, F_STATUS, F_UID_MAP, F_GID_MAP, F_MOUNTINFO, F_CGROUP, F_TIMENS,
       F_CMDLINE, F_COMM, NFILES };
static const char *const files[NFILES] = {
	"stat", "status", "uid_map", "gid_map", "mountinfo", "cgroup", "timens_offsets",
	"cmdline", "comm",
};

/* Lesson checks that read these files, one term each (a check stops at
 * its first failing term). */
static const char *const checks[] = {
	"mount /proc proc", "mount / ext4", "propagation / shared", "propagation /mnt private",
	"no-mount-under /mnt", "uid-map 0 1000 1", "gid-map 0 0 4294967295", "uid 0",
	"gid 1000", "cap sys_admin", "cgroup-root", "time-offset monotonic 86400",
	"time-offset boottime -5",
};

static char root[64];
static struct nsx_model model;
static struct lesson_step steps[sizeof(checks) / sizeof(checks[0])];

/* the fake proc root goes when the fuzzer or the replay ends */
static void
cleanup(void)
{
	char path[128];

	for (int i = 0; i < NFILES; i++) {
		snprintf(path, sizeof(path), "%s/1/%s", root, files[i]);
		unlink(path);
	}
	snprintf(path, sizeof(path), "%s/1", root);
	rmdir(path);
	rmdir(root);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct nsx_err err;
	char dir[96], msg[300];

	snprintf(root, sizeof(root), "%s/nsx-fuzz-proc-XXXXXX", fz_tmp());
	if (!mkdtemp(root))
		abort();
	snprintf(dir, sizeof(dir), "%s/1", root);
	if (mkdir(dir, 0700) < 0 || model_open(&model, root, &err) < 0)
		abort();
	atexit(cleanup);
	for (size_t i = 0; i < sizeof(checks) / sizeof(checks[0]); i++)
		if (lesson_check_parse(checks[i], &steps[i].terms, &steps[i].nterms, msg,
				       sizeof(msg)) < 0) {
			fprintf(stderr, "fuzz: check '%s': %s\n", checks[i], msg);
			abort();
		}
	return 0;
}

static void
put(const char *name, const char *text)
{
	char path[128];
	int fd;

	snprintf(path, sizeof(path), "1/%s", name);
	fd = openat(model.procfd, path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0 || write(fd, text, strlen(text)) < 0)
		abort();
	close(fd);
}

/* The pure parsers, on the text itself. */
static void
parse_texts(char **f)
{
	char *copy = strdup(f[F_MOUNTINFO]), *cur = copy, *line, path[4096];
	FILE *cg = fmemopen(f[F_CGROUP], strlen(f[F_CGROUP]), "r");
	FILE *mi = fmemopen(f[F_MOUNTINFO], strlen(f[F_MOUNTINFO]), "r");
	static struct cg_where w;
	unsigned long ino;
	int type;

	(void)proc_stat_ppid(f[F_STAT]);
	sys_uid_map_is_init(f[F_UID_MAP]);
	while ((line = ct_line(&cur))) {
		if (mountinfo_nsfs(line, &type, &ino, path, sizeof(path)) == 1)
			fz_assert(type >= 0 && type < NSX_NTYPES && strlen(path) < sizeof(path));
		mountinfo_unescape(line, strlen(line), line, strlen(line) + 1);
	}
	if (cg && mi)
		fz_assert(cg_where_parse(cg, mi, &w) >= 0 && w.nv1 <= CG_MAXV1);
	if (cg)
		fclose(cg);
	if (mi)
		fclose(mi);
	free(copy);
}

/* The same files read where they are: the model, the viewer, the lessons. */
static void
read_tree(void)
{
	struct nsx_proc p = { .pid = 1, .ppid = -1 };
	struct lesson_env e = { .procfd = model.procfd, .pid = 1, .ref_mountinfo = -1 };
	char buf[512], why[512], state;

	model_proc_ppid(&model, &p);
	proc_starttime(model.procfd, 1, &state);
	free(model_proc_cmdline(&model, 1));
	free(model_proc_comm(&model, 1));
	for (int t = 0; t < NSX_NTYPES; t++) {
		struct nsx_ns ns = { .type = t, .ino = 4026531830UL + (unsigned long)t, .rep = 1 };
		struct ct_lines out = { 0 };

		if (t == NSX_UTS || t == NSX_NET)
			continue;	/* read from inside the namespace, live only */
		ct_glance(&model, &ns, buf, sizeof(buf));
		ct_detail(&model, &ns, &out);
		ct_lines_free(&out);
		content_label(&model, &ns, buf, sizeof(buf));
	}
	for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++)
		lesson_check(&steps[i], &e, why, sizeof(why));
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fz_str(data, size), *f[NFILES];
	int n = fz_split(s, '\f', f, NFILES);

	for (int i = n; i < NFILES; i++)
		f[i] = "";
	parse_texts(f);
	for (int i = 0; i < NFILES; i++)
		put(files[i], f[i]);
	read_tree();
	free(s);
	return 0;
}
