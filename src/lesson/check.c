/* Checks: named predicates over the live state of the student's level. The
 * check runs in the level's own process (the nsx shell at the prompt), so
 * its hostname, network namespace, root and mounts are the student's;
 * /proc files are read through the /proc nsx started with, which stays
 * reachable after pivot_root and a remounted /proc. This file holds the
 * table of predicates, `sh`, and the parsing and evaluating of terms; the
 * predicates are grouped by subject in check_ns.c, check_fs.c,
 * check_net.c and check_cg.c (check_int.h). */
#define _GNU_SOURCE
#include "lesson/lesson.h"
#include "lesson/check_int.h"

#include <ctype.h>
#include <dirent.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <ifaddrs.h>
#include <limits.h>
#include <net/if.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include "model/model.h"
#include "sys/sys.h"
#include "util/parse.h"
#include "util/xalloc.h"

typedef int pred_fn(const struct lesson_env *e, int argc, char **argv, char *why, size_t n);

/* Argument kinds, one letter per argument: t namespace type, s string,
 * p path, n integer, i id (integer or `me`), m propagation mode,
 * c cgroup controller (memory|pids), v limit value, k clock; `+` after
 * the last: one or more of it; `?`: optional. */
struct pred {
	const char *name;
	const char *args;
	pred_fn *fn;
	const char *argnames;	/* for help */
	const char *help;
};

int __attribute__((format(printf, 3, 4)))
chk_say(char *why, size_t n, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, n, fmt, ap);
	va_end(ap);
	return 0;
}

/* ---- reading this level ---- */

FILE *
chk_level_file(const struct lesson_env *e, const char *name)
{
	char path[64];
	int fd;

	snprintf(path, sizeof(path), "%d/%s", (int)e->pid, name);
	fd = openat(e->procfd, path, O_RDONLY | O_CLOEXEC);
	return fd < 0 ? NULL : fdopen(fd, "re");
}

int
chk_self_ns(const struct lesson_env *e, unsigned long ino[NSX_NTYPES])
{
	struct nsx_err err;

	return proc_ns_inodes(e->procfd, e->pid, ino, &err);
}

/* ---- sh, and the table ---- */

/* A level in an nsx container's namespaces, entered --unconfined: its
 * /bin/sh is the container's program, and it would run with all the
 * privileges of the student (root, for an instructor). Not run, rather
 * than run confined: the level holds nothing of the container's
 * confinement (its cgroup, for one, is reachable only from outside its
 * mount namespace), and what it would find out from inside, the
 * container may forge. In a confined level a check is confined already:
 * it is a child of the level, and inherits all of it. */
const char *
lesson_no_programs(const struct lesson_env *e, char *buf, size_t n)
{
	/* The same as root in another user's namespaces (a student's): the
	 * host's root keeps its uid there, and their /bin/sh would run with
	 * it, owner of every file root owns. */
	if (!e->unconfined_ctr && e->entered) {
		snprintf(buf, n, "not run: %s, whose programs would run as root; lesson checks run "
			 "where nsx started", e->entered);
		return buf;
	}
	if (!e->unconfined_ctr)
		return NULL;
	snprintf(buf, n, "not run: this level is in container '%s' unconfined (enter --unconfined), where "
		 "its programs would run with all your privileges; enter it without --unconfined",
		 e->unconfined_ctr);
	return buf;
}

static int
chk_sh(const struct lesson_env *e, int argc, char **argv, char *why, size_t n)
{
	pid_t c;
	int st;

	fflush(NULL);
	c = fork();
	if (c < 0)
		return chk_say(why, n, "fork: %s", strerror(errno));
	if (c == 0) {
		int null = open("/dev/null", O_RDWR | O_CLOEXEC);

		sigset_t none;

		if (null >= 0) {
			dup2(null, 0);
			dup2(null, 1);
			dup2(null, 2);
		}
		/* as any program the shell runs: fds 0-2 only (not the
		 * results pipe of verify), default signals */
		sys_close_range(3, ~0U);
		for (int sig = 1; sig < NSIG; sig++)
			signal(sig, SIG_DFL);
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		execl("/bin/sh", "sh", "-c", argv[0], (char *)NULL);
		_exit(127);
	}
	st = 0;
	while (waitpid(c, &st, 0) < 0)
		if (errno != EINTR)
			return chk_say(why, n, "waitpid: %s", strerror(errno));
	if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
		return 1;
	return chk_say(why, n, "'%s' is not true here", argv[0]);
}

static const struct pred preds[] = {
	{ "ns-new", "t+", chk_ns_new, "TYPE...", "this level's namespace of each TYPE differs from the start's" },
	{ "ns-same", "t+", chk_ns_same, "TYPE...", "this level's namespace of each TYPE is the start's" },
	{ "depth", "n", chk_depth, "N", "the student is N levels below the start" },
	{ "hostname", "s", chk_hostname, "NAME", "the hostname is NAME" },
	{ "hostname-unchanged", "", chk_hostname_unchanged, "", "the hostname is the start's" },
	{ "pid1", "", chk_pid1, "", "this level is PID 1 of its pid namespace" },
	{ "proc-own", "", chk_proc_own, "", "/proc shows this level's pid namespace" },
	{ "mount", "ps?", chk_mount, "PATH [FSTYPE]", "something (of FSTYPE) is mounted on PATH" },
	{ "mount-hidden", "p", chk_mount_hidden, "PATH", "mounted on PATH here, not at the start" },
	{ "no-mount-under", "p", chk_no_mount_under, "PATH", "nothing is mounted on PATH or below" },
	{ "propagation", "pm", chk_propagation, "PATH MODE", "the mount on PATH is shared, private, slave or unbindable" },
	{ "chrooted", "", chk_chrooted, "", "/ is another directory than at the start" },
	{ "pivoted", "", chk_pivoted, "", "/ is a new root made by pivot_root, not a chroot" },
	{ "uid", "i", chk_uid, "N|me", "the level's user id" },
	{ "gid", "i", chk_gid, "N|me", "the level's group id" },
	{ "uid-map", "iii", chk_uid_map, "INNER OUTER COUNT", "uid_map has this line" },
	{ "gid-map", "iii", chk_gid_map, "INNER OUTER COUNT", "gid_map has this line" },
	{ "cap", "a", chk_cap, "NAME", "the level has capability NAME (effective)" },
	{ "msgq", "", chk_msgq, "", "the IPC namespace has a message queue" },
	{ "shm", "", chk_shm, "", "the IPC namespace has a shared memory segment" },
	{ "links", "n", chk_links, "N", "the network namespace has N interfaces" },
	{ "link", "s", chk_link, "NAME", "it has interface NAME" },
	{ "link-up", "s", chk_link_up, "NAME", "interface NAME is up" },
	{ "addr", "s", chk_addr, "ADDR/PREFIX", "an interface has this address" },
	{ "route", "r", chk_route, "default|NET/PREFIX", "an IPv4 route to NET/PREFIX (or the default route)" },
	{ "icmp-replies", "", chk_icmp_replies, "", "ping replies have arrived in this network namespace" },
	{ "cgroup-root", "", chk_cgroup_root, "", "/proc/self/cgroup shows / (own cgroup namespace)" },
	{ "cgroup-limit", "cv", chk_cgroup_limit, "memory|pids VALUE", "the level's cgroup has this limit" },
	{ "time-offset", "kn", chk_time_offset, "monotonic|boottime SECONDS", "the time namespace has this offset" },
	{ "exists", "p", chk_exists, "PATH", "PATH exists" },
	{ "dir", "p", chk_dir, "PATH", "PATH is a directory" },
	{ "symlink", "ps", chk_symlink, "PATH TARGET", "PATH is a symlink to TARGET" },
	{ "chardev", "pnn", chk_chardev, "PATH MAJOR MINOR", "PATH is that character device" },
	{ "static-elf", "p", chk_static_elf, "PATH", "PATH is a statically linked ELF program" },
	{ "contains", "ps", chk_contains, "PATH TEXT", "the file PATH contains TEXT" },
	{ "pinned", "tp?", chk_pinned, "TYPE [PATH]", "a namespace of TYPE other than the start's is bind-mounted (on PATH)" },
	{ "mystery-ns", "t+", chk_mystery_ns, "TYPE...", "this level is in the mystery process's namespaces" },
	{ "mystery-secret", "p", chk_mystery_secret, "PATH", "PATH holds the mystery process's secret" },
	{ "sh", "*", chk_sh, "TEXT", "/bin/sh -c TEXT exits 0 in this level" },
};
#define NPREDS (int)(sizeof(preds) / sizeof(preds[0]))

const struct lesson_pred_info *
lesson_pred(int i)
{
	static struct lesson_pred_info info;

	if (i < 0 || i >= NPREDS)
		return NULL;
	info = (struct lesson_pred_info){ preds[i].name, preds[i].argnames, preds[i].help };
	return &info;
}

/* ---- parsing ---- */

/* Words of a term, with '...' and "..." quoting. */
static int
term_words(const char *s, char ***argv, int *argc, char *msg, size_t len)
{
	*argv = NULL;
	*argc = 0;
	for (;;) {
		char *w = xmalloc(strlen(s) + 1);
		size_t k = 0;

		s += strspn(s, " \t");
		if (!*s) {
			free(w);
			return 0;
		}
		while (*s && *s != ' ' && *s != '\t') {
			if (*s == '\'' || *s == '"') {
				char q = *s++;

				while (*s && *s != q)
					w[k++] = *s++;
				if (!*s) {
					free(w);
					for (int i = 0; i < *argc; i++)
						free((*argv)[i]);
					free(*argv);
					*argv = NULL;
					*argc = 0;
					snprintf(msg, len, "unterminated %c quote", q);
					return -1;
				}
				s++;
			} else
				w[k++] = *s++;
		}
		w[k] = '\0';
		*argv = xreallocarray(*argv, (size_t)*argc + 2, sizeof(char *));
		(*argv)[(*argc)++] = w;
		(*argv)[*argc] = NULL;
	}
}

static bool
is_int(const char *s)
{
	if (*s == '-')
		s++;
	if (!*s)
		return false;
	for (; *s; s++)
		if (!isdigit((unsigned char)*s))
			return false;
	return true;
}

static int
arg_ok(char kind, const char *a, const char *pred, char *msg, size_t len)
{
	switch (kind) {
	case 't':
		if (nstype_from_name(a) < 0)
			return snprintf(msg, len, "%s: '%s' is not a namespace type (%s)", pred, a, nstype_names()), -1;
		return 0;
	case 'n':
		if (!is_int(a))
			return snprintf(msg, len, "%s: '%s' is not a number", pred, a), -1;
		return 0;
	case 'i':
		if (strcmp(a, "me") && (!is_int(a) || *a == '-'))
			return snprintf(msg, len, "%s: '%s' is not an id (a number or me)", pred, a), -1;
		return 0;
	case 'm':
		if (strcmp(a, "shared") && strcmp(a, "private") && strcmp(a, "slave") && strcmp(a, "unbindable"))
			return snprintf(msg, len, "%s: '%s' is not shared, private, slave or unbindable", pred, a), -1;
		return 0;
	case 'c':
		if (strcmp(a, "memory") && strcmp(a, "pids"))
			return snprintf(msg, len, "%s: '%s' is not memory or pids", pred, a), -1;
		return 0;
	case 'k':
		if (strcmp(a, "monotonic") && strcmp(a, "boottime"))
			return snprintf(msg, len, "%s: '%s' is not monotonic or boottime", pred, a), -1;
		return 0;
	case 'a':
		if (chk_cap_value(a) < 0)
			return snprintf(msg, len, "%s: '%s' is not a capability (sys_admin, net_admin, ...)", pred, a), -1;
		return 0;
	case 'r': {
		struct cidr4 c;
		struct nsx_err e;

		if (strcmp(a, "default") && parse_cidr4(a, &c, &e) < 0)
			return snprintf(msg, len, "route: %s", e.msg), -1;
		return 0;
	}
	case 'p':
		if (!*a)
			return snprintf(msg, len, "%s: an empty path", pred), -1;
		return 0;
	default:
		return 0;
	}
}

static int
term_parse(const char *text, struct lesson_term *t, char *msg, size_t len)
{
	char **w;
	int n, p;
	const char *spec;

	memset(t, 0, sizeof(*t));
	text += strspn(text, " \t");
	if (*text == '!') {
		t->neg = true;
		text++;
		text += strspn(text, " \t");
	}
	if (strncmp(text, "sh ", 3) == 0 || strncmp(text, "sh\t", 3) == 0) {
		for (p = 0; strcmp(preds[p].name, "sh"); p++)
			;
		t->pred = p;
		t->argc = 1;
		t->argv = xcalloc(2, sizeof(char *));
		t->argv[0] = xstrdup(text + 3 + strspn(text + 3, " \t"));
		if (!*t->argv[0])
			return snprintf(msg, len, "sh: needs a shell command"), -1;
		return 0;
	}
	if (term_words(text, &w, &n, msg, len) < 0)
		return -1;
	t->argv = w;
	t->argc = n;
	if (!n)
		return snprintf(msg, len, "an empty term (two '&&' in a row?)"), -1;
	for (p = 0; p < NPREDS && strcmp(preds[p].name, w[0]); p++)
		;
	if (p == NPREDS)
		return snprintf(msg, len, "unknown check '%s' (see lessons/README.md for the list)", w[0]), -1;
	t->pred = p;
	/* the predicate's own arguments follow its name */
	free(w[0]);
	memmove(w, w + 1, (size_t)n * sizeof(char *));
	t->argc = n - 1;
	spec = preds[p].args;
	size_t sl = strlen(spec);
	bool more = sl && spec[sl - 1] == '+', opt = sl && spec[sl - 1] == '?';
	int min = more ? (int)sl - 1 : opt ? (int)sl - 2 : (int)sl;
	int max = more ? 64 : opt ? (int)sl - 1 : (int)sl;

	if (t->argc < min || t->argc > max)
		return snprintf(msg, len, "%s takes %s%s", preds[p].name,
				*preds[p].argnames ? preds[p].argnames : "no arguments",
				t->argc < min ? " (an argument is missing)" : " (too many arguments)"), -1;
	for (int i = 0; i < t->argc; i++) {
		char kind = more && i >= (int)sl - 2 ? spec[sl - 2] : spec[i];

		if (arg_ok(kind, t->argv[i], preds[p].name, msg, len) < 0)
			return -1;
	}
	return 0;
}

void
lesson_terms_free(struct lesson_term *t, int n)
{
	for (int i = 0; i < n; i++) {
		for (int j = 0; t[i].argv && t[i].argv[j]; j++)
			free(t[i].argv[j]);
		free(t[i].argv);
	}
	free(t);
}

/* The next "&&" that is not inside '...' or "...". */
static const char *
and_outside_quotes(const char *s)
{
	char q = 0;

	for (; *s; s++) {
		if (q) {
			if (*s == q)
				q = 0;
		} else if (*s == '\'' || *s == '"')
			q = *s;
		else if (s[0] == '&' && s[1] == '&')
			return s;
	}
	return NULL;
}

int
lesson_check_parse(const char *text, struct lesson_term **terms, int *n, char *msg, size_t len)
{
	const char *s = text;

	*terms = NULL;
	*n = 0;
	for (;;) {
		const char *amp = and_outside_quotes(s);
		char *part = amp ? xstrndup(s, (size_t)(amp - s)) : xstrdup(s);
		struct lesson_term t;
		int r = term_parse(part, &t, msg, len);

		free(part);
		*terms = xreallocarray(*terms, (size_t)*n + 1, sizeof(**terms));
		(*terms)[(*n)++] = t;
		if (r < 0) {
			lesson_terms_free(*terms, *n);
			*terms = NULL;
			*n = 0;
			return -1;
		}
		if (!amp)
			return 0;
		s = amp + 2;
	}
}

/* ---- evaluating ---- */

/* $NAME in an argument, from the environment */
static char *
expand(const char *a)
{
	size_t cap = strlen(a) + 1, len = 0;
	char *out = xmalloc(cap);

	for (const char *p = a; *p;) {
		const char *v = NULL;
		size_t skip = 1;

		if (p[0] == '$' && (isalpha((unsigned char)p[1]) || p[1] == '_')) {
			size_t k = 1;
			char name[64];

			while (isalnum((unsigned char)p[k]) || p[k] == '_')
				k++;
			snprintf(name, sizeof(name), "%.*s", (int)(k - 1), p + 1);
			v = getenv(name);
			skip = k;
			if (!v)
				v = "";
		}
		size_t add = v ? strlen(v) : 1;

		if (len + add + 1 > cap) {
			cap = 2 * (len + add + 1);
			out = xrealloc(out, cap);
		}
		if (v)
			memcpy(out + len, v, add);
		else
			out[len] = *p;
		len += add;
		p += skip;
	}
	out[len] = '\0';
	return out;
}

int
lesson_check(const struct lesson_step *s, const struct lesson_env *e, char *why, size_t n)
{
	for (int i = 0; i < s->nterms; i++) {
		const struct lesson_term *t = &s->terms[i];
		char **argv;
		int r;

		/* not run is no result, negated or not: the check fails */
		if (preds[t->pred].fn == chk_sh && lesson_no_programs(e, why, n))
			return 0;
		argv = xcalloc((size_t)t->argc + 1, sizeof(char *));
		for (int j = 0; j < t->argc; j++)
			argv[j] = preds[t->pred].fn == chk_sh ? xstrdup(t->argv[j]) : expand(t->argv[j]);
		why[0] = '\0';
		r = preds[t->pred].fn(e, t->argc, argv, why, n);
		for (int j = 0; j < t->argc; j++)
			free(argv[j]);
		free(argv);
		if (t->neg && r) {
			snprintf(why, n, "it must not be so: %s %s", preds[t->pred].name,
				 t->argc ? t->argv[0] : "");
			return 0;
		}
		if (!t->neg && !r)
			return 0;
	}
	return 1;
}

int
lesson_ref_capture(struct lesson_ref *r, int procfd, pid_t pid, int depth, long session,
		   struct nsx_err *err)
{
	struct stat st;

	memset(r, 0, sizeof(*r));
	r->session = session;
	r->depth = depth;
	r->pid = pid;
	r->uid = getuid();
	r->gid = getgid();
	if (stat("/", &st) == 0) {
		r->rootdev = st.st_dev;
		r->rootino = st.st_ino;
	}
	gethostname(r->hostname, sizeof(r->hostname) - 1);
	return proc_ns_inodes(procfd, pid, r->ns, err);
}
