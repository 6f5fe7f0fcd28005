#!/bin/bash
# nsx run against the attacks of runtime-security.md §2, as the test list of
# its §3 numbers them: hostile rootfs trees (11 /proc, /sys and 12 /dev as
# symlinks to host dirs, 14 a planted /dev/null symlink, 15 setuid
# binaries), what the command sees inside (16 PID 1, 17 processes, 18
# namespaces, 19 fds, 20 cwd and environment, 21 masked paths, 22 read-only
# /proc, 23 /sys and mount, 24 /dev, 26 capabilities, 27 no_new_privs, 28
# hostname), what the host keeps (31 mountinfo, 37 the nsx binary behind
# /proc/1/exe, 38 TIOCSTI into the host terminal) and 40 the rootless maps.
# Every case runs as root and again as a throw-away user (rootless: nsx makes
# a user namespace); as a normal user the file runs the rootless half as that
# user. Everything (dirs, the bind mount of the test dir, the user and its
# /etc/subuid lines, the tmux server, background runs) goes at exit.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/nsproc.sh"

T=$(mktemp -d /tmp/nsx-runsec.XXXXXX)
chmod 755 "$T"
on_exit "rm -rf '$T'"
# (runs before the rm above: nothing may stay mounted under T)
on_exit "grep -o ' ${T}[^ ]*' /proc/self/mountinfo | sort -r | xargs -r -n1 umount -l"
ROOT=0
[ "$(id -u)" = 0 ] && ROOT=1
HOSTNAME0=$(hostname)
TYPES="cgroup ipc mnt net pid time user uts"
# the container's capabilities, by number (capability.h): chown dac_override
# fowner fsetid kill setgid setuid setpcap net_bind_service net_raw
# sys_chroot audit_write setfcap
CAPS=$(printf '%016x' $(( (1<<0)|(1<<1)|(1<<3)|(1<<4)|(1<<5)|(1<<6)|(1<<7)|(1<<8)|(1<<10)|(1<<13)|(1<<18)|(1<<29)|(1<<31) )))
MASKED="/proc/acpi /proc/asound /proc/kcore /proc/keys /proc/latency_stats /proc/timer_list
	/proc/timer_stats /proc/sched_debug /proc/scsi /sys/firmware"
READONLY="/proc/bus /proc/fs /proc/irq /proc/sys /proc/sysrq-trigger"
APPLETS="sh ls cat echo id stat readlink mknod touch mount umount hostname grep head tr wc ps sleep
	mkdir awk sort env pwd uname"


# ---- a probe: euid, a uid change, TIOCSTI (static: it runs in any rootfs) ----

PROBE=
if command -v cc >/dev/null; then
	cat >"$T/probe.c" <<'EOF'
#define _GNU_SOURCE
#include <errno.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>
int main(int argc, char **argv)
{
	if (argc == 2 && !strcmp(argv[1], "euid")) {
		printf("euid=%d\n", (int)geteuid());
		return 0;
	}
	if (argc >= 4 && !strcmp(argv[1], "asuser")) {	/* asuser UID PROG ARG... */
		uid_t u = (uid_t)atoi(argv[2]);
		setgroups(0, NULL);
		if (setresgid(u, u, u) < 0 || setresuid(u, u, u) < 0) {
			perror("setresuid");
			return 1;
		}
		execv(argv[3], argv + 3);
		perror("execv");
		return 127;
	}
	if (argc == 3 && !strcmp(argv[1], "tiocsti")) {	/* tiocsti TEXT: type TEXT on fd 0 */
		for (char *p = argv[2]; *p; p++)
			if (ioctl(0, TIOCSTI, p) < 0) {
				int e = errno;
				printf("TIOCSTI failed: %s (errno %d)\n", strerror(e), e);
				return 1;
			}
		printf("TIOCSTI injected\n");
		return 0;
	}
	return 2;
}
EOF
	cc -static -O2 -o "$T/probe" "$T/probe.c" 2>"$T/cc.err" && PROBE=$T/probe
fi
[ -n "$PROBE" ] || echo "# no static probe: $(head -1 "$T/cc.err" 2>/dev/null || echo 'no cc')"

# mkroot DIR: a small busybox rootfs the test owns (and may make hostile)
mkroot() {
	local a
	mkdir -p "$1"/bin "$1"/etc "$1"/proc "$1"/dev "$1"/sys "$1"/mnt "$1"/tmp
	cp /bin/busybox "$1/bin/busybox"
	for a in $APPLETS; do ln -s busybox "$1/bin/$a"; done
	printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/sh\n' >"$1/etc/passwd"
	[ -z "$PROBE" ] || cp "$PROBE" "$1/bin/nsxprobe"
}

# ---- the modes: root, and a throw-away user ----

# r NAME ARGS...: `nsx run ARGS` as the mode's user, from the host directory
# $W/cwd, with fd 7 (a host file) and fd 9 (a host dir) open; $W/NAME.out,
# .err, .rc. The cache and state dirs are the test's own.
r() {
	local n=$1; shift
	(cd "$W/cwd" && "${AS[@]}" env NSX_CACHE_DIR="$W/cache" NSX_STATE_DIR="$W/state" \
		NSX_HOST_SECRET=leak "$NSXB" run "$@") \
		>"$W/$n.out" 2>"$W/$n.err" </dev/null 7<"$W/hostfile" 9<"$W"
	echo $? >"$W/$n.rc"
}
out() { cat "$W/$1.out"; }
rc() { cat "$W/$1.rc"; }
# line NAME N: line N of NAME's output
line() { sed -n "$2p" "$W/$1.out"; }
# status NAME WANT "description": exit status, stderr shown when it differs
status() {
	is "$(rc "$1")" "$2" "$M: $3 (exit $2)"
	[ "$(rc "$1")" = "$2" ] || sed 's/^/#   stderr: /' "$W/$1.err" | head -5
}
# refused NAME REGEX "description": exit 125, one line "nsx: run: ...REGEX"
refused() {
	is "$(rc "$1")" 125 "$M: $3: exit 125"
	is "$(wc -l <"$W/$1.err")" 1 "$M: $3: one line on stderr ($(head -c 200 "$W/$1.err"))"
	like "$(cat "$W/$1.err")" "^nsx: run: .*$2" "$M: $3: the message says why"
}

# hostns TYPE: the host's namespace link (the user's shell shares them)
hostns() { readlink /proc/$$/ns/"$1"; }

# ---- hostile rootfs trees: 11, 12, 14, 15 ----

case_hostile() {
	local d

	# 11: /proc a symlink to a host dir; /sys a relative one out of the tree
	mkroot "$W/r11"
	rmdir "$W/r11/proc" "$W/r11/sys"
	mkdir "$W/t11proc" "$W/t11sys"
	chown "$ID" "$W/t11proc" "$W/t11sys"
	ln -s "$W/t11proc" "$W/r11/proc"
	r c11 --rootfs "$W/r11" -- true
	refused c11 "/proc.*ordinary directory" "11 rootfs/proc -> a host dir is refused"
	is "$(ls -A "$W/t11proc")" "" "$M: 11 nothing is made in the symlink's target"
	rm "$W/r11/proc" && mkdir "$W/r11/proc"
	ln -s ../t11sys "$W/r11/sys"
	r c11s --rootfs "$W/r11" -- true
	refused c11s "/sys.*ordinary directory" "11 rootfs/sys -> ../outside is refused"
	is "$(ls -A "$W/t11sys")" "" "$M: 11 nothing is made in /sys's target"

	# 12: /dev a symlink to a host dir (CVE-2026-47766)
	mkroot "$W/r12"
	rmdir "$W/r12/dev"
	H=$(mktemp -d "$W/h12.XXXXXX")
	chown "$ID" "$H"
	ln -s "$H" "$W/r12/dev"
	r c12 --rootfs "$W/r12" -- true
	refused c12 "/dev.*ordinary directory" "12 rootfs/dev -> \$H is refused"
	is "$(ls -A "$H")" "" "$M: 12 \$H stays empty: no device node, no ptmx"
	r c12rw --rw --rootfs "$W/r12" -- true
	refused c12rw "/dev.*ordinary directory" "12 rootfs/dev -> \$H is refused with --rw too"
	is "$(ls -A "$H")" "" "$M: 12 \$H stays empty with --rw"
	is "$(grep -c " $H " /proc/self/mountinfo)" 0 "$M: 12 nothing is mounted on \$H"
	rm "$W/r12/dev" && echo not-a-dir >"$W/r12/dev"
	r c12f --rootfs "$W/r12" -- true
	refused c12f "/dev.*ordinary directory" "12 rootfs/dev as a regular file is refused"

	# 14: /dev/null planted as a symlink to a host file the container's root may write
	mkroot "$W/r14"
	echo original >"$W/h14"
	chown "$ID" "$W/h14"
	ln -s "$W/h14" "$W/r14/dev/null"
	r c14 --rootfs "$W/r14" -- sh -c 'stat -c "%F %t:%T" /dev/null; echo pwned >/dev/null; wc -c </dev/null'
	status c14 0 "14 runs with a planted /dev/null symlink"
	is "$(line c14 1)" "$(stat -c '%F %t:%T' /dev/null)" "$M: 14 /dev/null inside is the null device, as the host's (char 1:3)"
	is "$(line c14 2)" 0 "$M: 14 /dev/null inside reads empty"
	is "$(cat "$W/h14")" original "$M: 14 the host file behind the symlink is untouched"

	# 15: setuid binaries in the rootfs (no_new_privs)
	mkroot "$W/r15"
	chmod 4755 "$W/r15/bin/busybox"
	r c15 --rootfs "$W/r15" -- grep NoNewPrivs /proc/self/status
	status c15 0 "15 runs on a setuid-root busybox"
	like "$(out c15)" "^NoNewPrivs:[[:space:]]+1$" "$M: 15 NoNewPrivs is 1 for the setuid busybox"
	if [ -z "$PROBE" ]; then
		skip "$M: 15 a setuid probe needs cc -static"
	elif [ "$MODE" = root ]; then
		# the probe, setuid root, run by uid 1000: on the host it gets euid 0
		cp "$PROBE" "$W/r15/bin/suidprobe"
		chmod 4755 "$W/r15/bin/suidprobe"
		d=$("$PROBE" asuser 1000 "$W/r15/bin/suidprobe" euid 2>&1)
		r c15b --rootfs "$W/r15" -- /bin/nsxprobe asuser 1000 /bin/suidprobe euid
		if [ "$d" = euid=0 ]; then
			is "$(out c15b)" euid=1000 "$M: 15 a setuid-root binary run by uid 1000 keeps euid 1000 (host: $d)"
		else
			skip "$M: 15 setuid does not work in $W on the host ($d)"
		fi
	fi
	# (rootless: only uid 0 is mapped, there is no other uid to start from)
}

# ---- inside: 16-24, 26-28 ----

case_inside() {
	local t want got p k host

	# 16: PID 1 with --no-init is the command, in the container's root
	mkroot "$W/r16"
	r c16 --no-init --rootfs "$W/r16" -- sh -c 'ls -A /proc/1/root/ | tr "\n" " "; echo;
		readlink /proc/1/exe; tr "\0\n" "  " </proc/1/cmdline; echo'
	status c16 0 "16 --no-init runs"
	is "$(line c16 1)" "$(ls -A "$W/r16" | tr '\n' ' ')" "$M: 16 /proc/1/root/ lists the rootfs (not the host's /)"
	is "$(line c16 2)" /bin/busybox "$M: 16 /proc/1/exe is the rootfs' busybox, no host path"
	like "$(line c16 3)" "^sh -c ls -A /proc/1/root/" "$M: 16 /proc/1/cmdline is the command"
	# with nsx's init: the command is PID 2; PID 1's command line is nsx's own
	r c16i --rootfs "$W/r16" -- sh -c 'tr "\0\n" "  " </proc/2/cmdline; echo; readlink /proc/2/exe;
		tr "\0\n" "  " </proc/1/cmdline; echo'
	like "$(line c16i 1)" "^sh -c tr " "$M: 16 with init, /proc/2/cmdline is the command"
	is "$(line c16i 2)" /bin/busybox "$M: 16 with init, /proc/2/exe is the rootfs' busybox"
	got=$(line c16i 3)
	case "$got" in
	*"$W"* | *"$NSXB"*) ok 1 "$M: 16 PID 1's /proc/1/cmdline shows no host path (the nsx binary, the rootfs)"
		echo "#   /proc/1/cmdline inside: $got" ;;
	*) ok 0 "$M: 16 PID 1's /proc/1/cmdline shows no host path (${got:0:60})" ;;
	esac

	# 17: only the container's processes
	r c17 -- sh -c 'echo $$; cd /proc && echo [0-9]*'
	is "$(out c17 | tr '\n' ' ')" "2 1 2 " "$M: 17 the command is PID 2, /proc lists PIDs 1 and 2 only"
	r c17n --no-init -- sh -c 'echo $$; cd /proc && echo [0-9]*'
	is "$(out c17n | tr '\n' ' ')" "1 1 " "$M: 17 with --no-init the command is PID 1, alone"

	# 18: every namespace is new (user: when nsx makes one), time is the host's
	r c18 -- sh -c "for t in $TYPES; do readlink /proc/self/ns/\$t; done"
	status c18 0 "18 reads its namespace links"
	want="" got=""
	for t in $TYPES; do
		p=$(grep "^$t:" "$W/c18.out")
		if [ "$t" = time ] || { [ "$t" = user ] && [ "$MODE" = root ]; }; then
			[ "$p" = "$(hostns "$t")" ] || got="$got $t"
		else
			[ -n "$p" ] && [ "$p" != "$(hostns "$t")" ] || got="$got $t"
		fi
	done
	is "${got# }" "" "$M: 18 cgroup ipc mnt net pid uts$([ "$MODE" = root ] || echo ' user') differ from the host's, time is shared"
	if [ "$MODE" = root ]; then
		r c18u --user -- readlink /proc/self/ns/user
		isnt "$(out c18u)" "$(hostns user)" "$M: 18 with --user the user namespace is new too"
	fi

	# 19: no fd of the host's (fds 7 and 9 were open in nsx), none in init
	r c19 -- ls /proc/self/fd
	is "$(out c19 | tr '\n' ' ')" "0 1 2 3 " "$M: 19 the command (ls) has fds 0 1 2 and 3 (its own dir) only"
	r c19n --no-init -- ls /proc/self/fd
	is "$(out c19n | tr '\n' ' ')" "0 1 2 3 " "$M: 19 with --no-init too"

	# 20: cwd and environment
	r c20 -- sh -c 'pwd; readlink /proc/self/cwd; env | grep -c "NSX_\|ASAN"'
	is "$(line c20 1) $(line c20 2)" "/ /" "$M: 20 pwd and /proc/self/cwd are / (nsx ran in $W/cwd)"
	is "$(line c20 3)" 0 "$M: 20 no host environment variable reaches the command"

	# 21: masked paths: files -> the null device, dirs -> empty, as existing on the host
	want="" got=""
	for p in $MASKED; do
		if [ -d "$p" ]; then k=empty; elif [ -e "$p" ]; then k=null; else k=absent; fi
		want="$want $p:$k"
	done
	# shellcheck disable=SC2016
	r c21 -- sh -c 'for p in $0; do
		if [ -c "$p" ] && [ "$(stat -c %t:%T "$p")" = 1:3 ]; then k=null
		elif [ -d "$p" ] && [ -z "$(ls -A "$p")" ]; then k=empty
		elif [ -e "$p" ]; then k=VISIBLE; else k=absent; fi
		printf " %s:%s" "$p" "$k"; done; echo
		cat /proc/keys /proc/timer_list 2>/dev/null | wc -c
		umount /proc/keys 2>/dev/null; echo umount=$?
		umount /sys/firmware 2>/dev/null; echo umount=$?' "$(echo $MASKED)"
	is "$(line c21 1)" "$want" "$M: 21 masked: every path of the list that exists is hidden"
	is "$(line c21 2)" 0 "$M: 21 /proc/keys and /proc/timer_list read empty (host: $(cat /proc/keys /proc/timer_list 2>/dev/null | wc -c) bytes)"
	is "$(line c21 3) $(line c21 4)" "umount=1 umount=1" "$M: 21 the masks cannot be unmounted"

	# 22: read-only parts of /proc
	want="" got=""
	for p in $READONLY; do [ -e "$p" ] && want="$want $p:ro"; done
	# shellcheck disable=SC2016
	r c22 -- sh -c 'for p in $0; do [ -e "$p" ] || continue
		o=$(awk -v p="$p" "\$5 == p { o = \$6 } END { print o }" /proc/self/mountinfo)
		case ",$o," in *,ro,*) k=ro ;; *) k="rw($o)" ;; esac
		printf " %s:%s" "$p" "$k"; done; echo
		echo nsx-was-here >/proc/sys/kernel/hostname; hostname
		if [ -e /proc/sysrq-trigger ]; then echo h >/proc/sysrq-trigger; else echo no-sysrq; fi' "$(echo $READONLY)"
	is "$(line c22 1)" "$want" "$M: 22 /proc/bus fs irq sys sysrq-trigger (those that exist) are read-only mounts"
	like "$(cat "$W/c22.err")" "/proc/sys/kernel/hostname: Read-only file system" "$M: 22 writing /proc/sys/kernel/hostname: EROFS"
	isnt "$(line c22 2)" nsx-was-here "$M: 22 the hostname did not change through /proc/sys"
	if [ -e /proc/sysrq-trigger ]; then
		like "$(cat "$W/c22.err")" "sysrq-trigger: Read-only file system" "$M: 22 writing /proc/sysrq-trigger: EROFS"
	else
		is "$(line c22 3)" no-sysrq "$M: 22 no /proc/sysrq-trigger inside either (this kernel has none)"
	fi

	# 23: /sys read-only, no mount
	r c23 -- sh -c 'touch /sys/x; echo touch=$?; mkdir -p /mnt; mount -t proc none /mnt; echo mount=$?;
		ls /mnt | grep -c self; mount -o remount,rw /sys; echo remount=$?; touch /sys/x; echo touch=$?'
	is "$(line c23 1)" touch=1 "$M: 23 touch /sys/x fails"
	like "$(cat "$W/c23.err")" "/sys/x: Read-only file system" "$M: 23 ... with EROFS"
	is "$(line c23 2) $(line c23 3)" "mount=1 0" "$M: 23 mount -t proc none /mnt fails, nothing mounted"
	is "$(line c23 4) $(line c23 5)" "remount=1 touch=1" "$M: 23 /sys cannot be remounted read-write"

	# 24: /dev
	r c24 -- sh -c 'ls -A /dev | tr "\n" " "; echo
		stat -c "%n %F %t:%T" /dev/null /dev/zero /dev/full /dev/random /dev/urandom /dev/tty | tr "\n" ";"; echo
		for l in ptmx fd stdin stdout stderr; do printf "%s>%s " $l "$(readlink /dev/$l)"; done; echo
		echo x >/dev/full; echo full=$?
		mknod /dev/sda b 8 0; echo mknod=$?; ls /dev/sda 2>/dev/null | wc -l
		head -c 16 /dev/urandom | wc -c
		ls -A /dev/pts | tr "\n" " "; echo; stat -c "%d %a" /dev/pts; stat -c "%a" /dev/shm
		echo y >/dev/shm/y && cat /dev/shm/y'
	is "$(line c24 1)" "fd full null ptmx pts random shm stderr stdin stdout tty urandom zero " \
		"$M: 24 /dev holds exactly the expected entries"
	is "$(line c24 2)" "$(stat -c '%n %F %t:%T' /dev/null /dev/zero /dev/full /dev/random /dev/urandom /dev/tty | tr '\n' ';')" \
		"$M: 24 null zero full random urandom tty are the host's devices (type, major:minor)"
	is "$(line c24 3)" "ptmx>pts/ptmx fd>/proc/self/fd stdin>/proc/self/fd/0 stdout>/proc/self/fd/1 stderr>/proc/self/fd/2 " \
		"$M: 24 ptmx, fd, stdin, stdout, stderr links"
	is "$(line c24 4)" full=1 "$M: 24 echo x >/dev/full fails"
	like "$(cat "$W/c24.err")" "No space left on device" "$M: 24 ... with ENOSPC"
	is "$(line c24 5) $(line c24 6)" "mknod=1 0" "$M: 24 mknod /dev/sda b 8 0 fails, no node"
	like "$(cat "$W/c24.err")" "mknod: /dev/sda: Operation not permitted" "$M: 24 ... with EPERM"
	is "$(line c24 7)" 16 "$M: 24 /dev/urandom is readable"
	is "$(line c24 8)" "ptmx " "$M: 24 /dev/pts holds no pty of the host's"
	host=$(stat -c %d /dev/pts)
	got=$(line c24 9)
	is "${got#* }" 755 "$M: 24 /dev/pts is a devpts"
	isnt "${got% *}" "$host" "$M: 24 /dev/pts is a new devpts instance (not the host's device $host)"
	is "$(line c24 10) $(line c24 11)" "1777 y" "$M: 24 /dev/shm is a writable 1777 dir"

	# 26, 27: capabilities and no_new_privs
	r c26 -- grep -E '^(Cap(Inh|Prm|Eff|Bnd|Amb)|NoNewPrivs):' /proc/self/status
	got=$(out c26 | tr -s '\t ' ' ' | tr '\n' ' ')
	is "$got" "CapInh: 0000000000000000 CapPrm: $CAPS CapEff: $CAPS CapBnd: $CAPS CapAmb: 0000000000000000 NoNewPrivs: 1 " \
		"$M: 26, 27 caps: bounding, permitted, effective = the 13 kept ($CAPS), none inheritable or ambient; NoNewPrivs 1"
	isnt "$(grep CapBnd /proc/self/status | tr -s '\t ' ' ')" "CapBnd: $CAPS" "$M: 26 (the host's bounding set is another)"
	like "$(grep NoNewPrivs /proc/self/status)" "0$" "$M: 27 (the host's NoNewPrivs is 0)"

	# 28: hostname
	r c28 --hostname "nsxsec-$$" -- sh -c 'hostname; uname -n; cat /proc/sys/kernel/hostname'
	is "$(out c28 | tr '\n' ' ')" "nsxsec-$$ nsxsec-$$ nsxsec-$$ " "$M: 28 the hostname inside is the requested one"
	r c28n --name "n28-$$" -- hostname
	is "$(out c28n)" "n28-$$" "$M: 28 without --hostname it is the container's name"
	is "$(hostname)" "$HOSTNAME0" "$M: 28 the host's hostname is unchanged"
}

# ---- the host keeps its mounts (31) and its nsx binary (37) ----

# bg NAME ARGS...: r in the background; BG is its PID, killed at exit
bg() {
	r "$@" &
	BG=$!
	on_exit "kill_tree $BG"
}

case_host() {
	local before during after s init sum

	mkroot "$W/r31"
	before=$(cat /proc/self/mountinfo)
	bg c31 --rootfs "$W/r31" -- sleep 30
	if s=$(leaf "$BG" sleep); then
		during=$(cat /proc/self/mountinfo)
		init=$(awk '/^PPid:/ { print $2 }' /proc/"$s"/status)
		# 19 again, from the host: init and the command hold nothing of the host's
		if [ "$ROOT" = 1 ]; then
			is "$(ls /proc/"$init"/fd | sort -n | tr '\n' ' ')" "0 1 2 " "$M: 19 the container's init (host PID $init) has fds 0 1 2 only"
		else
			# not dumpable: even its owner cannot look (CVE-2019-5736)
			ls /proc/"$init"/fd >/dev/null 2>&1
			is "$?" 2 "$M: 19, 37 the container's init (host PID $init) is not dumpable: its fds are hidden from its owner"
		fi
		is "$(ls /proc/"$s"/fd | sort -n | tr '\n' ' ')" "0 1 2 " "$M: 19 the command (sleep) has fds 0 1 2 only"
		is "$(cat /proc/"$init"/status | awk '/^NSpid:/ { print $NF }')" 1 "$M: (init is PID 1 inside)"
		# stop it as a user would (SIGTERM to nsx, passed on to sleep), so
		# that nsx removes what it made: SIGKILL would leave its cgroup
		kill -TERM "$(awk '/^PPid:/ { print $2 }' /proc/"$init"/status)"
		wait "$BG" 2>/dev/null
		is "$(rc c31)" 143 "$M: (the run ends with 143 on SIGTERM)"
	else
		ok 1 "$M: 31 a container running sleep 30 (stderr: $(head -c 200 "$W/c31.err"))"
		during=
	fi
	after=$(cat /proc/self/mountinfo)
	is "$during" "$before" "$M: 31 the host's mountinfo is the same while a container runs"
	is "$after" "$before" "$M: 31 ... and after"
	if [ -n "$SHARED" ]; then
		like "$(findmnt -n -o PROPAGATION "$T")" "^shared" \
			"$M: 31 (the test dir is a shared mount: a mount propagated from the container would show)"
	else
		skip "$M: 31 the test dir could not be made a shared mount"
	fi

	# 37: /proc/1/exe is nsx on the host: not readable, not writable
	sum=$(sha256sum <"$NSXB")
	r c37 --rootfs "$W/r31" -- sh -c 'cat /proc/1/exe >/dev/null; echo read=$?;
		echo x >/proc/1/exe; echo write=$?; readlink /proc/1/exe; echo readlink=$?
		ls /proc/1/root/ >/dev/null; echo root=$?; cat /proc/1/environ >/dev/null; echo environ=$?
		wc -c </proc/$$/exe'
	is "$(grep -E '^(read|write|readlink|root|environ)=' "$W/c37.out" | tr '\n' ' ')" \
		"read=1 write=1 readlink=1 root=1 environ=1 " \
		"$M: 37 /proc/1/exe can be neither read, written nor resolved; nor /proc/1/root, /proc/1/environ"
	is "$(tail -1 "$W/c37.out")" "$(stat -c %s /bin/busybox)" "$M: 37 (the command's own /proc/\$\$/exe reads: the check would see a dumpable init)"
	is "$(sha256sum <"$NSXB")" "$sum" "$M: 37 the nsx binary's sha256 is unchanged"
}

# ---- 38: TIOCSTI into the terminal nsx runs on ----

TMUX_SOCK=$T/tmux.sock
tmux_ok=
tmux_start() {
	[ -n "$tmux_ok" ] && return 0
	command -v tmux >/dev/null || return 1
	tmux -S "$TMUX_SOCK" -f /dev/null new-session -d -s t -x 160 -y 40 \
		"env -i PATH=$PATH TERM=screen HOME=/ PS1='$ ' bash --norc --noprofile" || return 1
	on_exit "tmux -S '$TMUX_SOCK' kill-server"
	tmux_ok=1
}
pane() { tmux -S "$TMUX_SOCK" capture-pane -p -t t; }
# typed LINE: type LINE and Enter at the pane's shell, wait for "DONE-n"
TYPED=0
typed() {
	TYPED=$((TYPED + 1))
	tmux -S "$TMUX_SOCK" send-keys -t t "$1; echo DONE-\$((100+$TYPED))" Enter
	wait_cond sh -c "tmux -S '$TMUX_SOCK' capture-pane -p -t t | grep -q '^DONE-$((100 + TYPED))'"
}

case_tiocsti() {
	local pre=

	if [ -z "$PROBE" ]; then
		skip "$M: 38 TIOCSTI needs a static probe (cc -static)"
		return
	fi
	if ! tmux_start; then
		skip "$M: 38 TIOCSTI needs tmux"
		return
	fi
	mkroot "$W/r38"
	pre="${AS[*]}"
	# stdin the pane's terminal, stdout a file: no pty relay, the command
	# must not reach the terminal; the marker is assembled by the host shell
	# so that the typed line does not hold it
	if ! typed "cd $W/cwd && $pre env NSX_CACHE_DIR=$W/cache NSX_STATE_DIR=$W/state $NSXB run --rootfs $W/r38 -- /bin/nsxprobe tiocsti \"\$(printf 'nsx%sinj' Z$MODE)\" >$W/c38.out 2>$W/c38.err"; then
		ok 1 "$M: 38 the run in tmux ends"
		pane | sed 's/^/#   /' | grep -v '^#   $'
		return
	fi
	sleep 0.5
	like "$(out c38)" "^TIOCSTI failed: (Operation not permitted|Input/output error)" "$M: 38 TIOCSTI on the host's terminal fails with EPERM or EIO"
	grep -q '^TIOCSTI failed' "$W/c38.out" || sed 's/^/#   stderr: /' "$W/c38.err" | head -5
	if pane | grep -q "nsxZ${MODE}inj"; then
		ok 1 "$M: 38 nothing was typed into the host's shell"
		pane | sed 's/^/#   /' | grep -v '^#   $'
	else
		ok 0 "$M: 38 nothing was typed into the host's shell"
	fi
}

# the same probe on the host's own terminal: injection works there, so the
# capture above can see it
tiocsti_control() {
	[ -n "$PROBE" ] && tmux_start || return 0
	typed "$PROBE tiocsti \"\$(printf 'nsx%sctl' Q)\" >$T/ctl.out"
	if WAIT_TENTHS=30 wait_cond sh -c "tmux -S '$TMUX_SOCK' capture-pane -p -t t | grep -q nsxQctl"; then
		ok 0 "38 (control: the probe on the host's own terminal types into the shell: $(cat "$T/ctl.out"))"
	else
		skip "38 control: TIOCSTI does not work on this host's terminal ($(cat "$T/ctl.out")): the test above cannot see injection"
	fi
	tmux -S "$TMUX_SOCK" send-keys -t t C-u
}

# ---- 40: the rootless maps ----

case_maps() {
	r c40 -- sh -c 'id -u; id -g; cat /proc/self/uid_map; cat /proc/self/gid_map; cat /proc/self/setgroups'
	status c40 0 "40 runs"
	is "$(line c40 1) $(line c40 2)" "0 0" "$M: 40 uid and gid 0 inside"
	is "$(line c40 3 | tr -s ' ' | sed 's/^ //')" "0 $ID 1" "$M: 40 uid_map is '0 $ID 1'"
	is "$(line c40 4 | tr -s ' ' | sed 's/^ //')" "0 $GID 1" "$M: 40 gid_map is '0 $GID 1'"
	is "$(line c40 5)" deny "$M: 40 setgroups is deny"
	# limits without a delegated cgroup: refused in one line (a limit
	# asked for is never silently dropped); --limits=try runs after a note
	r c41 --memory 64m -- true
	refused c41 "limits=try" "40 --memory without a delegated cgroup"
	r c41t --memory 64m --limits=try -- true
	status c41t 0 "40 --memory --limits=try without a delegated cgroup runs"
	like "$(cat "$W/c41t.err")" "^nsx: run: .*running without limits \(--limits=try\)$" \
		"$M: 40 ... after a one-line note"
	is "$(wc -l <"$W/c41t.err")" 1 "$M: 40 ... of one line"
	r c42 --net veth -- true
	refused c42 "--net=veth needs root" "40 --net veth"
	# ranges from /etc/subuid, through newuidmap and newgidmap (the user
	# this test made has them)
	if [ -z "${base:-}" ]; then
		skip "$M: 8 subuid ranges: only with the throw-away user of a root run"
		return
	fi
	r c43 --uid-map 0:$ID:1 --uid-map 1:$base:1000 --gid-map 0:$GID:1 --gid-map 1:$base:1000 -- \
		sh -c 'cat /proc/self/uid_map /proc/self/gid_map | wc -l; chown 500:500 /tmp && stat -c %u:%g /tmp'
	status c43 0 "8 subuid ranges through newuidmap"
	is "$(out c43 | tr '\n' ' ')" "4 500:500 " "$M: 8 two ranges each, and id 500 is usable inside"
	r c44 --uid-map 0:$ID:1 --uid-map 0:$base:1 -- true
	refused c44 "refused the map.*overlapping ranges" "8 an overlapping uid map"
}

# suite MODE: every case as root or as the mode's user
suite() {
	M=$1 MODE=$1
	W=$T/$MODE
	mkdir -p "$W/cwd" "$W/cache" "$W/state"
	echo "host file" >"$W/hostfile"
	chown -R "$ID:$GID" "$W/cwd" "$W/cache" "$W/state"
	chmod 700 "$W/state"
	echo "# ---- as $MODE (uid $ID) ----"
	case_hostile
	case_inside
	case_host
	case_tiocsti
	[ "$MODE" = root ] || case_maps
	# (under ASan/UBSan: any report in any run's stderr fails here)
	is "$(cat "$W"/*.err | grep -c 'Sanitizer\|runtime error:')" 0 "$M: no run printed a sanitizer report"
}

# the test dir as a shared mount (root): had the container's mounts under
# it propagated back to the host, the host's mountinfo would show them
SHARED=
if [ "$ROOT" = 1 ] && mount --bind "$T" "$T" 2>/dev/null; then
	mount --make-shared "$T" && SHARED=1
fi

if [ "$ROOT" = 1 ]; then
	AS=() ID=0 GID=0 NSXB=$NSX
	suite root
	tiocsti_control
	base=$(cat /etc/subuid /etc/subgid 2>/dev/null | awk -F: '{e=$2+$3; if (e>m) m=e} END {print (m>300000?m:300000)}')
	if test_user nsxs$$ "$T"; then
		on_exit "sed -i '/^$U:/d' /etc/subuid /etc/subgid"
		echo "$U:$base:65536" >>/etc/subuid
		echo "$U:$base:65536" >>/etc/subgid
		suite rootless
	fi
else
	AS=() ID=$(id -u) GID=$(id -g) NSXB=$NSX
	if unshare -Ur true 2>/dev/null; then
		suite rootless
		tiocsti_control
	else
		skip "rootless: no user namespace for uid $ID (unshare -Ur)"
	fi
fi

done_testing
