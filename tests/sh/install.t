#!/bin/bash
# make install / make uninstall and the bash completion (issue 8).
#
# Install: `make install DESTDIR=tmp PREFIX=/usr` puts exactly the binary,
# the man page, the completion and the lessons where man and bash-completion
# look for them; the binary runs; `make uninstall` leaves no file; without
# doc/nsx.1, install fails with one clear line and installs nothing.
#
# Completion: completion/nsx.bash, sourced here (under lib.sh's set -u), is
# driven through COMP_WORDS/COMP_CWORD. What it offers is compared with the
# command table itself, read from src/cmd/*.c (names, aliases, option
# tables, what each argument and operand is), and its few hard-coded value
# lists with what nsx accepts and lists in its error messages: a command,
# option or value added to nsx and not completed fails here.
. "$(dirname "$0")/lib.sh"

TOP=${NSX_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
T=$(mktemp -d /tmp/nsx-install.XXXXXX)
on_exit "rm -rf '$T'"

# make in the top directory, without what the make running the tests passes
# down (under `make asan` its MAKEFLAGS hold BUILD=build-asan and CFLAGS)
# and without directories chosen in the environment
mk() {
	env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL -u MAKEOVERRIDES -u PREFIX -u DESTDIR \
		-u BINDIR -u DATADIR -u MANDIR -u BASHCOMPDIR \
		make --no-print-directory "$@"
}
diag() { sed "s/^/#   /" | head -20; }

# ---- make install ------------------------------------------------------------
D=$T/dest
# `install` builds first (all); a test must not build or replace ./nsx, so
# when the sources are newer than ./nsx (an edit while the tests run),
# install-only installs what is built
if mk -C "$TOP" -q all 2>/dev/null; then target=install; else
	target=install-only
	echo "# ./nsx is older than the sources: make install-only (installs without building)"
fi
out=$(mk -C "$TOP" $target DESTDIR="$D" PREFIX=/usr 2>&1)
ok $? "make $target DESTDIR=\$tmp PREFIX=/usr"
[ -z "$(printf '%s' "$out" | grep -E 'CC |LD ')" ]
ok $? "... compiles nothing"
printf '%s\n' "$out" | grep -E 'nsx:|rror' | diag

want=$( {
	echo usr/bin/nsx
	echo usr/share/man/man1/nsx.1
	echo usr/share/bash-completion/completions/nsx
	(cd "$TOP/lessons" && find . -type f ! -name '.*' | sed 's|^\./|usr/share/nsx/lessons/|')
} | sort)
is "$(cd "$D" && find . ! -type d | sed 's|^\./||' | sort)" "$want" \
	"exactly the binary, the man page, the completion and the lessons"
[ -d "$D/usr/share/nsx/lessons" ]
ok $? "usr/share/nsx/lessons/ is there"
nl=$(ls "$TOP"/lessons/*.lesson | wc -l)
is "$(env -u NSX_LESSONS XDG_STATE_HOME="$T/state" "$D/usr/bin/nsx" lesson list | grep -cE '^ *>? *[0-9]+ ')" "$nl" \
	"the installed nsx finds its $nl lessons in ../share/nsx/lessons"
is "$(stat -c %a "$D/usr/bin/nsx" "$D/usr/share/man/man1/nsx.1" \
	"$D/usr/share/bash-completion/completions/nsx" 2>&1 | paste -sd' ')" "755 644 644" \
	"modes: 755 binary, 644 man page and completion"
cmp -s "$D/usr/bin/nsx" "$TOP/nsx"
ok $? "usr/bin/nsx is ./nsx"
out=$("$D/usr/bin/nsx" help 2>&1)
ok $? "\$tmp/usr/bin/nsx help: exit 0"
like "$out" '^  run +run a container' "... lists the commands (run)"
is "$("$D/usr/bin/nsx" --version 2>&1)" "$("$TOP/nsx" --version 2>&1)" "\$tmp/usr/bin/nsx --version"
cmp -s "$D/usr/share/man/man1/nsx.1" "$TOP/doc/nsx.1"
ok $? "usr/share/man/man1/nsx.1 is doc/nsx.1"
if command -v man >/dev/null; then
	is "$(man -M "$D/usr/share/man" -w nsx 2>&1)" "$D/usr/share/man/man1/nsx.1" \
		"man -M \$tmp/usr/share/man -w nsx finds it"
else
	echo "# man is not installed: where it looks is not tried (the path is checked above)"
fi
cmp -s "$D/usr/share/bash-completion/completions/nsx" "$TOP/completion/nsx.bash"
ok $? "usr/share/bash-completion/completions/nsx is completion/nsx.bash"
# bash-completion loads completions/NAME on the first `NAME <Tab>`: the file
# must register the function for nsx itself
is "$(bash -c '. "$1" && complete -p nsx' sh "$D/usr/share/bash-completion/completions/nsx" 2>&1)" \
	"complete -F _nsx nsx" "the installed file registers _nsx for nsx"
out=$(bash -c '. "$1"; COMP_WORDS=("$2" ""); COMP_CWORD=1; _nsx; echo "${COMPREPLY[*]}"' sh \
	"$D/usr/share/bash-completion/completions/nsx" "$D/usr/bin/nsx" 2>&1)
like " $out " " ls .*enter .*run " "the installed completion with the installed nsx: $D/usr/bin/nsx <Tab>"

out=$(mk -C "$TOP" uninstall DESTDIR="$D" PREFIX=/usr 2>&1)
ok $? "make uninstall DESTDIR=\$tmp PREFIX=/usr"
left=$(cd "$D" && find . ! -type d)
is "$left" "" "... leaves no file"

# without the man page: one clear line, nothing installed
mkdir -p "$T/tree"
cp -r "$TOP/Makefile" "$TOP/nsx" "$TOP/completion" "$TOP/lessons" "$T/tree/"
out=$(mk -C "$T/tree" install-only DESTDIR="$T/dest2" PREFIX=/usr 2>&1)
isnt "$?" 0 "no doc/nsx.1: make install fails"
like "$out" "^nsx: doc/nsx.1 is missing" "... saying so: $(printf '%s' "$out" | head -1)"
[ ! -e "$T/dest2" ]
ok $? "... and installs nothing"

# ---- the command table, from the sources --------------------------------------
# "cmd NAME ALIAS OPTS ARGS ARGS_REST" per command in src/cmd/table.c,
# "opt OPTS LNAME SNAME ARG ARGNAME COMP" per option-table entry
read -r -d '' TABLE_AWK <<'EOF'
function unq(s) {
	gsub(/^[ \t{]+|[ \t]+$/, "", s)
	gsub(/^["']|["']$/, "", s)
	return s
}
# short letters named in enums: OPT_JSON = 'J'
{
	s = $0
	while (match(s, /OPT_[A-Z_0-9]+ = '.'/)) {
		m = substr(s, RSTART, RLENGTH); s = substr(s, RSTART + RLENGTH)
		k = m; sub(/ .*/, "", k)
		chr[FILENAME, k] = substr(m, length(m) - 1, 1)
	}
}
FILENAME ~ /table\.c$/ && /^\t&cmd_/ { s = $0; gsub(/[\t&,]/, "", s); listed[s] = 1; next }
/^(static )?const struct nsx_opt [a-z_0-9]+\[\] = \{/ {
	tab = $0; sub(/.*nsx_opt /, "", tab); sub(/\[.*/, "", tab); next
}
tab != "" && /^};/ { tab = ""; next }
tab != "" && /^[ \t]*\{ "/ {
	split($0, f, ",")
	sn = unq(f[2])
	if ((FILENAME, sn) in chr) sn = chr[FILENAME, sn]
	print "opt", tab, unq(f[1]), sn, unq(f[3]), unq(f[4]), unq(f[5])
	next
}
/^const struct nsx_cmd cmd_[a-z_0-9]+ = \{/ {
	var = $4; name = alias = opts = "-"; args = rest = "COMP_NONE"; next
}
var != "" && /^};/ { cmd[var] = name " " alias " " opts " " args " " rest; var = ""; next }
var != "" && /^\t\.(name|cli_alias|opts|args|args_rest) = / {
	v = $0; sub(/.*= */, "", v); sub(/,$/, "", v); gsub(/"/, "", v)
	if ($1 == ".name") name = v
	else if ($1 == ".cli_alias") alias = v
	else if ($1 == ".opts") opts = v
	else if ($1 == ".args") args = v
	else rest = v
}
END { for (v in cmd) if (v in listed) print "cmd", cmd[v] }
EOF
TABLE=$(awk "$TABLE_AWK" "$TOP/src/cmd/table.c" "$TOP"/src/cmd/*.c)
declare -A ALIAS=() OPTTAB=() ARGS=() REST=() OPTROWS=()
NAMES= ALIASES=
while read -r kind a b c d e f; do
	case $kind in
	cmd) NAMES+=" $a" ALIAS[$a]=$b OPTTAB[$a]=$c ARGS[$a]=$d REST[$a]=$e
		[ "$b" != - ] && ALIASES+=" $b" ;;
	opt) OPTROWS[$a]+="$b $c $d $e $f"$'\n' ;;
	esac
done <<<"$TABLE"
NAMES=$(printf '%s\n' $NAMES | sort) ALIASES=$(printf '%s\n' $ALIASES | sort)
[ "$(wc -l <<<"$NAMES")" -ge 13 ] && grep -qx run <<<"$NAMES" && grep -qx ps <<<"$ALIASES" &&
	[ -n "${OPTROWS[ls_opts]-}" ]
ok $? "the command table read from src/cmd: $(echo $NAMES), alias $(echo $ALIASES)"

# ---- the completion -----------------------------------------------------------
. "$TOP/completion/nsx.bash"
export NSX_LESSONS=$TOP/lessons
# the builtin works only while bash completes: record what it was asked
compopt() { COMPOPTS+=" $*"; }
COMP_WORDBREAKS=$' \t\n"\'><=;|&(:'
# comp WORD...: complete the last word of `WORD...`; $got: one per line
comp() {
	COMP_WORDS=("$@")
	COMP_CWORD=$(($# - 1))
	COMP_LINE="$*"
	COMP_POINT=${#COMP_LINE}
	COMPREPLY=()
	COMPOPTS=
	_nsx
	got=
	((${#COMPREPLY[@]})) && printf -v got '%s\n' "${COMPREPLY[@]}"
	got=${got%$'\n'}
}
set_of() { (($#)) && printf '%s\n' "$@" | sort -u; }
sorted() { [ -n "$got" ] && sort -u <<<"$got"; }
has() { [[ $'\n'$got$'\n' == *$'\n'"$1"$'\n'* ]]; }	# has WORD: among the candidates
# values in an error message's parentheses: "(none, host, veth or veth:CIDR)"
listed() { sed -n 's/.*(\(.*\))$/\1/p' | sed 's/,//g; s/ or / /' | tr ' ' '\n' | grep . | sort; }

TYPES=$(set_of cgroup ipc mnt net pid time user uts)
TREES=$(set_of owner parent process)
COLUMNS=$("$NSX" ls --output-all -l 2>/dev/null | head -1 | tr -s ' ' '\n' | grep . | sort)
NETINO=$(readlink /proc/self/ns/net | tr -dc 0-9)
mkdir "$T/fixdir" && touch "$T/fixfile"

# check_kind COMP DESC WORD...: completing after WORD... offers what COMP
# (the table's enum nsx_comp) says the argument is
check_kind() {
	local k=$1 d=$2
	shift 2
	case $k in
	COMP_NSTYPE)
		comp "$NSX" "$@" ""
		[ -n "$got" ] && [ -z "$(sorted | grep -vxF -e "$TYPES" -e all)" ]
		ok $? "$d: namespace types (${got//$'\n'/ })" ;;
	COMP_PID)
		comp "$NSX" "$@" ""
		has $$ && [[ $COMPOPTS == *nosort* ]]
		ok $? "$d: PIDs, this test's $$ among them, in numeric order" ;;
	COMP_LS_COLUMN)
		comp "$NSX" "$@" ""
		is "$(sorted)" "$COLUMNS" "$d: the columns of ls --output-all" ;;
	COMP_TREE)
		comp "$NSX" "$@" ""
		is "$(sorted)" "$TREES" "$d: owner parent process" ;;
	COMP_FILE)
		comp "$NSX" "$@" "$T/fix"
		has "$T/fixdir" && [[ $COMPOPTS == *filenames* ]]
		ok $? "$d: files (${got//$'\n'/ })" ;;
	COMP_COMMAND)
		comp "$NSX" "$@" ""
		is "$(sorted)" "$NAMES" "$d: the command names" ;;
	COMP_NSID)
		comp "$NSX" "$@" ""
		has "$NETINO"
		ok $? "$d: namespace inodes, this test's net namespace $NETINO among them" ;;
	COMP_LESSON)
		comp "$NSX" "$@" ""
		is "$(sorted)" "$(set_of list start next back check hint solution reset status report lint verify)" \
			"$d: lesson's subcommands" ;;
	esac
}

# nsx <Tab>: every command and alias of the table
comp "$NSX" ""
is "$(sorted)" "$(set_of $NAMES $ALIASES)" "nsx <Tab>: every command of the table, and ps"
for c in run ls enter; do has $c || break; done
ok $? "... run, ls, enter among them"
comp "$NSX" "p"
is "$(sorted)" "$(set_of pin ps)" "nsx p<Tab>: pin ps"
comp "$NSX" "-"
is "$(sorted)" "$("$NSX" --help | grep -oE '^  (-[a-zA-Z], )?--?[a-z-]+' | tr -d ',' | tr ' ' '\n' | grep . | sort)" \
	"nsx -<Tab>: nsx's own options, as nsx --help lists them"
check_kind COMP_FILE "nsx --proc-root <Tab>" --proc-root
comp "$NSX" --proc-root "$T" ls -t ""
is "$(sorted)" "$TYPES" "nsx --proc-root DIR ls -t <Tab>: nsx's options skipped"
comp "$NSX" -c ""
is "$got" "" "nsx -c <Tab>: nothing (a line of commands)"

# every command: its options, exactly as the table has them, and what their
# arguments and its operands are
for c in $NAMES; do
	opts=${OPTROWS[${OPTTAB[$c]}]-}
	longs= shorts=
	while read -r l sn arg argname kind; do
		[ -n "$l" ] || continue
		longs+=" --$l"
		[ ${#sn} = 1 ] && shorts+=" -$sn"
	done <<<"$opts"
	[ -n "$longs" ] && longs+=" --help" shorts+=" -h"
	comp "$NSX" "$c" --
	set -- $longs
	is "$(sorted)" "$(set_of $longs)" "nsx $c --<Tab>: the long options of its table ($#)"
	# what `nsx help CMD` lists (what `nsx CMD --help` prints)
	helpopts=$("$NSX" help "$c" | sed -n '/^Options:/,/^$/p' | grep -oE -- '--[a-z][a-z0-9-]*' | sort -u)
	[ -z "$(grep -vxF -e "$got" <<<"$helpopts")" ]
	helpopts=${helpopts//$'\n'/ }
	ok $? "... every option its help lists: ${helpopts:0:60}"
	comp "$NSX" "$c" -
	is "$(sorted)" "$(set_of $longs $shorts)" "nsx $c -<Tab>: long and short"
	while read -r l sn arg argname kind; do
		[ -n "$l" ] && [ "$kind" != COMP_NONE ] || continue
		if [ "$arg" = ARG_OPTIONAL ]; then
			check_kind "$kind" "nsx $c --$l=<Tab>" "$c" "--$l" =
		else
			check_kind "$kind" "nsx $c --$l <Tab>" "$c" "--$l"
			[ ${#sn} = 1 ] && check_kind "$kind" "nsx $c -$sn <Tab>" "$c" "-$sn"
		fi
	done <<<"$opts"
	check_kind "${ARGS[$c]}" "nsx $c <Tab>" "$c"
	if [ "${REST[$c]}" != COMP_NONE ]; then
		comp "$NSX" "$c" ""
		first=$(head -1 <<<"$got")
		check_kind "${REST[$c]}" "nsx $c $first <Tab>" "$c" "$first"
	fi
done
# lesson start <Tab>: the names of the lessons there are
comp "$NSX" lesson start ""
is "$(sorted)" "$(ls "$NSX_LESSONS" | sed -n 's/^[0-9]*-\(.*\)\.lesson$/\1/p' | sort -u)" \
	"nsx lesson start <Tab>: every lesson's name"

# the alias: its command's options
comp "$NSX" ps --
is "$(sorted)" "$(set_of --json --noheadings --help)" "nsx ps --<Tab>: the options of containers"

# ls
comp "$NSX" ls -t ""
is "$got" "$TYPES" "nsx ls -t <Tab>: the 8 types"
is "$TYPES" "$(ls /proc/self/ns | grep -v _for_children | sort)" "... the types of /proc/self/ns"
is "$TYPES" "$("$NSX" ls -t bogus 2>&1 | listed)" "... the types of nsx's 'unknown namespace type' message"
comp "$NSX" ls -o N
is "$(sorted)" "$(grep '^N' <<<"$COLUMNS")" "nsx ls -o N<Tab>: NS, NPROCS, ... (every column starting with N)"
[[ $COMPOPTS == *nospace* ]]
ok $? "... and no space after it (a comma may follow)"
comp "$NSX" ls -o +NS,N
is "$(sorted)" "$(grep '^N' <<<"$COLUMNS" | grep -vx NS | sed 's/^/+NS,/')" \
	"nsx ls -o +NS,N<Tab>: after the comma, NS not again"
comp "$NSX" ls --output = NS,T
is "$got" "NS,TYPE" "nsx ls --output=NS,T<Tab>: NS,TYPE (the = split off by bash)"
comp "$NSX" ls --tree = p
is "$(sorted)" "$(set_of parent process)" "nsx ls --tree=p<Tab>: parent process"
is "$TREES" "$("$NSX" ls --tree=bogus 2>&1 | listed)" "... the kinds of nsx's 'unknown tree type' message"
comp "$NSX" ls -T ""
has owner && has "$NETINO"
ok $? "nsx ls -T <Tab>: a tree kind or an inode (-T's argument is optional)"
comp "$NSX" ls -T owner ""
! has owner && has "$NETINO"
ok $? "nsx ls -T owner <Tab>: an inode (owner was -T's)"

# run
comp "$NSX" run --net ""
is "$got" "$(printf '%s\n' none host veth veth:)" "nsx run --net <Tab>: none host veth veth:"
is "$(sed 's/:$/:CIDR/' <<<"$got" | sort)" "$("$NSX" run --dry-run --net bogus 2>&1 | listed)" \
	"... the values of nsx's 'invalid --net' message"
for v in none host veth veth:10.9.8.0/24; do
	"$NSX" run --dry-run --net "$v" >/dev/null 2>&1 || break
done
ok $? "... each one accepted by run --dry-run --net"
comp "$NSX" run --net = veth :
is "${#COMPREPLY[@]}" 0 "nsx run --net=veth:<Tab>: nothing (a CIDR follows)"
comp "$NSX" run --share ""
is "$(sorted)" "$(set_of uts ipc net cgroup user)" "nsx run --share <Tab>: uts ipc net cgroup user"
is "$(sorted)" "$("$NSX" run --dry-run --share bogus 2>&1 | listed)" \
	"... the types of nsx's 'invalid --share' message"
for v in $got; do "$NSX" run --dry-run --share "$v" >/dev/null 2>&1 || break; done
ok $? "... each one accepted by run --dry-run --share"
comp "$NSX" run --limits ""
is "$(sorted)" "$(set_of require try)" "nsx run --limits <Tab>: require try"
is "$(sorted)" "$("$NSX" run --dry-run --limits bogus 2>&1 | listed)" \
	"... the values of nsx's 'invalid --limits' message"
for v in $got; do "$NSX" run --dry-run --limits "$v" >/dev/null 2>&1 || break; done
ok $? "... each one accepted by run --dry-run --limits"
comp "$NSX" run --name ""
is "$got" "" "nsx run --name <Tab>: nothing (a new name)"
comp "$NSX" run --image "$T/fixf"
is "$got" "$T/fixfile" "nsx run --image <Tab>: files"
comp "$NSX" run --rootfs "$T/fix"
is "$got" "$T/fixdir" "nsx run --rootfs <Tab>: directories"
comp "$NSX" run -- ba
has bash
ok $? "nsx run -- ba<Tab>: programs (bash)"
comp "$NSX" run sh "$T/fixf"
is "$got" "$T/fixfile" "nsx run sh <Tab>: the program's arguments are files"

# unshare
comp "$NSX" unshare ""
is "$(sorted)" "$(set_of $TYPES all)" "nsx unshare <Tab>: the types and all"
comp "$NSX" unshare --propagation ""
is "$(sorted)" "$("$NSX" unshare --propagation bogus mnt -- true 2>&1 | listed)" \
	"nsx unshare --propagation <Tab>: the modes of nsx's 'unknown propagation' message"
comp "$NSX" unshare net -- bas
has bash
ok $? "nsx unshare net -- bas<Tab>: programs (bash)"

# enter: PIDs, containers (nsx ps -n), namespace files
comp "$NSX" enter ""
has $$
ok $? "nsx enter <Tab>: PIDs, this test's $$ among them"
mkdir "$T/stub"
printf '#!/bin/sh\n[ "$1 $2" = "ps -n" ] && { echo "nsxcomp-web 4242 3s built-in busybox cgroup,ipc - none"; exit 0; }\nexec "%s" "$@"\n' \
	"$NSX" >"$T/stub/nsx"
chmod +x "$T/stub/nsx"
comp "$T/stub/nsx" enter ""
has nsxcomp-web && has $$
ok $? "nsx enter <Tab>: the containers of nsx ps -n (first column) too"
comp "$T/stub/nsx" enter nsxcomp
is "$got" nsxcomp-web "nsx enter nsxcomp<Tab>: nsxcomp-web"
comp "$NSX" enter "/proc/$$/ns/ne"
is "$got" "/proc/$$/ns/net" "nsx enter /proc/$$/ns/ne<Tab>: a namespace file"
comp "$NSX" enter --root $$ ""
is "$got" "$TYPES" "nsx enter --root PID <Tab>: the types"
comp "$NSX" enter $$ net -- bas
has bash
ok $? "nsx enter PID net -- bas<Tab>: programs (bash)"

# pin, unpin, help, cd, exit
comp "$NSX" pin net "$T/fixf"
is "$got" "$T/fixfile" "nsx pin net <Tab>: files (PATH)"
comp "$NSX" cd "$T/fix"
is "$got" "$T/fixdir" "nsx cd <Tab>: directories"
comp "$NSX" exit ""
is "$got" "" "nsx exit <Tab>: nothing (a status)"
comp "$NSX" nosuchcmd ""
is "$got" "" "nsx nosuchcmd <Tab>: nothing"

done_testing
