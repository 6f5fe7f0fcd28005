#!/bin/bash
# VM matrix (tests/vm): what nsx does where the kernel lacks a newer call,
# exercised on the kernel that lacks it (Debian 11's 5.10 lacks all three)
# and, for comparison, on those that have it; the same outcome either way:
#   mount_setattr (Linux 5.12): --rw's / is nodev all the same (a remount);
#   Landlock ABI 2 (5.19): `run --image` unpacks hostile tarballs inside
#     the image's tree all the same (its jail: namespaces, seccomp, one
#     capability);
#   cgroup.kill (5.14): what is still in a container's cgroup when it ends
#     is killed all the same (SIGKILL to each process), the cgroup removed.
# Each test names what the kernel has; a "# fallback:" line goes to the
# matrix's table.
. "$(dirname "$0")/../sh/lib.sh"
. "$(dirname "$0")/vmlib.sh"

need_root || { done_testing; exit; }
T=$(mktemp -d /var/tmp/nsx-vm-fb.XXXXXX)
chmod 755 "$T"
on_exit "rm -rf '$T'"
export NSX_CACHE_DIR=$T/cache NSX_STATE_DIR=$T/state
mkdir -p "$NSX_CACHE_DIR"
TAG=f$$

# sysno NR ARGS...: what the system call NR says: "ENOSYS" where the
# kernel lacks it, else its result or another error's name
sysno() {
	python3 -c '
import ctypes, errno, sys
libc = ctypes.CDLL(None, use_errno=True)
r = libc.syscall(*[ctypes.c_long(int(a)) for a in sys.argv[1:]])
print(r if r >= 0 else errno.errorcode.get(ctypes.get_errno(), "?"))' "$@"
}

mkrootfs "$T/tree"
ok $? "a busybox tree to run on"

# ---- mount_setattr (x86_64: 442): --rw's nodev ----

mknod -m 666 "$T/tree/null" c 1 3
has=$(sysno 442 -1 0 0 0 0)
out=$("$NSX" run --rw --rootfs "$T/tree" -- /bin/sh -c '
	awk "\$5 == \"/\" { print (\$6 ~ /(^|,)nodev(,|$)/) ? \"nodev\" : \"dev\" }" /proc/self/mountinfo
	{ echo x >/null; } 2>/dev/null && echo opened || echo refused' 2>&1)
is "$out" "nodev
refused" "--rw: / is nodev, a device node in the rootfs cannot be opened (mount_setattr: $has)"
out=$("$NSX" run --rootfs "$T/tree" -- /bin/sh -c '{ echo x >/null; } 2>/dev/null && echo opened || echo refused' 2>&1)
is "$out" "refused" "... and the writable layer's / too"
[ "$has" != ENOSYS ] || fallback "no mount_setattr (Linux 5.12): --rw's nodev by a remount"
rm -f "$T/tree/null"

# ---- Landlock ABI 2 (landlock_create_ruleset, 444): the unpacker ----

abi=$(sysno 444 0 0 1)
H=$T/host
mkdir -p "$H/dir"
echo "sentinel $TAG" >"$H/sentinel"
MK="$(dirname "$0")/../sh/hostile-image.py"
# img NAME MEMBER...: a tarball of the tree and then MEMBERs
img() {
	local n=$1
	shift
	python3 "$MK" tar "$T/$n.tar" "$T/tree" "$@"
}
img plain
img symfile "sym:a:$H/dir" "file:a/x-$TAG"
img relsym "sym:b:../../../../../../../..$H/dir" "file:b/y-$TAG"
img dotdot "file:../../../../../../../..$H/dir/z-$TAG"
img hardout "hard:h:$H/sentinel"
for n in symfile relsym dotdot hardout; do
	out=$("$NSX" run --image "$T/$n.tar" -- /bin/sh -c 'cat /h 2>/dev/null; echo ran' 2>"$T/err")
	rc=$?
	is "$(ls -A "$H/dir")|$(cat "$H/sentinel")" "|sentinel $TAG" \
		"hostile image $n (Landlock ABI $abi): nothing written outside its tree"
	# refused (125 and one line), or run without the host's file
	if [ "$rc" = 0 ]; then
		is "$out" "ran" "... it runs, the host's file not in it"
	else
		is "$rc|$(wc -l <"$T/err")" "125|1" "... refused in one line: $(head -c 160 "$T/err")"
	fi
done
is "$("$NSX" run --image "$T/plain.tar" -- cat /etc/motd 2>&1)" "rootfs $T/tree" "a plain image unpacks and runs (Landlock ABI $abi)"
case $abi in
ENOSYS|EOPNOTSUPP|0|1) fallback "no Landlock ABI 2 (Linux 5.19) on the image unpacker: its jail alone (namespaces, seccomp, one capability)" ;;
esac

# ---- cgroup.kill: a container's cgroup emptied when it ends ----

mkdir "/sys/fs/cgroup/nsx-vm-probe-$TAG"
[ -e "/sys/fs/cgroup/nsx-vm-probe-$TAG/cgroup.kill" ] && kill=yes || kill=no
rmdir "/sys/fs/cgroup/nsx-vm-probe-$TAG"
rm -f "$T/tree/go"
"$NSX" run --name cgk-$TAG --pids 50 --rw --rootfs "$T/tree" -- /bin/sh -c 'until [ -e /go ]; do sleep 0.2; done' &
NP=$!
on_exit "kill -KILL $NP 2>/dev/null"
cgdir() { find /sys/fs/cgroup -maxdepth 8 -type d -name "nsx-cgk-$TAG" 2>/dev/null | head -n 1; }
WAIT_TENTHS=300 wait_cond sh -c "[ -n \"\$(find /sys/fs/cgroup -maxdepth 8 -type d -name nsx-cgk-$TAG)\" ]"
CG=$(cgdir)
ok "$([ -n "$CG" ]; echo $?)" "the container's cgroup: ${CG:-none}"
# a process of the host's in it, which forks two more there: not in the
# container's pid namespace, so not ended with it
(
	echo "$BASHPID" >"$CG/cgroup.procs" && exec sh -c 'sleep 300 & sleep 300 & echo "$$ $!" >"$1"; wait' sh "$T/pids"
) &
SP=$!
on_exit "kill -KILL $SP 2>/dev/null"
WAIT_TENTHS=100 wait_cond test -s "$T/pids"
read -r p1 p2 <"$T/pids"
on_exit "kill -KILL $p2 2>/dev/null"
is "$(grep -cxE "$SP|$p2" "$CG/cgroup.procs")" 2 "processes of the host's in it, beside the container's"
touch "$T/tree/go"
WAIT_TENTHS=300 wait_cond sh -c "! kill -0 $NP 2>/dev/null"
wait "$NP"
is "$?" 0 "the container ends, nsx exits 0"
# gone, or a zombie of a parent here that has not waited yet
dead() { [ ! -e "/proc/$1" ] || [ "$(sed 's/.*) //' "/proc/$1/stat" | cut -c1)" = Z ]; }
WAIT_TENTHS=50 wait_cond dead "$p2"
ok $? "what was left in its cgroup is killed (cgroup.kill: $kill)"
wait "$SP"
is "$?" 137 "... the forking process by SIGKILL"
is "$(cgdir)" "" "... and the cgroup is removed"
[ "$kill" = yes ] || fallback "no cgroup.kill (Linux 5.14): each process left in a container's cgroup SIGKILLed"
done_testing
