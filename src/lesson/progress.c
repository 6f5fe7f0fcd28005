/* Progress: one small text file per user ($XDG_STATE_HOME/nsx/progress),
 * rewritten whole through a temporary file and rename, so a crash leaves
 * the old or the new one. A file that does not parse is set aside as
 * progress.bad, never a reason to fail. */
#define _GNU_SOURCE
#include "lesson/lesson.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "model/model.h"
#include "model/mountinfo.h"
#include "util/trust.h"
#include "util/xalloc.h"

#define MAGIC "nsx-progress 1"

static int dirfd_cached = -1;
static char dirpath[PATH_MAX];

/* As root, the directory must be root's alone: a planted progress file
 * names a "mystery" PID that `lesson start` kills, and a lesson file that
 * runs. Anyone's must be theirs (trust_state_home). */
int
progress_dirfd(struct nsx_err *err)
{
	if (dirfd_cached >= 0)
		return dirfd_cached;
	if (trust_state_home(dirpath, sizeof(dirpath), err) < 0)
		return -1;
	dirfd_cached = open(dirpath, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dirfd_cached < 0)
		return nsx_error(err, errno, "%s: %s", dirpath, strerror(errno));
	return dirfd_cached;
}

void
progress_free(struct progress *p)
{
	free(p->current_path);
	free(p->l);
	memset(p, 0, sizeof(*p));
}

struct lesson_prog *
progress_lesson(struct progress *p, const char *name, int nsteps)
{
	struct lesson_prog *lp;

	for (int i = 0; i < p->n; i++)
		if (strcmp(p->l[i].name, name) == 0) {
			if (nsteps > 0)
				p->l[i].nsteps = nsteps;
			return &p->l[i];
		}
	p->l = xreallocarray(p->l, (size_t)p->n + 1, sizeof(*p->l));
	lp = &p->l[p->n++];
	memset(lp, 0, sizeof(*lp));
	snprintf(lp->name, sizeof(lp->name), "%s", name);
	lp->nsteps = nsteps < LESSON_MAXSTEPS ? nsteps : LESSON_MAXSTEPS;
	lp->started = lp->updated = (long)time(NULL);
	return lp;
}

static bool
name_ok(const char *s)
{
	if (!*s || strlen(s) >= 64)
		return false;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '-'))
			return false;
	return true;
}

/* The hostname as hex ("-" when empty): any byte the kernel allows in it
 * (blanks too) survives the round trip. */
static void
hex_encode(const char *s, char *out, size_t n)
{
	size_t o = 0;

	if (!*s) {
		snprintf(out, n, "-");
		return;
	}
	for (; *s && o + 3 <= n; s++, o += 2)
		snprintf(out + o, n - o, "%02x", (unsigned char)*s);
	out[o] = '\0';
}

static int
hex_decode(const char *s, char *out, size_t n)
{
	size_t o = 0;

	if (strcmp(s, "-") == 0) {
		out[0] = '\0';
		return 0;
	}
	if (strlen(s) % 2 || strlen(s) / 2 >= n)
		return -1;
	for (; *s; s += 2) {
		unsigned v;

		if (sscanf(s, "%2x", &v) != 1 || !isxdigit((unsigned char)s[1]))
			return -1;
		out[o++] = (char)v;
	}
	out[o] = '\0';
	return 0;
}

/* One line; -1 when it does not parse. */
static int
progress_line(struct progress *p, char *line)
{
	char name[64], done[LESSON_MAXSTEPS + 2], hints[LESSON_MAXSTEPS + 2];
	unsigned long *ns;
	int n = 0, step, nsteps, fails;
	long started, updated;

	line[strcspn(line, "\n")] = '\0';
	if (strncmp(line, "current ", 8) == 0) {
		if (!name_ok(line + 8))
			return -1;
		snprintf(p->current, sizeof(p->current), "%s", line + 8);
		return 0;
	}
	if (strncmp(line, "file ", 5) == 0 && line[5] == '/') {
		free(p->current_path);
		p->current_path = xstrdup(line + 5);
		return 0;
	}
	if (strncmp(line, "ref ", 4) == 0) {
		struct lesson_ref *r = &p->ref;
		unsigned uid, gid;
		int pid;

		ns = r->ns;
		char host[2 * sizeof(r->hostname) + 1];

		if (sscanf(line, "ref %ld %llu %d %d %u %u %lu %lu %lu %lu %lu %lu %lu %lu %lu %lu %130s%n",
			   &r->session, &r->session_start, &r->depth, &pid, &uid, &gid, &r->rootdev,
			   &r->rootino, &ns[0], &ns[1], &ns[2], &ns[3], &ns[4], &ns[5], &ns[6], &ns[7],
			   host, &n) != 17 || line[n] || r->depth < 0 || r->depth > 64 ||
		    hex_decode(host, r->hostname, sizeof(r->hostname)) < 0)
			return -1;
		r->pid = pid;
		r->uid = uid;
		r->gid = gid;
		p->have_ref = true;
		return 0;
	}
	if (strncmp(line, "mystery ", 8) == 0) {
		struct lesson_mystery *m = &p->mystery;
		int pid;

		ns = m->ns;
		if (sscanf(line, "mystery %d %llu %31s %lu %lu %lu %lu %lu %lu %lu %lu%n", &pid, &m->start,
			   m->secret, &ns[0], &ns[1], &ns[2], &ns[3], &ns[4], &ns[5], &ns[6], &ns[7], &n) != 11 ||
		    line[n] || pid <= 0)
			return -1;
		m->pid = pid;
		p->have_mystery = true;
		return 0;
	}
	if (sscanf(line, "lesson %63s step %d of %d done %33s hints %33s fails %d started %ld updated %ld%n",
		   name, &step, &nsteps, done, hints, &fails, &started, &updated, &n) == 8 && !line[n]) {
		struct lesson_prog *lp;

		if (!name_ok(name) || nsteps < 1 || nsteps > LESSON_MAXSTEPS || step < 0 || step >= nsteps ||
		    (int)strlen(done) != nsteps || (int)strlen(hints) != nsteps || fails < 0)
			return -1;
		lp = progress_lesson(p, name, nsteps);
		lp->step = step;
		lp->fails = fails;
		lp->started = started;
		lp->updated = updated;
		for (int i = 0; i < nsteps; i++) {
			if ((done[i] != '0' && done[i] != '1') || hints[i] < '0' || hints[i] > '9')
				return -1;
			lp->done[i] = done[i] == '1';
			lp->hints[i] = (unsigned char)(hints[i] - '0');
		}
		return 0;
	}
	return -1;
}

static int
parse_file(FILE *f, struct progress *p)
{
	char *line = NULL;
	size_t cap = 0;
	int ln = 0, bad = 0;

	while (!bad && getline(&line, &cap, f) >= 0) {
		if (ln++ == 0)
			bad = strncmp(line, MAGIC "\n", sizeof(MAGIC)) != 0;
		else
			bad = progress_line(p, line) < 0;
	}
	free(line);
	if (!bad && ln == 0)
		bad = 1;
	return bad ? -1 : 0;
}

int
progress_read_file(const char *path, struct progress *p, struct nsx_err *err)
{
	/* an instructor reads files students own: a FIFO, /dev/zero or a
	 * symlink to one must not hang or exhaust the report */
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_NOFOLLOW | O_CLOEXEC);
	struct stat st;
	FILE *f;

	memset(p, 0, sizeof(*p));
	if (fd < 0)
		return nsx_error(err, errno, "%s: %s", path, strerror(errno));
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size > (1 << 20)) {
		close(fd);
		return nsx_error(err, EINVAL, "%s: not an nsx progress file (not a regular file of "
				 "at most 1 MiB)", path);
	}
	f = fdopen(fd, "re");
	if (!f) {
		close(fd);
		return nsx_error(err, errno, "%s: %s", path, strerror(errno));
	}
	if (parse_file(f, p) < 0) {
		fclose(f);
		progress_free(p);
		return nsx_error(err, EINVAL, "%s: not an nsx progress file (or damaged)", path);
	}
	fclose(f);
	return 0;
}

int
progress_load(struct progress *p, bool *corrupt, struct nsx_err *err)
{
	int dfd = progress_dirfd(err), fd;
	FILE *f;

	memset(p, 0, sizeof(*p));
	*corrupt = false;
	if (dfd < 0)
		return -1;
	fd = openat(dfd, "progress", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? 0 : nsx_error(err, errno, "%s/progress: %s", dirpath, strerror(errno));
	f = fdopen(fd, "re");
	if (!f) {
		close(fd);
		return nsx_error(err, errno, "%s/progress: %s", dirpath, strerror(errno));
	}
	if (parse_file(f, p) < 0) {
		progress_free(p);
		*corrupt = true;
		/* keep it for whoever wants to look; start afresh */
		renameat(dfd, "progress", dfd, "progress.bad");
		nsx_error(err, EINVAL, "%s/progress was damaged: set aside as progress.bad, "
			  "starting with no progress", dirpath);
	}
	fclose(f);
	return 0;
}

int
progress_save(const struct progress *p, struct nsx_err *err)
{
	int dfd = progress_dirfd(err), fd;
	char tmp[64];
	FILE *f;

	if (dfd < 0)
		return -1;
	/* not the PID: two levels that are PID 1 of their namespaces would
	 * write into one file */
	unsigned r = 0;

	if (getrandom(&r, sizeof(r), 0) != (ssize_t)sizeof(r))
		r = (unsigned)getpid() ^ (unsigned)time(NULL);
	snprintf(tmp, sizeof(tmp), "progress.%08x", r);
	fd = openat(dfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0 || !(f = fdopen(fd, "w"))) {
		if (fd >= 0)
			close(fd);
		return nsx_error(err, errno, "cannot save progress in %s: %s", dirpath, strerror(errno));
	}
	fprintf(f, MAGIC "\n");
	if (p->current[0])
		fprintf(f, "current %s\n", p->current);
	/* a path the loader would refuse would cost all the progress */
	if (p->current_path && p->current_path[0] == '/' && !strchr(p->current_path, '\n'))
		fprintf(f, "file %s\n", p->current_path);
	if (p->have_ref) {
		const struct lesson_ref *r = &p->ref;

		char host[2 * sizeof(r->hostname) + 1];

		fprintf(f, "ref %ld %llu %d %d %u %u %lu %lu", r->session, r->session_start, r->depth,
			(int)r->pid, (unsigned)r->uid, (unsigned)r->gid, r->rootdev, r->rootino);
		for (int t = 0; t < NSX_NTYPES; t++)
			fprintf(f, " %lu", r->ns[t]);
		hex_encode(r->hostname, host, sizeof(host));
		fprintf(f, " %s\n", host);
	}
	if (p->have_mystery) {
		const struct lesson_mystery *m = &p->mystery;

		fprintf(f, "mystery %d %llu %s", (int)m->pid, m->start, m->secret);
		for (int t = 0; t < NSX_NTYPES; t++)
			fprintf(f, " %lu", m->ns[t]);
		fputc('\n', f);
	}
	for (int i = 0; i < p->n; i++) {
		const struct lesson_prog *lp = &p->l[i];

		fprintf(f, "lesson %s step %d of %d done ", lp->name, lp->step, lp->nsteps);
		for (int s = 0; s < lp->nsteps; s++)
			fputc(lp->done[s] ? '1' : '0', f);
		fputs(" hints ", f);
		for (int s = 0; s < lp->nsteps; s++)
			fputc('0' + (lp->hints[s] > 9 ? 9 : lp->hints[s]), f);
		fprintf(f, " fails %d started %ld updated %ld\n", lp->fails, lp->started, lp->updated);
	}
	if (fflush(f) != 0 || fsync(fileno(f)) < 0) {
		int e = errno;

		fclose(f);
		unlinkat(dfd, tmp, 0);
		return nsx_error(err, e, "cannot save progress in %s: %s", dirpath, strerror(e));
	}
	fclose(f);
	if (renameat(dfd, tmp, dfd, "progress") < 0) {
		int e = errno;

		unlinkat(dfd, tmp, 0);
		return nsx_error(err, e, "cannot save progress in %s: %s", dirpath, strerror(e));
	}
	return 0;
}

/* ---- the lab directory ---- */

int
progress_lab(const char *name, char *buf, size_t n, struct nsx_err *err)
{
	if (progress_dirfd(err) < 0)
		return -1;
	snprintf(buf, n, "%s/lab", dirpath);
	mkdir(buf, 0700);
	snprintf(buf, n, "%s/lab/%s", dirpath, name);
	if (mkdir(buf, 0700) < 0 && errno != EEXIST)
		return nsx_error(err, errno, "%s: %s", buf, strerror(errno));
	return 0;
}

/* rm -r of what is inside dfd, staying on one file system (dev): a bind
 * mount of / under the lab must not take the host with it. */
static void
rm_tree(int dfd, dev_t dev, int depth)
{
	DIR *d;
	struct dirent *e;
	int fd = dup(dfd);

	if (fd < 0 || !(d = fdopendir(fd))) {
		if (fd >= 0)
			close(fd);
		return;
	}
	while ((e = readdir(d))) {
		struct stat st;

		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		struct statx stx;

		if (fstatat(dfd, e->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 || st.st_dev != dev)
			continue;
		/* a bind mount of the same file system has the same st_dev:
		 * never go into a mount point (one that could not be detached) */
		if (statx(dfd, e->d_name, AT_SYMLINK_NOFOLLOW, STATX_BASIC_STATS, &stx) < 0 ||
		    !(stx.stx_attributes_mask & STATX_ATTR_MOUNT_ROOT) ||
		    (stx.stx_attributes & STATX_ATTR_MOUNT_ROOT))
			continue;
		if (S_ISDIR(st.st_mode) && depth < 64) {
			int sub = openat(dfd, e->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

			if (sub >= 0) {
				/* a directory of the lab's own (checked above) */
				fchmod(sub, 0700);
				rm_tree(sub, dev, depth + 1);
				close(sub);
			}
			unlinkat(dfd, e->d_name, AT_REMOVEDIR);
		} else
			unlinkat(dfd, e->d_name, 0);
	}
	closedir(d);
}

int
progress_lab_clear(const char *name, struct nsx_err *err)
{
	char lab[PATH_MAX], *line = NULL;
	size_t cap = 0, len;
	struct stat st;
	FILE *f;
	int fd;

	if (progress_lab(name, lab, sizeof(lab), err) < 0)
		return -1;
	len = strlen(lab);
	/* mounts under the lab first (a rootfs bound onto itself), deepest
	 * last in mountinfo order, so detach in reverse */
	f = fopen("/proc/self/mountinfo", "re");
	if (f) {
		char **pts = NULL;
		int npts = 0;

		while (getline(&line, &cap, f) >= 0) {
			struct mountinfo mi;
			const char *mp;

			if (mountinfo_parse(line, &mi) < 0)
				continue;
			mp = mi.target;
			if (strncmp(mp, lab, len) == 0 && (mp[len] == '/' || mp[len] == '\0')) {
				pts = xreallocarray(pts, (size_t)npts + 1, sizeof(char *));
				pts[npts++] = xstrdup(mp);
			}
		}
		free(line);
		fclose(f);
		while (npts > 0) {
			umount2(pts[--npts], MNT_DETACH);
			free(pts[npts]);
		}
		free(pts);
	}
	fd = open(lab, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return nsx_error(err, errno, "%s: %s", lab, strerror(errno));
	if (fstat(fd, &st) == 0)
		rm_tree(fd, st.st_dev, 0);
	close(fd);
	return 0;
}
