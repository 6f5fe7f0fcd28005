#!/bin/bash
# Levels on a terminal (issue 4), driven through tmux: the prompt shows the
# depth, what differs from the start and the hostname; Ctrl-D leaves a level
# (with the PID 1 line for a pid level), `exit` too; Ctrl-C at a level's
# prompt clears the line and stays there, and stops a program at a level.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/nsproc.sh"

need_tmux || { done_testing; exit; }
[ "$(id -u)" = 0 ] || echo "# not root: levels get a user namespace too"

TMP=$(mktemp -d)
on_exit rm -rf "$TMP"
SOCK=nsxlv$$
. "$(dirname "$0")/tmux.sh"
# (cleanups run last first: nsx and its levels, then the server)
on_exit '[ -n "${NSXPID:-}" ] && kill_tree "$NSXPID"'

SIGIL='#'
[ "$(id -u)" = 0 ] || SIGIL='$'
HOST=$(hostname)
ENV="env HOME=$TMP XDG_STATE_HOME=$TMP/state INPUTRC=/dev/null TERM=screen"

start_cmd "$ENV $NSX; echo \$? >$TMP/rc" 150 40
pane_pid() { tmx display-message -p -t "$S" '#{pane_pid}' 2>/dev/null; }
find_nsx() { NSXPID=$(pgrep -P "$(pane_pid)" -x nsx); }
wait_cond find_nsx
# the processes below nsx: one more per level (two for a pid level)
nprocs() { descendants "$NSXPID" | wc -l; }

P0="nsx$SIGIL"
wait_line "$P0"
ok $? "the prompt at the start: '$P0 '"

run_line "unshare uts --hostname box"
# at a level the sigil is '#': root there (a normal user is mapped to root)
P1="nsx[1 uts box]#"
[ "$(id -u)" = 0 ] || P1="nsx[1 user,uts box]#"
wait_line "$P1"
ok $? "unshare uts --hostname box: the prompt is '$P1 '"
is "$(nprocs)" 2 "one level: nsx and one process below it"

run_line hostname
wait_screen '^box$' && wait_line "$P1"
ok $? "hostname at the level: box"

run_line "unshare pid --mount-proc"
P2="nsx[2 mnt,pid,uts box]#"
[ "$(id -u)" = 0 ] || P2="nsx[2 mnt,pid,user,uts box]#"
wait_line "$P2"
ok $? "unshare pid --mount-proc: the prompt is '$P2 '"

clear_screen
run_line "levels"
wait_screen '^differs from the start: ' && wait_line "$P2"
like "$(screen | grep -E '^ +2\* ')" '^ +2\* +[0-9]+ +1 mnt,pid +unshare pid --mount-proc$' \
	"levels at depth 2: the current row, INSIDE 1, NEW mnt,pid, the command"

# Ctrl-C at a level's prompt: the line goes, the level stays
clear_screen
type_line "echo half"
wait_line "$P2 echo half"
keys C-c
wait_line "$P2"
ok $? "Ctrl-C on a half-typed line at level 2: the line is cleared, still at level 2"
keys C-c
wait_line "$P2"
ok $? "Ctrl-C at an empty level prompt: still at level 2"
is "$(nprocs)" 4 "and every level process is there (nsx, level 1, the pid level and its parent)"
run_line "!ps -e -o pid=,comm="
wait_screen '^ +1 nsx$' && wait_line "$P2"
ok $? "after Ctrl-C the level still works: ps shows nsx as PID 1"
screen | grep -qx half
ok $((!$?)) "the cleared line never ran"

# Ctrl-C stops a program at the level, not the level
clear_screen
run_line "sleep 100"
sleep_below() { descendants "$NSXPID" | xargs -r -I{} cat /proc/{}/comm 2>/dev/null | grep -qx sleep; }
wait_cond sleep_below
ok $? "sleep 100 runs at level 2"
keys C-c
wait_line "${P2%#} (130)#"
ok $? "Ctrl-C stops sleep: level 2's prompt with status 130"
wait_cond eval '! sleep_below'
ok $? "sleep is gone"

# Ctrl-D: back to level 1, with the PID 1 line; the status of the level's
# last command (130) is level 1's now, as after a nested shell
clear_screen
keys C-d
wait_screen '^nsx: leaving level 2: this shell is PID 1 of its pid namespace' &&
	wait_line "${P1%#} (130)#"
ok $? "Ctrl-D at the pid level: the PID 1 line, then level 1's prompt '${P1%#} (130)# '"
wait_cond eval '[ "$(nprocs)" = 2 ]'
ok $? "the pid level's processes are gone"
run_line hostname
wait_screen '^box$' && wait_line "$P1"
ok $? "level 1 still has hostname box"

clear_screen
run_line exit
wait_line "$P0"
ok $? "exit at level 1: back to '$P0 '"
screen | grep -q 'leaving level'
ok $((!$?)) "leaving the uts level prints no PID 1 line"
wait_cond eval '[ "$(nprocs)" = 1 ]'
ok $? "no level process is left"
run_line hostname
wait_screen "^$HOST\$" && wait_line "$P0"
ok $? "the start's hostname is back: $HOST"

# Ctrl-C at the start's prompt after all that: nsx stays
keys C-c
wait_line "$P0"
ok $? "Ctrl-C at level 0: still there"
kill -0 "$NSXPID" 2>/dev/null
ok $? "nsx is still running"
keys C-d
wait_cond test -s "$TMP/rc"
is "$(cat "$TMP/rc" 2>/dev/null)" 0 "Ctrl-D at level 0 ends nsx, status 0"

done_testing
