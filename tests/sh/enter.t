#!/bin/bash
# enter (issue 4): into processes the test made, as root and as an
# unprivileged user (uid 65534) in a user namespace of its own; by PID,
# namespace file, `ip netns` name and path, and inode (also of a namespace
# that only a bind mount holds); --root and --wd; the level it opens; and
# bad input: one line, exit 1, the shell stays at its level.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/nsproc.sh"

TMPD=$(mktemp -d /tmp/nsx-enter.XXXXXX)
chmod 755 "$TMPD"
on_exit "rm -rf '$TMPD'"
NOBODY=(setpriv --reuid=65534 --regid=65534 --clear-groups)

# links PID: its namespace links, one per line (readlink of /proc/PID/ns/*)
links() {
	local f
	for f in /proc/"$1"/ns/*; do readlink "$f"; done
}

# a command that prints its own namespace links, as links() does
# shellcheck disable=SC2016
INSIDE_CMD=(sh -c 'for f in /proc/self/ns/*; do readlink "$f"; done')

# ---- no root needed ---------------------------------------------------------

nopid=999999
while [ -e /proc/$nopid ]; do nopid=$((nopid + 1)); done
fails "^nsx: enter: no such process: $nopid$" enter $nopid
fails "^nsx: enter: enter what\\? " enter
fails "^nsx: enter: unknown namespace type 'foo' \\(cgroup ipc mnt net pid time user uts\\)$" enter $$ foo
fails "^nsx: enter: /etc/passwd is not a namespace file " enter /etc/passwd
fails "^nsx: enter: /nonexistent-nsx: No such file or directory$" enter /nonexistent-nsx
fails "^nsx: enter: 'nsxnosuchnetns' is not a PID, a namespace inode, a namespace file, a container name \(see 'nsx ps'\) or an ip netns name$" \
	enter nsxnosuchnetns
fails "^nsx: enter: invalid PID '0'$" enter 0
fails "^nsx: enter: unknown option '--bogus'" enter --bogus $$
# nsx's own PID is not $$, but its namespaces are the test's
fails "^nsx: enter: process $$ is in the same namespaces as this shell already$" enter $$
fails "^nsx: enter: you are already in user namespace $(nsino $$ user)$" enter $$ user
fails "^nsx: enter: you are already in user namespace $(nsino $$ user)$" enter /proc/self/ns/user
fails "^nsx: enter: this shell is in uts namespace $(nsino $$ uts) already$" enter /proc/$$/ns/uts
fails "^nsx: enter: /proc/$$/ns/uts is a uts namespace: no other type can be entered through it$" \
	enter /proc/$$/ns/uts net
fails "^nsx: enter: no namespace 4026599999 " enter 4026599999
if [ "$(cat /proc/2/comm 2>/dev/null)" = kthreadd ]; then
	fails "^nsx: enter: 2 is a kernel thread" enter 2
else
	skip "PID 2 is not kthreadd here (a pid namespace?)"
fi

if ! need_root; then done_testing; exit; fi

# ---- as root: a process in new namespaces of every type ---------------------

have_time=0
unshare --time --fork true 2>/dev/null && [ -e /proc/self/ns/time ] && have_time=1
all=(--user --map-root-user --uts --ipc --net --mount --pid --cgroup --fork --mount-proc)
[ $have_time = 1 ] && all+=(--time)
spawn unshare "${all[@]}" sleep 1000
A=$(leaf "$SPAWNED" sleep) || { ok 1 "a target in new namespaces of every type"; done_testing; exit; }
[ $have_time = 1 ] || skip "no time namespaces (Linux 5.6)"

want=$(links "$A")
got=$("$NSX" enter "$A" -- "${INSIDE_CMD[@]}" 2>&1)
is "$got" "$want" "enter A (all types differ): every link, pid_for_children and time_for_children too, is A's"
ours=$(links $$)
n=$(diff <(printf '%s\n' "$ours") <(printf '%s\n' "$want") | grep -c '^>')
is "$n" $((8 + 2 * have_time)) "(A differs from the test in every link, so each one was entered)"
# the pid namespace is the command's own only because nsx forks after setns
got=$("$NSX" enter "$A" -- sh -c 'readlink /proc/self/ns/pid; echo "$$"' 2>&1)
is "$(printf '%s\n' "$got" | head -1)" "$(readlink /proc/"$A"/ns/pid)" \
	"enter A: the command's own pid namespace (not only pid_for_children) is A's"
like "$(printf '%s\n' "$got" | tail -1)" '^[2-9]$|^[1-9][0-9]$' \
	"enter A: the command has a small PID of A's pid namespace (got $(printf '%s\n' "$got" | tail -1))"
got=$("$NSX" enter "$A" -- id -u 2>&1)
is "$got" 0 "enter A: root in A's user namespace (mapped 0)"
"$NSX" enter "$A" -- sh -c 'exit 7' >/dev/null 2>&1
is "$?" 7 "nsx enter A -- CMD exits with CMD's status"

# ---- a root-owned target without a user namespace: defaults and explicit types

spawn unshare --uts --ipc --net --mount --pid --fork --mount-proc sleep 1000
B=$(leaf "$SPAWNED" sleep) || { ok 1 "a target B in uts,ipc,net,mnt,pid"; done_testing; exit; }
want=$(links "$B")
got=$("$NSX" enter "$B" -- "${INSIDE_CMD[@]}" 2>&1)
is "$got" "$want" "enter B: lands in exactly B's namespaces (B shares cgroup, time and user with us)"
is "$(printf '%s\n' "$got" | grep '^user:')" "$(readlink /proc/$$/ns/user)" \
	"enter B: the user namespace stays ours (no user namespace entered)"
# explicit types: only those; the others stay ours
got=$("$NSX" enter "$B" net uts -- "${INSIDE_CMD[@]}" 2>&1)
want=$(links $$ | sed "s/^net:.*/$(readlink /proc/"$B"/ns/net)/; s/^uts:.*/$(readlink /proc/"$B"/ns/uts)/")
is "$got" "$want" "enter B net uts: B's net and uts, every other link ours"
# B's /proc (--mount-proc) is in B's mount namespace and shows B's pid
# namespace, where a command that stayed in ours has no /proc/self
got=$("$NSX" enter "$B" mnt -- sh -c 'cat /proc/1/comm; readlink /proc/self || echo none' 2>/dev/null)
is "$got" "sleep
none" "enter B mnt: B's mount namespace (its /proc), our pid namespace"
fails "^nsx: enter: you are already in user namespace $(nsino $$ user)$" enter "$B" user
fails "^nsx: enter: you are already in user namespace $(nsino $$ user)$" enter "$B" net user

# ---- the level it opens -------------------------------------------------------

out=$(printf 'enter %s\nlevels\ncut -d" " -f4 /proc/self/stat\nreadlink /proc/self/ns/pid\nexit\nlevels\n' "$B" |
	"$NSX" 2>"$TMPD/err")
lv1=$(printf '%s\n' "$out" | awk '$1 == "1*"')
like "$lv1" "^ +1\\* +[0-9]+ +[0-9]+ +ipc,mnt,net,pid,uts +enter $B\$" \
	"levels at the enter level: depth 1, NEW ipc,mnt,net,pid,uts, the command"
inside=$(printf '%s\n' "$lv1" | awk '{ print $3 }')
ppid=$(printf '%s\n' "$out" | grep -Ex '[0-9]+' | head -1)
is "$inside" "$ppid" "levels: INSIDE is the level's PID in B's pid namespace (a command's parent there)"
like "$(printf '%s\n' "$lv1" | awk '$2 != $3 { print "differs" }')" differs \
	"levels: PID (as seen from the start) and INSIDE differ at a pid level"
is "$(printf '%s\n' "$out" | grep '^pid:')" "$(readlink /proc/"$B"/ns/pid)" \
	"a command typed at the level runs in B's pid namespace"
is "$(printf '%s\n' "$out" | grep -Ec '^ +0\* ')" 1 "levels after exit: back at depth 0"
is "$(printf '%s\n' "$out" | grep -Ec '^ +1 ')" 0 "levels after exit: level 1 is gone"
is "$(cat "$TMPD/err")" "" "no error on the way"

# errors at a level: one line each, the shell stays at depth 1
out=$(printf '%s\n' "enter $B uts" "enter $nopid" "enter /etc/passwd" "enter" "enter $B foo" \
	"enter $B user" "enter $B uts" "levels" "exit" | "$NSX" 2>"$TMPD/err")
is "$(wc -l <"$TMPD/err")" 6 "six bad enters at a level: six error lines"
like "$(sed -n 6p "$TMPD/err")" "^nsx: enter: process $B is in the same namespaces as this shell already$" \
	"enter B uts at a level in B's uts: 'same namespaces'"
is "$(printf '%s\n' "$out" | awk '$1 ~ /\*$/ { print $1 }')" "1*" "after the errors the shell is still at depth 1"

# ---- namespace files, ip netns, inodes ----------------------------------------

got=$("$NSX" enter /proc/"$B"/ns/net -- readlink /proc/self/ns/net /proc/self/ns/uts 2>&1)
is "$got" "$(readlink /proc/"$B"/ns/net)
$(readlink /proc/$$/ns/uts)" "enter /proc/B/ns/net: B's net, our uts"
ino=$(nsino "$B" uts)
"$NSX" ls -l -r -n -o NS 2>/dev/null | grep -qx "$ino"
ok $? "ls prints B's uts inode $ino"
got=$("$NSX" enter "$ino" -- readlink /proc/self/ns/uts /proc/self/ns/net 2>&1)
is "$got" "$(readlink /proc/"$B"/ns/uts)
$(readlink /proc/$$/ns/net)" "enter $ino (an inode held by a process): that uts namespace only"

NETNS=nsxe$$
if ip netns add "$NETNS" 2>/dev/null; then
	on_exit "ip netns delete '$NETNS'"
	nino=$(stat -L -c %i /run/netns/"$NETNS")
	is "$("$NSX" enter "$NETNS" -- readlink /proc/self/ns/net 2>&1)" "net:[$nino]" \
		"enter $NETNS (an ip netns name)"
	is "$("$NSX" enter /run/netns/"$NETNS" -- readlink /proc/self/ns/net 2>&1)" "net:[$nino]" \
		"enter /run/netns/$NETNS"
	is "$("$NSX" ls -l -r -n -o NS,NPROCS 2>/dev/null | awk -v i="$nino" '$1 == i { print $2 }')" 0 \
		"(ls: no process is in $NETNS)"
	is "$("$NSX" enter "$nino" -- readlink /proc/self/ns/net 2>&1)" "net:[$nino]" \
		"enter $nino: a namespace held only by a bind mount, by inode"
	is "$("$NSX" enter "$NETNS" -- ip -br link 2>&1 | awk '{ print $1 }')" lo \
		"enter $NETNS -- ip -br link: only lo"
	fails "^nsx: enter: /run/netns/$NETNS is a net namespace: no other type" enter "$NETNS" uts
	fails "^nsx: enter: --root and --wd need a process as the target$" enter --root "$NETNS"
else
	skip "ip netns add failed (iproute2)"
fi

# ---- --wd and --root follow the target --------------------------------------

mkdir -p "$TMPD/wd" "$TMPD/here"
spawn sh -c "cd '$TMPD/wd' && exec unshare --uts sleep 1000"
W=$(leaf "$SPAWNED" sleep)
is "$(cd "$TMPD/here" && "$NSX" enter --wd "$W" -- pwd 2>&1)" "$TMPD/wd" "enter --wd W: W's working directory"
is "$(cd "$TMPD/here" && "$NSX" enter "$W" -- pwd 2>&1)" "$TMPD/here" "enter W without --wd: ours"

# R: chrooted into a directory of its own (with /usr bound in R's private
# mount namespace, so the bind goes away with R)
R=$TMPD/root
mkdir -p "$R"
echo "R's root" >"$R/marker"
setup=""
for d in bin sbin lib lib32 lib64 libx32 usr; do
	if [ -L /$d ]; then
		ln -s "$(readlink /$d)" "$R/$d"
	elif [ -d /$d ]; then
		mkdir "$R/$d"
		setup="$setup mount --bind /$d '$R/$d' &&"
	fi
done
mkdir -p "$R/tmp/in"
spawn unshare --mount --propagation private sh -c "$setup cd / && exec chroot '$R' sh -c 'cd /tmp/in && exec sleep 1000'"
RT=$(leaf "$SPAWNED" sleep)
if [ -n "$RT" ] && [ "$(readlink /proc/"$RT"/root)" = "$R" ]; then
	is "$("$NSX" enter --root "$RT" -- sh -c 'pwd; cat /marker' 2>&1)" "/
R's root" "enter --root RT: RT's root directory (its /marker), cwd /"
	is "$("$NSX" enter --root --wd "$RT" -- sh -c 'pwd; cat /marker' 2>&1)" "/tmp/in
R's root" "enter --root --wd RT: RT's root and working directory"
	"$NSX" enter "$RT" -- test -e /marker 2>/dev/null
	is "$?" 1 "enter RT without --root: our root (no /marker)"
else
	ok 1 "a target chrooted into $R (root: $(readlink /proc/"$RT"/root 2>&1))"
fi

# ---- as an unprivileged user: a user namespace of its own ------------------

if ! command -v setpriv >/dev/null; then
	skip "setpriv (util-linux) is needed to test as nobody"
elif ! (cd /tmp && "${NOBODY[@]}" unshare -Ur true) 2>/dev/null; then
	skip "unprivileged user namespaces are disabled here"
else
	spawn sh -c "cd /tmp && exec ${NOBODY[*]} unshare -Ur --net --uts sleep 1000"
	U=$(leaf "$SPAWNED" sleep)
	is "$(stat -c %u /proc/"$U")" 65534 "(the target runs as uid 65534)"
	want="$(readlink /proc/"$U"/ns/user)
$(readlink /proc/"$U"/ns/net)
$(readlink /proc/"$U"/ns/uts)
0"
	got=$(cd /tmp && "${NOBODY[@]}" "$NSX" enter "$U" -- sh -c \
		'readlink /proc/self/ns/user /proc/self/ns/net /proc/self/ns/uts; id -u' 2>&1)
	is "$got" "$want" "as 65534: enter U lands in U's user, net and uts namespaces, as root there"
	got=$(cd /tmp && "${NOBODY[@]}" "$NSX" enter "$U" -- "${INSIDE_CMD[@]}" 2>&1)
	is "$(printf '%s\n' "$got" | grep -c .)" "$(links "$U" | grep -c .)" "(as many links as U has)"
	is "$(diff <(printf '%s\n' "$got") <(links "$U") && echo same)" same \
		"as 65534: every link is U's (the others are shared)"
	got=$(cd /tmp && "${NOBODY[@]}" "$NSX" enter "$U" uts -- readlink /proc/self/ns/uts 2>&1)
	like "$got" "^nsx: enter: .*Operation not permitted \\(.*(CAP_SYS_ADMIN|user namespace|user:\\[)" \
		"as 65534: enter U uts (without its user namespace): EPERM, explained"

	# EPERM into root-owned namespaces
	if [ -n "${nino:-}" ]; then
		(cd /tmp && "${NOBODY[@]}" "$NSX" enter /run/netns/"$NETNS" -- true) >"$TMPD/out" 2>"$TMPD/err"
		is "$?" 1 "as 65534: enter /run/netns/$NETNS fails"
		like "$(cat "$TMPD/err")" "^nsx: enter: .*Operation not permitted \\(.*(CAP_SYS_ADMIN.*user|user.*CAP_SYS_ADMIN)" \
			"as 65534: one line naming CAP_SYS_ADMIN and the user namespace"
		is "$(wc -l <"$TMPD/err")" 1 "(one line)"
	fi
	spawn unshare --uts "${NOBODY[@]}" sleep 1000
	N=$(leaf "$SPAWNED" sleep)
	(cd /tmp && "${NOBODY[@]}" "$NSX" enter "$N" -- true) >"$TMPD/out" 2>"$TMPD/err"
	is "$?" 1 "as 65534: enter N (its own process, in a root-owned uts namespace) fails"
	like "$(cat "$TMPD/err")" "^nsx: enter: .*Operation not permitted \\(.*(CAP_SYS_ADMIN|user namespace|user:\\[)" \
		"as 65534: EPERM explained: $(cat "$TMPD/err")"
	like "$(cat "$TMPD/err")" "uts:\\[$(nsino "$N" uts)\\] is owned by user:\\[$(nsino $$ user)\\]" \
		"as 65534: the message names N's uts namespace and the user namespace that owns it"
	(cd /tmp && "${NOBODY[@]}" "$NSX" enter "$B" -- true) >"$TMPD/out" 2>"$TMPD/err"
	like "$(cat "$TMPD/err")" "^nsx: enter: cannot read the namespaces of process $B: permission denied" \
		"as 65534: enter B (root's): cannot read its namespaces"
fi

done_testing
