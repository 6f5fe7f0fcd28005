#!/bin/bash
# VM matrix (tests/vm): containers as root on this kernel. A container on
# every kind of rootfs (the built-in busybox, --rootfs DIR, --image
# tarball, an OCI layout), each with a writable layer (a file written in /,
# a directory of the image removed, no note) that goes away with it; --rw;
# limits visible inside and biting (memory.max and pids.max read in the
# container's read-only cgroup2, a fork loop stopped by --pids, an OOM
# kill's 137 and nsx's line about it). Short:
# under TCG a process costs ~0.1 s.
. "$(dirname "$0")/../sh/lib.sh"
. "$(dirname "$0")/vmlib.sh"

need_root || { done_testing; exit; }
T=$(mktemp -d /tmp/nsx-vm-ct.XXXXXX)
chmod 755 "$T"
on_exit "rm -rf '$T'"
export NSX_CACHE_DIR=$T/cache NSX_STATE_DIR=$T/state
mkdir -p "$NSX_CACHE_DIR"
TAG=v$$

mkrootfs "$T/tree"
ok $? "a busybox tree to run on"
tar -C "$T/tree" -czf "$T/img.tar.gz" .
python3 "$(dirname "$0")/../sh/hostile-image.py" oci "$T/oci" "$T/tree" "file:oci-layer2"
ok $? "an OCI layout of two layers (the tree, then /oci-layer2)"

# layer KIND N ARGS...: on that rootfs the container writes a file in / and
# removes /etc, a directory of the image, with nothing on stderr; a second
# container sees neither change: no /written, N files in /etc
layer() {
	local kind=$1 n=$2 out err
	shift 2
	out=$("$NSX" run "$@" -- /bin/sh -c 'echo w-$$ >/written && cat /written >/dev/null && rm -rf /etc &&
		mkdir /etc && echo layer-ok' 2>"$T/err")
	err=$(cat "$T/err")
	is "$out|$err" "layer-ok|" "$kind: / is writable, a directory of the image can go, no note"
	is "$("$NSX" run "$@" -- /bin/sh -c '[ ! -e /written ] && echo $(ls /etc | wc -l)' 2>&1)" "$n" "$kind: the next container sees none of it"
}

layer "built-in rootfs" 3 --name bi-$TAG	# /etc: hostname, passwd, group
layer "--rootfs DIR" 3 --rootfs "$T/tree"
is "$(ls "$T/tree/etc" | wc -l):$(ls "$T/tree" | grep -c written)" "3:0" "--rootfs DIR: the tree itself is unchanged"
layer "--image tarball" 3 --image "$T/img.tar.gz"
layer "--image OCI layout" 3 --image "$T/oci"
is "$("$NSX" run --image "$T/oci" -- cat /oci-layer2 /etc/motd 2>&1)" "evil
rootfs $T/tree" "--image OCI layout: both layers are there"
"$NSX" run --rw --rootfs "$T/tree" -- /bin/sh -c 'echo kept >/kept'
is "$(cat "$T/tree/kept" 2>&1)" "kept" "--rw writes to the rootfs itself"

# root with a user namespace: overlayfs there keeps its marks in user.*
# xattrs, which tmpfs keeps from Linux 6.6 on; before, the layer is on
# disk, in the cache (here on the VM's ext4 /var/tmp), owned by whom the
# container's root is on the host
D=$(mktemp -d /var/tmp/nsx-vm-ct.XXXXXX)
chmod 755 "$D"
on_exit "rm -rf '$D'"
out=$(NSX_CACHE_DIR=$D/cache "$NSX" run --user -- /bin/sh -c 'rm -rf /etc && echo rm-ok' 2>&1)
out2=$(NSX_CACHE_DIR=$D/cache "$NSX" run --uid-map 0:200000:65536 --gid-map 0:200000:65536 -- /bin/sh -c \
	'echo w >/w && cat /w && stat -c %u:%g /w' 2>&1)
if kernel_ge 5 11; then
	is "$out" "rm-ok" "as root with --user: a directory of the image can go, no note"
	is "$out2" "w
0:0" "... with --uid-map 0:200000:65536: the layer is writable (its root is 200000 on the host), no note"
else
	ro="nsx: run: note: overlay refused in a user namespace (Linux 5.11 allows it): the container's / is read-only"
	is "$(echo "$out" | head -n 1 | cut -c1-${#ro})" "$ro" "as root with --user: no overlayfs in a user namespace before 5.11: / read-only, one note"
	is "$(echo "$out2" | head -n 1 | cut -c1-${#ro})" "$ro" "... with --uid-map 0:200000:65536: the same"
	fallback "with a user namespace (--user, --uid-map): a read-only / (no overlayfs in a user namespace before Linux 5.11), said in one line"
fi
is "$(ls -A "$D/cache/layers" 2>&1)" "" "... and no layer is left in the cache"

# ---- limits ----

# seen from the host: the container's cgroup and its limit files (v2, or
# v1's memory and pids hierarchies)
"$NSX" run --name lim-$TAG --memory 32m --pids 20 -- sleep 20 &
lim=$!
on_exit "kill -KILL $lim"
cgfile() { find /sys/fs/cgroup -maxdepth 8 -path "*/nsx-lim-$TAG/$1" 2>/dev/null | head -n 1; }
# (a function: wait_cond runs it again each time, a $(...) would be read once)
has_cg() { [ -n "$(cgfile pids.max)" ]; }
WAIT_TENTHS=200 wait_cond has_cg
if [ -f /sys/fs/cgroup/cgroup.controllers ]; then
	is "$(cat "$(cgfile memory.max)" "$(cgfile pids.max)" 2>&1 | paste -sd' ')" "33554432 20" \
		"the container's cgroup ($(dirname "$(cgfile pids.max)")) has memory.max and pids.max"
else
	is "$(cat "$(cgfile memory.limit_in_bytes)" "$(cgfile pids.max)" 2>&1 | paste -sd' ')" "33554432 20" \
		"cgroup v1: the container's memory.limit_in_bytes and pids.max"
fi
kill -TERM $lim
wait $lim

# inside: cgroup2 mounted read-only from inside the container's cgroup
# namespace, the tree starting at its own cgroup
out=$("$NSX" run --memory 32m --pids 20 -- /bin/sh -c 'cat /sys/fs/cgroup/memory.max /sys/fs/cgroup/pids.max
	grep " /sys/fs/cgroup " /proc/self/mounts; sort -n /sys/fs/cgroup/cgroup.procs | head -n 2; echo 99 >/sys/fs/cgroup/pids.max' 2>&1)
is "$(echo "$out" | sed -n 1,2p | paste -sd' ')" "33554432 20" "inside: /sys/fs/cgroup/memory.max and pids.max show the limits"
like "$(echo "$out" | sed -n 3p)" "^cgroup2 /sys/fs/cgroup cgroup2 ro,nosuid,nodev,noexec" "... cgroup2, read-only, nosuid, nodev, noexec"
is "$(echo "$out" | sed -n '4,$p' | paste -sd' ')" "1 2 /bin/sh: can't create /sys/fs/cgroup/pids.max: Read-only file system" \
	"... its root is the container's cgroup (its processes alone), and no limit can be raised"
like "$("$NSX" run --dry-run --pids 20 | grep ' cgroupfs ')" "cgroup2 on /sys/fs/cgroup, read-only" "... as the plan says"
is "$("$NSX" run -- cat /sys/fs/cgroup/pids.max 2>&1)" "max" "without limits: the cgroup namespace's root (nsx's cgroup) all the same"

err=$("$NSX" run --pids 10 -- /bin/sh -c 'i=0; while [ $i -lt 30 ]; do sleep 5 & i=$((i + 1)); done; echo forked' 2>&1)
like "$?:$err" "^2:.*can't fork" "--pids 10: a fork loop is stopped (sh: can't fork)"
"$NSX" run --memory 16m -- dd if=/dev/zero of=/dev/null bs=64M count=1 >/dev/null 2>"$T/err"
is $? 137 "--memory 16m: a 64 MB buffer gets the command OOM-killed (137)"
like "$(cat "$T/err")" "^nsx: run: the container's memory limit \(16M\) was reached: the kernel killed 1 process in it \(OOM\); the command got SIGKILL \(exit 137\)$" \
	"... and nsx says so, in one line (memory.events oom_kill)"

is "$(ls "$NSX_STATE_DIR" 2>/dev/null)$(find /sys/fs/cgroup -name "nsx-*-$TAG" | head -n 1)" "" \
	"no record or cgroup is left"
done_testing
