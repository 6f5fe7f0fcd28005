#!/bin/bash
# nsx run --image with hostile images (issue 9), beyond run-security.t's
# hostile rootfs trees: tarballs with device nodes, setuid files, absolute
# and ../ paths, a symlink to a host dir then a file through it, hard links
# out of the tree; images whose /proc, /dev, /sys are symlinks to a host
# dir and whose /etc/hostname and /tmp point at host files; an OCI layout
# whose whiteouts reach out (../) or through a symlink; a tree 2000 deep,
# 20,000 files, a sparse 2 GiB file and a truncated member declaring 2 GiB.
# Each is refused with one line (exit 125, nothing left in the cache) or
# runs with the hostile part neutralised; in every case the host dir the
# image aims at, everything else under the test dir, /etc and the host's
# mountinfo are unchanged, and the cache (issue 15) holds no device node, no
# setuid or setgid file, nothing owned by another user and nothing group-
# or other-writable; a build's temporary tree is 0700 while it unpacks;
# an image's owners and modes (a www-data dir, /tmp 1777) are what the
# container sees. As root and as a throw-away user (rootless).
. "$(dirname "$0")/lib.sh"

need_root || { done_testing; exit; }
HERE=$(cd "$(dirname "$0")" && pwd)
MK=$HERE/hostile-image.py
command -v python3 >/dev/null || { skip "python3 is needed to build the images"; done_testing; exit; }

T=$(mktemp -d /tmp/nsx-hostile.XXXXXX)
chmod 755 "$T"
on_exit "rm -rf '$T'"
TAG=h$$
H=$T/host	# the host dir the images aim at
mkdir -p "$H/dir" "$T/img"
echo "sentinel $TAG" >"$H/sentinel"
echo "host hostname" >"$H/hostname"
chmod -R a+rX "$T"

# the built-in rootfs, as the base of every image
export NSX_CACHE_DIR=$T/basecache NSX_STATE_DIR=$T/basestate
"$NSX" run -- true || { ok 1 "a first run builds the built-in rootfs"; done_testing; exit; }
BASE=$(ls -d "$NSX_CACHE_DIR"/rootfs/busybox-*/root | head -1)
unset NSX_CACHE_DIR NSX_STATE_DIR

# hostmounts: the host's mountinfo, without other test files' mounts under
# /tmp and /run/netns (they may run meanwhile); this test's own are kept
hostmounts() {
	grep -v -E ' /(tmp|run/netns)/' /proc/self/mountinfo
	grep -F " $T" /proc/self/mountinfo
	true
}
# outside: everything under T but the mode's cache, state and outputs,
# with modes, link counts, sizes and contents; and /etc and /tmp's names
outside() {
	find "$T" \( -path "$W/cache" -o -path "$W/state" -o -path "$W/out" \) -prune -o \
		-printf '%p %m %n %s %l\n' | sort
	find "$T" \( -path "$W/cache" -o -path "$W/state" -o -path "$W/out" \) -prune -o \
		-type f -newer "$T/img" -print | grep -v "^$T/img/" | sort
	cat "$H/sentinel" "$H/hostname"
	ls -a /etc /tmp | grep -i evil
	true
}

# img NAME MEMBER...: $T/img/NAME.tar, the base plus MEMBERs
img() { local n=$1; shift; python3 "$MK" tar "$T/img/$n.tar" "$BASE" "$@" && chmod 644 "$T/img/$n.tar"; }

# r NAME IMAGE ARGS...: nsx run --image IMAGE ARGS as the mode's user, with
# the host's state checked around it; $W/out/NAME.out .err .rc
r() {
	local n=$1 image=$2; shift 2
	OUT0=$(outside) MI0=$(hostmounts) IMG0=$(ls -A "$W/cache/images" 2>/dev/null)
	"${AS[@]}" env NSX_CACHE_DIR="$W/cache" NSX_STATE_DIR="$W/state" "$NSXB" run --image "$image" "$@" \
		>"$W/out/$n.out" 2>"$W/out/$n.err" </dev/null
	echo $? >"$W/out/$n.rc"
	is "$(outside)" "$OUT0" "$M: $n: the host dir, the rest of the test dir, /etc and /tmp are unchanged"
	is "$(hostmounts)" "$MI0" "$M: $n: the host's mountinfo is the same"
	audit "$n"
}
# audit NAME: after every run, nothing under the cache another user could
# open as a device, run as setuid, own, or write to (issue 15)
audit() {
	is "$(find "$W/cache" \( -type b -o -type c -o -perm /6000 -o ! -user "$ID" -o \
		\( ! -type l -perm /022 \) \) -printf '%M %u %p\n' | head -5)" "" \
		"$M: $1: ... the cache holds no device, setuid/setgid file, foreign owner or g/o-writable file"
}
rc() { cat "$W/out/$1.rc"; }
out() { cat "$W/out/$1.out"; }
# refused NAME REGEX "what": 125, one line saying why, no tree in the cache
refused() {
	refused_run "$@"
	is "$(ls -A "$W/cache/images" 2>/dev/null)" "$IMG0" "$M: $1: ... nothing is left in CACHE/images"
}
# refused_run NAME REGEX "what": 125, one line saying why (an image that
# unpacks whole and is refused as a rootfs stays in the cache: it is data)
refused_run() {
	is "$(rc "$1")|$(wc -l <"$W/out/$1.err")" "125|1" "$M: $1: $3 is refused: 125, one line"
	like "$(cat "$W/out/$1.err")" "^nsx: run: .*$2" "$M: $1: ... saying why: $(head -c 200 "$W/out/$1.err")"
}
runs() {	# runs NAME "what": exit 0
	is "$(rc "$1")" 0 "$M: $1: $2 runs"
	[ "$(rc "$1")" = 0 ] || sed 's/^/#   stderr: /' "$W/out/$1.err" | head -3
}

# ---- the images (built once, run in both modes) ----

img nodes chr:zero5:1:5 blk:disk:7:0 chr:kmsg:1:11
img suid suid:bin/evil
img owners dir:var/www:2775:33:33 dir:tmp:1777:0:0 dir:var/mail:2770:0:8
img abs file:/etc/evil-$TAG
img dotdot "file:../../../evil-$TAG"
img dotdot2 "file:etc/../../../../evil-$TAG"
img symfile "sym:a:$H" "file:a/x-$TAG"
img relsymfile "sym:b:../../../host" "file:b/y-$TAG"
img hardabs "hard:h:/etc/passwd"
img hardout "hard:h:../../../host/sentinel"
img hardsym "sym:s:$H/sentinel" "hard:h:s"
# /proc, /dev, /sys: symlinks to the host dir (the tree, then tar)
for d in proc dev sys; do
	mkdir -p "$T/t-$d"
	cp -a "$BASE/." "$T/t-$d/"
	rmdir "$T/t-$d/$d"
	ln -s "$H/dir" "$T/t-$d/$d"
	tar -C "$T/t-$d" -cf "$T/img/$d.tar" .
	rm -rf "$T/t-$d"
done
mkdir -p "$T/t-etc"
cp -a "$BASE/." "$T/t-etc/"
rm -rf "$T/t-etc/etc/hostname" "$T/t-etc/tmp"
ln -s "$H/hostname" "$T/t-etc/etc/hostname"
ln -s "$H/dir" "$T/t-etc/tmp"
tar -C "$T/t-etc" -cf "$T/img/etc-tmp.tar" .
rm -rf "$T/t-etc"
# OCI: layer 2 whiteouts out of the tree, through a symlink, of ..
python3 "$MK" oci "$T/img/oci-dotdot" "$BASE" "file:../../../host/.wh.sentinel"
python3 "$MK" oci "$T/img/oci-sym" "$BASE" "sym:lnk:$H" "file:lnk/.wh.sentinel"
python3 "$MK" oci "$T/img/oci-whdot" "$BASE" "file:etc/.wh.."
# big ones
img deep2000 deep:2000
img deep1000 deep:1000
img many many:20000
mkdir -p "$T/t-sparse"
cp -a "$BASE/." "$T/t-sparse/"
truncate -s 2G "$T/t-sparse/huge"
echo end >>"$T/t-sparse/huge"
tar -S -C "$T/t-sparse" -cf "$T/img/sparse.tar" .
rm -rf "$T/t-sparse"
python3 "$MK" tar "$T/img/huge.tar" "$BASE" huge:huge:2147483648
chmod -R a+rX "$T/img"
touch "$T/img"	# outside(): files newer than this are new

# ---- the cases ----

suite() {
	M=$1
	W=$T/$M
	mkdir -p "$W/cache" "$W/state" "$W/out"
	chown -R "$ID:$GID" "$W"
	chmod 700 "$W/state"
	echo "# ---- as $M (uid $ID) ----"

	# device nodes: unpacked as root (skipped rootless), dead in the
	# container (nodev): the image's 1:5 reads nothing
	r nodes "$T/img/nodes.tar" /bin/sh -c 'head -c 4 /zero5 | wc -c; ls /zero5 /disk /kmsg 2>/dev/null | wc -l'
	runs nodes "an image with device nodes (zero 1:5, loop0 7:0, kmsg 1:11)"
	is "$(out nodes | head -1)" 0 "$M: nodes: its zero node reads nothing (the rootfs is nodev)"
	is "$(out nodes | tail -1)" 0 "$M: nodes: the nodes are not made (as root too: issue 15)"

	# what the cache does not keep, the container sees all the same
	r owners "$T/img/owners.tar" stat -c '%a %u:%g %n' /var/www /var/www/f /tmp /tmp/f /var/mail
	runs owners "an image with a www-data dir (2775), /tmp 1777, /var/mail 2770 root:mail"
	if [ "$M" = root ]; then
		is "$(out owners | tr '\n' ,)" "2775 33:33 /var/www,666 33:33 /var/www/f,1777 0:0 /tmp,666 0:0 /tmp/f,2770 0:8 /var/mail," \
			"$M: owners: the container sees the image's owners and modes"
	else
		# owners its user namespace does not map cannot be given: root's
		is "$(out owners | tr '\n' ,)" "2775 0:0 /var/www,666 0:0 /var/www/f,1777 0:0 /tmp,666 0:0 /tmp/f,2770 0:0 /var/mail," \
			"$M: owners: the container sees the image's modes (its owners are not mapped)"
	fi
	is "$(stat -c '%a %U' "$W/cache/images/$(sha256sum "$T/img/owners.tar" | cut -c1-64).v2/root/tmp")" "755 $([ "$M" = root ] && echo root || echo "$U")" \
		"$M: owners: ... while the cache's /tmp is 0755, its builder's"
	rm -rf "$W/cache/images"/*

	r suid "$T/img/suid.tar" stat -c %a /bin/evil
	runs suid "an image with a setuid+setgid root file"
	is "$(out suid)" 755 "$M: suid: the file is there without its setuid and setgid bits"
	is "$(find "$W/cache" -perm /6000 | wc -l)" 0 "$M: suid: no setuid or setgid file in the cache"

	r abs "$T/img/abs.tar" true
	refused abs "outside the tree" "a member /etc/evil-$TAG"
	r dotdot "$T/img/dotdot.tar" true
	refused dotdot "outside the tree" "a member ../../../evil-$TAG"
	r dotdot2 "$T/img/dotdot2.tar" true
	refused dotdot2 "outside the tree" "a member etc/../../../../evil-$TAG"
	r symfile "$T/img/symfile.tar" true
	refused symfile "refused" "a symlink a -> the host dir, then a file a/x"
	r relsymfile "$T/img/relsymfile.tar" true
	refused relsymfile "refused" "a symlink b -> ../../../host, then a file b/y"
	r hardabs "$T/img/hardabs.tar" true
	refused hardabs "hard link to '/etc/passwd'" "a hard link to /etc/passwd"
	r hardout "$T/img/hardout.tar" true
	refused hardout "hard link to '../../../host/sentinel'" "a hard link to ../../../host/sentinel"
	r hardsym "$T/img/hardsym.tar" /bin/sh -c 'cat /h 2>/dev/null; true'
	if [ "$(rc hardsym)" = 125 ]; then
		refused hardsym "refused" "a hard link to a symlink to the host's sentinel"
	else
		runs hardsym "a hard link to a symlink to the host's sentinel"
		isnt "$(out hardsym)" "sentinel $TAG" "$M: hardsym: ... the host's file is not read through it"
	fi

	for d in proc dev sys; do
		r $d "$T/img/$d.tar" true
		refused_run $d "/$d is a symlink or not a directory" "an image whose /$d -> the host dir"
		is "$(ls -A "$H/dir")" "" "$M: $d: nothing is made in the host dir"
		r $d-again "$T/img/$d.tar" true
		refused_run $d-again "/$d is a symlink or not a directory" "the same image again, from the cache,"
	done
	r etc-tmp "$T/img/etc-tmp.tar" /bin/sh -c 'echo pwned >/etc/hostname; echo pwned >/tmp/x; cat /etc/hostname; hostname'
	runs etc-tmp "an image whose /etc/hostname and /tmp -> host paths"
	like "$(out etc-tmp | tail -1)" "^nsx-|^[a-z]+-[a-z]+-[0-9]+$" "$M: etc-tmp: ... the hostname is the container's"

	r oci-dotdot "$T/img/oci-dotdot" true
	refused oci-dotdot "outside the tree" "an OCI whiteout ../../../host/.wh.sentinel"
	r oci-sym "$T/img/oci-sym" true
	if [ "$(rc oci-sym)" = 125 ]; then
		refused oci-sym "refused" "an OCI whiteout through a symlink lnk -> the host dir"
	else
		runs oci-sym "an OCI whiteout lnk/.wh.sentinel through a symlink to the host dir"
		is "$(cat "$H/sentinel")" "sentinel $TAG" "$M: oci-sym: ... the host's sentinel is still there"
	fi
	r oci-whdot "$T/img/oci-whdot" true
	refused oci-whdot "whiteout 'etc/.wh..' refused" "an OCI whiteout etc/.wh.. (its parent)"

	# (unpacking is quadratic in the depth, ~30 s at 2000: once is enough)
	n=$([ "$M" = root ] && echo 2000 || echo 1000)
	r deep-limit "$T/img/deep$n.tar" true
	refused deep-limit "levels deep, more than 256 .*--image-max-depth" "a tree $n deep, past the default bound"
	t0=$(date +%s%N)
	r deep "$T/img/deep$n.tar" --image-max-depth $((n + 2)) /bin/sh -c "cd /deep && for i in \$(seq $n); do cd d || exit 1; done; cat bottom"
	t1=$(date +%s%N)
	runs deep "a tree $n deep ($(( (t1 - t0) / 1000000 )) ms)"
	is "$(out deep)" bottom "$M: deep: ... its bottom file is there"
	rm -rf "$W/cache/images"/*
	# the build's temporary tree, seen while it unpacks: 0700
	"${AS[@]}" env NSX_CACHE_DIR="$W/cache" NSX_STATE_DIR="$W/state" "$NSXB" run --image "$T/img/many.tar" \
		true >/dev/null 2>&1 </dev/null &
	bg=$!
	if wait_cond eval '[ -n "$(ls -A "$W"/cache/images/.tmp-*/root/ 2>/dev/null)" ]'; then
		is "$(stat -c %a "$W"/cache/images/.tmp-* | sort -u)" 700 "$M: many: the temporary tree is 0700 while it unpacks"
	else
		ok 1 "$M: many: the temporary tree seen while it unpacks"
	fi
	wait $bg
	rm -rf "$W/cache/images"/*
	t0=$(date +%s%N)
	r many "$T/img/many.tar" /bin/sh -c 'find /many -type f | wc -l'
	t1=$(date +%s%N)
	runs many "20,000 files ($(( (t1 - t0) / 1000000 )) ms to unpack and run)"
	is "$(out many)" 20000 "$M: many: ... all there"
	rm -rf "$W/cache/images"/*

	r sparse "$T/img/sparse.tar" /bin/sh -c 'stat -c %s /huge; tail -c 4 /huge'
	runs sparse "a sparse 2 GiB file ($(du -k "$T/img/sparse.tar" | cut -f1) KiB of tarball)"
	is "$(out sparse | tr '\n' ' ')" "2147483652 end " "$M: sparse: ... its size and its end are right"
	used=$(du -sk "$W/cache/images" | cut -f1)
	ok $(( used < 20000 ? 0 : 1 )) "$M: sparse: ... unpacked sparse: the cache holds ${used} KiB, not 2 GiB"
	rm -rf "$W/cache/images"/*
	r huge "$T/img/huge.tar" true
	refused huge "corrupt or truncated archive" "a member declaring 2 GiB with 1 MiB given"

	is "$(cat "$W"/out/*.err | grep -c 'Sanitizer\|runtime error:')" 0 "$M: no run printed a sanitizer report"
	is "$(ls "$W/state")" "" "$M: no container record is left"
}

AS=() ID=0 GID=0 NSXB=$NSX
suite root
test_user nsxh$$ "$T" && suite rootless
done_testing
