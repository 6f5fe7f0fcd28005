#!/bin/bash
# pin / unpin (issue 4): a namespace of a level kept alive by a bind mount
# made in the mount namespace nsx started in; `ls` shows it held by the
# mount, `enter PATH` enters it, it survives the level (also one with a mount
# namespace of its own), `unpin` releases it. Bad input changes nothing.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/nsproc.sh"

if ! need_root; then done_testing; exit; fi

T=$(mktemp -d /tmp/nsx-pin.XXXXXX)
on_exit "rm -rf '$T'"
# every mount under $T, deepest (last made) first
mounts_under() {
	awk -v t="$T" '$5 == t || index($5, t "/") == 1 { print $5 }' /proc/self/mountinfo | tac
}
umount_all() {
	local m
	for m in $(mounts_under); do umount -l "$m"; done
}
on_exit umount_all

# mountinfo LINE of PATH: "fstype root" (e.g. "nsfs net:[4026532200]")
mnt_of() {
	awk -v p="$1" '$5 == p { for (i = 7; $i != "-"; i++); print $(i + 1), $4 }' /proc/self/mountinfo
}
# row INODE: "NPROCS HELDBY" of namespace INODE in ls -l -n (not raw: HELDBY
# has spaces)
held() {
	"$NSX" ls -l -n -o NS,NPROCS,HELDBY 2>/dev/null |
		awk -v i="$1" '$1 == i { $1 = ""; sub(/^ /, ""); print }'
}
# ino_of "pinned TYPE:[N] on PATH ..." → N
ino_of() { sed -n 's/^pinned [a-z]*:\[\([0-9]*\)\] on .*/\1/p'; }

touch "$T/net" "$T/uts" "$T/mnt" "$T/plain"

# ---- a net namespace of a level ----------------------------------------------
out=$(printf 'unshare net\nreadlink /proc/self/ns/net\npin net %s\nexit\n' "$T/net" | "$NSX" 2>"$T/err")
is "$?" 0 "unshare net; pin net; exit: exit 0"
is "$(cat "$T/err")" "" "(no error)"
nino=$(printf '%s\n' "$out" | ino_of)
is "$(printf '%s\n' "$out" | head -1)" "net:[$nino]" "pin says it pinned the level's net namespace ($nino)"
is "$(mnt_of "$T/net")" "nsfs net:[$nino]" "$T/net is an nsfs mount of it in the host's mountinfo"
is "$(held "$nino")" "0 mount $T/net" "ls: NPROCS 0, held by 'mount $T/net'"
# the raw form escapes the space, as lsns -r does
is "$("$NSX" ls -t net -o NS,NPROCS,HELDBY -l -r -n 2>/dev/null | awk -v i="$nino" '$1 == i')" \
	"$nino 0 mount\\x20$T/net" "ls -t net -o NS,NPROCS,HELDBY -l -r -n: the pinned row"
is "$("$NSX" enter "$T/net" -- ip -br link 2>&1 | awk '{ print $1 }')" lo \
	"enter $T/net -- ip -br link: only lo"
is "$("$NSX" enter "$T/net" -- readlink /proc/self/ns/net 2>&1)" "net:[$nino]" "enter $T/net: that namespace"
is "$("$NSX" enter "$nino" -- readlink /proc/self/ns/net 2>&1)" "net:[$nino]" \
	"enter $nino: by inode, through the mount"

# ---- a level with its own mount namespace -------------------------------------
out=$(printf 'unshare mnt uts\nhostname nsxpin%s\npin uts %s\npin mnt %s\nexit\n' $$ "$T/uts" "$T/mnt" |
	"$NSX" 2>"$T/err")
is "$?" 0 "unshare mnt uts; pin uts; pin mnt; exit: exit 0"
is "$(cat "$T/err")" "" "(no error)"
uino=$(printf '%s\n' "$out" | grep ' uts:\[' | ino_of)
mino=$(printf '%s\n' "$out" | grep ' mnt:\[' | ino_of)
is "$(mnt_of "$T/uts")" "nsfs uts:[$uino]" "the uts pin made at a mnt level is in the host's mountinfo"
is "$(mnt_of "$T/mnt")" "nsfs mnt:[$mino]" "so is the pin of the level's own mount namespace"
isnt_host=$([ "$uino" != "$(nsino $$ uts)" ] && [ "$mino" != "$(nsino $$ mnt)" ] && echo yes)
is "$isnt_host" yes "(those are the level's namespaces, not the host's)"
is "$(held "$uino")" "0 mount $T/uts" "ls: the uts namespace outlived its level, held by the mount"
is "$("$NSX" enter "$T/uts" -- hostname 2>&1)" "nsxpin$$" "enter $T/uts -- hostname: the name set at the level"
is "$("$NSX" enter "$T/mnt" -- readlink /proc/self/ns/mnt 2>&1)" "mnt:[$mino]" "enter $T/mnt: that mount namespace"

# ---- bad input: one line, exit 1, nothing made ----------------------------------
mkdir "$T/dir"
mount -t tmpfs nsxpin "$T/dir"
before=$(mounts_under | sort)
fails "^nsx: pin: $T/missing: No such file or directory \\(create an empty file first" pin net "$T/missing"
fails "^nsx: pin: $T/net is a mount point already" pin net "$T/net"
fails "^nsx: pin: $T/dir is a mount point already" pin uts "$T/dir"
fails "^nsx: pin: usage: pin TYPE PATH" pin net
fails "^nsx: pin: usage: pin TYPE PATH" pin
fails "^nsx: pin: usage: pin TYPE PATH" pin net "$T/plain" extra
fails "^nsx: pin: unknown namespace type 'foo' \\(cgroup ipc mnt net pid time user uts\\)$" pin foo "$T/plain"
fails "^nsx: unpin: $T/plain is not a pinned namespace" unpin "$T/plain"
fails "^nsx: unpin: $T/dir is not a pinned namespace" unpin "$T/dir"
fails "^nsx: unpin: $T/missing: No such file or directory$" unpin "$T/missing"
fails "^nsx: unpin: usage: unpin PATH" unpin
is "$(mounts_under | sort)" "$before" "bad pins and unpins made and removed no mount"
# at a level: the errors leave the shell where it was
out=$(printf '%s\n' "unshare uts" "pin net $T/missing" "pin foo $T/plain" "unpin $T/plain" "levels" "exit" |
	"$NSX" 2>"$T/err")
is "$(wc -l <"$T/err")" 3 "three bad commands at a level: three error lines"
is "$(printf '%s\n' "$out" | awk '$1 ~ /\*$/ { print $1 }')" "1*" "and the shell stays at depth 1"
umount "$T/dir"
# a level in a user namespace (and a mount namespace) of its own cannot reach
# the start's mount namespace: a pin there would die with the level
out=$(printf '%s\n' "unshare user mnt uts --map-root" "pin uts $T/plain" "levels" "exit" | "$NSX" 2>"$T/err")
like "$(cat "$T/err")" "^nsx: pin: cannot reach the mount namespace nsx started in: .*user namespace" \
	"pin at a user+mnt level: refused, explained"
is "$(wc -l <"$T/err")" 1 "(one line)"
is "$(printf '%s\n' "$out" | grep -c '^pinned')" 0 "(and it does not say 'pinned')"
is "$(mounts_under | sort)" "$(printf '%s\n' "$before" | grep -vx "$T/dir")" "(no mount made)"

# ---- unpin -------------------------------------------------------------------
for p in net uts mnt; do
	"$NSX" unpin "$T/$p" >"$T/out" 2>&1
	is "$?" 0 "unpin $T/$p: exit 0"
	is "$(mnt_of "$T/$p")" "" "unpin $T/$p: the mount is gone"
done
"$NSX" ls -l -r -n -o NS 2>/dev/null >"$T/ls"
for i in "$nino" "$uino" "$mino"; do
	grep -qx "$i" "$T/ls"
	is "$?" 1 "after unpin, ls no longer shows namespace $i"
done
fails "^nsx: unpin: $T/net is not a pinned namespace" unpin "$T/net"
fails "^nsx: enter: $T/net is not a namespace file" enter "$T/net"

# a pin made at depth 0 by the subcommand, released by the REPL
out=$("$NSX" pin uts "$T/uts" 2>&1)
like "$out" "^pinned uts:\\[$(nsino $$ uts)\\] on $T/uts" "nsx pin uts PATH: the start's uts namespace"
printf 'unshare mnt\nunpin %s\nexit\n' "$T/uts" | "$NSX" >/dev/null 2>&1
is "$(mnt_of "$T/uts")" "" "unpin at a mnt level releases the pin made at depth 0 (in the start's mount namespace)"

is "$(mounts_under)" "" "no mount under $T remains"

done_testing
