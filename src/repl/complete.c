/* Tab completion: command names, then each command's options and arguments
 * from its option table (namespace types, PIDs shown with their command
 * names, ls columns, tree kinds, namespace inodes, files). */
#define _GNU_SOURCE
#include "repl/repl.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <readline/readline.h>

#include "cmd/ls.h"
#include "model/model.h"
#include "util/safe.h"
#include "util/xalloc.h"

/* The candidates of the current completion, filled before readline asks. */
static char **cands;
static size_t ncands, capcands;
static size_t cand_next;
static const char *cand_prefix;	/* kept before each candidate ("+NS,") */
static bool showing_pids;

static void
cands_reset(void)
{
	for (size_t i = 0; i < ncands; i++)
		free(cands[i]);
	ncands = cand_next = 0;
	showing_pids = false;
}

static void
cand_add(const char *s)
{
	if (ncands == capcands) {
		capcands = capcands ? 2 * capcands : 64;
		cands = xreallocarray(cands, capcands, sizeof(*cands));
	}
	cands[ncands++] = xstrdup(s);
}

static char *
cand_gen(const char *text, int state)
{
	size_t plen = strlen(cand_prefix ? cand_prefix : "");
	const char *word = text + plen;
	size_t wlen = strlen(word);

	if (!state)
		cand_next = 0;
	while (cand_next < ncands) {
		const char *c = cands[cand_next++];

		if (strncmp(c, word, wlen) == 0)
			return xasprintf("%s%s", cand_prefix ? cand_prefix : "", c);
	}
	return NULL;
}

static void
add_pids(void)
{
	DIR *d = opendir("/proc");
	struct dirent *e;

	if (!d)
		return;
	while ((e = readdir(d)))
		if (e->d_name[0] >= '1' && e->d_name[0] <= '9')
			cand_add(e->d_name);
	closedir(d);
	showing_pids = true;
}

static void
add_nsids(void)
{
	struct nsx_model m;
	struct nsx_err err;

	if (model_open(&m, NULL, &err) < 0)
		return;
	if (model_scan(&m, NSX_ALLTYPES, SCAN_FDS | SCAN_MOUNTS | SCAN_CHILDREN, &err) == 0) {
		model_sort(&m);
		for (size_t i = 0; i < m.nns; i++) {
			char buf[32];

			snprintf(buf, sizeof(buf), "%lu", m.nsv[i]->ino);
			cand_add(buf);
		}
	}
	model_close(&m);
}

/* What an argument of cmd (NULL: a command name) of this kind can be. */
static void
add_kind(const struct nsx_cmd *cmd, enum nsx_comp kind)
{
	switch (kind) {
	case COMP_NSTYPE:
		for (int t = 0; t < NSX_NTYPES; t++)
			cand_add(nstype_table[t].name);
		break;
	case COMP_PID:
		add_pids();
		break;
	case COMP_LS_COLUMN:
		for (size_t i = 0; ls_column_name(i); i++)
			cand_add(ls_column_name(i));
		break;
	case COMP_TREE:
		cand_add("owner");
		cand_add("parent");
		cand_add("process");
		break;
	case COMP_COMMAND:
		for (size_t i = 0; nsx_commands[i]; i++)
			cand_add(nsx_commands[i]->name);
		break;
	case COMP_NSID:
		add_nsids();
		break;
	case COMP_LESSON:
		/* its subcommands and the lessons there are: its own list */
		if (cmd && cmd->complete)
			cmd->complete(cand_add);
		break;
	case COMP_NONE:
	case COMP_FILE:
		break;
	}
}

static const struct nsx_opt *
opt_by_word(const struct nsx_cmd *cmd, const char *w)
{
	for (const struct nsx_opt *o = cmd->opts; o && o->lname; o++) {
		if (w[0] == '-' && w[1] == '-' && strcmp(w + 2, o->lname) == 0)
			return o;
		if (w[0] == '-' && w[1] == o->sname && w[2] == '\0' && o->sname < 256)
			return o;
	}
	return NULL;
}

/* Show PIDs with their command names: "1234 sleep", as many to a row as
 * the terminal holds. A comm is cut to 15 characters, the kernel's own
 * limit for tasks: kernel workers show longer names ("kworker/u8:3-events_
 * unbound") that would break the columns. */
static void
show_pid_matches(char **matches, int n, int maxlen)
{
	enum { COLW = 7 + 1 + 15 + 2 };
	int rows, cols, per_row;

	(void)maxlen;
	rl_get_screen_size(&rows, &cols);
	per_row = cols / COLW > 0 ? cols / COLW : 1;
	rl_crlf();
	for (int i = 1; i <= n; i++) {
		char path[64], comm[64] = "", enc[4 * sizeof(comm)];
		FILE *f;

		snprintf(path, sizeof(path), "/proc/%s/comm", matches[i]);
		if ((f = fopen(path, "re"))) {
			if (fgets(comm, sizeof(comm), f))
				comm[strcspn(comm, "\n")] = '\0';
			fclose(f);
		}
		/* any user names their processes: escapes in a comm must
		 * not reach the terminal */
		safe_encode_buf(comm, strlen(comm), enc, sizeof(enc), 0);
		if (i % per_row == 0 || i == n)
			fprintf(rl_outstream, "%7s %.15s\n", matches[i], enc);
		else
			fprintf(rl_outstream, "%7s %-15.15s  ", matches[i], enc);
	}
	rl_forced_update_display();
}

/* Split the text before the cursor in the current command into words. */
static int
words_before(int start, char **words, int max)
{
	char *buf = xstrndup(rl_line_buffer, (size_t)start);
	char *seg = strrchr(buf, ';');
	char *save = NULL, *w;
	int n = 0;

	for (w = strtok_r(seg ? seg + 1 : buf, " \t", &save); w && n < max;
	     w = strtok_r(NULL, " \t", &save))
		words[n++] = xstrdup(w);
	free(buf);
	return n;
}

static char **
nsx_complete(const char *text, int start, int end)
{
	char *words[64];
	int nw = words_before(start, words, 64);
	const struct nsx_cmd *cmd;
	char **res = NULL;

	(void)end;
	cands_reset();
	cand_prefix = NULL;
	rl_completion_append_character = ' ';
	rl_completion_display_matches_hook = NULL;
	rl_sort_completion_matches = 1;
	if (nw == 0) {
		/* a command name; files and programs otherwise */
		add_kind(NULL, COMP_COMMAND);
		res = rl_completion_matches(text, cand_gen);
		goto out;
	}
	cmd = cmd_find(words[0][0] == '!' ? "" : words[0]);
	if (!cmd)
		goto out;	/* a program: readline completes file names */
	rl_attempted_completion_over = 1;
	if (text[0] == '-' && !strchr(text, '=')) {
		for (const struct nsx_opt *o = cmd->opts; o && o->lname; o++) {
			char buf[64];

			snprintf(buf, sizeof(buf), "--%s%s", o->lname,
				 o->arg == ARG_REQUIRED ? "" : "");
			cand_add(buf);
			if (o->sname > 0 && o->sname < 256) {
				snprintf(buf, sizeof(buf), "-%c", o->sname);
				cand_add(buf);
			}
		}
		cand_add("--help");
	} else {
		const struct nsx_opt *o = opt_by_word(cmd, words[nw - 1]);
		enum nsx_comp kind = cmd->args;
		static char prefix[256];
		int npos = 0;

		/* `enter 1234 n<Tab>`: after the first operand, args_rest */
		for (int i = 1; i < nw; i++) {
			const struct nsx_opt *wo;

			if (strcmp(words[i], "--") == 0) {
				/* CMD after --: a program, its arguments files */
				rl_attempted_completion_over = 0;
				goto out;
			}
			if (words[i][0] != '-') {
				npos++;
				continue;
			}
			wo = opt_by_word(cmd, words[i]);
			if (wo && wo->arg == ARG_REQUIRED && !strchr(words[i], '='))
				i++;
		}
		if (npos > 0 && cmd->args_rest != COMP_NONE)
			kind = cmd->args_rest;

		if (text[0] == '-' && strchr(text, '=')) {
			/* --tree=own<Tab> */
			size_t n = (size_t)(strchr(text, '=') - text) + 1;
			char name[64];

			snprintf(name, sizeof(name), "%.*s", (int)n - 1, text);
			o = opt_by_word(cmd, name);
			snprintf(prefix, sizeof(prefix), "%.*s", (int)n, text);
			cand_prefix = prefix;
		} else if (o && o->arg == ARG_OPTIONAL) {
			/* `ls -T own<Tab>`: the word after an option with an
			 * optional argument may be that argument (ls reads
			 * `-T owner` so) or a positional one: offer both */
			add_kind(cmd, o->comp);
			o = NULL;
		} else if (!(o && o->arg == ARG_REQUIRED))
			o = NULL;
		if (o)
			kind = o->comp;
		if (kind == COMP_LS_COLUMN) {
			/* complete the column after the last comma */
			const char *comma = strrchr(text, ',');
			size_t n = comma ? (size_t)(comma - text) + 1 : text[0] == '+';

			snprintf(prefix, sizeof(prefix), "%.*s", (int)n, text);
			cand_prefix = prefix;
			rl_completion_append_character = '\0';
		}
		if (kind == COMP_FILE) {
			rl_attempted_completion_over = 0;
			goto out;
		}
		add_kind(cmd, kind);
		if (showing_pids) {
			rl_completion_display_matches_hook = show_pid_matches;
			/* /proc lists PIDs in numeric order; readline's sort
			 * would give 1 10 100 2 */
			rl_sort_completion_matches = 0;
		}
	}
	res = rl_completion_matches(text, cand_gen);
	if (!res)
		rl_attempted_completion_over = 1;
out:
	for (int i = 0; i < nw; i++)
		free(words[i]);
	return res;
}

void
complete_init(void)
{
	rl_attempted_completion_function = nsx_complete;
	rl_completer_word_break_characters = " \t\n;";
}
