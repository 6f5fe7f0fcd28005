# shellcheck shell=bash
# Medians and ratios over the timing files bench/timeit writes (one run a
# line: wall user sys, in microseconds). Sourced by bench/ls.sh and
# bench/levels.sh.

# med FILE [FIELD]: median of a column (1 wall, 2 user, 3 sys), in ms
med() {
	awk -v f="${2:-1}" '{ print $f }' "$1" | sort -n |
		awk '{ a[NR] = $1 } END { m = NR % 2 ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2; printf "%.3f", m / 1000 }'
}

# pairmed A B: median of the per-round ratios A[i]/B[i] (rounds both ran)
pairmed() {
	paste -d' ' "$1" "$2" | awk 'NF >= 4 { print $1 / $4 }' | sort -g |
		awk '{ a[NR] = $1 } END { m = NR % 2 ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2; printf "%.3f", m }'
}

# cpu FILE: median of user+sys, in ms
cpu() { awk '{ print $2 + $3 }' "$1" >"$1.cpu"; med "$1.cpu"; }

div() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", a / b }'; }
verdict() { awk -v x="$1" -v g="$2" 'BEGIN { print (x <= g ? "ok" : "MISSED") }'; }
