/* containers (`nsx ps` from a terminal's shell): the running nsx containers,
 * from their records (src/container/state). Not `ps` in nsx's own shell:
 * there, students type ps to see the processes of a pid namespace. */
#define _GNU_SOURCE
#include "cmd/cmd.h"

#include <libsmartcols.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "container/state.h"

enum { OPT_JSON = 'J', OPT_NOHEAD = 'n' };

static const struct nsx_opt ps_opts[] = {
	{ "json", OPT_JSON, ARG_NONE, NULL, COMP_NONE, "JSON output" },
	{ "noheadings", OPT_NOHEAD, ARG_NONE, NULL, COMP_NONE, "no header line" },
	{ NULL, 0, 0, NULL, 0, NULL },
};

extern const struct nsx_cmd cmd_containers;

static void
ps_age(time_t created, char *buf, size_t n)
{
	long s = (long)(time(NULL) - created);

	if (s < 120)
		snprintf(buf, n, "%lds", s < 0 ? 0 : s);
	else if (s < 7200)
		snprintf(buf, n, "%ldm", s / 60);
	else
		snprintf(buf, n, "%ldh", s / 3600);
}

/* A record's fields are read back from a file: each through out_cell. */
static void
ps_row(struct libscols_table *tb, const struct ctr_state *s)
{
	struct libscols_line *ln = scols_table_new_line(tb, NULL);
	char pid[16], age[32];

	if (!ln)
		return;
	snprintf(pid, sizeof(pid), "%d", (int)s->pid);
	ps_age(s->created, age, sizeof(age));
	out_cell(tb, ln, 0, s->name);
	out_cell(tb, ln, 1, pid);
	out_cell(tb, ln, 2, age);
	out_cell(tb, ln, 3, s->source);
	out_cell(tb, ln, 4, s->ns);
	out_cell(tb, ln, 5, s->limits[0] ? s->limits : "-");
	out_cell(tb, ln, 6, s->net);
}

static int
ps_run(struct nsx_shell *sh, int argc, char **argv)
{
	static const char *const cols[] = { "NAME", "PID", "AGE", "ROOTFS", "NAMESPACES", "LIMITS", "NET" };
	struct cmd_getopt g = { 0 };
	struct libscols_table *tb;
	struct ctr_state *v;
	struct nsx_err err;
	bool json = false, nohead = false;
	int c, n;

	while ((c = cmd_getopt(&cmd_containers, argc, argv, &g)) != -1)
		switch (c) {
		case 'h': cmd_print_help(&cmd_containers, stdout); return 0;
		case OPT_JSON: json = true; break;
		case OPT_NOHEAD: nohead = true; break;
		default: return 1;
		}
	if (g.optind < argc)
		return cmd_fail(&cmd_containers, "unexpected argument '%s'", argv[g.optind]);
	if (state_list(&v, &n, &err) < 0) {
		nsx_err_print("containers", &err);
		return 1;
	}
	if (!(tb = scols_new_table())) {
		free(v);
		return cmd_fail(&cmd_containers, "out of memory");
	}
	scols_table_enable_json(tb, json);
	scols_table_set_name(tb, "containers");
	scols_table_enable_noheadings(tb, nohead);
	for (size_t i = 0; i < sizeof(cols) / sizeof(cols[0]); i++) {
		struct libscols_column *cl = scols_table_new_column(tb, cols[i], 0, i == 3 ? SCOLS_FL_TRUNC : 0);

		if (cl && json && i == 1)
			scols_column_set_json_type(cl, SCOLS_JSON_NUMBER);
	}
	for (int i = 0; i < n; i++)
		ps_row(tb, &v[i]);
	if (n || json)
		out_print(tb);
	else if (sh->interactive || !nohead)
		puts("no nsx containers are running (start one with 'run')");
	scols_unref_table(tb);
	free(v);
	return 0;
}

const struct nsx_cmd cmd_containers = {
	.name = "containers",
	.cli_alias = "ps",
	.summary = "list the running nsx containers",
	.usage = "containers [-J] [-n]   (nsx ps [-J] [-n])",
	.help =
	"One line per container started with 'run': its name, its PID 1 as seen\n"
	"here, how long it runs, its rootfs or image, its namespaces, its limits\n"
	"and its network. 'enter NAME' steps into one. From a terminal's shell,\n"
	"'nsx ps' is the same ('ps' in nsx's shell is the program, for processes).\n",
	.opts = ps_opts,
	.args = COMP_NONE,
	.run = ps_run,
};
