/* view: the live namespace viewer (src/view), htop for namespaces. */
#include "cmd/cmd.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "view/view.h"

extern const struct nsx_cmd cmd_view;

enum { OPT_DELAY = 'd', OPT_ONCE = 256, OPT_SIZE, OPT_SCREEN, OPT_ANSI, OPT_MONO, OPT_ITER,
       OPT_TYPE = 't', OPT_FILTER = 'f' };

static const struct nsx_opt view_opts[] = {
	{ "delay", OPT_DELAY, ARG_REQUIRED, "SECONDS", COMP_NONE, "between refreshes (default 1.5)" },
	{ "screen", OPT_SCREEN, ARG_REQUIRED, "NAME", COMP_NONE,
	  "start on namespaces, tree, processes or detail" },
	{ "type", OPT_TYPE, ARG_REQUIRED, "TYPE", COMP_NSTYPE, "show only namespaces of TYPE" },
	{ "filter", OPT_FILTER, ARG_REQUIRED, "TEXT", COMP_NONE, "show only rows containing TEXT" },
	{ "mono", OPT_MONO, ARG_NONE, NULL, COMP_NONE, "no colours (also with NO_COLOR set)" },
	{ "once", OPT_ONCE, ARG_NONE, NULL, COMP_NONE, "print one frame as text and exit" },
	{ "size", OPT_SIZE, ARG_REQUIRED, "WxH", COMP_NONE, "the frame's size with --once (default 80x24)" },
	{ "ansi", OPT_ANSI, ARG_NONE, NULL, COMP_NONE, "with --once: colour escapes" },
	{ "iterations", OPT_ITER, ARG_REQUIRED, "N", COMP_NONE, "quit after N refreshes (benchmarks)" },
	{ NULL, 0, 0, NULL, 0, NULL },
};

static int
parse_geometry(const char *s, int *w, int *h)
{
	char *end;
	long a, b;

	errno = 0;
	a = strtol(s, &end, 10);
	if (errno || end == s || (*end != 'x' && *end != 'X'))
		return -1;
	s = end + 1;
	b = strtol(s, &end, 10);
	if (errno || end == s || *end || a < 1 || b < 1 || a > 1000 || b > 1000)
		return -1;
	*w = (int)a;
	*h = (int)b;
	return 0;
}

static int
view_run_cmd(struct nsx_shell *sh, int argc, char **argv)
{
	struct view_opts o = { .delay_ms = 1500, .w = 80, .h = 24, .type = -1,
			       .proc_root = sh->proc_root };
	struct cmd_getopt g = { 0 };
	struct nsx_err err;
	bool size = false;
	int c, r;

	while ((c = cmd_getopt(&cmd_view, argc, argv, &g)) != -1) {
		char *end;

		switch (c) {
		case 'h':
			cmd_print_help(&cmd_view, stdout);
			return 0;
		case OPT_DELAY: {
			double d;

			errno = 0;
			d = strtod(g.optarg, &end);
			if (errno || end == g.optarg || *end || d < 0.1 || d > 3600)
				return cmd_fail(&cmd_view, "--delay '%s': seconds between 0.1 and 3600", g.optarg);
			o.delay_ms = (int)(d * 1000);
			break;
		}
		case OPT_SCREEN:
			o.screen = view_screen_from_name(g.optarg);
			if (o.screen < 0)
				return cmd_fail(&cmd_view, "--screen '%s': namespaces, tree, processes or detail",
						g.optarg);
			break;
		case OPT_TYPE:
			o.type = nstype_from_name(g.optarg);
			if (o.type < 0)
				return cmd_fail(&cmd_view, "unknown namespace type '%s' (%s)", g.optarg,
						nstype_names());
			break;
		case OPT_FILTER:
			o.filter = g.optarg;
			break;
		case OPT_MONO:
			o.mono = true;
			break;
		case OPT_ONCE:
			o.once = true;
			break;
		case OPT_SIZE:
			if (parse_geometry(g.optarg, &o.w, &o.h) < 0)
				return cmd_fail(&cmd_view, "--size '%s': WIDTHxHEIGHT, e.g. 80x24", g.optarg);
			size = true;
			break;
		case OPT_ANSI:
			o.ansi = true;
			break;
		case OPT_ITER:
			errno = 0;
			o.iterations = strtol(g.optarg, &end, 10);
			if (errno || end == g.optarg || *end || o.iterations < 1)
				return cmd_fail(&cmd_view, "--iterations '%s': a positive number", g.optarg);
			break;
		default:
			return 1;
		}
	}
	if (g.optind < argc)
		return cmd_fail(&cmd_view, "no arguments expected ('%s')", argv[g.optind]);
	if ((size || o.ansi) && !o.once)
		return cmd_fail(&cmd_view, "--size and --ansi go with --once");
	r = view_run(sh, &o, &err);
	if (r < 0) {
		nsx_err_print("view", &err);
		return 1;
	}
	return r;
}

const struct nsx_cmd cmd_view = {
	.name = "view",
	.summary = "a live, htop-like viewer of every namespace",
	.usage = "view [options]",
	.help =
	"Four screens: 1 namespaces (type, inode, processes, owner, the container\n"
	"or unit it belongs to, a glance at its content, what holds it), 2 tree\n"
	"(user namespaces by owner, pid namespaces with their processes),\n"
	"3 processes (a letter per namespace type where a process differs from\n"
	"PID 1), 4 detail of the selected namespace. Keys: arrows, PgUp/PgDn,\n"
	"Home/End, mouse; Tab or 1-4 switch screens; / filter; t type; s, <, >\n"
	"sort; Enter detail; e enter the selection in a shell at a new level\n"
	"(exit comes back); Space pause; ? help; q quit.\n"
	"\n"
	"Examples:\n"
	"  view\n"
	"  view --screen processes --type net\n"
	"  view --once --size 120x40 --screen tree\n",
	.opts = view_opts,
	.run = view_run_cmd,
};
