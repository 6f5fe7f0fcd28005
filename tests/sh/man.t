#!/bin/bash
# The man page (issue 8): doc/nsx.1 renders without a warning, has a .SS
# entry under COMMANDS for every command `nsx help` lists, headed by the
# usage `help CMD` prints, with a .TP item for every option of the
# command's table exactly as `CMD --help` shows it (and none the table does
# not have), every column a command lists, every option of nsx itself and
# every environment variable the sources read. Every command has a `help`
# text. Adding a command, an option, a column or a variable without
# documenting it fails here.
. "$(dirname "$0")/lib.sh"

MANPAGE=$(dirname "$0")/../../doc/nsx.1
SRC=$(dirname "$0")/../../src
TMPD=$(mktemp -d /tmp/nsx-test.XXXXXX)
on_exit "rm -rf '$TMPD'"

if [ ! -f "$MANPAGE" ]; then
	ok 1 "the man page is there: $MANPAGE"
	done_testing
	exit
fi
ok 0 "the man page is there: doc/nsx.1"

# ---- 1. it renders without warnings ----
# C.UTF-8 exists on every Debian (another locale could make man itself
# warn); man-db's seccomp sandbox can fail in a container, which says
# nothing about the page; MANOPT could add options.
if ! command -v man >/dev/null; then
	skip "man is not installed (apt-get install man-db)"
elif ! command -v nroff >/dev/null; then
	skip "nroff is not installed (apt-get install groff-base)"
else
	MANWIDTH=80 LC_ALL=C.UTF-8 MAN_DISABLE_SECCOMP=1 MANOPT= MANPAGER=cat PAGER=cat \
		man --warnings -l "$MANPAGE" >"$TMPD/render.out" 2>"$TMPD/render.err"
	rc=$?
	is "$rc:$(cat "$TMPD/render.err")" "0:" "man --warnings -l doc/nsx.1: exit 0, no warning"
	ok $(( $(wc -l <"$TMPD/render.out") > 100 ? 0 : 1 )) \
		"it renders to text ($(wc -l <"$TMPD/render.out") lines at 80 columns)"
fi

# ---- 2. the page, parsed ----
# One record per line of interest, fields separated by \037 (an empty
# one stays a field), with roff escapes and macro quoting taken away:
#   SS  <.SH section> <first word of the .SS title> <title>
#   TAG <.SH section> <command (first word of the last .SS)> <.TP tag>
#   TXT <.SH section> <command> <text line>
awk '
function clean(s) {
	gsub(/\\f(\[[^]]*\]|\(..|.)/, "", s)	# font changes
	gsub(/\\-/, "-", s); gsub(/\\[&%]/, "", s); gsub(/\\e/, "\\", s)
	gsub(/\\\(aq/, "\047", s); gsub(/\\\(ga/, "`", s); gsub(/\\\(ha/, "^", s)
	gsub(/\\\(bu/, "*", s); gsub(/\\ /, " ", s)
	return s
}
# a macro line: its arguments (quotes honoured), joined as the macro would
# print them: alternating-font macros glue them, the others space them
function args(line,   m, rest, out, a, n, sep, q) {
	m = line; sub(/[ \t].*/, "", m); rest = substr(line, length(m) + 1)
	sep = (m ~ /^\.(BR|BI|IB|IR|RB|RI)$/) ? "" : " "
	out = ""; n = 0
	while (rest != "") {
		sub(/^[ \t]+/, "", rest)
		if (rest == "") break
		if (substr(rest, 1, 1) == "\"") {
			q = index(substr(rest, 2), "\"")
			if (!q) { a = substr(rest, 2); rest = "" }
			else { a = substr(rest, 2, q - 1); rest = substr(rest, q + 2) }
		} else {
			a = rest; sub(/[ \t].*/, "", a); rest = substr(rest, length(a) + 1)
		}
		out = out (n++ ? sep : "") a
	}
	return out
}
function text(line) {
	if (line ~ /^\.(B|I|BR|BI|IB|IR|RB|RI|SM|SB)([ \t]|$)/) return clean(args(line))
	if (line ~ /^\./) return ""
	return clean(line)
}
/^\.\\"/ { next }
/^\.SH/ { sh = clean(args($0)); cmd = ""; next }
/^\.SS/ {
	title = clean(args($0)); cmd = title; sub(/[ \t].*/, "", cmd)
	printf "SS\037%s\037%s\037%s\n", sh, cmd, title
	next
}
/^\.TP/ { tp = 1; next }
{
	t = text($0)
	if (tp && t != "") { printf "TAG\037%s\037%s\037%s\n", sh, cmd, t; tp = 0 }
	if (t != "") printf "TXT\037%s\037%s\037%s\n", sh, cmd, t
}
' "$MANPAGE" >"$TMPD/page"

# The records, into arrays: TITLE[cmd], TAGS[section|cmd] and
# TEXT[section|cmd], one item a line. Bash builtins from here on: a fork
# costs milliseconds, and there are hundreds of checks.
declare -A TITLE TAGS TEXT
while IFS=$'\037' read -r kind sec cmd t; do
	case $kind in
	SS) [ "$sec" != COMMANDS ] || [ -n "${TITLE[$cmd]+x}" ] || TITLE[$cmd]=$t ;;
	TAG) TAGS[$sec|$cmd]+=$t$'\n' ;;
	TXT) TEXT[$sec|$cmd]+=$t$'\n' ;;
	esac
done <"$TMPD/page"

# has LIST ITEM: ITEM is one of the lines of LIST
has() { [[ $'\n'$1 == *$'\n'"$2"$'\n'* ]]; }
# squeeze TEXT: into SQ, runs of blanks made one space, none at the ends
squeeze() { local -a w; read -ra w <<<"$1"; SQ=${w[*]}; }

# block FILE HEADER: into BLOCK, the lines under the line starting with
# HEADER, up to the next blank line (blank lines right under it skipped)
block() {
	local on=0 line
	BLOCK=()
	while IFS= read -r line; do
		if [ $on = 0 ]; then
			[[ $line == "$2"* ]] && on=1
		elif [ -z "$line" ]; then
			[ ${#BLOCK[@]} = 0 ] || return 0
		else
			BLOCK+=("$line")
		fi
	done <"$1"
}

# opt_lhs FILE: add to LHS "-o, --output LIST" per option line of a
# command's help. The help prints "  %-26s %s": a left side that fits is
# cut at its column; a longer one ends with its argument, an upper-case word.
opt_lhs() {
	local line re='^(-[A-Za-z0-9], )?--[a-z0-9][a-z0-9-]*(\[=[^]]*\]| [A-Z][A-Za-z0-9:_.|-]*)?'
	block "$1" "Options:"
	for line in "${BLOCK[@]}"; do
		if [ "${line:28:1}" = " " ] && [ "${line:29:1}" != " " ]; then
			squeeze "${line:2:26}"; LHS+=("$SQ")
		else
			squeeze "$line"
			[[ $SQ =~ $re ]] && LHS+=("${BASH_REMATCH[0]}")
		fi
	done
}

# longs_of TEXT: the long option names in it (--json), into LONGS
longs_of() {
	local re='--[a-z0-9][a-z0-9-]*' t=$1
	LONGS=()
	while [[ $t =~ $re ]]; do
		LONGS+=("${BASH_REMATCH[0]}"); t=${t#*"${BASH_REMATCH[0]}"}
	done
}

# ---- 3. every command: help, a section, its options and columns ----
"$NSX" help >"$TMPD/help" 2>&1 </dev/null
block "$TMPD/help" "nsx commands"
cmds=
for line in "${BLOCK[@]}"; do
	[[ $line =~ ^\ \ ([a-z][a-z0-9-]*)\  ]] && cmds+=${BASH_REMATCH[1]}$'\n'
done
ok $(( $(echo $cmds | wc -w) >= 10 ? 0 : 1 )) "nsx help lists the commands: $(echo $cmds)"

for c in $cmds; do
	"$NSX" help "$c" >"$TMPD/h.$c" 2>"$TMPD/h.$c.err" </dev/null
	rc=$?
	help= usage=
	IFS= read -rd '' help <"$TMPD/h.$c"
	IFS= read -r usage <"$TMPD/h.$c"; usage=${usage#Usage: }
	ok $(( rc == 0 && ${#help} > ${#usage} + 20 ? 0 : 1 )) "help $c: exit 0, a usage and a text"
	[[ $help == "Usage: "?* ]] || echo "#   help $c does not start with 'Usage: ': ${help%%$'\n'*}"
	LHS=()
	opt_lhs "$TMPD/h.$c"

	# `CMD --help` prints the same text, where the command has options
	if [ ${#LHS[@]} -gt 0 ]; then
		timeout 20 "$NSX" "$c" --help >"$TMPD/o.$c" 2>&1 </dev/null
		rc=$? out=
		IFS= read -rd '' out <"$TMPD/o.$c"
		is "$rc:$out" "0:$help" "nsx $c --help prints what help $c prints"
		opt_lhs "$TMPD/o.$c"
	fi

	if [ -z "${TITLE[$c]+x}" ]; then
		ok 1 "man: a .SS entry for $c under COMMANDS"
		continue
	fi
	squeeze "${TITLE[$c]}"; title=$SQ
	squeeze "$usage"
	is "$title" "$SQ" "man: the .SS entry for $c is its usage"

	tags=${TAGS[COMMANDS|$c]-}
	longs=
	declare -A seen=()
	for o in "${LHS[@]}"; do
		[ -z "${seen[$o]+x}" ] || continue
		seen[$o]=1
		longs_of "$o"; long=${LONGS[0]}
		longs+=$long$'\n'
		[ "$long" != --help ] || continue
		if has "$tags" "$o"; then
			ok 0 "man: $c: $o"
		elif [[ ${TEXT[COMMANDS|$c]-} =~ $long([^a-z0-9-]|$) ]]; then
			ok 1 "man: $c: $o"
			echo "#   $long is mentioned in the $c section, but no .TP item reads '$o'"
		else
			ok 1 "man: $c: $o"
			echo "#   $long is missing from the $c section of the man page"
		fi
	done
	unset seen
	# and no option the command does not have (a removed or renamed one)
	stale=
	while IFS= read -r t; do
		[[ $t == -* ]] || continue
		longs_of "$t"
		for l in "${LONGS[@]}"; do
			[ "$l" = --help ] || has "$longs" "$l" || stale+=" $l"
		done
	done <<<"$tags"
	is "$stale" "" "man: $c: no option that '$c --help' does not list"

	# the columns a command lists (ls), each a .TP item of its section
	block "$TMPD/h.$c" "Columns"
	for line in "${BLOCK[@]}"; do
		[[ $line =~ ^\ +([A-Z][A-Z0-9_]*)\  ]] || continue
		has "$tags" "${BASH_REMATCH[1]}"
		ok $? "man: $c: column ${BASH_REMATCH[1]}"
	done
done

# every .SS under COMMANDS is a command (none left of a removed one)
extra=
for t in "${!TITLE[@]}"; do has "$cmds" "$t" || extra+=" $t"; done
is "$extra" "" "man: no section for a command nsx does not have"

# ---- 4. nsx's own options, under OPTIONS ----
"$NSX" --help >"$TMPD/nsx-help" 2>&1 </dev/null
gopts=
re='^  (-[A-Za-z0-9]|--[a-z0-9-]+)(, (--[a-z0-9-]+))?( |$)'
while IFS= read -r line; do
	[[ $line =~ $re ]] && gopts+=" ${BASH_REMATCH[1]} ${BASH_REMATCH[3]}"
done <"$TMPD/nsx-help"
ok $(( $(echo $gopts | wc -w) >= 4 ? 0 : 1 )) "nsx --help lists nsx's options:$gopts"
otags=${TAGS[OPTIONS|]-}
for o in $gopts; do
	found=1
	while IFS= read -r t; do
		for w in ${t//,/ }; do [ "${w%%[[=]*}" = "$o" ] && found=0; done
	done <<<"$otags"
	ok $found "man: OPTIONS: $o"
done

# ---- 5. every environment variable the sources read, under ENVIRONMENT ----
if [ -d "$SRC" ]; then
	vars=$(grep -rhoE 'getenv\("[A-Za-z_][A-Za-z0-9_]*"\)' "$SRC" | sed -E 's/.*"(.*)".*/\1/' | sort -u)
	ok $(( $(echo $vars | wc -w) >= 5 ? 0 : 1 )) "the sources read: $(echo $vars)"
	for v in $vars NSX_MUST_WORK; do
		has "${TAGS[ENVIRONMENT|]-}" "$v"
		ok $? "man: ENVIRONMENT: $v"
	done
else
	skip "no sources next to the tests ($SRC): environment variables not checked"
fi

# ---- 6. the sections a man page has ----
for s in NAME SYNOPSIS DESCRIPTION OPTIONS COMMANDS "EXIT STATUS" ENVIRONMENT FILES EXAMPLES "SEE ALSO"; do
	[[ $'\n'$(<"$MANPAGE")$'\n' =~ $'\n'\.SH\ \"?"$s"\"?$'\n' ]]
	ok $? "man: section $s"
done

done_testing
