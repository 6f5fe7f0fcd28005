#!/bin/bash
# nsx run's cgroups as a container and a student see them (issue 16):
# the container's own cgroup at /sys/fs/cgroup inside, read-only (cgroup2
# from inside its cgroup namespace on v2; on v1 a read-only tmpfs of
# read-only binds, never a hierarchy of its own: CVE-2022-0492), its plan
# step; the OOM kill said in one line; a limit that cannot be applied is an
# error (125, one line, what to do) unless --limits=try; and doctor saying
# what run does, word for word. As root and as a throw-away user. Runs on
# cgroup v1 (this machine) and v2 (tests/vm/matrix -k bookworm
# tests/sh/cgroup.t); the delegated-subtree cases are in tests/vm.
. "$(dirname "$0")/lib.sh"

need_root || { done_testing; exit; }
# on a disk (/var/tmp): a user's writable layer needs user.* xattrs, which
# tmpfs keeps only from Linux 6.6 on (the VM matrix runs this file too)
T=$(mktemp -d /var/tmp/nsx-cgroup-test.XXXXXX)
chmod 755 "$T"
on_exit "rm -rf '$T'"
export NSX_CACHE_DIR=$T/cache NSX_STATE_DIR=$T/state
mkdir -p "$NSX_CACHE_DIR"
TAG=c$$
if [ -f /sys/fs/cgroup/cgroup.controllers ]; then
	V=2 MEM=memory.max PIDS=pids.max
else
	V=1 MEM=memory/memory.limit_in_bytes PIDS=pids/pids.max
fi
echo "# cgroup v$V"
leftovers() { ls "$NSX_STATE_DIR" 2>/dev/null; find /sys/fs/cgroup -maxdepth 7 -type d -name "nsx-*$TAG*" 2>/dev/null; }

# ---- the plan ----

plan=$("$NSX" run --dry-run --memory 32m -- true)
like "$(printf '%s\n' "$plan" | grep -A1 ' cgroupfs ' | paste -sd' ')" \
	"cgroupfs +init +.*/sys/fs/cgroup.*read-only.*why: .*CVE-2022-0492" \
	"the plan: a cgroupfs step after sys, read-only, with its why"
is "$(printf '%s\n' "$plan" | awk '$1 ~ /^[0-9]+$/ { print $2 }' | grep -A1 -x sys | paste -sd' ')" "sys cgroupfs" \
	"... right after /sys is mounted"
if [ $V = 2 ]; then
	like "$plan" "cgroup2 on /sys/fs/cgroup, read-only \(nosuid,nodev,noexec\)" "v2: cgroup2 from inside the cgroup namespace"
else
	like "$plan" "read-only tmpfs on /sys/fs/cgroup, in it a read-only bind of the container's cgroup per v1 hierarchy: .*memory" \
		"v1: a read-only tmpfs of read-only binds"
fi
is "$("$NSX" run --dry-run --share cgroup -- true | grep -c ' cgroupfs ')" 0 \
	"--share cgroup: no cgroupfs step (the host's namespace would show the host's tree)"

# ---- inside ----

is "$("$NSX" run --memory 32m --pids 10 -- cat /sys/fs/cgroup/$MEM /sys/fs/cgroup/$PIDS 2>&1 | paste -sd' ')" \
	"33554432 10" "--memory 32m --pids 10: the limits are readable inside (/sys/fs/cgroup/$MEM, $PIDS)"
D=$(dirname $PIDS)
out=$("$NSX" run --name in-$TAG --pids 10 -- /bin/sh -c "
	echo 99 >/sys/fs/cgroup/$PIDS && echo raised
	mkdir /sys/fs/cgroup/$D/x-$TAG && echo made
	echo 1 >/sys/fs/cgroup/$D/cgroup.procs && echo moved
	for f in \$(find /sys/fs/cgroup -name release_agent); do echo /bin/x >\$f && echo wrote \$f; done
	cat /sys/fs/cgroup/$PIDS; grep -c '^1\$' /sys/fs/cgroup/$D/cgroup.procs" 2>&1)
is "$(printf '%s\n' "$out" | grep -E '^(raised|made|moved|wrote)')" "" \
	"read-only: no limit raised, no cgroup made, no process moved, no release_agent written"
ok "$([ "$(printf '%s\n' "$out" | grep -c 'Read-only file system')" -ge 3 ]; echo $?)" \
	"... each refused: Read-only file system ($(printf '%s\n' "$out" | grep -c 'Read-only file system') times)"
is "$(printf '%s\n' "$out" | grep -v 'Read-only file system' | paste -sd' ')" "10 1" \
	"... pids.max still 10, and the container's init (PID 1) is in the cgroup it sees"
like "$("$NSX" run --pids 10 -- grep ' /sys/fs/cgroup' /proc/self/mounts | paste -sd'|')" \
	"^(cgroup2 /sys/fs/cgroup cgroup2 ro,nosuid,nodev,noexec|tmpfs /sys/fs/cgroup tmpfs ro,nosuid,nodev,noexec.*\|cgroup /sys/fs/cgroup/[^ ]+ cgroup ro,nosuid,nodev,noexec)" \
	"mounted read-only, nosuid, nodev, noexec"
if [ $V = 1 ]; then
	is "$("$NSX" run --pids 10 -- grep -c ' /sys/fs/cgroup/[^ ]* cgroup rw' /proc/self/mounts)" 0 \
		"v1: no writable cgroup hierarchy inside"
fi
is "$("$NSX" run --pids 10 -- cat /proc/self/cgroup | grep -vc ':/$')" 0 "its cgroup namespace: every cgroup it is in is /"
if [ $V = 2 ]; then
	check "without limits: cgroup2 is still mounted (the cgroup namespace's root)" \
		"$NSX" run -- test -f /sys/fs/cgroup/cgroup.controllers
else
	check "without limits: the v1 binds are still there (the cgroup namespace's roots)" \
		"$NSX" run -- test -f /sys/fs/cgroup/pids/cgroup.procs
fi
is "$("$NSX" run --share cgroup -- ls -A /sys/fs/cgroup 2>&1)" "" "--share cgroup: nothing mounted at /sys/fs/cgroup"

# ---- the OOM kill, said ----

"$NSX" run --memory 32m -- dd if=/dev/zero of=/dev/null bs=64M count=1 >/dev/null 2>"$T/err"
rc=$?
is "$rc" 137 "--memory 32m: a 64 MB buffer gets the command OOM-killed (137)"
like "$(cat "$T/err")" "^nsx: run: the container's memory limit \(32M\) was reached: the kernel killed [0-9]+ process(es)? in it \(OOM\); the command got SIGKILL \(exit 137\)$" \
	"... and nsx says so in one line: $(head -c 200 "$T/err")"
is "$(wc -l <"$T/err")" 1 "... one line"
"$NSX" run --memory 32m -- /bin/sh -c 'dd if=/dev/zero of=/dev/null bs=1M count=1 2>/dev/null' 2>"$T/err"
is "$?:$(cat "$T/err")" "0:" "within the limit: no word"
"$NSX" run --memory 32m -- /bin/sh -c 'dd if=/dev/zero of=/dev/null bs=64M count=1 2>/dev/null; echo survived' >"$T/out" 2>"$T/err"
is "$?:$(cat "$T/out")" "0:survived" "a process of the container killed, the command goes on"
like "$(cat "$T/err")" "^nsx: run: the container's memory limit \(32M\) was reached: the kernel killed 1 process in it \(OOM\)$" \
	"... nsx says so all the same"

# ---- bad --limits ----

out=$("$NSX" run --limits maybe -- true 2>&1)
is "$?:$out" "125:nsx: run: invalid --limits 'maybe' (require or try)" "--limits maybe: 125, one line"
is "$("$NSX" run --limits=require --pids 10 -- cat /sys/fs/cgroup/$PIDS 2>&1)" 10 "--limits=require (the default) as root"

# ---- doctor and run agree, as root ----

doc=$("$NSX" doctor | grep -E '^[a-z]+ +cgroup limits: ')
like "$doc" "^ok +cgroup limits: memory pids cpu usable by root \(nsx-NAME in /" "doctor as root: $doc"
is "$("$NSX" run --memory 64m --pids 20 --cpus 0.5 -- cat /sys/fs/cgroup/$PIDS 2>&1)" 20 "... and run applies all three"

# ---- as a user ----

if test_user xgc$$ "$T"; then
	echo "# as $U"
	chown "$ID:$GID" "$T"
	as() { (cd "$T" && "${AS[@]}" env -u NSX_CACHE_DIR HOME="$T" XDG_CACHE_HOME="$T/ucache" XDG_RUNTIME_DIR= NSX_STATE_DIR="$T/ustate" "$@"); }
	doc=$(as "$NSXB" doctor | grep -E '^[a-z]+ +cgroup limits: ')
	as "$NSXB" run --name n-$TAG --memory 64m --pids 20 --cpus 0.5 -- echo ran >"$T/out" 2>"$T/err"
	rc=$?
	if [ "${doc%% *}" = ok ]; then
		# (a machine that delegates to this user: run applies them)
		is "$rc:$(cat "$T/out")" "0:ran" "as $ID: doctor says usable ($doc), and run applies them"
	else
		is "$rc:$(cat "$T/out")" "125:" "as $ID: a limit that cannot be applied: run exits 125, runs nothing"
		is "$(wc -l <"$T/err")" 1 "... one line: $(cat "$T/err")"
		like "$(cat "$T/err")" "^nsx: run: .*(Permission denied|processes besides nsx).*; or --limits=try to run without them$" \
			"... saying why, and what to do"
		why=$(sed "s/^nsx: run: //; s/; or --limits=try to run without them\$//; s/nsx-n-$TAG/nsx-NAME/g" "$T/err")
		like "$doc" "^warn +cgroup limits: .*run --memory/--pids/--cpus refuses: " "as $ID: doctor warns"
		is "${doc#*refuses: }" "$why (fix: as it says, or run --limits=try to run without limits)" \
			"... with run's very words"
		# (before Linux 5.11 a second note says / is read-only: not the point here)
		as "$NSXB" run --pids 20 --limits=try -- /bin/sh -c "echo ran; ls /sys/fs/cgroup | grep -c ." >"$T/out" 2>"$T/err.all"
		grep -v "^nsx: run: note: overlay refused in a user namespace" "$T/err.all" >"$T/err"
		is "$?:$(head -n 1 "$T/out")" "0:ran" "--limits=try: the container runs"
		like "$(cat "$T/err")" "^nsx: run: note: .*; running without limits \(--limits=try\)$" "... after one note"
		is "$(wc -l <"$T/err")" 1 "... one line"
		ok "$([ "$(sed -n 2p "$T/out")" -gt 0 ]; echo $?)" "... and sees its cgroup at /sys/fs/cgroup all the same"
		is "$(ls "$T/ustate" 2>/dev/null)" "" "no record is left"
	fi
	if [ $V = 1 ]; then
		is "$(as "$NSXB" run -- cat /sys/fs/cgroup/$D/cgroup.procs 2>&1 | paste -sd' ')" "1 2" \
			"as $ID, cgroup v1: the binds work in a user namespace (and show its own processes only: init, cat)"
	else
		check "as $ID, cgroup v2: cgroup2 mounts in a user namespace that owns the cgroup namespace" \
			as "$NSXB" run -- test -f /sys/fs/cgroup/cgroup.procs
	fi
fi

is "$(leftovers)" "" "no record or cgroup of this test is left"
done_testing
