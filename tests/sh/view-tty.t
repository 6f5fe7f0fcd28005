#!/bin/bash
# The viewer on a terminal, driven through tmux: screens, moving, filter,
# type cycle, pause, help, detail and back, the selection staying on its
# namespace when others appear, mouse clicks and the wheel, a selected
# process that ends (said in the status line), e entering a process at a
# new level and the viewer coming back, a terminal too small and enlarged
# again, quit; and `view` from nsx's shell returning to its prompt.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/nsproc.sh"

need_tmux || { done_testing; exit; }
need_root || { done_testing; exit; }
TMP=$(mktemp -d)
on_exit rm -rf "$TMP"
SOCK=nsxvw$$
. "$(dirname "$0")/tmux.sh"

# a process of our own in new uts and net namespaces, with a hostname
unshare --uts --net sh -c 'hostname viewtest; exec sleep 600' </dev/null >/dev/null 2>&1 &
SLEEP=$!
on_exit kill "$SLEEP"
# (a function: wait_cond runs it again each time, a $(...) would be read once)
sleep_unshared() { [ "$(readlink /proc/$SLEEP/ns/uts)" != "$(readlink /proc/self/ns/uts)" ]; }
WAIT_TENTHS=100 wait_cond sleep_unshared
UTS=$(readlink /proc/$SLEEP/ns/uts | tr -dc 0-9)

ENV="env HOME=$TMP XDG_STATE_HOME=$TMP/state INPUTRC=/dev/null TERM=screen"
start_cmd "$ENV $NSX view --delay 0.3 --mono; echo rc=\$? >$TMP/rc" 120 30
wait_screen "^nsx view +1 namespaces 2 tree 3 processes 4 detail"
ok $? "the viewer starts on the namespaces screen"
wait_screen "^TYPE\* +NS PROCS +OWNER LABEL"
ok $? "with its column header, sorted by type"

# the selected row: reverse video in --mono (capture-pane -e shows SGR 7)
# (the title's tab of the current screen is reverse too: not that line)
selected() { tmx capture-pane -e -p -t "$S" | grep $'\e\\[[0-9;]*7m' | sed 's/\x1b\[[0-9;]*m//g' | grep -v '^nsx view' | head -1; }

# filter: only the test's uts namespace
keys /
type_line "$UTS"
keys Enter
wait_screen "^\[?/?$UTS|/$UTS" >/dev/null
wait_cond sh -c "[ \"\$(tmux -L $SOCK capture-pane -p -t $S | grep -c '^[a-z]* *40265')\" = 1 ]"
ok $? "/ filters the rows down to the one namespace"
like "$(selected)" "^uts +$UTS " "the filtered row is selected"

# the selection stays on its namespace while others appear
keys Escape
wait_cond sh -c "[ \"\$(tmux -L $SOCK capture-pane -p -t $S | grep -c '^[a-z]* *40265')\" -gt 3 ]"
ok $? "Esc clears the filter"
like "$(selected)" "^uts +$UTS " "the selection is still on the test's uts namespace"
unshare --uts --ipc sleep 600 </dev/null >/dev/null 2>&1 &
OTHER=$!
on_exit kill "$OTHER"
# (its uts link exists from the fork on: the host's until unshare(1) has run)
other_unshared() { [ "$(readlink /proc/$OTHER/ns/uts)" != "$(readlink /proc/self/ns/uts)" ]; }
WAIT_TENTHS=100 wait_cond other_unshared
OTHER_UTS=$(readlink /proc/$OTHER/ns/uts | tr -dc 0-9)
# (the machine may have many: the new one is looked for with a filter after)
sleep 1
like "$(selected)" "^uts +$UTS " "when other namespaces appear the selection stays on the same one (by inode, not row)"
keys /
type_line "$OTHER_UTS"
keys Enter
wait_screen "^uts +$OTHER_UTS "
ok $? "the new namespace appeared at a refresh"
keys Escape
wait_cond sh -c "! tmux -L $SOCK capture-pane -p -t $S | grep -q '/$OTHER_UTS'"
like "$(selected)" "^uts +$OTHER_UTS " "... and the filter's selection stays after the filter is cleared"

# detail and back
keys Enter
wait_screen "^Detail of uts:\[$OTHER_UTS\]"
ok $? "Enter shows the detail of the selected namespace"
# (if the viewer first read the process as unshare(1), before its exec of
# sleep, it reads it again at its turn: within 6 s)
# (a process the viewer first read before its exec of sleep is read again
# at its turn, within 6 s of refreshes: slower on a loaded machine)
WAIT_TENTHS=200 wait_screen "^ +$OTHER/$OTHER +sleep 600"
ok $? "... with its processes" || screen | sed 's/^/#   /'

wait_screen "^ +hostname: $(hostname)$"
ok $? "... and its content (the hostname it copied)"
keys Escape
wait_screen "^TYPE\* +NS"
ok $? "Esc goes back to the namespaces screen"

# screens
keys 3
wait_screen "^ +PID +INSIDE C I M N P T U H COMMAND"
ok $? "3: the processes screen, a column per type"
keys /
type_line "sleep 600"
keys Enter
wait_screen "^ +$SLEEP +$SLEEP +\. \. \. N \. \. \. H sleep 600"
ok $? "the sleep differs from PID 1 in net (N) and uts (H)"
keys Escape
keys 2
wait_screen "^Tree$"
ok $? "2: the tree screen"
keys Home
wait_screen "^  user:\[[0-9]+\] "
ok $? "its user namespace tree (Home: the top)"
keys Tab
wait_screen "^ +PID +INSIDE"
ok $? "Tab: the next screen (processes)"
keys t
wait_screen "type cgroup"
ok $? "t: only one type (cgroup), named in the title"
keys t t t
wait_screen "type net"
ok $? "t t t: net"
wait_screen "^ +$SLEEP .* sleep 600"
ok $? "... the processes that differ from PID 1 in it, the sleep among them"
keys t t t t t
wait_screen "^nsx view .* procs" && ! screen | grep -q "type uts"
ok $? "and back to every type"

# pause, help
keys Space
wait_screen "PAUSED"
ok $? "Space pauses the refresh"
keys Space
wait_cond sh -c "! tmux -L $SOCK capture-pane -p -t $S | grep -q PAUSED"
ok $? "Space again resumes"
keys '?'
wait_screen "^nsx view: the namespaces of this machine, live"
ok $? "? shows the keys"
keys x
wait_screen "^ +PID +INSIDE"
ok $? "any key leaves the help"

# e: enter the sleep's namespaces at a new level, then come back
keys /
type_line "$SLEEP"
keys Enter
wait_screen "^ +$SLEEP +$SLEEP "
keys e
wait_screen "^nsx\[1 [a-z,]*net[a-z,]* viewtest\]#"
ok $? "e enters the selected process: a level with its hostname in the prompt"
run_line hostname
wait_screen "^viewtest$"
ok $? "the level's hostname is the process's"
run_line exit
wait_screen "^nsx view +1 namespaces"
ok $? "exit: back in the viewer"

# the mouse (X10 reports, as TERM=screen's kmous): a click selects the row
# under it, the wheel moves the selection
mouse() {	# mouse BUTTON X Y: a press of BUTTON (0 left, 64 wheel up) at X,Y
	tmx send-keys -t "$S" -l "$(printf '\e[M%b%b%b' "\\0$(printf %o $((32 + $1)))" \
		"\\0$(printf %o $((33 + $2)))" "\\0$(printf %o $((33 + $3)))")"
}
sel_is() { [[ $(selected) =~ ^\ +$1\  ]]; }
sleeps() { screen | grep -E '^ +[0-9]+ +[0-9]+ .* sleep 600' | awk '{ print $1 }'; }
keys Escape /
type_line "sleep 600"
keys Enter
wait_screen "^ +$OTHER +[0-9]+ .* sleep 600"
first=$(sleeps | sed -n 1p)
second=$(sleeps | sed -n 2p)
like "$(selected)" "^ +$first " "two sleeps listed, the first selected"
mouse 0 10 3
mouse 3 10 3
wait_cond sel_is "$second"
like "$(selected)" "^ +$second " "a mouse click on the second row selects it"
mouse 64 10 3
wait_cond sel_is "$first"
like "$(selected)" "^ +$first " "the wheel up moves the selection up"

# the selected process vanishes: the status line says so
row=$(sleeps | grep -nx "$OTHER" | cut -d: -f1)
mouse 0 10 $((row + 1))
mouse 3 10 $((row + 1))
wait_cond sel_is "$OTHER"
like "$(selected)" "^ +$OTHER " "a click on the other sleep selects it"
kill "$OTHER"
wait "$OTHER" 2>/dev/null
wait_screen "PID $OTHER is gone"
ok $? "its process ends: 'PID $OTHER is gone' in the status line"
keys Escape
wait_cond sh -c "! tmux -L $SOCK capture-pane -p -t $S | grep -q 'is gone'"
ok $? "... until the next key"

# too small, then enlarged
tmx resize-window -t "$S" -x 50 -y 8
wait_screen "^terminal too small \(50x8\)"
ok $? "a terminal too small is told so"
tmx resize-window -t "$S" -x 120 -y 30
wait_screen "^nsx view +1 namespaces"
ok $? "enlarged: the viewer draws again"

keys q
wait_cond test -s "$TMP/rc"
is "$(cat "$TMP/rc")" "rc=0" "q quits with status 0"

# view from nsx's shell: q is back at the prompt
start_cmd "$ENV $NSX" 120 30
wait_line 'nsx#'
run_line "view --delay 0.5"
wait_screen "^nsx view +1 namespaces"
ok $? "view from the shell"
keys q
wait_line 'nsx#'
ok $? "q: back at nsx's prompt"

# no terminal: one clear line; --once needs none
out=$("$NSX" view </dev/null 2>&1 | cat)
like "$out" "^nsx: view: not a terminal \(for one frame as text: view --once --size 80x24\)$" \
	"without a terminal: one line saying what to do"
out=$(TERM=nosuchterm script -qec "$NSX view" /dev/null 2>&1 </dev/null | tr -d '\r')
like "$out" "cannot use the terminal 'nosuchterm'" "an unknown TERM: a clear error"

done_testing
