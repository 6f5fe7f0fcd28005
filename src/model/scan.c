/* The /proc scanner: one readlink per namespace link, split across threads.
 *
 * Reading like htop (../shared/CONVENTIONS.md): the proc root is opened once
 * and every path is relative to it; readlink of /proc/PID/ns/TYPE gives type
 * and inode without a stat or an open; ENOENT/ESRCH mean the process vanished
 * and EACCES/EPERM that it is not visible to us: both are counted, neither
 * aborts the scan (lsns aborts on ESRCH, util-linux#2799). */
#define _GNU_SOURCE
#include "model/model.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "model/internal.h"
#include "util/xalloc.h"

struct worker {
	struct nsx_model *m;
	unsigned types, want;
	size_t first, step;
	struct found *found;	/* fds, threads that differ */
	size_t nfound, capfound;
	unsigned vanished, unreadable;
};

static void
found_add(struct worker *w, int type, unsigned long ino, const struct nsx_holder *h)
{
	if (w->nfound == w->capfound) {
		w->capfound = w->capfound ? 2 * w->capfound : 16;
		w->found = xreallocarray(w->found, w->capfound, sizeof(*w->found));
	}
	w->found[w->nfound].type = type;
	w->found[w->nfound].ino = ino;
	w->found[w->nfound].h = *h;
	w->nfound++;
}

/* Write the decimal pid at p; return the end. */
static char *
put_pid(char *p, pid_t pid)
{
	char tmp[16];
	int n = 0;

	do
		tmp[n++] = (char)('0' + pid % 10);
	while ((pid /= 10) > 0);
	while (n)
		*p++ = tmp[--n];
	return p;
}

/* readlink relative to dirfd and parse it as a namespace link of `want_type`.
 * Returns 0, or -errno (-EINVAL when it is not a namespace link). */
static int
read_nslink(int dirfd, const char *path, int want_type, unsigned long *ino)
{
	char buf[64];
	ssize_t n = readlinkat(dirfd, path, buf, sizeof(buf));
	int type;

	if (n < 0)
		return -errno;
	if (nstype_parse_link(buf, (size_t)n, &type, ino) < 0 ||
	    (want_type >= 0 && type != want_type))
		return -EINVAL;
	return 0;
}

enum outcome { READ_OK, READ_GONE, READ_DENIED };

static enum outcome
classify(int rc)
{
	if (rc == -EACCES || rc == -EPERM)
		return READ_DENIED;
	return READ_GONE;
}

/* Open PREFIX"ns" (prefix "PID/" or "PID/task/TID/", length plen, with
 * room after it) as a path-only directory: the links are then read one
 * path component away instead of three. Walking "PID/ns/TYPE" looked up
 * and revalidated the pid and ns dentries again for each of up to ten
 * links, which was a third of the viewer's refresh (perf, 2000 processes).
 * Returns the fd, or -errno. */
static int
open_ns_dir(const struct worker *w, char *path, size_t plen)
{
	int fd;

	memcpy(path + plen, "ns", 3);
	fd = openat(w->m->procfd, path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

/* Read ns/TYPE for every wanted type of one task, relative to its open ns
 * directory. */
static enum outcome
read_task_ns(const struct worker *w, int nsfd, unsigned long ino[NSX_NTYPES])
{
	int ok = 0, denied = 0;

	for (int t = 0; t < NSX_NTYPES; t++) {
		int rc;

		ino[t] = 0;
		if (!(w->types & (1u << t)))
			continue;
		rc = read_nslink(nsfd, nstype_table[t].name, t, &ino[t]);
		if (rc == 0)
			ok++;
		else if (classify(rc) == READ_DENIED)
			denied++;
	}
	/* A type missing from an older kernel gives ENOENT for every process:
	 * only a process none of whose links could be read is gone. */
	if (ok)
		return READ_OK;
	return denied ? READ_DENIED : READ_GONE;
}

static void
read_children(struct nsx_proc *p, int nsfd)
{
	if (read_nslink(nsfd, "pid_for_children", NSX_PID, &p->pid_children) < 0)
		p->pid_children = 0;
	if (read_nslink(nsfd, "time_for_children", NSX_TIME, &p->time_children) < 0)
		p->time_children = 0;
}

/* List the numeric entries of an open directory. Every syscall counts here
 * (a readlink of an ns link costs ~5us in a VM): procfs fills the whole
 * buffer while entries remain, so a reply that leaves room for another
 * entry was the last one and the end-of-directory call is skipped. */
static void
list_numeric_fd(int fd, bool procfs, pid_t **out, size_t *n)
{
	char buf[16384];
	size_t cap = 0;
	long got;

	*out = NULL;
	*n = 0;
	while ((got = syscall(SYS_getdents64, fd, buf, sizeof(buf))) > 0) {
		for (long off = 0; off < got;) {
			struct dirent64 *d = (struct dirent64 *)(buf + off);
			const char *s = d->d_name;
			long v = 0;

			off += d->d_reclen;
			if (*s < '0' || *s > '9')
				continue;
			for (; *s >= '0' && *s <= '9'; s++)
				v = v * 10 + (*s - '0');
			if (*s)
				continue;
			if (*n == cap) {
				cap = cap ? 2 * cap : 512;
				*out = xreallocarray(*out, cap, sizeof(**out));
			}
			(*out)[(*n)++] = (pid_t)v;
		}
		if (procfs && (size_t)got + 2 * sizeof(struct dirent64) + 256 < sizeof(buf))
			break;
	}
}

/* Open a directory relative to dirfd and list its numeric entries. */
static int
list_numeric(int dirfd, const char *path, bool procfs, pid_t **out, size_t *n)
{
	int fd = openat(dirfd, path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	*out = NULL;
	*n = 0;
	if (fd < 0)
		return -errno;
	list_numeric_fd(fd, procfs, out, n);
	close(fd);
	return 0;
}

static void
scan_fds(struct worker *w, struct nsx_proc *p, char *path, size_t plen)
{
	pid_t *fds;
	size_t n;
	int dfd;

	strcpy(path + plen, "fd");
	dfd = openat(w->m->procfd, path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return;
	list_numeric_fd(dfd, w->m->real_proc, &fds, &n);
	{
		for (size_t i = 0; i < n; i++) {
			char name[16];
			char buf[64];
			ssize_t len;
			unsigned long ino;
			int type;

			*put_pid(name, fds[i]) = '\0';
			len = readlinkat(dfd, name, buf, sizeof(buf));
			/* Files and sockets read as "/path" or "socket:[N]";
			 * only nsfs files read as "TYPE:[INO]". */
			if (len <= 0 || buf[0] == '/' ||
			    nstype_parse_link(buf, (size_t)len, &type, &ino) < 0)
				continue;
			found_add(w, type, ino, &(struct nsx_holder){
				.kind = HOLD_FD, .pid = p->pid, .fd = fds[i] });
		}
	}
	free(fds);
	close(dfd);
}

static void
scan_threads(struct worker *w, struct nsx_proc *p, char *path, size_t plen)
{
	pid_t *tids;
	size_t n;

	strcpy(path + plen, "task/");
	if (list_numeric(w->m->procfd, path, w->m->real_proc, &tids, &n) < 0)
		return;
	p->ntasks = (unsigned)n;
	for (size_t i = 0; i < n; i++) {
		unsigned long ino[NSX_NTYPES];
		enum outcome o;
		char *e;
		int nsfd;

		if (tids[i] == p->pid)
			continue;
		e = put_pid(path + plen + 5, tids[i]);
		*e++ = '/';
		if ((nsfd = open_ns_dir(w, path, (size_t)(e - path))) < 0)
			continue;
		o = read_task_ns(w, nsfd, ino);
		close(nsfd);
		if (o != READ_OK)
			continue;
		for (int t = 0; t < NSX_NTYPES; t++)
			if (ino[t] && ino[t] != p->ns[t])
				found_add(w, t, ino[t], &(struct nsx_holder){
					.kind = HOLD_THREAD, .pid = p->pid, .tid = tids[i] });
	}
	free(tids);
}

/* Incremental scans: read how much the process has run (schedstat: run
 * time in ns, wait time, times run) and how many tasks it has (procfs
 * gives /proc/PID/task 2 + threads links), before its namespaces, so that
 * a change after this read shows as a run at the next one. A process
 * marked for a recheck that has not run keeps what was read before:
 * returns true then. */
static bool
read_ran(struct worker *w, struct nsx_proc *p, char *path, size_t plen)
{
	unsigned long long run_ns, run_count;
	char buf[128];
	struct stat st;
	bool recheck = p->recheck;

	p->recheck = false;
	p->ran_known = false;
	strcpy(path + plen, "schedstat");
	/* a kernel that keeps no such counts (no CONFIG_SCHEDSTATS, delay
	 * accounting off) prints "0 0 0": nothing can be told from them */
	if (proc_read(w->m->procfd, path, buf, sizeof(buf)) <= 0 ||
	    sscanf(buf, "%llu %*s %llu", &run_ns, &run_count) != 2 || run_count == 0)
		return false;
	if (recheck && run_ns == p->run_ns && run_count == p->run_count) {
		p->ran_known = true;
		p->reused = true;
		return true;
	}
	strcpy(path + plen, "task");
	if (!w->m->real_proc || fstatat(w->m->procfd, path, &st, 0) < 0 || st.st_nlink < 3)
		return false;
	p->run_ns = run_ns;
	p->run_count = run_count;
	p->threads = (unsigned)(st.st_nlink - 2);
	p->ran_known = true;
	return false;
}

static void *
worker_run(void *arg)
{
	struct worker *w = arg;
	struct nsx_model *m = w->m;
	char path[96];

	for (size_t i = w->first; i < m->nprocs; i += w->step) {
		struct nsx_proc *p = &m->procs[i];
		size_t plen;
		enum outcome o;
		int nsfd;

		if (p->reused)
			continue;
		plen = (size_t)(put_pid(path, p->pid) - path);
		path[plen++] = '/';
		if (m->prev && m->reread && read_ran(w, p, path, plen))
			continue;
		nsfd = open_ns_dir(w, path, plen);
		o = nsfd < 0 ? classify(nsfd) : read_task_ns(w, nsfd, p->ns);
		if (o == READ_OK && (w->want & SCAN_CHILDREN))
			read_children(p, nsfd);
		if (nsfd >= 0)
			close(nsfd);
		if (o != READ_OK) {
			/* pid 0 marks the entry dropped at merge time */
			if (o == READ_DENIED)
				w->unreadable++;
			else
				w->vanished++;
			p->pid = 0;
			continue;
		}
		if (w->want & SCAN_FDS)
			scan_fds(w, p, path, plen);
		if (w->want & SCAN_THREADS)
			scan_threads(w, p, path, plen);
	}
	return NULL;
}

static int
nthreads_for(const struct nsx_model *m, size_t items, size_t min_items)
{
	long cpus;

	if (m->nthreads > 0)
		return m->nthreads;
	/* A thread costs ~50us to start: not worth it for small machines. */
	if (items < min_items)
		return 1;
	cpus = sysconf(_SC_NPROCESSORS_ONLN);
	if (cpus < 1)
		cpus = 1;
	return cpus > 4 ? 4 : (int)cpus;
}

/* ---- the namespace table ---- */

static size_t
hash_ino(unsigned long ino, size_t size)
{
	return (size_t)((ino * 0x9E3779B97F4A7C15ull) >> 17) & (size - 1);
}

static void
ns_rehash(struct nsx_model *m)
{
	size_t size = m->hsize ? m->hsize * 2 : 256;
	struct nsx_ns **tab = xcalloc(size, sizeof(*tab));

	for (size_t i = 0; i < m->nns; i++) {
		struct nsx_ns *ns = m->nsv[i];
		size_t h = hash_ino(ns->ino, size);

		ns->hnext = tab[h];
		tab[h] = ns;
	}
	free(m->htab);
	m->htab = tab;
	m->hsize = size;
}

struct nsx_ns *
model_ns(const struct nsx_model *m, unsigned long ino)
{
	if (!m->hsize)
		return NULL;
	for (struct nsx_ns *ns = m->htab[hash_ino(ino, m->hsize)]; ns; ns = ns->hnext)
		if (ns->ino == ino)
			return ns;
	return NULL;
}

/* Find or add; nsfs inodes are unique across types, the type is kept. */
struct nsx_ns *
model_ns_add(struct nsx_model *m, int type, unsigned long ino)
{
	struct nsx_ns *ns = model_ns(m, ino);
	size_t h;

	if (ns)
		return ns;
	if (m->nns == m->nscap) {
		m->nscap = m->nscap ? 2 * m->nscap : 64;
		m->nsv = xreallocarray(m->nsv, m->nscap, sizeof(*m->nsv));
	}
	ns = xcalloc(1, sizeof(*ns));
	ns->type = type;
	ns->ino = ino;
	ns->netnsid = -2;
	m->nsv[m->nns++] = ns;
	if (m->nns > m->hsize)
		ns_rehash(m);
	else {
		h = hash_ino(ino, m->hsize);
		ns->hnext = m->htab[h];
		m->htab[h] = ns;
	}
	return ns;
}

void
model_hold(struct nsx_ns *ns, const struct nsx_holder *h)
{
	struct nsx_holder *c = xmalloc(sizeof(*c));
	struct nsx_holder **tail = &ns->holders;

	*c = *h;
	c->next = NULL;
	/* keep discovery order: tests and users read holders top-down */
	while (*tail)
		tail = &(*tail)->next;
	*tail = c;
}

static void
merge_procs(struct nsx_model *m)
{
	size_t j = 0;

	for (size_t i = 0; i < m->nprocs; i++) {
		struct nsx_proc *p = &m->procs[i];

		if (p->pid == 0)
			continue;
		m->procs[j++] = *p;
	}
	m->nprocs = j;
	for (size_t i = 0; i < m->nprocs; i++) {
		struct nsx_proc *p = &m->procs[i];

		for (int t = 0; t < NSX_NTYPES; t++) {
			struct nsx_ns *ns;

			if (!p->ns[t] || !(m->types & (1u << t)))
				continue;
			ns = model_ns_add(m, t, p->ns[t]);
			ns->nprocs++;
			ns->ntasks += p->ntasks ? p->ntasks : 1;
			/* procs are in pid order: the first member is the lowest */
			if (!ns->rep)
				ns->rep = p->pid;
		}
	}
}

static void
merge_children(struct nsx_model *m)
{
	for (size_t i = 0; i < m->nprocs; i++) {
		struct nsx_proc *p = &m->procs[i];
		struct { unsigned long ino; int type; } c[2] = {
			{ p->pid_children, NSX_PID }, { p->time_children, NSX_TIME },
		};

		for (int k = 0; k < 2; k++) {
			struct nsx_ns *ns;

			if (!c[k].ino || c[k].ino == p->ns[c[k].type] ||
			    !(m->types & (1u << c[k].type)))
				continue;
			ns = model_ns_add(m, c[k].type, c[k].ino);
			model_hold(ns, &(struct nsx_holder){ .kind = HOLD_CHILDREN, .pid = p->pid });
		}
	}
}

static void
merge_found(struct nsx_model *m, struct worker *w)
{
	for (size_t i = 0; i < w->nfound; i++) {
		struct found *f = &w->found[i];
		struct nsx_ns *ns;

		if (!(m->types & (1u << f->type)))
			continue;
		if (m->prev) {
			struct model_prev *pv = m->prev;

			if (pv->nnext == pv->capnext) {
				pv->capnext = pv->capnext ? 2 * pv->capnext : 64;
				pv->next = xreallocarray(pv->next, pv->capnext, sizeof(*pv->next));
			}
			pv->next[pv->nnext++] = *f;
		}
		ns = model_ns_add(m, f->type, f->ino);

		if (f->h.kind == HOLD_THREAD) {
			struct nsx_ns *main_ns = model_ns(m, model_proc(m, f->h.pid)->ns[f->type]);

			ns->ntasks++;
			if (main_ns && main_ns->ntasks)
				main_ns->ntasks--;
		}
		model_hold(ns, &f->h);
	}
	free(w->found);
}

struct nsx_proc *
model_proc(const struct nsx_model *m, pid_t pid)
{
	size_t lo = 0, hi = m->nprocs;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (m->procs[mid].pid == pid)
			return &m->procs[mid];
		if (m->procs[mid].pid < pid)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

static int
cmp_pid(const void *a, const void *b)
{
	pid_t x = *(const pid_t *)a, y = *(const pid_t *)b;

	return (x > y) - (x < y);
}


static void
model_reset(struct nsx_model *m)
{
	for (size_t i = 0; i < m->nns; i++) {
		struct nsx_holder *h = m->nsv[i]->holders;

		while (h) {
			struct nsx_holder *next = h->next;

			free(h->path);
			free(h);
			h = next;
		}
		free(m->nsv[i]);
	}
	for (size_t i = 0; i < m->nprocs; i++)
		free(m->procs[i].cmdline);
	free(m->nsv);
	free(m->htab);
	free(m->procs);
	m->nsv = NULL;
	m->htab = NULL;
	m->procs = NULL;
	m->nns = m->nscap = m->hsize = m->nprocs = 0;
	m->vanished = m->unreadable = 0;
}

/* ---- incremental scans ---- */

void
model_incremental(struct nsx_model *m, unsigned reread)
{
	m->reread = reread > 1 ? reread : 0;
	if (m->reread && !m->prev)
		m->prev = xcalloc(1, sizeof(*m->prev));
}

static void
prev_free(struct model_prev *pv)
{
	free(pv->procs);
	free(pv->found);
	free(pv->rel);
	free(pv->next);
	memset(pv, 0, sizeof(*pv));
}

static int
cmp_rel(const void *a, const void *b)
{
	const struct model_rel *x = a, *y = b;

	return (x->ino > y->ino) - (x->ino < y->ino);
}

/* Before a scan resets the model: keep what it read. */
static void
prev_take(struct nsx_model *m)
{
	struct model_prev *pv = m->prev;
	struct found *next = pv->next;
	size_t nnext = pv->nnext, capnext = pv->capnext;

	pv->next = NULL;
	prev_free(pv);
	pv->found = next;
	pv->nfound = nnext;
	(void)capnext;
	pv->procs = xcalloc(m->nprocs + 1, sizeof(*pv->procs));
	for (size_t i = 0; i < m->nprocs; i++) {
		pv->procs[i] = m->procs[i];
		pv->procs[i].cmdline = NULL;
	}
	pv->nprocs = m->nprocs;
	pv->rel = xcalloc(m->nns + 1, sizeof(*pv->rel));
	for (size_t i = 0; i < m->nns; i++) {
		const struct nsx_ns *ns = m->nsv[i];

		if (!(ns->flags & NSF_RELATED))
			continue;
		pv->rel[pv->nrel++] = (struct model_rel){ .ino = ns->ino, .owner = ns->owner,
			.parent = ns->parent, .owner_uid = ns->owner_uid,
			.flags = ns->flags & NSF_OWNER_UID, .type = ns->type };
	}
	qsort(pv->rel, pv->nrel, sizeof(*pv->rel), cmp_rel);
}

/* A process the previous scan read: when it is not its turn to be read
 * again, take what was read then. At its turn, a single-threaded process
 * whose run counters are known takes it too, but marked for the worker to
 * check that it has not run since (see model_incremental). */
static void
prev_reuse(struct nsx_model *m, struct nsx_proc *p)
{
	const struct model_prev *pv = m->prev;
	const struct nsx_proc *pp = NULL;
	unsigned long turn = (unsigned long)p->pid + m->gen;
	size_t lo = 0, hi = pv->nprocs;
	bool due;

	if (!m->reread)
		return;
	while (lo < hi && !pp) {
		size_t mid = lo + (hi - lo) / 2;

		if (pv->procs[mid].pid == p->pid)
			pp = &pv->procs[mid];
		else if (pv->procs[mid].pid < p->pid)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (!pp)
		return;
	due = turn % m->reread == 0;
	if (due && (!pp->ran_known || pp->threads != 1 ||
		    turn % ((unsigned long)m->reread * MODEL_SAFETY_TURNS) == 0))
		return;
	*p = *pp;
	/* what may change and is read lazily anyway */
	p->cmdline = NULL;
	p->ppid = -1;
	p->have_uid = false;
	p->reused = !due;
	p->recheck = due;
}

/* The fd and thread holders of reused processes, as the previous scan
 * found them, join what this scan found. */
static void
prev_found(struct nsx_model *m, struct worker *w)
{
	const struct model_prev *pv = m->prev;

	for (size_t i = 0; i < pv->nfound; i++) {
		struct nsx_proc *p = model_proc(m, pv->found[i].h.pid);

		if (p && p->reused)
			found_add(w, pv->found[i].type, pv->found[i].ino, &pv->found[i].h);
	}
}

const struct model_rel *
model_prev_rel(const struct nsx_model *m, unsigned long ino, int type)
{
	const struct model_prev *pv = m->prev;
	struct model_rel key = { .ino = ino };
	const struct model_rel *r;

	if (!pv || !pv->nrel)
		return NULL;
	r = bsearch(&key, pv->rel, pv->nrel, sizeof(*pv->rel), cmp_rel);
	return r && r->type == type ? r : NULL;
}

int
model_scan(struct nsx_model *m, unsigned types, unsigned want, struct nsx_err *err)
{
	pid_t *pids;
	size_t n;
	int rc, nt;
	/* nsfs mounts are found through each mount namespace: read the mnt
	 * links even when mnt is not a wanted type (ls -t net) */
	unsigned rtypes = types | ((want & SCAN_MOUNTS) ? 1u << NSX_MNT : 0);

	if (m->prev)
		prev_take(m);
	model_reset(m);
	m->types = types;
	m->want = want;
	rc = list_numeric(m->procfd, ".", m->real_proc, &pids, &n);
	if (rc < 0)
		return nsx_error(err, -rc, "cannot list %s: %s", m->proc_root, strerror(-rc));
	/* /proc lists in pid order, a fixture directory need not */
	qsort(pids, n, sizeof(*pids), cmp_pid);
	m->procs = xcalloc(n, sizeof(*m->procs));
	for (size_t i = 0; i < n; i++) {
		m->procs[i].pid = pids[i];
		m->procs[i].ppid = -1;
		if (m->prev)
			prev_reuse(m, &m->procs[i]);
	}
	m->nprocs = n;
	free(pids);

	nt = nthreads_for(m, m->nprocs, 400);
	{
		struct worker w[nt];
		pthread_t tid[nt];

		memset(w, 0, sizeof(w));
		for (int i = 0; i < nt; i++) {
			w[i] = (struct worker){ .m = m, .types = rtypes, .want = want,
						.first = (size_t)i, .step = (size_t)nt };
			if (i == 0 || pthread_create(&tid[i], NULL, worker_run, &w[i]) != 0) {
				/* no thread: this one does the share itself */
				if (i > 0)
					w[i].first = (size_t)-1;
			}
		}
		worker_run(&w[0]);
		for (int i = 1; i < nt; i++) {
			if (w[i].first == (size_t)-1) {
				/* thread creation failed: run its share here */
				w[i].first = (size_t)i;
				worker_run(&w[i]);
			} else
				pthread_join(tid[i], NULL);
		}
		merge_procs(m);
		if (m->prev) {
			struct worker pw = { .m = m };

			prev_found(m, &pw);
			merge_found(m, &pw);
		}
		for (int i = 0; i < nt; i++) {
			m->vanished += w[i].vanished;
			m->unreadable += w[i].unreadable;
			merge_found(m, &w[i]);
		}
	}
	if (want & SCAN_CHILDREN)
		merge_children(m);
	if (want & SCAN_MOUNTS)
		model_scan_mounts(m);
	if (want & SCAN_RELATED)
		model_relate_all(m, true);
	m->gen++;
	return 0;
}

static int
cmp_ns(const void *a, const void *b)
{
	const struct nsx_ns *x = *(struct nsx_ns *const *)a;
	const struct nsx_ns *y = *(struct nsx_ns *const *)b;

	return (x->ino > y->ino) - (x->ino < y->ino);
}

void
model_sort(struct nsx_model *m)
{
	qsort(m->nsv, m->nns, sizeof(*m->nsv), cmp_ns);
}

int
model_open(struct nsx_model *m, const char *proc_root, struct nsx_err *err)
{
	struct stat st;
	char buf[64];
	ssize_t n;
	int type;

	memset(m, 0, sizeof(*m));
	m->nlfd = -1;
	m->proc_root = xstrdup(proc_root ? proc_root : "/proc");
	m->procfd = open(m->proc_root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (m->procfd < 0) {
		int e = errno;

		free(m->proc_root);
		m->proc_root = NULL;
		return nsx_error(err, e, "cannot open proc root '%s': %s%s",
				 proc_root ? proc_root : "/proc", strerror(e),
				 proc_root ? "" : " (is /proc mounted?)");
	}
	m->real_proc = fstat(m->procfd, &st) == 0 && st.st_ino == 1 &&
		       strcmp(m->proc_root, "/proc") == 0;
	n = readlink("/proc/self/ns/mnt", buf, sizeof(buf));
	if (n > 0)
		nstype_parse_link(buf, (size_t)n, &type, &m->self_mntns);
	return 0;
}

void
model_close(struct nsx_model *m)
{
	model_reset(m);
	if (m->prev) {
		prev_free(m->prev);
		free(m->prev);
	}
	if (m->procfd >= 0)
		close(m->procfd);
	if (m->nlfd >= 0)
		close(m->nlfd);
	free(m->proc_root);
	memset(m, 0, sizeof(*m));
	m->procfd = m->nlfd = -1;
}

/* ---- reading the facts rows show, in parallel ---- */

struct prefetch {
	const struct nsx_model *m;
	struct nsx_proc **procs;
	size_t n, first, step;
	unsigned what;
};

static void *
prefetch_run(void *arg)
{
	struct prefetch *f = arg;

	for (size_t i = f->first; i < f->n; i += f->step) {
		struct nsx_proc *p = f->procs[i];
		uid_t uid;

		if (f->what & PREFETCH_CMDLINE)
			model_proc_command(f->m, p);
		if (f->what & PREFETCH_UID)
			model_proc_uid(f->m, p, &uid);
		if (f->what & PREFETCH_PPID)
			model_proc_ppid(f->m, p);
	}
	return NULL;
}

void
model_prefetch(const struct nsx_model *m, struct nsx_proc **procs, size_t n, unsigned what)
{
	int nt = nthreads_for(m, n, 64);
	struct prefetch f[nt];
	pthread_t tid[nt];
	bool started[nt];

	for (int i = 0; i < nt; i++) {
		f[i] = (struct prefetch){ m, procs, n, (size_t)i, (size_t)nt, what };
		started[i] = i > 0 && pthread_create(&tid[i], NULL, prefetch_run, &f[i]) == 0;
	}
	for (int i = 0; i < nt; i++)
		if (!started[i])
			prefetch_run(&f[i]);
	for (int i = 1; i < nt; i++)
		if (started[i])
			pthread_join(tid[i], NULL);
}
