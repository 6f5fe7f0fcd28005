#!/bin/bash
# nsx ls beyond lsns (issue 3 §3): namespaces kept alive by an open fd, a bind
# mount, an `ip netns` mount, a pending pid_for_children/time_for_children or
# a single thread; process-less ancestors in -T; -p, a positional NSID,
# --threads, JSON types, -r -n -u --output-all -o +LIST, --proc-root on the
# fixture trees, and what a non-root user sees.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/nsproc.sh"

TMPD=$(mktemp -d /tmp/nsx-test.XXXXXX)
on_exit "rm -rf '$TMPD'"
FIX=$(cd "$(dirname "$0")/../fixtures" 2>/dev/null && pwd)

# gone PID: wait (5 s at most) until PID has left its namespaces
gone() {
	local i
	wait "$1" 2>/dev/null	# our child: reap it without bash's "Killed" line
	for i in $(seq 100); do [ -e /proc/"$1"/ns/net ] || return 0; sleep 0.05; done
	return 1
}

# row INODE LS-ARGS...: the -l -r -n line of namespace INODE (first field)
row() {
	local i=$1; shift
	"$NSX" ls -l -r -n "$@" 2>/dev/null | awk -v i="$i" '$1 == i'
}

# ---- fixture trees (no root needed) ----
if [ -d "$FIX/proc-basic" ]; then
	out=$("$NSX" ls --proc-root "$FIX/proc-basic" -l -r -n -o NS,TYPE,NPROCS,PID 2>"$TMPD/err")
	is "$?" 0 "--proc-root proc-basic: exit 0"
	is "$(printf '%s\n' "$out" | grep -c .)" 17 "--proc-root proc-basic: 17 namespaces"
	is "$(printf '%s\n' "$out" | awk '$1 == 4026532288')" "4026532288 net 2 300" \
		"--proc-root proc-basic: shared net ns counts 2 processes, lowest PID 300"
	is "$(printf '%s\n' "$out" | awk '$1 == 4026532400')" "4026532400 user 2 42" \
		"--proc-root proc-basic: the container's user ns holds 42 and 4200"
	like "$(cat "$TMPD/err")" "^nsx: ls: 1 process vanished during the scan$" \
		"--proc-root proc-basic: the process without ns/ is counted as vanished, on one line"
	out=$("$NSX" ls --proc-root "$FIX/proc-basic" -l -r -n -o PID,COMMAND 4026532288 2>/dev/null)
	is "$out" "300 ./a)\\x20b\\x20--flag
1000 sleep\\x20infinity" "--proc-root proc-basic: NSID 4026532288 lists PIDs 300 and 1000"
fi
if [ -d "$FIX/proc-held" ]; then
	out=$("$NSX" ls --proc-root "$FIX/proc-held" --threads -P -l -n -o NS,TYPE,NPROCS,HELDBY 2>/dev/null)
	for want in "4026533200 net 0 mount /run/netns/foo" \
		    "4026533201 net 0 mount /run/netns/my net" \
		    "4026533202 uts 0 mount /run/utsns/u" \
		    "4026533300 net 0 fd 5 of 300" \
		    "4026533400 pid 0 pid_for_children of 400" \
		    "4026533401 time 0 time_for_children of 400" \
		    "4026533500 net 0 thread 501 of 500" \
		    "4026533601 net 0 mount /run/netns/inner"; do
		like "$(printf '%s\n' "$out" | tr -s ' ')" "^$want( |$)" "--proc-root proc-held -P: $want"
	done
	is "$(printf '%s\n' "$out" | awk '$3 != 0' | wc -l)" 0 "--proc-root proc-held -P: no row has processes"
fi

# ---- as root: namespaces held by something other than a process ----
if need_root; then
	# net ns held only by fd 7 of a process outside it
	spawn unshare -n sleep 1000
	N=$(leaf "$SPAWNED" sleep); NI=$(nsino "$N" net)
	spawn bash -c "exec 7</proc/$N/ns/net; exec sleep 1000"
	H=$(leaf "$SPAWNED" sleep)
	kill -9 "$N"; gone "$N"
	is "$(nsino "$H" net)" "$(nsino $$ net)" "the fd holder is not in the net ns it holds"
	is "$(row "$NI" -t net -o NS,NPROCS,HELDBY,PATH)" "$NI 0 fd\\x207\\x20of\\x20$H /proc/$H/fd/7" \
		"fd-held net ns: NPROCS 0, HELDBY fd 7 of $H, PATH through the fd"
	is "$(lsns -n -o NS "$NI" 2>/dev/null)" "" "... a namespace lsns does not list"

	# uts ns held only by a bind mount onto a file in the test's directory
	spawn unshare -u sleep 1000
	U=$(leaf "$SPAWNED" sleep); UI=$(nsino "$U" uts)
	touch "$TMPD/uts"
	mount --bind /proc/"$U"/ns/uts "$TMPD/uts"
	ok $? "bind-mounted the uts ns of $U on $TMPD/uts"
	on_exit "umount '$TMPD/uts'"
	kill -9 "$U"; gone "$U"
	is "$(stat -L -c %i "$TMPD/uts")" "$UI" "the bind mount is that namespace"
	is "$(row "$UI" -t uts -o NS,NPROCS,HELDBY,PATH,NSFS)" \
		"$UI 0 mount\\x20$TMPD/uts $TMPD/uts $TMPD/uts" \
		"mount-held uts ns: NPROCS 0, HELDBY and PATH and NSFS the mount point"

	# ip netns add: a net ns with no process, mounted under /run/netns
	if command -v ip >/dev/null && ip netns add "nsxtest$$" 2>/dev/null; then
		on_exit "ip netns del 'nsxtest$$'"
		II=$(stat -L -c %i "/run/netns/nsxtest$$")
		is "$(row "$II" -t net -o NS,NPROCS,NSFS)" "$II 0 /run/netns/nsxtest$$" \
			"ip netns add: NPROCS 0, NSFS /run/netns/nsxtest$$"
		like "$("$NSX" ls -t net 2>/dev/null | head -1)" "^ +NS TYPE +NPROCS +PID +USER +NETNSID +NSFS +COMMAND$" \
			"ls -t net adds NETNSID and NSFS to the default columns (lsns)"
	else
		skip "ip netns add failed (iproute2)"; II=""
	fi

	# pid_for_children: sh unshares a pid ns without forking, its first child
	# (PID 1 there) exits, and sh execs sleep: no process in that pid ns, but
	# sleep's pid_for_children keeps it.
	spawn unshare -p sh -c '(true); exec sleep 1000'
	P=$(leaf "$SPAWNED" sleep)
	PFC=$(readlink /proc/"$P"/ns/pid_for_children); PFC=${PFC#pid:[}; PFC=${PFC%]}
	ok $([ -n "$PFC" ] && [ "$PFC" != "$(nsino "$P" pid)" ]; echo $?) \
		"pid_for_children of $P ($PFC) differs from its pid ns"
	is "$(row "$PFC" -t pid -o NS,NPROCS,HELDBY)" "$PFC 0 pid_for_children\\x20of\\x20$P" \
		"pending pid ns: NPROCS 0, HELDBY pid_for_children of $P"
	like "$("$NSX" ns "$P" 2>/dev/null)" "pid_for_children is pid:\\[$PFC\\]" \
		"ns $P mentions its pid_for_children"

	# time_for_children: perl unshares a time ns and sleeps without exec
	if [ -e /proc/self/ns/time ]; then
		spawn perl -e 'require "syscall.ph"; syscall(&SYS_unshare(), 0x80) == 0 or die; sleep 1000'
		TP=$(leaf "$SPAWNED" perl)
		for i in 1 2 3 4 5 6 7 8 9 10; do
			[ "$(nsino "$TP" time_for_children)" != "$(nsino "$TP" time)" ] && break
			sleep 0.1
		done
		TFC=$(nsino "$TP" time_for_children)
		ok $([ -n "$TFC" ] && [ "$TFC" != "$(nsino "$TP" time)" ]; echo $?) \
			"time_for_children of $TP differs from its time ns"
		is "$(row "$TFC" -t time -o NS,NPROCS,HELDBY)" "$TFC 0 time_for_children\\x20of\\x20$TP" \
			"pending time ns: NPROCS 0, HELDBY time_for_children of $TP"
	else
		skip "no time namespaces (Linux 5.6)"
	fi

	# -P: only those, all without processes
	out=$("$NSX" ls -P -l -r -n -o NS,NPROCS 2>/dev/null)
	for i in "$NI" "$UI" "$PFC" ${II:+"$II"} ${TFC:+"$TFC"}; do
		like "$out" "^$i 0$" "ls -P lists $i"
	done
	is "$(printf '%s\n' "$out" | awk '$2 != 0' | wc -l)" 0 "ls -P: no row has processes"

	# ---- -T owner: a process-less ancestor user namespace ----
	# the middle user ns loses its only process when `unshare -U` execs sleep;
	# made by nobody, so its owner is uid 65534 (lsns shows the wrong user)
	GU=65534
	setpriv --reuid=65534 --regid=65534 --clear-groups \
		unshare -Ur unshare -U sleep 1000 </dev/null >/dev/null 2>&1 &
	on_exit "kill_tree $!"
	G=$(leaf $! sleep)
	if [ -z "$G" ]; then	# no unprivileged user namespaces here
		GU=0
		spawn unshare -Ur unshare -U sleep 1000
		G=$(leaf "$SPAWNED" sleep)
	fi
	GI=$(nsino "$G" user)
	GP=$(lsns -n -o PNS -t user -p "$G" 2>/dev/null | tr -d ' ')
	ok $([ -n "$GP" ] && [ "$GP" != 0 ] && [ "$GP" != "$(nsino $$ user)" ]; echo $?) \
		"lsns: the parent of user ns $GI is $GP, not the initial one"
	out=$("$NSX" ls -J -T -o NS,TYPE,NPROCS,PID,UID,USER 2>/dev/null | jrows tree)
	user=$(getent passwd $GU | cut -d: -f1)
	like "$out" "^nprocs=0 ns=$GP parent=$(nsino $$ user) pid=null type=user uid=$GU user=$user$" "ls -T: ancestor $GP, NPROCS 0, owner uid $GU ($user), under the initial user ns"
	like "$out" "^nprocs=1 ns=$GI parent=$GP pid=$G type=user " "ls -T: user ns $GI of $G hangs under $GP"
	is "$(row "$GP" -o NS -t user)" "" "without -T, the ancestor is not a row (as lsns)"
	like "$("$NSX" ls -Tparent -r -n -o NS 2>/dev/null)" "^(.*x80)?$GP$" "ls -Tparent: the ancestor is there too"

	# ---- -p PID: exactly its eight namespaces ----
	spawn unshare -uinpmUC --fork --kill-child sleep 1000
	A=$(leaf "$SPAWNED" sleep)
	want=$(for t in cgroup ipc mnt net pid time user uts; do echo "$(nsino "$A" $t) $t"; done | sort)
	is "$("$NSX" ls -p "$A" -n -r -o NS,TYPE 2>/dev/null | sed 's/^[^0-9]*//' | sort)" "$want" \
		"ls -p $A: exactly its 8 namespaces"
	bad=""
	for t in cgroup ipc mnt net pid user uts; do
		i=$(nsino "$A" $t)
		low=$(for d in /proc/[0-9]*; do
			[ "$(readlink "$d"/ns/$t 2>/dev/null)" = "$t:[$i]" ] && echo "${d#/proc/}"
		done | sort -n | head -1)
		got=$("$NSX" ls -p "$A" -l -n -r -o NS,PID 2>/dev/null | awk -v i="$i" '$1 == i {print $2}')
		[ "$got" = "$low" ] || bad+=" $t:$got!=$low"
	done
	is "$bad" "" "ls -p $A: PID is the lowest PID in each of its new namespaces"

	# ---- a positional NSID: the processes in that namespace ----
	spawn unshare -u sh -c 'sleep 1000 & sleep 1000 & exec sleep 1000'
	S=$SPAWNED; leaf "$S" sleep >/dev/null
	SI=$(nsino "$S" uts)
	for i in 1 2 3 4 5 6 7 8 9 10; do
		[ "$(descendants "$S" | wc -l)" = 3 ] && break; sleep 0.1
	done
	want=$(for d in /proc/[0-9]*; do
		[ "$(readlink "$d"/ns/uts 2>/dev/null)" = "uts:[$SI]" ] && echo "${d#/proc/}"
	done | sort -n)
	is "$("$NSX" ls -l -n -r -o PID "$SI" 2>/dev/null | sort -n)" "$want" \
		"ls $SI: exactly the processes whose ns/uts is $SI"
	is "$(printf '%s\n' "$want" | grep -c .)" 3 "... 3 of them"
	like "$("$NSX" ls "$SI" 2>/dev/null | head -1)" "^ *PID +PPID +USER +COMMAND$" \
		"ls NSID: lsns's columns PID PPID USER COMMAND"
	is "$("$NSX" ls "uts:[$SI]" -l -n -r -o PID 2>/dev/null | sort -n)" "$want" \
		"ls 'uts:[$SI]' (as readlink prints it): the same"

	# ---- --threads: tasks, and a namespace only one thread is in ----
	spawn unshare -u perl -Mthreads -e 'require "syscall.ph";
		my @t = map { threads->create(sub { sleep 1000 }) } 1..3;
		threads->create(sub { syscall(&SYS_unshare(), 0x04000000) == 0 or die; sleep 1000 });
		sleep 1000'
	T=$(leaf "$SPAWNED" perl); TI=$(nsino "$T" uts)
	for i in $(seq 50); do [ "$(ls /proc/"$T"/task | wc -l)" = 5 ] && break; sleep 0.1; done
	for i in $(seq 50); do
		TT=$(for t in /proc/"$T"/task/*; do
			[ "$(readlink "$t"/ns/uts)" = "uts:[$TI]" ] || echo "${t##*/}"; done)
		[ -n "$TT" ] && break; sleep 0.1
	done
	TTI=$(nsino "$T/task/$TT" uts)
	ok $([ -n "$TT" ] && [ -n "$TTI" ] && [ "$TTI" != "$TI" ]; echo $?) \
		"thread $TT of $T is alone in uts ns $TTI"
	is "$(row "$TI" --threads -t uts -o NS,NPROCS,NTASKS)" "$TI 1 4" \
		"--threads: uts ns $TI has 1 process, 4 tasks"
	is "$(row "$TTI" --threads -t uts -o NS,NPROCS,NTASKS,HELDBY)" "$TTI 0 1 thread\\x20$TT\\x20of\\x20$T" \
		"--threads: uts ns $TTI has no process, 1 task: thread $TT of $T"
	is "$(row "$TTI" -t uts -o NS)" "" "without --threads that namespace is not seen (as lsns)"
	like "$("$NSX" ls --threads -t uts 2>/dev/null | head -1)" "^ +NS TYPE +NPROCS +NTASKS +PID +USER +COMMAND$" \
		"--threads adds NTASKS to the default columns"

	# ---- output formats ----
	# -J: numbers and strings typed as lsns types them
	jkinds() {	# key=number|string|true|[|{ for every key in JSON on stdin
		perl -ne 'while (/"([a-z-]+)":\s*("|-?\d|null|true|false|\[|\{)/g) {
			next if $2 eq "null";
			print "$1=", ($2 eq q(") ? "string" : $2 =~ /\d/ ? "number" : $2), "\n" }' |
			LC_ALL=C sort -u
	}
	nk=$("$NSX" ls -J --output-all 2>/dev/null | jkinds)
	lk=$(lsns -J --output-all 2>/dev/null | jkinds)
	is "$(LC_ALL=C comm -13 <(echo "$nk") <(echo "$lk"))" "" \
		"-J --output-all: every lsns key has the same JSON type in nsx"
	like "$nk" "^ns=number$" "-J: ns is a number"
	like "$("$NSX" ls -J --threads -o NS,NPROCS,NTASKS,PID,PNS,ONS,UID 2>/dev/null | jkinds | grep -v '=\[' | paste -sd' ')" \
		"^nprocs=number ns=number ntasks=number ons=number pid=number pns=number uid=number$" \
		"-J: NS NPROCS NTASKS PID PNS ONS UID are numbers"
	like "$("$NSX" ls -J -o TYPE,USER,COMMAND,PATH,HELDBY 2>/dev/null | jkinds | grep -v '=\[' | paste -sd' ')" \
		"^command=string heldby=string path=string type=string user=string$" \
		"-J: TYPE USER COMMAND PATH HELDBY are strings"
	like "$("$NSX" ls -J -t net 2>/dev/null | head -2 | tail -1)" '^   "namespaces": \[$' \
		"-J: the array is named namespaces (as lsns)"

	# -r, -n, -u, --output-all, -o +PATH
	like "$(row "$SI" -t uts -o NS,COMMAND)" "^$SI sleep\\\\x201000$" "-r: spaces escaped as \\x20"
	like "$("$NSX" ls -r -o NS,TYPE 2>/dev/null | head -1)" "^NS TYPE$" "-r: header, single spaces"
	like "$("$NSX" ls -n -l -o NS,TYPE 2>/dev/null | head -1)" "^ *[0-9]+ [a-z]+ *$" "-n: no header"
	spawn unshare -u sleep 1000 $(printf '0 %.0s' $(seq 80))
	LI=$(nsino "$(leaf "$SPAWNED" sleep)" uts)
	if command -v script >/dev/null; then
		tl=$(COLUMNS=80 script -qec "$NSX ls -l -t uts" /dev/null </dev/null | tr -d '\r' | grep "^$LI ")
		ul=$(COLUMNS=80 script -qec "$NSX ls -l -u -t uts" /dev/null </dev/null | tr -d '\r' | grep "^$LI ")
		ok $([ ${#tl} -le 80 ] && [ ${#tl} -gt 20 ]; echo $?) "on an 80-column terminal COMMAND is truncated (${#tl} chars)"
		like "$ul" "sleep 1000( 0){80}$" "-u: COMMAND not truncated"
	else
		skip "script (bsdutils) is needed for a terminal"
	fi
	hdr=$("$NSX" ls --output-all -l 2>/dev/null | head -1 | tr -s ' ' | sed 's/^ //')
	lhdr=$(lsns --output-all -l 2>/dev/null | head -1 | tr -s ' ' | sed 's/^ //')
	like "$hdr" "^$lhdr NTASKS HELDBY$" "--output-all: lsns's columns in lsns's order, then NTASKS HELDBY"
	like "$("$NSX" ls -o +PATH -l 2>/dev/null | head -1)" "^ +NS TYPE +NPROCS +PID +USER +COMMAND +PATH$" \
		"-o +PATH: the default columns, then PATH"
	is "$(row "$SI" -t uts -o NS,PATH)" "$SI /proc/$(descendants "$S" | sort -n | head -1)/ns/uts" \
		"PATH: /proc/LOWEST-PID/ns/TYPE"
	is "$(row "$SI" -t uts -o +PATH | awk '{print $NF}')" "/proc/$(descendants "$S" | sort -n | head -1)/ns/uts" \
		"-o +PATH with -l -r -n: PATH last"
fi

# ---- not root: what is visible, and how much is not ----
if [ "$(id -u)" = 0 ]; then
	setpriv --reuid=65534 --regid=65534 --clear-groups "$NSX" ls >"$TMPD/out" 2>"$TMPD/err"
	rc=$?
elif [ "$(id -u)" != 0 ]; then
	"$NSX" ls >"$TMPD/out" 2>"$TMPD/err"; rc=$?
fi
is "$rc" 0 "non-root ls: exit 0"
like "$(head -1 "$TMPD/out")" "^ +NS TYPE +NPROCS +PID +USER +COMMAND$" "non-root ls: a table"
ok $([ "$(wc -l <"$TMPD/out")" -ge 9 ]; echo $?) "non-root ls: at least its own 8 namespaces"
like "$(cat "$TMPD/err")" "^nsx: ls: ([0-9]+ process(es)? vanished during the scan, )?[0-9]+ process(es)? could not be read \\(permission denied; run as root to see them\\)$" \
	"non-root ls: one line saying how many processes could not be read"
is "$(grep -c . "$TMPD/err")" 1 "non-root ls: that is the only line on stderr"
n=$(grep -Eo '[0-9]+ process(es)? could not' "$TMPD/err" | grep -Eo '^[0-9]+')
ok $([ "${n:-0}" -ge 1 ]; echo $?) "non-root ls: $n unreadable processes (>= 1)"

done_testing
