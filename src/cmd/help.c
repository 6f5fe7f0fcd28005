/* help: the command list, or one command's usage and examples. */
#include "cmd/cmd.h"

#include <stdio.h>

static int
help_run(struct nsx_shell *sh, int argc, char **argv)
{
	extern const struct nsx_cmd cmd_help;
	const struct nsx_cmd *c;

	(void)sh;
	if (argc > 2)
		return cmd_fail(&cmd_help, "too many arguments (help [COMMAND])");
	if (argc == 2) {
		if (!(c = cmd_find(argv[1])))
			return cmd_fail(&cmd_help, "no such command: '%s' (type 'help' for the list)",
					argv[1]);
		cmd_print_help(c, stdout);
		return 0;
	}
	puts("nsx commands (every one also runs as `nsx COMMAND ...`):\n");
	for (size_t i = 0; nsx_commands[i]; i++)
		printf("  %-10s %s\n", nsx_commands[i]->name, nsx_commands[i]->summary);
	puts("\nAny other line runs as a program (PATH lookup, sh-style quoting; `!cmd`\n"
	     "forces a program, e.g. `!ls -l`). Pipes, redirections, globs and $VARS\n"
	     "go through /bin/sh. `;` separates commands, `#` starts a comment.\n"
	     "Ctrl-C stops the running program, Ctrl-D or `exit` leaves nsx.\n"
	     "`help COMMAND` shows a command's options and examples.");
	return 0;
}

const struct nsx_cmd cmd_help = {
	.name = "help",
	.summary = "list the commands, or show how to use one",
	.usage = "help [COMMAND]",
	.help = "Examples:\n  help\n  help ls\n",
	.args = COMP_COMMAND,
	.run = help_run,
};
