/* line_split: words, quotes, separators, comments, and which lines go to sh. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tap.h"
#include "repl/split.h"

/* The words of a segment as "[w1][w2]...", to compare in one is_str. */
static const char *
words(const struct seg *sg)
{
	static char buf[1024];
	size_t len = 0;

	buf[0] = '\0';
	for (int i = 0; i < sg->argc; i++)
		len += (size_t)snprintf(buf + len, sizeof(buf) - len, "[%s]", sg->argv[i]);
	return buf;
}

/* Split s; expect n segments (-1: an error). */
static int
split(const char *s, struct line *l, int n, const char *what)
{
	struct nsx_err err = { 0 };
	int rc = line_split(s, l, &err);

	if (n < 0) {
		is_int(rc, -1, "%s: an error", what);
		ok(err.msg[0] != '\0', "%s: with a message (%s)", what, err.msg);
		return -1;
	}
	is_int(rc, 0, "%s: splits", what);
	if (rc < 0)
		return -1;
	is_int(l->nsegs, n, "%s: %d segment%s", what, n, n == 1 ? "" : "s");
	return (int)l->nsegs == n ? 0 : -1;
}

/* One segment: its words, whether it needs sh, whether it is external. */
static void
one(const char *s, const char *want, bool shell, bool external, const char *what)
{
	struct line l;

	if (split(s, &l, 1, what) == 0) {
		is_str(words(&l.segs[0]), want, "%s: words", what);
		is_int(l.segs[0].shell, shell, "%s: %s", what, shell ? "needs sh" : "no sh");
		is_int(l.segs[0].external, external, "%s: %s", what,
		       external ? "external" : "not forced external");
		ok(l.segs[0].argv[l.segs[0].argc] == NULL, "%s: argv ends in NULL", what);
	}
	line_free(&l);
}

/* $NAME, ${NAME} and $$ are nsx's own to expand: `cd $NSX_LAB` must change
 * the level's directory, not a short-lived sh's. */
static void
variables(void)
{
	char want[64], pid[16];
	struct line l;

	setenv("NSX_T_VAR", "a b", 1);
	unsetenv("NSX_T_UNSET");
	one("cd $NSX_T_VAR", "[cd][a b]", false, false, "$NAME expands, one word");
	one("cd ${NSX_T_VAR}/x", "[cd][a b/x]", false, false, "${NAME} expands inside a word");
	one("echo \"<$NSX_T_VAR>\"", "[echo][<a b>]", false, false, "$NAME in double quotes");
	one("echo '$NSX_T_VAR'", "[echo][$NSX_T_VAR]", false, false, "single quotes keep $NAME");
	one("echo \\$NSX_T_VAR", "[echo][$NSX_T_VAR]", false, false, "\\$ keeps $NAME");
	snprintf(pid, sizeof(pid), "%d", (int)getpid());
	snprintf(want, sizeof(want), "[echo][%s]", pid);
	one("echo $$", want, false, false, "$$ is this shell's PID");
	if (split("echo $$ > /x '$$'", &l, 1, "$$ in a line for sh") == 0) {
		snprintf(want, sizeof(want), "echo %s > /x '$$'", pid);
		is_str(l.segs[0].text, want, "$$ for sh is this shell's PID, not in single quotes");
	}
	line_free(&l);
}

static void
plain(void)
{
	one("ls", "[ls]", false, false, "one word");
	one("ls -l  -t\tnet", "[ls][-l][-t][net]", false, false, "spaces and tabs");
	one("   ls   ", "[ls]", false, false, "leading and trailing blanks");
	one("enter 42", "[enter][42]", false, false, "two words");
}

static void
quotes(void)
{
	one("echo 'a b'", "[echo][a b]", false, false, "single quotes keep blanks");
	one("echo \"a b\"", "[echo][a b]", false, false, "double quotes keep blanks");
	one("echo a'b c'd", "[echo][ab cd]", false, false, "quotes inside a word");
	one("echo 'a\"b'", "[echo][a\"b]", false, false, "a double quote in single quotes");
	one("echo \"a'b\"", "[echo][a'b]", false, false, "a single quote in double quotes");
	one("echo 'a\\b'", "[echo][a\\b]", false, false, "a backslash in single quotes stays");
	one("echo \"a\\\"b\"", "[echo][a\"b]", false, false, "\\\" in double quotes");
	one("echo \"a\\\\b\"", "[echo][a\\b]", false, false, "\\\\ in double quotes");
	one("echo \"a\\nb\"", "[echo][a\\nb]", false, false, "\\n in double quotes stays");
	one("echo '' x", "[echo][][x]", false, false, "'' is an empty word");
	one("echo \"\"", "[echo][]", false, false, "\"\" is an empty word");
	one("echo ''\"\"", "[echo][]", false, false, "'' \"\" together are one empty word");
	one("echo 'a;b' \"c;d\"", "[echo][a;b][c;d]", false, false, "quoted ; does not split");
	one("echo 'a#b' '#c'", "[echo][a#b][#c]", false, false, "quoted # is no comment");
	one("echo '$HOME' '*' '|'", "[echo][$HOME][*][|]", false, false,
	    "single-quoted shell characters are plain");
	one("echo \"$NSX_T_UNSET\"", "[echo][$NSX_T_UNSET]", true, false, "an unset $ in double quotes needs sh");
	one("echo \"`id`\"", "[echo][`id`]", true, false, "` in double quotes needs sh");
	one("echo \"\\$HOME\"", "[echo][$HOME]", false, false, "\\$ in double quotes is plain");
}

static void
backslashes(void)
{
	one("echo a\\ b", "[echo][a b]", false, false, "backslash-space joins");
	one("echo a\\;b", "[echo][a;b]", false, false, "backslash-; does not split");
	one("echo \\'x", "[echo]['x]", false, false, "backslash-quote is a quote");
	one("echo \\#x", "[echo][#x]", false, false, "backslash-# is no comment");
	one("echo a\\\nb", "[echo][ab]", false, false, "backslash-newline continues");
}

static void
separators(void)
{
	struct line l;

	if (split("ls; cd net ;ns", &l, 3, "three commands") == 0) {
		is_str(words(&l.segs[0]), "[ls]", "first");
		is_str(words(&l.segs[1]), "[cd][net]", "second");
		is_str(words(&l.segs[2]), "[ns]", "third");
		is_str(l.segs[1].text, "cd net", "text of the second, blanks trimmed");
	}
	line_free(&l);
	if (split("ls\nns -t net\n", &l, 2, "newlines separate") == 0) {
		is_str(words(&l.segs[0]), "[ls]", "first line");
		is_str(words(&l.segs[1]), "[ns][-t][net]", "second line");
	}
	line_free(&l);
	split(";; ; \n", &l, 0, "only separators: no segment");
	line_free(&l);
	split("", &l, 0, "empty line: no segment");
	line_free(&l);
	split("   \t ", &l, 0, "blank line: no segment");
	line_free(&l);
	if (split("a;;b", &l, 2, "empty segment dropped") == 0) {
		is_str(words(&l.segs[0]), "[a]", "a");
		is_str(words(&l.segs[1]), "[b]", "b");
	}
	line_free(&l);
}

static void
comments(void)
{
	struct line l;

	split("# just a comment", &l, 0, "a comment line: nothing");
	line_free(&l);
	split("   # indented; comment", &l, 0, "a comment hides ; too");
	line_free(&l);
	one("ls -l # list; them", "[ls][-l]", false, false, "trailing comment dropped");
	one("echo a#b", "[echo][a#b]", false, false, "# inside a word is literal");
	if (split("# one\nls\n# two\nns", &l, 2, "a comment ends at the newline") == 0) {
		is_str(words(&l.segs[0]), "[ls]", "ls after a comment line");
		is_str(words(&l.segs[1]), "[ns]", "ns after another");
	}
	line_free(&l);
}

static void
external(void)
{
	struct line l;

	one("!ls -l", "[ls][-l]", false, true, "!ls is external");
	if (split("!ls -l", &l, 1, "!ls text") == 0)
		is_str(l.segs[0].text, "ls -l", "the ! is not part of the text");
	line_free(&l);
	one("  !ip link", "[ip][link]", false, true, "!cmd after blanks");
	one("ls", "[ls]", false, false, "no ! no external");
	if (split("ls; !ls", &l, 2, "! on the second command only") == 0) {
		is_int(l.segs[0].external, 0, "first not external");
		is_int(l.segs[1].external, 1, "second external");
	}
	line_free(&l);
	one("!ls | wc", "[ls][|][wc]", true, true, "external and shell");
}

/* Each of these runs through /bin/sh with its text as typed. */
static void
shell_syntax(void)
{
	static const struct { const char *s, *why; } sh[] = {
		{ "ls | wc -l", "a pipe" },
		{ "ls|wc", "a pipe without blanks" },
		{ "ls > out", "a redirection" },
		{ "ls 2>/dev/null", "an fd redirection" },
		{ "wc < in", "an input redirection" },
		{ "sleep 1 &", "background" },
		{ "true && false", "&&" },
		{ "echo $NSX_T_UNSET", "an unset variable" },
		{ "echo ${NSX_T_UNSET}", "an unset braced variable" },
		{ "echo ${NSX_T:-x}", "a variable with a default" },
		{ "echo $?", "the last status" },
		{ "echo $1", "a positional parameter" },
		{ "echo `id`", "backquotes" },
		{ "ls *.c", "a * glob" },
		{ "ls ?", "a ? glob" },
		{ "ls [ab]", "a [ glob" },
		{ "cd ~", "~" },
		{ "ls ~/x", "~/" },
		{ "FOO=1 env", "an assignment before a command" },
		{ "_x9=a b", "an assignment with _ and digits" },
		{ "(cd /; ls)", "a subshell" },
		{ "FOO=1", "an assignment alone" },
		{ "! false", "sh negation" },
		{ "echo $(id)", "command substitution" },
	};
	static const char *const not_sh[] = {
		"ls -l", "ns -t net", "echo a=b", "echo a~b", "echo 9X=1",
		"env =x", "echo x=1", "enter 4242",
	};
	struct line l;

	for (size_t i = 0; i < sizeof(sh) / sizeof(sh[0]); i++) {
		if (split(sh[i].s, &l, 1, sh[i].why) == 0) {
			is_int(l.segs[0].shell, 1, "%s needs sh: %s", sh[i].why, sh[i].s);
			is_str(l.segs[0].text, sh[i].s, "%s: text as typed", sh[i].why);
		}
		line_free(&l);
	}
	for (size_t i = 0; i < sizeof(not_sh) / sizeof(not_sh[0]); i++) {
		if (split(not_sh[i], &l, 1, not_sh[i]) == 0)
			is_int(l.segs[0].shell, 0, "'%s' does not need sh", not_sh[i]);
		line_free(&l);
	}
	if (split("ls | wc; ns", &l, 2, "shell syntax is per segment") == 0) {
		is_int(l.segs[0].shell, 1, "the pipe segment needs sh");
		is_str(l.segs[0].text, "ls | wc", "its text stops at ;");
		is_int(l.segs[1].shell, 0, "ns does not");
	}
	line_free(&l);
}

static void
compound(void)
{
	static const char *const whole[] = {
		"for i in 1 2; do echo $i; done",
		"if true; then ls; fi",
		"while false; do :; done",
		"until true; do :; done",
		"case x in x) echo y;; esac",
		"{ ls; ns; }",
		"(ls; ns)",
	};
	struct line l;

	for (size_t i = 0; i < sizeof(whole) / sizeof(whole[0]); i++) {
		if (split(whole[i], &l, 1, whole[i]) == 0) {
			is_int(l.segs[0].shell, 1, "compound needs sh: %s", whole[i]);
			is_str(l.segs[0].text, whole[i], "kept whole: %s", whole[i]);
		}
		line_free(&l);
	}
	if (split("ls; for i in 1; do echo $i; done", &l, 2, "compound after ;") == 0) {
		is_str(words(&l.segs[0]), "[ls]", "ls alone first");
		is_int(l.segs[0].shell, 0, "ls needs no sh");
		is_str(l.segs[1].text, "for i in 1; do echo $i; done", "the loop kept whole");
		is_int(l.segs[1].shell, 1, "the loop needs sh");
	}
	line_free(&l);
	if (split("format x; iffy", &l, 2, "words that start like keywords") == 0) {
		is_int(l.segs[0].shell, 0, "format is not for");
		is_str(words(&l.segs[0]), "[format][x]", "format splits normally");
		is_int(l.segs[1].shell, 0, "iffy is not if");
	}
	line_free(&l);
}

static void
errors(void)
{
	struct line l;

	split("echo 'abc", &l, -1, "unterminated single quote");
	is_int(l.nsegs, 0, "nothing left after the error");
	split("echo \"abc", &l, -1, "unterminated double quote");
	split("ls; echo 'abc", &l, -1, "unterminated quote after a good segment");
	is_int(l.nsegs, 0, "the good segment is freed too");
	split("echo \"a\\\"", &l, -1, "an escaped closing double quote");
	split("echo abc\\", &l, -1, "a trailing backslash");
	split("echo '#' 'x", &l, -1, "unterminated after a quoted #");
}

int
main(void)
{
	plain();
	variables();
	quotes();
	backslashes();
	separators();
	comments();
	external();
	shell_syntax();
	compound();
	errors();
	return done_testing();
}
