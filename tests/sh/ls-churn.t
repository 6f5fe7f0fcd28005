#!/bin/bash
# nsx ls under process and namespace churn (issue 9, "Churn"): the table,
# the tree, JSON, -p of a process that is vanishing and every --type, many
# times while processes in new namespaces appear and vanish hundreds of
# times a second. Every run must end with status 0 (1 only for -p of a
# process already gone, with its one line), print well-formed output (the
# JSON parses), and no sanitizer report (make asan); processes that vanish
# in the middle of a scan are counted in the note line. NSX_CHURN_ITER sets
# the rounds (4; 2 under make asan), 13 runs of ls each.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/churn.sh"

need_root || { done_testing; exit; }
TMP=$(mktemp -d)
on_exit rm -rf "$TMP"
ITER=${NSX_CHURN_ITER:-$([ "${NSX_ASAN:-0}" = 1 ] && echo 2 || echo 4)}
TYPES="cgroup ipc mnt net pid time user uts"

churn_start "$TMP/churned"
c0=$(date +%s.%N)
sleep 1

# ls's one note line: vanished processes, unreadable ones (a process of a
# user namespace being torn down), or both
NOTE='([0-9]+ process(es)? vanished during the scan)?(, )?([0-9]+ process(es)? could not be read \(permission denied[^)]*\))?'
runs=0 bad_rc=() bad_json=() bad_out=() vanished=0 notes=0 gone=0
# one ls: status, well-formed stdout, stderr only the note line
one() {	# one WANT-RC-REGEX ARGS...
	local want=$1 rc; shift
	"$NSX" ls "$@" >"$TMP/out" 2>"$TMP/err"
	rc=$?
	runs=$((runs + 1))
	[[ $rc =~ ^($want)$ ]] || bad_rc+=("ls $*: exit $rc: $(head -c 200 "$TMP/err")")
	if grep -vqE "^nsx: ls: (no such process: [0-9]+|$NOTE)$" "$TMP/err"; then
		bad_out+=("ls $*: stderr: $(head -c 300 "$TMP/err")")
	fi
	n=$(sed -nE 's/^nsx: ls: ([0-9]+) process(es)? vanished.*/\1/p' "$TMP/err")
	[ -n "$n" ] && vanished=$((vanished + n)) && notes=$((notes + 1))
	grep -q 'no such process' "$TMP/err" && gone=$((gone + 1))
	return 0
}
t0=$(date +%s.%N)
for ((k = 0; k < ITER; k++)); do
	one 0
	grep -qE '^ +NS +TYPE +NPROCS' "$TMP/out" || bad_out+=("ls: no header: $(head -1 "$TMP/out")")
	one 0 -T
	one 0 -J
	python3 -m json.tool "$TMP/out" >/dev/null 2>&1 || bad_json+=("ls -J: $(head -c 200 "$TMP/out")")
	one 0 -T -J
	python3 -m json.tool "$TMP/out" >/dev/null 2>&1 || bad_json+=("ls -T -J: $(head -c 200 "$TMP/out")")
	# a process that is vanishing as ls reads it
	unshare --uts sleep 0.0$((RANDOM % 5 + 1)) &
	one '0|1' -p $!
	wait $!
	for t in $TYPES; do one 0 --type "$t"; done
done
t1=$(date +%s.%N)
churned=$(cat "$TMP/churned" 2>/dev/null || echo 0)
rate=$(awk -v n="$churned" -v a="$c0" -v b="$t1" 'BEGIN { printf "%d", n / (b - a) }')
secs=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }')

is "${#bad_rc[@]}" 0 "$runs runs of ls under churn: each exits 0 (or 1, for -p of a process gone)"
[ ${#bad_rc[@]} = 0 ] || printf '#   %s\n' "${bad_rc[@]:0:5}"
is "${#bad_out[@]}" 0 "stderr holds only the note line (no sanitizer report, no other error); tables have their header"
[ ${#bad_out[@]} = 0 ] || printf '#   %s\n' "${bad_out[@]:0:5}"
is "${#bad_json[@]}" 0 "every JSON output parses"
[ ${#bad_json[@]} = 0 ] || printf '#   %s\n' "${bad_json[@]:0:5}"
ok $((rate < 1)) "the churn ran, at $rate processes in new namespaces a second"
ok $((notes == 0)) "vanished processes are reported: $vanished in $notes note lines of $runs runs"
echo "# $runs runs of ls in $secs s under churn ($ITER rounds); -p of a process already gone: $gone times"
done_testing
