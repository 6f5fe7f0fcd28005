#!/bin/bash
# bench/scale.sh [SIZES...]: `nsx ls` and `nsx ls -J` on populations of
# 2500, 5000, 10000 and 20000 sleeping processes (bench/population.c, grown
# step by step): peak RSS and wall time of each, a table, and a verdict.
# Run by `make scale`, as root. Unlike the benchmarks it FAILS (exit 1) when
#  - nsx ls or ls -J fails or lists fewer processes than are running, at
#    any size, or
#  - its memory does not grow linearly: the marginal cost per process in
#    the upper half (RSS(N4)-RSS(N3))/(P4-P3) must stay within MAX_SLOPE
#    (1.5) times that of the lower sizes (RSS(N3)-RSS(N1))/(P3-P1), P being
#    the processes actually running. Linear growth gives 1; quadratic growth
#    (per process work that itself grows with the population) gives 2.4 for
#    2500/10000/20000; 1.5 leaves room for hash-table doublings and
#    allocator granularity, which make RSS grow in steps.
#
# Environment: ROUNDS (3) runs of each command per size, after one warm-up
# run; the medians are reported. NSX (./nsx); LIFETIME (900 s): the
# sleepers die by themselves after that even if everything else fails;
# MAX_SLOPE (1.5); CHUNK (2500) sleepers per population leader, leaders
# forking side by side; POP_TIMEOUT (300 s) for a size's population to be up.
set -u
cd "$(dirname "$0")/.." || exit 1

SIZES=("$@")
[ ${#SIZES[@]} -gt 0 ] || SIZES=(2500 5000 10000 20000)
ROUNDS=${ROUNDS:-3}
NSX=${NSX:-./nsx}
LIFETIME=${LIFETIME:-900}
MAX_SLOPE=${MAX_SLOPE:-1.5}
CHUNK=${CHUNK:-2500}
POP_TIMEOUT=${POP_TIMEOUT:-300}

die() { echo "bench/scale.sh: $*" >&2; exit 1; }
say() { printf '%s\n' "$*" >&2; }

[ "$(id -u)" = 0 ] || die "must run as root: the population needs its own uts, ipc and net namespaces (sudo make scale)"
for c in unshare sleep pgrep "${CC:-cc}"; do
	command -v "$c" >/dev/null || die "'$c' not found (make deps installs what is missing)"
done
[ -x "$NSX" ] || die "$NSX is not built: run make"
[ ${#SIZES[@]} -ge 3 ] || die "usage: bench/scale.sh [N1 N2 ... Nk] with at least 3 sizes, growing"
prev=0
for n in "${SIZES[@]}"; do
	[[ $n =~ ^[0-9]+$ && $n -gt $prev ]] || die "sizes must be numbers, growing: ${SIZES[*]}"
	prev=$n
done
BIG=${SIZES[-1]}
# shellcheck source=SCRIPTDIR/population.sh
. "$(dirname "$0")/population.sh"
population_fits "$BIG"

TMP=
# shellcheck source=SCRIPTDIR/stats.sh
. "$(dirname "$0")/stats.sh"
bench_traps

TMP=$(mktemp -d /tmp/nsx-scale.XXXXXX) || { TMP=; die "mktemp failed"; }
bench_build timeit population
cp "$NSX" "$TMP/nsx" || die "cannot copy $NSX"
NSX=$TMP/nsx

# measure N TAG ARGS...: ROUNDS runs of nsx ARGS; "wall_us maxrss_kb" a line
# in $TMP/N.TAG. Fails (the script dies) when nsx fails.
measure() {
	local n=$1 tag=$2 r out
	shift 2
	for ((r = 0; r <= ROUNDS; r++)); do
		out=$(build/bench/timeit -m "$NSX" "$@" 2>"$TMP/err") || die "timeit failed"
		[ "${out##* }" = 0 ] || die "nsx $* failed at $n processes (status ${out##* }): $(tail -1 "$TMP/err")"
		# the first run warms the caches (dentries of /proc) and is not kept
		[ "$r" = 0 ] || awk '{ print $1, $4 }' <<<"$out" >>"$TMP/$n.$tag"
	done
}

# rows_ok N PROCS: nsx ls -J counts every running process: the sum of
# "nprocs" over the pid namespaces (each process is in exactly one, its own)
rows_ok() {
	local got
	got=$("$NSX" ls -J -t pid 2>/dev/null | awk -F: '/"nprocs"/ { gsub(/[ ,]/, "", $2); s += $2 } END { print s + 0 }')
	# processes come and go on a busy machine: 2% either way
	awk -v g="$got" -v p="$2" 'BEGIN { exit !(g >= p * 0.98 && g <= p * 1.02) }' ||
		die "at $1 sleepers nsx ls -J counts $got processes in its pid namespaces, $2 are running"
}

# rss N TAG / wall N TAG: the medians, in KB and ms
rss() { median "$TMP/$1.$2" 2; }
wall() { med "$TMP/$1.$2" 1; }

say "nsx ls at ${SIZES[*]} sleeping processes ($nprocs_now running now), $ROUNDS rounds each"
t_start=$SECONDS
from=1
declare -A PROCS
for n in "${SIZES[@]}"; do
	t0=$SECONDS
	# groups of at most CHUNK fork side by side: a few times faster on a
	# busy machine than one leader forking them all
	for ((a = from; a <= n; a += CHUNK)); do
		sleepers_start "$a" $((a + CHUNK - 1 < n ? a + CHUNK - 1 : n))
	done
	sleepers_wait
	from=$((n + 1))
	PROCS[$n]=$(count_procs)
	say "  $n sleepers up ($((SECONDS - t0)) s): ${PROCS[$n]} processes in all; measuring"
	rows_ok "$n" "${PROCS[$n]}"
	measure "$n" ls ls
	measure "$n" json ls -J
	# other work on the machine starts and ends processes too: the mean of
	# the counts before and after the runs
	PROCS[$n]=$(((PROCS[$n] + $(count_procs)) / 2))
	say "  $n: ls $(wall "$n" ls) ms $(rss "$n" ls) KB, ls -J $(wall "$n" json) ms $(rss "$n" json) KB"
done

# ---- report -----------------------------------------------------------------

# slope A B TAG: KB per process between sizes A and B
slope() {
	awk -v ra="$(rss "$1" "$3")" -v rb="$(rss "$2" "$3")" -v pa="${PROCS[$1]}" -v pb="${PROCS[$2]}" \
		'BEGIN { printf "%.3f", (rb - ra) / (pb - pa) }'
}

N1=${SIZES[0]} N3=${SIZES[-2]} N4=${SIZES[-1]}
fail=0
{
	echo
	echo "nsx ls at growing populations: medians of $ROUNDS runs, peak RSS from wait4"
	echo "machine: $(nproc) CPUs, $(awk '/^MemTotal/ { printf "%.0f GB", $2 / 1048576 }' /proc/meminfo), Linux $(uname -r), nsx $(git describe --always --dirty 2>/dev/null || echo unknown), $(date -u +%Y-%m-%d)"
	echo
	printf '%9s %9s %11s %11s %11s %11s\n' sleepers processes "ls ms" "ls KB" "ls -J ms" "ls -J KB"
	for n in "${SIZES[@]}"; do
		printf '%9s %9s %11s %11s %11s %11s\n' "$n" "${PROCS[$n]}" "$(wall "$n" ls)" "$(rss "$n" ls)" \
			"$(wall "$n" json)" "$(rss "$n" json)"
	done
	echo
	printf '%-8s %18s %18s %8s  %s\n' "" "KB/process lower" "KB/process upper" ratio "goal <= $MAX_SLOPE"
	for tag in ls json; do
		lo=$(slope "$N1" "$N3" $tag)
		hi=$(slope "$N3" "$N4" $tag)
		# a slope near 0 (everything in fixed costs) is linear too
		r=$(awk -v l="$lo" -v h="$hi" 'BEGIN { printf "%.2f", (l < 0.05 && h < 0.05) ? 1 : h / (l > 0.01 ? l : 0.01) }')
		v=$(verdict "$r" "$MAX_SLOPE")
		[ "$v" = ok ] || fail=1
		printf '%-8s %18s %18s %8s  %s\n' "$([ $tag = ls ] && echo "ls" || echo "ls -J")" \
			"$lo ($N1-$N3)" "$hi ($N3-$N4)" "$r" "$v"
	done
	echo
	echo "(bench/scale.sh took $((SECONDS - t_start)) s)"
} | tee "$TMP/report"
grep -q MISSED "$TMP/report" && fail=1
[ "$fail" = 0 ] || { say "bench/scale.sh: memory does not grow linearly with the number of processes"; exit 1; }
exit 0
