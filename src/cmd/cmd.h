/* The command table: every REPL command is also a subcommand (`nsx ls -J`).
 * One file per command declares a `struct nsx_cmd`; src/cmd/table.c lists
 * them. Usage, help, option parsing and completion all derive from it. */
#ifndef NSX_CMD_H
#define NSX_CMD_H

#include <stdbool.h>
#include <stdio.h>
#include <sys/types.h>

#include "level/level.h"
#include "level/shell.h"
#include "model/nstype.h"

/* What an argument is, for tab completion. */
enum nsx_comp {
	COMP_NONE,
	COMP_NSTYPE,		/* cgroup ipc mnt ... */
	COMP_PID,		/* running PIDs, shown with their command names */
	COMP_LS_COLUMN,		/* ls column list, comma-separated, optional + */
	COMP_TREE,		/* owner parent process */
	COMP_FILE,
	COMP_COMMAND,		/* nsx command names */
	COMP_NSID,		/* namespace inodes */
	COMP_LESSON,		/* lesson subcommands, numbers and names (its complete) */
};

enum nsx_arg { ARG_NONE, ARG_REQUIRED, ARG_OPTIONAL };

struct nsx_opt {
	const char *lname;	/* long name, without "--" */
	int sname;		/* short letter, or a value >= 256 for long-only */
	enum nsx_arg arg;
	const char *argname;	/* "TYPE" */
	enum nsx_comp comp;	/* what the argument is */
	const char *help;
};

struct nsx_cmd {
	const char *name;
	/* another name for `nsx NAME ...` from a terminal's shell only: in
	 * nsx's own shell that word stays the program (`ps` lists processes) */
	const char *cli_alias;
	const char *summary;	/* one line, for `help` */
	const char *usage;	/* "ls [options] [NSID]" */
	const char *help;	/* what it does, then examples */
	void (*help_more)(FILE *out);	/* generated help (column lists) */
	const struct nsx_opt *opts;	/* terminated by { NULL } */
	enum nsx_comp args;	/* what positional arguments are */
	enum nsx_comp args_rest;	/* ... after the first, when they differ */
	int (*run)(struct nsx_shell *sh, int argc, char **argv);
	/* the words its operands can be, from its own tables (lesson's
	 * subcommands and lessons, COMP_LESSON): add is called with each */
	void (*complete)(void (*add)(const char *word));
	/* hooks of a command whose state lives across lines (lesson's): at
	 * the shell's start, and after every line the shell read and ran
	 * (cmd_shell_start, cmd_after_line) */
	void (*shell_start)(struct nsx_shell *sh);
	void (*after_line)(struct nsx_shell *sh, const char *line, int status);
};

extern const struct nsx_cmd *const nsx_commands[];

const struct nsx_cmd *cmd_find(const char *name);
/* `nsx WORD`: a command by its name or its cli_alias; *name becomes the name */
const struct nsx_cmd *cmd_find_cli(const char **name);

/* getopt_long over a command's option table (plus -h/--help). Call with
 * *g zeroed. Returns the option's sname, -1 at the end, or '?' after
 * printing one error line (unknown option, missing argument). Nothing to
 * free: a command may return at any point. */
struct cmd_getopt {
	bool in_order;		/* set by the caller: options end at the first operand */
	int optind;
	const char *optarg;
	bool started;
};
int cmd_getopt(const struct nsx_cmd *cmd, int argc, char **argv, struct cmd_getopt *g);

/* A PID argument: a positive decimal number within the kernel's limit.
 * Returns 0, or -1 when it is not one. */
int cmd_parse_pid(const char *s, pid_t *pid);

/* An --OPTION INNER:OUTER:COUNT id map range appended to maps[*n]: 0, or
 * 1 after one error line (too many ranges, or it does not parse). */
int cmd_add_idmap(const struct nsx_cmd *cmd, struct idmap *maps, int *n, const char *arg,
		  const char *what);

/* Where "--" is in argv (argc when absent): options and operands stop
 * there, what follows is a command to run, untouched by getopt. */
int cmd_dashdash(int argc, char **argv);

/* Every command's shell_start hook, in table order: main calls it once
 * the shell is set up, before the first line. */
void cmd_shell_start(struct nsx_shell *sh);
/* Every command's after_line hook, in table order: what main registers
 * as the shell's after_line (level/shell.h). */
void cmd_after_line(struct nsx_shell *sh, const char *line, int status);

/* Print `help CMD` text (usage, description, options, examples). */
void cmd_print_help(const struct nsx_cmd *cmd, FILE *out);

/* libsmartcols tables whose cells hold strings other users control
 * (src/cmd/out.c): set a cell with out_cell (a copy) or out_cell_take (s
 * malloc'ed, owned by the table after), after the table's format (JSON,
 * raw) is set; print with out_print, never with scols_print_table. NULL
 * leaves the cell empty. Return 0, or -1 when out of memory. */
struct libscols_table;
struct libscols_line;
int out_cell(struct libscols_table *tab, struct libscols_line *ln, size_t col, const char *s);
int out_cell_take(struct libscols_table *tab, struct libscols_line *ln, size_t col, char *s);
int out_print(struct libscols_table *tab);

/* Print "nsx: CMD: ..." and return 1: the status of a failed command. */
int cmd_fail(const struct nsx_cmd *cmd, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#endif
