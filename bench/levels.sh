#!/bin/bash
# bench/levels.sh: the cost of stepping into namespaces (issue 4, "Speed").
#   nsx unshare uts -- /bin/true     against  unshare -u /bin/true
#   nsx enter PID -- /bin/true       against  nsenter -t PID -a /bin/true
# with PID a target the script makes (new uts, ipc, net, mnt and pid
# namespaces), alternately in one run (the order flips every round), after
# WARM untimed runs. Run by `make bench`, as root. See bench/README.md.
#
# Environment: ROUNDS (40) timed runs of each command, WARM (5), NSX (./nsx),
# LIFETIME (600 s: the target dies by itself after that even if the trap
# does not run).
set -u
cd "$(dirname "$0")/.." || exit 1

ROUNDS=${ROUNDS:-40}
WARM=${WARM:-5}
NSX=${NSX:-./nsx}
LIFETIME=${LIFETIME:-600}
GOAL=1.2

die() { echo "bench/levels.sh: $*" >&2; exit 1; }
say() { printf '%s\n' "$*" >&2; }

[ "$(id -u)" = 0 ] || die "must run as root: the target needs namespaces of its own (sudo make bench)"
for c in unshare nsenter sleep "${CC:-cc}"; do
	command -v "$c" >/dev/null || die "'$c' not found (make deps installs what is missing)"
done
[ -x "$NSX" ] || die "$NSX is not built: run make"
[[ $ROUNDS =~ ^[0-9]+$ && $ROUNDS -ge 5 ]] || die "ROUNDS must be a number >= 5"

TMP=
TARGET=		# the unshare --fork process; the sleeper is its child
cleanup() {
	local st=$?
	trap - EXIT INT TERM HUP
	if [ -n "$TARGET" ]; then
		# unshare --fork passes TERM on to its child; KILL both by PID
		# in case it does not
		kill -TERM "$TARGET" 2>/dev/null
		[ -n "${SLEEPER:-}" ] && kill -KILL "$SLEEPER" 2>/dev/null
		kill -KILL "$TARGET" 2>/dev/null
		wait "$TARGET" 2>/dev/null
	fi
	[ -n "$TMP" ] && rm -rf "$TMP"
	exit "$st"
}
. "$(dirname "$0")/stats.sh"
bench_traps

TMP=$(mktemp -d /tmp/nsx-bench.XXXXXX) || { TMP=; die "mktemp failed"; }
bench_build timeit
TIMEIT=build/bench/timeit
# time a private copy: a rebuild of ./nsx during the run changes nothing
cp "$NSX" "$TMP/nsx" || die "cannot copy $NSX"
NSX=$TMP/nsx

# the target: sleep as PID 1 of a new pid namespace, in new uts, ipc, net
# and mount namespaces too (what nsenter -a and nsx enter both enter)
unshare --uts --ipc --net --mount --pid --fork --kill-child sleep "$LIFETIME" </dev/null >/dev/null 2>&1 &
TARGET=$!
SLEEPER=
for _ in $(seq 100); do
	SLEEPER=$(cat /proc/"$TARGET"/task/*/children 2>/dev/null | tr -d ' ')
	[ -n "$SLEEPER" ] && [ "$(cat /proc/"$SLEEPER"/comm 2>/dev/null)" = sleep ] && break
	SLEEPER=
	sleep 0.05
done
[ -n "$SLEEPER" ] || die "the target (unshare --fork sleep) did not start"
[ "$(readlink /proc/"$SLEEPER"/ns/uts)" != "$(readlink /proc/self/ns/uts)" ] ||
	die "the target is not in a uts namespace of its own"

# run TAG CMD...: one timed run, "wall user sys" (us) appended to $TMP/TAG;
# a failing command ends the benchmark (both sides must do the same work)
run() {
	local tag=$1 out
	shift
	out=$("$TIMEIT" "$@" 2>"$TMP/err") || die "timeit failed on: $*"
	[ "${out##* }" = 0 ] || die "'$*' exited with status ${out##* }: $(cat "$TMP/err")"
	[ "$tag" = - ] || echo "${out% *}" >>"$TMP/$tag"
}

# pair CASE "NSX CMD" "ANCHOR CMD": alternately, WARM untimed runs first
# (the commands are split into words on purpose)
# shellcheck disable=SC2086
pair() {
	local c=$1 a=$2 b=$3 r
	for ((r = 0; r < WARM; r++)); do
		run - $a; run - $b
	done
	for ((r = 1; r <= ROUNDS; r++)); do
		if ((r % 2)); then
			run "$c.nsx" $a; run "$c.anchor" $b
		else
			run "$c.anchor" $b; run "$c.nsx" $a
		fi
	done
}


CASES=(unshare enter)
declare -A NSXCMD=([unshare]="$NSX unshare uts -- /bin/true" [enter]="$NSX enter $SLEEPER -- /bin/true")
declare -A ANCHOR=([unshare]="unshare -u /bin/true" [enter]="nsenter -t $SLEEPER -a /bin/true")
declare -A LABEL=([unshare]="nsx unshare uts -- /bin/true" [enter]="nsx enter PID -- /bin/true")
declare -A ALABEL=([unshare]="unshare -u /bin/true" [enter]="nsenter -t PID -a /bin/true")

# both sides must land where they should, or the timing means nothing
want=$(readlink /proc/"$SLEEPER"/ns/uts)
got=$("$NSX" enter "$SLEEPER" -- readlink /proc/self/ns/uts 2>&1)
[ "$got" = "$want" ] || die "nsx enter does not reach the target ($got, want $want)"
got=$(nsenter -t "$SLEEPER" -a readlink /proc/self/ns/uts 2>&1)
[ "$got" = "$want" ] || die "nsenter does not reach the target ($got, want $want)"
# the pid namespace too: nsx must fork into it, or the command stays in ours
want=$(readlink /proc/"$SLEEPER"/ns/pid)
got=$("$NSX" enter "$SLEEPER" -- readlink /proc/self/ns/pid 2>&1)
[ "$got" = "$want" ] || die "nsx enter does not fork into the target's pid namespace ($got, want $want)"

t_start=$SECONDS
load_start=$(cut -d' ' -f1-3 /proc/loadavg)
for c in "${CASES[@]}"; do
	say "  ${LABEL[$c]} vs ${ALABEL[$c]}: $ROUNDS rounds each, alternately"
	pair "$c" "${NSXCMD[$c]}" "${ANCHOR[$c]}"
done

ul_version=$(unshare --version | awk '{ print $NF }')
cpu=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)
commit=$(git describe --always --dirty 2>/dev/null || echo unknown)
{
	echo
	echo "nsx levels vs util-linux $ul_version, medians of $ROUNDS alternating runs after $WARM warm-up, wall time"
	echo "machine: $(nproc) CPUs ($cpu), Linux $(uname -r), nsx $commit, $(date -u +%Y-%m-%d)"
	echo "load average: $load_start at the start, $(cut -d' ' -f1-3 /proc/loadavg) at the end"
	echo
	printf '%-30s %-30s %8s %8s %7s %8s  %s\n' "nsx" "anchor" "nsx ms" "anch ms" "ratio" "pair-med" "goal"
	for c in "${CASES[@]}"; do
		a=$(med "$TMP/$c.nsx"); b=$(med "$TMP/$c.anchor"); r=$(div "$a" "$b")
		printf '%-30s %-30s %8s %8s %7s %8s  %s\n' "${LABEL[$c]}" "${ALABEL[$c]}" "$a" "$b" "$r" \
			"$(pairmed "$TMP/$c.nsx" "$TMP/$c.anchor")" "<= $GOAL $(verdict "$r" $GOAL)"
	done
	echo
	echo "CPU time (user+sys of the command and the children it waited for), medians in ms:"
	printf '%-30s %8s %8s %8s %8s %7s\n' "" "nsx usr" "nsx sys" "anch usr" "anch sys" "ratio"
	for c in "${CASES[@]}"; do
		printf '%-30s %8s %8s %8s %8s %7s\n' "${LABEL[$c]}" \
			"$(med "$TMP/$c.nsx" 2)" "$(med "$TMP/$c.nsx" 3)" \
			"$(med "$TMP/$c.anchor" 2)" "$(med "$TMP/$c.anchor" 3)" \
			"$(div "$(cpu "$TMP/$c.nsx")" "$(cpu "$TMP/$c.anchor")")"
	done
	echo
	echo "(bench/levels.sh took $((SECONDS - t_start)) s)"
}
