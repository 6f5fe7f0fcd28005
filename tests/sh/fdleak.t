#!/bin/bash
# No fd but 0, 1 and 2 reaches a program nsx starts (issue 9), wherever it
# starts it: at a level opened by unshare and by enter, the payload of `nsx
# run` (built-in rootfs, --image tarball, --net veth), and a lesson's `sh`
# check. nsx itself is started with extra fds open and inheritable (7 and 9,
# as a careless caller would leave them), so that a leak of those would show
# too, beside a leak of nsx's own (a /proc dirfd, a sync pipe, a pidfd).
# The first level's programs, in -c and script mode, are in repl-script.t.
#
# The checker is `ls /proc/self/fd`: ls opens the directory itself, so a
# clean program lists exactly 0 1 2 3.
. "$(dirname "$0")/lib.sh"

TMP=$(mktemp -d /tmp/nsx-fdleak.XXXXXX)
chmod 755 "$TMP"
on_exit "rm -rf '$TMP'"
export HOME=$TMP XDG_STATE_HOME=$TMP/state INPUTRC=/dev/null
export NSX_CACHE_DIR=$TMP/cache NSX_STATE_DIR=$TMP/run
TAG=fdl$$
CLEAN="0 1 2 3 "

# inheritable (no O_CLOEXEC: bash's redirections) for everything below
exec 7<>"$TMP/seven" 9</dev/null
check "the test holds fds 7 and 9 open, for nsx to inherit" test -e /proc/$$/fd/7 -a -e /proc/$$/fd/9

# after MARKER < output: the fds listed after the line @MARKER, on one line
after() { awk -v m="@$1" '$0 == m { on = 1; next } /^@/ { on = 0 } on' | tr '\n' ' '; }

if [ "$(id -u)" != 0 ]; then
	skip "levels in new namespaces, enter, run: need root"
	done_testing
	exit
fi

# ---- levels: unshare and enter ----------------------------------------------

# a demo process with namespaces of its own, stopped by PID at exit
unshare --fork --kill-child -u -i sleep 300 </dev/null >/dev/null 2>&1 &
UP=$!
on_exit "kill -9 $UP"
WAIT_TENTHS=50 wait_cond eval '[ -n "$(tr -d " " </proc/$UP/task/$UP/children 2>/dev/null)" ]'
SP=$(tr -d ' ' </proc/$UP/task/$UP/children)

printf '%s\n' 'echo @top' '/bin/ls /proc/self/fd' \
	'unshare uts ipc mnt pid net' 'echo @unshare' '/bin/ls /proc/self/fd' \
	'echo @unshare-sh' '/bin/ls /proc/self/fd | cat' \
	'unshare uts' 'echo @nested' '/bin/ls /proc/self/fd' 'exit' 'exit' \
	"enter $SP" 'echo @enter' '/bin/ls /proc/self/fd' \
	'echo @enter-sh' "sh -c 'ls /proc/self/fd'" 'exit' \
	'echo @enter-cmd' "enter $SP -- /bin/ls /proc/self/fd" |
	"$NSX" >"$TMP/levels" 2>"$TMP/levels.err"
is "$(after top <"$TMP/levels")" "$CLEAN" "the first level: a program sees fds 0-2 only (nsx got 7 and 9)"
is "$(after unshare <"$TMP/levels")" "$CLEAN" "a level after unshare (uts ipc mnt pid net): fds 0-2 only"
is "$(after unshare-sh <"$TMP/levels")" "$CLEAN" "... a line run through sh there too"
is "$(after nested <"$TMP/levels")" "$CLEAN" "a level two deep: fds 0-2 only"
is "$(after enter <"$TMP/levels")" "$CLEAN" "a level after enter: fds 0-2 only"
is "$(after enter-sh <"$TMP/levels")" "$CLEAN" "... sh -c there too"
is "$(after enter-cmd <"$TMP/levels")" "$CLEAN" "enter PID -- CMD: fds 0-2 only"
is "$(grep -Ev 'could not be read|^nsx: leaving level' "$TMP/levels.err")" "" "the levels session gave no error"

# ---- run: the container's payload -------------------------------------------

out=$("$NSX" run --name $TAG-a -- ls /proc/self/fd 2>&1 | tr '\n' ' ')
is "$out" "$CLEAN" "run (built-in rootfs, nsx's init): the payload sees fds 0-2 only"
out=$("$NSX" run --name $TAG-b --no-init -- ls /proc/self/fd 2>&1 | tr '\n' ' ')
is "$out" "$CLEAN" "run --no-init: the payload sees fds 0-2 only"
out=$(printf '%s\n' "run --name $TAG-c -- ls /proc/self/fd" | "$NSX" 2>&1 | tr '\n' ' ')
is "$out" "$CLEAN" "run from the shell's prompt: fds 0-2 only"

rootfs=$(ls -d "$NSX_CACHE_DIR"/rootfs/busybox-*/root 2>/dev/null | head -1)
if [ -n "$rootfs" ] && tar -C "$rootfs" -czf "$TMP/img.tar.gz" .; then
	out=$("$NSX" run --name $TAG-d --image "$TMP/img.tar.gz" -- ls /proc/self/fd 2>&1 | tr '\n' ' ')
	is "$out" "$CLEAN" "run --image TARBALL: the payload sees fds 0-2 only"
else
	ok 1 "run --image: no built-in rootfs in $NSX_CACHE_DIR/rootfs to make a tarball of"
fi

# --net veth: a veth pair, in a network namespace this test made
NETNS=nsxfdl$$
if ip netns add $NETNS 2>/dev/null; then
	on_exit "ip netns del $NETNS"
	out=$(nsenter --net=/run/netns/$NETNS "$NSX" run --name $TAG-e --net veth:10.231.9.0/30 -- \
		ls /proc/self/fd 2>&1 | tr '\n' ' ')
	is "$out" "$CLEAN" "run --net veth: the payload sees fds 0-2 only"
else
	skip "cannot make a network namespace for --net veth"
fi

# ---- a lesson's sh check -----------------------------------------------------

mkdir -p "$TMP/lessons"
cat >"$TMP/lessons/01-fds.lesson" <<EOF
title: Fds
objective: What a check's sh sees.
needs: rootless
text:
  The fd test lesson.

step: List the fds
text:
  The check lists its own fds.
check: sh ls /proc/self/fd >$TMP/lesson-fds
hint: Nothing to do.
solution: true
EOF
printf '%s\n' 'lesson start fds' 'lesson check' 'unshare uts' 'lesson check' 'exit' |
	NSX_LESSONS=$TMP/lessons "$NSX" >/dev/null 2>"$TMP/lesson.err"
is "$(tr '\n' ' ' <"$TMP/lesson-fds" 2>/dev/null)" "$CLEAN" "a lesson's sh check sees fds 0-2 only"

# ---- the shell of view's `e` -------------------------------------------------
# on a terminal: tmux, as view-tty.t drives the viewer

if command -v tmux >/dev/null; then
	SOCK=nsxfdl$$
	. "$(dirname "$0")/tmux.sh"
	ENV="env HOME=$TMP XDG_STATE_HOME=$TMP/state INPUTRC=/dev/null TERM=screen"
	start_cmd "exec 7<>$TMP/seven 9</dev/null; $ENV $NSX view --delay 0.3 --mono --screen processes --filter $SP" 120 30
	wait_screen "^ +$SP +$SP "
	keys e
	wait_screen "^nsx\\[1 [^]]*\\]#"
	run_line "/bin/ls /proc/self/fd >$TMP/view-fds"
	WAIT_TENTHS=50 wait_cond test -s "$TMP/view-fds"
	run_line exit
	wait_screen "^nsx view +1 namespaces"
	keys q
	is "$(tr '\n' ' ' <"$TMP/view-fds" 2>/dev/null)" "$CLEAN" "the level view's e opens: a program there sees fds 0-2 only"
else
	skip "view's e needs a terminal: tmux is not installed"
fi

done_testing
