/* What the viewer shows about a namespace beyond lsns's columns (content.h):
 * a label, a one-line glance and the lines of the detail screen.
 *
 * Everything is read relative to the model's proc root, through the
 * namespace's representative process (ns->rep), so fixture trees work.
 * Only on the live /proc does it enter a namespace, and then only in a
 * helper thread of its own (see ct_live_read): setns changes the calling
 * thread's uts and net namespaces, and that thread ends where it went, so
 * no error path can leave nsx in another namespace.
 *
 * A viewer refresh asks for the label and glance of every row: each is
 * read at most once per CONTENT_TTL_MS per (type, inode) and otherwise
 * costs a hash lookup. Single-threaded, like the viewer that calls it. */
#define _GNU_SOURCE
#include "view/content.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "container/state.h"
#include "util/clock.h"
#include "util/xalloc.h"
#include "view/content_int.h"

/* Entries not asked for in this long are dropped: the namespace is gone
 * or off screen, and memory stays bounded by what was seen lately. */
#define CONTENT_EVICT_MS (12 * CONTENT_TTL_MS)
#define LABEL_MAX 128

/* ---- labels from cgroup paths ---- */

enum rank { RANK_NONE, RANK_USER, RANK_UNIT, RANK_CONTAINER };
enum take { TAKE_ID, TAKE_NAME, TAKE_POD };

/* Container managers name the container's cgroup PREFIX<what>[SUFFIX]. */
static const struct cg_rule {
	const char *prefix;
	const char *suffix;	/* stripped when present */
	const char *label;
	enum take take;
} cg_rules[] = {
	{ "docker-", ".scope", "docker", TAKE_ID },	/* systemd cgroup driver */
	/* libpod-conmon-ID is podman's monitor, outside the container:
	 * "conmon-..." is no hex ID, so it does not match */
	{ "libpod-", ".scope", "podman", TAKE_ID },	/* also cgroupfs' libpod-ID */
	{ "cri-containerd-", ".scope", "containerd", TAKE_ID },
	{ "crio-", ".scope", "crio", TAKE_ID },
	{ "lxc.payload.", NULL, "lxc", TAKE_NAME },	/* LXC 4+, LXD */
	{ "systemd-nspawn@", ".service", "nspawn", TAKE_NAME },
	{ "machine-", ".scope", "nspawn", TAKE_NAME },	/* registered with machined */
	{ "nsx-", NULL, "nsx", TAKE_NAME },		/* cg_create's nsx-NAME */
	{ "kubepods-", ".slice", "kubepods", TAKE_POD },	/* kubepods-QOS-podUID.slice */
	{ "pod", NULL, "kubepods", TAKE_POD },		/* cgroupfs: /kubepods/QOS/podUID */
};

/* Older layouts put the container in a directory named after the manager. */
static const struct cg_parent_rule {
	const char *parent;
	const char *label;
	enum take take;
} cg_parents[] = {
	{ "docker", "docker", TAKE_ID },		/* cgroupfs driver: /docker/ID */
	{ "lxc", "lxc", TAKE_NAME },			/* LXC 1 and 2: /lxc/NAME */
	{ "lxc.payload", "lxc", TAKE_NAME },		/* LXC 3: /lxc.payload/NAME */
};

struct comp {
	const char *s;
	size_t len;
};

#define CG_MAXCOMP 64

static size_t
cg_split(const char *path, size_t len, struct comp *c)
{
	size_t n = 0, i = 0;

	while (i < len && n < CG_MAXCOMP) {
		size_t j;

		while (i < len && path[i] == '/')
			i++;
		for (j = i; j < len && path[j] != '/'; j++)
			;
		if (j > i)
			c[n++] = (struct comp){ path + i, j - i };
		i = j;
	}
	return n;
}

static bool
comp_is(const struct comp *c, const char *s)
{
	return strlen(s) == c->len && memcmp(c->s, s, c->len) == 0;
}

static bool
comp_starts(const struct comp *c, const char *s)
{
	size_t n = strlen(s);

	return c->len >= n && memcmp(c->s, s, n) == 0;
}

static bool
comp_ends(const struct comp *c, const char *s)
{
	size_t n = strlen(s);

	return c->len >= n && memcmp(c->s + c->len - n, s, n) == 0;
}

/* A container ID: hex, at least the 12 digits a label shows. */
static bool
take_id(const char *s, size_t len, char *out, size_t n)
{
	if (len < 12 || strspn(s, "0123456789abcdef") < len)
		return false;
	snprintf(out, n, "%.12s", s);
	return true;
}

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* A name, with systemd's \xNN escapes undone (deb\x2dbox is deb-box);
 * an escape of a control character stays as written. */
static bool
take_name(const char *s, size_t len, char *out, size_t n)
{
	size_t j = 0;

	if (!len || !n)
		return false;
	for (size_t i = 0; i < len && j + 1 < n; i++) {
		int hi = i + 3 < len && s[i] == '\\' && s[i + 1] == 'x' ? hexval(s[i + 2]) : -1;
		int lo = hi >= 0 ? hexval(s[i + 3]) : -1;

		if (lo >= 0 && hi * 16 + lo >= 0x20 && hi * 16 + lo < 0x7f) {
			out[j++] = (char)(hi * 16 + lo);
			i += 3;
		} else
			out[j++] = s[i];
	}
	out[j] = '\0';
	return true;
}

/* A pod: "podUID" at the start or after a '-', below a kubepods cgroup;
 * the systemd driver writes the UID's dashes as '_'. */
static bool
take_pod(const struct comp *c, size_t i, const char *s, size_t len, char *out, size_t n)
{
	const char *p = NULL;
	size_t k;
	bool under = false;

	for (size_t a = 0; a < i; a++)
		under |= comp_starts(&c[a], "kubepods");
	for (k = 0; under && !p && k + 3 < len; k++)
		if ((k == 0 || s[k - 1] == '-') && memcmp(s + k, "pod", 3) == 0)
			p = s + k + 3;
	if (!p || (size_t)(s + len - p) < 12 || strspn(p, "0123456789abcdef-_") < 12)
		return false;
	for (k = 0; k < 12 && k + 1 < n; k++)
		out[k] = p[k] == '_' ? '-' : p[k];
	out[k] = '\0';
	return true;
}

static bool
take(enum take t, const struct comp *c, size_t i, const char *s, size_t len, char *out, size_t n)
{
	switch (t) {
	case TAKE_ID:
		return take_id(s, len, out, n);
	case TAKE_NAME:
		return take_name(s, len, out, n);
	case TAKE_POD:
		return take_pod(c, i, c[i].s, c[i].len, out, n);
	}
	return false;
}

/* "KIND:WHAT", cut to fit: a long name still labels the row. */
static void
label_put(char *buf, size_t n, const char *kind, const char *what)
{
	if (snprintf(buf, n, "%s:%s", kind, what) >= (int)n && n)
		buf[n - 1] = '\0';
}

/* Component i as a container's cgroup: its label in buf. */
static bool
cg_container(const struct comp *c, size_t i, char *buf, size_t n)
{
	char what[LABEL_MAX];

	for (size_t r = 0; i > 0 && r < ARRAY_SIZE(cg_parents); r++)
		if (comp_is(&c[i - 1], cg_parents[r].parent) &&
		    take(cg_parents[r].take, c, i, c[i].s, c[i].len, what, sizeof(what))) {
			label_put(buf, n, cg_parents[r].label, what);
			return true;
		}
	for (size_t r = 0; r < ARRAY_SIZE(cg_rules); r++) {
		const struct cg_rule *u = &cg_rules[r];
		size_t plen = strlen(u->prefix), len = c[i].len;

		if (!comp_starts(&c[i], u->prefix))
			continue;
		if (u->suffix && comp_ends(&c[i], u->suffix) && len >= plen + strlen(u->suffix))
			len -= strlen(u->suffix);
		if (take(u->take, c, i, c[i].s + plen, len - plen, what, sizeof(what))) {
			label_put(buf, n, u->label, what);
			return true;
		}
	}
	return false;
}

/* The deepest systemd unit: NAME.service or NAME.scope, not init.scope
 * (where pid 1 and each user manager live); user@UID.service, the user's
 * manager, only when nothing deeper names a unit. */
static enum rank
cg_unit(const struct comp *c, size_t nc, char *buf, size_t n)
{
	const struct comp *user = NULL;

	for (size_t i = nc; i-- > 0;) {
		if (!comp_ends(&c[i], ".service") && !comp_ends(&c[i], ".scope"))
			continue;
		if (comp_is(&c[i], "init.scope"))
			continue;
		if (comp_starts(&c[i], "user@") && comp_ends(&c[i], ".service")) {
			if (!user)
				user = &c[i];
			continue;
		}
		snprintf(buf, n, "%.*s", (int)c[i].len, c[i].s);
		return RANK_UNIT;
	}
	if (!user)
		return RANK_NONE;
	snprintf(buf, n, "%.*s", (int)(user->len - strlen(".service")), user->s);
	return RANK_USER;
}

static enum rank
cg_rank(const char *path, size_t len, char *buf, size_t n)
{
	static const char deleted[] = " (deleted)";	/* a removed v2 cgroup */
	struct comp c[CG_MAXCOMP];
	size_t nc;

	if (len >= sizeof(deleted) - 1 && memcmp(path + len - (sizeof(deleted) - 1), deleted,
						  sizeof(deleted) - 1) == 0)
		len -= sizeof(deleted) - 1;
	nc = cg_split(path, len, c);
	/* the deepest match: a container nested in another is the inner one */
	for (size_t i = nc; i-- > 0;)
		if (cg_container(c, i, buf, n))
			return RANK_CONTAINER;
	return cg_unit(c, nc, buf, n);
}

int
content_label_from_cgroup(const char *path, char *buf, size_t n)
{
	char tmp[LABEL_MAX];

	if (n)
		buf[0] = '\0';
	if (!path || cg_rank(path, strlen(path), tmp, sizeof(tmp)) == RANK_NONE)
		return 0;
	if (n)
		snprintf(buf, n, "%s", tmp);
	return 1;
}

/* The best label among the lines of /proc/PID/cgroup ("0::/path" on v2,
 * "N:controllers:/path" on v1; a hybrid system has both). */
static enum rank
label_from_proc(const struct nsx_model *m, pid_t pid, char *buf, size_t n)
{
	char text[16384], tmp[LABEL_MAX], *cur = text, *line;
	enum rank best = RANK_NONE;

	buf[0] = '\0';
	if (!pid || ct_read(m, pid, "cgroup", text, sizeof(text)) < 0)
		return RANK_NONE;
	while ((line = ct_line(&cur))) {
		char *path = strchr(line, ':');
		enum rank r;

		if (!path || !(path = strchr(path + 1, ':')))
			continue;
		path++;
		r = cg_rank(path, strlen(path), tmp, sizeof(tmp));
		if (r > best) {
			best = r;
			snprintf(buf, n, "%s", tmp);
		}
	}
	return best;
}

/* ip netns add NAME: a bind mount at /run/netns/NAME holds it. */
static bool
label_netns(const struct nsx_ns *ns, char *buf, size_t n)
{
	static const char *const dirs[] = { "/run/netns/", "/var/run/netns/" };

	if (ns->type != NSX_NET)
		return false;
	for (const struct nsx_holder *h = ns->holders; h; h = h->next)
		for (size_t i = 0; h->kind == HOLD_MOUNT && h->path && i < ARRAY_SIZE(dirs); i++) {
			size_t len = strlen(dirs[i]);
			const char *name = h->path + len;

			if (strncmp(h->path, dirs[i], len) == 0 && *name && !strchr(name, '/')) {
				snprintf(buf, n, "netns:%s", name);
				return true;
			}
		}
	return false;
}

/* ---- the cache ---- */

enum part { PART_LABEL, PART_GLANCE, PART_DETAIL, NPARTS };

struct centry {
	struct centry *next;	/* hash chain */
	int type;
	unsigned long ino;
	pid_t rep;		/* read through this process: another one, read again */
	uint64_t seen;		/* last asked for */
	uint64_t at[NPARTS];	/* when each part was read */
	unsigned have;		/* 1 << part: read */
	char *label, *glance;
	struct ct_lines detail;
};

static struct {
	struct centry **tab;
	size_t size, count;
	uint64_t swept;
	char *root;			/* the proc root the entries come from */
	struct ctr_state *ctrs;		/* nsx containers, read once per TTL */
	int nctrs;
	uint64_t ctrs_at;
	bool have_ctrs;
} cache;

static size_t
cache_hash(int type, unsigned long ino, size_t size)
{
	return (size_t)(((ino ^ (unsigned long)type) * 0x9E3779B97F4A7C15ull) >> 17) & (size - 1);
}

static void
centry_free(struct centry *e)
{
	free(e->label);
	free(e->glance);
	ct_lines_free(&e->detail);
	free(e);
}

void
content_forget(void)
{
	for (size_t i = 0; i < cache.size; i++)
		for (struct centry *e = cache.tab[i], *next; e; e = next) {
			next = e->next;
			centry_free(e);
		}
	free(cache.tab);
	free(cache.root);
	free(cache.ctrs);
	memset(&cache, 0, sizeof(cache));
}

static void
cache_grow(void)
{
	size_t size = cache.size ? 2 * cache.size : 256;
	struct centry **tab = xcalloc(size, sizeof(*tab));

	for (size_t i = 0; i < cache.size; i++)
		for (struct centry *e = cache.tab[i], *next; e; e = next) {
			size_t h = cache_hash(e->type, e->ino, size);

			next = e->next;
			e->next = tab[h];
			tab[h] = e;
		}
	free(cache.tab);
	cache.tab = tab;
	cache.size = size;
}

/* Drop what was not asked for lately; at most once per TTL, so a refresh
 * does not walk the table. */
static void
cache_sweep(uint64_t now)
{
	if (now - cache.swept < CONTENT_TTL_MS)
		return;
	cache.swept = now;
	for (size_t i = 0; i < cache.size; i++)
		for (struct centry **pp = &cache.tab[i], *e; (e = *pp);) {
			if (now - e->seen > CONTENT_EVICT_MS) {
				*pp = e->next;
				centry_free(e);
				cache.count--;
			} else
				pp = &e->next;
		}
}

/* The entry of ns, made when missing. A different proc root (another
 * model: a fixture tree, the live /proc) has other namespaces behind the
 * same inodes: everything cached is dropped. */
static struct centry *
cache_get(const struct nsx_model *m, const struct nsx_ns *ns, uint64_t now)
{
	const char *root = m->proc_root ? m->proc_root : "";
	struct centry *e;
	size_t h;

	if (!cache.root || strcmp(cache.root, root) != 0) {
		content_forget();
		cache.root = xstrdup(root);
		cache.swept = now;
	}
	cache_sweep(now);
	if (cache.count >= cache.size)
		cache_grow();
	h = cache_hash(ns->type, ns->ino, cache.size);
	for (e = cache.tab[h]; e; e = e->next)
		if (e->ino == ns->ino && e->type == ns->type)
			break;
	if (!e) {
		e = xcalloc(1, sizeof(*e));
		e->type = ns->type;
		e->ino = ns->ino;
		e->rep = ns->rep;
		e->next = cache.tab[h];
		cache.tab[h] = e;
		cache.count++;
	}
	e->seen = now;
	/* its process changed: what was read through the old one may differ */
	if (e->rep != ns->rep) {
		e->rep = ns->rep;
		e->have = 0;
	}
	return e;
}

static bool
fresh(const struct centry *e, enum part p, uint64_t now)
{
	return (e->have & (1u << p)) && now - e->at[p] < CONTENT_TTL_MS;
}

static void
mark(struct centry *e, enum part p, uint64_t now)
{
	e->have |= 1u << p;
	e->at[p] = now;
}

/* ---- nsx containers ---- */

/* The type's name in a record's "user,mnt,uts,..." list: a type the
 * container shares with the host (net host) must not label the host's. */
static bool
ctr_unshares(const struct ctr_state *s, int type)
{
	const char *name = nstype_table[type].name, *p = s->ns;
	size_t len = strlen(name);

	while ((p = strstr(p, name))) {
		if ((p == s->ns || p[-1] == ',') && (p[len] == ',' || p[len] == '\0'))
			return true;
		p += len;
	}
	return false;
}

static bool
label_nsx(const struct nsx_model *m, const struct nsx_ns *ns, uint64_t now, char *buf, size_t n)
{
	/* state_list reads the live machine's records: not for a fixture tree */
	if (!m->real_proc)
		return false;
	if (!cache.have_ctrs || now - cache.ctrs_at >= CONTENT_TTL_MS) {
		free(cache.ctrs);
		if (state_list(&cache.ctrs, &cache.nctrs, NULL) < 0)
			cache.nctrs = 0;
		cache.ctrs_at = now;
		cache.have_ctrs = true;
	}
	for (int i = 0; i < cache.nctrs; i++) {
		const struct ctr_state *s = &cache.ctrs[i];
		const struct nsx_proc *p = s->pid > 0 ? model_proc(m, s->pid) : NULL;
		char path[48];
		unsigned long ino = p ? p->ns[ns->type] : 0;

		if (s->pid <= 0 || !ctr_unshares(s, ns->type))
			continue;
		if (!ino) {
			snprintf(path, sizeof(path), "%d/ns/%s", (int)s->pid, nstype_table[ns->type].name);
			ino = ct_link_ino(m, path, ns->type);
		}
		if (ino == ns->ino) {
			snprintf(buf, n, "nsx:%s", s->name);
			return true;
		}
	}
	return false;
}

/* A container's name from the cgroup first; then names that say more than
 * a systemd unit (a shell in `ip netns exec blue` sits in session-3.scope):
 * an ip netns name, an nsx container; then the unit, then user@UID. */
static void
label_read(const struct nsx_model *m, const struct nsx_ns *ns, uint64_t now, char *buf, size_t n)
{
	char cg[LABEL_MAX];
	enum rank r = label_from_proc(m, ns->rep, cg, sizeof(cg));

	if (r != RANK_CONTAINER && (label_netns(ns, buf, n) || label_nsx(m, ns, now, buf, n)))
		return;
	snprintf(buf, n, "%s", r != RANK_NONE ? cg : "");
}

/* ---- the API ---- */

void
content_label(const struct nsx_model *m, const struct nsx_ns *ns, char *buf, size_t n)
{
	uint64_t now = clock_ms();
	struct centry *e = cache_get(m, ns, now);

	if (!fresh(e, PART_LABEL, now)) {
		char text[LABEL_MAX] = "";

		label_read(m, ns, now, text, sizeof(text));
		free(e->label);
		e->label = xstrdup(text);
		mark(e, PART_LABEL, now);
	}
	if (n)
		snprintf(buf, n, "%s", e->label);
}

void
content_glance(const struct nsx_model *m, const struct nsx_ns *ns, char *buf, size_t n)
{
	uint64_t now = clock_ms();
	struct centry *e = cache_get(m, ns, now);

	if (!fresh(e, PART_GLANCE, now)) {
		char text[512] = "";

		ct_glance(m, ns, text, sizeof(text));
		free(e->glance);
		e->glance = xstrdup(text);
		mark(e, PART_GLANCE, now);
	}
	if (n)
		snprintf(buf, n, "%s", e->glance);
}

void
content_detail(const struct nsx_model *m, const struct nsx_ns *ns, char ***lines, size_t *n)
{
	uint64_t now = clock_ms();
	struct centry *e = cache_get(m, ns, now);

	if (!fresh(e, PART_DETAIL, now)) {
		ct_lines_free(&e->detail);
		ct_detail(m, ns, &e->detail);
		mark(e, PART_DETAIL, now);
	}
	if (!e->detail.n)
		return;
	*lines = xreallocarray(*lines, *n + e->detail.n, sizeof(**lines));
	for (size_t i = 0; i < e->detail.n; i++)
		(*lines)[(*n)++] = xstrdup(e->detail.v[i]);
}
