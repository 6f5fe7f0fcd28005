/* cd: change the shell's working directory (a program cannot do it for us). */
#include "cmd/cmd.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int
cd_run(struct nsx_shell *sh, int argc, char **argv)
{
	extern const struct nsx_cmd cmd_cd;
	const char *dir = argc > 1 ? argv[1] : getenv("HOME");
	char *cwd;

	(void)sh;
	if (argc > 2)
		return cmd_fail(&cmd_cd, "too many arguments (cd [DIR])");
	if (!dir)
		return cmd_fail(&cmd_cd, "HOME is not set (give a directory)");
	if (chdir(dir) < 0)
		return cmd_fail(&cmd_cd, "%s: %s", dir, strerror(errno));
	if ((cwd = getcwd(NULL, 0))) {
		setenv("PWD", cwd, 1);
		free(cwd);
	}
	return 0;
}

const struct nsx_cmd cmd_cd = {
	.name = "cd",
	.summary = "change the working directory",
	.usage = "cd [DIR]",
	.help = "Without DIR, goes to $HOME.\n\nExamples:\n  cd /proc/self/ns\n  cd\n",
	.args = COMP_FILE,
	.run = cd_run,
};
