#!/bin/bash
# bench/ls.sh [N [BIG]]: `nsx ls` against `lsns` on a population of N
# (default 2000) sleeping processes, then scaling of nsx from N to BIG
# (default 8000). Run by `make bench`, as root. See bench/README.md.
#
# Environment: ROUNDS (15) timed runs of each command per case, after WARM (2)
# warm-up runs; BIG_LSNS_ROUNDS (3): lsns is quadratic, it gets fewer rounds
# at BIG; NSX (./nsx); LIFETIME (1800 s): the sleepers die by themselves after
# that even if everything else fails.
set -u
cd "$(dirname "$0")/.." || exit 1

N=${1:-${N:-2000}}
BIG=${2:-${BIG:-8000}}
ROUNDS=${ROUNDS:-15}
WARM=${WARM:-2}
BIG_LSNS_ROUNDS=${BIG_LSNS_ROUNDS:-3}
NSX=${NSX:-./nsx}
LIFETIME=${LIFETIME:-1800}
GOAL_RATIO=0.20
GOAL_SCALE=4.2
COLS=NS,TYPE,NPROCS,PID,USER,COMMAND

die() { echo "bench/ls.sh: $*" >&2; exit 1; }
say() { printf '%s\n' "$*" >&2; }

# ---- preconditions ----------------------------------------------------------

[ "$(id -u)" = 0 ] || die "must run as root: the population needs its own uts, ipc and net namespaces (sudo make bench)"
for c in lsns unshare sleep pgrep "${CC:-cc}"; do
	command -v "$c" >/dev/null || die "'$c' not found (make deps installs what is missing)"
done
[ -x "$NSX" ] || die "$NSX is not built: run make"
[[ $N =~ ^[0-9]+$ && $BIG =~ ^[0-9]+$ && $N -ge 100 && $BIG -ge $N ]] ||
	die "usage: bench/ls.sh [N [BIG]] with 100 <= N <= BIG"

# Every 100th sleeper also has an unshare parent: BIG*1.01 processes, plus
# what is already running, must fit under pid_max, threads-max and RLIMIT_NPROC.
count_procs() { local p=(/proc/[0-9]*); echo ${#p[@]}; }
nprocs_now=$(count_procs)
need=$((BIG + BIG / 100 + 100))
pid_max=$(cat /proc/sys/kernel/pid_max)
threads_max=$(cat /proc/sys/kernel/threads-max)
[ $((nprocs_now + need)) -lt "$pid_max" ] ||
	die "$BIG processes do not fit under kernel.pid_max=$pid_max ($nprocs_now running): sysctl -w kernel.pid_max=$((4 * need)) or use a smaller BIG"
[ $((nprocs_now + need)) -lt "$threads_max" ] ||
	die "$BIG processes do not fit under kernel.threads-max=$threads_max"
ulimit -u unlimited 2>/dev/null || [ "$(ulimit -u)" = unlimited ] || [ "$(ulimit -u)" -gt $((nprocs_now + need)) ] ||
	die "RLIMIT_NPROC ($(ulimit -u)) is too low for $BIG processes"
for t in user:100 pid:100 net:50 uts:10 ipc:10; do
	f=/proc/sys/user/max_${t%:*}_namespaces
	[ -r "$f" ] || continue
	[ "$(cat "$f")" -gt $((BIG / ${t#*:} + 200)) ] ||
		die "$f=$(cat "$f") is too low for $((BIG / ${t#*:})) ${t%:*} namespaces"
done

# ---- the population ---------------------------------------------------------

TMP=
LEADERS=()	# population leaders: each is its own session and process group

group_list() { local IFS=,; echo "${LEADERS[*]}"; }

cleanup() {
	local st=$? g left=0
	trap - EXIT INT TERM HUP
	if [ ${#LEADERS[@]} -gt 0 ]; then
		say "removing the population (process groups $(group_list))"
		for g in "${LEADERS[@]}"; do kill -TERM "$g" 2>/dev/null; done
		# each leader kills its children by pid, reaps them and exits
		# (a few seconds for 8000 on a busy machine)
		for _ in $(seq 300); do
			pgrep -g "$(group_list)" >/dev/null || break
			sleep 0.1
		done
		# last resort: whatever is still in our groups, by process group
		if pgrep -g "$(group_list)" >/dev/null; then
			for g in "${LEADERS[@]}"; do kill -KILL -- -"$g" 2>/dev/null; done
			sleep 1
		fi
		wait "${LEADERS[@]}" 2>/dev/null
		left=$(pgrep -c -g "$(group_list)")
		if [ "$left" -gt 0 ]; then
			say "bench/ls.sh: $left processes of groups $(group_list) are still there"
			[ "$st" = 0 ] && st=1
		else
			say "population removed: $(count_procs) processes now, $nprocs_now before"
		fi
	fi
	[ -n "$TMP" ] && rm -rf "$TMP"
	exit "$st"
}
. "$(dirname "$0")/stats.sh"
bench_traps

# ---- helpers (compiled once into build/bench) --------------------------------

TMP=$(mktemp -d /tmp/nsx-bench.XXXXXX) || { TMP=; die "mktemp failed"; }
bench_build timeit population
TIMEIT=build/bench/timeit
# time a private copy: a rebuild of ./nsx during the run changes nothing
cp "$NSX" "$TMP/nsx" || die "cannot copy $NSX"
NSX=$TMP/nsx


# sleepers FROM TO: start processes FROM..TO in a new group; wait until all
# of them sleep in their namespaces.
sleepers() {
	local from=$1 to=$2 want have leader t0=$SECONDS
	build/bench/population "$from" "$to" "$LIFETIME" >"$TMP/pop.$from" 2>&1 </dev/null &
	leader=$!
	LEADERS+=("$leader")
	want=$((to - from + 1))
	while :; do
		have=$(pgrep -c -x -g "$leader" sleep)
		[ "$have" -ge "$want" ] && break
		kill -0 "$leader" 2>/dev/null || die "population leader died: $(cat "$TMP/pop.$from")"
		[ $((SECONDS - t0)) -lt 180 ] || die "population: only $have of $want sleepers after 180 s"
		sleep 0.2
	done
	sleep 1	# let fork/exec/namespace teardown of the helpers settle
}

# ---- timing -----------------------------------------------------------------

# run TAG CMD...: one timed run; appends "wall user sys" (us) to $TMP/TAG.
# A run that fails is retried (lsns 2.38 exits 1 when a process vanishes
# under it, util-linux#2799; other work on the machine starts and ends
# processes all the time); three failures in a row end the benchmark.
run() {
	local tag=$1 out try
	shift
	for try in 1 2 3; do
		out=$("$TIMEIT" "$@" 2>"$TMP/err") || die "timeit failed on: $*"
		[ "${out##* }" = 0 ] && break
		echo "$1" >>"$TMP/retries"
		say "  retry: '$*' exited with status ${out##* }: $(tail -1 "$TMP/err")"
		[ "$try" = 3 ] && die "'$*' failed 3 times in a row: $(cat "$TMP/err")"
	done
	[ "$tag" = - ] || echo "${out% *}" >>"$TMP/$tag"
}

# alternate CASE LSNS_ROUNDS ARGS...: nsx ls ARGS and lsns ARGS, alternately
# (the order flips every round), WARM untimed runs each first.
alternate() {
	local c=$1 lr=$2 r
	shift 2
	for ((r = 0; r < WARM; r++)); do
		run - "$NSX" ls "$@"
		((r < 1 || lr >= ROUNDS)) && run - lsns "$@"
	done
	for ((r = 1; r <= ROUNDS; r++)); do
		if ((r % 2)); then
			run "$c.nsx" "$NSX" ls "$@"
			((r <= lr)) && run "$c.lsns" lsns "$@"
		else
			((r <= lr)) && run "$c.lsns" lsns "$@"
			run "$c.nsx" "$NSX" ls "$@"
		fi
	done
}

rows() { "$@" 2>/dev/null | wc -l; }

CASES=(default cols)
declare -A ARGS=([default]="" [cols]="-o $COLS -l")
declare -A LABEL=([default]="ls" [cols]="ls -o $COLS -l")

bench_at() {
	local n=$1 lr=$2 c
	for c in "${CASES[@]}"; do
		say "  $n processes: ${LABEL[$c]}: nsx $ROUNDS rounds, lsns $lr, alternately"
		# shellcheck disable=SC2086
		alternate "$n.$c" "$lr" ${ARGS[$c]}
	done
}

# ---- run --------------------------------------------------------------------

say "nsx ls vs lsns: population of $N, then $BIG sleeping processes ($nprocs_now running now)"
t_start=$SECONDS
load_start=$(cut -d' ' -f1-3 /proc/loadavg)
sleepers 1 "$N"
total_small=$(count_procs)
say "population of $N up: $total_small processes in all"
say "  rows: nsx ls $(rows "$NSX" ls -n), lsns $(rows lsns -n)"
bench_at "$N" "$ROUNDS"

sleepers $((N + 1)) "$BIG"
total_big=$(count_procs)
say "population of $BIG up: $total_big processes in all"
bench_at "$BIG" "$BIG_LSNS_ROUNDS"

# ---- report -----------------------------------------------------------------

lsns_version=$(lsns --version | awk '{ print $NF }')
cpu=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)
commit=$(git describe --always --dirty 2>/dev/null || echo unknown)
{
	echo
	echo "nsx ls vs lsns $lsns_version, medians of $ROUNDS alternating runs (lsns: $BIG_LSNS_ROUNDS at $BIG), wall time"
	echo "machine: $(nproc) CPUs ($cpu), Linux $(uname -r), nsx $commit, $(date -u +%Y-%m-%d)"
	echo "population: $N sleepers ($total_small processes in all), then $BIG ($total_big)"
	echo "load average: $load_start at the start, $(cut -d' ' -f1-3 /proc/loadavg) at the end (other work on the machine slows nsx's threads most)"
	echo
	printf '%-44s %6s %9s %9s %9s %9s  %s\n' "command" "procs" "nsx ms" "lsns ms" "nsx/lsns" "pair-med" "goal"
	for n in "$N" "$BIG"; do
		for c in "${CASES[@]}"; do
			a=$(med "$TMP/$n.$c.nsx"); b=$(med "$TMP/$n.$c.lsns"); r=$(div "$a" "$b")
			goal=""
			[ "$n" = "$N" ] && goal="<= $GOAL_RATIO $(verdict "$r" $GOAL_RATIO)"
			printf '%-44s %6s %9s %9s %9s %9s  %s\n' "${LABEL[$c]}" "$n" "$a" "$b" "$r" \
				"$(pairmed "$TMP/$n.$c.nsx" "$TMP/$n.$c.lsns")" "$goal"
		done
	done
	echo
	printf '%-44s %6s %9s %9s  %s\n' "scaling" "" "nsx" "lsns" "goal (nsx)"
	for c in "${CASES[@]}"; do
		s=$(div "$(med "$TMP/$BIG.$c.nsx")" "$(med "$TMP/$N.$c.nsx")")
		printf '%-44s %6s %9s %9s  %s\n' "${LABEL[$c]}" "$BIG/$N" "$s" \
			"$(div "$(med "$TMP/$BIG.$c.lsns")" "$(med "$TMP/$N.$c.lsns")")" "<= $GOAL_SCALE $(verdict "$s" $GOAL_SCALE)"
	done
	echo
	echo "CPU time, medians in ms (nsx's scan threads can make user+sys > wall; CPU time is"
	echo "less disturbed than wall time by other work on the machine):"
	printf '%-44s %6s %9s %9s %9s %9s %9s\n' "" "procs" "nsx usr" "nsx sys" "lsns usr" "lsns sys" "nsx/lsns"
	for n in "$N" "$BIG"; do
		for c in "${CASES[@]}"; do
			a=$(cpu "$TMP/$n.$c.nsx"); b=$(cpu "$TMP/$n.$c.lsns")
			printf '%-44s %6s %9s %9s %9s %9s %9s\n' "${LABEL[$c]}" "$n" \
				"$(med "$TMP/$n.$c.nsx" 2)" "$(med "$TMP/$n.$c.nsx" 3)" \
				"$(med "$TMP/$n.$c.lsns" 2)" "$(med "$TMP/$n.$c.lsns" 3)" "$(div "$a" "$b")"
		done
	done
	for c in "${CASES[@]}"; do
		printf '%-44s %6s %9s  (scaling of nsx CPU time)\n' "${LABEL[$c]}" "$BIG/$N" \
			"$(div "$(cpu "$TMP/$BIG.$c.nsx")" "$(cpu "$TMP/$N.$c.nsx")")"
	done
	if [ -s "$TMP/retries" ]; then
		echo
		echo "failed runs retried: $(sort "$TMP/retries" | uniq -c | awk '{ printf "%s%s %d", NR > 1 ? ", " : "", $2, $1 }' | sed "s|$TMP/||")"
	fi
	echo
	echo "(bench/ls.sh took $((SECONDS - t_start)) s)"
}
