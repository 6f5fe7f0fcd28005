#!/bin/bash
# nsx as an unprivileged user the test creates (useradd, with /etc/subuid and
# /etc/subgid ranges), removed at exit: unshare as that user (automatic user
# namespace), --map-users through newuidmap, and enter into a set of
# namespaces owned by the user's own user namespace.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/nsproc.sh"

need_root || { done_testing; exit; }
if ! command -v useradd >/dev/null || ! command -v newuidmap >/dev/null; then
	skip "useradd and newuidmap are needed (make deps installs uidmap)"
	done_testing; exit
fi

U=nsxt$$
host=$(hostname)
T=$(mktemp -d /tmp/nsx-rootless.XXXXXX)
chmod 755 "$T"
cp "$NSX" "$T/nsx"
on_exit "rm -rf '$T'"
# a range no other entry uses: past every start+count in the files
base=$(cat /etc/subuid /etc/subgid 2>/dev/null | awk -F: '{e=$2+$3; if (e>m) m=e} END {print (m>300000?m:300000)}')
useradd -M -N -s /bin/sh -d "$T" "$U" || { ok 1 "useradd $U"; done_testing; exit; }
on_exit "user_del '$U'"
on_exit "sed -i '/^$U:/d' /etc/subuid /etc/subgid"
echo "$U:$base:65536" >>/etc/subuid
echo "$U:$base:65536" >>/etc/subgid
uid=$(id -u "$U")
as() { (cd "$T" && setpriv --reuid="$uid" --regid="$(id -g "$U")" --clear-groups "$@"); }

# unshare as the user: a user namespace is added, the user is root there
out=$(as "$T/nsx" unshare uts --hostname rootless -- sh -c 'hostname; id -u; cat /proc/self/uid_map' 2>"$T/err")
is "$?" 0 "as $U: nsx unshare uts -- CMD works"
is "$(echo "$out" | sed -n 1p)" rootless "as $U: the hostname is set in the new uts namespace"
is "$(echo "$out" | sed -n 2p)" 0 "as $U: root inside"
like "$(echo "$out" | sed -n 3p)" "^ *0 +$uid +1$" "as $U: uid_map maps 0 to the user"
like "$(cat "$T/err")" "made a user namespace too" "as $U: nsx says it made a user namespace"
is "$(hostname)" "$host" "the host's hostname is unchanged"

# --map-users and --map-groups: only newuidmap/newgidmap may write these
out=$(as "$T/nsx" unshare user --map-users "0:$base:65536" --map-groups "0:$base:65536" \
	-- sh -c 'cat /proc/self/uid_map /proc/self/gid_map' 2>"$T/err")
is "$?" 0 "as $U: --map-users through newuidmap works"
like "$(echo "$out" | sed -n 1p)" "^ *0 +$base +65536$" "as $U: uid_map holds the subuid range"
like "$(echo "$out" | sed -n 2p)" "^ *0 +$base +65536$" "as $U: gid_map holds the subgid range"

# a range that is not the user's: newuidmap refuses, one line, nothing made
out=$(as "$T/nsx" unshare user --map-users "0:1000:10" -- true 2>"$T/err")
is "$?" 1 "as $U: a range outside /etc/subuid is refused"
is "$(wc -l <"$T/err")" 1 "(one line: $(cat "$T/err"))"
like "$(cat "$T/err")" "newuidmap" "(it names newuidmap)"

# enter a user-namespace-owned set the user made
spawn setpriv --reuid="$uid" --regid="$(id -g "$U")" --clear-groups unshare -Ur --net --uts sleep 1000
P=$(leaf "$SPAWNED" sleep)
want=$(for t in user net uts; do readlink /proc/"$P"/ns/$t; done)
got=$(as "$T/nsx" enter "$P" -- sh -c 'for t in user net uts; do readlink /proc/self/ns/$t; done' 2>"$T/err")
is "$got" "$want" "as $U: enter lands in the user, net and uts namespaces of its own process"
got=$(as "$T/nsx" enter "$P" -- id -u)
is "$got" 0 "as $U: root in the entered user namespace"
# and levels: enter, then back
got=$(printf 'enter %s\nlevels\nexit\nlevels\n' "$P" | as "$T/nsx" 2>&1 | grep -c '^ *[0-9]\*')
is "$got" 2 "as $U: a level is opened by enter and closed by exit"

done_testing
