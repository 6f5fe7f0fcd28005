#!/bin/bash
# bench/view.sh [N]: the live viewer against htop (issue "nsx view", speed).
#   nsx view --delay D --iterations K              (the namespaces screen)
#   nsx view --delay D --iterations K --screen processes
#   htop -d D*10, ended after K frames
# on a population of N (default 2000) sleeping processes (bench/population.sh),
# each on a pseudo-terminal of the same size, the same delay, the same number
# of refreshes, in turn (the order turns every round). bench/cputime.c runs
# each one and reports its CPU time (all its threads) and peak resident set.
# Run by `make bench`, as root. See bench/README.md.
#
# Environment: ROUNDS (7) timed runs of each, after WARM (1) untimed;
# REFRESHES (20) a run; DELAY (0.2 s; a multiple of 0.1: htop's unit);
# SIZE (120x40) the terminal; NSX (./nsx); LIFETIME (1800 s: the sleepers
# die by themselves after that even if everything else fails).
set -u
cd "$(dirname "$0")/.." || exit 1

N=${1:-${N:-2000}}
ROUNDS=${ROUNDS:-7}
WARM=${WARM:-1}
K=${REFRESHES:-20}
DELAY=${DELAY:-0.2}
SIZE=${SIZE:-120x40}
NSX=${NSX:-./nsx}
LIFETIME=${LIFETIME:-1800}
GOAL_CPU=0.25
GOAL_RSS=1.0

die() { echo "bench/view.sh: $*" >&2; exit 1; }
say() { printf '%s\n' "$*" >&2; }

# ---- preconditions ----------------------------------------------------------

[ "$(id -u)" = 0 ] || die "must run as root: the population needs its own uts, ipc and net namespaces (sudo make bench)"
for c in htop unshare sleep pgrep "${CC:-cc}"; do
	command -v "$c" >/dev/null || die "'$c' not found (make deps installs what is missing)"
done
[ -x "$NSX" ] || die "$NSX is not built: run make"
[[ $N =~ ^[0-9]+$ && $N -ge 100 ]] || die "usage: bench/view.sh [N] with N >= 100"
[[ $ROUNDS =~ ^[0-9]+$ && $ROUNDS -ge 3 ]] || die "ROUNDS must be a number >= 3"
[[ $K =~ ^[0-9]+$ && $K -ge 2 ]] || die "REFRESHES must be a number >= 2"
[[ $SIZE =~ ^[0-9]+x[0-9]+$ ]] || die "SIZE must be COLSxROWS, e.g. 120x40"
# htop's delay is in tenths of a second
DS=$(awk -v d="$DELAY" 'BEGIN { t = d * 10; if (t >= 1 && t == int(t)) print t }')
[ -n "$DS" ] || die "DELAY must be a multiple of 0.1 s (htop's -d is in tenths): $DELAY"
# shellcheck source=SCRIPTDIR/population.sh
. "$(dirname "$0")/population.sh"
population_fits "$N"

TMP=
. "$(dirname "$0")/stats.sh"
bench_traps

TMP=$(mktemp -d /tmp/nsx-bench-view.XXXXXX) || { TMP=; die "mktemp failed"; }
bench_build cputime population
CPUTIME=build/bench/cputime
# time a private copy: a rebuild of ./nsx during the run changes nothing
cp "$NSX" "$TMP/nsx" || die "cannot copy $NSX"
NSX=$TMP/nsx
# Both on the same terminal type, locale and a fresh home: htop reads (and
# may write) ~/.config/htop/htoprc; a user's settings would change its work.
mkdir -p "$TMP/home"
export HOME=$TMP/home XDG_CONFIG_HOME=$TMP/home/.config TERM=xterm-256color LC_ALL=C.UTF-8
unset NO_COLOR HTOPRC

htop_version=$(htop --version | awk '{ print $2; exit }')
if htop --help 2>&1 | grep -q -- --max-iterations; then
	HTOP=(htop -d "$DS" -n "$K")
	HTOP_HOW="htop -d $DS -n $K"
else
	# htop < 3.3 has no -n: bench/frames.c ends it after K frames, where -n would
	bench_build_so frames
	HTOP=(env "LD_PRELOAD=$PWD/build/bench/frames.so" "NSX_BENCH_FRAMES=$K" "NSX_BENCH_LOG=$TMP/htop.log"
		htop -d "$DS")
	HTOP_HOW="htop -d $DS, ended after $K frames by bench/frames.c (htop $htop_version has no -n)"
fi
NSXV=("$NSX" view --delay "$DELAY" --iterations "$K")
# a run that does not end by itself is killed after LIMIT seconds
LIMIT=$(awk -v k="$K" -v d="$DELAY" 'BEGIN { printf "%d", k * d * 5 + 60 }')

SIDES=(nsx nsxproc htop)
declare -A LABEL=([nsx]="nsx view (namespaces screen)" [nsxproc]="nsx view --screen processes"
	[htop]="htop -d $DS")

# run SIDE: one run on a SIZE pseudo-terminal; appends to $TMP/SIDE.cpu
# "cpu user sys" per refresh, to SIDE.wall the wall time (us), to SIDE.rss
# the peak resident set (KiB). A failure ends the benchmark.
# run - SIDE: the same, untimed.
run() {
	local tag=$1 side=${2:-$1} out w u s rss st cmd
	case $side in
	nsx) cmd=("${NSXV[@]}") ;;
	nsxproc) cmd=("${NSXV[@]}" --screen processes) ;;
	htop) cmd=("${HTOP[@]}") ;;
	esac
	out=$("$CPUTIME" -s "$SIZE" -t "$LIMIT" "${cmd[@]}" 2>"$TMP/err" </dev/null) ||
		die "'${cmd[*]}' did not end by itself in $LIMIT s: $(cat "$TMP/err")"
	read -r w u s rss st <<<"$out"
	[ "$st" = 0 ] || die "'${cmd[*]}' exited with status $st (run it by hand on a terminal to see why)"
	[ "$tag" = - ] && return
	echo "$(((u + s) / K)) $((u / K)) $((s / K))" >>"$TMP/$tag.cpu"
	echo "$w" >>"$TMP/$tag.wall"
	echo "$rss" >>"$TMP/$tag.rss"
}

# ---- run --------------------------------------------------------------------

say "nsx view vs htop $htop_version: population of $N sleeping processes ($nprocs_now running now)"
t_start=$SECONDS
load_start=$(cut -d' ' -f1-3 /proc/loadavg)
sleepers 1 "$N"
total=$(count_procs)
seen=$("$NSX" view --once --size 200x10 | head -1 | grep -o '[0-9]* ns, [0-9]* procs')
say "population of $N up: $total processes in all; nsx view sees $seen"
[ "$(awk '{ print $3 }' <<<"$seen")" -ge "$N" ] 2>/dev/null || die "nsx view --once does not see the population ($seen)"

say "  ${SIDES[*]}: $K refreshes every $DELAY s on a $SIZE terminal, $ROUNDS rounds after $WARM warm-up, in turn"
for ((r = 0; r < WARM; r++)); do
	for s in "${SIDES[@]}"; do run - "$s"; done
done
: >"$TMP/htop.log"
for ((r = 1; r <= ROUNDS; r++)); do
	case $((r % 3)) in
	0) run nsx; run nsxproc; run htop ;;
	1) run htop; run nsx; run nsxproc ;;
	2) run nsxproc; run htop; run nsx ;;
	esac
done

# ---- report -----------------------------------------------------------------

mib() { awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }'; }
cpu=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)
commit=$(git describe --always --dirty 2>/dev/null || echo unknown)
{
	echo
	echo "nsx view vs htop $htop_version: $K refreshes every $DELAY s on a $SIZE pseudo-terminal (TERM=$TERM),"
	echo "medians of $ROUNDS runs each after $WARM warm-up, in turn; CPU time = user+sys of the process, all threads"
	echo "machine: $(nproc) CPUs ($cpu), Linux $(uname -r), nsx $commit, $(date -u +%Y-%m-%d)"
	echo "population: $N sleepers ($total processes in all; nsx view sees $seen)"
	echo "load average: $load_start at the start, $(cut -d' ' -f1-3 /proc/loadavg) at the end"
	echo "htop: $HTOP_HOW"
	echo
	printf '%-32s %10s %8s %8s %8s %10s\n' "" "CPU ms/ref" "usr ms" "sys ms" "wall s" "peak MiB"
	for s in "${SIDES[@]}"; do
		printf '%-32s %10s %8s %8s %8s %10s\n' "${LABEL[$s]}" "$(med "$TMP/$s.cpu")" "$(med "$TMP/$s.cpu" 2)" \
			"$(med "$TMP/$s.cpu" 3)" "$(div "$(med "$TMP/$s.wall")" 1000)" "$(mib "$(median "$TMP/$s.rss")")"
	done
	echo
	printf '%-32s %10s %10s  %s\n' "nsx / htop" "CPU/ref" "pair-med" "goal"
	for s in nsx nsxproc; do
		c=$(div "$(med "$TMP/$s.cpu")" "$(med "$TMP/htop.cpu")")
		printf '%-32s %10s %10s  %s\n' "${LABEL[$s]}" "$c" "$(pairmed "$TMP/$s.cpu" "$TMP/htop.cpu")" \
			"<= $GOAL_CPU $(verdict "$c" $GOAL_CPU)"
	done
	printf '%-32s %10s %10s  %s\n' "" "peak RSS" "pair-med" "goal"
	for s in nsx nsxproc; do
		m=$(div "$(median "$TMP/$s.rss")" "$(median "$TMP/htop.rss")")
		printf '%-32s %10s %10s  %s\n' "${LABEL[$s]}" "$m" "$(pairmed "$TMP/$s.rss" "$TMP/htop.rss")" \
			"<= $GOAL_RSS $(verdict "$m" $GOAL_RSS)"
	done
	if [ -s "$TMP/htop.log" ]; then
		echo
		echo "htop per run (frames, scans; 3.2 scans twice before its first frame): $(sort "$TMP/htop.log" |
			uniq -c | awk '{ printf "%s%d runs: %d, %d", (NR > 1 ? "; " : ""), $1, $3, $5 }')"
	fi
	echo "nsx view --iterations $K: $K frames, $((K + 1)) scans (the last one is not drawn)"
	echo
	echo "(bench/view.sh took $((SECONDS - t_start)) s)"
}
