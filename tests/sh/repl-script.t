#!/bin/bash
# The shell without a terminal: script mode (commands on stdin), -c, and
# subcommands. No prompt, no readline, one result per line; errors are one
# line and never stop the script; programs run as sh would run them, with
# only fds 0-2.
. "$(dirname "$0")/lib.sh"

TMP=$(mktemp -d)
on_exit rm -rf "$TMP"
# nothing of the caller's readline or history set-up plays a part
export HOME=$TMP XDG_STATE_HOME=$TMP/state INPUTRC=/dev/null
# `printf ... | run`: run (the last command of the pipe) sets OUT, ERR, RC here
shopt -s lastpipe

# run [ARGS...] < input: sets OUT, ERR (files' contents) and RC
run() {
	"$NSX" "$@" >"$TMP/out" 2>"$TMP/err"
	RC=$?
	OUT=$(cat "$TMP/out")
	ERR=$(cat "$TMP/err")
}
nlines() { [ -z "$1" ] && echo 0 || printf '%s\n' "$1" | wc -l; }

# ---- script mode: stdin is not a terminal ----

printf 'echo a\necho b\n' | run
is "$OUT" "a
b" "script: one result per line"
is "$RC" 0 "script: status 0"

printf '# a comment\n\n   \necho a # not an argument\necho a#b\n  # indented comment\n' | run
is "$OUT" "a
a#b" "script: # comments (a # inside a word is not one), blank lines skipped"
is "$ERR" "" "script: comments give no error"

printf "echo a; echo b;echo c\necho 'x;y' \"u;v\" w\\\\;z\n" | run
is "$OUT" "a
b
c
x;y u;v w;z" "script: ; separates commands, not when quoted or escaped"

# the same commands as a script and as subcommands: same bytes, and nothing
# else (no prompt, no escape sequences, no \r). -p $$: rows that tests
# running beside this one do not change.
printf 'ls -p %d -o NS,TYPE\nns\n' $$ | TERM=xterm run
script_out=$(cat "$TMP/out")
"$NSX" ls -p $$ -o NS,TYPE >"$TMP/sub" 2>/dev/null
"$NSX" ns >>"$TMP/sub" 2>/dev/null
is "$script_out" "$(cat "$TMP/sub")" "script: output is exactly the commands' output"
if grep -q $'[\e\r]' "$TMP/out" || grep -Eq 'nsx[#$] |nsx \([0-9]+\)' "$TMP/out"; then
	ok 1 "script: no prompt or terminal sequences in stdout"
else
	ok 0 "script: no prompt or terminal sequences in stdout"
fi
like "$script_out" '^ +NS TYPE' "script: ls table first"
like "$script_out" $'\nTYPE +NS ' "script: then the ns table"

printf 'true\nfalse\n' | run
is "$RC" 1 "script: exits with the last status (1)"
printf 'false\ntrue\n' | run
is "$RC" 0 "script: exits with the last status (0)"

printf 'echo 1\nexit 4\necho 2\n' | run
is "$OUT" 1 "script: exit stops the script"
is "$RC" 4 "script: exit 4 gives status 4"
printf 'false\nexit\necho 2\n' | run
is "$OUT;$RC" ";1" "script: a bare exit keeps the last status"

printf 'ls -t foo\necho still here\nnosuch\necho "open\necho end\n' | run
is "$OUT" "still here
end" "script: errors (bad option, no program, bad quote) never stop the script"
is "$(nlines "$ERR")" 3 "script: each error is one line"
like "$ERR" "unterminated double quote" "script: an unterminated quote is named"

# ---- -c ----

run -c 'ls -t uts; ns'
like "$OUT" '^ +NS TYPE' "-c 'ls -t uts; ns': runs ls"
like "$OUT" $'\nTYPE +NS +VS' "-c 'ls -t uts; ns': and then ns"
is "$RC" 0 "-c 'ls -t uts; ns': status of ns"

run -c 'false'
is "$RC" 1 "-c false: status 1"
run -c 'exit 3'
is "$RC" 3 "-c 'exit 3': status 3"
run -c 'exit 3; echo no'
is "$OUT;$RC" ";3" "-c: nothing runs after exit"
run -c 'true; false'
is "$RC" 1 "-c: the last status wins (1)"

run -c 'ls -t foo; true'
is "$RC" 0 "-c 'ls -t foo; true': goes on after the error, status 0"
is "$(nlines "$ERR")" 1 "-c 'ls -t foo; true': exactly one error line"
like "$ERR" "^nsx: ls: unknown namespace type 'foo'" "-c 'ls -t foo; true': the error names the type"
is "$OUT" "" "-c 'ls -t foo; true': nothing on stdout"

run -c $'echo a\necho b # c'
is "$OUT" "a
b" "-c: newlines separate commands too, # comments"

run -c
is "$RC" 1 "-c without a string: status 1"
is "$(nlines "$ERR")" 1 "-c without a string: one error line"

# ---- subcommands ----

# ls counts processes, and other tests run beside this one: in a pid
# namespace of its own (a /proc that shows only sh and nsx) the two runs
# see the same machine. Without one, retry until they do.
sub_vs_c() {	# prints the two outputs and statuses, then a separator
	"$NSX" ls -t uts 2>/dev/null; echo "rc=$?"
	echo ---
	"$NSX" -c 'ls -t uts' 2>/dev/null; echo "rc=$?"
}
if unshare --pid --fork --mount-proc true 2>/dev/null; then
	export -f sub_vs_c; export NSX
	both=$(unshare --pid --fork --mount-proc bash -c sub_vs_c)
else
	echo "# no pid namespace for this test: retrying on the live /proc"
	for _ in $(seq 10); do
		both=$(sub_vs_c)
		[ "${both%%$'\n'---*}" = "${both#*---$'\n'}" ] && break
	done
fi
sub=${both%%$'\n'---*}
is "${both#*---$'\n'}" "$sub" "'nsx ls -t uts' prints what 'nsx -c \"ls -t uts\"' prints, same status"
like "$sub" '^ +NS TYPE' "'nsx ls -t uts' prints the table"
like "$sub" $'\nrc=0$' "'nsx ls -t uts': status 0"

run nosuch
is "$RC" 1 "nsx nosuch: status 1"
is "$(nlines "$ERR")" 1 "nsx nosuch: one error line"
like "$ERR" "nosuch.*not an nsx command" "nsx nosuch: says it is not a command"

# ---- programs ----

run -c 'echo hi'
is "$OUT" hi "a program by PATH lookup: echo hi"

run -c "printf '%s|' \"a b\" 'c d' e\\ f"
is "$OUT" "a b|c d|e f|" "words split like sh: double and single quotes, backslash"

run -c "printf '%s|' \"a\\\"b\" 'c\\d' \"\" x"
is "$OUT" 'a"b|c\d||x|' "sh quoting: \\\" in double quotes, \\ kept in single quotes, empty word"

run -c '!ls /'
is "$OUT" "$(command ls /)" "!ls / runs the program ls, not nsx's ls"
is "$RC" 0 "!ls /: status 0"

run -c 'nosuch'
is "$ERR" "nsx: nosuch: command not found" "a missing program: one line"
is "$RC" 127 "a missing program: status 127"

run -c '!help'
is "$RC" 127 "!help: never the nsx command"

printf '#!/bin/sh\necho never\n' >"$TMP/noexec"
chmod 644 "$TMP/noexec"
run -c "$TMP/noexec"
is "$RC" 126 "a file that is not executable: status 126"
is "$(nlines "$ERR")" 1 "a file that is not executable: one error line"

run -c 'sh -c "exit 7"'
is "$RC" 7 "a program's exit status is the shell's"

run -c 'echo a | tr a b'
is "$OUT" b "a pipe goes through sh"

run -c "echo x > $TMP/f; cat $TMP/f"
is "$OUT" x "a redirection goes through sh"

run -c 'echo $HOME'
is "$OUT" "$TMP" "a \$VAR goes through sh"

run -c 'sh -c "kill -TERM \$\$"; echo after'
is "$OUT" after "a program killed by a signal does not stop the shell"
like "$ERR" "^nsx: sh: Terminated" "a program killed by a signal: one line naming it"

# ---- help ----

run -c help
is "$RC" 0 "help: status 0"
cmds=$(printf '%s\n' "$OUT" | sed -n 's/^  \([a-z][a-z-]*\)  *[^ ].*/\1/p')
for c in ls ns help cd exit; do
	is "$(printf '%s\n' "$cmds" | grep -cx "$c")" 1 "help lists '$c' on one line"
done
bad=0
for c in $cmds; do
	h=$("$NSX" help "$c" 2>&1) || bad=1
	printf '%s' "$h" | grep -q "^Usage: $c" || { bad=1; echo "# help $c: $h"; }
done
ok $bad "help CMD works for every command help lists"

run -c 'help ls'
like "$OUT" '^Usage: ls ' "help ls: usage"
like "$OUT" $'\nExamples:\n' "help ls: examples"
like "$OUT" '-t, --type TYPE' "help ls: options"
is "$RC" 0 "help ls: status 0"

run -c 'help nosuch'
is "$RC" 1 "help nosuch: status 1"
is "$(nlines "$ERR")" 1 "help nosuch: one error line"
like "$ERR" "^nsx: help: .*nosuch" "help nosuch: names the command"
is "$OUT" "" "help nosuch: nothing on stdout"

# ---- cd ----

run -c 'cd /tmp; !pwd'
is "$OUT" /tmp "cd /tmp; !pwd prints /tmp"
run -c "cd $TMP/none; !pwd"
is "$OUT" "$PWD" "cd to a missing directory stays where it was"
is "$(nlines "$ERR")" 1 "cd to a missing directory: one error line"

# ---- fds: a program sees only 0, 1 and 2 ----

# ls opens /proc/self/fd itself: that is 3. Anything more leaked from nsx
# (or from whoever started nsx: 9 here).
fds() { tr '\n' ' ' <"$TMP/out"; }
run -c "!sh -c 'exec ls -1 /proc/self/fd'" 9</dev/null
is "$(fds)" "0 1 2 3 " "-c: a program sees only fds 0-2 (fd 9 of nsx's caller does not leak)"
run -c 'ls -1 /proc/self/fd | cat' 9</dev/null
is "$(fds)" "0 1 2 3 " "-c: a line run by sh sees only fds 0-2"
echo "!sh -c 'exec ls -1 /proc/self/fd'" | run 9</dev/null 7>"$TMP/seven"
is "$(fds)" "0 1 2 3 " "script: a program sees only fds 0-2"

# ---- $NAME and $$: nsx's own, expanded when each command runs ----

out=$(NSX_T_DIR=/tmp "$NSX" -c 'cd $NSX_T_DIR; pwd')
is "$out" /tmp "cd \$NAME changes nsx's own directory (not a short-lived sh's)"
if [ "$(id -u)" = 0 ] || [ "$(sysctl -n kernel.unprivileged_userns_clone 2>/dev/null || echo 1)" = 1 ]; then
	out=$(printf '%s\n' 'unshare pid; echo same line $$; echo "$$" > /dev/stdout' 'echo next line $$' | "$NSX" 2>/dev/null)
	is "$out" "$(printf 'same line 1\n1\nnext line 1')" \
		"\$\$ after a level opens on the same line is the level's PID (1 in its new pid namespace), in nsx and in sh"
else
	skip "needs user namespaces"
fi

done_testing
