/* exit: leave nsx (or, later, the current level). */
#include "cmd/cmd.h"

#include <errno.h>
#include <stdlib.h>

static int
exit_run(struct nsx_shell *sh, int argc, char **argv)
{
	extern const struct nsx_cmd cmd_exit;
	int status = sh->status;

	if (argc > 2)
		return cmd_fail(&cmd_exit, "too many arguments (exit [STATUS])");
	if (argc == 2) {
		char *end;
		long v;

		errno = 0;
		v = strtol(argv[1], &end, 10);
		if (errno || end == argv[1] || *end || v < 0 || v > 255)
			return cmd_fail(&cmd_exit, "invalid status '%s' (0 to 255)", argv[1]);
		status = (int)v;
	}
	sh->quit = true;
	sh->exit_status = status;
	return status;
}

const struct nsx_cmd cmd_exit = {
	.name = "exit",
	.summary = "leave this level, or nsx at the first level (Ctrl-D does the same)",
	.usage = "exit [STATUS]",
	.help = "Without STATUS, nsx exits with the status of the last command.\n\n"
		"Examples:\n  exit\n  exit 3\n",
	.run = exit_run,
};
