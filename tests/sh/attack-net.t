#!/bin/bash
# Attacks on the host through root's container and what nsx leaves behind
# (issue 15, findings 5 and 9): container root sends IPv6 router
# advertisements to the host end of its veth (CVE-2020-13401), calls
# io_uring and personality(), reads /sys/devices/virtual/powercap
# (PLATYPUS, CVE-2020-8694), opens packet sockets with --net host; and
# cgroups of runs killed with SIGKILL, with or without their record, are
# swept by the next run (as root, and as a throw-away user in a cgroup
# delegated to it) while cgroups that are not nsx's, or not stale, stay.
# "The host" of the network attacks is a network namespace this test
# makes: no packet goes to or from the host's own. A static probe
# (attack-net.c, cc -static) is the attacker inside a small busybox rootfs.
. "$(dirname "$0")/lib.sh"

need_root || { done_testing; exit; }

TMPD=$(mktemp -d /tmp/nsx-attack-net.XXXXXX)
chmod 755 "$TMPD"
on_exit "rm -rf '$TMPD'"
export NSX_CACHE_DIR=$TMPD/cache NSX_STATE_DIR=$TMPD/state
mkdir -p "$NSX_CACHE_DIR"
NETNS=xnnet$$ NETNS2=xnpeer$$ NETNS3=xnfar$$
TAG=xn$$
RF=$TMPD/rf

if ! cc -static -O2 -o "$TMPD/probe" "$(dirname "$0")/attack-net.c" 2>"$TMPD/cc.err"; then
	skip "the attacks need a static probe (cc -static): $(head -1 "$TMPD/cc.err")"
	done_testing
	exit
fi
mkdir -p "$RF/bin"
cp /bin/busybox "$TMPD/probe" "$RF/bin/"
for a in sh cat grep ls sleep echo awk ping; do ln -s busybox "$RF/bin/$a"; done
# run ARGS...: nsx run on the test's rootfs, in the test's network namespace
# (stderr aside: under ASan it may hold a warning that is no error)
run() { nsenter --net=/run/netns/$NETNS "$NSX" run --rootfs "$RF" "$@" 2>>"$TMPD/run.err"; }

if ! ip netns add $NETNS || ! ip netns add $NETNS2 || ! ip netns add $NETNS3; then
	skip "cannot make network namespaces for the attacks"
	ip netns del $NETNS 2>/dev/null
	ip netns del $NETNS2 2>/dev/null
	done_testing
	exit
fi
on_exit "ip netns del $NETNS"
on_exit "ip netns del $NETNS2"
on_exit "ip netns del $NETNS3"
IN=(nsenter --net=/run/netns/$NETNS)

# settings of the "host" (the test's namespace) nsx must not change
conf() {
	"${IN[@]}" sh -c 'cd /proc/sys/net && grep -H . ipv4/ip_forward ipv4/conf/all/forwarding \
		ipv4/conf/default/forwarding ipv4/conf/all/proxy_arp ipv6/conf/all/forwarding \
		ipv6/conf/default/forwarding ipv6/conf/all/accept_ra ipv6/conf/default/accept_ra \
		ipv6/conf/all/autoconf ipv6/conf/default/autoconf ipv6/conf/all/proxy_ndp \
		ipv6/conf/all/disable_ipv6 ipv6/conf/default/disable_ipv6' 2>&1
}
v6routes() { ip -n $NETNS -6 route show default; ip -n $NETNS -6 addr show scope global; }

# ---- 5: router advertisements from container root ----

# control: the probe's advertisements work, on a plain veth pair between
# the test's two namespaces (accept_ra 1, as a new link gets by default)
ip -n $NETNS link add xnh$$ type veth peer name xnp$$ netns $NETNS2 &&
	ip -n $NETNS link set xnh$$ up && ip -n $NETNS2 link set xnp$$ up
sent=$(nsenter --net=/run/netns/$NETNS2 "$TMPD/probe" ra xnp$$)
WAIT_TENTHS=60 wait_cond sh -c "ip -n $NETNS -6 addr show scope global | grep -q 2001:db8:5:"
like "$sent|$(v6routes | tr '\n' ' ')" "^sent 5\|default via fe80.* dev xnh$$ .*inet6 2001:db8:5:" \
	"control: the probe's router advertisements give a plain veth's other end a default route and an address"
ip -n $NETNS link del xnh$$
is "$(v6routes)" "" "control: ... gone with the pair"

before=$(conf)
"${IN[@]}" "$NSX" run --rootfs "$RF" --name ra-$TAG --net veth -- sh -c 'probe ra eth0; sleep 60' \
	>"$TMPD/ra.out" 2>&1 &
rapid=$!
on_exit "kill -9 $rapid"
WAIT_TENTHS=100 wait_cond grep -q sent "$TMPD/ra.out"
HE=$(ip -n $NETNS -o link | grep -o 'nsx[0-9]*' | head -1)
# (an autoconfigured address would need a second of duplicate address
# detection, as in the control)
sleep 2
is "$(cat "$TMPD/ra.out")" "sent 5" "container root sent 5 router advertisements to the host end ($HE)"
is "$(v6routes)" "" "the host gains no default route and no address from them"
is "$(ip -n $NETNS -o -6 addr show dev "$HE")" "" "the host end has no IPv6 address at all, not even a link-local one"
like "$(ip -n $NETNS -o -4 addr show dev "$HE")" "inet 10\.200\.[0-9]+\.1/30" "... only the IPv4 address nsx gives it"
vals=$("${IN[@]}" sh -c "cd /proc/sys/net/ipv6/conf/$HE && cat accept_ra autoconf addr_gen_mode disable_ipv6 \
	/proc/sys/net/ipv4/conf/$HE/forwarding" | tr '\n' ' ')
is "$vals" "0 0 1 1 0 " "the host end reads back accept_ra 0, autoconf 0, addr_gen_mode 1 (none), disable_ipv6 1, IPv4 forwarding 0"
is "$(conf)" "$before" "the host's own forwarding, router advertisement and proxy settings are unchanged"
is "$(run --net veth -- sh -c 'grep -H . /proc/sys/net/ipv6/conf/eth0/accept_ra')" \
	"/proc/sys/net/ipv6/conf/eth0/accept_ra:1" "the container end is the container's: left as the kernel made it"
kill -TERM $rapid
wait $rapid
like "$(run --dry-run --net veth -- true)" "no IPv6, no router advertisements, no forwarding" \
	"--dry-run says so in the veth step"

# ---- what the container reaches: the host, nothing beyond ----

# a third namespace behind the "host", which forwards (its own setting,
# in the test's namespace) and routes the containers' networks back
ip -n $NETNS link add xnf$$ type veth peer name xng$$ netns $NETNS3 &&
	ip -n $NETNS addr add 198.51.100.1/24 dev xnf$$ && ip -n $NETNS3 addr add 198.51.100.2/24 dev xng$$ &&
	ip -n $NETNS link set xnf$$ up && ip -n $NETNS3 link set xng$$ up &&
	ip -n $NETNS3 route add 10.200.0.0/16 via 198.51.100.1 &&
	"${IN[@]}" sh -c 'echo 1 >/proc/sys/net/ipv4/ip_forward'
ping1() { echo "ping -c1 -W2 $1 >/dev/null 2>&1 && echo $1 || echo no-$1"; }
"${IN[@]}" sh -c "$(ping1 198.51.100.2)" >/dev/null
ok $? "control: the host reaches the namespace behind it"
out=$(run --net veth:10.200.9.0/30 -- sh -c "$(ping1 10.200.9.1); $(ping1 198.51.100.1); $(ping1 198.51.100.2)")
is "$(echo $out)" "10.200.9.1 198.51.100.1 no-198.51.100.2" \
	"the container reaches the host end and the host's other addresses, but a forwarding host sends nothing of it on"

# ---- 9: seccomp: io_uring and personality() from inside ----

# personality: PER_BSD, READ_IMPLIES_EXEC, ADDR_NO_RANDOMIZE are refused;
# Docker's values (0, PER_LINUX32, UNAME26, both, the query) work
PERS="6 400000 40000 0 8 20000 20008 ffffffff"
host=$(for p in 6 400000; do "$TMPD/probe" personality $p; done)
is "$(echo $host)" "ok ok" "control: on the host, personality(PER_BSD) and (READ_IMPLIES_EXEC) work"
echo "# io_uring_setup on the host: $("$TMPD/probe" io_uring)"
out=$(run -- sh -c "probe io_uring; for p in $PERS; do probe personality \$p; done")
is "$(echo $out)" "ENOSYS EPERM EPERM EPERM ok ok ok ok ok" \
	"inside: io_uring_setup ENOSYS; personality PER_BSD, READ_IMPLIES_EXEC, ADDR_NO_RANDOMIZE EPERM; 0, 8, 0x20000, 0x20008, 0xffffffff work"
like "$(run --dry-run -- true)" "io_uring, personality but Docker's values" "--dry-run names them in the seccomp step"

# ---- 9: /sys/devices/virtual/powercap ----

PC=/sys/devices/virtual/powercap
like "$(run --dry-run -- true)" "/sys/firmware, $PC" "--dry-run names $PC in the mask step"
out=$(run -- sh -c "ls -A $PC 2>/dev/null | wc -l; grep -c ' $PC ' /proc/self/mountinfo")
if [ -n "$(ls -A $PC 2>/dev/null)" ]; then
	is "$(echo $out)" "0 1" "$PC: $(ls -A $PC | wc -l) entries on the host, none inside (an empty read-only tmpfs over it)"
else
	is "$(echo $out)" "0 0" "$PC is absent here (no RAPL), so nothing to mask and no error"
fi
# (where RAPL exists the first case masks it; on a host without it, as
# here, the list's other directories show the same mount at work in
# run-security.t: /sys/firmware)

# ---- 9: --net host drops CAP_NET_RAW ----

# CapEff of the default set (run-security.t) less net_raw (bit 13)
CAPS=$(printf '%016x' $(( (1<<0)|(1<<1)|(1<<3)|(1<<4)|(1<<5)|(1<<6)|(1<<7)|(1<<8)|(1<<10)|(1<<13)|(1<<18)|(1<<29)|(1<<31) )))
NORAW=$(printf '%016x' $(( 0x$CAPS & ~(1<<13) )))
caps() { echo $(run "$@" -- sh -c "awk '/^Cap(Eff|Bnd)/ { print \$2 }' /proc/self/status; probe packet"); }
is "$(caps)" "$CAPS $CAPS ok" "control: in its own network namespace container root keeps CAP_NET_RAW: a packet socket opens"
is "$(caps --net host)" "$NORAW $NORAW EPERM" \
	"--net host: CAP_NET_RAW out of the effective and bounding sets (no CAP_NET_ADMIN either); a packet socket on the host's links fails"
is "$(caps --share net)" "$NORAW $NORAW EPERM" "--share net: the same"
like "$(run --dry-run --net host -- true)" "minus mknod and net_raw \(12 capabilities" "--dry-run says so in the caps step"

# ---- 9: cgroups of killed runs, with and without their record ----

# stop NAME ARGS...: nsx run ARGS stopped before its clone step (its cgroup
# made), in the background as $spid; run it as $ASU (root or the user)
ASU=()
stop() {
	local n=$1; shift
	"${ASU[@]}" env NSX_TEST_STOP_AT=clone "$NSXR" run --name "$n" "$@" -- sleep 9$$ \
		>/dev/null 2>"$TMPD/$n.err" </dev/null &
	spid=$!
	on_exit "kill -9 $spid"
	WAIT_TENTHS=100 wait_cond grep -q "stopped before step 'clone'" "$TMPD/$n.err"
}
# dirs NAME: the cgroups NAME's record names
dirs() { grep '^cgroup=' "$NSX_STATE_DIR/$1" 2>/dev/null | cut -d= -f2-; }
exist() { local d; for d; do [ -d "$d" ] && echo "$d"; done; true; }
NSXR=$NSX

stop k1-$TAG --memory 64m --pids 50
k1=$(dirs k1-$TAG)
ok $([ -n "$k1" ] && [ "$(exist $k1)" = "$k1" ]; echo $?) \
	"a run stopped after its cgroup step: its record names its cgroups, which exist ($(echo $k1))"
kill -9 $spid
wait $spid 2>/dev/null
"$NSX" run -- true
is "$(exist $k1)|$(ls "$NSX_STATE_DIR")" "|" "killed there: the next run removes its cgroups and record"

# the state the old order could leave (cgroup made, nsx killed before the
# record named it), and a lost record: a cgroup no record names
stop k2-$TAG --memory 64m --pids 50
k2=$(dirs k2-$TAG)
for d in $k2; do on_exit "rmdir '$d'"; done	# (if the sweep fails)
kill -9 $spid
wait $spid 2>/dev/null
rm "$NSX_STATE_DIR/k2-$TAG"
# at once: the sweep must leave a cgroup of under 2 s (a live run's on its
# way in, from another state directory, could be between mkdir and attach)
"$NSX" run -- true
is "$(exist $k2)" "$k2" "a cgroup without a record younger than 2 s stays (it may be a live run's on its way in)"
# beside them, cgroups that are not nsx's or not stale (made now: old
# enough by the time of the sweep below)
P=$(dirname "$(echo "$k2" | head -1)")
F=("$P/nsx-Foreign_$$" "$P/nsxforeign$$" "$P/nsx-xnbusy$$" "$P/nsx-xnother$$")
for d in "${F[@]}"; do mkdir "$d" && on_exit "rmdir '$d'"; done
chown 65534 "$P/nsx-xnother$$"
sleep 9$$ &
busy=$!
on_exit "kill -9 $busy"
echo $busy >"$P/nsx-xnbusy$$/cgroup.procs"
stop live-$TAG --memory 64m --pids 50
live=$(dirs live-$TAG)
livepid=$spid
sleep 2.1
"$NSX" run -- true
is "$(exist $k2)" "" "older, no process, no record: the next run removes it"
is "$(exist "${F[@]}" $live | tr '\n' ' ')" "$(echo "${F[@]}" $live) " \
	"not removed: nsx-Foreign_ (no container's name), nsxforeign (no dash), one with a process, one of another owner, a live run's (empty, recorded)"
is "$(cat "$P/nsx-xnbusy$$/cgroup.procs")" "$busy" "... and the process in the busy one is still there"
kill -9 $busy $livepid
wait $busy $livepid 2>/dev/null
"$NSX" run -- true
is "$(exist $live)|$(ls "$NSX_STATE_DIR")" "|" "the live run, killed: its record and cgroups go with the next run"

# ---- the same as a throw-away user, in a cgroup delegated to it ----

PIDS=$(awk '$3 == "cgroup" && $4 ~ /(^|,)pids(,|$)/ { print $2; exit }' /proc/self/mounts)
if [ -z "$PIDS" ] && grep -qw pids /sys/fs/cgroup/cgroup.subtree_control 2>/dev/null; then
	PIDS=/sys/fs/cgroup	# cgroup v2 with pids for the children of its root
fi
if [ -z "$PIDS" ]; then
	skip "rootless: no cgroup pids controller to delegate"
elif mkdir -p "$TMPD/u" && test_user xnu$$ "$TMPD/u"; then
	D=$PIDS/xn-deleg$$
	mkdir -p "$TMPD/u/state" "$D"
	on_exit "rmdir '$D'"
	chown -R "$ID:$GID" "$TMPD/u" "$D"
	chmod 700 "$TMPD/u/state"
	# the user's nsx starts in D, as under systemd-run --user -p Delegate=yes
	ASU=(sh -c "echo \$\$ >'$D/cgroup.procs' && exec \"\$@\"" - "${AS[@]}" env NSX_STATE_DIR="$TMPD/u/state"
		NSX_CACHE_DIR="$TMPD/u/cache")
	NSXR=$NSXB
	ustate=$NSX_STATE_DIR
	NSX_STATE_DIR=$TMPD/u/state
	stop u1-$TAG --pids 20
	u1=$(dirs u1-$TAG)
	for d in $u1; do on_exit "rmdir '$d'"; done
	like "$u1" "^$D/nsx-u1-$TAG\$" "rootless: a run stopped after its cgroup step has its cgroup in the delegated one"
	kill -9 $spid
	wait $spid 2>/dev/null
	rm "$NSX_STATE_DIR/u1-$TAG"
	mkdir "$D/nsx-xnroot$$" && on_exit "rmdir '$D/nsx-xnroot$$'"
	sleep 2.1
	"${ASU[@]}" "$NSXR" run -- true
	is "$(exist $u1)" "" "rootless: killed, its record lost: the user's next run removes its cgroup"
	is "$(exist "$D/nsx-xnroot$$")" "$D/nsx-xnroot$$" "rootless: ... not root's empty nsx-* beside it"
	NSX_STATE_DIR=$ustate
fi

is "$(ls "$NSX_STATE_DIR" 2>/dev/null)" "" "no container records are left"
done_testing
