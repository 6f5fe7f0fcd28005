/* nsx view: a live ncurses namespace viewer, htop for namespaces. Four
 * screens (namespaces, tree, processes, detail) built from one scan of
 * /proc per refresh into a frame (frame.h), drawn by curses or printed
 * once. */
#ifndef NSX_VIEW_H
#define NSX_VIEW_H

#include <stdbool.h>

#include "level/shell.h"
#include "util/err.h"

enum view_screen { SCR_NS, SCR_TREE, SCR_PROC, SCR_DETAIL, SCR_N };

struct view_opts {
	int delay_ms;		/* between refreshes */
	bool once;		/* print one frame and return */
	int w, h;		/* --size, for --once */
	int screen;		/* enum view_screen */
	bool ansi;		/* --once with colours */
	bool mono;		/* no colours on the terminal */
	const char *proc_root;	/* NULL: /proc */
	long iterations;	/* > 0: quit after that many refreshes (benchmarks) */
	int type;		/* -1, or only this namespace type */
	const char *filter;	/* NULL, or the initial filter text */
};

/* "namespaces", "tree", "processes", "detail" (or their first letter);
 * -1 when it is none of them. */
int view_screen_from_name(const char *name);
const char *view_screen_name(int screen);

/* Run the viewer (or print one frame). Returns the command's status; an
 * error (no terminal, TERM unknown, a bad proc root) is -1 with err, and
 * the terminal is left as it was. */
int view_run(struct nsx_shell *sh, const struct view_opts *o, struct nsx_err *err);

#endif
