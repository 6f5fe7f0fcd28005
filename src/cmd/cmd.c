/* Shared machinery of the command table: lookup, option parsing driven by
 * each command's option table, help text. */
#define _GNU_SOURCE
#include "cmd/cmd.h"

#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/xalloc.h"

const struct nsx_cmd *
cmd_find(const char *name)
{
	for (size_t i = 0; nsx_commands[i]; i++)
		if (strcmp(nsx_commands[i]->name, name) == 0)
			return nsx_commands[i];
	return NULL;
}

const struct nsx_cmd *
cmd_find_cli(const char **name)
{
	const struct nsx_cmd *c = cmd_find(*name);

	for (size_t i = 0; !c && nsx_commands[i]; i++)
		if (nsx_commands[i]->cli_alias && strcmp(nsx_commands[i]->cli_alias, *name) == 0)
			c = nsx_commands[i];
	if (c)
		*name = c->name;
	return c;
}

void
cmd_shell_start(struct nsx_shell *sh)
{
	for (size_t i = 0; nsx_commands[i]; i++)
		if (nsx_commands[i]->shell_start)
			nsx_commands[i]->shell_start(sh);
}

void
cmd_after_line(struct nsx_shell *sh, const char *line, int status)
{
	for (size_t i = 0; nsx_commands[i]; i++)
		if (nsx_commands[i]->after_line)
			nsx_commands[i]->after_line(sh, line, status);
}

int
cmd_add_idmap(const struct nsx_cmd *cmd, struct idmap *maps, int *n, const char *arg, const char *what)
{
	if (*n == IDMAP_MAX)
		return cmd_fail(cmd, "too many --%s ranges (%d at most)", what, IDMAP_MAX);
	if (idmap_parse(arg, &maps[*n]) < 0)
		return cmd_fail(cmd, "invalid --%s '%s' (INNER:OUTER:COUNT, e.g. 0:100000:65536)", what, arg);
	(*n)++;
	return 0;
}

int
cmd_parse_pid(const char *s, pid_t *pid)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	/* PID_MAX_LIMIT: 4194304 on 64-bit kernels */
	if (errno || end == s || *end || v <= 0 || v > 4194304)
		return -1;
	*pid = (pid_t)v;
	return 0;
}

int
cmd_dashdash(int argc, char **argv)
{
	int i;

	for (i = 0; i < argc && strcmp(argv[i], "--") != 0; i++)
		;
	return i;
}

int
cmd_fail(const struct nsx_cmd *cmd, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	nsx_vwarn(cmd->name, fmt, ap);
	va_end(ap);
	return 1;
}

/* getopt_long's tables for one command, built when its parsing starts. One
 * set is enough: a command parses its arguments to the end before anything
 * else runs, and static storage cannot leak on an early error return. */
static struct option g_lopts[64];
static char g_sopts[3 * 64 + 4];

static void
tables_build(const struct nsx_cmd *cmd, bool in_order)
{
	size_t n = 0, ls = 0;

	if (in_order)
		g_sopts[ls++] = '+';	/* stop at the first operand (a command to run) */
	g_sopts[ls++] = ':';	/* report a missing argument as ':' */
	for (const struct nsx_opt *o = cmd->opts; o && o->lname && n + 2 < ARRAY_SIZE(g_lopts); o++) {
		int has = o->arg == ARG_NONE ? no_argument :
			  o->arg == ARG_REQUIRED ? required_argument : optional_argument;

		g_lopts[n++] = (struct option){ o->lname, has, NULL, o->sname };
		if (o->sname > 0 && o->sname < 256) {
			g_sopts[ls++] = (char)o->sname;
			if (o->arg != ARG_NONE)
				g_sopts[ls++] = ':';
			if (o->arg == ARG_OPTIONAL)
				g_sopts[ls++] = ':';
		}
	}
	g_lopts[n++] = (struct option){ "help", no_argument, NULL, 'h' };
	g_lopts[n] = (struct option){ 0 };
	g_sopts[ls++] = 'h';
	g_sopts[ls] = '\0';
}

static const char *
opt_display(char **argv, int idx, int optopt_c)
{
	static char buf[64];

	if (optopt_c > 0 && optopt_c < 256) {
		snprintf(buf, sizeof(buf), "-%c", optopt_c);
		return buf;
	}
	snprintf(buf, sizeof(buf), "%.60s", argv[idx]);
	return buf;
}

int
cmd_getopt(const struct nsx_cmd *cmd, int argc, char **argv, struct cmd_getopt *g)
{
	int c;

	if (!g->started) {
		tables_build(cmd, g->in_order);
		g->started = true;
		optind = 0;	/* GNU: reinitialise, the REPL parses many times */
	}
	opterr = 0;
	c = getopt_long(argc, argv, g_sopts, g_lopts, NULL);
	g->optind = optind;
	g->optarg = optarg;
	if (c == -1)
		return -1;
	if (c == '?' || c == ':') {
		const char *what = opt_display(argv, optind - 1, optopt);

		if (c == '?')
			cmd_fail(cmd, "unknown option '%s' (see 'help %s')", what, cmd->name);
		else
			cmd_fail(cmd, "option '%s' needs an argument (see 'help %s')", what, cmd->name);
		return '?';
	}
	return c;
}

void
cmd_print_help(const struct nsx_cmd *cmd, FILE *out)
{
	fprintf(out, "Usage: %s\n\n%s\n", cmd->usage, cmd->summary);
	if (cmd->opts && cmd->opts->lname) {
		fputs("\nOptions:\n", out);
		for (const struct nsx_opt *o = cmd->opts; o->lname; o++) {
			char lhs[64];
			int n;

			if (o->sname > 0 && o->sname < 256)
				n = snprintf(lhs, sizeof(lhs), "-%c, --%s", o->sname, o->lname);
			else
				n = snprintf(lhs, sizeof(lhs), "    --%s", o->lname);
			if (o->arg == ARG_REQUIRED)
				snprintf(lhs + n, sizeof(lhs) - (size_t)n, " %s", o->argname);
			else if (o->arg == ARG_OPTIONAL)
				snprintf(lhs + n, sizeof(lhs) - (size_t)n, "[=%s]", o->argname);
			fprintf(out, "  %-26s %s\n", lhs, o->help);
		}
		fprintf(out, "  %-26s %s\n", "-h, --help", "show this help");
	}
	if (cmd->help_more)
		cmd->help_more(out);
	if (cmd->help && *cmd->help)
		fprintf(out, "\n%s", cmd->help);
}
