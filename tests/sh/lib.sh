# TAP helpers for the shell tests. Source it: . "$(dirname "$0")/lib.sh"
# NSX: the binary under test (set by make test); NSX_MUST_WORK=1 turns skips
# into failures (CI).
set -u
NSX=${NSX:-$(cd "$(dirname "$0")/../.." && pwd)/nsx}
TAP_N=0
TAP_FAILED=0
CLEANUP=()

# _tap STATUS "description": one TAP line. While TODO=REASON is set, a
# failure is known and expected ("# TODO REASON": prove does not count it,
# and reports it when it passes), e.g. the VM matrix's known failures.
_tap() {
	local d=$2
	TAP_N=$((TAP_N + 1))
	[ -z "${TODO:-}" ] || d="$d # TODO $TODO"
	if [ "$1" -eq 0 ]; then
		echo "ok $TAP_N - $d"
		return 0
	fi
	echo "not ok $TAP_N - $d"
	[ -n "${TODO:-}" ] || TAP_FAILED=$((TAP_FAILED + 1))
	return 1
}

ok() {	# ok COND-STATUS "description"
	_tap "$1" "$2"
	true
}

check() {	# check "description" CMD...: ok when CMD succeeds
	local d=$1; shift
	"$@"; ok $? "$d"
}

is() {	# is GOT WANT "description"
	[ "$1" = "$2" ]
	_tap $? "$3" || printf '#   got:  %s\n#   want: %s\n' "$1" "$2" | head -40
	true
}

like() {	# like GOT REGEX "description"
	printf '%s' "$1" | grep -Eq -- "$2"
	_tap $? "$3" || printf '#   got: %s\n#   no match for: %s\n' "$1" "$2" | head -40
	true
}

isnt() {	# isnt GOT UNWANTED "description"
	[ "$1" != "$2" ]
	_tap $? "$3" || printf '#   got: %s (must differ)\n' "$1"
	true
}

skip() {	# skip "reason": a failure under NSX_MUST_WORK=1
	TAP_N=$((TAP_N + 1))
	if [ "${NSX_MUST_WORK:-0}" = 1 ]; then
		echo "not ok $TAP_N - needed but unavailable: $1"
		TAP_FAILED=$((TAP_FAILED + 1))
	else
		echo "ok $TAP_N # SKIP $1"
	fi
}

need_tmux() {	# need_tmux: true when tmux is installed, else a skip
	command -v tmux >/dev/null && return 0
	skip "tmux is not installed"; return 1
}

need_root() {	# need_root: true when root, else a skip
	[ "$(id -u)" = 0 ] && return 0
	skip "needs root"; return 1
}

# Run CMD at exit, even when the test fails or is interrupted.
on_exit() { CLEANUP+=("$*"); }
_run_cleanup() {
	local i
	for ((i = ${#CLEANUP[@]} - 1; i >= 0; i--)); do eval "${CLEANUP[$i]}" >/dev/null 2>&1; done
}
trap _run_cleanup EXIT
trap 'exit 130' INT TERM

done_testing() {
	echo "1..$TAP_N"
	[ "$TAP_FAILED" -eq 0 ]
}

# fails WANT-STDERR-REGEX ARGS...: nsx ARGS exits 1, prints nothing on stdout
# and exactly one line, matching WANT, on stderr (bad input, one clear line)
fails() {
	local want=$1 rc out err; shift
	out=$(mktemp) err=$(mktemp)
	"$NSX" "$@" >"$out" 2>"$err" </dev/null
	rc=$?
	if [ $rc = 1 ] && [ ! -s "$out" ] && [ "$(wc -l <"$err")" = 1 ] && grep -Eq -- "$want" "$err"; then
		ok 0 "nsx $*: exit 1, one line: $(cat "$err")"
	else
		ok 1 "nsx $*"
		printf '#   exit %s, stdout %s bytes, stderr:\n' "$rc" "$(wc -c <"$out")"
		sed 's/^/#     /' "$err" | head -5
		printf '#   wanted one line matching: %s\n' "$want"
	fi
	rm -f "$out" "$err"
}

# wait_cond CMD...: until CMD succeeds, WAIT_TENTHS tenths of a second at most
wait_cond() {
	local i
	for ((i = 0; i < ${WAIT_TENTHS:-50}; i++)); do
		"$@" && return 0
		sleep 0.1
	done
	return 1
}

# held_locks DIR: the lines of /proc/locks on files under DIR (a cache's
# build directories, containers' records), found by the device and inode
# /proc/locks names (major:minor in hex, as the kernel prints them)
held_locks() {
	local devno devhex ino
	devno=$(stat -c %d "$1")
	devhex=$(printf '%02x:%02x' $(((devno >> 8) & 0xfff)) $(((devno & 0xff) | ((devno >> 12) & 0xfff00))))
	for ino in $(awk -v dev="$devhex" '{
		for (i = 1; i <= NF; i++) if ($i ~ /^[0-9a-f]+:[0-9a-f]+:[0-9]+$/) break
		n = split($i, a, ":"); if (a[1] ":" a[2] == dev) print a[3] }' /proc/locks); do
		[ -z "$(find "$1" -xdev -inum "$ino" -print -quit 2>/dev/null)" ] ||
			grep -E ":$ino " /proc/locks
	done
	true
}

# test_user NAME HOME: a throw-away user for a test's rootless half: made
# with useradd (deleted at exit, home HOME), its ID and GID, AS (setpriv as
# it) and NSXB, its own copy of $NSX in HOME (were /proc/1/exe reachable,
# the container's root, the user, could write it). Returns 1 after a skip
# or a failure that says why, also when it cannot make a user namespace.
# user_del NAME: userdel NAME, again for up to 5 s while it is refused for
# a moment: the user's last processes still ending (8), or /etc/passwd
# locked by another test's useradd or userdel (10)
user_del() {
	local i rc
	for ((i = 0; i < 50; i++)); do
		userdel "$1" 2>/dev/null
		rc=$?
		[ "$rc" = 8 ] || [ "$rc" = 10 ] || return "$rc"
		sleep 0.1
	done
	userdel "$1"
}

test_user() {
	U=$1
	if ! command -v useradd >/dev/null; then
		skip "rootless: useradd is needed"
		return 1
	fi
	if ! useradd -M -N -s /bin/sh -d "$2" "$U"; then
		ok 1 "useradd $U"
		return 1
	fi
	on_exit "user_del '$U'"
	ID=$(id -u "$U") GID=$(id -g "$U")
	AS=(setpriv --reuid="$ID" --regid="$GID" --clear-groups)
	NSXB=$2/nsx-$U
	cp "$NSX" "$NSXB" && chown "$ID:$GID" "$NSXB"
	if ! "${AS[@]}" unshare -Ur true 2>/dev/null; then
		skip "rootless: $U cannot make a user namespace (unshare -Ur)"
		return 1
	fi
}
