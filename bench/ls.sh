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
# shellcheck source=SCRIPTDIR/population.sh
. "$(dirname "$0")/population.sh"
population_fits "$BIG"

# ---- the population ---------------------------------------------------------

TMP=
. "$(dirname "$0")/stats.sh"
bench_traps

# ---- helpers (compiled once into build/bench) --------------------------------

TMP=$(mktemp -d /tmp/nsx-bench.XXXXXX) || { TMP=; die "mktemp failed"; }
bench_build timeit population
TIMEIT=build/bench/timeit
# time a private copy: a rebuild of ./nsx during the run changes nothing
cp "$NSX" "$TMP/nsx" || die "cannot copy $NSX"
NSX=$TMP/nsx

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
		echo "failed runs retried: $(sort "$TMP/retries" | uniq -c | awk '{ printf "%s%s %d", (NR > 1 ? ", " : ""), $2, $1 }' | sed "s|$TMP/||")"
	fi
	echo
	echo "(bench/ls.sh took $((SECONDS - t_start)) s)"
}
