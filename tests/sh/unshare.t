#!/bin/bash
# unshare and levels (issue 4): every type makes a new namespace at a new
# level and the level before keeps its own; hostname, pid (PID 1, ps, orphans
# reaped), mnt (mounts stay inside), time offsets, user maps as root and as a
# normal user; levels nest and pop back, in scripts and in -c lines; what
# levels lists; the PID 1 warning; bad input is one line and changes nothing.
# A "live" nsx reads its script from a FIFO so that the test can look at a
# level from outside while it runs. Everything made here (processes, mounts,
# directories) goes at exit, even on failure.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/nsproc.sh"
. "$(dirname "$0")/levels.sh"

TMPD=$(mktemp -d /tmp/nsx-unshare-test.XXXXXX)
chmod 755 "$TMPD"
on_exit "rm -rf '$TMPD'"
# (runs before the rm above: nothing may stay mounted under TMPD)
on_exit "grep -o ' ${TMPD}[^ ]*' /proc/self/mountinfo | sort -r | xargs -r -n1 umount -l"
HOST=$(hostname)
PROP=$(findmnt -n -o PROPAGATION /)
AS_NOBODY=(setpriv --reuid=65534 --regid=65534 --clear-groups)
ROOT=0
[ "$(id -u)" = 0 ] && ROOT=1

# ---- live nsx: a script fed through a FIFO, looked at from outside ----

LIVE=
live_start() {
	rm -f "$TMPD/in" "$TMPD/live.out" "$TMPD/live.err"
	mkfifo "$TMPD/in"
	"$NSX" <"$TMPD/in" >"$TMPD/live.out" 2>"$TMPD/live.err" 9</dev/null &
	LIVE=$!
	on_exit "kill_tree $LIVE"
	exec 7>"$TMPD/in"
	LIVE_N=0
}
live() { printf '%s\n' "$@" >&7; }
# live_sync: until nsx has run every line sent so far (it echoes a marker)
live_sync() {
	local i
	LIVE_N=$((LIVE_N + 1))
	live "!echo sync-$LIVE_N"
	for ((i = 0; i < 100; i++)); do
		grep -qx "sync-$LIVE_N" "$TMPD/live.out" 2>/dev/null && return 0
		sleep 0.05
	done
	echo "# live nsx never printed sync-$LIVE_N"
	return 1
}
# live_levels: run `levels` in the live nsx; rows=its table rows (no
# subshell: LIVE_N must count on)
live_levels() {
	local a b
	live_sync
	a=$(wc -l <"$TMPD/live.out")
	live levels
	live_sync
	b=$(wc -l <"$TMPD/live.out")
	rows=$(sed -n "$((a + 2)),$((b - 1))p" "$TMPD/live.out" | grep -E '^ *[0-9]+\*? ')
}
live_end() {
	exec 7>&-
	wait "$LIVE" 2>/dev/null
	LIVE_RC=$?
}
# level_pid ROWS DEPTH: the PID column of row DEPTH of live_levels
level_pid() { awk -v d="$2" '{ l = $1; sub(/\*$/, "", l) } l == d { print $2 }' <<<"$1"; }
level_inside() { awk -v d="$2" '{ l = $1; sub(/\*$/, "", l) } l == d { print $3 }' <<<"$1"; }
ppid_of() { awk '{ sub(/.*\) /, ""); print $2 }' /proc/"$1"/stat 2>/dev/null; }

# ---- every type: a new namespace at the level, the old one unchanged ----

levels_every_type

# ---- uts ----

run h unshare uts --hostname box -- hostname
is "$(out h)" box "unshare uts --hostname box -- hostname: box"
is "$(hostname)" "$HOST" "the host's hostname is still $HOST"
run h64 unshare uts --hostname "$(printf 'x%.0s' {1..64})" -- hostname
is "$(out h64)" "$(printf 'x%.0s' {1..64})" "a 64-byte hostname (the kernel's limit) is taken"
run c -c 'unshare uts --hostname box; hostname; exit; hostname'
is "$(out c)" "box
$HOST" "-c 'unshare uts --hostname box; hostname; exit; hostname': box, then $HOST, once each"
is "$(rc c)" 0 "-c line through a level: status 0"
run c2 -c 'unshare uts --hostname box; hostname'
is "$(out c2)" box "-c 'unshare uts --hostname box; hostname': the level runs the rest, once"
run c3 -c 'unshare uts; exit 4'
is "$(rc c3)" 4 "-c 'unshare uts; exit 4': the level's status is nsx's"
run c4 -c 'unshare uts --hostname box; exit 4; hostname'
is "$(out c4)" "$HOST" "-c 'unshare uts --hostname box; exit 4; hostname': level 0 goes on after the level"
run st unshare uts -- sh -c 'exit 7'
is "$(rc st)" 7 "unshare uts -- CMD exits with CMD's status (7)"
is "$(hostname)" "$HOST" "after all that the host's hostname is still $HOST"

# ---- nesting: 3 deep and back, levels at each depth ----

script nest 'unshare uts --hostname a
unshare uts --hostname b
unshare uts --hostname c
hostname
exit
hostname
exit
hostname
exit
hostname
'
is "$(out nest | paste -sd' ')" "c b a $HOST" "levels nest 3 deep and pop back: c b a $HOST"
is "$(rc nest)" 0 "nested script: status 0"

live_start
live "unshare uts --hostname a" "unshare uts --hostname b" "unshare ipc"
live_levels
is "$(wc -l <<<"$rows")" 4 "levels at depth 3: 4 rows"
like "$(sed -n 4p <<<"$rows")" '^ +3\* ' "levels marks row 3 as the current one"
is "$(awk '{print $4}' <<<"$rows" | paste -sd' ')" "- $(newset uts) uts ipc" "levels NEW column: - $(newset uts) uts ipc"
like "$(sed -n 2p <<<"$rows")" ' unshare uts --hostname a$' "levels COMMAND column: the command as typed"
is "$(level_pid "$rows" 0)" "$LIVE" "levels row 0: the PID of nsx itself"
chain=ok
for d in 1 2 3; do
	p=$(level_pid "$rows" $d) q=$(level_pid "$rows" $((d - 1)))
	[ -n "$p" ] && [ "$(ppid_of "$p")" = "$q" ] && [ "$(level_inside "$rows" $d)" = "$p" ] || chain="row $d: $p (parent $(ppid_of "$p"), wanted $q)"
done
is "$chain" ok "levels PIDs: each level is a live child of the one before (INSIDE = PID without a pid ns)"
is "$(nsino "$(level_pid "$rows" 3)" ipc):$(nsino "$(level_pid "$rows" 2)" uts)" \
	"$(nsino "$(level_pid "$rows" 3)" ipc):$(nsino "$(level_pid "$rows" 3)" uts)" \
	"level 3 (ipc) keeps level 2's uts namespace"
isnt "$(nsino "$(level_pid "$rows" 2)" uts)" "$(nsino "$(level_pid "$rows" 1)" uts)" \
	"levels 1 and 2 have different uts namespaces"
live exit exit
live_levels
is "$(wc -l <<<"$rows"):$(sed -n 2p <<<"$rows" | awk '{print $1}')" "2:1*" "after 2 exits: at level 1"
live hostname
live_sync
is "$(grep -x -e a -e b "$TMPD/live.out")" a "level 1 has its hostname (a)"
live_end
is "$LIVE_RC" 0 "end of input at level 1 ends nsx, status 0"

# ---- pid: PID 1, ps and /proc show only the level, orphans reaped ----

live_start
live "unshare pid --mount-proc"
live_levels
LV=$(level_pid "$rows" 1)
is "$(level_inside "$rows" 1)" 1 "levels at a pid level: INSIDE is 1"
like "$(grep NSpid /proc/"$LV"/status 2>/dev/null)" "^NSpid:[[:space:]]+${LV}[[:space:]]+1\$" \
	"levels PID column ($LV) is the level's real PID: it is PID 1 inside"
isnt "$(nsino "$LV" pid)" "$(nsino $$ pid)" "the level is in a new pid namespace"
is "$(readlink /proc/$$/ns/pid)" "pid:[$(nsino $$ pid)]" "(the caller's pid namespace is unchanged)"
a=$(wc -l <"$TMPD/live.out")
live "!ps -e -o pid=,comm=" "!echo ---" "!ls /proc" "!echo ---" "!cat /proc/self/stat"
live_sync
sed -n "$((a + 1)),\$p" "$TMPD/live.out" >"$TMPD/pidview"
psv=$(sed -n '1,/^---$/p' "$TMPD/pidview" | grep -v '^---' | awk '{print $1, $2}' | sort -n)
is "$(awk '{print $2}' <<<"$psv" | paste -sd' '):$(head -n 1 <<<"$psv")" "nsx ps:1 nsx" \
	"ps -e at a pid level: only nsx (PID 1) and ps"
ok $(( $(ps -e --no-headers | wc -l) > 2 ? 0 : 1 )) "(the host has more processes than that)"
lsv=$(sed -n '/^---$/,/^---$/p' "$TMPD/pidview" | grep -Ex '[0-9]+' | sort -n)
is "$(wc -l <<<"$lsv"):$(head -n 1 <<<"$lsv")" "2:1" "ls /proc at a pid level: only nsx (1) and ls"
like "$(grep '(cat)' "$TMPD/pidview")" '^[0-9]+ \(cat\) [A-Z] 1 ' "a program run at the level has parent PID 1 (nsx)"
# an orphan is reparented to the level (PID 1), which reaps it
live "!sh -c 'sleep 1 & exit 0'"
live_sync
zombie() {
	local c
	for c in $(cat /proc/"$LV"/task/*/children 2>/dev/null); do
		[ "$(awk '{ sub(/.*\) /, ""); print $1 }' /proc/"$c"/stat 2>/dev/null)" = Z ] && return 0
	done
	return 1
}
for ((i = 0; i < 60; i++)); do zombie && break; sleep 0.1; done
zombie
ok $? "an orphan at the pid level is reparented to the level (a zombie once it ends)"
live levels
live_sync
is "$(cat /proc/"$LV"/task/*/children 2>/dev/null | tr -d ' ')" "" "the level (PID 1) reaps it before the next line"
live exit
live_levels
is "$(wc -l <<<"$rows")" 1 "exit leaves the pid level"
like "$(err live)" "leaving level 1: this shell is PID 1 of its pid namespace" \
	"leaving a pid level prints the PID 1 line"
ok "$(kill -0 "$LV" 2>/dev/null; echo $((!$?)))" "the level process is gone"
live_end

script p1 'unshare uts
exit
unshare ipc
'
is "$(grep -c 'leaving level' "$TMPD/p1.err")" 0 "leaving a uts level (exit, or end of input) prints no PID 1 line"
script p2 'unshare pid
levels
'
is "$(grep -c 'leaving level 1: this shell is PID 1' "$TMPD/p2.err")" 1 \
	"a pid level ended by end of input prints the PID 1 line once"
like "$(grep -E '^ +1\* ' "$TMPD/p2.out")" "^ +1\\* +[0-9]+ +1 $(newset pid) " "levels without --mount-proc: INSIDE is 1 too"
run p3 -c 'unshare pid --mount-proc; !ps -e -o pid='
is "$(out p3 | tr -d ' ' | paste -sd' ')" "1 2" "-c 'unshare pid --mount-proc; !ps -e': PIDs 1 and 2"
like "$(err p3)" "leaving level 1: this shell is PID 1" "-c: the pid level's PID 1 line"
run p4 unshare pid --mount-proc -- ps -e -o pid=,comm=
is "$(out p4 | awk '{print $1, $2}' | paste -sd,)" "1 ps" \
	"nsx unshare pid --mount-proc -- ps -e: ps alone, PID 1 (as unshare --fork)"

# ---- external commands at a level see only fds 0-2 ----

for t in "uts" "pid --mount-proc" "time"; do
	script fd "unshare $t
!sh -c 'exec ls /proc/self/fd'
"
	is "$(out fd | paste -sd' ')" "0 1 2 3" "unshare $t: a program sees fds 0 1 2 (and ls's 3), not nsx's 9"
done

# ---- mnt: a mount at the level stays there ----

MP=$TMPD/mp
mkdir "$MP"
live_start
live "unshare mnt" "!mount -t tmpfs nsx-unshare-test $MP" "!touch $MP/inside"
live_levels
LV=$(level_pid "$rows" 1)
grep -q " $MP .* nsx-unshare-test " /proc/"$LV"/mountinfo 2>/dev/null
ok $? "the tmpfs mounted at the mnt level is in the level's mountinfo"
grep -q " $MP " /proc/$$/mountinfo
ok $((!$?)) "while the level runs, it is not in the host's mountinfo"
[ -e "$MP/inside" ]
ok $((!$?)) "a file made on it at the level is not on the host"
live exit
live_sync
live_end
grep -q " $MP " /proc/$$/mountinfo
ok $((!$?)) "after the level, the host's mountinfo still has no such mount"

if need_root; then
	# a shared mount of our own: with the default (private), a mount at a
	# level below it must not propagate back; with 'unchanged' it does,
	# which shows that this test sees a leak when there is one
	SH=$TMPD/shared
	mkdir -p "$SH"
	mount --bind "$SH" "$SH" && mount --make-shared "$SH" && mkdir -p "$SH/a" "$SH/b"
	on_exit "umount -l '$SH'"
	is "$(findmnt -n -o PROPAGATION "$SH")" shared "(a shared mount of the test's own at $SH)"
	script sh1 "unshare mnt
!mount -t tmpfs nsx-unshare-test $SH/a
!findmnt -n -o PROPAGATION /
"
	is "$(out sh1)" private "unshare mnt: / is private in the level's namespace"
	grep -q " $SH/a " /proc/$$/mountinfo
	ok $((!$?)) "default propagation: a mount under a shared host mount does not leak to the host"
	script sh2 "unshare mnt --propagation unchanged
!mount -t tmpfs nsx-unshare-test $SH/b
"
	grep -q " $SH/b " /proc/$$/mountinfo
	ok $? "--propagation unchanged: the same mount does reach the host (the check above can fail)"
	umount -l "$SH/b" 2>/dev/null
	script sh3 "!findmnt -n -o PROPAGATION $SH
unshare mnt
!findmnt -n -o PROPAGATION $SH
exit
unshare mnt --propagation slave
!findmnt -n -o PROPAGATION $SH
exit
unshare mnt --propagation unchanged
!findmnt -n -o PROPAGATION $SH
"
	is "$(out sh3 | paste -sd' ')" "shared private private,slave shared" \
		"the shared mount at levels: private by default, slave or unchanged as asked"
	umount -l "$SH" 2>/dev/null
fi
is "$(findmnt -n -o PROPAGATION /)" "$PROP" "the host's / propagation is unchanged ($PROP)"

if [ -x /bin/busybox ] && ! ldd /bin/busybox >/dev/null 2>&1; then
	R=$TMPD/root
	mkdir -p "$R/bin" "$R/sub"
	cp /bin/busybox "$R/bin/"
	echo in-root >"$R/marker"
	run root unshare mnt --root "$R" --wd /sub -- /bin/busybox sh -c '/bin/busybox cat /marker; pwd'
	is "$(out root | paste -sd' ')" "in-root /sub" "--root DIR --wd /sub: / is DIR, the working directory DIR/sub"
else
	skip "no static busybox for the --root test"
fi
run wd unshare uts --wd "$TMPD" -- pwd
is "$(out wd)" "$TMPD" "--wd DIR: CMD starts in DIR"

# ---- time offsets ----

clocks='use Time::HiRes qw(clock_gettime CLOCK_MONOTONIC CLOCK_BOOTTIME);
	printf "%d %d\n", clock_gettime(CLOCK_MONOTONIC), clock_gettime(CLOCK_BOOTTIME)'
if perl -e "$clocks" >/dev/null 2>&1; then
	read -r m0 b0 < <(perl -e "$clocks")
	run tm unshare time --monotonic 3600 --boottime 86400 -- perl -e "$clocks"
	read -r m1 b1 < <(perl -e "$clocks")
	read -r mi bi <"$TMPD/tm.out"
	ok $(( mi - m0 >= 3600 && mi - m1 <= 3600 + 1 ? 0 : 1 )) \
		"--monotonic 3600: CLOCK_MONOTONIC is 3600 s ahead (host $m0..$m1, inside ${mi:-?})"
	ok $(( bi - b0 >= 86400 && bi - b1 <= 86400 + 1 ? 0 : 1 )) \
		"--boottime 86400: CLOCK_BOOTTIME is a day ahead (host $b0..$b1, inside ${bi:-?})"
	run tm2 unshare time --boottime 86400 -- perl -e "$clocks"
	read -r mi bi <"$TMPD/tm2.out"
	read -r m1 b1 < <(perl -e "$clocks")
	ok $(( mi <= m1 && m1 - mi <= 5 ? 0 : 1 )) "--boottime alone leaves CLOCK_MONOTONIC as the host's"
else
	skip "perl Time::HiRes for the clock test"
fi
up0=$(cut -d' ' -f1 /proc/uptime)
run up unshare time --boottime 86400 -- cat /proc/uptime
up1=$(cut -d' ' -f1 /proc/uptime)
upi=$(cut -d' ' -f1 "$TMPD/up.out")
ok "$(perl -e 'my ($a, $b, $i) = @ARGV; exit !($i - $a >= 86400 - 3 && $i - $b <= 86400 + 3)' \
	"$up0" "$up1" "${upi:-0}"; echo $?)" \
	"unshare time --boottime 86400: /proc/uptime is a day more (host $up0, inside ${upi:-?})"
script up2 'unshare time --boottime 86400
!cat /proc/uptime
exit
!cat /proc/uptime
'
read -r i0 _ < <(sed -n 1p "$TMPD/up2.out")
read -r i1 _ < <(sed -n 2p "$TMPD/up2.out")
ok "$(perl -e 'my ($i, $o) = @ARGV; my $d = $i - $o; exit !($d >= 86400 - 3 && $d <= 86400 + 3)' \
	"${i0:-0}" "${i1:-0}"; echo $?)" "at a time level /proc/uptime is a day ahead, after exit it is not ($i0 / $i1)"

# ---- user ----

if need_root; then
	run u0 unshare user -- id -u
	is "$(out u0)" 65534 "root, unshare user without a map: id -u is 65534 (nobody)"
	like "$(err u0)" "nobody" "and nsx says why"
	run u1 unshare user --map-root -- sh -c 'id -u; id -g'
	is "$(out u1 | paste -sd' ')" "0 0" "unshare user --map-root: uid and gid 0"
	run u2 unshare user --map-user 1000 -- id -u
	is "$(out u2)" 1000 "unshare user --map-user 1000: uid 1000"
	run u3 unshare user --map-users 0:100000:65536 --map-groups 0:100000:65536 -- \
		sh -c 'cat /proc/self/uid_map /proc/self/gid_map'
	is "$(out u3 | tr -s ' ' | sed 's/^ //' | paste -sd,)" "0 100000 65536,0 100000 65536" \
		"--map-users/--map-groups 0:100000:65536: uid_map and gid_map hold that line"
	run u4 unshare user --map-users 0:100000:10 --map-users 10:200000:5 -- cat /proc/self/uid_map
	is "$(out u4 | tr -s ' ' | sed 's/^ //' | paste -sd,)" "0 100000 10,10 200000 5" \
		"two --map-users ranges: both lines in uid_map"
	is "$(err u1)$(err u2)$(err u3)" "" "with a map: nothing on stderr"
else
	skip "user maps as root"
fi

if [ "$ROOT" = 1 ] && command -v setpriv >/dev/null &&
   (cd /tmp && "${AS_NOBODY[@]}" unshare -Ur true) 2>/dev/null; then
	mkdir -p "$TMPD/pub"
	cp "$NSX" "$TMPD/pub/nsx"
	chmod 755 "$TMPD/pub" "$TMPD/pub/nsx"
	un() {
		local n=$1; shift
		(cd /tmp && "${AS_NOBODY[@]}" "$TMPD/pub/nsx" "$@" >"$TMPD/$n.out" 2>"$TMPD/$n.err" </dev/null
		 echo $? >"$TMPD/$n.rc")
	}
	un n1 unshare uts --hostname x -- hostname
	is "$(out n1):$(rc n1)" "x:0" "as nobody: unshare uts --hostname x -- hostname gives x"
	like "$(err n1)" "user namespace too" "as nobody: nsx says it made a user namespace too"
	is "$(wc -l <"$TMPD/n1.err")" 1 "as nobody: that is the one line on stderr"
	un n2 unshare net -- sh -c 'id -u; cat /proc/self/uid_map; readlink /proc/self/ns/net'
	mapfile -t l <"$TMPD/n2.out"
	is "${l[0]:-}" 0 "as nobody: root in the user namespace made for it"
	is "$(echo "${l[1]:-}" | tr -s ' ' | sed 's/^ //')" "0 65534 1" "as nobody: uid_map maps 0 to 65534"
	isnt "${l[2]:-}" "$(readlink /proc/$$/ns/net)" "as nobody: unshare net makes a new net namespace"
	is "$(hostname)" "$HOST" "the host's hostname is still $HOST"
else
	skip "unprivileged user namespaces (as root, with setpriv)"
fi

# ---- bad input: one line, status 1, nothing changed ----

# fails WANT ARGS...: nsx ARGS exits 1, stdout empty, one stderr line
fails() {
	local want=$1; shift
	run bad "$@"
	if [ "$(rc bad)" = 1 ] && [ ! -s "$TMPD/bad.out" ] && [ "$(wc -l <"$TMPD/bad.err")" = 1 ] &&
	   grep -Eq -- "$want" "$TMPD/bad.err"; then
		ok 0 "nsx $*: exit 1, one line: $(err bad)"
	else
		ok 1 "nsx $*"
		printf '#   exit %s, stdout %s bytes, stderr:\n' "$(rc bad)" "$(wc -c <"$TMPD/bad.out")"
		sed 's/^/#     /' "$TMPD/bad.err" | head -5
		printf '#   wanted one line matching: %s\n' "$want"
	fi
}
long=$(printf 'x%.0s' {1..65})
bad=(
	"^nsx: unshare: unknown namespace type 'foo' \\(cgroup ipc mnt net pid time user uts, or all\\)\$|unshare foo"
	"^nsx: unshare: unknown namespace type 'utsx'|unshare uts utsx"
	"^nsx: unshare: invalid --map-users '1:2' |unshare user --map-users 1:2"
	"^nsx: unshare: invalid --map-users '0:0:0' |unshare user --map-users 0:0:0"
	"^nsx: unshare: invalid --map-user 'abc' |unshare user --map-user abc"
	"^nsx: unshare: --root /missing-nsx-dir: no such directory\$|unshare mnt --root /missing-nsx-dir"
	"^nsx: unshare: --wd /missing-nsx-dir: No such file or directory\$|unshare uts --wd /missing-nsx-dir"
	"^nsx: unshare: invalid hostname '$long' \\(1 to 64 bytes\\)\$|unshare uts --hostname $long"
	"^nsx: unshare: unknown propagation 'bogus' |unshare mnt --propagation bogus"
	"^nsx: unshare: which namespaces\\? |unshare"
	"^nsx: unshare: which namespaces\\? |unshare --propagation private"
	"^nsx: unshare: invalid offset 'soon' |unshare time --boottime soon"
	"^nsx: unshare: cannot set the time offsets: Numerical result out of range\$|unshare time --monotonic -100000000"
	"^nsx: unshare: unknown option '--bogus'|unshare uts --bogus"
)
if [ "$ROOT" = 1 ]; then
	bad+=("^nsx: unshare: the kernel refused uid map '0 0 1, 0 5 1': Invalid argument\$|unshare user --map-users 0:0:1 --map-users 0:5:1"
	      "^nsx: unshare: the kernel refused gid map '0 0 2, 1 9 1': Invalid argument\$|unshare user --map-root --map-groups 0:0:2 --map-groups 1:9:1")
fi
for b in "${bad[@]}"; do
	# shellcheck disable=SC2086
	fails "${b%%|*}" ${b#*|}
done

# the same at a live nsx: nothing left behind, still at level 0
live_start
live "unshare uts --hostname lv1"
live_sync
n=0 stay=ok
for b in "${bad[@]}"; do
	e0=$(wc -l <"$TMPD/live.err")
	live "${b#*|}"
	live_levels
	e1=$(wc -l <"$TMPD/live.err")
	LV=$(level_pid "$rows" 1)
	kids=$(cat /proc/"$LV"/task/*/children 2>/dev/null | tr -d ' ')
	if [ "$(wc -l <<<"$rows")" != 2 ] || [ $((e1 - e0)) != 1 ] || [ -n "$kids" ]; then
		stay="after '${b#*|}': $(wc -l <<<"$rows") rows, $((e1 - e0)) error lines, children '$kids'"
		break
	fi
	n=$((n + 1))
done
is "$stay" ok "at level 1, each of the $n bad unshares: one line, still at level 1, no process left"
live hostname
live_sync
is "$(grep -x lv1 "$TMPD/live.out")" lv1 "and the level is as it was (hostname lv1)"
live_end

script deep "$(for i in $(seq 1 33); do echo "unshare uts --hostname h$i"; done; echo hostname; echo levels)"
is "$(grep -x 'h[0-9]*' "$TMPD/deep.out")" h31 "31 levels deep: the 32nd is refused, still at level 31"
is "$(grep -c 'too many levels' "$TMPD/deep.err")" 2 "each refused level: one line"

is "$(findmnt -n -o PROPAGATION /)" "$PROP" "the host's / propagation is still $PROP"
is "$(hostname)" "$HOST" "the host's hostname is still $HOST"

done_testing
