#!/bin/bash
# nsx run under faults (issue 9): NSX_TEST_FAIL_AT=STEP makes each setup
# step of a full run (--memory, --net veth inside a network namespace this
# test made) fail with an injected error, then each step of a rootless run
# as a throw-away user; a cache build and an image unpack fail before they
# are published; nsx is SIGKILLed in the middle of an image unpack and of
# the built-in rootfs build. After each: exit 125 and one line naming the
# step (for the injected errors), no process, record, cgroup, veth, mount
# (the host's mountinfo is the same) or lock left, no half-built tree under
# a cache name, and the next run works. (SIGKILL before every step is in
# run.t.)
. "$(dirname "$0")/lib.sh"

need_root || { done_testing; exit; }

TMPD=$(mktemp -d /tmp/nsx-faults.XXXXXX)
chmod 755 "$TMPD"
on_exit "rm -rf '$TMPD'"
export NSX_CACHE_DIR=$TMPD/cache NSX_STATE_DIR=$TMPD/state
mkdir -p "$NSX_CACHE_DIR"
NETNS=nsxflt$$
TAG=f$$

# leftovers NAME: the container's record, cgroups and mounts, if any
leftovers() {
	ls "$NSX_STATE_DIR" 2>/dev/null | grep -x -- "$1"
	find /sys/fs/cgroup -maxdepth 6 -type d -name "nsx-$1" 2>/dev/null
	grep -F -- "$1" /proc/self/mountinfo
	true
}

# procs WORD: PIDs of processes with WORD in their command line (one
# grep over every /proc/PID/cmdline: quick with thousands of processes)
procs() {
	grep -laF -f <(printf "%s\n" "$1") /proc/[0-9]*/cmdline 2>/dev/null | grep -v "^/proc/$$/" | cut -d/ -f3
	true
}
no_procs() { [ -z "$(procs "$1")" ]; }

# hostmounts: the host's mountinfo. Other test files may mount and unmount
# under /tmp and /run/netns meanwhile: those lines are left out, except
# the ones under this test's own directory.
hostmounts() {
	grep -v -E ' /(tmp|run/netns)/' /proc/self/mountinfo
	grep -F " $TMPD" /proc/self/mountinfo
	true
}

# tar_of DIR OUT: DIR as a tarball
tar_of() { tar -C "$1" -cf "$2" .; }

"$NSX" run -- true
ok $? "a first run builds the cache"
ROOTFS=$(ls -d "$NSX_CACHE_DIR"/rootfs/busybox-*/root | head -1)
NFILES=$(find "$ROOTFS" | wc -l)

# ---- controls: what the checks look at exists while a run runs ----

"$NSX" run --name ctl-$TAG --memory 64m -- sleep 9$$ &
ctl=$!
on_exit "kill -9 $ctl"
# (listed by ps before its command has become sleep: all three are waited for)
ctl_seen() { [ -n "$(held_locks "$TMPD")" ] && [ -n "$(leftovers ctl-$TAG)" ] && [ -n "$(procs "9$$")" ]; }
WAIT_TENTHS=100 wait_cond ctl_seen
ok $? "control: a running container holds a lock, has a record and cgroup, and its process is found"
kill -TERM $ctl
wait $ctl
is "$(held_locks "$TMPD")|$(leftovers ctl-$TAG)|$(procs "9$$")" "||" "control: ... all gone when it ends"

# ---- an injected failure at every step of a full run ----

# fail_case LABEL STEP CMD...: CMD (an nsx run with the marker "9$$"
# and NSX_TEST_FAIL_AT=STEP) exits 125 with one line naming STEP, and
# leaves no process, record, cgroup, mount, veth or lock
fail_case() {
	local label=$1 step=$2 rc before; shift 2
	before=$(hostmounts)
	"$@" >"$TMPD/f.out" 2>"$TMPD/f.raw" </dev/null
	rc=$?
	# (under ASan: its warning about the command's process switching
	# stacks, CLONE_VM on a stack of its own, is no error of nsx's)
	grep -v -e 'WARNING: ASan is ignoring requested __asan_handle_no_return' \
		-e '^False positive error reports may follow' -e 'google/sanitizers/issues/189' \
		"$TMPD/f.raw" >"$TMPD/f.err"
	is "$rc|$(wc -l <"$TMPD/f.err")|$(wc -c <"$TMPD/f.out")" "125|1|0" \
		"$label: fail at '$step': exit 125, one line, nothing on stdout"
	like "$(cat "$TMPD/f.err")" "^nsx: run: $step: injected failure" "$label: ... the line names the step: $(cat "$TMPD/f.err")"
	is "$(procs "9$$")|$(leftovers "$NAME")|$(ls "$NSX_STATE_DIR" 2>/dev/null)|$(held_locks "$TMPD")" "|||" \
		"$label: ... no process, record, cgroup, mount or lock left"
	is "$(hostmounts)" "$before" "$label: ... the host's mountinfo is the same"
}

steps=$("$NSX" run --dry-run --memory 64m --net veth -- true | awk '$1 ~ /^[0-9]+$/ { print $2 }')
is "$(echo $steps | wc -w)" 26 "a full run has 26 steps"
if ip netns add $NETNS 2>/dev/null; then
	on_exit "ip netns del $NETNS"
	for step in $steps; do
		NAME=fail-$step-$TAG
		fail_case root "$step" env NSX_TEST_FAIL_AT=$step nsenter --net=/run/netns/$NETNS \
			"$NSX" run --name $NAME --memory 64m --net veth -- sleep 9$$
		is "$(ip -n $NETNS -o link | grep -c nsx)" 0 "root: fail at '$step': ... no veth left"
		out=$(nsenter --net=/run/netns/$NETNS "$NSX" run --name $NAME --memory 64m --net veth -- echo next 2>&1)
		is "$?:$out" "0:next" "root: fail at '$step': ... the next run of the same name works"
	done
else
	skip "cannot make a network namespace for the veth runs"
fi
NAME=none-$TAG
err=$(NSX_TEST_FAIL_AT=nope "$NSX" run -- true 2>&1)
is "$?:$err" "125:nsx: run: NSX_TEST_FAIL_AT=nope is no step of nsx run" "an unknown step: 125 and one line"

echo "# (every step: ${SECONDS}s so far)"

# ---- the cache: a build and an unpack that fail, nothing published ----

COLD=$TMPD/cold
mkdir "$COLD"
NAME=cold-$TAG
fail_case "cold cache" "rootfs" env NSX_CACHE_DIR="$COLD" NSX_TEST_FAIL_AT=rootfs "$NSX" run --name $NAME -- sleep 9$$
like "$(cat "$TMPD/f.err")" "injected failure of the cache build" "cold cache: ... it is the build that failed"
is "$(ls -A "$COLD/rootfs" 2>/dev/null)|$(ls -A "$COLD/stamps" 2>/dev/null)" "|" \
	"cold cache: no tree, temporary or stamp is left in the cache"
is "$(NSX_CACHE_DIR=$COLD "$NSX" run -- /bin/sh -c 'find / -xdev | wc -l')" "$NFILES" \
	"cold cache: the next run builds the whole tree and runs"

mkdir -p "$TMPD/img"
cp -a "$ROOTFS/." "$TMPD/img/" && echo "marker-$TAG" >"$TMPD/img/marker"
tar_of "$TMPD/img" "$TMPD/img.tar"
NAME=img-$TAG
fail_case "image" "rootfs" env NSX_TEST_FAIL_AT=rootfs "$NSX" run --name $NAME --image "$TMPD/img.tar" -- sleep 9$$
is "$(ls -A "$NSX_CACHE_DIR/images" 2>/dev/null)" "" "image: nothing is left in CACHE/images"
is "$("$NSX" run --image "$TMPD/img.tar" -- cat /marker)" "marker-$TAG" "image: the next run unpacks it and runs"

# ---- SIGKILL in the middle of an image unpack ----

# a big image: the rootfs, then 10,000 files (an unpack of about a second)
mkdir -p "$TMPD/big/big"
cp -a "$ROOTFS/." "$TMPD/big/"
(cd "$TMPD/big/big" && for d in $(seq 100); do mkdir $d && (cd $d && touch $(seq 100)); done)
echo "big-$TAG" >"$TMPD/big/marker"
tar_of "$TMPD/big" "$TMPD/big.tar"
rm -rf "$TMPD/big"
IMAGES=$NSX_CACHE_DIR/images
tmp_busy() { [ -n "$(ls -A "$IMAGES"/.tmp-*/root/ 2>/dev/null)" ]; }

NAME=unpack-$TAG
rm -rf "$IMAGES"/*
"$NSX" run --name $NAME --image "$TMPD/big.tar" -- true >/dev/null 2>&1 &
kpid=$!
if wait_cond tmp_busy; then
	sleep 0.3
	ok $([ -n "$(held_locks "$TMPD")" ]; echo $?) "unpack: the build holds a lock on its temporary tree"
	kill -9 $kpid
	wait $kpid 2>/dev/null
	WAIT_TENTHS=5 wait_cond no_procs "$NAME"
	is "$(procs "$NAME")" "" "unpack: SIGKILL of nsx: the unpacking process is gone within 0.5 s"
	is "$(ls "$IMAGES" | grep -vc '^\.tmp-')|$(held_locks "$TMPD")|$(leftovers $NAME)" "0||" \
		"unpack: ... no tree under a cache name, no lock, no record"
	# the dead build's tree goes with the next build, after the 2 s grace
	# (counted in whole seconds of its mtime: more than 3 s to be sure)
	sleep 3.2
	out=$("$NSX" run --image "$TMPD/big.tar" -- /bin/sh -c 'cat /marker; find /big -type f | wc -l' 2>&1)
	is "$(echo $out)" "big-$TAG 10000" "unpack: the next run unpacks the whole image and runs"
	is "$(ls -A "$IMAGES" | grep -c '^\.tmp-')" 0 "unpack: ... and removed the dead build's temporary tree"
else
	ok 1 "unpack: the build started"
	kill -9 $kpid
fi

# (a build under way, locked, is never swept however old: tests/unit/rootfs.c)
rm -rf "$IMAGES" "$TMPD/big.tar"
echo "# (images: ${SECONDS}s so far)"

# ---- SIGKILL during the built-in rootfs build, at several moments ----
# (the build takes milliseconds: where each kill lands varies; whatever it
# hits, no tree under its cache name is partial, and the next run works)

mid=0
for delay in 0 0.002 0.004 0.006 0.008 0.01 0.015 0.02 0.03 0.05; do
	C=$TMPD/bb-$delay
	mkdir "$C"
	NSX_CACHE_DIR=$C "$NSX" run --name bb-$TAG -- true >/dev/null 2>&1 &
	kpid=$!
	sleep $delay
	kill -9 $kpid 2>/dev/null
	wait $kpid 2>/dev/null
	ls -A "$C/rootfs" 2>/dev/null | grep -q '^\.tmp-' && mid=$((mid + 1))
	partial=
	for t in "$C"/rootfs/busybox-*/root; do
		[ -d "$t" ] && [ "$(find "$t" | wc -l)" != "$NFILES" ] && partial="$partial $t"
	done
	got=$(NSX_CACHE_DIR=$C "$NSX" run -- /bin/sh -c 'find / -xdev | wc -l' 2>&1)
	is "$partial|$(held_locks "$TMPD")|$(procs bb-$TAG)|$got" "|||$NFILES" \
		"busybox build killed after ${delay}s: no partial tree, lock or process; the next run has the whole tree"
done
echo "# (busybox builds: ${SECONDS}s so far)"
echo "# $mid of 10 kills landed inside the build (a .tmp- tree left for the next build)"

# ---- rootless: a throw-away user, every step of its run ----

if test_user nsxf$$ "$TMPD"; then
	mkdir -p "$TMPD/u/cache" "$TMPD/u/state"
	chown -R "$ID:$GID" "$TMPD/u"
	chmod 700 "$TMPD/u/state"
	AS+=(env NSX_CACHE_DIR="$TMPD/u/cache" NSX_STATE_DIR="$TMPD/u/state")
	ustate=$NSX_STATE_DIR
	NSX_STATE_DIR=$TMPD/u/state
	"${AS[@]}" "$NSXB" run -- true
	ok $? "rootless: a first run as uid $ID"
	usteps=$("${AS[@]}" "$NSXB" run --dry-run -- true | awk '$1 ~ /^[0-9]+$/ { print $2 }')
	for step in $usteps; do
		NAME=ufail-$step-$TAG
		fail_case rootless "$step" "${AS[@]}" NSX_TEST_FAIL_AT=$step "$NSXB" run --name $NAME -- sleep 9$$
		out=$("${AS[@]}" "$NSXB" run --name $NAME -- echo next 2>&1)
		is "$?:$out" "0:next" "rootless: fail at '$step': ... the next run of the same name works"
	done
	NSX_STATE_DIR=$ustate
fi

is "$(ls "$NSX_STATE_DIR" 2>/dev/null)" "" "no container records are left"
done_testing
