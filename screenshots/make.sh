#!/bin/bash
# make screenshots: real runs of nsx in tmux, captured with their escapes
# (capture-pane -e) and drawn to PNG by ansilove. Run as root (levels need
# namespaces); everything it starts is removed at exit.
set -u
cd "$(dirname "$0")/.." || exit 1
NSX=$PWD/nsx
OUT=$PWD/screenshots
SRV=nsxshot$$
TMP=$(mktemp -d /tmp/nsx-shot.XXXXXX)
PIDS=()
cleanup() {
	tmux -L "$SRV" kill-server 2>/dev/null
	for p in "${PIDS[@]}"; do kill -9 "$p" 2>/dev/null; done
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

[ "$(id -u)" = 0 ] || { echo "screenshots: run as root (levels make namespaces)" >&2; exit 1; }
[ -x "$NSX" ] || { echo "screenshots: build nsx first (make)" >&2; exit 1; }

# wait_for TEXT: until the pane shows TEXT (5 s at most)
wait_for() {
	local i
	for ((i = 0; i < 50; i++)); do
		tmux -L "$SRV" capture-pane -p -t shot | grep -qF -- "$1" && return 0
		sleep 0.1
	done
	echo "screenshots: '$1' never showed" >&2
	return 1
}

# shot NAME COLS ROWS LINE...: type each line into a fresh nsx, then capture
shot() {
	local name=$1 cols=$2 rows=$3 line
	shift 3
	# the C locale: ASCII tree lines, which ansilove's code page draws
	tmux -L "$SRV" -f /dev/null new-session -d -s shot -x "$cols" -y "$rows" \
		"env -i PATH=$PATH HOME=$TMP TERM=xterm-256color LC_ALL=C $NSX"
	wait_for 'nsx#' || { tmux -L "$SRV" kill-server; return 1; }
	for line in "$@"; do
		tmux -L "$SRV" send-keys -t shot -l "$line"
		tmux -L "$SRV" send-keys -t shot Enter
		sleep 0.4
	done
	tmux -L "$SRV" capture-pane -e -p -t shot | sed -e :a -e '/^\n*$/{$d;N;ba' -e '}' >"$TMP/$name.ans"
	tmux -L "$SRV" kill-server
	ansilove -q -c "$cols" -o "$OUT/$name.png" "$TMP/$name.ans" >/dev/null || return 1
	echo "screenshots/$name.png"
}

# something to show: a user namespace owned by another, a net namespace
unshare -Ur --net unshare -U sleep 600 </dev/null >/dev/null 2>&1 &
PIDS+=($!)
disown
sleep 0.3

shot ls-tree 110 30 'ls -T -t user -t net -o NS,TYPE,NPROCS,PID,USER,HELDBY,COMMAND'
shot levels 110 30 'unshare uts --hostname box' 'unshare pid --mount-proc' '!ps -e' 'levels' 'exit'
shot ns 110 16 'ns'
# a container: its shell, nsx's init at PID 1, its hostname, network and
# cgroups; and the plan of one, every step with why
shot run 110 24 'run --name web --memory 64m --pids 20' 'hostname; ps; ip -o link | cut -d: -f2; head -4 /proc/self/cgroup' 'exit'
shot run-plan 124 48 'run --dry-run --name demo'
# a lesson: a step explained, then passing its check after the command
shot lesson 110 46 'lesson start uts' 'unshare uts'
# the viewer: each screen, with a container-like process to show
# view_shot NAME KEY...: `nsx view`, then the keys, then capture
view_shot() {
	local name=$1 k
	shift
	tmux -L "$SRV" -f /dev/null new-session -d -s shot -x 120 -y 32 \
		"env -i PATH=$PATH HOME=$TMP TERM=xterm-256color LC_ALL=C $NSX view --delay 2"
	wait_for 'nsx view' || { tmux -L "$SRV" kill-server; return 1; }
	for k in "$@"; do
		tmux -L "$SRV" send-keys -t shot "$k"
		sleep 0.3
	done
	sleep 0.5
	# ansilove knows no "default colour" (39, 49): white on black is its default
	tmux -L "$SRV" capture-pane -e -p -t shot | sed 's/\x1b\[39m/\x1b[37m/g; s/\x1b\[49m/\x1b[40m/g' >"$TMP/$name.ans"
	tmux -L "$SRV" kill-server
	# one more column than the pane: a full-width line followed by a
	# newline would otherwise wrap in ansilove and leave a blank line
	ansilove -q -c 121 -o "$OUT/$name.png" "$TMP/$name.ans" >/dev/null || return 1
	echo "screenshots/$name.png"
}
unshare --uts --net --ipc --pid --fork --kill-child --mount-proc sh -c 'hostname web1; exec sleep 600' </dev/null >/dev/null 2>&1 &
PIDS+=($!)
disown
sleep 0.3
view_shot view-namespaces
view_shot view-tree 2
view_shot view-processes 3 / s l e e p Enter
view_shot view-detail t t t t t t t t Down Enter
