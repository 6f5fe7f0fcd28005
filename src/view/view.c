/* The viewer: scan, rows for the current screen, a frame, curses. Key
 * handlers return what must be redone (htop's Htop_Reaction); the loop
 * does it. The selection is kept by what it shows (type and inode, or a
 * PID), never by row number, so it stays put across refreshes and sorts. */
#define _GNU_SOURCE
#include "view/view.h"

#include <ctype.h>
#include <curses.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "model/model.h"
#include "repl/repl.h"
#include "util/clock.h"
#include "util/safe.h"
#include "util/trust.h"
#include "util/xalloc.h"
#include "view/content.h"
#include "view/frame.h"

#define MIN_W 60
#define MIN_H 10
#define PROC_ROW (-1)	/* a row that is a process: key is its PID */
#define TEXT_ROW (-2)	/* a heading or a detail line */

struct vrow {
	int type;		/* namespace type, PROC_ROW or TEXT_ROW */
	unsigned long key;	/* inode or PID */
	int depth;		/* tree indentation */
	char *text;		/* TEXT_ROW: the line */
};

enum { R_NONE = 0, R_REDRAW = 1, R_REBUILD = 2, R_RESCAN = 4, R_QUIT = 8, R_ENTER = 16 };

struct view {
	struct nsx_shell *sh;
	struct view_opts o;
	struct nsx_model m;
	bool have_model;
	int screen, back;	/* back: where Esc from the detail screen goes */
	struct vrow *rows;
	size_t nrows, sel, top;
	int sel_type;		/* the selection, by what it is */
	unsigned long sel_key;
	char note[80];		/* why the selection moved, until the next key */
	int det_type;		/* the detail screen's namespace */
	unsigned long det_ino;
	char filter[64];
	bool editing;		/* typing the filter */
	int type;		/* -1 or the type shown */
	int sort;		/* column index of the current screen */
	bool paused, help;
	unsigned long ref[NSX_NTYPES];	/* PID 1's namespaces */
	int w, h;
	struct nsx_err err;
	bool scan_failed;
	/* NSpid of processes seen: it never changes for a process */
	struct { pid_t pid; pid_t inner; } *nspid;
	size_t nnspid;
};

static const char *const screen_names[SCR_N] = { "namespaces", "tree", "processes", "detail" };

int
view_screen_from_name(const char *name)
{
	for (int i = 0; i < SCR_N; i++)
		if (strcmp(name, screen_names[i]) == 0 || (name[0] == screen_names[i][0] && !name[1]))
			return i;
	return -1;
}

const char *
view_screen_name(int screen)
{
	return screen >= 0 && screen < SCR_N ? screen_names[screen] : "?";
}

/* ---- data ---- */

static void
rows_free(struct view *v)
{
	for (size_t i = 0; i < v->nrows; i++)
		free(v->rows[i].text);
	free(v->rows);
	v->rows = NULL;
	v->nrows = 0;
}

static void
row_add(struct view *v, int type, unsigned long key, int depth, char *text)
{
	v->rows = xreallocarray(v->rows, v->nrows + 1, sizeof(*v->rows));
	v->rows[v->nrows++] = (struct vrow){ type, key, depth, text };
}

/* A known process is read again at least every this many ms: one that
 * changes namespaces without a new PID (unshare -u bash) shows within it. */
#define REREAD_MS 6000

static int
scan(struct view *v)
{
	if (!v->have_model) {
		if (model_open(&v->m, v->o.proc_root, &v->err) < 0)
			return -1;
		v->have_model = true;
		/* every scan reads the new processes, and each known one in
		 * turn: the cost of a refresh is what changed, not the machine */
		if (!v->o.once)
			model_incremental(&v->m, (unsigned)(REREAD_MS / (v->o.delay_ms > 0 ? v->o.delay_ms : 1500)));
	}
	if (model_scan(&v->m, NSX_ALLTYPES, SCAN_FDS | SCAN_MOUNTS | SCAN_CHILDREN | SCAN_RELATED,
		       &v->err) < 0)
		return -1;
	model_sort(&v->m);
	/* the reference for "differs": PID 1's namespaces, or where nsx
	 * started when PID 1 cannot be read */
	struct nsx_proc *p1 = model_proc(&v->m, 1);

	if (p1 && p1->ns[NSX_MNT])
		memcpy(v->ref, p1->ns, sizeof(v->ref));
	else
		memcpy(v->ref, v->sh->start_ns, sizeof(v->ref));
	return 0;
}

/* The PID of p inside its own pid namespace (last NSpid field), cached. */
static pid_t
inner_pid(struct view *v, pid_t pid)
{
	char path[64], line[256];
	pid_t inner = pid;
	FILE *f;
	int fd;

	for (size_t i = 0; i < v->nnspid; i++)
		if (v->nspid[i].pid == pid)
			return v->nspid[i].inner;
	snprintf(path, sizeof(path), "%d/status", (int)pid);
	fd = openat(v->m.procfd, path, O_RDONLY | O_CLOEXEC);
	f = fd < 0 ? NULL : fdopen(fd, "re");
	while (f && fgets(line, sizeof(line), f))
		if (strncmp(line, "NSpid:", 6) == 0) {
			char *last = strrchr(line, '\t');

			inner = (pid_t)atoi(last ? last + 1 : line + 6);
			break;
		}
	if (f)
		fclose(f);
	else if (fd >= 0)
		close(fd);
	if (v->nnspid < 65536) {
		v->nspid = xreallocarray(v->nspid, v->nnspid + 1, sizeof(*v->nspid));
		v->nspid[v->nnspid].pid = pid;
		v->nspid[v->nnspid++].inner = inner;
	}
	return inner;
}

static bool
matches(const struct view *v, const char *text)
{
	return !v->filter[0] || strcasestr(text, v->filter);
}

/* ---- the namespaces screen ---- */

struct col {
	const char *name;
	int width;		/* 0: takes the rest */
	bool right;
	int min_w;		/* shown only on a frame at least this wide */
};

static const struct col ns_cols[] = {
	{ "TYPE", 6, false, 0 }, { "NS", 10, true, 0 }, { "PROCS", 5, true, 0 },
	{ "OWNER", 10, true, 100 }, { "LABEL", 19, false, 0 }, { "CONTENT", 0, false, 0 },
	{ "HELD BY", 0, false, 0 },
};
#define NS_NCOLS 7

/* One column of a namespace's row. */
static void
ns_cell(struct view *v, const struct nsx_ns *ns, int col, char *buf, size_t n)
{
	char *held;

	switch (col) {
	case 0:
		snprintf(buf, n, "%s", nstype_table[ns->type].name);
		break;
	case 1:
		snprintf(buf, n, "%lu", ns->ino);
		break;
	case 2:
		snprintf(buf, n, "%u", ns->nprocs);
		break;
	case 3:
		if (ns->owner)
			snprintf(buf, n, "%lu", ns->owner);
		else
			snprintf(buf, n, "-");
		break;
	case 4:
		content_label(&v->m, ns, buf, n);
		break;
	case 5:
		content_glance(&v->m, ns, buf, n);
		break;
	default:
		held = model_ns_held(&v->m, ns);
		snprintf(buf, n, "%s", held ? held : "");
		free(held);
		break;
	}
}

static void
ns_cells(struct view *v, const struct nsx_ns *ns, char cell[NS_NCOLS][256])
{
	for (int i = 0; i < NS_NCOLS; i++)
		ns_cell(v, ns, i, cell[i], 256);
}

static int
ns_cmp_key(struct view *v, const struct nsx_ns *a, const struct nsx_ns *b)
{
	char ca[256], cb[256];

	switch (v->sort) {
	case 0:
		if (a->type != b->type)
			return a->type - b->type;
		break;
	case 2:
		if (a->nprocs != b->nprocs)
			return a->nprocs > b->nprocs ? -1 : 1;
		break;
	case 3:
		if (a->owner != b->owner)
			return a->owner < b->owner ? -1 : 1;
		break;
	case 4:
	case 5:
	case 6: {
		int r;

		/* only the column sorted by: a comparison is made n log n times */
		ns_cell(v, a, v->sort, ca, sizeof(ca));
		ns_cell(v, b, v->sort, cb, sizeof(cb));
		r = strcmp(ca, cb);
		if (r)
			return r;
		break;
	}
	}
	return a->ino < b->ino ? -1 : a->ino > b->ino;
}

static struct view *sort_view;

static int
ns_qsort(const void *a, const void *b)
{
	return ns_cmp_key(sort_view, *(struct nsx_ns *const *)a, *(struct nsx_ns *const *)b);
}

static void
build_ns(struct view *v)
{
	struct nsx_ns **nsv = xcalloc(v->m.nns + 1, sizeof(*nsv));
	size_t n = 0;

	for (size_t i = 0; i < v->m.nns; i++) {
		struct nsx_ns *ns = v->m.nsv[i];

		if (v->type >= 0 && ns->type != v->type)
			continue;
		if (v->filter[0]) {
			char cell[NS_NCOLS][256], all[2048];

			ns_cells(v, ns, cell);
			snprintf(all, sizeof(all), "%s %s %s %s %s %s", cell[0], cell[1], cell[4], cell[5],
				 cell[6], "");
			if (!matches(v, all))
				continue;
		}
		nsv[n++] = ns;
	}
	sort_view = v;
	qsort(nsv, n, sizeof(*nsv), ns_qsort);
	for (size_t i = 0; i < n; i++)
		row_add(v, nsv[i]->type, nsv[i]->ino, 0, NULL);
	free(nsv);
}

/* ---- the processes screen ---- */

static const char type_letter[NSX_NTYPES] = { 'C', 'I', 'M', 'N', 'P', 'T', 'U', 'H' };

static void
build_proc(struct view *v)
{
	for (size_t i = 0; i < v->m.nprocs; i++) {
		struct nsx_proc *p = &v->m.procs[i];

		if (v->type >= 0 && p->ns[v->type] == v->ref[v->type])
			continue;
		if (v->filter[0]) {
			char buf[64];

			snprintf(buf, sizeof(buf), "%d", (int)p->pid);
			if (!matches(v, model_proc_command(&v->m, p)) && !matches(v, buf))
				continue;
		}
		row_add(v, PROC_ROW, (unsigned long)p->pid, 0, NULL);
	}
}

/* ---- the tree screen ---- */

static void
tree_walk(struct view *v, int type, unsigned long parent, int depth)
{
	for (size_t i = 0; i < v->m.nns && depth < 32; i++) {
		struct nsx_ns *ns = v->m.nsv[i];

		if (ns->type != type || ns->parent != parent)
			continue;
		if (parent == 0 && ns->parent)
			continue;
		row_add(v, type, ns->ino, depth, NULL);
		if (type == NSX_PID) {
			int shown = 0;

			for (size_t k = 0; k < v->m.nprocs; k++) {
				struct nsx_proc *p = &v->m.procs[k];

				if (p->ns[NSX_PID] != ns->ino)
					continue;
				if (shown++ < 8 || (v->filter[0] && matches(v, model_proc_command(&v->m, p))))
					row_add(v, PROC_ROW, (unsigned long)p->pid, depth + 1, NULL);
			}
			if (shown > 8 && !v->filter[0])
				row_add(v, TEXT_ROW, 0, depth + 1, xasprintf("... %d more", shown - 8));
		}
		tree_walk(v, type, ns->ino, depth + 1);
	}
}

static void
build_tree(struct view *v)
{
	row_add(v, TEXT_ROW, 0, 0, xstrdup("User namespaces, each under the one that made it:"));
	tree_walk(v, NSX_USER, 0, 1);
	row_add(v, TEXT_ROW, 0, 0, xstrdup(""));
	row_add(v, TEXT_ROW, 0, 0, xstrdup("PID namespaces, with their processes (PID / PID inside):"));
	tree_walk(v, NSX_PID, 0, 1);
}

/* ---- the detail screen ---- */

static void
build_detail(struct view *v)
{
	struct nsx_ns *ns = model_ns(&v->m, v->det_ino);
	char label[256] = "", *held;
	char **lines = NULL;
	size_t n = 0, shown = 0;

	if (!ns || ns->type != v->det_type) {
		row_add(v, TEXT_ROW, 0, 0, xasprintf("%s:[%lu] is gone: no process, fd or mount keeps it now",
						     nstype_table[v->det_type].name, v->det_ino));
		return;
	}
	content_label(&v->m, ns, label, sizeof(label));
	row_add(v, TEXT_ROW, 0, 0, xasprintf("%s:[%lu]  %s", nstype_table[ns->type].name, ns->ino,
					     nstype_table[ns->type].isolates));
	if (ns->owner)
		row_add(v, TEXT_ROW, 0, 0, xasprintf("owner: user:[%lu]%s", ns->owner,
						     ns->flags & NSF_OWNER_UID ? "" : ""));
	if (ns->parent)
		row_add(v, TEXT_ROW, 0, 0, xasprintf("parent: %s:[%lu]", nstype_table[ns->type].name, ns->parent));
	if (*label)
		row_add(v, TEXT_ROW, 0, 0, xasprintf("label: %s", label));
	held = model_ns_held(&v->m, ns);
	row_add(v, TEXT_ROW, 0, 0, xasprintf("kept alive by: %s", held && *held ? held : "nothing seen"));
	free(held);
	for (const struct nsx_holder *h = ns->holders; h; h = h->next) {
		if (h->kind == HOLD_FD)
			row_add(v, TEXT_ROW, 0, 1, xasprintf("fd %d of process %d", h->fd, (int)h->pid));
		else if (h->kind == HOLD_MOUNT)
			row_add(v, TEXT_ROW, 0, 1, xasprintf("bind mount %s (mount namespace %lu)", h->path,
							     h->mntns));
		else if (h->kind == HOLD_CHILDREN)
			row_add(v, TEXT_ROW, 0, 1, xasprintf("the %s_for_children of process %d",
							     nstype_table[ns->type].name, (int)h->pid));
		else
			row_add(v, TEXT_ROW, 0, 1, xasprintf("thread %d of process %d", (int)h->tid, (int)h->pid));
	}
	row_add(v, TEXT_ROW, 0, 0, xstrdup(""));
	content_detail(&v->m, ns, &lines, &n);
	if (n) {
		row_add(v, TEXT_ROW, 0, 0, xstrdup("Content:"));
		for (size_t i = 0; i < n; i++)
			row_add(v, TEXT_ROW, 0, 1, lines[i]);
		row_add(v, TEXT_ROW, 0, 0, xstrdup(""));
	}
	free(lines);
	row_add(v, TEXT_ROW, 0, 0, xasprintf("Processes (%u):", ns->nprocs));
	for (size_t k = 0; k < v->m.nprocs; k++) {
		struct nsx_proc *p = &v->m.procs[k];

		if (p->ns[ns->type] == ns->ino && shown++ < 500)
			row_add(v, PROC_ROW, (unsigned long)p->pid, 1, NULL);
	}
}

/* The selected process or namespace is no longer in the list: say so when
 * it is gone from the machine, not merely filtered out; the selection
 * stays at its row, on what is there now, as htop does. */
static void
note_gone(struct view *v)
{
	/* a failed scan empties the model: nothing is known to be gone */
	if (!v->have_model || !v->sel_key || v->scan_failed)
		return;
	if (v->sel_type == PROC_ROW && !model_proc(&v->m, (pid_t)v->sel_key))
		snprintf(v->note, sizeof(v->note), "PID %lu is gone", v->sel_key);
	else if (v->sel_type >= 0 && !model_ns(&v->m, v->sel_key))
		snprintf(v->note, sizeof(v->note), "%s:[%lu] is gone", nstype_table[v->sel_type].name,
			 v->sel_key);
}

/* Rows of the current screen, the selection found again by what it is. */
static void
rebuild(struct view *v)
{
	rows_free(v);
	if (!v->have_model)
		return;
	switch (v->screen) {
	case SCR_NS:
		build_ns(v);
		break;
	case SCR_TREE:
		build_tree(v);
		break;
	case SCR_PROC:
		build_proc(v);
		break;
	default:
		build_detail(v);
		break;
	}
	for (size_t i = 0; i < v->nrows; i++)
		if (v->rows[i].type == v->sel_type && v->rows[i].key == v->sel_key && v->rows[i].type != TEXT_ROW) {
			v->sel = i;
			return;
		}
	note_gone(v);
	if (v->sel >= v->nrows)
		v->sel = v->nrows ? v->nrows - 1 : 0;
	/* the first row that can be selected */
	while (v->sel + 1 < v->nrows && v->rows[v->sel].type == TEXT_ROW && v->screen != SCR_DETAIL)
		v->sel++;
	if (v->nrows) {
		v->sel_type = v->rows[v->sel].type;
		v->sel_key = v->rows[v->sel].key;
	}
}

/* ---- drawing ---- */

static void
draw_cols(struct frame *f, int y, const struct col *cols, int ncols, char cell[][256], enum frame_attr *at)
{
	int x = 0, fixed = 0, flex = 0;

	for (int i = 0; i < ncols; i++) {
		if (cols[i].min_w > f->w)
			continue;
		fixed += cols[i].width + 1;
		flex += cols[i].width == 0;
	}
	int rest = f->w - fixed > flex * 8 ? (f->w - fixed) / (flex ? flex : 1) : 8;

	for (int i = 0; i < ncols && x < f->w; i++) {
		int w = cols[i].width ? cols[i].width : rest;
		/* as frame_put will show it */
		int len = (int)safe_encode_buf(cell[i], strlen(cell[i]), NULL, 0, SAFE_ASCII);

		if (cols[i].min_w > f->w)
			continue;
		if (i == ncols - 1)
			w = f->w - x;
		if (cols[i].right && len < w)
			frame_put(f, x + w - len, y, at ? at[i] : FA_PLAIN, cell[i], w);
		else
			frame_put(f, x, y, at ? at[i] : FA_PLAIN, cell[i], w);
		x += w + 1;
	}
}

static void
draw_ns_row(struct view *v, struct frame *f, int y, const struct vrow *r)
{
	struct nsx_ns *ns = model_ns(&v->m, r->key);
	char cell[NS_NCOLS][256];
	enum frame_attr at[NS_NCOLS] = { FA_TYPE, FA_PLAIN, FA_PLAIN, FA_PLAIN, FA_LABEL, FA_PLAIN, FA_PLAIN };

	if (!ns)
		return;
	ns_cells(v, ns, cell);
	if (ns->flags & NSF_GHOST) {
		snprintf(cell[6], 256, "(no process: found as an owner or parent)");
		for (int i = 0; i < NS_NCOLS; i++)
			at[i] = FA_DIM;
	}
	if (ns->ino != v->ref[ns->type] && !(ns->flags & NSF_GHOST))
		at[1] = FA_DIFFERS;
	draw_cols(f, y, ns_cols, NS_NCOLS, cell, at);
}

static const struct col proc_cols[] = {
	{ "PID", 7, true, 0 }, { "INSIDE", 7, true, 0 }, { "C", 1, false, 0 }, { "I", 1, false, 0 },
	{ "M", 1, false, 0 }, { "N", 1, false, 0 }, { "P", 1, false, 0 }, { "T", 1, false, 0 },
	{ "U", 1, false, 0 }, { "H", 1, false, 0 }, { "COMMAND", 0, false, 0 },
};
#define PROC_NCOLS 11

static void
draw_proc_row(struct view *v, struct frame *f, int y, const struct vrow *r, int indent)
{
	struct nsx_proc *p = model_proc(&v->m, (pid_t)r->key);
	char cell[PROC_NCOLS][256];
	enum frame_attr at[PROC_NCOLS];
	int x0 = indent;

	if (!p)
		return;
	snprintf(cell[0], 256, "%d", (int)p->pid);
	snprintf(cell[1], 256, "%d", (int)inner_pid(v, p->pid));
	at[0] = at[1] = FA_PLAIN;
	for (int t = 0; t < NSX_NTYPES; t++) {
		bool differs = p->ns[t] && p->ns[t] != v->ref[t];

		snprintf(cell[2 + t], 256, "%c", differs ? type_letter[t] : '.');
		at[2 + t] = differs ? FA_DIFFERS : FA_DIM;
	}
	snprintf(cell[10], 256, "%s", model_proc_command(&v->m, p));
	at[10] = FA_PLAIN;
	if (indent) {
		/* the tree and detail screens: PID/INSIDE and the command */
		int x = frame_putf(f, x0, y, FA_PLAIN, "%.20s/%.20s", cell[0], cell[1]);

		frame_put(f, x + 2, y, FA_PLAIN, cell[10], 0);
		return;
	}
	draw_cols(f, y, proc_cols, PROC_NCOLS, cell, at);
}

static void
draw_tree_row(struct view *v, struct frame *f, int y, const struct vrow *r)
{
	int x = 2 * r->depth;
	struct nsx_ns *ns;
	char label[256] = "";

	if (r->type == TEXT_ROW) {
		frame_put(f, x, y, r->depth ? FA_DIM : FA_TITLE, r->text, 0);
		return;
	}
	if (r->type == PROC_ROW) {
		frame_put(f, x, y, FA_DIM, "- ", 0);
		draw_proc_row(v, f, y, r, x + 2);
		return;
	}
	ns = model_ns(&v->m, r->key);
	if (!ns)
		return;
	content_label(&v->m, ns, label, sizeof(label));
	x = frame_putf(f, x, y, FA_TYPE, "%s:[%lu]", nstype_table[ns->type].name, ns->ino);
	if (ns->flags & NSF_GHOST) {
		frame_put(f, x + 1, y, FA_DIM, "(no process: an ancestor of others)", 0);
		return;
	}
	if (ns->type == NSX_USER && (ns->flags & NSF_OWNER_UID))
		x = frame_putf(f, x + 1, y, FA_PLAIN, "uid %u", (unsigned)ns->owner_uid);
	x = frame_putf(f, x + 1, y, FA_PLAIN, "%u proc%s", ns->nprocs, ns->nprocs == 1 ? "" : "s");
	if (ns->type == NSX_USER && ns->nowned)
		x = frame_putf(f, x + 1, y, FA_DIM, "owns %u", ns->nowned);
	if (*label)
		frame_put(f, x + 2, y, FA_LABEL, label, 0);
}

static void
draw_title(struct view *v, struct frame *f)
{
	int x = frame_put(f, 0, 0, FA_TITLE, "nsx view ", 0);

	for (int i = 0; i < SCR_N; i++) {
		char buf[32];

		snprintf(buf, sizeof(buf), "%d %s", i + 1, screen_names[i]);
		x = frame_put(f, x + 1, 0, i == v->screen ? FA_SELECTED : FA_PLAIN, buf, 0);
	}
	if (v->have_model)
		x = frame_putf(f, x + 2, 0, FA_PLAIN, "%zu ns, %zu procs", v->m.nns, v->m.nprocs);
	if (v->type >= 0)
		x = frame_putf(f, x + 2, 0, FA_TYPE, "type %s", nstype_table[v->type].name);
	if (v->paused)
		x = frame_put(f, x + 2, 0, FA_WARN, "PAUSED", 0);
	/* what the scan could not see, htop's honesty about blind spots */
	if (v->have_model && (v->m.unreadable || v->m.vanished))
		frame_putf(f, x + 2, 0, FA_WARN, "%u unreadable, %u vanished", v->m.unreadable, v->m.vanished);
}

static void
draw_header(struct view *v, struct frame *f)
{
	char cell[PROC_NCOLS][256];
	enum frame_attr at[PROC_NCOLS];
	const struct col *cols = v->screen == SCR_NS ? ns_cols : proc_cols;
	int n = v->screen == SCR_NS ? NS_NCOLS : PROC_NCOLS;

	frame_line_attr(f, 1, FA_HEADER);
	if (v->screen == SCR_TREE || v->screen == SCR_DETAIL) {
		if (v->screen == SCR_DETAIL)
			frame_putf(f, 0, 1, FA_HEADER, "Detail of %s:[%lu]  (Esc back)",
				   nstype_table[v->det_type].name, v->det_ino);
		else
			frame_put(f, 0, 1, FA_HEADER, "Tree", 0);
		return;
	}
	for (int i = 0; i < n; i++) {
		snprintf(cell[i], 256, "%s%s", cols[i].name, i == v->sort && v->screen == SCR_NS ? "*" : "");
		at[i] = FA_HEADER;
	}
	draw_cols(f, 1, cols, n, cell, at);
}

static void
draw_status(struct view *v, struct frame *f)
{
	int y = f->h - 1, x = 0;

	frame_line_attr(f, y, FA_STATUS);
	if (v->note[0] && !v->editing)
		x = frame_putf(f, 0, y, FA_WARN, "%s", v->note) + 2;
	if (v->editing) {
		frame_putf(f, 0, y, FA_STATUS, "filter: %s_   (Enter: keep, Esc: clear)", v->filter);
		return;
	}
	static const char *const keys[][2] = {
		{ "?", "help" }, { "Tab", "screen" }, { "/", "filter" }, { "t", "type" }, { "s", "sort" },
		{ "Enter", "detail" }, { "e", "enter" }, { "Space", "pause" }, { "q", "quit" },
	};
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		x = frame_put(f, x, y, FA_KEY, keys[i][0], 0);
		x = frame_put(f, x + 1, y, FA_STATUS, keys[i][1], 0) + 2;
	}
	if (v->filter[0])
		x = frame_putf(f, x + 1, y, FA_STATUS, "[/%s]", v->filter);
	if (v->scan_failed)
		frame_putf(f, 0, y, FA_WARN, "%s", v->err.msg);
}

static const char *const help_text[] = {
	"nsx view: the namespaces of this machine, live.",
	"",
	"  1 2 3 4, Tab    namespaces, tree, processes, detail (Shift-Tab: back)",
	"  Up Down PgUp PgDn Home End, mouse click   move the selection",
	"  Enter           detail of the selected namespace (or the process's pid ns)",
	"  Esc             back from the detail screen; clears a filter",
	"  /               filter rows by text (type, inode, label, content, command)",
	"  t               cycle the namespace type shown (processes: those that differ in it)",
	"  s  < >          sort by the next column; choose the column",
	"  e               enter the selected namespace (or process) in a shell at a new",
	"                  level; exit that shell to come back here",
	"  Space           pause and resume the refresh",
	"  q               quit",
	"",
	"Processes: a letter where a process's namespace differs from PID 1's",
	"(C cgroup, I ipc, M mnt, N net, P pid, T time, U user, H uts), a dot where",
	"it is the same. INSIDE is its PID in its own pid namespace.",
	"",
	"Press any key.",
};

static void
render(struct view *v, struct frame *f)
{
	int body = f->h - 3;

	frame_clear(f);
	if (f->w < MIN_W || f->h < MIN_H) {
		frame_putf(f, 0, 0, FA_WARN, "terminal too small (%dx%d):", f->w, f->h);
		frame_putf(f, 0, 1, FA_WARN, "make it at least %dx%d", MIN_W, MIN_H);
		return;
	}
	draw_title(v, f);
	if (v->help) {
		for (size_t i = 0; i < sizeof(help_text) / sizeof(help_text[0]) && (int)i + 2 < f->h - 1; i++)
			frame_put(f, 0, (int)i + 2, FA_PLAIN, help_text[i], 0);
		draw_status(v, f);
		return;
	}
	draw_header(v, f);
	/* keep the selection visible */
	if (v->sel < v->top)
		v->top = v->sel;
	if (v->sel >= v->top + (size_t)body)
		v->top = v->sel - (size_t)body + 1;
	if (v->top + (size_t)body > v->nrows)
		v->top = v->nrows > (size_t)body ? v->nrows - (size_t)body : 0;
	for (int i = 0; i < body && v->top + (size_t)i < v->nrows; i++) {
		const struct vrow *r = &v->rows[v->top + (size_t)i];
		int y = 2 + i;

		if (v->screen == SCR_NS)
			draw_ns_row(v, f, y, r);
		else if (v->screen == SCR_PROC)
			draw_proc_row(v, f, y, r, 0);
		else if (v->screen == SCR_TREE)
			draw_tree_row(v, f, y, r);
		else if (r->type == PROC_ROW)
			draw_proc_row(v, f, y, r, 2 * r->depth);
		else
			frame_put(f, 2 * r->depth, y, r->depth ? FA_PLAIN : FA_TITLE, r->text, 0);
		if (v->top + (size_t)i == v->sel && v->screen != SCR_DETAIL)
			frame_line_attr(f, y, FA_SELECTED);
	}
	if (!v->nrows && v->have_model)
		frame_put(f, 0, 2, FA_DIM, v->filter[0] || v->type >= 0 ? "(nothing matches the filter)" :
			  "(nothing)", 0);
	draw_status(v, f);
}

/* ---- keys ---- */

static void
select_row(struct view *v, size_t i)
{
	if (!v->nrows)
		return;
	if (i >= v->nrows)
		i = v->nrows - 1;
	v->sel = i;
	v->sel_type = v->rows[i].type;
	v->sel_key = v->rows[i].key;
}

static int
move_sel(struct view *v, long delta)
{
	long to = (long)v->sel + delta;

	if (to < 0)
		to = 0;
	select_row(v, (size_t)to);
	/* headings are skipped in the direction of travel */
	while (v->screen != SCR_DETAIL && v->rows && v->rows[v->sel].type == TEXT_ROW &&
	       v->sel + 1 < v->nrows && delta >= 0)
		select_row(v, v->sel + 1);
	while (v->screen != SCR_DETAIL && v->rows && v->rows[v->sel].type == TEXT_ROW && v->sel > 0 &&
	       delta < 0)
		select_row(v, v->sel - 1);
	return R_REDRAW;
}

static int
set_screen(struct view *v, int s)
{
	if (s == SCR_DETAIL) {
		if (!v->nrows)
			return R_NONE;
		const struct vrow *r = &v->rows[v->sel];

		if (r->type == PROC_ROW) {
			struct nsx_proc *p = model_proc(&v->m, (pid_t)r->key);

			if (!p)
				return R_NONE;
			v->det_type = NSX_PID;
			v->det_ino = p->ns[NSX_PID];
		} else if (r->type >= 0) {
			v->det_type = r->type;
			v->det_ino = r->key;
		} else if (v->screen != SCR_DETAIL)
			return R_NONE;
		if (v->screen != SCR_DETAIL)
			v->back = v->screen;
	}
	v->screen = s;
	v->sort = s == SCR_NS ? 0 : v->sort;
	v->top = 0;
	return R_REBUILD;
}

static int
key_screen_next(struct view *v, int dir)
{
	int s = (v->screen + dir + SCR_N) % SCR_N;

	/* the detail screen is reached with Enter, and left with Esc */
	if (s == SCR_DETAIL)
		s = (s + dir + SCR_N) % SCR_N;
	return set_screen(v, s);
}

static int
key_type(struct view *v)
{
	v->type = v->type + 1 < NSX_NTYPES ? v->type + 1 : -1;
	return R_REBUILD;
}

static int
key_sort(struct view *v, int dir)
{
	int n = v->screen == SCR_NS ? NS_NCOLS : 0;

	if (!n)
		return R_NONE;
	v->sort = (v->sort + dir + n) % n;
	return R_REBUILD;
}

/* Returns R_* for key c. */
static int
handle_key(struct view *v, int c)
{
	int body = v->h - 3;

	if (v->help) {
		v->help = false;
		return R_REDRAW;
	}
	if (v->editing) {
		size_t len = strlen(v->filter);

		if (c == '\n' || c == '\r' || c == KEY_ENTER)
			v->editing = false;
		else if (c == 27) {
			v->editing = false;
			v->filter[0] = '\0';
		} else if ((c == KEY_BACKSPACE || c == 127 || c == 8) && len)
			v->filter[len - 1] = '\0';
		else if (c >= 0x20 && c < 0x7f && len + 1 < sizeof(v->filter)) {
			v->filter[len] = (char)c;
			v->filter[len + 1] = '\0';
		}
		return R_REBUILD;
	}
	switch (c) {
	case 'q':
	case 'Q':
		return R_QUIT;
	case KEY_UP:
	case 'k':
		return move_sel(v, -1);
	case KEY_DOWN:
	case 'j':
		return move_sel(v, 1);
	case KEY_PPAGE:
		return move_sel(v, -(long)body);
	case KEY_NPAGE:
		return move_sel(v, body);
	case KEY_HOME:
		return move_sel(v, -(long)v->nrows);
	case KEY_END:
		return move_sel(v, (long)v->nrows);
	case '\t':
		return key_screen_next(v, 1);
	case KEY_BTAB:
		return key_screen_next(v, -1);
	case '1':
	case '2':
	case '3':
		return set_screen(v, c - '1');
	case '4':
	case '\n':
	case '\r':
	case KEY_ENTER:
		return set_screen(v, SCR_DETAIL);
	case 27:
	case KEY_BACKSPACE:
		if (v->screen == SCR_DETAIL)
			return set_screen(v, v->back);
		v->filter[0] = '\0';
		return R_REBUILD;
	case '/':
		v->editing = true;
		return R_REDRAW;
	case 't':
		return key_type(v);
	case 's':
	case '>':
		return key_sort(v, 1);
	case '<':
		return key_sort(v, -1);
	case ' ':
		v->paused = !v->paused;
		return R_REDRAW;
	case '?':
	case KEY_F(1):
	case 'h':
		v->help = true;
		return R_REDRAW;
	case 'e':
		return R_ENTER;
	case KEY_RESIZE:
		return R_REDRAW;
	}
	return R_NONE;
}

/* ---- curses ---- */

static const short curses_colors[FA_NATTRS][2] = {
	[FA_PLAIN] = { -1, -1 },
	[FA_HEADER] = { COLOR_BLACK, COLOR_GREEN },
	[FA_SELECTED] = { COLOR_BLACK, COLOR_CYAN },
	[FA_TITLE] = { -1, -1 },
	[FA_STATUS] = { COLOR_BLACK, COLOR_WHITE },
	[FA_KEY] = { COLOR_WHITE, COLOR_BLACK },
	[FA_DIFFERS] = { COLOR_RED, -1 },
	[FA_DIM] = { -1, -1 },
	[FA_TYPE] = { COLOR_CYAN, -1 },
	[FA_LABEL] = { COLOR_YELLOW, -1 },
	[FA_WARN] = { COLOR_YELLOW, -1 },
};

static attr_t attrs[FA_NATTRS];

static void
curses_palette(bool mono)
{
	bool color = !mono && has_colors() && start_color() == OK;

	if (color)
		use_default_colors();
	for (int i = 0; i < FA_NATTRS; i++) {
		attrs[i] = A_NORMAL;
		if (color && i != FA_PLAIN) {
			init_pair((short)i, curses_colors[i][0], curses_colors[i][1]);
			attrs[i] = COLOR_PAIR(i);
		}
	}
	/* what monochrome (and bold/dim over colours) keeps of it */
	attrs[FA_TITLE] |= A_BOLD;
	attrs[FA_DIFFERS] |= A_BOLD;
	attrs[FA_WARN] |= A_BOLD;
	attrs[FA_DIM] |= A_DIM;
	attrs[FA_KEY] |= A_BOLD;
	if (!color) {
		attrs[FA_HEADER] |= A_UNDERLINE;
		attrs[FA_SELECTED] |= A_REVERSE;
		attrs[FA_STATUS] |= A_REVERSE;
	}
}

static void
curses_draw(const struct frame *f)
{
	for (int y = 0; y < f->h; y++) {
		move(y, 0);
		for (int x = 0; x < f->w; x++)
			addch((chtype)(unsigned char)f->ch[y * f->w + x] | attrs[f->at[y * f->w + x]]);
	}
	refresh();
}

static int
mouse_row(struct view *v)
{
	MEVENT ev;

	if (getmouse(&ev) != OK)
		return R_NONE;
	if (ev.bstate & BUTTON4_PRESSED)
		return move_sel(v, -3);
	if (ev.bstate & BUTTON5_PRESSED)
		return move_sel(v, 3);
	if (ev.y >= 2 && ev.y < v->h - 1 && (ev.bstate & (BUTTON1_CLICKED | BUTTON1_PRESSED | BUTTON1_RELEASED))) {
		size_t i = v->top + (size_t)(ev.y - 2);

		if (i < v->nrows && v->rows[i].type != TEXT_ROW)
			select_row(v, i);
		return R_REDRAW;
	}
	if (ev.y == 0 && (ev.bstate & BUTTON1_CLICKED)) {
		/* the screen names in the title line */
		int x = 9;

		for (int i = 0; i < SCR_N; i++) {
			int len = (int)strlen(screen_names[i]) + 2;

			if (ev.x >= x + 1 && ev.x < x + 1 + len)
				return i == SCR_DETAIL ? set_screen(v, SCR_DETAIL) : set_screen(v, i);
			x += len + 1;
		}
	}
	return R_NONE;
}

/* `e`: the selected namespace (or process) in a shell at a new level, as
 * `enter` does; back here when it exits. In that level (the child) this
 * returns 1: the viewer ends there and the level's shell goes on. */
static int
enter_selected(struct view *v, int *status)
{
	char target[32], *argv[3];
	const struct vrow *r;
	int depth = v->sh->depth;

	if (!v->nrows || v->o.proc_root)
		return 0;
	r = &v->rows[v->sel];
	if (r->type == TEXT_ROW)
		return 0;
	snprintf(target, sizeof(target), "%lu", r->key);
	argv[0] = "enter";
	argv[1] = target;
	argv[2] = NULL;
	def_prog_mode();
	endwin();
	printf("nsx view: entering %s%s (exit to come back)\n", r->type == PROC_ROW ? "process " : "",
	       target);
	fflush(stdout);
	*status = repl_run_argv(v->sh, 2, argv);
	if (v->sh->depth > depth) {
		/* the new level: its shell, then the level ends */
		if (v->sh->oneshot) {
			v->sh->oneshot = false;
			v->sh->interactive = isatty(STDIN_FILENO);
			*status = v->sh->interactive ? repl_interactive(v->sh) : repl_script(v->sh, STDIN_FILENO);
		}
		return 1;
	}
	if (*status) {
		printf("(press a key)");
		fflush(stdout);
		getchar();
	}
	reset_prog_mode();
	refresh();
	return 0;
}

static void
refresh_data(struct view *v)
{
	v->scan_failed = scan(v) < 0;
	rebuild(v);
}

static int
curses_loop(struct view *v)
{
	struct frame f = { 0 };
	long next = 0, iter = 0;
	int status = 0;

	for (;;) {
		long t = (long)clock_ms();
		int c, r = R_NONE;

		if (t >= next && !v->paused) {
			if (v->o.iterations > 0 && iter++ >= v->o.iterations)
				break;
			refresh_data(v);
			next = t + v->o.delay_ms;
			r |= R_REDRAW;
		}
		getmaxyx(stdscr, v->h, v->w);
		if (f.w != v->w || f.h != v->h) {
			frame_free(&f);
			if (frame_init(&f, v->w, v->h) < 0)
				break;
		}
		render(v, &f);
		curses_draw(&f);
		t = (long)clock_ms();
		timeout(v->paused ? -1 : (int)(next > t ? next - t : 0));
		c = getch();
		if (c == ERR)
			continue;
		v->note[0] = '\0';
		r = c == KEY_MOUSE ? mouse_row(v) : handle_key(v, c);
		if (r & R_QUIT)
			break;
		if (r & R_ENTER) {
			if (enter_selected(v, &status) == 1) {
				frame_free(&f);
				return status;
			}
			next = 0;
		}
		if (r & R_REBUILD)
			rebuild(v);
	}
	frame_free(&f);
	endwin();
	return status;
}

/* ---- the command's entry ---- */

static int
run_once(struct view *v, struct nsx_err *err)
{
	struct frame f;

	if (scan(v) < 0) {
		*err = v->err;
		return -1;
	}
	rebuild(v);
	if (v->screen == SCR_DETAIL && v->det_ino == 0) {
		/* --screen detail: of the first namespace of the list */
		v->screen = SCR_NS;
		rebuild(v);
		set_screen(v, SCR_DETAIL);
		rebuild(v);
	}
	if (frame_init(&f, v->o.w, v->o.h) < 0)
		return nsx_error(err, EINVAL, "--size %dx%d: out of range", v->o.w, v->o.h);
	v->w = v->o.w;
	v->h = v->o.h;
	render(v, &f);
	frame_print(&f, stdout, v->o.ansi);
	frame_free(&f);
	return 0;
}

static void
view_free(struct view *v)
{
	rows_free(v);
	if (v->have_model)
		model_close(&v->m);
	free(v->nspid);
	content_forget();
}

int
view_run(struct nsx_shell *sh, const struct view_opts *o, struct nsx_err *err)
{
	struct view v = { .sh = sh, .o = *o, .type = o->type, .screen = o->screen };
	int status;

	if (o->filter)
		snprintf(v.filter, sizeof(v.filter), "%s", o->filter);
	if (o->once) {
		status = run_once(&v, err);
		view_free(&v);
		return status;
	}
	if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO))
		return nsx_error(err, ENOTTY, "not a terminal (for one frame as text: view --once --size 80x24)");
	if (trust_terminal(err) < 0)
		return -1;
	if (!newterm(NULL, stdout, stdin))
		return nsx_error(err, EINVAL, "cannot use the terminal '%s' (set TERM to one terminfo knows, "
				 "e.g. xterm-256color)", getenv("TERM") ? getenv("TERM") : "");
	cbreak();
	noecho();
	nonl();
	keypad(stdscr, TRUE);
	curs_set(0);
	set_escdelay(25);
	mousemask(BUTTON1_CLICKED | BUTTON1_PRESSED | BUTTON4_PRESSED | BUTTON5_PRESSED, NULL);
	curses_palette(o->mono || getenv("NO_COLOR"));
	status = curses_loop(&v);
	view_free(&v);
	return status;
}
