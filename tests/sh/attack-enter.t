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
# - its pid namespace is never joined without its mount namespace (by
#   name, PID, namespace file, with other types, --root, --wd): the
#   container's root reads and writes no host file through the level's
#   /proc/PID/root or cwd; a process in its pid namespace but not its mount
#   namespace (nsenter -p) is refused as a target;
# - at a level in its namespaces (confined or not), a lesson from a path
#   the container decides is refused, and root's history is not appended
#   to the container's file at that path;
# - a record whose PID is another process now (crafted in a scratch state
#   directory) is refused, not entered; a student's record too, where the
#   student could enter that process (so the refusal is the check's);
# - root entering a student's namespaces (unshare -Urm, the student's own
#   mounts: a tmpfs for a planted lesson, root's history path bound onto a
#   root-owned host file): one line warns; root stays root there, so a
#   --lessons path is refused, a lesson loaded before runs no sh check as
#   root there, and `run` is refused; what root types is appended to
#   root's history, never to the host file the student bound at its path;
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
WAIT_TENTHS=300 wait_cond eval '[ -n "$(recorded pid | grep -v "^0$")" ]'
CPID=$(recorded pid)
if [ -z "$CPID" ] || ! wait_cond eval '[ -n "$(tr -d " " </proc/"$CPID"/task/"$CPID"/children 2>/dev/null)" ]'; then
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

# ---- its pid namespace, never without its mount namespace ------------------

# a host file only root can read, and a host directory: what the container's
# root must not reach through a level in its pid namespace
echo "xf-secret-$$" >"$T/secret"
chmod 600 "$T/secret"
mkdir "$T/hostdir"
# attack PID: as the container's root, through the /proc links of PID (as
# its pid namespace sees it): read host files, write into a host directory
attack() {
	as_ctr "p=$1"'
cat /proc/$p/root'"$T"'/secret /proc/$p/root/etc/os-release 2>/dev/null | head -2
touch /proc/$p/root'"$T"'/hostdir/planted 2>/dev/null
true'
}
# where PID is: its mount namespace, root and working directory
where() { echo "$(readlink /proc/"$1"/ns/mnt) $(stat -L -c %d:%i /proc/"$1"/root /proc/"$1"/cwd | tr '\n' ' ')"; }
i=0
for args in "$NAME pid" "$NAME pid net" "$CPID pid" "/proc/$CPID/ns/pid" "--wd $NAME pid" \
	"--root $NAME pid" "--unconfined $NAME pid"; do
	i=$((i + 1))
	# shellcheck disable=SC2086
	"$NSX" enter $args -- sh -c "exec sleep 125$i" </dev/null >/dev/null 2>&1 &
	EPID=$!
	on_exit "kill_tree $EPID"
	WAIT_TENTHS=50 wait_cond pgrep -f "^sleep 125$i\$" >/dev/null
	SL=$(pgrep -f "^sleep 125$i\$" | head -1)
	is "$(where "${SL:-0}")" "$(where "$CPID")" \
		"enter $args: in the container's mount namespace too, with its root and working directory"
	out=$(attack "$(awk '$1 == "NSpid:" { print $NF }' /proc/"${SL:-0}"/status 2>/dev/null)")
	is "$out$(ls "$T/hostdir")" "" "... its root reads no host file and writes none through the level's /proc/PID/root"
	kill_tree $EPID
	wait $EPID 2>/dev/null
	rm -f "$T/hostdir/planted"
done
# a process in its pid namespace but not its mount namespace: the host's
# mounts, root and cwd come with it
spawn nsenter -t "$CPID" -p -- sleep 1260
NP=$(leaf "$SPAWNED" sleep)
got=$("$NSX" enter "${NP:-0}" -- echo entered 2>"$T/err")
is "$?/$got" "1/" "enter a process in its pid namespace but not its mount namespace (nsenter -p): refused, nothing ran"
like "$(cat "$T/err")" "^nsx: enter: process $NP is in the pid namespace of container '$NAME' but not in its mount namespace" \
	"... one line says why: $(cat "$T/err")"

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

# a lesson the container provides at the lessons' path (its files: uid 0
# there is its root, so they pass for root's): not loaded in its levels,
# confined or not; none of its lines runs
mkdir -p "$ROOT$T/les"
sed 's/^title: .*/title: The container'"'"'s own/; s|'"$M/|$M/ctr-|g" "$T/les/01-xe.lesson" >"$ROOT$T/les/01-xe.lesson"
for how in "" "--unconfined "; do
	rm -f "$ROOT$M/ctr-check" "$ROOT$M/ctr-cleanup"
	out=$(printf '%s\n' "enter $how$NAME" "$LES start xe" 'true' 'lesson reset' | "$NSX" 2>&1)
	like "$out" "nsx: lesson: --lessons $T/les: level 1 is in namespaces entered with 'enter $how$NAME', where another decides what a path names and who owns it: as root, nsx takes no path there" \
		"enter $how$NAME, then --lessons: refused, in one line"
	ok "$(! grep -q "The container's own" <<<"$out" && test ! -e "$ROOT$M/ctr-check" && test ! -e "$ROOT$M/ctr-cleanup"; echo $?)" \
		"... the container's lesson was not shown, and neither its check nor its cleanup ran there"
done

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

# a student's record, in a state directory of their own, naming a process
# of theirs that they could enter, with the start time of another: refused;
# with its own, entered (so the refusal is the identity check's, not the
# kernel's)
TU=$(mktemp -d /run/nsx-xf-user.XXXXXX)
chmod 755 "$TU"
on_exit "rm -rf '$TU'"
H=$TU/home
mkdir -m 700 "$H"
STUDENT=
if test_user "xf$$" "$H"; then
	STUDENT=xf$$
	# (0755: root's programs in the student's namespaces have no
	# capability there, only root's uid, and must see what is in it)
	chown "$ID:$GID" "$H"
	chmod 755 "$H"
	mkdir -m 700 "$H/run"
	spawn "${AS[@]}" unshare -Ur --uts sleep 1000
	SS=$SPAWNED
	# (functions: wait_cond runs them again each time, a $(...) is read once)
	ss_unshared() { [ "$(readlink /proc/$SS/ns/uts)" != "$(readlink /proc/self/ns/uts)" ]; }
	wait_cond ss_unshared
	start=$(sed 's/.*) //' /proc/"$SS"/stat | awk '{ print $20 }')
	record() {	# NAME START
		printf 'name=%s\nnsx_pid=1\npid=%s\npid_start=%s\npidns=%s\ntimens=%s\ncaps=ffffffffff\nnnp=0\nseccomp=0\n' \
			"$1" "$SS" "$2" "$(nsino "$SS" pid)" "$(nsino $$ time)" >"$H/run/$1"
		chown -R "$ID:$GID" "$H/run"
		spawn "${AS[@]}" flock -x "$H/run/$1" sleep 1000
		wait_cond locked "$H/run/$1"
	}
	record xf-stolen $((start + 1))
	got=$(cd / && NSX_STATE_DIR=$H/run "${AS[@]}" "$NSXB" enter xf-stolen -- echo entered 2>"$T/err")
	is "$?/$got" "1/" "a student's record whose PID is a process of theirs, with another start time: exit 1, nothing entered"
	like "$(cat "$T/err")" "^nsx: enter: container 'xf-stolen': PID $SS is not its first process" \
		"... one line: $(cat "$T/err")"
	record xf-own "$start"
	got=$(cd / && NSX_STATE_DIR=$H/run "${AS[@]}" "$NSXB" enter xf-own -- echo entered 2>&1)
	is "$got" "entered" "(the same record with that process's own start time: entered)"
fi

# ---- root in a student's namespaces -----------------------------------------

# the student's namespaces: a lesson planted on a tmpfs of theirs (its
# files show as uid 0, root's, to a process in their user namespace), and
# root's history path (under $T) bound onto a root-owned host file; HD a
# root-owned host directory the student cannot write, and a file in it
HD=$(mktemp -d /run/nsx-xf-hd.XXXXXX)
on_exit "rm -rf '$HD'"
chmod 755 "$HD"
echo victim >"$HD/victim"
chmod 644 "$HD/victim"
SPID=
if [ -n "$STUDENT" ]; then
	mkdir -m 755 "$H/les"
	chown "$ID:$GID" "$H/les"
	printf '%s\n' 'title: Planted' 'objective: runs as root' 'needs: rootless' 'step: Planted' "check: sh touch $HD/planted" \
		'hint: none' 'solution: none' >"$TU/evil.lesson"
	chmod 644 "$TU/evil.lesson"
	spawn "${AS[@]}" unshare -Urm --propagation private sh -c "
		mount -t tmpfs -o mode=0755 xf '$H/les' && mkdir '$H/les/inside' &&
		cp '$TU/evil.lesson' '$H/les/01-xf-evil.lesson' &&
		mount -t tmpfs -o mode=0700 xf '$T' && mkdir -p '$T/tty/nsx' && : >'$T/tty/nsx/history' &&
		mount --bind '$HD/victim' '$T/tty/nsx/history' && exec sleep 1000"
	SPID=$SPAWNED
	spid_sleeps() { [ "$(tr -d '\0' </proc/"$SPID"/cmdline 2>/dev/null)" = "sleep1000" ]; }
	WAIT_TENTHS=50 wait_cond spid_sleeps
	is "$(cat /proc/"$SPID"/root"$T"/tty/nsx/history 2>&1)" "victim" \
		"(in the student's namespaces, root's history path is the host's $HD/victim)"
fi
if [ -n "$SPID" ]; then
	# a lesson of root's (loaded at the start): its check would find the
	# student's tmpfs at the level, and leave a mark in HD (as root, the
	# owner of HD: in a file system of the student's, root's uid is not
	# mapped and can make nothing)
	mkdir "$T/les3"
	printf '%s\n' "title: Root's own" 'objective: a check that must not run as root in a student'"'"'s namespaces' \
		'needs: root' 'step: Checked' "check: sh if [ -d $H/les/inside ]; then touch $HD/ran-as-root; fi; false" \
		'hint: none' 'solution: none' >"$T/les3/01-xf-stu.lesson"
	out=$(printf '%s\n' "lesson --lessons $T/les3 start xf-stu" "enter $SPID" 'true' \
		"lesson --lessons $H/les start xf-evil" 'true' | "$NSX" 2>&1)
	like "$out" "nsx: enter: the namespaces of process $SPID belong to uid $ID: the programs at this level are that user's, and run as root" \
		"enter a student's process: one line says their programs run as root there"
	like "$out" "This step's check is not run: level 1 is in namespaces entered with 'enter $SPID', whose programs would run as root" \
		"a lesson loaded before: its sh check is not run there, and the step says why"
	ok "$(test ! -e "$HD/ran-as-root"; echo $?)" "(the check did not run in the student's namespaces)"
	like "$out" "nsx: lesson: --lessons $H/les: level 1 is in namespaces entered with 'enter $SPID'" \
		"root stays root there: --lessons (the student's tmpfs, uid 0 there) is refused"
	ok "$(test ! -e "$HD/planted" && ! grep -q 'Planted' <<<"$out"; echo $?)" \
		"... the planted lesson was neither shown nor checked (nothing made in the root-owned host directory)"
	out=$(printf '%s\n' "enter $SPID" "run -- true" | "$NSX" 2>&1)
	like "$out" "nsx: run: level 1 is in namespaces entered with 'enter $SPID': as root, nsx runs no container there" \
		"run there: refused, in one line"
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
	# root's history path in the container: a file of the container's root
	mkdir -p "$ROOT$T/tty/nsx"
	: >"$ROOT$T/tty/nsx/history"
	start_cmd "env HOME=$T XDG_STATE_HOME=$T/tty NSX_STATE_DIR=$NSX_STATE_DIR INPUTRC=/dev/null TERM=screen $NSX" 150 40
	wait_line 'nsx#'
	run_line "enter $NAME"
	P1="nsx[1 cgroup,ipc,mnt,net,pid,uts $NAME]#"
	wait_line "$P1"
	ok $? "on a terminal: the prompt at the confined level is '$P1 '"
	run_line 'grep Seccomp: /proc/self/status'
	wait_screen '^Seccomp:[[:space:]]+2$' && wait_line "$P1"
	ok $? "readline reads a line there, and the program runs confined"
	is "$(grep -c '^grep Seccomp' "$ROOT$T/tty/nsx/history")/$(grep -c '^grep Seccomp' "$T/tty/nsx/history")" "0/1" \
		"the line typed there is in root's history, not in the container's file at its path"
	run_line 'exit'
	wait_line 'nsx#'
	ok $? "exit: back at the start's prompt"
	if [ -n "$SPID" ]; then
		run_line "enter $SPID"
		wait_screen "belong to uid $ID" && wait_line "nsx[1 mnt,user $(hostname)]\$"
		ok $? "on a terminal: enter the student's process (warned)"
		run_line "echo xf-typed-$$"
		wait_screen "^xf-typed-$$\$"
		run_line 'exit'
		wait_line 'nsx#'
		is "$(cat "$HD/victim")/$(grep -c "^echo xf-typed-$$\$" "$T/tty/nsx/history")" "victim/1" \
			"what root typed there is in root's history; the host file the student bound at its path is untouched"
	fi
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
