#!/bin/bash
# Attacks through `enter` (issue 15: finding 3, and the PID-reuse windows
# of finding 9). The untrusted side is a root container: its own command
# (the container's root, with the container's confinement) runs what the
# test gives it, and tries to reach what host root enters into it. Each
# attack must fail with nothing changed:
# - the entered process has the container's capability sets, no_new_privs,
#   its seccomp filter and its cgroup (a fork loop stops at its pids.max),
#   by name, by PID and by namespace file; fds 0-2 only;
# - the container's root cannot ptrace the entered nsx (PTRACE_MODE_ATTACH,
#   as /proc/PID/mem checks it), nor open its /proc/PID/exe, fds, environ;
# - the REPL works there: levels, programs, exit back (and on a terminal,
#   the prompt and readline);
# - --unconfined gives all of root's capabilities, and says so;
# - a lesson's sh check at the confined level runs confined; at an
#   --unconfined level, no sh check or cleanup line runs;
# - a record whose PID is another process now (crafted in a scratch state
#   directory) is refused, not entered; a student's crafted record too;
# - the mystery process is killed through a pidfd, and a PID that is
#   another process's now is never signalled;
# - when the container ends while someone is entered, its cgroup and record
#   go as always.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/nsproc.sh"

TOP=${NSX_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
if ! need_root; then done_testing; exit; fi

# root's, 0700, on a path only root can write (no /tmp): the state, lesson
# and progress directories given to nsx here
T=$(mktemp -d /run/nsx-xe-attack.XXXXXX)
on_exit "rm -rf '$T'"
export NSX_STATE_DIR=$T/state XDG_STATE_HOME=$T/xdg HOME=$T INPUTRC=/dev/null
NAME=xe-web-$$
PIDS_MAX=40

# status PID: the confinement lines of /proc/PID/status
status() { grep -E '^(CapInh|CapPrm|CapEff|CapBnd|CapAmb|NoNewPrivs|Seccomp):' "/proc/$1/status"; }
field() { awk -v f="$1:" '$1 == f { print $2 }'; }

# ---- the container: its command obeys the test, as the container's root ----

# /tmp/cmd is run by sh, its output in /tmp/out, its status in /tmp/done
LOOP='while :; do
	if [ -f /tmp/cmd ]; then
		mv /tmp/cmd /tmp/cmd.run; sh /tmp/cmd.run >/tmp/out 2>&1; echo $? >/tmp/d; mv /tmp/d /tmp/done
	fi
	sleep 0.1
done'
"$NSX" run --name "$NAME" --pids $PIDS_MAX -- sh -c "$LOOP" </dev/null >"$T/run.out" 2>&1 &
RUNPID=$!
on_exit "kill $RUNPID; wait $RUNPID"
REC=$NSX_STATE_DIR/$NAME
recorded() { awk -F= -v k="$1" '$1 == k { print substr($0, length(k) + 2) }' "$REC" 2>/dev/null; }
WAIT_TENTHS=300 wait_cond test -n "$(recorded pid | grep -v '^0$')"
CPID=$(recorded pid)
if [ -z "$CPID" ] || ! wait_cond test -n "$(tr -d ' ' </proc/"$CPID"/task/"$CPID"/children 2>/dev/null)"; then
	ok 1 "the container runs: $(cat "$T/run.out")"
	done_testing
	exit
fi
PAYLOAD=$(tr -d ' ' </proc/"$CPID"/task/"$CPID"/children)
ROOT=/proc/$CPID/root
CGS=$(recorded cgroup)
ok "$(test -n "$CGS"; echo $?)" "the container has a cgroup: $(echo $CGS)"

# as_ctr SCRIPT: run SCRIPT as the container's own root; its output
as_ctr() {
	rm -f "$ROOT/tmp/done" "$ROOT/tmp/out"
	printf '%s\n' "$1" >"$ROOT/tmp/cmd.new" && mv "$ROOT/tmp/cmd.new" "$ROOT/tmp/cmd"
	WAIT_TENTHS=150 wait_cond test -e "$ROOT/tmp/done" || { echo "(the container did not answer)"; return 99; }
	cat "$ROOT/tmp/out"
	return "$(cat "$ROOT/tmp/done")"
}

WANT=$(status "$PAYLOAD")
is "$(echo "$WANT" | field NoNewPrivs) $(echo "$WANT" | field Seccomp)" "1 2" \
	"(the container's command has no_new_privs and the seccomp filter)"
isnt "$(echo "$WANT" | field CapEff)" "$(status $$ | field CapEff)" \
	"(and fewer capabilities than the test's root)"
like "$(as_ctr 'id -u; grep CapEff /proc/self/status')" "^0
CapEff:	$(echo "$WANT" | field CapEff)\$" "(the container's root obeys the test, confined)"

# ---- enter NAME -- CMD: the container's confinement ----------------------

got=$("$NSX" enter "$NAME" -- grep -E '^(CapInh|CapPrm|CapEff|CapBnd|CapAmb|NoNewPrivs|Seccomp):' \
	/proc/self/status 2>"$T/err")
is "$got" "$WANT" "enter NAME: every capability set, no_new_privs and seccomp as the container's command"
is "$(echo "$got" | field CapInh)$(echo "$got" | field CapAmb)" 00000000000000000000000000000000 \
	"enter NAME: inheritable and ambient empty"
is "$(echo "$got" | field NoNewPrivs) $(echo "$got" | field Seccomp)" "1 2" "enter NAME: NoNewPrivs 1, Seccomp 2"
is "$(cat "$T/err")" "" "enter NAME -- CMD: nothing on stderr"

# by the PID of its first process, and by its mount namespace's file
got=$("$NSX" enter "$CPID" -- grep -E '^(CapEff|CapBnd|Seccomp):' /proc/self/status 2>&1)
is "$got" "$(echo "$WANT" | grep -E '^(CapEff|CapBnd|Seccomp):')" "enter PID (its first process): confined the same"
# (a process only in its mount namespace has no /proc/self there: read
# from here)
"$NSX" enter /proc/"$PAYLOAD"/ns/mnt -- sh -c 'exec sleep 1235' </dev/null >/dev/null 2>&1 &
EPID=$!
on_exit "kill_tree $EPID"
WAIT_TENTHS=50 wait_cond pgrep -f '^sleep 1235$' >/dev/null
got=$(status "$(pgrep -f '^sleep 1235$' | head -1)" | grep -E '^(CapEff|CapBnd|NoNewPrivs|Seccomp):')
is "$got" "$(echo "$WANT" | grep -E '^(CapEff|CapBnd|NoNewPrivs|Seccomp):')" \
	"enter /proc/PID/ns/mnt (its mount namespace, where its programs are): confined the same"
kill_tree $EPID
wait $EPID 2>/dev/null

# its cgroup: the entered process is listed in every dir of the record
"$NSX" enter "$NAME" -- sh -c 'exec sleep 1234' </dev/null >/dev/null 2>&1 &
EPID=$!
on_exit "kill_tree $EPID"
WAIT_TENTHS=50 wait_cond pgrep -f '^sleep 1234$' >/dev/null
SL=$(pgrep -f '^sleep 1234$' | head -1)
n=0
for d in $CGS; do grep -qx "${SL:-none}" "$d/cgroup.procs" && n=$((n + 1)); done
is "$n" "$(echo $CGS | wc -w)" "the entered command is in the container's cgroup (each of $(echo $CGS | wc -w) dirs)"
kill_tree $EPID
wait $EPID 2>/dev/null

# ---- the level: a REPL there, not to be touched from inside --------------

exec 7<>"$T/seven" 9</dev/null	# inheritable: nsx must not pass them on
mkfifo "$T/in"
"$NSX" <"$T/in" >"$T/lvl.out" 2>"$T/lvl.err" &
REPL=$!
on_exit "kill_tree $REPL"
exec 8>"$T/in"
exec 7>&- 9<&-
say() { printf '%s\n' "$@" >&8; }
say "enter $NAME" 'echo @fds' '/bin/ls /proc/self/fd' 'echo @levels' 'levels' 'echo @host' 'hostname' 'echo @ready'
WAIT_TENTHS=100 wait_cond grep -q '^@ready$' "$T/lvl.out"
after() { awk -v m="@$1" '$0 == m { on = 1; next } /^@/ { on = 0 } on' "$T/lvl.out" | tr '\n' ' '; }
like "$(head -1 "$T/lvl.out")" "^Level 1: in container '$NAME', confined as its own processes are \\(13 capabilities, no_new_privs, seccomp filter, its cgroup\\)" \
	"the level's first line says it is confined"
is "$(after fds)" "0 1 2 3 " "a program at the level sees fds 0-2 only (nsx had 7 and 9)"
like "$(after levels)" " 1\\* +[0-9]+ +[0-9]+ +cgroup,ipc,mnt,net,pid,uts +$NAME \\(confined\\) +enter $NAME " \
	"levels: the level is in the container, confined"
is "$(after host)" "$NAME " "a program there runs in the container"

# the level: REPL's child (the relay, outside the pid namespace), its child
RELAY=$(pgrep -P $REPL | head -1)
LVL=$(pgrep -P "${RELAY:-0}" -x nsx | head -1)
INSIDE=$(awk '$1 == "NSpid:" { print $NF }' /proc/"${LVL:-0}"/status 2>/dev/null)
is "$(readlink /proc/"${LVL:-0}"/ns/pid)" "$(readlink /proc/"$CPID"/ns/pid)" \
	"(the level is in the container's pid namespace, PID $INSIDE there)"
is "$(status "${LVL:-0}" | field CapEff) $(status "${LVL:-0}" | field Seccomp)" \
	"$(echo "$WANT" | field CapEff) 2" "the level itself (nsx's REPL) is confined"
# (a failed redirection of exec ends a shell: each in a subshell)
out=$(as_ctr "p=$INSIDE"'
test -d /proc/$p && echo visible
(exec 3</proc/$p/exe) && echo exe-opened
readlink /proc/$p/exe && echo exe-read
(exec 4</proc/$p/mem) && echo ptrace-allowed
for f in $(ls /proc/$p/fd); do readlink /proc/$p/fd/$f && echo fd-$f-reached; done
cat /proc/$p/environ >/dev/null && echo environ-read
true')
is "$(echo "$out" | grep -Ev 'Permission denied|Operation not permitted|^$')" "visible" \
	"the container's root sees the level but cannot ptrace it, open or read its exe, reach its fds or read its environ"
like "$out" "Permission denied|not permitted" "(each attempt was refused by the kernel)"

# a fork loop in a shell at the level: stopped by the container's pids.max
for d in $CGS; do [ -e "$d/pids.max" ] && PD=$d; done
maxed() { awk '$1 == "max" { print $2 }' "${PD:-/nonexistent}/pids.events" 2>/dev/null; }
before=$(maxed)
say "sh -c 'n=0; while [ \$n -lt 100 ]; do sleep 61 & n=\$((n+1)); done; echo forked \$n'"
maxed_again() { [ "$(maxed)" != "$before" ]; }
WAIT_TENTHS=150 wait_cond maxed_again
ok $? "a fork loop at the level meets the container's pids.max ($PIDS_MAX)"
sleep 0.5
# its sleeps, found in the container's cgroup (and only there), by PID
n=0
for d in $CGS; do
	for p in $(cat "$d/cgroup.procs"); do
		[ "$(tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null)" = "sleep 61 " ] && kill "$p" && n=$((n + 1))
	done
done
ok "$((n > 0 && n < 100 ? 0 : 1))" "(its $n sleeps were in the container's cgroup; removed)"
say 'echo @forked'
WAIT_TENTHS=100 wait_cond grep -q '^@forked$' "$T/lvl.out"
is "$(grep -c '^forked' "$T/lvl.out")" 0 "the loop's shell was stopped before its 100 forks"

# ---- --unconfined -----------------------------------------------------------

got=$("$NSX" enter --unconfined "$NAME" -- grep -E '^(CapEff|Seccomp):' /proc/self/status 2>"$T/err")
is "$got" "$(grep -E '^(CapEff|Seccomp):' /proc/$$/status)" "enter --unconfined: all of root's capabilities, no filter"
is "$(wc -l <"$T/err")" 1 "enter --unconfined warns in one line"
like "$(cat "$T/err")" "^nsx: enter: --unconfined: the programs of container '$NAME' run here with all your privileges" \
	"... saying that the container's programs get all privileges"
out=$(printf '%s\n' "enter --unconfined $NAME" 'levels' | "$NSX" 2>/dev/null)
like "$out" " 1\\* .* $NAME UNCONFINED" "levels marks an --unconfined level"

# ---- lesson checks -----------------------------------------------------------

# what the check and the cleanup line write goes to a directory only the
# container has: where they run, not on the host
M=/xe-marks-$NAME
mkdir "$T/les" "$ROOT$M"
cat >"$T/les/01-xe.lesson" <<EOF
title: Confined checks
objective: A sh check in a container's level runs confined, or not at all.
needs: root
cleanup: sh -c 'grep Seccomp: /proc/self/status > $M/cleanup'

step: Confined
check: sh grep Seccomp: /proc/self/status > $M/check; grep -Eq '^Seccomp:[[:space:]]+2' /proc/self/status
hint: enter the container
solution: enter the container
EOF
LES="lesson --lessons $T/les"
rm -f "$ROOT$M/check"
out=$(printf '%s\n' "$LES start xe" "enter $NAME" 'true' | "$NSX" 2>&1)
like "$out" "Step 1 of 1 done: Confined" "a lesson's sh check after a line at the confined level: it ran, confined"
like "$(cat "$ROOT$M/check" 2>&1)" '^Seccomp:[[:space:]]+2$' "(it ran in the container, with its filter)"
rm -f "$ROOT$M/check"
out=$(printf '%s\n' "$LES start xe" "enter --unconfined $NAME" 'true' 'lesson check' | "$NSX" 2>&1)
like "$out" "Not yet: not run: this level is in container '$NAME' unconfined \\(enter --unconfined\\)" \
	"at an --unconfined level the sh check is not run, and lesson check says why"
is "$(grep -c "This step's check is not run" <<<"$out")" 1 "(said once after a line, too)"
ok "$(test ! -e "$ROOT$M/check"; echo $?)" "(the container's sh did not run there)"

# a lesson the container provides at the lessons' path (its files, its
# mount namespace): its cleanup lines run confined, or not at all
mkdir -p "$ROOT$T/les" && cp "$T/les/01-xe.lesson" "$ROOT$T/les/"
rm -f "$ROOT$M/cleanup"
printf '%s\n' "enter $NAME" "$LES start xe" 'lesson reset' | "$NSX" >/dev/null 2>&1
like "$(cat "$ROOT$M/cleanup" 2>&1)" '^Seccomp:[[:space:]]+2$' "lesson reset at a confined level: the cleanup line ran confined"
rm -f "$ROOT$M/cleanup"
out=$(printf '%s\n' "enter --unconfined $NAME" "$LES start xe" 'lesson reset' | "$NSX" 2>&1)
ok "$(test ! -e "$ROOT$M/cleanup"; echo $?)" "lesson reset at an --unconfined level: no cleanup line ran"
like "$out" "nsx: lesson: the lesson's cleanup lines were not run: this level is in container '$NAME' unconfined" \
	"... and one line says why"

# ---- a PID that is another process now ------------------------------------

spawn unshare --uts --ipc --mount --pid --fork sleep 1000
VICTIM=$(leaf "$SPAWNED" sleep)
SD=$T/fake
mkdir -m 700 "$SD"
# run's record of the live container, as it was, but its PID is the victim's
sed "s/^pid=.*/pid=$VICTIM/; s/^name=.*/name=xe-reused/" "$REC" >"$SD/xe-reused"
# locked() FILE: a live run holds it
locked() { ! flock -n "$1" true; }
spawn flock -x "$SD/xe-reused" sleep 1000
wait_cond locked "$SD/xe-reused"
got=$(NSX_STATE_DIR=$SD "$NSX" enter xe-reused -- sh -c 'echo entered; readlink /proc/self/ns/uts' 2>"$T/err")
is "$?" 1 "enter NAME whose recorded PID is another process now: exit 1"
is "$got" "" "... nothing ran there"
like "$(cat "$T/err")" "^nsx: enter: container 'xe-reused': PID $VICTIM is not its first process any more" \
	"... one line says why: $(cat "$T/err")"
is "$(wc -l <"$T/err")" 1 "(one line)"
# a record of no identity (an older nsx's): refused too
grep -Ev '^(pidns|pid_start|timens)=' "$REC" | sed "s/^name=.*/name=xe-old/" >"$SD/xe-old"
spawn flock -x "$SD/xe-old" sleep 1000
wait_cond locked "$SD/xe-old"
got=$(NSX_STATE_DIR=$SD "$NSX" enter xe-old -- echo entered 2>"$T/err")
is "$got" "" "a record without the first process's identity is not entered"
like "$(cat "$T/err")" "^nsx: enter: container 'xe-old' was started by an older nsx" "... one line says why"

# a student's record, in a state directory of their own, naming root's
# container's first process: refused, nothing entered
TU=$(mktemp -d /run/nsx-xe-user.XXXXXX)
chmod 755 "$TU"
on_exit "rm -rf '$TU'"
H=$TU/home
mkdir -m 700 "$H"
if test_user "xe$$" "$H"; then
	mkdir -m 700 "$H/run"
	printf 'name=xe-stolen\nnsx_pid=1\npid=%s\npid_start=%s\npidns=4026531836\ntimens=0\ncaps=ffffffffff\nnnp=0\nseccomp=0\n' \
		"$CPID" "$(recorded pid_start)" >"$H/run/xe-stolen"
	chown -R "$ID:$GID" "$H"
	spawn "${AS[@]}" flock -x "$H/run/xe-stolen" sleep 1000
	wait_cond locked "$H/run/xe-stolen"
	got=$(cd / && NSX_STATE_DIR=$H/run "${AS[@]}" "$NSXB" enter xe-stolen -- echo entered 2>"$T/err")
	is "$?/$got" "1/" "a student's record naming root's container: exit 1, nothing entered"
	like "$(cat "$T/err")" "^nsx: enter: container 'xe-stolen': PID $CPID is not its first process" \
		"... one line: $(cat "$T/err")"
fi

# ---- the mystery process ------------------------------------------------------

export NSX_LESSONS=$TOP/tests/fixtures/lessons
# killed when the lesson changes: through a pidfd, then waitid on it
out=$(printf '%s\n' 'lesson start secret' 'echo MYSTERY=$NSX_MYSTERY_PID' 'lesson start demo' |
	strace -f -qq -e trace=kill,pidfd_send_signal -o "$T/strace" "$NSX" 2>&1)
MP=$(echo "$out" | sed -n 's/^MYSTERY=//p')
like "$MP" '^[0-9]+$' "(a mystery process ran: $MP)"
like "$(grep pidfd_send_signal "$T/strace")" "pidfd_send_signal\\([0-9]+, SIGKILL" "the mystery is killed through a pidfd"
is "$(grep -c "kill($MP, " "$T/strace")" 0 "... never by its PID"
# a progress record whose mystery PID is another process now: left alone
# (one started later: a start time is in clock ticks, 10 ms)
P=$XDG_STATE_HOME/nsx/progress
printf '%s\n' 'lesson start secret' | "$NSX" >/dev/null 2>&1
sleep 0.1
sleep 1000 </dev/null >/dev/null 2>&1 &
V=$!
on_exit "kill $V"
sed -i -E "s/^mystery [0-9]+ /mystery $V /" "$P"
grep -q "^mystery $V " "$P"
ok $? "(the progress file names process $V as the mystery)"
printf '%s\n' 'lesson start demo' | "$NSX" >/dev/null 2>&1
ok "$(kill -0 $V 2>/dev/null; echo $?)" "that process is not killed when the lesson changes"

# ---- on a terminal -------------------------------------------------------------

if command -v tmux >/dev/null; then
	SOCK=nsxxe$$
	. "$(dirname "$0")/tmux.sh"
	start_cmd "env HOME=$T XDG_STATE_HOME=$T/tty NSX_STATE_DIR=$NSX_STATE_DIR INPUTRC=/dev/null TERM=screen $NSX" 150 40
	wait_line 'nsx#'
	run_line "enter $NAME"
	P1="nsx[1 cgroup,ipc,mnt,net,pid,uts $NAME]#"
	wait_line "$P1"
	ok $? "on a terminal: the prompt at the confined level is '$P1 '"
	run_line 'grep Seccomp: /proc/self/status'
	wait_screen '^Seccomp:[[:space:]]+2$' && wait_line "$P1"
	ok $? "readline reads a line there, and the program runs confined"
	run_line 'exit'
	wait_line 'nsx#'
	ok $? "exit: back at the start's prompt"
else
	skip "tmux is not installed"
fi

# ---- the container ends while a level is in it -----------------------------

say 'echo @still' 'true' 'echo @still-ok'
WAIT_TENTHS=50 wait_cond grep -q '^@still-ok$' "$T/lvl.out"
ok $? "(the confined level is still there)"
kill $RUNPID	# nsx run passes it on: its command ends, the container with it
WAIT_TENTHS=100 wait_cond sh -c "! kill -0 $RUNPID 2>/dev/null"
ok $? "the container ends with a level still in it"
ok "$(test ! -e "$REC"; echo $?)" "its record is removed"
n=0
for d in $CGS; do [ -d "$d" ] && n=$((n + 1)); done
is "$n" 0 "its cgroup is removed"
say 'echo @back' 'levels'
WAIT_TENTHS=50 wait_cond grep -q '^ *0\* ' "$T/lvl.out"
ok $? "the shell that entered it is back at level 0"
exec 8>&-

done_testing
