#!/bin/bash
# Issue 15, finding 6: a student names things root's nsx prints, and the
# names carry terminal escapes. A throw-away user makes, in namespaces of
# its own (unshare -Ur --uts --net --mount), a hostname, an interface
# name, a process name (comm through a symlink, argv[0]), mount points and
# /run/netns labels, each holding ESC ] 0;pwned BEL (sets the terminal's
# title), ESC [2J (clears it), 0x9b and U+009B (8-bit and UTF-8 CSI) and
# U+202E (reverses the text after it), and keeps them alive. Root then runs
# ls (table, trees, -r, -J), ls NSID, ns, view --once --ansi, the REPL on
# stdin (enter, levels, a lesson check quoting the hostname), the prompt on
# a terminal (script(1)), ps over a record, and lesson report over hostile
# progress files. None of the planted bytes may reach the output; the
# escaped form (\x1b, as lsns prints it) must. The same on the fixture tree
# proc-hostile, which needs no root. Everything goes at exit.
. "$(dirname "$0")/lib.sh"

TOP=${NSX_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
FX=$TOP/tests/fixtures/proc-hostile
export LC_ALL=C.UTF-8

ESC=$'\e' BEL=$'\a' CSI8=$'\x9b' C1=$'\xc2\x9b' RLO=$'\xe2\x80\xae'
# what the student plants, and how nsx must show it
HOST="h${ESC}]0;pwned${BEL}${ESC}[2J${CSI8}${C1}${RLO}z"
HOST_E='h\x1b]0;pwned\x07\x1b[2J\x9b\xc2\x9b\xe2\x80\xaez'
IFN="i${ESC}]0;p${BEL}${C1}${RLO}"		# 14 bytes: IFNAMSIZ is 16
IFN_E='i\x1b]0;p\x07\xc2\x9b\xe2\x80\xae'
ARGV0="a${ESC}]0;pwned${BEL}${ESC}[2J${CSI8}${C1}${RLO}z"
ARGV0_E='a\x1b]0;pwned\x07\x1b[2J\x9b\xc2\x9b\xe2\x80\xaez'
COMM="c${ESC}]0;pwned${BEL}"
LABEL="n${ESC}]0;pwned${BEL}${RLO}"		# /run/netns/LABEL: holds its net ns
LABEL_E='n\x1b]0;pwned\x07\xe2\x80\xae'
HELD="m${ESC}[2J${CSI8}"			# /run/netns/HELD: a net ns with no process
HELD_E='m\x1b[2J\x9b'

T=$(mktemp -d /tmp/nsx-escape.XXXXXX)
chmod 711 "$T"
on_exit "rm -rf '$T'"

# bad FILE [pty]: what of the planted bytes is in FILE ("" when none): any
# ESC or BEL (in a pty capture: the planted sequences; readline has its
# own), C1 controls, bidi controls, and bytes that are no UTF-8 (a lone
# 0x9b is CSI to an 8-bit terminal)
bad() {
	perl -e 'local $/; my $s = <STDIN>; my $pty = $ARGV[0]; my @b;
		push @b, $pty ? "ESC ]0;" : "ESC" if $pty ? $s =~ /\e\]0;/ : $s =~ /\e/;
		push @b, "ESC [2J" if $s =~ /\e\[2J/;
		push @b, "BEL" if $s =~ /\a/;
		push @b, "C1" if $s =~ /\xc2[\x80-\x9f]/;
		push @b, "bidi" if $s =~ /\xe2\x80[\xaa-\xae]|\xe2\x81[\xa6-\xa9]/;
		(my $t = $s) =~ s/[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}//g;
		push @b, "no UTF-8 (0x9b)" if $t =~ /[\x80-\xff]/;
		print join(", ", @b)' "${2:-}" <"$1"
}

# safe DESC FILE ESCAPED...: nothing planted reaches FILE, each ESCAPED does
safe() {
	local desc=$1 f=$2 b; shift 2
	b=$(bad "$f")
	is "$b" "" "$desc: no planted byte in the output"
	for e in "$@"; do
		if grep -qaF -- "$e" "$f"; then
			ok 0 "$desc: shows $e"
		else
			ok 1 "$desc: shows $e"
			grep -a -m3 -E 'pwned|2J' "$f" | cat -v | sed 's/^/#   got: /'
		fi
	done
}

# ---- the fixture tree (no root needed) ----

"$NSX" --proc-root "$FX" ls -u -o NS,TYPE,PID,COMMAND,HELDBY >"$T/fx-ls" 2>&1
safe "fixture: ls (process tree)" "$T/fx-ls" "$ARGV0_E --evil" \
	"mount /run/netns/$LABEL_E in mnt:" "mount /run/netns/$HELD_E in mnt:"
grep -qa 'caf'$'\xc3\xa9'' --'$'\xe2\x80\x94' "$T/fx-ls"
ok $? "fixture: ls keeps printable UTF-8 as it is (café, an em dash)"
"$NSX" --proc-root "$FX" ls -r -o NS,PID,COMMAND >"$T/fx-raw" 2>&1
safe "fixture: ls -r" "$T/fx-raw" "$ARGV0_E"'\x20--evil'
"$NSX" --proc-root "$FX" ls -J -o NS,PID,COMMAND,HELDBY >"$T/fx-json" 2>&1
safe "fixture: ls -J" "$T/fx-json" '\u001b]0;pwned\u0007\u001b[2J\\x9b\u009b\u202ez --evil'
for scr in namespaces tree processes detail; do
	"$NSX" --proc-root "$FX" view --once --ansi --size 200x40 --screen "$scr" >"$T/fx-view" 2>&1
	sed 's/\x1b\[[0-9;]*m//g' "$T/fx-view" >"$T/fx-view.text"
	safe "fixture: view --once --ansi, $scr (nsx's colours aside)" "$T/fx-view.text"
done
"$NSX" --proc-root "$FX" view --once --size 200x40 --screen detail --type net --filter 4026536001 >"$T/fx-vnet"
safe "fixture: view detail of a net ns" "$T/fx-vnet" "label: netns:$LABEL_E" 'i\x1b]0;p\x07\xc2\x9b' \
	"$ARGV0_E"
"$NSX" --proc-root "$FX" view --once --size 200x40 --screen detail --type mnt >"$T/fx-vmnt"
safe "fixture: view detail of a mnt ns" "$T/fx-vmnt" '/mnt/e\x1b[2Jvil\xc2\x9b ' "/run/netns/$HELD_E "
"$NSX" --proc-root "$FX" view --once --size 200x40 --screen detail --type uts --filter 4026536006 >"$T/fx-vuts"
safe "fixture: view: a container label from a cgroup name" "$T/fx-vuts" 'label: lxc:e\x1b]0;pwned\x07\xe2\x80\xae'

if ! need_root; then
	done_testing
	exit
fi

# ---- the student ----

H=$T/home
mkdir -p "$H"
test_user "xs$$" "$H" || { done_testing; exit; }
chown "$ID:$GID" "$H"
cat >"$H/plant.sh" <<'EOF'
# as the student, in unshare -Ur --uts --net --mount (propagation private)
set -e
D=$1 HOST=$2 IFN=$3 LABEL=$4 HELD=$5 COMM=$6 ARGV0=$7
python3 -c 'import socket, sys; socket.sethostname(sys.argv[1].encode("utf-8", "surrogateescape"))' "$HOST"
# iproute2 refuses such names; the kernel (dev_valid_name) does not: SIOCSIFNAME
python3 - "$IFN" <<'PY'
import fcntl, socket, struct, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
fcntl.ioctl(s, 0x8923, struct.pack("16s16s", b"lo", sys.argv[1].encode("utf-8", "surrogateescape")))
PY
# /run/netns in this mount namespace only: the label of its net ns, and a
# second net ns that only its mount keeps alive
mount -t tmpfs xsrun /run
mkdir /run/netns
touch "/run/netns/$LABEL" "/run/netns/$HELD"
mount --bind /proc/self/ns/net "/run/netns/$LABEL"
unshare --net="/run/netns/$HELD" true
stat -L -c %i "/run/netns/$HELD" >"$D/held"
# comm is the name exec was given, cmdline argv
ln -s /bin/sleep "$D/$COMM"
touch "$D/ready"
exec -a "$ARGV0" "$D/$COMM" 1000
EOF
"${AS[@]}" unshare -Ur --uts --net --mount bash "$H/plant.sh" "$H" "$HOST" "$IFN" "$LABEL" "$HELD" \
	"$COMM" "$ARGV0" >"$T/plant.log" 2>&1 &
P=$!
on_exit "kill $P"
planted() { [ "$(cat "/proc/$P/comm" 2>/dev/null)" = "$COMM" ]; }
if ! wait_cond planted; then
	ok 1 "the student plants the names (plant.sh: $(tr '\n' ' ' <"$T/plant.log"))"
	done_testing
	exit
fi
ok 0 "the student's process $P: hostname, interface, comm, argv and /run/netns labels planted"
NSUTS=$(stat -L -c %i "/proc/$P/ns/uts")
NSHELD=$(cat "$H/held")

# ---- ls ----

"$NSX" ls -u -o NS,TYPE,PID,COMMAND,HELDBY >"$T/ls" 2>&1
safe "ls (process tree)" "$T/ls" "$ARGV0_E 1000" "mount /run/netns/$LABEL_E in mnt:" \
	"mount /run/netns/$HELD_E in mnt:"
"$NSX" ls -l -u -t net -t uts >"$T/ls-l" 2>&1
safe "ls -l -t net -t uts" "$T/ls-l" "$ARGV0_E 1000"
"$NSX" ls -T -u -o NS,TYPE,PID,COMMAND >"$T/ls-T" 2>&1
safe "ls -T (owner tree)" "$T/ls-T" "$ARGV0_E 1000"
"$NSX" ls -r -t uts >"$T/ls-r" 2>&1
safe "ls -r" "$T/ls-r" "$ARGV0_E"'\x201000'
"$NSX" ls -J -o NS,TYPE,PID,COMMAND,HELDBY >"$T/ls-J" 2>&1
safe "ls -J" "$T/ls-J" '"a\u001b]0;pwned\u0007\u001b[2J\\x9b\u009b\u202ez 1000"'
"$NSX" ls -J -o NS,TYPE,PID,COMMAND,HELDBY 2>/dev/null | python3 -c '
import json, sys
d = json.load(sys.stdin)
want = "a\x1b]0;pwned\x07\x1b[2J\\x9b\x9b\u202ez 1000"
sys.exit(0 if any(r.get("command") == want for r in d["namespaces"]) else 1)'
ok $? "ls -J: valid JSON, its command the student's argv (an invalid byte as \\x9b)"
"$NSX" ls "$NSUTS" >"$T/ls-ns" 2>&1
safe "ls NSID (the student's uts ns)" "$T/ls-ns" "$ARGV0_E 1000"
"$NSX" ls "$NSHELD" >"$T/ls-held" 2>&1
safe "ls NSID of a net ns only a mount holds: its error line" "$T/ls-held" \
	"it is held by: mount /run/netns/$HELD_E in mnt:"
"$NSX" ns "$P" >"$T/ns" 2>&1
safe "ns PID" "$T/ns" "differs"

# ---- view ----

"$NSX" view --once --ansi --size 250x60 --type net >"$T/view-net" 2>&1
sed 's/\x1b\[[0-9;]*m//g' "$T/view-net" >"$T/view-net.text"
safe "view --once --ansi --type net (nsx's colours aside)" "$T/view-net.text" "$IFN_E" \
	"netns:n\\x1b]0;pwned" "mount /run/netns/$LABEL_E in mnt:"
"$NSX" view --once --ansi --size 250x60 --type uts >"$T/view-uts" 2>&1
sed 's/\x1b\[[0-9;]*m//g' "$T/view-uts" >"$T/view-uts.text"
safe "view --once --ansi --type uts" "$T/view-uts.text" "$HOST_E"
"$NSX" view --once --ansi --size 250x60 --screen processes --filter pwned >"$T/view-p" 2>&1
sed 's/\x1b\[[0-9;]*m//g' "$T/view-p" >"$T/view-p.text"
safe "view --once --ansi --screen processes" "$T/view-p.text" "$ARGV0_E 1000"
"$NSX" view --once --size 250x60 --screen detail --type uts --filter "$NSUTS" >"$T/view-d" 2>&1
safe "view --once --screen detail of the student's uts ns" "$T/view-d" "hostname: $HOST_E"

# ---- the REPL on stdin: enter, levels, a lesson check quoting the hostname ----

ENVS=(env HOME="$T/root" XDG_STATE_HOME="$T/root/state" NSX_LESSONS="$TOP/tests/fixtures/lessons"
	INPUTRC=/dev/null TERM=dumb)
mkdir -p "$T/root"
printf '%s\n' 'lesson start demo' "enter $P" 'levels' 'lesson check' 'exit' |
	"${ENVS[@]}" "$NSX" >"$T/repl" 2>&1
safe "REPL: enter, levels, lesson check" "$T/repl" "enter $P" "the hostname is '$HOST_E', not 'lab1'"

# ---- the prompt on a terminal ----

if command -v script >/dev/null; then
	printf '%s\n' "enter $P" 'exit' 'exit' |
		timeout 30 script -qec "${ENVS[*]} $NSX" /dev/null >"$T/pty" 2>&1
	is "$(bad "$T/pty" pty)" "" "prompt after enter: none of the planted sequences reaches the terminal"
	grep -qaF "$HOST_E]" "$T/pty"
	ok $? "prompt after enter: the hostname shown escaped"
else
	skip "script (util-linux) is needed for the prompt on a terminal"
fi

# ---- ps: a record whose fields carry escapes (a --rootfs the student named) ----

SD=$(mktemp -d /run/nsx-escape.XXXXXX)
on_exit "rm -rf '$SD'"
printf 'name=evil\nnsx_pid=%d\npid=%d\nrootfs=/x\nsource=%s\nns=user,uts\nlimits=\nnet=%s\nveth=\ncreated=%s\ncgroup_v2=1\n' \
	"$P" "$P" "/home/s/r${ESC}]0;pwned${BEL}${RLO}" "none${C1}" "$(date +%s)" >"$SD/evil"
# a live run holds its record locked
( exec 8<"$SD/evil"; flock -x 8 && NSX_STATE_DIR=$SD "$NSX" ps >"$T/ps" 2>&1 &&
	NSX_STATE_DIR=$SD "$NSX" ps -J >"$T/ps-J" 2>&1 )
safe "ps" "$T/ps" '/home/s/r\x1b]0;pwned\x07\xe2\x80\xae' 'none\xc2\x9b'
safe "ps -J" "$T/ps-J" '"/home/s/r\u001b]0;pwned\u0007\u202e"' '"none\u009b"'

# ---- lesson report over a student's hostile progress files ----

R=$T/report
mkdir -p "$R"
printf 'nsx-progress 1\nlesson demo step 1 of 3 done 100 hints 000 fails 2 started 1 updated 2\n' \
	>"$R/progress"
printf 'nsx-progress 1\nlesson d%sx step 0 of 1 done 0 hints 0 fails 0 started 1 updated 2\n' \
	"${ESC}]0;pwned${BEL}" >"$R/p${ESC}]0;pwned${BEL}${RLO}"
chown -R "$ID:$GID" "$R"
for mode in "" --json --csv; do
	"$NSX" lesson report $mode "$R/progress" "$R/p${ESC}]0;pwned${BEL}${RLO}" >"$T/rep" 2>&1
	safe "lesson report $mode" "$T/rep" "xs$$" "p\\x1b]0;pwned\\x07\\xe2\\x80\\xae: not an nsx progress file"
done

done_testing
