/* nsx: a namespace explorer shell. The front end: parse nsx's own options,
 * then run one command, a -c string, a script on stdin, or the REPL. Only
 * main exits. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "cmd/cmd.h"
#include "model/model.h"
#include "repl/repl.h"
#include "util/title.h"
#include "util/trust.h"

#ifndef NSX_VERSION
#define NSX_VERSION "0.1"
#endif

static void
usage(FILE *out)
{
	fputs("Usage: nsx [--proc-root DIR] [-c 'CMD; CMD...' | COMMAND [ARGS...]]\n"
	      "\n"
	      "A namespace explorer shell. With no COMMAND: an interactive shell on a\n"
	      "terminal, or commands read line by line from standard input.\n"
	      "\n"
	      "  -c CMDS          run CMDS (separated by ';' or newlines) and exit\n"
	      "  --proc-root DIR  read DIR instead of /proc (fixture trees)\n"
	      "  -h, --help       this help; 'nsx help' lists the commands\n"
	      "  -V, --version    print the version\n", out);
}

static void
shell_init(struct nsx_shell *sh)
{
	struct nsx_err err;
	void *shared;

	memset(sh, 0, sizeof(*sh));
	/* where nsx started: what `ns` compares with when PID 1 is unreadable,
	 * what the prompt of later levels is shown against, and the /proc
	 * through which levels see their PIDs as the start sees them */
	sh->start_procfd = open("/proc", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (sh->start_procfd >= 0)
		proc_ns_inodes(sh->start_procfd, getpid(), sh->start_ns, &err);
	sh->levels[0].pid_start = sh->levels[0].pid_inner = getpid();
	sh->session_start = proc_starttime(sh->start_procfd, getpid(), NULL);
	shared = mmap(NULL, (LEVEL_MAX + 2) * sizeof(size_t), PROT_READ | PROT_WRITE,
		      MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	sh->linepos = shared == MAP_FAILED ? NULL : shared;
	sh->unwind = sh->linepos ? (int *)&sh->linepos[LEVEL_MAX + 1] : NULL;
	/* the commands run lines through the REPL, which runs the commands'
	 * hooks after each line it reads: neither includes the other */
	sh->run_line = repl_run_line;
	sh->after_line = cmd_after_line;
}

/* A level that is PID 1 of its pid namespace takes every process in it
 * along when it exits: say so before it happens. */
static int
shell_leave(const struct nsx_shell *sh, int status)
{
	if (sh->depth > 0 && sh->pid1)
		fprintf(stderr, "nsx: leaving level %d: this shell is PID 1 of its pid namespace, "
			"so the kernel ends every process in it\n", sh->depth);
	return status;
}

int
main(int argc, char **argv)
{
	struct nsx_shell sh;
	const char *cmds = NULL;
	int i;

	title_init(argc, argv);
	/* who we are on the host, before any level unshares a user namespace */
	trust_init();

	/* LC_CTYPE is what readline and libsmartcols use (UTF-8 widths); all of
	 * LC_ALL opens some 25 locale files at every start */
	setlocale(LC_CTYPE, "");
	shell_init(&sh);
	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		const char *a = argv[i];

		if (strcmp(a, "--") == 0) {
			i++;
			break;
		} else if (strcmp(a, "-c") == 0) {
			if (i + 1 >= argc) {
				fputs("nsx: -c needs an argument (nsx -c 'ls; ns')\n", stderr);
				return 1;
			}
			cmds = argv[++i];
		} else if (strcmp(a, "--proc-root") == 0 || strncmp(a, "--proc-root=", 12) == 0) {
			if (a[11] == '=')
				sh.proc_root = a + 12;
			else if (i + 1 < argc)
				sh.proc_root = argv[++i];
			else {
				fputs("nsx: --proc-root needs a directory\n", stderr);
				return 1;
			}
		} else if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
			usage(stdout);
			return 0;
		} else if (strcmp(a, "-V") == 0 || strcmp(a, "--version") == 0) {
			puts("nsx " NSX_VERSION);
			return 0;
		} else {
			fprintf(stderr, "nsx: unknown option '%s' (see 'nsx --help')\n", a);
			return 1;
		}
	}
	if (cmds) {
		if (i < argc) {
			fprintf(stderr, "nsx: -c takes no command after it: '%s'\n", argv[i]);
			return 1;
		}
		repl_run_line(&sh, cmds);
		return shell_leave(&sh, sh.quit ? sh.exit_status : sh.status);
	}
	if (i < argc) {
		if (!cmd_find_cli((const char **)&argv[i])) {
			fprintf(stderr, "nsx: '%s' is not an nsx command (see 'nsx help')\n", argv[i]);
			return 1;
		}
		sh.oneshot = true;
		return repl_run_argv(&sh, argc - i, argv + i);
	}
	/* stdin decides, as for sh: `nsx | less` is still interactive */
	if (isatty(STDIN_FILENO)) {
		sh.interactive = true;
		cmd_shell_start(&sh);
		return shell_leave(&sh, repl_interactive(&sh));
	}
	cmd_shell_start(&sh);
	return shell_leave(&sh, repl_script(&sh, STDIN_FILENO));
}
