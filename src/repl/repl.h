/* The interactive shell (readline) and script mode. */
#ifndef NSX_REPL_H
#define NSX_REPL_H

#include <stdio.h>

#include "level/shell.h"

/* Run one line (`;`-separated commands). Returns the last status. */
int repl_run_line(struct nsx_shell *sh, const char *line);
/* Run one nsx command or program from an argv. */
int repl_run_argv(struct nsx_shell *sh, int argc, char **argv);
/* Run CMD in this process and never return: a program is exec'd, an nsx
 * command runs and its status is the exit status (level_exec's run). */
void repl_become(struct nsx_shell *sh, char **argv) __attribute__((noreturn));
/* Read lines from a terminal with readline until EOF or `exit`. */
int repl_interactive(struct nsx_shell *sh);
/* Read lines from a file (stdin not a terminal): no prompt. */
int repl_script(struct nsx_shell *sh, int fd);

/* Tab completion (complete.c). */
void complete_init(void);

#endif
