# Helpers of the VM matrix's tests (tests/vm/*.t), sourced after
# tests/sh/lib.sh. They run as root inside the VM (tests/vm/vm), where
# everything they change goes away with it; they clean up all the same,
# so that they can run on a host too.

# kernel_ge MAJOR MINOR: the running kernel is MAJOR.MINOR or newer
kernel_ge() {
	local r ma mi
	r=$(uname -r)
	ma=${r%%.*} r=${r#*.}
	mi=${r%%[!0-9]*}
	[ "$ma" -gt "$1" ] || { [ "$ma" -eq "$1" ] && [ "$mi" -ge "$2" ]; }
}

# mkrootfs DIR: a small rootfs of this machine's static busybox, its
# applets as links to /bin/busybox (made by busybox in a chroot: one
# process, where a process costs ~0.1 s under TCG)
mkrootfs() {
	mkdir -p "$1/bin" "$1/etc" "$1/root" "$1/tmp" && cp /bin/busybox "$1/bin/busybox" &&
		chroot "$1" /bin/busybox --install -s /bin || return 1
	echo 'root:x:0:0:root:/root:/bin/sh' >"$1/etc/passwd"
	echo 'root:x:0:' >"$1/etc/group"
	echo "rootfs $1" >"$1/etc/motd"
}

# user_home TAG NAME: the throw-away user NAME (test_user: U, ID, GID, AS,
# NSXB) with its home T on the VM's disk (/var/tmp, ext4), as on a
# classroom machine, where its cache keeps user.* xattrs; all removed at
# exit. False when no such user can be made (test_user said why).
user_home() {
	T=$(mktemp -d "/var/tmp/nsx-vm-$1.XXXXXX") && chmod 755 "$T" || return 1
	on_exit "rm -rf '$T'"
	test_user "$2" "$T" || return 1
	chown "$U" "$T"
}

# subids USER: a range of 65536 subordinate IDs for USER in /etc/subuid
# and /etc/subgid, past every other; BASE is its start. Removed at exit.
subids() {
	BASE=$(cat /etc/subuid /etc/subgid 2>/dev/null |
		awk -F: '{ e = $2 + $3; if (e > m) m = e } END { print (m > 300000 ? m : 300000) }')
	echo "$1:$BASE:65536" >>/etc/subuid
	echo "$1:$BASE:65536" >>/etc/subgid
	on_exit "sed -i '/^$1:/d' /etc/subuid /etc/subgid"
}

# cg_remove DIR: a cgroup tree gone: its processes killed, its cgroups
# removed deepest first
cg_remove() {
	local d p
	[ -d "$1" ] || return 0
	for d in $(find "$1" -depth -type d); do
		for p in $(cat "$d/cgroup.procs" 2>/dev/null); do kill -KILL "$p"; done
	done
	for d in $(find "$1" -depth -type d); do
		WAIT_TENTHS=30 wait_cond rmdir "$d" 2>/dev/null
	done
}

# delegate USER: what systemd's Delegate=yes makes of USER's manager,
# user.slice/user-UID.slice/user@UID.service: the directory and its
# cgroup.procs, cgroup.subtree_control and cgroup.threads owned by USER,
# the memory, pids and cpu controllers enabled down to it, and USER's
# app.slice there (as systemd --user makes it). DELEG: the service's
# cgroup. Removed at exit.
delegate() {
	local uid c s
	uid=$(id -u "$1")
	s=/sys/fs/cgroup/user.slice/user-$uid.slice
	DELEG=$s/user@$uid.service DUSER=$1
	mkdir -p /sys/fs/cgroup/user.slice "$DELEG" || return 1
	on_exit "cg_remove '$s'"
	for c in memory pids cpu; do
		echo "+$c" >/sys/fs/cgroup/cgroup.subtree_control
		echo "+$c" >/sys/fs/cgroup/user.slice/cgroup.subtree_control
		echo "+$c" >"$s/cgroup.subtree_control"
	done
	chown "$1" "$DELEG" "$DELEG/cgroup.procs" "$DELEG/cgroup.subtree_control" "$DELEG/cgroup.threads" || return 1
	setpriv --reuid="$uid" --regid="$(id -g "$1")" --clear-groups sh -c '
		echo "+memory +pids +cpu" >"$1/cgroup.subtree_control" && mkdir "$1/app.slice" &&
		echo "+memory +pids +cpu" >"$1/app.slice/cgroup.subtree_control"' sh "$DELEG"
}

# scope NAME: app.slice/NAME.scope in the delegated subtree, made by its
# user, as systemd-run --user --scope makes one for a command. SCOPE: it.
scope() {
	SCOPE=$DELEG/app.slice/$1.scope
	setpriv --reuid="$(id -u "$DUSER")" --regid="$(id -g "$DUSER")" --clear-groups mkdir "$SCOPE"
}

# in_scope CMD...: CMD in $SCOPE (moved there by root: cgroup v2 lets only
# the writer of the common ancestor's cgroup.procs move a process between
# two cgroups), in place of a subshell: a function CMD must exec too
in_scope() {
	(
		echo "$BASHPID" >"$SCOPE/cgroup.procs" || exit
		if declare -F "$1" >/dev/null; then "$@"; else exec "$@"; fi
	)
}

# user CMD: exec CMD as the test user U (through sh -c) in its home T,
# its output and nsx's together; for in_scope. XDG_RUNTIME_DIR is $URUN
# (default: empty, no systemd user manager to be found).
user() {
	exec "${AS[@]}" env HOME="$T" XDG_CACHE_HOME="$T/cache" XDG_RUNTIME_DIR="${URUN:-}" \
		sh -c "cd '$T' && $1" 2>&1
}

# bg NAME CMD: CMD (ending in an exec) as the user in $SCOPE in the
# background; the PID of what it execs in $NAME (in_scope and user are
# subshells around it: $! would be theirs)
bg() {
	rm -f "$T/$1.pid"
	in_scope user "echo \$\$ >'$T/$1.pid' && $2" >"$T/$1.err" 2>&1 &
	WAIT_TENTHS=100 wait_cond test -s "$T/$1.pid"
	eval "$1=\$(cat '$T/$1.pid')"
	on_exit "kill -KILL $(cat "$T/$1.pid")"
}
gone() { ! kill -0 "$1" 2>/dev/null; }
# before Linux 5.11 a user's container has a read-only / and a note says
# so (rootless-run.t tests it): not what most lines are about
nonote() { grep -v "^nsx: run: note: overlay refused in a user namespace"; }

# fallback TEXT: what this kernel gets instead, for the matrix's table
# (tests/vm/matrix collects these lines)
fallback() {
	echo "# fallback: $*"
}
