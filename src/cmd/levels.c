/* levels: the stack of nested shells, from where nsx started to here. */
#include "cmd/cmd.h"

#include <libsmartcols.h>
#include <stdio.h>
#include <unistd.h>

#include "util/xalloc.h"

static int
levels_run(struct nsx_shell *sh, int argc, char **argv)
{
	extern const struct nsx_cmd cmd_levels;
	struct libscols_table *tab;
	char diff[64];
	bool ctr = false;

	(void)argv;
	if (argc > 1)
		return cmd_fail(&cmd_levels, "no arguments expected");
	if (!(tab = scols_new_table()))
		return cmd_fail(&cmd_levels, "cannot create the output table");
	scols_table_new_column(tab, "LEVEL", 0, SCOLS_FL_RIGHT);
	scols_table_new_column(tab, "PID", 0, SCOLS_FL_RIGHT);
	scols_table_new_column(tab, "INSIDE", 0, SCOLS_FL_RIGHT);
	scols_table_new_column(tab, "NEW", 0, 0);
	/* only where a level is in a container: what it is held to there */
	for (int d = 0; d <= sh->depth && !ctr; d++)
		ctr = sh->levels[d].ctr[0] != '\0';
	if (ctr)
		scols_table_new_column(tab, "CONTAINER", 0, 0);
	scols_table_new_column(tab, "COMMAND", 0, SCOLS_FL_TRUNC);
	for (int d = 0; d <= sh->depth; d++) {
		struct libscols_line *l = scols_table_new_line(tab, NULL);
		const struct level_rec *lv = &sh->levels[d];

		if (!l)
			break;
		scols_line_refer_data(l, 0, xasprintf("%d%s", d, d == sh->depth ? "*" : ""));
		scols_line_refer_data(l, 1, xasprintf("%d", (int)lv->pid_start));
		scols_line_refer_data(l, 2, xasprintf("%d", (int)lv->pid_inner));
		scols_line_set_data(l, 3, d ? lv->what : "-");
		if (ctr)
			out_cell_take(tab, l, 4, !lv->ctr[0] ? xstrdup("-") :
				      xasprintf("%s %s", lv->ctr, lv->confined ? "(confined)" :
						"UNCONFINED: your privileges"));
		/* the command as typed: it may quote a name (enter, -h) */
		out_cell(tab, l, 4 + ctr, d ? lv->cmd : "(nsx started)");
	}
	out_print(tab);
	scols_unref_table(tab);
	level_diff(sh, diff, sizeof(diff));
	printf("differs from the start: %s\n", *diff ? diff : "nothing");
	return 0;
}

const struct nsx_cmd cmd_levels = {
	.name = "levels",
	.summary = "the stack of levels: where you are, and how you got there",
	.usage = "levels",
	.help =
	"One row per level, * marks the current one: its PID as seen where nsx\n"
	"started and as seen from inside (1 when it is PID 1 of a new pid\n"
	"namespace), the namespaces it made, and the command that made it.\n"
	"A level in an nsx container's namespaces (enter NAME) has a CONTAINER\n"
	"column: '(confined)' when it is held to the container's capabilities,\n"
	"no_new_privs, seccomp filter and cgroup, 'UNCONFINED' after --unconfined.\n"
	"\n"
	"Examples:\n"
	"  unshare uts; unshare pid --mount-proc; levels\n",
	.run = levels_run,
};
