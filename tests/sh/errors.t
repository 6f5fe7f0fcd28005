#!/bin/bash
# Bad input (issue 3): every error is one line on stderr, nothing on stdout,
# exit status 1. And `ns [PID]` (issue 3 §4): the eight namespaces of a
# process, compared with PID 1's (or nsx's start when PID 1 is unreadable).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/nsproc.sh"

TMPD=$(mktemp -d /tmp/nsx-test.XXXXXX)
on_exit "rm -rf '$TMPD'"

# a PID that does not exist
nopid=999999
while [ -e /proc/$nopid ]; do nopid=$((nopid + 1)); done
types=$(printf '%s\n' cgroup ipc mnt net pid time user uts)
tyre="^($(echo $types | tr ' ' '|'))\$"

fails "^nsx: ls: unknown namespace type 'foo' \\(cgroup ipc mnt net pid time user uts\\)$" ls -t foo
# the list in the message is the types /proc knows, sorted
is "$(ls /proc/self/ns | grep -v _for_children | sort | paste -sd' ')" "$(echo $types)" \
	"(those are the types of /proc/self/ns)"
fails "^nsx: ls: unknown namespace type 'NET2' " ls -t NET2
fails "^nsx: ls: unknown namespace type '' " ls -t ''
fails "^nsx: ls: no such process: $nopid$" ls -p $nopid
fails "^nsx: ls: invalid PID 'abc'" ls -p abc
fails "^nsx: ls: invalid PID '-5'" ls -p -5
fails "^nsx: ls: invalid PID '0'" ls -p 0
cols=$("$NSX" ls --output-all -l 2>/dev/null | head -1 | tr -s ' ' | sed 's/^ //; s/ $//')
fails "^nsx: ls: unknown column 'BAD' \\($cols\\)$" ls -o BAD
fails "^nsx: ls: unknown column 'BAD' " ls -o +NS,BAD
fails "^nsx: ls: unknown column '' " ls -o NS,,TYPE
fails "^nsx: ls: .*empty" ls -o +
fails "^nsx: ls: unknown option '--bogus'" ls --bogus
fails "^nsx: ls: unknown option '-x'" ls -x
fails "^nsx: ls: option '-o' needs an argument" ls -o
fails "^nsx: ls: option '-t' needs an argument" ls -t
fails "^nsx: ls: options --json and --raw cannot be combined$" ls -J -r
fails "^nsx: ls: options --list and --tree cannot be combined$" ls -l -T
fails "^nsx: ls: unknown tree type 'bad' \\(owner parent process\\)$" ls -Tbad
fails "^nsx: ls: unknown tree type 'bad' " ls --tree=bad
fails "^nsx: ls: invalid namespace 'bad'" ls -T bad
fails "^nsx: ls: invalid namespace 'abc'" ls abc
fails "^nsx: ls: namespace 123 not found" ls 123
fails "^nsx: ls: too many arguments" ls 4026531836 4026531837
fails "^nsx: ls: .*--task.*namespace" ls -p $$ 4026531836
fails "^nsx: ls: " ls --proc-root "$TMPD/nonexistent"
fails "^nsx: 'nosuchcmd' is not an nsx command" nosuchcmd
fails "^nsx: 'nosuchcmd' is not an nsx command" nosuchcmd -t uts
fails "^nsx: unknown option '--bogus'" --bogus
fails "^nsx: ns: no such process: $nopid$" ns $nopid
fails "^nsx: ns: invalid PID 'abc' \\(a positive number\\)$" ns abc
fails "^nsx: ns: invalid PID '-1'" ns -- -1
fails "^nsx: ns: too many arguments" ns 1 2
fails "^nsx: ns: unknown option '-x'" ns -x
fails "^nsx: help: no such command: 'nosuchcmd'" help nosuchcmd

# ---- ns ----
if [ -r /proc/1/ns/net ] && readlink /proc/1/ns/net >/dev/null 2>&1; then
	refpid=1; vs="VS PID 1"
else
	refpid=$$; vs="VS START"	# nsx starts in this shell's namespaces
fi

# nsrows PID: what `ns PID` should print, as "type inode same|differs"
nsrows() {
	local t
	for t in $types; do
		echo "$t $(nsino "$1" $t) $([ "$(nsino "$1" $t)" = "$(nsino $refpid $t)" ] && echo same || echo differs)"
	done
}
got=$("$NSX" ns $$ 2>"$TMPD/err")
is "$?" 0 "ns $$: exit 0"
is "$(printf '%s\n' "$got" | head -1 | awk '{print $1, $2, $3, $4, $5}')" "TYPE NS $vs ISOLATES" \
	"ns: header TYPE NS $vs ISOLATES"
is "$(printf '%s\n' "$got" | sed 1d | awk '$1 ~ TY && $2 ~ /^[0-9]+$/ {print $1, $2, $3}' TY="$tyre")" "$(nsrows $$)" \
	"ns $$: 8 rows, inodes of /proc/$$/ns/*, all the same as the reference"
is "$(printf '%s\n' "$got" | sed 1d | awk '$1 ~ TY && $2 ~ /^[0-9]+$/ && NF >= 5' TY="$tyre" | wc -l)" 8 \
	"ns: each row says what the type isolates"
if [ $refpid = $$ ]; then
	like "$got" "PID 1 cannot be read" "ns: says PID 1 cannot be read, so it compares with its start"
fi
got=$("$NSX" ns 2>/dev/null | sed 1d | awk '$1 ~ TY && $2 ~ /^[0-9]+$/ {print $1, $2, $3}' TY="$tyre")
is "$got" "$(nsrows $$)" "ns (no PID): nsx's own namespaces, which are this shell's"
is "$("$NSX" ns -J $$ 2>/dev/null | jrows | sed 's/isolates=.* ns=/ns=/' | wc -l)" 8 "ns -J: 8 rows of JSON"
is "$("$NSX" ns -J $$ 2>/dev/null | grep -Ec '^ +"ns": [0-9]+,?$')" 8 "ns -J: ns is a number"
is "$("$NSX" ns -J $$ 2>/dev/null | jrows | grep -o 'type=[a-z]*' | cut -d= -f2 | sort | paste -sd' ')" \
	"$(echo $types)" "ns -J: one row per type"

if need_root; then
	spawn unshare -u sleep 1000
	U=$(leaf "$SPAWNED" sleep)
	got=$("$NSX" ns "$U" 2>/dev/null | sed 1d | awk '$1 ~ TY && $2 ~ /^[0-9]+$/ {print $1, $2, $3}' TY="$tyre")
	is "$got" "$(nsrows "$U")" "ns $U (in a new uts ns): inodes of /proc/$U/ns/*"
	like "$(printf '%s\n' "$got" | grep '^uts ')" "^uts [0-9]+ differs$" "ns $U: uts differs"
	is "$(printf '%s\n' "$got" | grep -v '^uts ' | grep -c ' same$')" 7 "ns $U: the other 7 are the same"

	spawn unshare -Urinp --fork --kill-child sleep 1000
	V=$(leaf "$SPAWNED" sleep)
	got=$("$NSX" ns "$V" 2>/dev/null | sed 1d | awk '$1 ~ TY && $2 ~ /^[0-9]+$/ {print $1, $2, $3}' TY="$tyre")
	is "$got" "$(nsrows "$V")" "ns $V (new user ipc net pid): inodes, same/differs"
	is "$(printf '%s\n' "$got" | awk '$3 == "differs" {print $1}' | paste -sd' ')" "ipc net pid user" \
		"ns $V: exactly ipc net pid user differ"
fi

done_testing
