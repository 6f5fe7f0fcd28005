#!/bin/bash
# Issue 15, findings 1, 2 and 7, and the review of their fixes: a student
# (a throw-away unprivileged user) against root's image cache and root's
# unpacking of images.
#  - open a device node from root's cache (an image's dev/myzero 1:5 0666,
#    dev/mymem 1:1, a block device 7:0): none exists
#  - plant a file in any directory of root's cache (the busybox tree's tmp
#    was 1777, an image's /tmp too): refused, and no root container's /tmp
#    shows one; nothing in the cache is the student's, a device, setuid
#    or group/other-writable
#  - move a directory it owns out of a tree root is removing, mid-removal
#    (a dead build's tree of an older nsx, which kept the archive's owners):
#    root's deletion never leaves the tree it started in
#  - swap a directory root (without CAP_DAC_OVERRIDE, as on root-squashed
#    NFS) is about to chmod for a symlink to a root-owned file: the chmod
#    does not follow it; a directory root cannot remove does not keep it
#    looping forever
#  - bounds: a zstd tarball declaring a 50 GB file, a 200 MiB zero file on
#    a small cache filesystem, 300,001 members, 300 levels: each refused in
#    one line before anything is written, nothing left in the cache; the
#    --image-max-* options raise the bounds
#  - root's unpacker, confined, with Landlock and without it
#    (NSX_TEST_NO_LANDLOCK), on a tarball and on a student's OCI layout
#    (NSX_TEST_UNPACK_PROBE): it cannot create a file outside its tree,
#    chmod outside it, climb out through any fd it holds (nsx's /proc, the
#    staging lock, the layout's directory) or reach core_pattern; it keeps
#    CAP_DAC_OVERRIDE alone, no_new_privs and the seccomp filter
#  - an OCI layout whose index.json or blobs are FIFOs: refused at once,
#    root's nsx does not hang
# Root's cache is modelled by NSX_CACHE_DIR in a root-owned 0755 directory
# (as /var/cache/nsx), so that the host's own cache is left alone.
. "$(dirname "$0")/lib.sh"

need_root || { done_testing; exit; }
command -v python3 >/dev/null || { skip "python3 is needed to build the images"; done_testing; exit; }
HERE=$(cd "$(dirname "$0")" && pwd)
MK=$HERE/hostile-image.py

T=$(mktemp -d /var/tmp/nsx-attack-cache.XXXXXX)
chmod 755 "$T"
on_exit "rm -rf '$T'"
mkdir -p "$T/img" "$T/state" "$T/home"
chmod 700 "$T/state"
export NSX_STATE_DIR=$T/state
C=$T/cache	# root's cache, as /var/cache/nsx
test_user xca$$ "$T/home" || { done_testing; exit; }
chown "$ID:$GID" "$T/home"
as() { "${AS[@]}" "$@"; }
# nsx as root on cache $1: the rest of the arguments
nsxc() { local c=$1; shift; NSX_CACHE_DIR=$c "$NSX" "$@"; }

# the built-in tree, the base of every image
nsxc "$C" run -- true || { ok 1 "root builds the built-in rootfs"; done_testing; exit; }
BASE=$(ls -d "$C"/rootfs/busybox-*/ | head -1)
[ -d "$BASE/root" ] && BASE=$BASE/root
img() { local n=$1; shift; python3 "$MK" tar "$T/img/$n.tar" "$BASE" "$@" && chmod 644 "$T/img/$n.tar"; }

# ---- 1: device nodes, setuid files, foreign owners, world-writable dirs ----

# dev/myzero (1:5, 0666) is what a student could open if it were made:
# /dev/mem (1:1) would need CAP_SYS_RAWIO anyway
img evil chr:dev/myzero:1:5 chr:dev/mymem:1:1 blk:dev/disk:7:0 suid:bin/evil dir:var/www:2775:$ID:$ID dir:tmp:1777:0:0
chmod -R a+rX "$T/img"
nsxc "$C" run --image "$T/img/evil.tar" -- true
ok $? "root runs an image with dev/myzero (1:5, 0666), dev/mymem (1:1), dev/disk (7:0), a setuid file, a dir of the student's, /tmp 1777"
is "$(find "$C" \( -type c -o -type b \) | head -3)" "" "no device node anywhere in root's cache"
# opens "$@" as the student, says which opened: a read of one byte
opened() { as sh -c 'for d; do head -c 1 "$d" >/dev/null 2>&1 && echo "opened $d"; done; true' sh "$@"; }
mknod -m 666 "$T/zero-control" c 1 5
is "$(opened "$T/zero-control")" "opened $T/zero-control" "(the check can fail: the student opens a 1:5 node of mode 0666 made outside the cache)"
rm -f "$T/zero-control"
out=$(opened $(find "$C" -name myzero -o -name mymem -o -name disk 2>/dev/null) "$C"/images/*/root/dev/myzero "$C"/images/*/root/dev/disk)
is "$out" "" "the student opens no device from root's cache"
is "$(find "$C" -perm /6000 | head -3)" "" "no setuid or setgid file in root's cache"
is "$(find "$C" ! -user root -printf '%u %p\n' | head -3)" "" "nothing in root's cache is owned by anyone but root (the image's dir of the student's uid too)"
is "$(find "$C" ! -type l -perm /022 -printf '%m %p\n' | head -3)" "" "nothing in root's cache is group- or other-writable"

# ---- 2: planting files ----

planted=0
for d in $(find "$C" -type d); do
	as sh -c "echo planted >'$d/planted-$$'" 2>/dev/null && planted=$((planted + 1))
done
is "$planted" 0 "the student plants a file in none of the $(find "$C" -type d | wc -l) directories of root's cache (the busybox tree's tmp among them)"
is "$(find "$C" -name "planted-$$" | head -3)" "" "... nothing of it is there"
out=$(nsxc "$C" run -- ls -A /tmp)
is "$out" "" "a root container's /tmp (the busybox tree) shows nothing planted"
out=$(nsxc "$C" run -- stat -c '%a' /tmp)
is "$out" 1777 "... and is 1777 inside, as a /tmp must be"
out=$(nsxc "$C" run --image "$T/img/evil.tar" -- sh -c "ls -A /tmp | grep -c planted; stat -c '%a %u' /tmp /var/www")
is "$(echo $out)" "0 1777 0 2775 $ID" "in the image's container: nothing planted in /tmp, /tmp and /var/www the image's owners and modes"

# ---- 3: a directory moved away mid-removal ----
# A dead build's tree left by an older nsx (0755, the archive's owners
# kept: the student owns s/ and below). Root's next build sweeps it; the
# hook stops root's nsx on entering b/, the student moves b/ into a place
# of its own whose ancestors three levels up are a root-owned directory:
# climbing back by "..", root's deletion would empty them.

I=$C/images
mkdir -p "$I/.tmp-race/s/a/b/c" "$T/victim/st/x"
touch "$I/.tmp-race/s/a/b/c/f1" "$I/.tmp-race/s/a/b/f2"
chown -R "$ID:$GID" "$I/.tmp-race/s" "$T/victim/st"
chmod 755 "$I/.tmp-race"
echo sentinel >"$T/victim/sentinel"
as touch "$T/victim/st/x/keep"
touch -d '1 minute ago' "$I/.tmp-race"
img race file:race-marker
NSX_TEST_PAUSE_CLEAR=b NSX_CACHE_DIR=$C "$NSX" run --image "$T/img/race.tar" -- true >"$T/race.out" 2>&1 &
rpid=$!
stopped() { [ "$(ps -o stat= -p "$rpid" 2>/dev/null | cut -c1)" = T ]; }
if WAIT_TENTHS=100 wait_cond stopped; then
	as mv "$I/.tmp-race/s/a/b" "$T/victim/st/x/b"
	ok $? "the student moves b/ (root is inside it) to $T/victim/st/x/b"
	kill -CONT "$rpid"
	wait "$rpid"
	ok $? "root's run goes on and succeeds"
	is "$(cat "$T/victim/sentinel" 2>/dev/null)" sentinel "root's file three levels above is still there"
	ok $([ -e "$T/victim/st/x/keep" ]; echo $?) "the student's own file beside b/ is still there: root never climbed out of b/"
else
	ok 1 "root's nsx stops on entering b/ (NSX_TEST_PAUSE_CLEAR)"
	kill "$rpid" 2>/dev/null
	wait "$rpid"
fi

# ---- 3b: a directory swapped for a symlink before root makes it enterable ----
# Root without CAP_DAC_OVERRIDE (as root is on a root-squashed NFS cache)
# removes a dead build of an older nsx: in its s/ (root's, 1777, as the
# busybox tree's tmp was) the student made d0/ (mode 0000, not empty).
# Root cannot enter d0, so it chmods it first. The hook stops root there;
# the student puts a symlink to a root-owned file of mode 0600 in d0's
# place. That chmod must not follow it.

# nodac ARGS...: root's nsx without CAP_DAC_OVERRIDE, in the background
# (rpid), on root's cache
nodac() {
	NSX_CACHE_DIR=$C setpriv --bounding-set -dac_override,-dac_read_search "$NSX" "$@" &
	rpid=$!
}
# ended: root's run ends within 30 s (else it is killed)
ended() {
	WAIT_TENTHS=300 wait_cond eval '! kill -0 $rpid 2>/dev/null'
	local rc=$?
	kill -9 "$rpid" 2>/dev/null
	wait "$rpid" 2>/dev/null
	return $rc
}

tree_remove_all() { chmod -R u+rwx "$@" 2>/dev/null; rm -rf "$@"; }
tree_remove_all "$I"/.tmp-*	# the race's leftover: see 3c
mkdir -p "$I/.tmp-chm/s"
chmod 755 "$I/.tmp-chm"
chmod 1777 "$I/.tmp-chm/s"
as sh -c "mkdir '$I/.tmp-chm/s/d0' && touch '$I/.tmp-chm/s/d0/f' && chmod 000 '$I/.tmp-chm/s/d0'"
echo victim >"$T/victim-file"
chmod 600 "$T/victim-file"
touch -d '1 minute ago' "$I/.tmp-chm"
img chm file:chm-marker
NSX_TEST_PAUSE_CLEAR=d0 nodac run --image "$T/img/chm.tar" -- true >"$T/chm.out" 2>&1
if WAIT_TENTHS=100 wait_cond stopped; then
	as sh -c "mv '$I/.tmp-chm/s/d0' '$I/.tmp-chm/s/d0-moved' && ln -s '$T/victim-file' '$I/.tmp-chm/s/d0'"
	ok $? "the student swaps d0 (root is about to chmod it) for a symlink to a root-owned file"
	kill -CONT "$rpid"
	ended
	ok $? "root's run ends"
	is "$(stat -c %a "$T/victim-file")" 600 "root's chmod did not follow the symlink: the file is still 0600"
else
	ok 1 "root's nsx stops before making d0 enterable (NSX_TEST_PAUSE_CLEAR)"
	ended
fi
tree_remove_all "$I"/.tmp-* "$T/victim-file"

# ---- 3c: a directory root cannot remove, again and again ----
# The same root, and a dead build whose s/ the student owns (0755), with
# an empty a/ in it: root cannot remove a/ (s/ is not its to write), and
# used to enter it, find it empty, climb back and try again, forever, at
# full CPU, on every later build. Now it is an error, once.

mkdir -p "$I/.tmp-loop/s/a"
chown -R "$ID:$GID" "$I/.tmp-loop/s"
touch -d '1 minute ago' "$I/.tmp-loop"
img loop file:loop-marker
nodac run --image "$T/img/loop.tar" -- true >"$T/loop.out" 2>&1
ended
ok $? "root's run ends: the dead build it cannot remove is left, not retried forever"
tree_remove_all "$I"/.tmp-*

# ---- 4: bounds ----

# a small filesystem for the cache: the disk-filling images would fill it
S=$T/small
mkdir -p "$S"
mount -t tmpfs -o size=64m,mode=755 nsx-attack "$S" && on_exit "umount -l '$S'"
SC=$S/cache
nsxc "$SC" run -- true
used0=$(df -k --output=used "$S" | tail -1)

# refused NAME REGEX "what" ARGS...: nsx run as root on the small cache:
# 125, one line saying why, nothing left in the cache, nothing used
refused() {
	local n=$1 re=$2 what=$3 rc; shift 3
	nsxc "$SC" run "$@" -- true >"$T/$n.out" 2>"$T/$n.err" </dev/null
	rc=$?
	is "$rc|$(wc -l <"$T/$n.err")" "125|1" "$what: refused, 125, one line"
	like "$(cat "$T/$n.err")" "$re" "... saying why: $(cat "$T/$n.err")"
	is "$(ls -A "$SC/images" 2>/dev/null)" "" "... nothing left in the cache"
	is "$(df -k --output=used "$S" | tail -1)" "$used0" "... no more of its filesystem used"
}

# a member declaring 50 GB (only 1 MiB of it given), zstd-compressed
python3 "$MK" tar "$T/img/huge.tar" "" huge:zero:53687091200
zstd -q --rm "$T/img/huge.tar" -o "$T/img/huge.tar.zst"
refused huge 'its files hold more than 4.0 GiB .*--image-max-bytes' \
	"a zstd tarball declaring a 50 GB file ($(du -k "$T/img/huge.tar.zst" | cut -f1) KiB)" --image "$T/img/huge.tar.zst"
refused huge-raised 'needs 50.0 GiB in the cache, but .* has [0-9.]+ MiB free' \
	"the same with --image-max-bytes 100g, on a 64 MiB cache" --image-max-bytes 100g --image "$T/img/huge.tar.zst"
# 200 MiB of real zeros: the archive is whole, the cache too small for it
mkdir -p "$T/zero"
head -c 200M /dev/zero >"$T/zero/zero"
tar -C "$T/zero" --zstd -cf "$T/img/zero.tar.zst" .
rm -rf "$T/zero"
refused zero 'needs 200.0 MiB in the cache, but .* has [0-9.]+ MiB free, [0-9.]+ MiB of which nsx leaves to others' \
	"a zstd tarball of a 200 MiB zero file ($(du -k "$T/img/zero.tar.zst" | cut -f1) KiB) on a 64 MiB cache" \
	--image "$T/img/zero.tar.zst"
# 300,001 members, 300 levels
python3 - "$T/img/many.tar" <<'EOF'
import sys, tarfile
with tarfile.open(sys.argv[1], "w", format=tarfile.GNU_FORMAT) as tf:
    for i in range(300001):
        tf.addfile(tarfile.TarInfo("f%d" % i))
EOF
zstd -q --rm "$T/img/many.tar" -o "$T/img/many.tar.zst"
refused many 'more than 300000 members .*--image-max-entries' "a tarball of 300,001 members" \
	--image "$T/img/many.tar.zst"
python3 "$MK" tar "$T/img/deep.tar" "$BASE" deep:300
refused deep "levels deep, more than 256 .*--image-max-depth" "a tree 300 deep" --image "$T/img/deep.tar"
out=$(nsxc "$SC" run --image-max-depth 400 --image "$T/img/deep.tar" -- sh -c 'cd /deep; for i in $(seq 300); do cd d; done; cat bottom' 2>&1)
is "$out" bottom "--image-max-depth 400: the 300-deep tree unpacks and runs"
rm -rf "$SC/images"/*
img few many:150
n=$(tar -tf "$T/img/few.tar" | wc -l)
refused few "more than $((n - 1)) members" "$n members with --image-max-entries $((n - 1))" \
	--image-max-entries $((n - 1)) --image "$T/img/few.tar"
out=$(nsxc "$SC" run --image-max-entries $n --image "$T/img/few.tar" -- sh -c 'find /many -type f | wc -l' 2>&1)
is "$out" 150 "--image-max-entries $n: the $n members unpack and run"
rm -rf "$SC/images"/*
# a 5 GiB sparse file: over the 4 GiB default; raised, it unpacks (sparse:
# a few KiB even on the 64 MiB cache)
mkdir -p "$T/sparse"
cp -a "$BASE/." "$T/sparse/"
truncate -s 5G "$T/sparse/big"
echo end >>"$T/sparse/big"
tar -S -C "$T/sparse" -cf "$T/img/sparse.tar" .
rm -rf "$T/sparse"
refused sparse "its files hold more than 4.0 GiB" "a sparse 5 GiB file" --image "$T/img/sparse.tar"
out=$(nsxc "$SC" run --image-max-bytes 6g --image "$T/img/sparse.tar" -- tail -c 4 /big 2>&1)
is "$out" end "--image-max-bytes 6g: the sparse 5 GiB file unpacks (on a 64 MiB cache) and reads"
rm -rf "$SC/images"/*

# ---- 5: the unpacker, confined ----
# What a code-execution bug in libarchive or a decompressor would try
# (NSX_TEST_UNPACK_PROBE, src/container/probe.c) from root's unpacker,
# with Landlock and without it (NSX_TEST_NO_LANDLOCK: the mount-namespace
# jail alone, as below Linux 5.19), on a tarball and on a student's OCI
# layout (a directory the unpacker must not hold): create a file outside
# the tree by its path; chmod a directory outside it (Landlock does not
# cover chmod); climb out through every directory fd it holds (nsx's
# /proc, the staging lock, the layout); and what it keeps of root's power.

python3 "$MK" oci "$T/img/oci" "$BASE" file:oci-marker
chown -R "$ID:$GID" "$T/img/oci"
case $(uname -m) in x86_64 | aarch64) sc=2 ;; *) sc=0 ;; esac	# seccomp.c: no filter elsewhere
for mode in landlock no-landlock; do
	for im in evil.tar oci; do
		P=$T/probe-$mode-$im
		w="$mode, $im"
		rm -f "$P"
		rm -rf "$C/images"/*
		[ $mode = no-landlock ] && export NSX_TEST_NO_LANDLOCK=1
		out=$(NSX_TEST_UNPACK_PROBE=$P nsxc "$C" run --image "$T/img/$im" -- cat /etc/hostname 2>&1)
		unset NSX_TEST_NO_LANDLOCK
		like "$out" "create PATH: (No such file or directory|Permission denied|Read-only file system);" \
			"$w: root's unpacker cannot create a file outside its tree: $(echo "$out" | grep PROBE)"
		like "$out" "chmod its directory: (No such file or directory|Permission denied|Operation not permitted);" \
			"$w: ... nor chmod a directory outside it"
		like "$out" "fds leading out: none \(of [0-9]+ directory fds\)" \
			"$w: ... none of the directory fds it holds leads out (nor to /proc/sys/kernel/core_pattern)"
		like "$out" "uid 0, CapEff 0000000000000002, NoNewPrivs 1, Seccomp $sc" \
			"$w: ... it keeps only CAP_DAC_OVERRIDE, no_new_privs$([ $sc = 2 ] && echo ', the seccomp filter')"
		ok $([ ! -e "$P" ]; echo $?) "$w: ... nothing was created at $P"
		like "$out" "nsx$" "$w: ... and the image unpacks and runs"
	done
done
out=$(NSX_TEST_NO_LANDLOCK=1 "$NSX" doctor | grep 'image unpacking')
like "$out" "confined by a mount namespace" "without Landlock, doctor says what confines the unpacking: $out"


# ---- 6: a student's OCI layout with a FIFO where a file should be ----
# index.json, the manifest blob, a layer blob: opening one would wait for
# a writer forever (root's nsx hung); refused at once, in one line.

blobs() { python3 -c 'import json, sys
d = json.load(open(sys.argv[1]))
print(d["manifests"][0]["digest"][7:] if "manifests" in d else d["layers"][-1]["digest"][7:])' "$1"; }
for what in index manifest layer; do
	L=$T/img/fifo-$what
	python3 "$MK" oci "$L" "$BASE" file:fifo-marker
	man=$L/blobs/sha256/$(blobs "$L/index.json")
	case $what in
	index) f=$L/index.json ;;
	manifest) f=$man ;;
	layer) f=$L/blobs/sha256/$(blobs "$man") ;;
	esac
	rm -f "$f"
	mkfifo "$f"
	chown -R "$ID:$GID" "$L"
	rm -rf "$C/images"/*
	timeout -k 2 20 env NSX_CACHE_DIR="$C" "$NSX" run --image "$L" -- true >"$T/fifo.out" 2>"$T/fifo-$what.err" </dev/null
	rc=$?
	is "$rc|$(wc -l <"$T/fifo-$what.err")" "125|1" "a student's layout whose $what is a FIFO: refused at once, not hung (timeout: 124 or 137), one line"
	like "$(cat "$T/fifo-$what.err")" "is not a regular file" "... saying why: $(cat "$T/fifo-$what.err")"
	is "$(ls -A "$C/images" 2>/dev/null)" "" "... nothing left in the cache"
done

is "$(cat "$T"/*.err 2>/dev/null | grep -c 'Sanitizer\|runtime error:')" 0 "no run printed a sanitizer report"
done_testing
