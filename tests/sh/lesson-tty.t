#!/bin/bash
# Lessons 1 and 2 on a terminal, as a new student would take them (fresh
# state; as root the student is an unprivileged user, uid 65534): the
# commands of each step's solution typed at the prompt, each step seen to
# pass, nsx left and started again with the progress kept, then a wrong
# command whose check fails with a hint offered.
. "$(dirname "$0")/lib.sh"

TOP=${NSX_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
need_tmux || { done_testing; exit; }
TMP=$(mktemp -d /tmp/nsx-ltty.XXXXXX)
chmod 755 "$TMP"
on_exit rm -rf "$TMP"
SOCK=nsxlt$$
. "$(dirname "$0")/tmux.sh"

cp "$NSX" "$TMP/nsx"
cp -r "$TOP/lessons" "$TMP/lessons"
mkdir "$TMP/home"
AS=
if [ "$(id -u)" = 0 ]; then
	chown 65534:65534 "$TMP/home"
	AS="setpriv --reuid=65534 --regid=65534 --clear-groups"
fi
chmod -R a+rX "$TMP"
ENV="env HOME=$TMP/home XDG_STATE_HOME=$TMP/home/state NSX_LESSONS=$TMP/lessons INPUTRC=/dev/null TERM=screen LANG=C.UTF-8"
start() { start_cmd "cd $TMP/home && $AS $ENV $TMP/nsx" 150 50; }
# the prompt at the start, as capture-pane shows it (trailing space trimmed)
P0='nsx$'

# solutions FILE K: the solution lines of step K
solutions() { awk -v k="$2" '/^step:/ { n++ } n == k && /^solution:/ { sub(/^solution: */, ""); print }' "$1"; }
nsteps() { grep -c '^step:' "$1"; }

# take FILE FIRST LAST: type the solutions of steps FIRST..LAST, each seen to pass
take() {
	local f=$1 k line n
	n=$(nsteps "$f")
	for ((k = $2; k <= $3; k++)); do
		while IFS= read -r line; do
			run_line "$line"
		done < <(solutions "$f" "$k")
		wait_screen "Step $k of $n done"
		ok $? "$(basename "$f"): step $k of $n passes after its commands are typed"
	done
}

start
wait_line "$P0"
ok $? "nsx starts for a new student"
L1=$TMP/lessons/01-namespaces.lesson
L2=$TMP/lessons/02-uts.lesson

run_line "lesson start 1"
wait_screen "== Lesson 1: "
ok $? "lesson start 1 shows lesson 1"
wait_screen "step 1 of $(nsteps "$L1"): "
ok $? "and its first step"
take "$L1" 1 "$(nsteps "$L1")"
wait_screen "Lesson 1 \(namespaces\) complete"
ok $? "lesson 1 is complete"

clear_screen
run_line "lesson start uts"
wait_screen "step 1 of $(nsteps "$L2"): Open a new UTS namespace"
ok $? "lesson start uts shows lesson 2's first step"
take "$L2" 1 2
wait_screen "step 3 of $(nsteps "$L2")"
ok $? "step 3 of lesson 2 is shown"
# out of nsx: exit the level, then nsx itself
run_line "exit"
run_line "exit"
wait_cond pane_dead
ok $? "nsx exits"

# a new nsx: the progress is kept
start
wait_screen "Lesson 2 \(uts\) continues at step 3 of $(nsteps "$L2")"
ok $? "a new nsx says where lesson 2 continues"
clear_screen
run_line "lesson list"
wait_screen "^ +1 namespaces +rootless +✓✓✓✓✓ "
ok $? "lesson list: all of lesson 1's steps are done"
wait_screen "^ *> *2 uts +rootless +✓✓\.\.\. "
ok $? "lesson list: lesson 2 is current, two steps done"

# a wrong command: the check fails and offers a hint
clear_screen
run_line "unshare ipc"
run_line "lesson check"
wait_screen "Not yet: "
ok $? "after a wrong command, lesson check says not yet"
wait_screen "'lesson hint' gives a hint"
ok $? "and offers a hint"
run_line "lesson hint"
wait_screen "^Hint 1 of "
ok $? "lesson hint shows the first hint"
run_line "exit"
run_line "exit"
wait_cond pane_dead
ok $? "nsx exits again"

done_testing
