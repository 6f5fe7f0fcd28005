#!/bin/bash
# The interactive shell on a terminal, driven through tmux: the prompt and
# the status in it, Ctrl-C (for a program and for a half-typed line), tab
# completion, history across runs, Ctrl-D. Every wait polls the screen, so
# the test is as fast as nsx and tolerant of a slow machine.
. "$(dirname "$0")/lib.sh"

need_tmux || { done_testing; exit; }

TMP=$(mktemp -d)
on_exit rm -rf "$TMP"
SOCK=nsxtest$$
. "$(dirname "$0")/tmux.sh"
# a program of our own, for the PID completion
sleep 1000 &
SLEEP=$!
on_exit kill "$SLEEP"

SIGIL='#'
[ "$(id -u)" = 0 ] || SIGIL='$'
P="nsx$SIGIL"	# the prompt as capture-pane shows it: trailing space trimmed

ENV="env HOME=$TMP XDG_STATE_HOME=$TMP/state INPUTRC=/dev/null TERM=screen"
# start: nsx in a new pane, under a sh that writes nsx's exit status to
# $TMP/rc (tmux 3.3 loses it at times); NSXPID is nsx's PID. fd 9 is open
# in nsx: what nsx runs must not see it.
start() {
	rm -f "$TMP/rc"
	start_cmd "$ENV $NSX 9</dev/null; echo \$? >$TMP/rc"
	wait_cond find_nsx
}
find_nsx() { NSXPID=$(pgrep -P "$(pane '#{pane_pid}')" -x nsx); }
# nsx_status: once nsx has ended, its exit status
nsx_status() {
	wait_cond test -s "$TMP/rc" || { echo "nsx still runs"; return; }
	cat "$TMP/rc"
}
nsx_gone() { ! kill -0 "$NSXPID" 2>/dev/null; }
# clear: forget what is on screen, so the next waits see only new output
clear_screen() {
	keys C-l
	tmx clear-history -t "$S"
	wait_prompt
}
# wait_prompt: until the cursor's line is a prompt, with a status or not
wait_prompt() {
	local i
	for ((i = 0; i < WAIT_TENTHS; i++)); do
		cur_line | grep -Eqx "nsx( \([0-9]+\))?[#\$]" && return 0
		sleep 0.1
	done
	echo "# waited for a prompt; the screen ends with:"
	screen | sed '/^$/d' | tail -n 8 | sed 's/^/#   | /'
	return 1
}

start
wait_line "$P"
ok $? "the prompt is '$P ' (root: #, else \$)"

# ---- a command, and the status in the prompt ----

type_line "ls -t uts"
wait_line "$P ls -t uts"
ok $? "typed text follows the prompt and one space"
keys Enter
wait_screen '^ +NS TYPE +NPROCS' && wait_screen '^[0-9]+ uts ' && wait_line "$P"
ok $? "ls -t uts shows the table, then the prompt"

run_line false
wait_line "nsx (1)$SIGIL"
ok $? "after false the prompt shows the status: 'nsx (1)$SIGIL '"
run_line true
wait_line "$P"
ok $? "after true the status is gone from the prompt"

run_line "ls -t foo"
wait_screen "^nsx: ls: unknown namespace type 'foo'" && wait_line "nsx (1)$SIGIL"
ok $? "an error is one line and the shell goes on"

# ---- Ctrl-C ----

clear_screen
run_line "sleep 100"
sleep_child() { pgrep -P "$NSXPID" -x sleep >/dev/null; }
wait_cond sleep_child
ok $? "sleep 100 runs as a child of nsx"
keys C-c
wait_line "nsx (130)$SIGIL"
ok $? "Ctrl-C stops sleep: the prompt is back with status 130"
wait_cond eval '! sleep_child'
ok $? "Ctrl-C: sleep is gone"
kill -0 "$NSXPID" 2>/dev/null
ok $? "Ctrl-C: nsx is still running"
run_line "echo alive"
wait_screen '^alive$' && wait_line "$P"
ok $? "after Ctrl-C, echo alive works"

clear_screen
type_line "echo half"
wait_line "$P echo half"
keys C-c
wait_line "$P"
ok $? "Ctrl-C on a half-typed line clears it"
keys Enter
run_line "echo marker"
wait_screen '^marker$' && wait_line "$P"
ok $? "then the shell goes on"
screen | grep -qx half
ok $((!$?)) "the cleared line never ran"

# ---- tab completion ----

# complete TYPED WANT "description": TYPED<Tab> gives WANT on the line
complete() {
	clear_screen >/dev/null
	type_line "$1"
	keys Tab
	wait_line "$P $2"
	ok $? "$3"
	keys C-c
	wait_line "$P" >/dev/null
}
complete "he" "help" "he<Tab> completes to help"
type_line "he"; keys Tab; type_line "ls"
wait_line "$P help ls"
ok $? "a completed command name is followed by a space"
keys C-c; wait_line "$P" >/dev/null
complete "ls -t ne" "ls -t net" "ls -t ne<Tab> completes to net"
complete "ls -o NS,TY" "ls -o NS,TYPE" "ls -o NS,TY<Tab> completes the column after the comma"
type_line "ls -o NS,TY"; keys Tab; type_line ",X"
wait_line "$P ls -o NS,TYPE,X"
ok $? "a completed column is not followed by a space (more may come after a comma)"
keys C-c; wait_line "$P" >/dev/null
complete "ls --tr" "ls --tree" "ls --tr<Tab> completes to --tree"
complete "ls --tree=own" "ls --tree=owner" "ls --tree=own<Tab> completes the tree kind"
complete "ls -T par" "ls -T parent" "ls -T par<Tab> completes the tree kind (ls reads -T parent)"
complete "help n" "help ns" "help n<Tab> completes a command name"

clear_screen
type_line "ns "
keys Tab Tab
wait_screen "(^| )$SLEEP sleep( |$)" && wait_line "$P ns"
ok $? "ns <Tab><Tab> lists PIDs with command names ($SLEEP sleep)"
wait_screen "(^| )$NSXPID nsx( |$)"
ok $? "ns <Tab><Tab> lists nsx itself ($NSXPID nsx)"
keys C-c; wait_line "$P" >/dev/null

# ---- a program at the prompt sees only fds 0-2 ----

clear_screen
run_line "/bin/ls /proc/self/fd | xargs echo fds:"
wait_screen '^fds: ' && wait_line "$P"
is "$(screen | grep '^fds: ')" "fds: 0 1 2 3" "a program run from the prompt sees only fds 0-2 (and ls's own 3; not nsx's 9)"

# ---- history, Ctrl-D ----

run_line "echo last-one"
wait_screen '^last-one$' && wait_line "$P"
keys C-d
wait_cond nsx_gone
ok $? "Ctrl-D ends nsx"
is "$(nsx_status)" 0 "Ctrl-D: exit status of the last command (0)"

HIST=$TMP/state/nsx/history
[ -f "$HIST" ]
ok $? "the history file is \$XDG_STATE_HOME/nsx/history"
for c in "ls -t uts" false "sleep 100" "echo alive" "echo last-one"; do
	grep -qxF -- "$c" "$HIST" 2>/dev/null
	ok $? "history holds '$c'"
done
grep -qx "echo half" "$HIST" 2>/dev/null
ok $((!$?)) "history does not hold the line cleared by Ctrl-C"
is "$(tail -n 1 "$HIST" 2>/dev/null)" "echo last-one" "the last line typed is last in the history"
is "$(stat -c %a "$TMP/state/nsx" 2>/dev/null)" 700 "the history directory is private (0700)"

start
wait_line "$P"
keys Up
wait_line "$P echo last-one"
ok $? "a new session shows the previous command on Up"
keys Up
wait_line "$P /bin/ls /proc/self/fd | xargs echo fds:"
ok $? "Up again: the command before it"
keys C-c
wait_line "$P" >/dev/null
run_line "exit 5"
is "$(nsx_status)" 5 "exit 5 at the prompt ends nsx with status 5"
is "$(stat -c %a "$HIST" 2>/dev/null)" 600 "the history file is private (0600)"

# ---- stdin decides: a terminal is interactive, a pipe is a script ----

start_cmd "$ENV $NSX | cat"
wait_line "$P"
ok $? "nsx | cat: still interactive, the prompt goes to the terminal"
run_line "echo piped"
# cat may print after the next prompt: "nsx# piped"
wait_screen "^(nsx[#\$] )?piped\$"
ok $? "nsx | cat: output goes through the pipe"
keys C-d
wait_cond pane_dead
ok $? "nsx | cat: Ctrl-D ends it"

# (tmux loses the status of a pane that ends at once: the pane prints it)
start_cmd "printf 'echo scripted\\nfalse\\n' | $ENV $NSX; echo rc=\$?; exec sleep 1000"
wait_screen '^rc='
is "$(screen | grep '^rc=')" rc=1 "stdin a pipe, stdout the terminal: script mode, last status"
screen | grep -q '^scripted$'
ok $? "script mode on a terminal: the output"
screen | grep -Eq 'nsx( \([0-9]+\))?[#$]'
ok $((!$?)) "script mode on a terminal: no prompt"

# ---- not root: the prompt ends in $ ----

if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null; then
	# a copy nobody can run, and a state dir nobody can write
	mkdir -p "$TMP/pub/state"
	chmod 711 "$TMP"
	chmod 755 "$TMP/pub"
	cp "$NSX" "$TMP/pub/nsx"
	chown 65534:65534 "$TMP/pub/state"
	start_cmd "env HOME=$TMP/pub XDG_STATE_HOME=$TMP/pub/state INPUTRC=/dev/null TERM=screen \
		setpriv --reuid=65534 --regid=65534 --clear-groups $TMP/pub/nsx"
	wait_line 'nsx$'
	ok $? "not root: the prompt is 'nsx\$ '"
	run_line false
	wait_line 'nsx (1)$'
	ok $? "not root: with a status, 'nsx (1)\$ '"
else
	echo "# not root: the prompt tests above already checked 'nsx\$ '"
fi

done_testing
