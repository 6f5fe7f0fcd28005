/* Command lines: getopt over every command's option table, and ls's own
 * parsing on top (lsns-style -o column lists, "+LIST", -T trees, -t
 * types, -p PID, the NSID operand "4026531836" or "net:[4026531836]").
 * The input is a command line, one word per line: "ls\n-o\n+PNS,ONS". */
#include "fuzz.h"

/* ls_parse and its helpers are static: the harness is compiled with them */
#include "../../src/cmd/ls.c"

#define MAXWORDS 64

static void
check_ls(const struct ls *l)
{
	fz_assert(l->ncols <= ARRAY_SIZE(l->cols));
	for (size_t i = 0; i < l->ncols; i++)
		fz_assert(l->cols[i] >= 0 && l->cols[i] < NCOLS);
	fz_assert((l->types & ~NSX_ALLTYPES) == 0);
}

static void
parse_with(const struct nsx_cmd *cmd, int argc, char **argv)
{
	struct cmd_getopt g = { 0 };
	int c;

	if (cmd == &cmd_ls) {
		struct ls l;

		memset(&l, 0, sizeof(l));
		if (ls_parse(&l, argc, argv) == 0)
			check_ls(&l);
		return;
	}
	g.in_order = argc > 1 && argv[1][0] == '+';	/* both ways getopt is used */
	while ((c = cmd_getopt(cmd, argc, argv, &g)) != -1 && c != '?')
		fz_assert(g.optind >= 0 && g.optind <= argc);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fz_str(data, size), *words[MAXWORDS + 1];
	int n = fz_split(s, '\n', words, MAXWORDS);
	const struct nsx_cmd *cmd;

	words[n] = NULL;
	cmd = cmd_find(words[0]);
	parse_with(cmd ? cmd : &cmd_ls, n, words);
	free(s);
	return 0;
}
