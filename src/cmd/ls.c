/* ls: list namespaces, as lsns(8) does (same options, columns, tables, trees
 * and JSON through libsmartcols), faster, and with the namespaces lsns cannot
 * see: those kept alive by an fd, a bind mount in any mount namespace, a
 * thread, or a pending pid_for_children/time_for_children. */
#define _GNU_SOURCE
#include "cmd/cmd.h"

#include <errno.h>
#include <libsmartcols.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cmd/ls.h"
#include "model/model.h"
#include "util/safe.h"
#include "util/xalloc.h"

enum {
	COL_NS, COL_TYPE, COL_PATH, COL_NPROCS, COL_PID, COL_PPID, COL_COMMAND,
	COL_UID, COL_USER, COL_NETNSID, COL_NSFS, COL_PNS, COL_ONS,
	/* nsx's own */
	COL_NTASKS, COL_HELDBY,
	NCOLS
};

/* What a column needs read beyond the ns links. */
enum {
	NEED_PPID	= 1 << 0,
	NEED_OWNER_UID	= 1 << 1,	/* for rows without a process */
	NEED_RELATED	= 1 << 2,	/* owner/parent of every namespace + ghosts */
	NEED_THREADS	= 1 << 3,
};

struct ls_col {
	const char *name;
	double whint;
	int flags;
	int json;
	unsigned needs;
	const char *help;
};

/* Widths, flags and JSON types as lsns declares them, so output matches. */
static const struct ls_col ls_cols[NCOLS] = {
	[COL_NS]      = { "NS", 10, SCOLS_FL_RIGHT, SCOLS_JSON_NUMBER, 0,
			  "namespace identifier (inode number)" },
	[COL_TYPE]    = { "TYPE", 5, 0, SCOLS_JSON_STRING, 0, "kind of namespace" },
	[COL_PATH]    = { "PATH", 0, 0, SCOLS_JSON_STRING, 0,
			  "path to the namespace (through its process, fd or mount)" },
	[COL_NPROCS]  = { "NPROCS", 5, SCOLS_FL_RIGHT, SCOLS_JSON_NUMBER, 0,
			  "number of processes in the namespace" },
	[COL_PID]     = { "PID", 5, SCOLS_FL_RIGHT, SCOLS_JSON_NUMBER, 0,
			  "lowest PID in the namespace" },
	[COL_PPID]    = { "PPID", 5, SCOLS_FL_RIGHT, SCOLS_JSON_NUMBER, NEED_PPID,
			  "PPID of the PID" },
	[COL_COMMAND] = { "COMMAND", 0, SCOLS_FL_TRUNC, SCOLS_JSON_STRING, 0,
			  "command line of the PID" },
	[COL_UID]     = { "UID", 0, SCOLS_FL_RIGHT, SCOLS_JSON_NUMBER, NEED_OWNER_UID,
			  "UID of the PID, or of the owner when no process" },
	[COL_USER]    = { "USER", 0, 0, SCOLS_JSON_STRING, NEED_OWNER_UID,
			  "user of the PID, or of the owner when no process" },
	[COL_NETNSID] = { "NETNSID", 0, SCOLS_FL_RIGHT, SCOLS_JSON_STRING, 0,
			  "namespace ID as used by network subsystem" },
	[COL_NSFS]    = { "NSFS", 0, SCOLS_FL_WRAP, SCOLS_JSON_STRING, 0,
			  "nsfs mountpoint (usually used network subsystem)" },
	[COL_PNS]     = { "PNS", 10, SCOLS_FL_RIGHT, SCOLS_JSON_NUMBER, NEED_RELATED,
			  "parent namespace identifier (inode number)" },
	[COL_ONS]     = { "ONS", 10, SCOLS_FL_RIGHT, SCOLS_JSON_NUMBER, NEED_RELATED,
			  "owner namespace identifier (inode number)" },
	[COL_NTASKS]  = { "NTASKS", 5, SCOLS_FL_RIGHT, SCOLS_JSON_NUMBER, NEED_THREADS,
			  "number of tasks (threads) in the namespace" },
	[COL_HELDBY]  = { "HELDBY", 0, SCOLS_FL_TRUNC, SCOLS_JSON_STRING, NEED_RELATED,
			  "what keeps the namespace alive" },
};

enum tree { TREE_NONE, TREE_PROCESS, TREE_OWNER, TREE_PARENT };

enum {
	OPT_OUTPUT_ALL = 256,
	OPT_THREADS,
	OPT_PROC_ROOT,
};

static const struct nsx_opt ls_opts[] = {
	{ "json", 'J', ARG_NONE, NULL, COMP_NONE, "use JSON output format" },
	{ "list", 'l', ARG_NONE, NULL, COMP_NONE, "use list format output" },
	{ "noheadings", 'n', ARG_NONE, NULL, COMP_NONE, "don't print headings" },
	{ "output", 'o', ARG_REQUIRED, "LIST", COMP_LS_COLUMN,
	  "columns to show; +LIST adds to the defaults" },
	{ "output-all", OPT_OUTPUT_ALL, ARG_NONE, NULL, COMP_NONE, "output all columns" },
	{ "persistent", 'P', ARG_NONE, NULL, COMP_NONE,
	  "only namespaces without processes (held by fds, mounts, children)" },
	{ "task", 'p', ARG_REQUIRED, "PID", COMP_PID, "only the namespaces of process PID" },
	{ "raw", 'r', ARG_NONE, NULL, COMP_NONE, "use the raw output format" },
	{ "notruncate", 'u', ARG_NONE, NULL, COMP_NONE, "don't truncate text in columns" },
	{ "nowrap", 'W', ARG_NONE, NULL, COMP_NONE, "don't use multi-line representation" },
	{ "type", 't', ARG_REQUIRED, "TYPE", COMP_NSTYPE,
	  "namespace type (cgroup ipc mnt net pid time user uts); repeatable" },
	{ "tree", 'T', ARG_OPTIONAL, "REL", COMP_TREE,
	  "tree format: owner (default), parent or process" },
	{ "threads", OPT_THREADS, ARG_NONE, NULL, COMP_NONE,
	  "read every thread: count tasks (NTASKS), find per-thread namespaces" },
	{ "proc-root", OPT_PROC_ROOT, ARG_REQUIRED, "DIR", COMP_FILE,
	  "read DIR instead of /proc (a fixture tree)" },
	{ NULL, 0, 0, NULL, 0, NULL },
};

struct ls {
	int cols[NCOLS * 2];
	size_t ncols;
	bool json, raw, noheadings, notrunc, nowrap, list, persistent, threads;
	bool cols_given;
	enum tree tree;
	unsigned types;
	pid_t task;
	unsigned long nsid;
	const char *proc_root;
	unsigned needs;

	struct nsx_model m;
	struct libscols_line **proc_line;	/* process tree: per m.procs index */
	struct libscols_line **ns_line;		/* owner/parent tree: per m.nsv index */
	char **user_cache_name;
	uid_t *user_cache_uid;
	size_t nuser;
};

static void
ls_help_columns(FILE *out)
{
	fputs("\nColumns (lsns's, then nsx's own NTASKS and HELDBY):\n", out);
	for (int i = 0; i < NCOLS; i++)
		fprintf(out, "  %-8s %s\n", ls_cols[i].name, ls_cols[i].help);
}

const char *
ls_column_name(size_t i)
{
	return i < NCOLS ? ls_cols[i].name : NULL;
}

static int
col_from_name(const char *s, size_t len)
{
	for (int i = 0; i < NCOLS; i++)
		if (strlen(ls_cols[i].name) == len && strncasecmp(ls_cols[i].name, s, len) == 0)
			return i;
	return -1;
}

static void
add_col(struct ls *ls, int id)
{
	if (ls->ncols < ARRAY_SIZE(ls->cols))
		ls->cols[ls->ncols++] = id;
}

/* "-o LIST" replaces the columns, "-o +LIST" appends to them (lsns). */
static int
parse_columns(struct ls *ls, const char *arg)
{
	const char *s = arg;

	if (*s == '+')
		s++;
	else
		ls->ncols = 0;
	if (!*s)
		return cmd_fail(&cmd_ls, "empty column list (see 'help ls' for the columns)");
	while (*s) {
		const char *e = strchrnul(s, ',');
		int id = col_from_name(s, (size_t)(e - s));

		if (id < 0) {
			char list[256] = "";

			for (int i = 0; i < NCOLS; i++) {
				strcat(list, ls_cols[i].name);
				if (i + 1 < NCOLS)
					strcat(list, " ");
			}
			return cmd_fail(&cmd_ls, "unknown column '%.*s' (%s)", (int)(e - s), s, list);
		}
		add_col(ls, id);
		s = *e ? e + 1 : e;
	}
	return 0;
}

/* quiet: only probe (`-T owner` given as a separate word), print nothing */
static int
parse_tree(struct ls *ls, const char *arg, bool quiet)
{
	static const struct { const char *name; enum tree t; } trees[] = {
		{ "owner", TREE_OWNER }, { "parent", TREE_PARENT }, { "process", TREE_PROCESS },
	};

	if (!arg) {
		ls->tree = TREE_OWNER;
		return 0;
	}
	if (*arg == '=')
		arg++;
	for (size_t i = 0; i < ARRAY_SIZE(trees); i++)
		if (strcmp(arg, trees[i].name) == 0) {
			ls->tree = trees[i].t;
			return 0;
		}
	if (quiet)
		return -1;
	return cmd_fail(&cmd_ls, "unknown tree type '%s' (owner parent process)", arg);
}

/* "4026531836" or "net:[4026531836]" */
static int
parse_nsid(const char *s, unsigned long *ino)
{
	char *end;
	int type;

	if (nstype_parse_link(s, strlen(s), &type, ino) == 0)
		return 0;
	errno = 0;
	*ino = strtoul(s, &end, 10);
	return errno || end == s || *end || *ino == 0 || *s == '-' ? -1 : 0;
}

static int
ls_parse(struct ls *ls, int argc, char **argv)
{
	struct cmd_getopt g = { 0 };
	const char *outarg[16];
	size_t noutarg = 0;
	bool tree_bare = false, output_all = false;
	unsigned net_given;
	int c;

	while ((c = cmd_getopt(&cmd_ls, argc, argv, &g)) != -1) {
		switch (c) {
		case 'J': ls->json = true; break;
		case 'l': ls->list = true; break;
		case 'n': ls->noheadings = true; break;
		case 'o':
			if (noutarg == ARRAY_SIZE(outarg))
				return cmd_fail(&cmd_ls, "too many -o options");
			outarg[noutarg++] = g.optarg;
			break;
		case OPT_OUTPUT_ALL: output_all = true; break;
		case 'P': ls->persistent = true; break;
		case 'p':
			if (cmd_parse_pid(g.optarg, &ls->task) < 0)
				return cmd_fail(&cmd_ls, "invalid PID '%s' (a positive number)", g.optarg);
			break;
		case 'r': ls->raw = ls->nowrap = true; break;
		case 'u': ls->notrunc = true; break;
		case 'W': ls->nowrap = true; break;
		case 't': {
			int t = nstype_from_name(g.optarg);

			if (t < 0)
				return cmd_fail(&cmd_ls, "unknown namespace type '%s' (%s)",
						g.optarg, nstype_names());
			ls->types |= 1u << t;
			break;
		}
		case 'T':
			if (parse_tree(ls, g.optarg, false))
				return 1;
			tree_bare = !g.optarg;
			break;
		case OPT_THREADS: ls->threads = true; break;
		case OPT_PROC_ROOT: ls->proc_root = g.optarg; break;
		case 'h':
			cmd_print_help(&cmd_ls, stdout);
			return -1;
		default:
			return 1;
		}
	}
	/* `ls -T owner`: lsns would read "owner" as a namespace; accept it */
	if (tree_bare && g.optind < argc && parse_tree(ls, argv[g.optind], true) == 0)
		g.optind++;
	else if (tree_bare)
		ls->tree = TREE_OWNER;
	if (g.optind < argc) {
		if (g.optind + 1 < argc)
			return cmd_fail(&cmd_ls, "too many arguments: '%s' (one namespace at most)",
					argv[g.optind + 1]);
		if (parse_nsid(argv[g.optind], &ls->nsid) < 0)
			return cmd_fail(&cmd_ls, "invalid namespace '%s' (an inode number as "
					"'ls' prints it, e.g. 4026531836)", argv[g.optind]);
	}
	if (ls->json && ls->raw)
		return cmd_fail(&cmd_ls, "options --json and --raw cannot be combined");
	if (ls->list && ls->tree)
		return cmd_fail(&cmd_ls, "options --list and --tree cannot be combined");
	if (ls->task && ls->nsid)
		return cmd_fail(&cmd_ls, "--task cannot be combined with a namespace argument");
	if (ls->task && ls->persistent)
		return cmd_fail(&cmd_ls, "--task cannot be combined with --persistent");
	/* lsns: -t net adds NETNSID and NSFS to the default columns */
	net_given = ls->types & (1u << NSX_NET);
	if (!ls->types)
		ls->types = NSX_ALLTYPES;

	/* defaults as lsns 2.38: a process tree unless -l, -T or --output-all */
	if (output_all) {
		for (int i = 0; i < NCOLS; i++)
			add_col(ls, i);
	} else if (ls->nsid) {
		add_col(ls, COL_PID);
		add_col(ls, COL_PPID);
		add_col(ls, COL_USER);
		add_col(ls, COL_COMMAND);
		if (!ls->tree && !ls->list)
			ls->tree = TREE_PROCESS;
	} else {
		add_col(ls, COL_NS);
		add_col(ls, COL_TYPE);
		add_col(ls, COL_NPROCS);
		if (ls->threads)
			add_col(ls, COL_NTASKS);
		add_col(ls, COL_PID);
		add_col(ls, COL_USER);
		if (net_given) {
			add_col(ls, COL_NETNSID);
			add_col(ls, COL_NSFS);
		}
		add_col(ls, COL_COMMAND);
		if (!ls->tree && !ls->list)
			ls->tree = TREE_PROCESS;
	}
	for (size_t i = 0; i < noutarg; i++)
		if (parse_columns(ls, outarg[i]))
			return 1;
	for (size_t i = 0; i < ls->ncols; i++)
		ls->needs |= ls_cols[ls->cols[i]].needs;
	if (ls->tree == TREE_PROCESS)
		ls->needs |= NEED_PPID;
	if (ls->tree == TREE_OWNER || ls->tree == TREE_PARENT || ls->persistent)
		ls->needs |= NEED_RELATED;
	if (ls->threads)
		ls->needs |= NEED_THREADS;
	return 0;
}

/* ---- cells ---- */

static const char *
user_name(struct ls *ls, uid_t uid)
{
	struct passwd *pw;

	for (size_t i = 0; i < ls->nuser; i++)
		if (ls->user_cache_uid[i] == uid)
			return ls->user_cache_name[i];
	ls->user_cache_uid = xreallocarray(ls->user_cache_uid, ls->nuser + 1, sizeof(uid_t));
	ls->user_cache_name = xreallocarray(ls->user_cache_name, ls->nuser + 1, sizeof(char *));
	pw = getpwuid(uid);
	ls->user_cache_uid[ls->nuser] = uid;
	ls->user_cache_name[ls->nuser] = pw ? xstrdup(pw->pw_name) : xasprintf("%u", (unsigned)uid);
	return ls->user_cache_name[ls->nuser++];
}

/* The uid to show for a namespace: its lowest process's, else its owner's. */
static int
ns_uid(struct ls *ls, struct nsx_ns *ns, struct nsx_proc *p, uid_t *uid)
{
	if (p)
		return model_proc_uid(&ls->m, p, uid);
	model_relate(&ls->m, ns, false);
	if (!(ns->flags & NSF_OWNER_UID))
		return -1;
	*uid = ns->owner_uid;
	return 0;
}

/* The nsfs mount points, one a line (or comma-separated): in a human
 * table each encoded on its own (a path's own newline is no separator),
 * so fill_line does not encode the cell again. */
static char *
nsfs_paths(struct ls *ls, const struct nsx_ns *ns)
{
	char sep = ls->nowrap ? ',' : '\n';
	bool enc = !ls->json && !ls->raw;
	char *s = NULL;

	for (const struct nsx_holder *h = ns->holders; h; h = h->next) {
		char *t, *p;

		if (h->kind != HOLD_MOUNT || h->mntns != ls->m.self_mntns)
			continue;
		p = enc ? safe_encode(h->path, 0) : xstrdup(h->path);
		t = s ? xasprintf("%s%c%s", s, sep, p) : xstrdup(p);
		free(p);
		free(s);
		s = t;
	}
	return s;
}

/* Any path that opens the namespace: its process's link, else a holder. */
static char *
ns_path(struct ls *ls, const struct nsx_ns *ns, const struct nsx_proc *p)
{
	const char *root = ls->m.proc_root;
	const char *name = nstype_table[ns->type].name;

	if (p)
		return xasprintf("%s/%d/ns/%s", root, (int)p->pid, name);
	for (const struct nsx_holder *h = ns->holders; h; h = h->next) {
		switch (h->kind) {
		case HOLD_FD:
			return xasprintf("%s/%d/fd/%d", root, (int)h->pid, h->fd);
		case HOLD_MOUNT:
			if (h->mntns == ls->m.self_mntns)
				return xstrdup(h->path);
			break;
		case HOLD_CHILDREN:
			return xasprintf("%s/%d/ns/%s_for_children", root, (int)h->pid, name);
		case HOLD_THREAD:
			return xasprintf("%s/%d/task/%d/ns/%s", root, (int)h->pid, (int)h->tid, name);
		}
	}
	return NULL;
}

static char *
cell(struct ls *ls, int col, struct nsx_ns *ns, struct nsx_proc *p)
{
	uid_t uid;
	int id;

	switch (col) {
	case COL_NS:
		return xasprintf("%lu", ns->ino);
	case COL_TYPE:
		return xstrdup(nstype_table[ns->type].name);
	case COL_PATH:
		return ns_path(ls, ns, p);
	case COL_NPROCS:
		return xasprintf("%u", ns->nprocs);
	case COL_NTASKS:
		return xasprintf("%u", ns->ntasks);
	case COL_PID:
		return p ? xasprintf("%d", (int)p->pid) : NULL;
	case COL_PPID:
		return p && model_proc_ppid(&ls->m, p) >= 0 ? xasprintf("%d", (int)p->ppid) : NULL;
	case COL_COMMAND:
		return p && *model_proc_command(&ls->m, p) ? xstrdup(p->cmdline) : NULL;
	case COL_UID:
		return ns_uid(ls, ns, p, &uid) == 0 ? xasprintf("%u", (unsigned)uid) : NULL;
	case COL_USER:
		return ns_uid(ls, ns, p, &uid) == 0 ? xstrdup(user_name(ls, uid)) : NULL;
	case COL_NETNSID:
		if (ns->type != NSX_NET)
			return NULL;
		id = model_netnsid(&ls->m, ns);
		return id >= 0 ? xasprintf("%d", id) : id == -1 ? xstrdup("unassigned") : NULL;
	case COL_NSFS:
		return nsfs_paths(ls, ns);
	case COL_PNS:
		return (ns->flags & NSF_RELATED) ? xasprintf("%lu", ns->parent) : NULL;
	case COL_ONS:
		return (ns->flags & NSF_RELATED) ? xasprintf("%lu", ns->owner) : NULL;
	case COL_HELDBY:
		return model_ns_held(&ls->m, ns);
	}
	return NULL;
}

/* Every cell through out_cell_take: COMMAND, PATH, NSFS and HELDBY are
 * what other users name (process names, mount points). */
static int
fill_line(struct ls *ls, struct libscols_table *tab, struct libscols_line *line,
	  struct nsx_ns *ns, struct nsx_proc *p)
{
	for (size_t i = 0; i < ls->ncols; i++) {
		char *s = cell(ls, ls->cols[i], ns, p);
		int rc;

		if (ls->cols[i] == COL_NSFS && s) {
			/* encoded path by path already (nsfs_paths) */
			rc = scols_line_refer_data(line, i, s);
			if (rc)
				free(s);
		} else
			rc = out_cell_take(tab, line, i, s);
		if (rc)
			return -1;
	}
	return 0;
}

static struct libscols_table *
table_new(struct ls *ls)
{
	struct libscols_table *tab = scols_new_table();

	if (!tab)
		return NULL;
	scols_table_enable_raw(tab, ls->raw);
	scols_table_enable_json(tab, ls->json);
	scols_table_enable_noheadings(tab, ls->noheadings);
	if (ls->json)
		scols_table_set_name(tab, "namespaces");
	for (size_t i = 0; i < ls->ncols; i++) {
		const struct ls_col *col = &ls_cols[ls->cols[i]];
		int flags = col->flags;
		struct libscols_column *cl;

		if (ls->notrunc)
			flags &= ~SCOLS_FL_TRUNC;
		if (ls->nowrap)
			flags &= ~SCOLS_FL_WRAP;
		if (ls->tree == TREE_PROCESS && ls->cols[i] == COL_COMMAND)
			flags |= SCOLS_FL_TREE;
		if ((ls->tree == TREE_OWNER || ls->tree == TREE_PARENT) && ls->cols[i] == COL_NS) {
			flags |= SCOLS_FL_TREE;
			flags &= ~SCOLS_FL_RIGHT;
		}
		cl = scols_table_new_column(tab, col->name, col->whint, flags);
		if (!cl) {
			scols_unref_table(tab);
			return NULL;
		}
		if (ls->json)
			scols_column_set_json_type(cl, col->json);
		if (!ls->nowrap && ls->cols[i] == COL_NSFS) {
			scols_column_set_wrapfunc(cl, scols_wrapnl_chunksize,
						  scols_wrapnl_nextchunk, NULL);
			scols_column_set_safechars(cl, "\n");
		}
	}
	return tab;
}

/* ---- rows ---- */

static size_t
ns_index(const struct ls *ls, const struct nsx_ns *ns)
{
	/* nsv is sorted by inode: binary search */
	size_t lo = 0, hi = ls->m.nns;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (ls->m.nsv[mid]->ino == ns->ino)
			return mid;
		if (ls->m.nsv[mid]->ino < ns->ino)
			lo = mid + 1;
		else
			hi = mid;
	}
	return (size_t)-1;
}

static bool
row_wanted(const struct ls *ls, const struct nsx_ns *ns)
{
	if (!(ls->types & (1u << ns->type)))
		return false;
	if (ls->persistent && ns->nprocs)
		return false;
	if (ls->task) {
		const struct nsx_proc *p = model_proc(&ls->m, ls->task);

		return p && p->ns[ns->type] == ns->ino;
	}
	return true;
}

static struct libscols_line *
related_line(struct ls *ls, unsigned long ino, unsigned long self)
{
	struct nsx_ns *r;

	if (!ino || ino == self || !(r = model_ns(&ls->m, ino)))
		return NULL;
	return ls->ns_line[ns_index(ls, r)];
}

static int add_ns_row(struct ls *ls, struct libscols_table *tab, struct nsx_ns *ns, int depth);

/* Owner/parent trees: a row hangs under its owner (or parent); print the
 * ancestors first, as lsns does. */
static struct libscols_line *
tree_parent(struct ls *ls, struct libscols_table *tab, struct nsx_ns *ns, int depth)
{
	unsigned long up = 0;
	struct nsx_ns *r;

	if (ls->tree == TREE_OWNER)
		up = ns->owner;
	else if (ls->tree == TREE_PARENT && (ns->type == NSX_PID || ns->type == NSX_USER))
		up = ns->parent;	/* lsns: the other types have no parent: top level */
	if (!up || up == ns->ino || !(r = model_ns(&ls->m, up)))
		return NULL;
	if (!ls->ns_line[ns_index(ls, r)] && row_wanted(ls, r) && depth < 64)
		add_ns_row(ls, tab, r, depth + 1);
	return related_line(ls, up, ns->ino);
}

static int
add_ns_row(struct ls *ls, struct libscols_table *tab, struct nsx_ns *ns, int depth)
{
	struct nsx_proc *p = ns->rep ? model_proc(&ls->m, ns->rep) : NULL;
	struct libscols_line *parent = NULL, *line;
	size_t idx = ns_index(ls, ns);

	if (ls->ns_line[idx])
		return 0;
	if (ls->tree == TREE_OWNER || ls->tree == TREE_PARENT)
		parent = tree_parent(ls, tab, ns, depth);
	else if (ls->tree == TREE_PROCESS && p) {
		/* lsns: hang under the last row whose process is our parent */
		pid_t pp = model_proc_ppid(&ls->m, p);
		struct nsx_proc *pproc = pp > 0 ? model_proc(&ls->m, pp) : NULL;

		if (pproc)
			parent = ls->proc_line[pproc - ls->m.procs];
	}
	line = scols_table_new_line(tab, parent);
	if (!line || fill_line(ls, tab, line, ns, p) < 0)
		return -1;
	ls->ns_line[idx] = line;
	if (p)
		ls->proc_line[p - ls->m.procs] = line;
	return 0;
}

static int
show_namespaces(struct ls *ls, struct libscols_table *tab)
{
	for (size_t i = 0; i < ls->m.nns; i++) {
		struct nsx_ns *ns = ls->m.nsv[i];

		if (row_wanted(ls, ns) && add_ns_row(ls, tab, ns, 0) < 0)
			return -1;
	}
	return 0;
}

/* `ls NSID`: the processes of one namespace, as a process tree. */
static int
add_proc_row(struct ls *ls, struct libscols_table *tab, struct nsx_ns *ns, struct nsx_proc *p, int depth)
{
	struct libscols_line *parent = NULL, *line;
	size_t idx = (size_t)(p - ls->m.procs);

	if (ls->proc_line[idx])
		return 0;
	if (ls->tree == TREE_PROCESS && depth < 256) {
		pid_t pp = model_proc_ppid(&ls->m, p);
		struct nsx_proc *pproc = pp > 0 ? model_proc(&ls->m, pp) : NULL;

		/* only when the parent is in the same namespace (lsns) */
		if (pproc && pproc->ns[ns->type] == ns->ino) {
			if (add_proc_row(ls, tab, ns, pproc, depth + 1) < 0)
				return -1;
			parent = ls->proc_line[pproc - ls->m.procs];
		}
	}
	line = scols_table_new_line(tab, parent);
	if (!line || fill_line(ls, tab, line, ns, p) < 0)
		return -1;
	ls->proc_line[idx] = line;
	return 0;
}

static int
show_processes(struct ls *ls, struct libscols_table *tab, struct nsx_ns *ns)
{
	for (size_t i = 0; i < ls->m.nprocs; i++) {
		struct nsx_proc *p = &ls->m.procs[i];

		if (p->ns[ns->type] == ns->ino && add_proc_row(ls, tab, ns, p, 0) < 0)
			return -1;
	}
	return 0;
}

/* ---- notes after the table ---- */

static void
print_notes(struct ls *ls)
{
	const struct nsx_model *m = &ls->m;
	char van[64] = "";

	/* one line after the table, however many kinds of trouble */
	if (m->vanished)
		snprintf(van, sizeof(van), "%u process%s vanished during the scan",
			 m->vanished, m->vanished == 1 ? "" : "es");
	if (m->unreadable)
		fprintf(stderr, "nsx: ls: %s%s%u process%s could not be read (permission denied%s)\n",
			van, *van ? ", " : "", m->unreadable, m->unreadable == 1 ? "" : "es",
			geteuid() == 0 ? "" : "; run as root to see them");
	else if (*van)
		fprintf(stderr, "nsx: ls: %s\n", van);
}

static int
check_task(struct ls *ls)
{
	char path[32];
	struct stat st;

	if (model_proc(&ls->m, ls->task))
		return 0;
	snprintf(path, sizeof(path), "%d", (int)ls->task);
	if (fstatat(ls->m.procfd, path, &st, 0) == 0)
		return cmd_fail(&cmd_ls, "cannot read the namespaces of process %d: "
				"permission denied%s", (int)ls->task,
				geteuid() == 0 ? "" : " (run as root)");
	return cmd_fail(&cmd_ls, "no such process: %d", (int)ls->task);
}

static int
ls_scan(struct ls *ls)
{
	struct nsx_err err;
	unsigned want = SCAN_FDS | SCAN_MOUNTS | SCAN_CHILDREN;

	if (ls->needs & NEED_THREADS)
		want |= SCAN_THREADS;
	if (ls->needs & NEED_RELATED)
		want |= SCAN_RELATED;
	if (model_open(&ls->m, ls->proc_root, &err) < 0 ||
	    model_scan(&ls->m, ls->types, want, &err) < 0) {
		nsx_err_print("ls", &err);
		return 1;
	}
	model_sort(&ls->m);
	return 0;
}

static void
ls_free(struct ls *ls)
{
	for (size_t i = 0; i < ls->nuser; i++)
		free(ls->user_cache_name[i]);
	free(ls->user_cache_name);
	free(ls->user_cache_uid);
	free(ls->proc_line);
	free(ls->ns_line);
	model_close(&ls->m);
}

static bool
col_shown(const struct ls *ls, int id)
{
	for (size_t i = 0; i < ls->ncols; i++)
		if (ls->cols[i] == id)
			return true;
	return false;
}

/* Read what the rows show for their processes in parallel, before the
 * (serial) table is built: with thousands of rows, COMMAND alone is a
 * tenth of the run. */
static void
prefetch_rows(struct ls *ls, const struct nsx_ns *only)
{
	struct nsx_proc **procs = xcalloc(ls->m.nprocs + 1, sizeof(*procs));
	unsigned what = 0;
	size_t n = 0;

	if (col_shown(ls, COL_COMMAND))
		what |= PREFETCH_CMDLINE;
	if (col_shown(ls, COL_USER) || col_shown(ls, COL_UID))
		what |= PREFETCH_UID;
	if (ls->needs & NEED_PPID)
		what |= PREFETCH_PPID;
	if (only) {
		for (size_t i = 0; i < ls->m.nprocs; i++)
			if (ls->m.procs[i].ns[only->type] == only->ino)
				procs[n++] = &ls->m.procs[i];
	} else {
		/* each representative once, though it heads several rows: two
		 * threads must never fill the same process */
		bool *seen = xcalloc(ls->m.nprocs + 1, sizeof(*seen));

		for (size_t i = 0; i < ls->m.nns; i++) {
			struct nsx_ns *ns = ls->m.nsv[i];
			struct nsx_proc *p;

			if (!ns->rep || !row_wanted(ls, ns) || !(p = model_proc(&ls->m, ns->rep)))
				continue;
			if (seen[p - ls->m.procs])
				continue;
			seen[p - ls->m.procs] = true;
			procs[n++] = p;
		}
		free(seen);
	}
	if (what && n)
		model_prefetch(&ls->m, procs, n, what);
	free(procs);
}

static int
ls_output(struct ls *ls)
{
	struct libscols_table *tab;
	struct nsx_ns *ns = NULL;
	int rc;

	if (ls->task && check_task(ls))
		return 1;
	if (ls->nsid && !(ns = model_ns(&ls->m, ls->nsid)))
		return cmd_fail(&cmd_ls, "namespace %lu not found (run 'ls' to see them)", ls->nsid);
	prefetch_rows(ls, ns);
	ls->proc_line = xcalloc(ls->m.nprocs + 1, sizeof(*ls->proc_line));
	ls->ns_line = xcalloc(ls->m.nns + 1, sizeof(*ls->ns_line));
	if (!(tab = table_new(ls)))
		return cmd_fail(&cmd_ls, "cannot create the output table");
	rc = ns ? show_processes(ls, tab, ns) : show_namespaces(ls, tab);
	if (rc == 0)
		out_print(tab);
	scols_unref_table(tab);
	fflush(stdout);
	if (rc < 0)
		return cmd_fail(&cmd_ls, "out of memory while building the table");
	if (ns && !ns->nprocs) {
		char *held = model_ns_held(&ls->m, ns);

		nsx_warn("ls", "no process is in %s:[%lu]; it is held by: %s",
			 nstype_table[ns->type].name, ns->ino, held);
		free(held);
	}
	print_notes(ls);
	return 0;
}

static int
ls_run(struct nsx_shell *sh, int argc, char **argv)
{
	struct ls ls = { 0 };
	int rc;

	ls.proc_root = sh->proc_root;
	rc = ls_parse(&ls, argc, argv);
	if (rc)
		return rc < 0 ? 0 : rc;
	rc = ls_scan(&ls);
	if (rc == 0)
		rc = ls_output(&ls);
	ls_free(&ls);
	return rc;
}

const struct nsx_cmd cmd_ls = {
	.name = "ls",
	.summary = "list namespaces (lsns options and columns; fd-, mount- and thread-held ones too)",
	.usage = "ls [options] [NSID]",
	.help =
	"With no NSID, one row per namespace; with an NSID (an inode as ls prints it),\n"
	"the processes in that namespace. Without -l or -T the rows form a process\n"
	"tree, as lsns shows them. Namespaces with no process are listed too when an\n"
	"open fd, a bind mount (in any mount namespace), a thread or a pending\n"
	"pid_for_children/time_for_children keeps them alive; -T owner and -T parent\n"
	"add the process-less ancestors. The HELDBY column says what keeps each alive.\n"
	"\n"
	"Examples:\n"
	"  ls                      every namespace, as a process tree\n"
	"  ls -t net -t uts        network and UTS namespaces only\n"
	"  ls -T                   the user-namespace ownership tree\n"
	"  ls -J -t net            JSON, like lsns -J\n"
	"  ls -p 1234              the namespaces of process 1234\n"
	"  ls -o +HELDBY -P        namespaces with no process, and what holds them\n"
	"  ls 4026531836           the processes in namespace 4026531836\n",
	.opts = ls_opts,
	.help_more = ls_help_columns,
	.args = COMP_NSID,
	.run = ls_run,
};
