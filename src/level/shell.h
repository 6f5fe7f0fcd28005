/* The shell's state: what every command may look at, and the stack of
 * levels (level.h) the shell is nested in. Below the command layer, so
 * that levels, the REPL and the viewer reach it without cmd/ (the command
 * table, cmd.h). */
#ifndef NSX_SHELL_H
#define NSX_SHELL_H

#include <stdbool.h>
#include <stddef.h>

#include "level/level.h"
#include "model/nstype.h"

struct nsx_shell {
	bool interactive;	/* readline on a terminal */
	bool quit;		/* set by `exit` */
	bool oneshot;		/* `nsx CMD ...`: nothing runs after this command */
	int status;		/* of the last command */
	int exit_status;	/* for `exit N` */
	unsigned long start_ns[NSX_NTYPES];	/* where nsx started */
	const char *proc_root;	/* --proc-root given to nsx itself, or NULL */

	/* levels (src/level): a forked process each, this one is levels[depth] */
	int depth;
	bool pid1;		/* PID 1 of its pid namespace: reaps orphans */
	int start_procfd;	/* /proc as nsx started: PIDs as seen from there */
	struct level_rec levels[LEVEL_MAX];
	/* Shared by all levels (MAP_SHARED): how many segments of the current
	 * line were run, per depth, so that a level which goes on with the
	 * rest of a `-c 'unshare uts; hostname x; exit; hostname'` line is
	 * not followed by its parent running the same segments again. */
	size_t *linepos;
	/* Shared too: `lesson reset` at a deeper level sets it to the
	 * lesson's start depth + 1; every level below exits, the start level
	 * finishes the reset and sets it back to 0. */
	int *unwind;
	/* the start time of nsx's first level, read there (a level in a time
	 * namespace sees start times moved by its boottime offset) */
	unsigned long long session_start;

	/* Set by main. How this shell runs a line (the REPL's): for commands
	 * that run lines of their own (a lesson's cleanup lines). And what
	 * runs after every line the shell read (the lesson's re-check), or
	 * NULL. Pointers, so that the REPL knows no command's state and the
	 * commands no REPL. */
	int (*run_line)(struct nsx_shell *sh, const char *line);
	void (*after_line)(struct nsx_shell *sh, const char *line, int status);
};

#endif
