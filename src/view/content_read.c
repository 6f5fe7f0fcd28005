/* Reading a namespace's content through the proc root, one reader per
 * type (the glance and the detail lines of content.h), and entering a uts
 * or net namespace on the live system without ever moving nsx itself.
 * Each reader reads through the namespace's representative process
 * (ns->rep): a fixture tree given with --proc-root works the same. */
#define _GNU_SOURCE
#include "view/content_int.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>
#include <unistd.h>

#include "cgroup/cgroup.h"
#include "model/mountinfo.h"
#include "util/safe.h"
#include "util/xalloc.h"

#define MOUNTS_MAX 200
/* The kernel's fixed inode of the initial cgroup namespace
 * (PROC_CGROUP_INIT_INO): its root is "/" whatever its first process's
 * cgroup is (init.scope). */
#define CGROUP_INIT_INO 0xEFFFFFFBul

/* ---- small helpers ---- */

static int
ct_open(const struct nsx_model *m, pid_t pid, const char *name)
{
	char path[64];

	snprintf(path, sizeof(path), "%d/%s", (int)pid, name);
	return openat(m->procfd, path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
}

/* Read /proc/PID/NAME whole (up to size - 1 bytes), NUL-terminated: the
 * length, or -1. Small files only; big ones go through ct_fopen. */
ssize_t
ct_read(const struct nsx_model *m, pid_t pid, const char *name, char *buf, size_t size)
{
	int fd = ct_open(m, pid, name);
	size_t len = 0;
	ssize_t r = 0;

	if (fd < 0)
		return -1;
	while (len + 1 < size && (r = read(fd, buf + len, size - 1 - len)) > 0)
		len += (size_t)r;
	close(fd);
	buf[len] = '\0';
	return r < 0 ? -1 : (ssize_t)len;
}

FILE *
ct_fopen(const struct nsx_model *m, pid_t pid, const char *name)
{
	int fd = ct_open(m, pid, name);
	FILE *f;

	if (fd < 0)
		return NULL;
	if (!(f = fdopen(fd, "r")))
		close(fd);
	return f;
}

/* The next line of a buffer, cut in place; NULL at the end. */
char *
ct_line(char **cursor)
{
	char *line = *cursor, *nl;

	if (!line || !*line)
		return NULL;
	nl = strchr(line, '\n');
	if (nl)
		*nl++ = '\0';
	*cursor = nl;
	return line;
}

/* Append word to buf, after sep when buf is not empty; truncates. */
void
ct_join(char *buf, size_t n, const char *sep, const char *word)
{
	size_t len = strlen(buf);

	if (len + 1 >= n)
		return;
	snprintf(buf + len, n - len, "%s%s", len ? sep : "", word);
}

/* The namespace inode a link under the proc root names, 0 when none. */
unsigned long
ct_link_ino(const struct nsx_model *m, const char *path, int want_type)
{
	char buf[64];
	ssize_t n = readlinkat(m->procfd, path, buf, sizeof(buf));
	unsigned long ino;
	int type;

	if (n < 0 || nstype_parse_link(buf, (size_t)n, &type, &ino) < 0 || type != want_type)
		return 0;
	return ino;
}

/* ---- detail lines ---- */

void
ct_lines_add(struct ct_lines *l, const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		s = xstrdup("");
	va_end(ap);
	if (l->n == l->cap) {
		l->cap = l->cap ? 2 * l->cap : 8;
		l->v = xreallocarray(l->v, l->cap, sizeof(*l->v));
	}
	l->v[l->n++] = s;
}

void
ct_lines_free(struct ct_lines *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	memset(l, 0, sizeof(*l));
}

/* ---- inside a namespace, on the live system ---- */

static void *
live_run(void *arg)
{
	struct ct_live *l = arg;

	if (l->fd >= 0 && setns(l->fd, nstype_table[l->type].clone_flag) < 0) {
		l->err = errno;
		return NULL;
	}
	if (l->type == NSX_UTS ? uname(&l->uts) < 0 : getifaddrs(&l->ifa) < 0)
		l->err = errno;
	return NULL;
}

bool
ct_ns_is_ours(const struct nsx_model *m, const struct nsx_ns *ns)
{
	char path[48];

	/* setns works per thread: the calling thread's namespaces are ours */
	snprintf(path, sizeof(path), "thread-self/ns/%s", nstype_table[ns->type].name);
	return ct_link_ino(m, path, ns->type) == ns->ino;
}

/* Read a uts namespace's names or a net namespace's interfaces from inside
 * it. Our own needs no setns (and no privilege); another one is entered by
 * a new thread, whose namespaces are its own: it ends inside, and the rest
 * of nsx never moves. Returns 0, or -1 with l->err. */
int
ct_live_read(const struct nsx_model *m, const struct nsx_ns *ns, struct ct_live *l)
{
	sigset_t all, old;
	pthread_t t;
	int rc;

	memset(l, 0, sizeof(*l));
	l->type = ns->type;
	l->fd = -1;
	if (!m->real_proc)
		return l->err = ENOTSUP, -1;
	if (ct_ns_is_ours(m, ns)) {
		live_run(l);
		return l->err ? -1 : 0;
	}
	if ((l->fd = model_ns_open(m, ns)) < 0)
		return l->err = errno, -1;
	/* signals stay with the threads that handle them (SIGWINCH) */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	rc = pthread_create(&t, NULL, live_run, l);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc == 0)
		pthread_join(t, NULL);
	else
		l->err = rc;
	close(l->fd);
	return l->err ? -1 : 0;
}

const char *
ct_live_why(const struct nsx_model *m, const struct ct_live *l)
{
	if (!m->real_proc)
		return "read only on the live /proc";
	return strerror(l->err);
}

/* ---- uts ---- */

static void
uts_glance(const struct nsx_model *m, const struct nsx_ns *ns, char *buf, size_t n)
{
	struct ct_live l;

	if (ct_live_read(m, ns, &l) == 0)
		snprintf(buf, n, "%s", l.uts.nodename);
}

static void
uts_detail(const struct nsx_model *m, const struct nsx_ns *ns, struct ct_lines *out)
{
	struct ct_live l;

	if (ct_live_read(m, ns, &l) < 0) {
		ct_lines_add(out, "hostname: not readable (%s)", ct_live_why(m, &l));
		return;
	}
	ct_lines_add(out, "hostname: %s", l.uts.nodename);
	ct_lines_add(out, "domain name: %s", l.uts.domainname);
}

/* ---- mnt ---- */

struct mount {
	char *point, *type, *source;
	char prop[32];
};

/* Does the space-separated list of optional fields have one starting
 * with PREFIX ("master:")? */
static bool
has_field(const char *list, const char *prefix)
{
	for (const char *p = list; *p; p += strcspn(p, " "), p += *p == ' ')
		if (strncmp(p, prefix, strlen(prefix)) == 0)
			return true;
	return false;
}

/* Propagation in findmnt's words ("shared", "private,slave",
 * "private,unbindable"), from mountinfo's optional fields. */
static void
mount_prop(const char *optional, char *buf, size_t n)
{
	static const struct { const char *field; const char *word; } words[] = {
		{ "master:", ",slave" }, { "unbindable", ",unbindable" },
	};

	snprintf(buf, n, "%s", has_field(optional, "shared:") ? "shared" : "private");
	for (size_t w = 0; w < ARRAY_SIZE(words); w++)
		if (has_field(optional, words[w].field))
			ct_join(buf, n, "", words[w].word);
}

/* One mountinfo line, cut in place (model/mountinfo.h); the strings point
 * into line. Returns 0, or -1. */
static int
mount_parse(char *line, struct mount *mt)
{
	struct mountinfo mi;

	if (mountinfo_parse(line, &mi) < 0)
		return -1;
	mt->point = mi.target;
	mt->type = mi.fstype;
	mt->source = mi.source;
	mount_prop(mi.optional, mt->prop, sizeof(mt->prop));
	return 0;
}

static void
mnt_glance(const struct nsx_model *m, const struct nsx_ns *ns, char *buf, size_t n)
{
	FILE *f = ns->rep ? ct_fopen(m, ns->rep, "mountinfo") : NULL;
	char *line = NULL;
	size_t cap = 0;

	if (!f)
		return;
	/* the last mount on "/" is the one on top: the root the process sees */
	while (getline(&line, &cap, f) > 0) {
		struct mount mt;

		if (mount_parse(line, &mt) == 0 && strcmp(mt.point, "/") == 0)
			snprintf(buf, n, "%s %s", mt.type, mt.source);
	}
	free(line);
	fclose(f);
}

/* The columns the frame gives s: escapes included (frame_put). */
static int
shown_len(const char *s)
{
	return (int)safe_encode_buf(s, strlen(s), NULL, 0, SAFE_ASCII);
}

static int
wider(int w, const char *s, int cap)
{
	int len = shown_len(s);

	/* columns, but a long path must not push the others off screen */
	return len > w ? (len > cap ? cap : len) : w;
}

static int
pad(int w, const char *s)
{
	int len = shown_len(s);

	return len < w ? w - len : 0;
}

static void
mnt_detail(const struct nsx_model *m, const struct nsx_ns *ns, struct ct_lines *out)
{
	FILE *f = ns->rep ? ct_fopen(m, ns->rep, "mountinfo") : NULL;
	struct mount *v = NULL;
	size_t nv = 0, total = 0, cap = 0;
	int wp = 0, wt = 0, ws = 0;
	char *line = NULL;

	if (!f) {
		ct_lines_add(out, "mounts: not readable (%s)", ns->rep ? strerror(errno) : "no process in it");
		return;
	}
	while (getline(&line, &cap, f) > 0) {
		struct mount mt;

		if (mount_parse(line, &mt) < 0 || total++ >= MOUNTS_MAX)
			continue;
		v = xreallocarray(v, nv + 1, sizeof(*v));
		v[nv] = (struct mount){ xstrdup(mt.point), xstrdup(mt.type), xstrdup(mt.source), "" };
		memcpy(v[nv].prop, mt.prop, sizeof(mt.prop));
		wp = wider(wp, mt.point, 32);
		wt = wider(wt, mt.type, 12);
		ws = wider(ws, mt.source, 24);
		nv++;
	}
	free(line);
	fclose(f);
	ct_lines_add(out, "mounts: %zu", total);
	for (size_t i = 0; i < nv; i++) {
		/* padded by hand: %-*s counts bytes, the frame its escapes */
		ct_lines_add(out, "%s%*s  %s%*s  %s%*s  %s", v[i].point, pad(wp, v[i].point), "",
			     v[i].type, pad(wt, v[i].type), "", v[i].source, pad(ws, v[i].source), "",
			     v[i].prop);
		free(v[i].point);
		free(v[i].type);
		free(v[i].source);
	}
	if (total > nv)
		ct_lines_add(out, "... and %zu more", total - nv);
	free(v);
}

/* ---- user ---- */

/* uid_map/gid_map "INSIDE OUTSIDE COUNT" lines as "0->1000 (1), ...":
 * how many lines, -1 when unreadable. */
static int
user_map(const struct nsx_model *m, pid_t pid, const char *file, char *buf, size_t n)
{
	char text[8192], *cur = text, *line;
	int count = 0;

	buf[0] = '\0';
	if (!pid || ct_read(m, pid, file, text, sizeof(text)) < 0)
		return -1;
	while ((line = ct_line(&cur))) {
		unsigned long in, outside, len;
		char item[80];

		if (sscanf(line, "%lu %lu %lu", &in, &outside, &len) != 3)
			continue;
		/* 4294967295: the whole range (the initial namespace's map) */
		if (len == 4294967295ul)
			snprintf(item, sizeof(item), "%lu->%lu (all)", in, outside);
		else
			snprintf(item, sizeof(item), "%lu->%lu (%lu)", in, outside, len);
		ct_join(buf, n, ", ", item);
		count++;
	}
	return count;
}

static void
user_glance(const struct nsx_model *m, const struct nsx_ns *ns, char *buf, size_t n)
{
	if (user_map(m, ns->rep, "uid_map", buf, n) == 0)
		snprintf(buf, n, "no uid map");
}

/* A field of /proc/PID/status ("CapEff:\t..."), into buf. */
static bool
status_field(const struct nsx_model *m, pid_t pid, const char *key, char *buf, size_t n)
{
	char text[8192], *cur = text, *line;
	size_t klen = strlen(key);

	if (!pid || ct_read(m, pid, "status", text, sizeof(text)) < 0)
		return false;
	while ((line = ct_line(&cur)))
		if (strncmp(line, key, klen) == 0 && line[klen] == ':') {
			snprintf(buf, n, "%s", line + klen + 1 + strspn(line + klen + 1, " \t"));
			return true;
		}
	return false;
}

/* The names of the capabilities in mask, a line of about 64 columns each. */
static void
cap_lines(uint64_t mask, struct ct_lines *out)
{
	char buf[80] = "";
	int ncaps = (int)cap_max_bits();

	if (ncaps > 0 && ncaps < 64 && mask == (UINT64_C(1) << ncaps) - 1) {
		ct_lines_add(out, "  all %d", ncaps);
		return;
	}
	for (int b = 0; b < 64; b++) {
		char *name;

		if (!(mask & (UINT64_C(1) << b)))
			continue;
		name = cap_to_name((cap_value_t)b);
		if (strlen(buf) + strlen(name ? name : "?") + 1 > 64) {
			ct_lines_add(out, "  %s", buf);
			buf[0] = '\0';
		}
		ct_join(buf, sizeof(buf), " ", name ? name : "?");
		cap_free(name);
	}
	ct_lines_add(out, "  %s", buf[0] ? buf : "none");
}

static void
user_detail(const struct nsx_model *m, const struct nsx_ns *ns, struct ct_lines *out)
{
	static const char *const maps[][2] = { { "uid_map", "uid" }, { "gid_map", "gid" } };
	char map[2048], value[128];
	unsigned long long mask;

	if (!ns->rep)
		ct_lines_add(out, "maps: not readable (no process in it)");
	for (size_t i = 0; ns->rep && i < ARRAY_SIZE(maps); i++) {
		int got = user_map(m, ns->rep, maps[i][0], map, sizeof(map));

		ct_lines_add(out, "%s map: %s", maps[i][1],
			  got > 0 ? map : got == 0 ? "none (not written yet)" : "not readable");
	}
	if (ns->rep && ct_read(m, ns->rep, "setgroups", value, sizeof(value)) > 0)
		ct_lines_add(out, "setgroups: %.*s", (int)strcspn(value, "\n"), value);
	if (ns->flags & NSF_OWNER_UID)
		ct_lines_add(out, "owner uid: %u", (unsigned)ns->owner_uid);
	if (status_field(m, ns->rep, "CapEff", value, sizeof(value)) &&
	    sscanf(value, "%llx", &mask) == 1) {
		ct_lines_add(out, "capabilities of %d: %016llx", (int)ns->rep, mask);
		cap_lines(mask, out);
	}
}

/* ---- pid ---- */

/* The last NSpid field: the process's PID in its own pid namespace. */
static long
nspid_inner(const struct nsx_model *m, pid_t pid)
{
	char value[256], *s, *end;
	long last = -1;

	if (!status_field(m, pid, "NSpid", value, sizeof(value)))
		return -1;
	for (s = value; *s; s = end) {
		long v = strtol(s, &end, 10);

		if (end == s)
			break;
		last = v;
	}
	return last;
}

/* The PID 1 of a pid namespace among its members: its lowest process
 * first (nearly always it), then the others, at most 256 status reads. */
static pid_t
pid_one(const struct nsx_model *m, const struct nsx_ns *ns)
{
	int tries = 0;

	if (!ns->rep)
		return 0;
	if (nspid_inner(m, ns->rep) == 1)
		return ns->rep;
	for (size_t i = 0; i < m->nprocs && tries < 256; i++) {
		const struct nsx_proc *p = &m->procs[i];

		if (p->ns[NSX_PID] != ns->ino || p->pid == ns->rep)
			continue;
		tries++;
		if (nspid_inner(m, p->pid) == 1)
			return p->pid;
	}
	return 0;
}

static void
pid_glance(const struct nsx_model *m, const struct nsx_ns *ns, char *buf, size_t n)
{
	pid_t one = pid_one(m, ns);
	char *cmd = one ? model_proc_cmdline(m, one) : NULL;

	if (cmd)
		snprintf(buf, n, "%s", cmd);
	free(cmd);
}

static void
pid_detail(const struct nsx_model *m, const struct nsx_ns *ns, struct ct_lines *out)
{
	pid_t one = pid_one(m, ns);
	char *cmd = one ? model_proc_cmdline(m, one) : NULL;

	if (cmd)
		ct_lines_add(out, "PID 1: %d (%s)", (int)one, cmd);
	else
		ct_lines_add(out, "PID 1: not found among the processes visible here");
	ct_lines_add(out, "processes: %u", ns->nprocs);
	free(cmd);
}

/* ---- time ---- */

/* /proc/PID/timens_offsets shows the offsets of PID's time_for_children
 * namespace (where they can still be written before the first fork): read
 * it through a process whose time_for_children is this one. */
static pid_t
time_source(const struct nsx_model *m, const struct nsx_ns *ns)
{
	char path[48];

	for (const struct nsx_holder *h = ns->holders; h; h = h->next)
		if (h->kind == HOLD_CHILDREN)
			return h->pid;
	if (!ns->rep)
		return 0;
	snprintf(path, sizeof(path), "%d/ns/time_for_children", (int)ns->rep);
	return ct_link_ino(m, path, NSX_TIME) == ns->ino ? ns->rep : 0;
}

/* "+86400s", "-3600s", "+1.5s": the kernel keeps tv_nsec in [0, 1e9). */
static void
fmt_offset(long long sec, long nsec, char *buf, size_t n)
{
	char sign = sec < 0 ? '-' : '+';
	char frac[16] = "";

	if (sec < 0 && nsec) {
		sec = -sec - 1;
		nsec = 1000000000 - nsec;
	} else if (sec < 0)
		sec = -sec;
	if (nsec) {
		size_t len = (size_t)snprintf(frac, sizeof(frac), ".%09ld", nsec);

		while (len > 1 && frac[len - 1] == '0')
			frac[--len] = '\0';
	}
	snprintf(buf, n, "%c%lld%ss", sign, sec, frac);
}

struct offset {
	const char *clock;	/* monotonic, boottime */
	const char *brief;	/* mono, boot */
	char text[48];
	bool zero;
};

/* Returns how many offsets were read (2), 0 when none. */
static int
time_offsets(const struct nsx_model *m, const struct nsx_ns *ns, struct offset o[2])
{
	char text[512], *cur = text, *line;
	pid_t pid = time_source(m, ns);
	int got = 0;

	o[0] = (struct offset){ .clock = "monotonic", .brief = "mono" };
	o[1] = (struct offset){ .clock = "boottime", .brief = "boot" };
	if (!pid || ct_read(m, pid, "timens_offsets", text, sizeof(text)) < 0)
		return 0;
	while ((line = ct_line(&cur))) {
		char clock[16];
		long long sec;
		long nsec;

		if (sscanf(line, "%15s %lld %ld", clock, &sec, &nsec) != 3)
			continue;
		for (int i = 0; i < 2; i++)
			if (strcmp(clock, o[i].clock) == 0) {
				fmt_offset(sec, nsec, o[i].text, sizeof(o[i].text));
				o[i].zero = !sec && !nsec;
				got++;
			}
	}
	return got;
}

static void
time_glance(const struct nsx_model *m, const struct nsx_ns *ns, char *buf, size_t n)
{
	struct offset o[2];

	if (!time_offsets(m, ns, o))
		return;
	for (int i = 0; i < 2; i++)
		if (o[i].text[0] && !o[i].zero) {
			char item[64];

			snprintf(item, sizeof(item), "%s %s", o[i].brief, o[i].text);
			ct_join(buf, n, " ", item);
		}
	if (!buf[0])
		snprintf(buf, n, "no offsets");
}

static void
time_detail(const struct nsx_model *m, const struct nsx_ns *ns, struct ct_lines *out)
{
	struct offset o[2];

	if (!time_offsets(m, ns, o)) {
		ct_lines_add(out, "offsets: not readable");
		return;
	}
	for (int i = 0; i < 2; i++)
		if (o[i].text[0])
			ct_lines_add(out, "%s offset: %s", o[i].clock, o[i].text);
}

/* ---- cgroup, ipc ---- */

/* The cgroup path of pid (cg_text_path: the v2 line's, else the first
 * line's). */
static bool
cgroup_path(const struct nsx_model *m, pid_t pid, char *buf, size_t n)
{
	char text[16384];

	return pid && ct_read(m, pid, "cgroup", text, sizeof(text)) >= 0 && cg_text_path(text, buf, n);
}

static bool
cgroup_is_top(const struct nsx_model *m, const struct nsx_ns *ns)
{
	/* /proc/PID/cgroup paths are relative to the reader's cgroup namespace:
	 * ours is "/" by definition */
	return ns->ino == CGROUP_INIT_INO || (m->real_proc && ct_ns_is_ours(m, ns));
}

/* The root of a cgroup namespace is not in /proc as seen from outside: the
 * cgroup of its first process stands for it (a container's init sits in
 * the root it was given). */
static bool
cgroup_root(const struct nsx_model *m, const struct nsx_ns *ns, char *buf, size_t n)
{
	if (cgroup_is_top(m, ns)) {
		snprintf(buf, n, "/");
		return true;
	}
	return cgroup_path(m, ns->rep, buf, n);
}

static void
cgroup_glance(const struct nsx_model *m, const struct nsx_ns *ns, char *buf, size_t n)
{
	if (!cgroup_root(m, ns, buf, n))
		buf[0] = '\0';
}

static void
cgroup_detail(const struct nsx_model *m, const struct nsx_ns *ns, struct ct_lines *out)
{
	char root[4096];

	if (!cgroup_root(m, ns, root, sizeof(root)))
		ct_lines_add(out, "root: not readable");
	else if (cgroup_is_top(m, ns))
		ct_lines_add(out, "root: /");
	else
		ct_lines_add(out, "root: %s (the cgroup of %d)", root, (int)ns->rep);
}

static void
ipc_glance(const struct nsx_model *m, const struct nsx_ns *ns, char *buf, size_t n)
{
	/* System V objects and mqueues: /proc/sysvipc shows the reader's own */
}

static void
ipc_detail(const struct nsx_model *m, const struct nsx_ns *ns, struct ct_lines *out)
{
	ct_lines_add(out, "System V IPC objects and POSIX message queues: seen only from inside");
}

/* ---- by type ---- */

static const struct {
	void (*glance)(const struct nsx_model *, const struct nsx_ns *, char *, size_t);
	void (*detail)(const struct nsx_model *, const struct nsx_ns *, struct ct_lines *);
} readers[NSX_NTYPES] = {
	[NSX_CGROUP] = { cgroup_glance, cgroup_detail },
	[NSX_IPC] = { ipc_glance, ipc_detail },
	[NSX_MNT] = { mnt_glance, mnt_detail },
	[NSX_NET] = { ct_net_glance, ct_net_detail },
	[NSX_PID] = { pid_glance, pid_detail },
	[NSX_TIME] = { time_glance, time_detail },
	[NSX_USER] = { user_glance, user_detail },
	[NSX_UTS] = { uts_glance, uts_detail },
};

void
ct_glance(const struct nsx_model *m, const struct nsx_ns *ns, char *buf, size_t n)
{
	if (ns->type >= 0 && ns->type < NSX_NTYPES)
		readers[ns->type].glance(m, ns, buf, n);
}

void
ct_detail(const struct nsx_model *m, const struct nsx_ns *ns, struct ct_lines *out)
{
	if (ns->type >= 0 && ns->type < NSX_NTYPES)
		readers[ns->type].detail(m, ns, out);
}
