#!/bin/bash
# README's "Where it runs" table is generated (tests/vm/readme from the VM
# matrix's build/vm/matrix.md): the README's block is the generated one
# (its checksum), the generator puts a matrix's table there and changes
# nothing else, and a hand edit or a missing matrix is refused.
. "$(dirname "$0")/lib.sh"

TOP=${NSX_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
GEN=$TOP/tests/vm/readme
T=$(mktemp -d /tmp/nsx-vmreadme.XXXXXX)
on_exit "rm -rf '$T'"

"$GEN" --check "$TOP/README.md" 2>"$T/err"
is "$?|$(cat "$T/err")" "0|" "README's where-it-runs table is the generated one (make test-vm && make vm-readme)"
has=$(awk '/^<!-- where-it-runs: generated/ { on = 1; next } /^<!-- end of where-it-runs/ { on = 0 } on && /^\| [0-9]/' "$TOP/README.md" | wc -l)
ok $((has < 2)) "... with a row for each VM kernel (at least 2: $has)"

cat >"$T/matrix.md" <<'M'
| kernel | cgroup | root | rootless | time |
| --- | --- | --- | --- | --- |
| 9.9.0-1-amd64 | v2 | all 10 tests pass | falls back: something | 1m00s |
| 5.10.0-46-amd64 | v2 | FAILS: a thing | not run | 2m00s |
M
touch -d 2026-01-02 "$T/matrix.md"
cp "$TOP/README.md" "$T/README.md"
out=$("$GEN" "$T/matrix.md" "$T/README.md" 2>&1)
is "$?|$out" "0|readme: $T/README.md: the where-it-runs table of 2026-01-02 (2 kernels)" "the generator takes a matrix's table"
is "$(awk '/^<!-- where-it-runs: generated/ { on = 1; next } /^<!-- end of where-it-runs/ { on = 0 } on && /^\|/' "$T/README.md")" \
	"$(cat "$T/matrix.md")" "... the block holds exactly that table"
like "$(grep '^<!-- where-it-runs' "$T/README.md")" "from build/vm/matrix.md of 2026-01-02, sha256 [0-9a-f]{64}; do not edit" "... dated, with its checksum"
strip() { awk '/^<!-- where-it-runs: generated/ { on = 1; next } /^<!-- end of where-it-runs/ { on = 0 } !on' "$1"; }
is "$(strip "$T/README.md" | md5sum)" "$(strip "$TOP/README.md" | md5sum)" "... nothing else of the README changes"
"$GEN" --check "$T/README.md"
ok $? "... and it passes the check"

sed -i 's/| all 10 tests pass |/| all 11 tests pass |/' "$T/README.md"
out=$("$GEN" --check "$T/README.md" 2>&1)
is "$?|$out" "1|readme: the table in $T/README.md is not the generated one (edited by hand?): make test-vm && make vm-readme" \
	"a hand edit of the table fails the check, in one line"

cp "$T/README.md" "$T/before"
out=$("$GEN" "$T/none.md" "$T/README.md" 2>&1)
is "$?|$out" "1|readme: $T/none.md is missing: run make test-vm first" "no matrix: one line, exit 1"
echo "not a table" >"$T/bad.md"
out=$("$GEN" "$T/bad.md" "$T/README.md" 2>&1)
is "$?|$out" "1|readme: $T/bad.md is not a VM matrix table" "not a matrix: one line, exit 1"
cmp -s "$T/before" "$T/README.md"
ok $? "... and the README is unchanged"
grep -v 'where-it-runs' "$T/README.md" >"$T/nomark.md"
out=$("$GEN" "$T/matrix.md" "$T/nomark.md" 2>&1)
is "$?|$out" "1|readme: $T/nomark.md has no where-it-runs block (its two marker lines)" "a README without the markers: one line, exit 1"
done_testing
