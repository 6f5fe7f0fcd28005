# shellcheck shell=bash
# What the benchmarks share: their traps, their helper programs, and the
# medians and ratios over the timing files bench/timeit writes (one run a
# line: wall user sys, in microseconds). Sourced by bench/ls.sh,
# bench/levels.sh, bench/run.sh and bench/view.sh.

# bench_traps: the script's cleanup() at exit, also after a signal
bench_traps() {
	trap cleanup EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
	trap 'exit 129' HUP
}

# bench_build NAME...: build/bench/NAME from bench/NAME.c, when missing or older
bench_build() {
	local h
	mkdir -p build/bench
	for h; do
		if [ ! -x build/bench/$h ] || [ bench/$h.c -nt build/bench/$h ]; then
			"${CC:-cc}" -O2 -Wall -Wextra -o build/bench/$h bench/$h.c || die "cannot build bench/$h.c"
		fi
	done
}

# bench_build_so NAME...: build/bench/NAME.so (an LD_PRELOAD shim) from bench/NAME.c
bench_build_so() {
	local h
	mkdir -p build/bench
	for h; do
		if [ ! -f build/bench/$h.so ] || [ bench/$h.c -nt build/bench/$h.so ]; then
			"${CC:-cc}" -O2 -Wall -Wextra -shared -fPIC -o build/bench/$h.so bench/$h.c -ldl ||
				die "cannot build bench/$h.c"
		fi
	done
}

# median FILE [FIELD]: median of a column, as it is (no unit change)
median() {
	awk -v f="${2:-1}" '{ print $f }' "$1" | sort -g |
		awk '{ a[NR] = $1 } END { m = NR % 2 ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2; printf "%.0f", m }'
}

# med FILE [FIELD]: median of a column (1 wall, 2 user, 3 sys), in ms
med() {
	awk -v f="${2:-1}" '{ print $f }' "$1" | sort -n |
		awk '{ a[NR] = $1 } END { m = NR % 2 ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2; printf "%.3f", m / 1000 }'
}

# pairmed A B: median of the per-round ratios A[i]/B[i] of the first
# columns (rounds both ran: B may have fewer lines)
pairmed() {
	local n
	n=$(awk 'NR == 1 { print NF; exit }' "$1")
	paste -d' ' "$1" "$2" | awk -v n="${n:-3}" 'NF > n { print $1 / $(n + 1) }' | sort -g |
		awk '{ a[NR] = $1 } END { m = NR % 2 ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2; printf "%.3f", m }'
}

# cpu FILE: median of user+sys, in ms
cpu() { awk '{ print $2 + $3 }' "$1" >"$1.cpu"; med "$1.cpu"; }

div() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", a / b }'; }
verdict() { awk -v x="$1" -v g="$2" 'BEGIN { print (x <= g ? "ok" : "MISSED") }'; }
