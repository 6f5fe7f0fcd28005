#!/bin/bash
# The viewer's frames: every screen of each fixture /proc tree at 80x24 and
# 160x50, printed by `view --once`, compared with golden files in
# tests/golden/view (NSX_UPDATE_GOLDEN=1 writes them anew: look at the diff
# before committing it). Also colours with --ansi, and bad input.
. "$(dirname "$0")/lib.sh"

TOP=${NSX_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
G=$TOP/tests/golden/view
T=$(mktemp -d /tmp/nsx-view.XXXXXX)
on_exit "rm -rf '$T'"
mkdir -p "$G"

for fx in proc-basic proc-held proc-view proc-hostile; do
	[ -d "$TOP/tests/fixtures/$fx" ] || continue
	for scr in namespaces tree processes detail; do
		for size in 80x24 160x50; do
			name=$fx-$scr-$size
			"$NSX" --proc-root "$TOP/tests/fixtures/$fx" view --once --size "$size" --screen "$scr" \
				>"$T/$name" 2>"$T/$name.err"
			rc=$?
			if [ "${NSX_UPDATE_GOLDEN:-0}" = 1 ]; then
				cp "$T/$name" "$G/$name.txt"
			fi
			if [ $rc = 0 ] && [ ! -s "$T/$name.err" ] && cmp -s "$T/$name" "$G/$name.txt"; then
				ok 0 "$name: the frame is the golden one"
			else
				ok 1 "$name: the frame is the golden one (exit $rc)"
				diff -u "$G/$name.txt" "$T/$name" 2>&1 | head -20 | sed 's/^/#   /'
				sed 's/^/#   stderr: /' "$T/$name.err" | head -3
			fi
			is "$(wc -l <"$T/$name")" "${size#*x}" "$name: exactly ${size#*x} lines"
			is "$(awk '{ if (length($0) > m) m = length($0) } END { print m + 0 }' "$T/$name")" \
				"$(awk '{ if (length($0) > m) m = length($0) } END { print m + 0 }' "$G/$name.txt")" \
				"$name: no line wider than the golden frame's"
		done
	done
done

# the frame never exceeds its size, even for the widest content
for scr in namespaces tree processes detail; do
	w=$("$NSX" --proc-root "$TOP/tests/fixtures/proc-basic" view --once --size 60x10 --screen "$scr" |
		awk '{ if (length($0) > m) m = length($0) } END { print m + 0 }')
	ok $((w > 60)) "$scr at 60x10: no line is wider than 60 ($w)"
done

# colours: --ansi has SGR escapes, the plain frame has none
out=$("$NSX" --proc-root "$TOP/tests/fixtures/proc-basic" view --once --ansi --screen processes)
like "$out" $'\e\\[0;1;31mC' "--ansi: a namespace that differs from PID 1's is bold red"
like "$(printf '%s' "$out" | sed 's/\x1b\[[0-9;]*m//g')" "^ +42 +42 C I M N P \. U H bash" \
	"--ansi: the same text under the colours"
out=$("$NSX" --proc-root "$TOP/tests/fixtures/proc-basic" view --once)
! printf '%s' "$out" | grep -q $'\e'
ok $? "plain --once: no escape at all"
is "$(printf '%s\n' "$out" | wc -l)" 24 "--once without --size: 80x24"

# a filter and a type from the command line
out=$("$NSX" --proc-root "$TOP/tests/fixtures/proc-basic" view --once --type net)
is "$(printf '%s\n' "$out" | grep -c '^net ')" 3 "--type net: the three net namespaces"
is "$(printf '%s\n' "$out" | grep -cE '^(uts|pid|mnt) ')" 0 "--type net: nothing else"
out=$("$NSX" --proc-root "$TOP/tests/fixtures/proc-basic" view --once --screen processes --filter sleep)
is "$(printf '%s\n' "$out" | grep -c ' sleep ')" 2 "--filter sleep: the two sleeps"

# bad input: one line, exit 1
fails "--size 'x': WIDTHxHEIGHT" view --once --size x
fails "--size '0x5': WIDTHxHEIGHT" view --once --size 0x5
fails "--screen 'nope': namespaces, tree, processes or detail" view --once --screen nope
fails "unknown namespace type 'bogus'" view --once --type bogus
fails "--delay 'soon': seconds between 0.1 and 3600" view --delay soon
fails "--delay '0': seconds between 0.1 and 3600" view --delay 0
fails "--iterations '0': a positive number" view --iterations 0
fails "--size and --ansi go with --once" view --size 80x24
fails "no arguments expected" view extra
out=$("$NSX" --proc-root /nonexistent view --once 2>&1)
is "$?" 1 "a proc root that does not exist: exit 1"
like "$out" "^nsx: view: .*nonexistent" "and one line naming it"

done_testing
