/* The shell's hooks into lessons (src/cmd/lesson.c). */
#ifndef NSX_CMD_LESSON_H
#define NSX_CMD_LESSON_H

#include "cmd/cmd.h"

/* After every line the student typed: finish a `lesson reset` that is
 * leaving levels, explain a planned failure, re-check the current step
 * and move on when it holds. */
void lesson_after_line(struct nsx_shell *sh, const char *line, int status);
/* At the shell's start: the lesson's variables, and a line saying where
 * the lesson in progress continues. */
void lesson_shell_start(struct nsx_shell *sh);

#endif
