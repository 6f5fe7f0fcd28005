#!/bin/bash
# VM matrix (tests/vm): a student's limits on a systemd machine. The
# user's systemd manager (systemd --user, what logind starts as
# user@UID.service, in the subtree systemd's Delegate=yes gives the user,
# with the D-Bus session bus it activates) runs in the VM; the student's
# shell is in a terminal's scope of that manager (app.slice/term.scope),
# with other processes. `nsx run --memory/--pids` asks the manager over
# D-Bus for a delegated scope of its own (as systemd-run --user --scope -p
# Delegate=yes would), moves into it, and makes the container's cgroup
# there: the limits bite, the container sees them, systemd knows the scope
# and collects it when nsx ends, nothing is made in app.slice. Also
# through the D-Bus session bus where systemd's own socket is not found,
# beside the shell where neither is, from the shell (two runs, one scope),
# doctor's words, and a login's session-N.scope (root's), from which only
# the system manager can move nsx: the VM has none, and run and doctor say
# so in one line.
. "$(dirname "$0")/../sh/lib.sh"
. "$(dirname "$0")/vmlib.sh"

need_root || { done_testing; exit; }
if [ ! -f /sys/fs/cgroup/cgroup.subtree_control ]; then
	skip "no cgroup v2 at /sys/fs/cgroup"
	done_testing; exit
fi
SYSTEMD=/lib/systemd/systemd
[ -x "$SYSTEMD" ] || { skip "systemd is needed (the user's manager)"; done_testing; exit; }
user_home sd xs$$ || { done_testing; exit; }
delegate "$U"
ok $? "a delegated subtree: $DELEG"

# the manager: systemd --user refuses to start where the system was not
# booted with systemd (sd_booted: /run/systemd/system), as in this VM
if [ ! -d /run/systemd/system ]; then
	mkdir -p /run/systemd/system && on_exit "rmdir /run/systemd/system"
fi
URUN=/run/user/$ID
mkdir -p "$URUN" && chown "$U:$GID" "$URUN" && chmod 700 "$URUN"
on_exit "rm -rf '$URUN'"
mkdir "$DELEG/init.scope" && chown "$U" "$DELEG/init.scope" "$DELEG/init.scope/cgroup.procs"
(
	echo "$BASHPID" >"$DELEG/init.scope/cgroup.procs" || exit
	exec "${AS[@]}" env -i HOME="$T" USER="$U" LOGNAME="$U" XDG_RUNTIME_DIR="$URUN" \
		PATH=/usr/bin:/bin "$SYSTEMD" --user
) >"$T/manager.log" 2>&1 &
manager=$!
on_exit "kill -TERM $manager; WAIT_TENTHS=100 wait_cond gone $manager"
up() { [ -S "$URUN/bus" ] && [ -S "$URUN/systemd/private" ]; }
WAIT_TENTHS=300 wait_cond up
ok $? "the user's systemd manager runs, with its D-Bus session bus ($URUN/bus)" ||
	sed 's/^/#   /' "$T/manager.log"
sysd() { "${AS[@]}" env XDG_RUNTIME_DIR="$URUN" systemctl --user "$@"; }
forks='/bin/sh -c "i=0; while [ \$i -lt 30 ]; do sleep 5 & i=\$((i + 1)); done; echo forked" 2>&1'

# ---- from a terminal's scope of the manager, with the login's shell ----

scope term
bg login "exec sleep 900"
out=$(in_scope user "'$NSXB' run --pids 10 --memory 32m -- cat /sys/fs/cgroup/pids.max /sys/fs/cgroup/memory.max; echo rc=\$?")
is "$(echo "$out" | nonote | paste -sd' ')" "10 33554432 rc=0" \
	"nsx beside the shell in a terminal's scope: run --pids 10 --memory 32m runs, the limits are seen inside"

bg side "exec '$NSXB' run --name sd-$$ --pids 10 -- sleep 60"
S=$DELEG/app.slice/nsx-$side.scope
procs2() { [ "$(grep -c . "$S/nsx-sd-$$/cgroup.procs" 2>/dev/null)" = 2 ]; }
WAIT_TENTHS=300 wait_cond procs2
is "$(find "$DELEG" -name "nsx-sd-$$" -type d)" "$S/nsx-sd-$$" \
	"... its cgroup is in a scope systemd made for nsx (app.slice/nsx-PID.scope), nsx in its leaf there"
is "$(cat "$S/nsx.leaf/cgroup.procs" 2>&1)|$(cat "$S/nsx-sd-$$/pids.max" 2>&1)" "$side|10" \
	"... nsx in the scope's leaf, the container in nsx-NAME with its limit"
is "$(sysd show -p Delegate -p ActiveState "nsx-$side.scope" 2>&1 | sort | paste -sd' ')" \
	"ActiveState=active Delegate=yes" "... systemd knows the scope: active, delegated"
is "$(cat "$SCOPE/cgroup.procs" | paste -sd' ')|$(cat "$SCOPE/cgroup.subtree_control")|$(cd "$DELEG/app.slice" && ls -d nsx-* 2>&1)" \
	"$login||nsx-$side.scope" \
	"... the shell's scope is left as it was, and nsx made nothing in app.slice (systemd's to manage)"
kill -TERM "$side"
WAIT_TENTHS=100 wait_cond gone "$side"
collected() { [ ! -d "$S" ]; }
WAIT_TENTHS=100 wait_cond collected
ok $? "... SIGTERM ends it, and systemd removes the scope (empty) with the cgroups in it"
is "$(nonote <"$T/side.err")" "" "... and nsx said nothing"

out=$(in_scope user "'$NSXB' run --pids 10 -- $forks; echo rc=\$?")
like "$(echo "$out" | paste -sd' ')" "can't fork.* rc=2$" "--pids 10 stops a fork loop there"
out=$(in_scope user "'$NSXB' run --memory 16m -- dd if=/dev/zero of=/dev/null bs=64M count=1; echo rc=\$?")
like "$(echo "$out" | nonote | paste -sd'|')" "^nsx: run: the container's memory limit \(16M\) was reached: the kernel killed 1 process in it \(OOM\)[^|]*\|rc=137$" \
	"--memory 16m: an OOM kill (137), said in one line"

# the shell: its first run moves nsx into a scope, the next finds it there
out=$(in_scope user "printf '%s\n' 'run --pids 5 -- cat /sys/fs/cgroup/pids.max' 'run --pids 7 -- cat /sys/fs/cgroup/pids.max' | '$NSXB'")
is "$(echo "$out" | nonote | paste -sd' ')" "5 7" "the shell: two runs, each with its limit (one scope for the shell)"

# systemd's own socket is asked first, as systemctl --user asks it; where
# it is not ($XDG_RUNTIME_DIR elsewhere), the D-Bus session bus
out=$(in_scope user "XDG_RUNTIME_DIR=$T DBUS_SESSION_BUS_ADDRESS=unix:path=$URUN/bus '$NSXB' run --pids 9 -- cat /sys/fs/cgroup/pids.max")
is "$(echo "$out" | nonote)" "9" "no \$XDG_RUNTIME_DIR/systemd/private: nsx asks systemd over the D-Bus session bus"
out=$(in_scope user "XDG_RUNTIME_DIR=$T DBUS_SESSION_BUS_ADDRESS=unix:path=$T/no-bus '$NSXB' run --pids 9 -- cat /sys/fs/cgroup/pids.max")
is "$(echo "$out" | nonote)" "9" "neither answers: beside the shell's scope, in app.slice (the user's), as without systemd"

doc=$(in_scope user "'$NSXB' doctor" | grep -E '^[a-zA-Z]+ +cgroup limits: ')
like "$doc" "^ok +cgroup limits: memory pids cpu usable by $U \(nsx-NAME in a scope systemd [0-9][0-9.]* delegates to nsx, asked over D-Bus\)$" \
	"doctor says what run does: $doc"
is "$(cd "$DELEG/app.slice" && ls -d nsx-* 2>/dev/null)" "" "doctor asked for no scope"

# ---- from a login's session scope (root's, in root's user-UID.slice) ----

# systemd's user manager cannot move a process out of a cgroup it does
# not own: it asks the system manager (AttachProcessesToUnit), which a
# systemd machine has and this VM has not
SCOPE=${DELEG%/*}/session-9.scope
mkdir "$SCOPE"
bg login2 "exec sleep 900"
out=$(in_scope user "'$NSXB' run --name s9-$$ --pids 10 -- echo ran; echo rc=\$?")
like "$(echo "$out" | nonote | paste -sd'|')" "^nsx: run: cgroup $SCOPE has processes besides nsx.*its parent is owned by uid 0, not by you; and systemd [0-9.]+, the user's systemd manager, cannot move nsx out of $SCOPE, which is not yours, without the system manager, and PID 1 here is not systemd .*; or --limits=try to run without them\|rc=125$" \
	"a session's scope, no system manager to move nsx: exit 125, one line that says so"
sed 's/^/#   /' <<<"$out"
why=$(echo "$out" | sed -n 1p | sed "s/^nsx: run: //; s/; or --limits=try to run without them\$//")
doc=$(in_scope user "'$NSXB' doctor" | grep -E '^[a-zA-Z]+ +cgroup limits: ')
is "${doc#*refuses: }" "$why (fix: as it says, or run --limits=try to run without limits)" "... doctor says the same words"
is "$(cat "$SCOPE/cgroup.procs" | paste -sd' ')|$(find "$DELEG" -name 'nsx-*')" "$login2|" \
	"... nothing moved, nothing made"

kill -TERM $manager
WAIT_TENTHS=100 wait_cond gone $manager
ok $? "the manager stops"
done_testing
