#!/bin/bash
# nsx ls against the real lsns (issue 3 §3 "Same rows as lsns"): processes in
# namespaces of every type, nested user+pid namespaces and a process-less
# ancestor user namespace; then the same columns from both tools must give the
# same rows. nsx may list more namespaces (held by fds, bind mounts, pending
# pid_for_children), but only with NPROCS 0.
#
# Other tests may create and end processes while this one runs, which changes
# the host namespaces' NPROCS between two scans. So each comparison runs
# nsx, lsns, nsx and passes when the two nsx scans agree and lsns matches them;
# it tries up to 10 times. A real difference fails every time.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/nsproc.sh"

if ! need_root; then done_testing; exit; fi
if ! command -v lsns >/dev/null || ! command -v unshare >/dev/null; then
	skip "lsns and unshare (util-linux) are needed"
	done_testing; exit
fi
have_time=0
[ -e /proc/self/ns/time ] && have_time=1

# ---- the population ----
declare -A LEAF	# what → PID of its sleep
start() {	# start WHAT CMD...
	local what=$1 p; shift
	spawn "$@"
	p=$(leaf "$SPAWNED" sleep)
	ok $? "started $what: $*"
	LEAF[$what]=${p:-0}
}
start uts    unshare -u sleep 1000
start ipc    unshare -i sleep 1000
start net    unshare -n sleep 1000
start pid    unshare -p --fork --kill-child sleep 1000
start mnt    unshare -m sleep 1000
start user   unshare -U sleep 1000
start userr  unshare -Ur sleep 1000
start cgroup unshare -C sleep 1000
if [ $have_time = 1 ]; then
	start time unshare -T --fork --kill-child sleep 1000
else
	skip "time namespaces need Linux 5.6"
fi
# user+pid inside user+pid: the outer unshare stays as the parent of the inner
start nested unshare -Urp --fork --kill-child unshare -Urp --fork --kill-child sleep 1000
# the middle user namespace has no process left after the exec: only -T shows it
start ghost  unshare -Ur unshare -U sleep 1000
# all types at once
start all    unshare -uinpmUC --fork --kill-child sleep 1000

# Every namespace the population made (not the ones this test runs in).
OURS=()
for w in "${!LEAF[@]}"; do
	for t in cgroup ipc mnt net pid time user uts; do
		i=$(nsino "${LEAF[$w]}" "$t") || continue
		[ "$i" = "$(nsino $$ "$t")" ] || OURS+=("$i")
	done
done
mapfile -t OURS < <(printf '%s\n' "${OURS[@]}" | sort -u)
# one each from uts ipc net pid mnt user userr cgroup (time), the inner user
# and pid of nested, the ghost's leaf, 7 of all
is "${#OURS[@]}" $((18 + have_time)) "the population is in ${#OURS[@]} new namespaces"
ok $([ "$(nsino "${LEAF[pid]}" pid)" != "$(nsino $$ pid)" ]; echo $?) \
	"the pid leaf is in a new pid namespace"

# ---- comparing ----
TMPD=$(mktemp -d /tmp/nsx-test.XXXXXX)
on_exit "rm -rf '$TMPD'"
export OURS_LIST="${OURS[*]}"

# compare DESC [tree] -- LS-ARGS: `nsx ls -J LS-ARGS`, `lsns -J LS-ARGS`, and
# nsx again; jcompare (nsproc.sh) judges. Up to 10 tries for an exact match
# (no row changed between the scans); else any try that passed with rows
# other processes changed between the scans tolerated; SEEN: how many of
# this test's namespaces were compared.
compare() {
	local desc=$1 jargs=() try v best="" out
	shift
	while [ "$1" != -- ]; do jargs+=("$1"); shift; done
	shift
	for try in 1 2 3 4 5 6 7 8 9 10; do
		"$NSX" ls -J "$@" 2>/dev/null | jrows "${jargs[@]}" >"$TMPD/a" 2>/dev/null
		lsns -J "$@" 2>/dev/null | jrows "${jargs[@]}" >"$TMPD/l" 2>/dev/null
		"$NSX" ls -J "$@" 2>/dev/null | jrows "${jargs[@]}" >"$TMPD/b" 2>/dev/null
		out=$(jcompare "$TMPD/l" "$TMPD/a" "$TMPD/b")
		v=${out%%$'\n'*}
		case $v in
		exact*) best=$out; break ;;
		tolerant*) [ -n "$best" ] || best=$out ;;
		esac
		sleep 0.2
	done
	[ -n "$best" ] || best=$out
	v=${best%%$'\n'*}
	set -- $v
	SEEN=$3
	case $1 in
	exact) ok 0 "$desc (try $try)" ;;
	tolerant) ok 0 "$desc ($2 rows changed by other processes during the scans)" ;;
	*) ok 1 "$desc" ;;
	esac
	[ "$1" = exact ] || printf '%s\n' "$best" | sed 1d | head -20
}

compare "ls -J -o NS,TYPE,NPROCS,PID: same rows as lsns" -- -o NS,TYPE,NPROCS,PID
is "$SEEN" "${#OURS[@]}" "... and they include every namespace the test made"

for t in cgroup ipc mnt net pid time user uts; do
	if [ $t = time ] && [ $have_time = 0 ]; then skip "no time namespaces"; continue; fi
	compare "ls -J -t $t: same rows as lsns" -- -t $t -o NS,TYPE,NPROCS,PID
	want=$(for w in "${!LEAF[@]}"; do
		i=$(nsino "${LEAF[$w]}" $t) && [ "$i" != "$(nsino $$ $t)" ] && echo "$i"
	done | sort -u | wc -l)
	is "$SEEN" "$want" "... with the $want $t namespaces the test made"
done
compare "ls -J -t net -t user: same rows as lsns" -- -t net -t user -o NS,TYPE,NPROCS,PID

# the default columns (USER and COMMAND too; -t net adds NETNSID and NSFS)
compare "ls -J (default columns): same rows as lsns" --
compare "ls -J -t net (default columns + NETNSID, NSFS): same rows as lsns" -- -t net
compare "ls -J -o PPID,UID,PATH,PNS,ONS: same rows as lsns" -- -o NS,PID,PPID,UID,PATH,PNS,ONS

# trees: the same parent for every row, ancestors without a process included
compare "ls -J -T (owner tree): same rows and parents as lsns" tree -- -T -o NS,TYPE,NPROCS,PID
compare "ls -J -Tparent: same rows and parents as lsns" tree -- -Tparent -o NS,TYPE,NPROCS,PID
compare "ls -J -Tprocess: same rows and parents as lsns" tree -- -Tprocess -o NS,TYPE,NPROCS,PID
ghost=$(readlink /proc/"${LEAF[ghost]}"/ns/user)
out=$("$NSX" ls -J -T -o NS,TYPE,NPROCS,PID 2>/dev/null | jrows tree)
like "$out" "nprocs=0 ns=[0-9]+ parent=4026531837 pid=null type=user" \
	"ls -T: the process-less parent of $ghost is a row with NPROCS 0 under the initial user ns"

# -p PID: the eight namespaces of each leaf
for w in uts nested ghost all; do
	compare "ls -J -p PID ($w): same rows as lsns" -- -p "${LEAF[$w]}" -o NS,TYPE,NPROCS,PID,PNS,ONS
done

# a positional namespace: the processes in it (namespaces only the test uses)
for wt in "nested user" "all pid" "all mnt" "pid pid"; do
	set -- $wt
	i=$(nsino "${LEAF[$1]}" "$2")
	compare "ls -J $i ($2 ns of $1): same processes as lsns" -- "$i"
	n=$(lsns -n -o PID "$i" 2>/dev/null | grep -c .)
	ok $([ "$n" -ge 1 ]; echo $?) "... $n of them"
done

# Text output, lsns's default columns, one line per namespace the test made:
# identical lines, in the list, raw and table formats.
text_compare() {	# DESC LS-ARGS...
	local desc=$1 try a l b pat
	shift
	pat=$(printf '%s\n' "${OURS[@]}" | paste -sd'|')
	for try in 1 2 3 4 5 6 7 8 9 10; do
		a=$(COLUMNS=200 "$NSX" ls "$@" 2>/dev/null | grep -E "(^| |─|x80)($pat) ")
		l=$(COLUMNS=200 lsns "$@" 2>/dev/null | grep -E "(^| |─|x80)($pat) ")
		b=$(COLUMNS=200 "$NSX" ls "$@" 2>/dev/null | grep -E "(^| |─|x80)($pat) ")
		[ "$a" = "$b" ] && [ "$a" = "$l" ] && break
		sleep 0.2
	done
	is "$a" "$l" "$desc (try $try)"
	local i missing=""
	for i in "${OURS[@]}"; do
		[ "$(printf '%s\n' "$a" | grep -Ec "(^| |─|x80)$i ")" = 1 ] || missing+=" $i"
	done
	is "$missing" "" "... one line for each namespace the test made"
}
text_compare "ls -l -n -r -o NS,TYPE,NPROCS,PID,USER,COMMAND: our lines as lsns's" \
	-l -n -r -o NS,TYPE,NPROCS,PID,USER,COMMAND
text_compare "ls -n -r (process tree, raw): our lines as lsns's" -n -r
text_compare "ls -l -u (table): our lines as lsns's" -l -u

done_testing
