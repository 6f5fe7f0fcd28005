#!/bin/bash
# VM matrix (tests/vm): the distributions' quirks, each one line that names
# the fix, the same from unshare (levels), run and doctor, never a bare
# EPERM: Debian's kernel.unprivileged_userns_clone=0, user.max_user_namespaces
# at 0 and reached, newuidmap missing where a range needs it, and a cgroup
# v1 host (no cgroup2 at all: limits need root). The sysctls are changed
# here, in the throw-away VM (and put back for the files after this one);
# each case runs as a throw-away user. Ubuntu's
# kernel.apparmor_restrict_unprivileged_userns is in none of Debian's
# kernels: its line is tested on a fixture /proc/sys (tests/unit/userns.c),
# and here its way through unshare and run with that fixture
# (NSX_TEST_SYSCTL_DIR) and a real EPERM in the new user namespace.
. "$(dirname "$0")/../sh/lib.sh"
. "$(dirname "$0")/vmlib.sh"

need_root || { done_testing; exit; }
# on the VM's disk (/var/tmp, ext4): the user's cache keeps user.* xattrs,
# which tmpfs does not before Linux 6.6
user_home qk xq$$ || { done_testing; exit; }
as() { (cd "$T" && "${AS[@]}" env HOME="$T" XDG_RUNTIME_DIR= "$@"); }

# setsys NAME VALUE: a sysctl set for this file, put back at its end
setsys() {
	local f=/proc/sys/${1//.//}
	on_exit "echo '$(cat "$f")' >'$f'"
	echo "$2" >"$f"
}

# says WHAT WANT-STATUS WANT-LINE CMD...: CMD as the user exits with
# WANT-STATUS and prints exactly one line on stderr, WANT-LINE
says() {
	local what=$1 st=$2 line=$3 rc
	shift 3
	as "$@" >"$T/out" 2>"$T/err"
	rc=$?
	is "$rc|$(cat "$T/err")" "$st|$line" "$what"
}

# before Linux 5.11 a rootless container's / is read-only, said in a note
# (tests/vm/rootless-run.t): not what this file is about
RO_NOTE="^nsx: run: note: overlay refused in a user namespace (Linux 5.11 allows it)"

# qr TEXT: TEXT as a regular expression that matches it alone
qr() { printf '%s' "$1" | sed 's/[][\.*^$()+?{}|]/\\&/g'; }

# doc PATTERN: doctor's line for PATTERN, as the user
doc() { as "$NSXB" doctor | grep -E "$1"; }

# ---- Debian: kernel.unprivileged_userns_clone=0 ----

if [ -f /proc/sys/kernel/unprivileged_userns_clone ]; then
	setsys kernel.unprivileged_userns_clone 0
	why="unprivileged user namespaces are disabled here (kernel.unprivileged_userns_clone=0)"
	fix="run as root, or ask root to sysctl -w kernel.unprivileged_userns_clone=1"
	says "unprivileged_userns_clone=0: unshare -- CMD says why, exit 1" 1 \
		"nsx: unshare: cannot create a user namespace: $why: $fix" "$NSXB" unshare uts -- true
	says "... a level (the shell forks) says the same" 1 \
		"nsx: unshare: cannot create a user namespace: $why: $fix" sh -c "'$NSXB' unshare uts </dev/null"
	says "... run: exit 125, one line" 125 \
		"nsx: run: cannot create a user namespace: $why: $fix" "$NSXB" run -- true
	is "$(doc '^[a-zA-Z]+ +kernel.unprivileged_userns_clone')" \
		"FAIL  kernel.unprivileged_userns_clone = 0: unprivileged user namespaces are disabled (fix: $fix)" \
		"... doctor: the sysctl's line FAILs with the same fix"
	like "$(doc '^[a-zA-Z]+ +unprivileged user namespaces')" \
		"^FAIL +unprivileged user namespaces \(uid $ID\): unshare\(CLONE_NEWUSER\) fails: EPERM \(fix: $(qr "$fix")\)$" \
		"... and its user namespace line"
	is "$("$NSX" run --user -- echo root 2>/dev/null)" "root" "... root is not restricted (run --user)"
	echo 1 >/proc/sys/kernel/unprivileged_userns_clone
else
	skip "this kernel has no kernel.unprivileged_userns_clone (Debian's patch)"
fi

# ---- user.max_user_namespaces: 0, and reached ----

setsys user.max_user_namespaces 0
why="user namespaces are disabled here (user.max_user_namespaces=0)"
says "max_user_namespaces=0: unshare says why, exit 1" 1 \
	"nsx: unshare: cannot create a user namespace: $why: ask root to raise it: sysctl -w user.max_user_namespaces=15000" \
	"$NSXB" unshare uts -- true
says "... run: exit 125" 125 \
	"nsx: run: cannot create a user namespace: $why: ask root to raise it: sysctl -w user.max_user_namespaces=15000" \
	"$NSXB" run -- true
is "$(doc '^[a-zA-Z]+ +user.max_user_namespaces')" \
	"FAIL  user.max_user_namespaces = 0: unprivileged user namespaces are disabled (fix: ask root to raise it: sysctl -w user.max_user_namespaces=15000)" \
	"... doctor: the same fix"
out=$("$NSX" run --user -- true 2>&1)
is "$?|$out" "125|nsx: run: cannot create a user namespace: $why: raise it: sysctl -w user.max_user_namespaces=15000" \
	"... root asking for one (--user) is told to raise it itself"

# the per-user limit: one, held by a process of the user's
echo 1 >/proc/sys/user/max_user_namespaces
as sh -c 'echo $$ >"$1"; exec unshare --user sleep 300' sh "$T/holder.pid" &
WAIT_TENTHS=100 wait_cond test -s "$T/holder.pid"
on_exit "kill -KILL $(cat "$T/holder.pid")"
WAIT_TENTHS=100 wait_cond sh -c "[ \"\$(readlink /proc/$(cat "$T/holder.pid")/ns/user)\" != \"\$(readlink /proc/self/ns/user)\" ]"
why="the limit of user namespaces per user is reached (user.max_user_namespaces=1)"
fix="end some (levels, containers, sandboxes hold them), or ask root to raise it: sysctl -w user.max_user_namespaces=15000"
says "max_user_namespaces reached (1, held by another process of the user's): unshare says so" 1 \
	"nsx: unshare: cannot create a user namespace: $why: $fix" "$NSXB" unshare uts -- true
says "... run too" 125 "nsx: run: cannot create a user namespace: $why: $fix" "$NSXB" run -- true
is "$("$NSX" run --user -- echo root 2>/dev/null)" "root" "... root's own count is not the user's (run --user)"
kill -KILL "$(cat "$T/holder.pid")"
wait
echo 15000 >/proc/sys/user/max_user_namespaces

# ---- newuidmap missing where a range needs it ----

subids "$U"
# /usr/bin without newuidmap and newgidmap, as where uidmap is not
# installed: whiteouts in an overlay, in a mount namespace of the test's
mkdir -p "$T/wo/up" "$T/wo/work"
mknod "$T/wo/up/newuidmap" c 0 0 && mknod "$T/wo/up/newgidmap" c 0 0
# nouidmap CMD...: CMD as the user there
nouidmap() {
	unshare -m sh -c 'mount -t overlay -o "lowerdir=/usr/bin,upperdir=$1/up,workdir=$1/work" wo /usr/bin &&
		shift && exec "$@"' sh "$T/wo" "${AS[@]}" env HOME="$T" XDG_RUNTIME_DIR= sh -c 'cd "$0" && exec "$@"' "$T" "$@"
}
is "$(nouidmap sh -c 'echo mounted; command -v newuidmap newgidmap')" "mounted" "newuidmap and newgidmap hidden (for the user, in a mount namespace)"
fix="ask root to install the uidmap package (apt-get install uidmap; Fedora: shadow-utils), or map only yourself"
nouidmap "$NSXB" run --uid-map "0:$ID:1" --uid-map "1:$BASE:65536" --gid-map "0:$GID:1" -- true >"$T/out" 2>"$T/err"
is "$?|$(cat "$T/err")" "125|nsx: run: --uid-map 1:$BASE:65536 needs newuidmap, which is not installed here: $fix" \
	"run --uid-map with a range: exit 125, one line naming the tool and the fix"
is "$(ls -A "$T/.cache/nsx/layers" 2>/dev/null)$(ls -A /tmp/nsx-"$ID" 2>/dev/null)" "" "... before anything is made (no layer, no record)"
nouidmap "$NSXB" unshare --map-users "0:$ID:1" --map-users "1:$BASE:65536" user -- true >"$T/out" 2>"$T/err"
is "$?|$(cat "$T/err")" "1|nsx: unshare: --map-users 1:$BASE:65536 needs newuidmap, which is not installed here: $fix" \
	"unshare --map-users: exit 1, the same line"
nouidmap "$NSXB" run --gid-map "0:$GID:1" --gid-map "1:$BASE:65536" -- true >"$T/out" 2>"$T/err"
is "$?|$(cat "$T/err")" "125|nsx: run: --gid-map 1:$BASE:65536 needs newgidmap, which is not installed here: $fix" \
	"run --gid-map: names newgidmap"
is "$(nouidmap "$NSXB" doctor | grep -E '^[a-z]+ +newuidmap')" \
	"warn  newuidmap: not found (needed for maps of more than one ID) (fix: ask root to install the uidmap package (apt-get install uidmap; Fedora: shadow-utils))" \
	"... doctor: warn, the same fix"
is "$(nouidmap "$NSXB" run -- echo one-id 2>&1 | grep -v "$RO_NOTE")" "one-id" "... a map of your own id alone needs no tool"

# ---- AppArmor's restriction: the line's way through unshare and run ----

# A real EPERM in the new user namespace: mounting a /proc there is
# refused when a part of the /proc above is hidden by a mount (as in a
# container); the sysctl is faked by a fixture tree (no Debian kernel
# has it): with it, the failure is AppArmor's line, without, the EPERM's.
hidden() {
	unshare -m sh -c 'mount --bind /dev/null /proc/kcore && exec "$@"' sh \
		"${AS[@]}" env HOME="$T" XDG_RUNTIME_DIR= "$@"
}
why="AppArmor restricts unprivileged user namespaces here (kernel.apparmor_restrict_unprivileged_userns=1)"
fix="ask root for an AppArmor profile for nsx, or sysctl -w kernel.apparmor_restrict_unprivileged_userns=0"
out=$(hidden env NSX_TEST_SYSCTL_DIR="$NSX_TOP/tests/fixtures/sysctl-ubuntu" "$NSXB" unshare pid --mount-proc -- true 2>&1)
is "$?|$out" "1|nsx: unshare: cannot mount /proc: $why: $fix" \
	"kernel.apparmor_restrict_unprivileged_userns=1 (a fixture), an EPERM in the new user namespace: unshare names AppArmor and the fix"
out=$(hidden "$NSXB" unshare pid --mount-proc -- true 2>&1)
like "$?|$out" "^1\|nsx: unshare: cannot mount /proc: Operation not permitted \(in a user namespace, only where no part of the /proc above is hidden by a mount" \
	"... without the sysctl: what refused it, with why"
out=$(hidden env NSX_TEST_SYSCTL_DIR="$NSX_TOP/tests/fixtures/sysctl-ubuntu" "$NSXB" run -- true 2>&1 | grep -v "$RO_NOTE"; exit "${PIPESTATUS[0]}")
is "$?|$out" "125|nsx: run: mount proc on /proc: $why: $fix" "... run says the same"
is "$(hidden env NSX_TEST_SYSCTL_DIR="$NSX_TOP/tests/fixtures/sysctl-ubuntu" "$NSXB" doctor |
	grep -E '^[a-zA-Z]+ +kernel.apparmor')" \
	"ok    kernel.apparmor_restrict_unprivileged_userns = 1: AppArmor confines user namespaces, but nsx is allowed" \
	"... doctor reads the same sysctl (and its probe works here: allowed)"

# ---- a cgroup v1 host: no cgroup2 anywhere ----

# the controllers taken from cgroup v2 (a controller is in one hierarchy
# only), v1 hierarchies mounted in a mount namespace of the test's; put
# back at the end for the files after this one
# (not memory: a memory cgroup's state outlives it while pages are charged
# to it, which keeps the controller on cgroup v2 indefinitely)
ctl="pids cpu"
# the subtree_control of every cgroup as it was, top down
find /sys/fs/cgroup -name cgroup.subtree_control | while read -r f; do echo "$f $(cat "$f")"; done >"$T/v2state"
v2off() {
	local d c
	for d in $(find /sys/fs/cgroup -depth -name cgroup.subtree_control); do
		for c in $ctl; do echo "-$c" >"$d"; done 2>/dev/null
	done
}
# v2on: each cgroup's controllers back as they were; false while one is not
v2on() {
	local f want c
	# a v1 hierarchy whose last mount went while a cgroup was still in it
	# outlives it (and keeps its controllers): mounted and unmounted again,
	# empty now, it ends
	mkdir -p "$T/v1mnt"
	for c in $ctl; do
		[ "$(awk -v c="$c" '$1 == c { print $2 }' /proc/cgroups)" = 0 ] ||
			unshare -m sh -c 'mount -t cgroup -o "$1" cgroup "$2" && umount "$2"' sh "$c" "$T/v1mnt"
	done
	while read -r f want; do
		for c in $want; do echo "+$c" >"$f"; done 2>/dev/null
	done <"$T/v2state"
	while read -r f want; do
		[ "$(cat "$f" 2>/dev/null)" = "$want" ] || [ ! -e "$f" ] || return 1
	done <"$T/v2state"
}
v2off
on_exit "WAIT_TENTHS=100 wait_cond v2on"
# v1 CMD...: CMD where cgroup v1 alone is mounted at /sys/fs/cgroup
v1() {
	# (a controller just taken from v2 is busy until its cgroups there are
	# gone, which the kernel does a moment later)
	unshare -m sh -c 'umount /sys/fs/cgroup && mount -t tmpfs -o mode=755 cgroup /sys/fs/cgroup || exit 9
		for c in pids cpu; do
			mkdir /sys/fs/cgroup/$c && i=0 &&
			until mount -t cgroup -o $c cgroup /sys/fs/cgroup/$c 2>/dev/null; do
				[ $((i += 1)) -lt 100 ] || exit 9
				sleep 0.1
			done
		done
		exec "$@"' sh "$@"
}
is "$(v1 sh -c 'grep -c " cgroup2 " /proc/self/mountinfo; ls /sys/fs/cgroup' | paste -sd' ')" "0 cpu pids" \
	"a cgroup v1 host: pids and cpu hierarchies, no cgroup2"
out=$(v1 "${AS[@]}" env HOME="$T" XDG_RUNTIME_DIR= sh -c "cd '$T' && '$NSXB' run --pids 20 -- true" 2>&1)
like "$?|$out" "^125\|nsx: run: cannot create cgroup /sys/fs/cgroup/pids/nsx-[a-z0-9.-]+: Permission denied; cgroup v1 is never delegated to a user: limits need root; or --limits=try to run without them$" \
	"cgroup v1, as a user: --pids exits 125, one line: limits need root (or --limits=try)"
# doctor names the first limit that cannot be had: --memory, no memory
# hierarchy here
why=$(v1 "${AS[@]}" env HOME="$T" XDG_RUNTIME_DIR= sh -c "cd '$T' && '$NSXB' run --memory 32m -- true" 2>&1 |
	sed "s/^nsx: run: //; s/; or --limits=try to run without them\$//")
doc=$(v1 "${AS[@]}" env HOME="$T" XDG_RUNTIME_DIR= sh -c "cd '$T' && '$NSXB' doctor" | grep -E '^[a-zA-Z]+ +cgroup')
like "$(echo "$doc" | sed -n 1p)" "^ok +cgroup v1; controllers: .*pids" "... doctor: cgroup v1"
is "$(echo "$doc" | sed -n 2p)" "warn  cgroup limits: none usable by $U: run --memory/--pids/--cpus refuses: $why (fix: as it says, or run --limits=try to run without limits)" \
	"... and the same words for the limits"
out=$(v1 "${AS[@]}" env HOME="$T" XDG_RUNTIME_DIR= sh -c "cd '$T' && '$NSXB' run --pids 20 --limits=try -- echo ran" 2>/dev/null)
is "$out" "ran" "... --limits=try runs without them"
is "$(v1 "$NSX" run --pids 20 --cpus 0.5 -- cat /sys/fs/cgroup/pids/pids.max /sys/fs/cgroup/cpu/cpu.cfs_quota_us 2>&1 | paste -sd' ')" \
	"20 50000" "... as root: the limits applied, seen inside (v1 binds, read-only)"
WAIT_TENTHS=100 wait_cond v2on
st=$?
ok $st "the controllers are back on cgroup v2 (for the files after this one)"
[ $st = 0 ] || {
	while read -r f want; do
		[ ! -e "$f" ] || [ "$(cat "$f")" = "$want" ] || echo "#   $f: $(cat "$f"), want $want"
	done <"$T/v2state"
	grep -E '^(pids|cpu)\s' /proc/cgroups | sed 's/^/#   /'
}
done_testing
