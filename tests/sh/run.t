#!/bin/bash
# nsx run (issue 5): the plan (--dry-run), a container on the built-in
# rootfs, exit statuses, bad input (exit 125, one line, nothing left),
# the writable layer and --rw, names: ps and enter NAME, signals and
# orphans, cgroup limits (memory, pids, cpus) and the cgroup namespace,
# networks (lo only, host, a veth pair inside a network namespace this test
# made), and a SIGKILL of nsx before every setup step leaving nothing
# behind. The hostile-rootfs and isolation cases are in run-security.t.
. "$(dirname "$0")/lib.sh"

need_root || { done_testing; exit; }

TMPD=$(mktemp -d /tmp/nsx-run-test.XXXXXX)
chmod 755 "$TMPD"
on_exit "rm -rf '$TMPD'"
export NSX_CACHE_DIR=$TMPD/cache NSX_STATE_DIR=$TMPD/state
mkdir -p "$NSX_CACHE_DIR"
NETNS=nsxrun$$
HOST=$(hostname)
TAG=t$$

# what a run may leave behind, by container name: records, cgroups, mounts
leftovers() {	# leftovers NAME: prints what is left, nothing when clean
	ls "$NSX_STATE_DIR" 2>/dev/null | grep -x -- "$1"
	find /sys/fs/cgroup -maxdepth 6 -type d -name "nsx-$1" 2>/dev/null
	grep -F -- "$1" /proc/self/mountinfo
	true
}

# procs MARKER: PIDs of processes whose command line holds MARKER
procs() {
	local f
	for f in /proc/[0-9]*/cmdline; do
		{ tr '\0' ' ' <"$f"; } 2>/dev/null | grep -qF -- "$1" && { f=${f#/proc/}; echo "${f%/cmdline}"; }
	done
	true
}
no_procs() {	# no_procs MARKER...: no process has any of them
	local m
	for m; do [ -z "$(procs "$m")" ] || return 1; done
}

# runfails REGEX ARGS...: nsx run ARGS exits 125 with one line on stderr
# matching REGEX, nothing on stdout, and leaves nothing behind
runfails() {
	local want=$1 rc out err; shift
	out=$(mktemp) err=$(mktemp)
	"$NSX" run "$@" >"$out" 2>"$err" </dev/null
	rc=$?
	if [ $rc = 125 ] && [ ! -s "$out" ] && [ "$(wc -l <"$err")" = 1 ] && grep -Eq -- "$want" "$err" &&
		[ -z "$(ls "$NSX_STATE_DIR" 2>/dev/null)" ] && [ -z "$(leftovers "$TAG")" ]; then
		ok 0 "run $*: 125, $(cat "$err")"
	else
		ok 1 "run $*"
		printf '#   exit %s, stdout %s bytes, state: %s, stderr:\n' "$rc" "$(wc -c <"$out")" \
			"$(ls "$NSX_STATE_DIR" 2>/dev/null | tr '\n' ' ')"
		sed 's/^/#     /' "$err" | head -5
		printf '#   wanted one line matching: %s\n' "$want"
	fi
	rm -f "$out" "$err"
}

# ---- the plan ----

plan=$("$NSX" run --dry-run --name plan-$TAG --memory 64m -- echo hi)
ok $? "run --dry-run exits 0"
steps=$(printf '%s\n' "$plan" | awk '$1 ~ /^[0-9]+$/ { print $2 }' | tr '\n' ' ')
is "$steps" "rootfs name cgroup clone attach go cgroupns propagation layer proc dev sys cgroupfs mask readonly pivot hostname net init session caps nnp fds seccomp exec " \
	"the plan's steps, in the order they run (root: no user namespace)"
is "$(printf '%s\n' "$plan" | grep -c 'why: ')" "$(echo $steps | wc -w)" "every step has a line of why"
like "$plan" "cgroup nsx-plan-$TAG with memory=64M" "the plan shows this run's values"
is "$(ls -A "$NSX_CACHE_DIR")$(ls "$NSX_STATE_DIR" 2>/dev/null)" "" "--dry-run builds, records and creates nothing"
like "$("$NSX" run --dry-run --user --time --net veth:10.77.0.0/30 -- true)" \
	"maps .*uid_map '0 0 1'.*|uid_map '0 0 1'" "--user adds the maps step"
is "$("$NSX" run --dry-run --user --time --net veth:10.77.0.0/30 -- true | awk '$1 ~ /^[0-9]+$/ { print $2 }' | tr '\n' ' ')" \
	"rootfs name clone maps veth go ids cgroupns propagation layer proc dev sys cgroupfs mask readonly pivot hostname net init session caps nnp fds seccomp exec " \
	"--user --time --net veth, no limits: maps, veth and ids steps, no cgroup"

# ---- a container ----

out=$("$NSX" run --name basic-$TAG -- /bin/sh -c 'echo pid=$$; hostname; cat /etc/hostname >/dev/null; ls /proc | grep -c "^[0-9]"; ip -o link | cut -d: -f2' 2>&1)
ok $? "run on the built-in rootfs exits 0"
like "$out" "pid=2" "the command is PID 2, under nsx's init"
like "$out" "basic-$TAG" "the hostname defaults to the name"
like "$(printf '%s\n' "$out" | sed -n 3p)" "^[1-4]$" "its /proc shows its own few processes (init, sh, ls, grep)"
is "$(printf '%s\n' "$out" | sed -n '4,$p' | tr -d ' ' | tr '\n' ' ')" "lo " "its network has lo only"
is "$(hostname)" "$HOST" "the host's hostname is unchanged"
is "$("$NSX" run --no-init -- /bin/sh -c 'echo $$')" "1" "--no-init: the command is PID 1"
is "$("$NSX" run --hostname box-$TAG -- hostname)" "box-$TAG" "--hostname"
h64=$(printf 'h%.0s' $(seq 64))
is "$("$NSX" run --hostname "$h64" -- hostname)" "$h64" "a 64-byte hostname is taken"
like "$("$NSX" run -- ip -o link show lo)" "UP|LOOPBACK,UP" "lo is up"
cgs=$("$NSX" run --pids 100 -- cat /proc/self/cgroup)
is "$(printf '%s\n' "$cgs" | grep -vc ':/$'):$(printf '%s\n' "$cgs" | grep -c .)" "0:$(grep -c . /proc/self/cgroup)" \
	"the cgroup namespace: in its own cgroup, it sees every cgroup it is in as /"
host_ns=$(readlink /proc/self/ns/net)
is "$("$NSX" run --net host -- readlink /proc/self/ns/net)" "$host_ns" "--net host shares the host's network namespace"
is "$("$NSX" run --share uts -- hostname)" "$HOST" "--share uts keeps the host's hostname"

# ---- in the shell ----

out=$(printf 'run --hostname inshell-%s -- hostname\nrun --memory abc\necho still here\nrun -- /bin/sh -c "exit 3"\n' $TAG | "$NSX" 2>&1)
rc=$?
is "$out" "inshell-$TAG
nsx: run: --memory abc: not a size (use e.g. 64m, 1G)
still here" "run in the shell: a container, an error; the shell goes on"
is $rc 3 "... and the container's status is the shell's last"
like "$(printf 'containers\nps --version\n' | "$NSX" 2>&1 | tr '\n' '|')" \
	"^no nsx containers are running \\(start one with 'run'\\)\\|ps from procps" \
	"in the shell, 'containers' lists containers and ps stays the program"

# ---- on a terminal: the container's own pty, relayed ----

if command -v tmux >/dev/null; then
	SOCK=nsxrun$$
	tmx() { tmux -L "$SOCK" -f /dev/null "$@"; }
	on_exit tmux -L "$SOCK" kill-server
	pane() { tmx capture-pane -p -t run; }
	pane_has() { pane | grep -q -- "$1"; }
	tmx new-session -d -x 100 -y 30 -s run \
		"env TERM=screen NSX_CACHE_DIR=$NSX_CACHE_DIR NSX_STATE_DIR=$NSX_STATE_DIR $NSX run --name tty-$TAG; echo \"rc=\$?\"; sleep 60"
	WAIT_TENTHS=100 wait_cond pane_has '/ #'
	tmx send-keys -t run 'echo "[$(tty)] [$(hostname)] [$TERM] [$(stty size)]"' Enter
	WAIT_TENTHS=50 wait_cond pane_has '^\[/dev/pts/0\]'
	like "$(pane)" "\[/dev/pts/0\] \[tty-$TAG\] \[screen\] \[30 100\]" \
		"on a terminal: the shell has pts/0 of the container's devpts, its TERM and the window's size"
	tmx send-keys -t run 'sleep 20' Enter
	sleep 0.5
	tmx send-keys -t run C-c
	WAIT_TENTHS=50 wait_cond sh -c "tmux -L $SOCK capture-pane -p -t run | grep -c '/ #' | grep -qx 3"
	ok $? "Ctrl-C stops the command in the container, and its shell prompts again"
	tmx send-keys -t run 'exit 4' Enter
	WAIT_TENTHS=50 wait_cond pane_has '^rc=4'
	ok $? "exit 4: nsx run exits with 4, the terminal given back"
else
	skip "tmux is not installed"
fi

# ---- exit statuses ----

"$NSX" run -- /bin/sh -c 'exit 7'
is $? 7 "the command's exit status"
"$NSX" run -- /bin/sh -c 'kill -9 $$'
is $? 137 "killed by SIGKILL: 128+9"
err=$("$NSX" run -- /no/such/cmd 2>&1 >/dev/null)
is $? 127 "a command that is not there: 127"
like "$err" "^nsx: run: /no/such/cmd: not found" "... with one line naming it"
err=$("$NSX" run -- /etc/passwd 2>&1 >/dev/null)
is $? 126 "a command that is not executable: 126"
like "$err" "^nsx: run: /etc/passwd: cannot run it: Permission denied" "... with one line"

# ---- bad input: 125, one line, nothing left ----

mkdir -p "$TMPD/empty"
: >"$TMPD/file"
runfails "rootfs /nope-$TAG does not exist" --name bad-$TAG --rootfs /nope-$TAG -- true
runfails "is not a directory" --name bad-$TAG --rootfs "$TMPD/file" -- true
runfails "is empty" --name bad-$TAG --rootfs "$TMPD/empty" -- true
runfails "host's / cannot be" --name bad-$TAG --rootfs / -- true
runfails "hostname .*65 bytes" --name bad-$TAG --hostname "${h64}x" -- true
runfails "invalid hostname 'a/b'" --name bad-$TAG --hostname a/b -- true
runfails "--memory abc" --name bad-$TAG --memory abc -- true
runfails "pids" --name bad-$TAG --pids 0 -- true
runfails "cpus" --name bad-$TAG --cpus x -- true
runfails "invalid --net 'wifi'" --name bad-$TAG --net wifi -- true
runfails "--share mnt" --name bad-$TAG --share mnt -- true
runfails "--share pid: a container needs its own pid namespace" --name bad-$TAG --share pid -- true
runfails "invalid name 'Bad Name'" --name "Bad Name" -- true
runfails "give --rootfs or --image, not both" --rootfs "$TMPD" --image "$TMPD/file" -- true
runfails "invalid --uid-map 'x'" --uid-map x -- true
head -c 3000 /dev/urandom >"$TMPD/junk.tar.gz"
runfails "junk.tar.gz" --name bad-$TAG --image "$TMPD/junk.tar.gz" -- true
NSX_TEST_STOP_AT=nope runfails "NSX_TEST_STOP_AT=nope" --name bad-$TAG -- true
err=$(unshare --user --map-root-user sh -c \
	'echo 0 >/proc/sys/user/max_user_namespaces && exec "$0" run --user -- true' "$NSX" 2>&1)
is $? 125 "no user namespaces left: 125"
is "$err" "nsx: run: cannot create a user namespace: user namespaces are disabled here (user.max_user_namespaces=0): ask root to raise it: sysctl -w user.max_user_namespaces=15000" \
	"... says why, with the fix, in one line"

# a name in use
"$NSX" run --name busy-$TAG -- sleep 30 &
busy=$!
on_exit "kill -9 $busy"
wait_cond grep -q . "$NSX_STATE_DIR/busy-$TAG" 2>/dev/null
WAIT_TENTHS=50 wait_cond sh -c "\"$NSX\" ps | grep -q busy-$TAG"
err=$("$NSX" run --name busy-$TAG -- true 2>&1)
is $? 125 "a name in use: 125"
like "$err" "^nsx: run: a container named 'busy-$TAG' is running" "... one line naming it"

# ---- ps, enter NAME, signals ----

ps_out=$("$NSX" ps)
like "$ps_out" "NAME +PID +AGE +ROOTFS +NAMESPACES +LIMITS +NET" "ps has a header"
like "$ps_out" "busy-$TAG +[0-9]+ +[0-9]+s +built-in busybox +cgroup,ipc,mnt,net,pid,uts +- +none" "ps lists the container"
like "$("$NSX" ps -J)" "\"name\": \"busy-$TAG\"" "ps -J"
cpid=$("$NSX" ps -n | awk -v n=busy-$TAG '$1 == n { print $2 }')
is "$(readlink /proc/$cpid/ns/uts)" "$("$NSX" enter busy-$TAG -- readlink /proc/self/ns/uts)" "enter NAME steps into its namespaces"
is "$("$NSX" enter busy-$TAG -- hostname)" "busy-$TAG" "... and sees its hostname"
is "$("$NSX" enter busy-$TAG -- cat /proc/1/comm)" "nsx-init" "... and its PID 1, nsx's init"
t0=$(date +%s%N)
kill -TERM $busy
wait $busy
rc=$?
t1=$(date +%s%N)
is $rc 143 "SIGTERM to nsx reaches the command: 128+15"
ok $(( (t1 - t0) / 1000000 < 1000 ? 0 : 1 )) "... within a second ($(( (t1 - t0) / 1000000 )) ms)"
is "$(leftovers busy-$TAG)" "" "nothing left of it"
ps_out=$("$NSX" ps)
ok $(printf '%s' "$ps_out" | grep -q "busy-$TAG"; echo $((!$?))) "ps no longer lists it"
fails "no container named 'busy-$TAG'|not a PID" enter busy-$TAG -- true

# a claim's temporary record: unlocked while young (between its open and
# its lock) ps leaves it; an old one is a killed run's, and goes
mkdir -p "$NSX_STATE_DIR"
echo "name=young-$TAG" >"$NSX_STATE_DIR/.young-$TAG.1"
echo "name=old-$TAG" >"$NSX_STATE_DIR/.old-$TAG.1"
touch -d '1 minute ago' "$NSX_STATE_DIR/.old-$TAG.1"
"$NSX" ps >/dev/null
is "$(ls -A "$NSX_STATE_DIR" | grep -E "^\.(young|old)-$TAG" | paste -sd' ')" ".young-$TAG.1" \
	"ps removes a killed claim's old temporary record, not a young one (a claim under way)"
rm -f "$NSX_STATE_DIR/.young-$TAG.1"
# and so runs started while ps is polled record themselves every time
( while :; do "$NSX" ps >/dev/null 2>&1; done ) &
poll=$!
on_exit "kill $poll 2>/dev/null"
bad=0
for i in 1 2 3 4 5 6 7 8; do
	"$NSX" run --name race$i-$TAG -- true 2>"$TMPD/race.err" || { bad=$i; break; }
done
kill $poll
wait $poll 2>/dev/null
is "$bad|$(cat "$TMPD/race.err")" "0|" "8 runs while ps runs in a loop: each records itself (no 'cannot record')"

# orphans are reaped by init: no zombie while the command runs on
is "$("$NSX" run -- /bin/sh -c '(sleep 0.2 &); sleep 0.6; grep -l "^State:.*Z" /proc/[0-9]*/status | wc -l')" "0" \
	"an orphan that exits is reaped (no zombie)"

# ---- the layer ----

out=$("$NSX" run --name layer-$TAG -- /bin/sh -c 'echo changed >/etc/hostname; touch /new-$$; echo ok')
is "$out" "ok" "the container can write to its root"
rootfs=$(ls -d "$NSX_CACHE_DIR"/rootfs/busybox-*/root 2>/dev/null | head -1)
ok $([ -d "$rootfs/bin" ]; echo $?) "the built-in rootfs is in the cache"
is "$(ls "$rootfs" | grep -c '^new-')$(cat "$rootfs/etc/hostname")" "0nsx" "... and stays unchanged"
cp -a "$rootfs" "$TMPD/rw"
"$NSX" run --rw --rootfs "$TMPD/rw" -- /bin/sh -c 'echo kept >/kept'
is "$(cat "$TMPD/rw/kept" 2>/dev/null)" "kept" "--rw writes to the rootfs itself"

# ---- an image: a tarball, unpacked once into the cache ----

mkdir -p "$TMPD/imgroot" && cp -a "$rootfs/." "$TMPD/imgroot" && echo "image-$TAG" >"$TMPD/imgroot/marker"
tar -C "$TMPD/imgroot" -cJf "$TMPD/img.tar.xz" .
is "$("$NSX" run --image "$TMPD/img.tar.xz" -- cat /marker)" "image-$TAG" "--image: a container on an unpacked tarball (xz)"
is "$(ls "$NSX_CACHE_DIR/images" | wc -l)" 1 "... unpacked into the cache"
is "$("$NSX" run --image "$TMPD/img.tar.xz" -- cat /marker)$(ls "$NSX_CACHE_DIR/images" | wc -l)" "image-${TAG}1" \
	"... and reused the next time"

# ---- cgroup limits ----

"$NSX" run --memory 32m -- /bin/sh -c 'x=$(head -c 300000000 /dev/zero | tr "\0" a); echo survived' >/dev/null 2>&1
is $? 137 "--memory 32m: taking 300 MB gets the command OOM-killed"
forks='for i in 1 2 3 4 5 6 7 8 9 10 11 12; do sleep 2 & done; echo forked'
err=$("$NSX" run --pids 8 -- /bin/sh -c "$forks" 2>&1)
like "$?:$err" "^2:.*can't fork: Resource temporarily unavailable" "--pids 8: the 8th process cannot be forked"
is "$("$NSX" run --pids 50 -- /bin/sh -c "$forks" 2>&1)" "forked" "--pids 50: 13 processes can"
"$NSX" run --name lim-$TAG --memory 64m --pids 50 --cpus 0.5 -- sleep 30 2>"$TMPD/lim.err" &
lim=$!
on_exit "kill -9 $lim"
# (up to 20 s: right after the OOM kill above a loaded machine is slow)
WAIT_TENTHS=200 wait_cond sh -c "\"$NSX\" ps | grep -q lim-$TAG"
like "$("$NSX" ps)" "lim-$TAG .*memory=64M pids=50 cpus=0.50" "ps shows the limits"
sed 's/^/#   run: /' "$TMPD/lim.err"	# what it said, if anything
cg_pids=$(find /sys/fs/cgroup -maxdepth 6 -type d -name "nsx-lim-$TAG" | head -1)
ok $([ -n "$cg_pids" ]; echo $?) "the container has a cgroup nsx-NAME ($cg_pids)"
if [ -f /sys/fs/cgroup/cgroup.controllers ]; then
	cgv=$(find /sys/fs/cgroup -maxdepth 6 -type d -name "nsx-lim-$TAG" | head -1)
	is "$(cat "$cgv/memory.max") $(cat "$cgv/pids.max") $(cut -d' ' -f1 "$cgv/cpu.max")" "67108864 50 50000" "v2 limit files"
else
	mem=$(find /sys/fs/cgroup/memory -maxdepth 6 -type d -name "nsx-lim-$TAG" | head -1)
	pid=$(find /sys/fs/cgroup/pids -maxdepth 6 -type d -name "nsx-lim-$TAG" | head -1)
	cpu=$(find /sys/fs/cgroup/cpu,cpuacct /sys/fs/cgroup/cpu -maxdepth 6 -type d -name "nsx-lim-$TAG" 2>/dev/null | head -1)
	is "$(cat "$mem/memory.limit_in_bytes") $(cat "$pid/pids.max") $(cat "$cpu/cpu.cfs_quota_us")" "67108864 50 50000" "v1 limit files"
fi
kill -TERM $lim
wait $lim
is "$(leftovers lim-$TAG)" "" "its cgroups are removed when it ends"

# ---- a veth pair, inside a network namespace this test made ----
# (nsenter --net, not ip netns exec: that mounts a new /sys, without the
# cgroup file systems)

if ip netns add $NETNS 2>/dev/null; then
	on_exit "ip netns del $NETNS"
	out=$(nsenter --net=/run/netns/$NETNS "$NSX" run --name veth-$TAG --net veth:10.231.7.0/30 -- \
		/bin/sh -c 'ip -o -4 addr show eth0; ip route; ping -c1 -W2 10.231.7.1 >/dev/null && echo pinged' 2>&1)
	ok $? "--net veth runs"
	like "$out" "eth0 +inet 10.231.7.2/30" "eth0 inside has the second address"
	like "$out" "default via 10.231.7.1" "... and a default route to the host end"
	like "$out" "pinged" "a packet goes from the container to the host end (both in namespaces of this test)"
	is "$(ip -n $NETNS -o link | grep -c nsx)" "0" "the host end is gone afterwards"
	nsenter --net=/run/netns/$NETNS "$NSX" run --name veth2-$TAG --net veth -- sleep 30 &
	vpid=$!
	on_exit "kill -9 $vpid"
	WAIT_TENTHS=50 wait_cond sh -c "ip -n $NETNS -o link | grep -q nsx"
	like "$(ip -n $NETNS -o -4 addr)" "nsx[0-9]+ +inet 10\.200\.[0-9]+\.1/30" "--net veth picks a free 10.200.N.0/30"
	kill -TERM $vpid
	wait $vpid
	is "$(ip -n $NETNS -o link | grep -c nsx)" "0" "... and removes the pair when it ends"
else
	skip "cannot make a network namespace for the veth test"
fi

# ---- SIGKILL of nsx before every step: nothing remains ----

killsteps=$("$NSX" run --dry-run --memory 64m --net veth -- true | awk '$1 ~ /^[0-9]+$/ { print $2 }')
ok $([ "$(echo $killsteps | wc -w)" -ge 20 ]; echo $?) "every step of a full run is tried ($(echo $killsteps | wc -w))"
if ip netns list | grep -qw $NETNS; then
	for step in $killsteps; do
		name=kill-$step-$TAG
		errf=$TMPD/kill-$step.err
		# init renames itself (nsx-init): the command's argument marks it too
		NSX_TEST_STOP_AT=$step nsenter --net=/run/netns/$NETNS "$NSX" run --name $name --memory 64m --net veth -- sleep 9$$ \
			>/dev/null 2>"$errf" </dev/null &
		kpid=$!
		if ! wait_cond grep -q "stopped before step '$step'" "$errf"; then
			ok 1 "stopped before $step"; kill -9 $kpid; wait $kpid; continue
		fi
		kill -9 $kpid
		wait $kpid 2>/dev/null
		WAIT_TENTHS=30 wait_cond no_procs "$name" "sleep 9$$"
		left_procs=$(procs "$name")$(procs "sleep 9$$")
		"$NSX" ps >/dev/null 2>&1	# removes what the dead run recorded
		is "$left_procs|$(leftovers "$name")|$(ip -n $NETNS -o link | grep -c nsx)|$(held_locks "$TMPD")" "||0|" \
			"SIGKILL before '$step': no process, record, cgroup, mount, veth or lock left"
		out=$(nsenter --net=/run/netns/$NETNS "$NSX" run --name $name --memory 64m --net veth -- echo next 2>&1)
		is "$?:$out" "0:next" "SIGKILL before '$step': the next run of the same name works"
	done
else
	skip "no network namespace for the kill test"
fi

is "$(ls "$NSX_STATE_DIR" 2>/dev/null)" "" "no container records are left"
done_testing
