#!/bin/bash
# Classroom load (issue 9): 30 unprivileged users made here, started
# together (a barrier: each waits for one start file), each run a container
# (`nsx run` on the built-in busybox rootfs, built concurrently into each
# user's own XDG_CACHE_HOME, with a hostname of its own) and a lesson in
# nsx's shell (its own XDG_STATE_HOME) at the same time. Every one exits 0;
# each container sees only its own processes, hostname, files and mounts;
# each progress file records that user's own steps. Afterwards no process,
# cgroup, mount, record or cache of theirs is left outside their temporary
# homes, the users are gone and /etc/passwd, group, shadow, subuid and
# subgid are exactly as before. NSX_CLASS_USERS sets the number (30).
. "$(dirname "$0")/lib.sh"

TOP=${NSX_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
need_root || { done_testing; exit; }
if ! command -v useradd >/dev/null || ! command -v setpriv >/dev/null; then
	skip "useradd and setpriv are needed"
	done_testing; exit
fi
if ! "$NSX" run -- true >/dev/null 2>&1; then
	skip "nsx run does not work here (busybox-static missing?)"
	done_testing; exit
fi

N=${NSX_CLASS_USERS:-30}
PFX=nsxcl$$u		# nsxcl<pid>u<i>: names no other test uses
T=$(mktemp -d /tmp/nsx-class.XXXXXX)
chmod 755 "$T"
on_exit "rm -rf '$T'"
cp "$NSX" "$T/nsx"
cp -r "$TOP/lessons" "$T/lessons"
chmod -R a+rX "$T"
mkdir "$T/out"

# what must come back exactly as it was
ETC="/etc/passwd /etc/group /etc/shadow /etc/gshadow /etc/subuid /etc/subgid"
etc_sums() { for f in $ETC; do [ -e "$f" ] && md5sum "$f"; done; }
etc_before=$(etc_sums)
mountinfo_before=$(cat /proc/self/mountinfo)
cgroups() { find /sys/fs/cgroup -maxdepth 3 -name 'nsx*' -type d 2>/dev/null | sort; }
cgroups_before=$(cgroups)
host=$(hostname)

# the users' lines, whatever happens (useradd adds subuid ranges on Debian;
# userdel takes them away again, this is the fallback)
on_exit "sed -i '/^$PFX[0-9]*:/d' /etc/subuid /etc/subgid"
# shellcheck disable=SC2016
on_exit 'for ((_u = 1; _u <= N; _u++)); do user_del "$PFX$_u"; done'
# processes of the throwaway users only, each by its PID
# shellcheck disable=SC2016
on_exit 'for _u in ${UIDS[@]}; do for _p in $(pgrep -u "$_u"); do kill -KILL "$_p"; done; done'
UIDS=()
for ((i = 1; i <= N; i++)); do
	h=$T/home/$i
	useradd -M -N -s /bin/sh -d "$h" "$PFX$i" || { ok 1 "useradd $PFX$i"; done_testing; exit; }
	UIDS+=("$(id -u "$PFX$i")")
	mkdir -p "$h/run"
	chmod 700 "$h" "$h/run"
	chown -R "$PFX$i:" "$h"
done
chmod 755 "$T/home"
ok 0 "$N users made ($PFX""1..$PFX$N)"

# payload of container I: a marker process named after I, marker files in
# /tmp and /dev/shm, then a waiting process (cls-wait-I) that the host ends
# once it sees all N waiting at the same moment; then what it sees, while
# the other containers still run. Its output goes to out/I.run.
# shellcheck disable=SC2016
PAYLOAD='i=$1
sh -c "sleep 300; :" "cls-mark-$i" &
echo x >/tmp/mark-$i; echo x >/dev/shm/mark-$i
sh -c "sleep 300; :" "cls-wait-$i"
echo "host $(hostname)"
echo "pid1 $(cat /proc/1/comm)"
for p in /proc/[0-9]*; do c=$(tr "\0" " " <$p/cmdline 2>/dev/null) && echo "proc ${p#/proc/} $c"; done
echo "mounts $(wc -l </proc/self/mountinfo)"
cut -d" " -f5 /proc/self/mountinfo | sed "s/^/mnt /"
for f in /tmp/* /dev/shm/*; do echo "file $f"; done'

# lesson of user I: lesson 2 (uts), K = 1 + I % 3 of its steps
lesson_script() {
	local k=$(($1 % 3 + 1))
	echo 'lesson start uts'
	echo 'unshare uts'
	[ $k -ge 2 ] && echo 'hostname lab'
	[ $k -ge 3 ] && echo 'unshare uts --hostname inner'
	echo 'lesson status'
}
# the progress line it must leave: K steps done; the third passes the last
# two as the script's end leaves both levels
lesson_want() {
	case $(($1 % 3 + 1)) in
	1) echo "lesson uts step 1 of 5 done 10000" ;;
	2) echo "lesson uts step 2 of 5 done 11000" ;;
	3) echo "lesson uts step 4 of 5 done 11111" ;;
	esac
}

# student I: wait for the start file, then the container and the lesson at
# once, as the user, in the user's own home, cache, runtime and state
student() {
	local i=$1 h=$T/home/$1 uid=${UIDS[$(($1 - 1))]}
	local as=(setpriv --reuid="$uid" --regid="$(id -g "$PFX$i")" --clear-groups
		env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME="$h" XDG_CACHE_HOME="$h/cache"
		XDG_RUNTIME_DIR="$h/run" XDG_STATE_HOME="$h/state" NSX_LESSONS="$T/lessons")
	lesson_script "$i" >"$T/out/$i.script"
	while [ ! -e "$T/go" ]; do sleep 0.01; done
	cd "$h" || exit 1
	"${as[@]}" "$T/nsx" run --hostname "cls-$i" -- sh -c "$PAYLOAD" payload "$i" \
		>"$T/out/$i.run" 2>"$T/out/$i.run-err" &
	"${as[@]}" "$T/nsx" <"$T/out/$i.script" >"$T/out/$i.lesson" 2>&1
	echo $? >"$T/out/$i.lesson-rc"
	wait $!
	echo $? >"$T/out/$i.run-rc"
}

JOBS=()
for ((i = 1; i <= N; i++)); do
	student "$i" &
	JOBS+=($!)
done
on_exit "kill ${JOBS[*]}"
sleep 0.5	# all of them at the barrier
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b - a }'; }
t0=$(date +%s.%N)
touch "$T/go"
# the barrier's other half: once all N containers wait (or after 150 s),
# end their waiting sleeps, each by its PID
waiters() { pgrep -f "^sh -c sleep 300; : cls-wait-"; }
all_wait() { [ "$(waiters | wc -l)" -ge "$N" ]; }
WAIT_TENTHS=1500 wait_cond all_wait
overlap=$(waiters | wc -l)
t_all=$(date +%s.%N)
# (and any that comes later, so that a slow one cannot hang the test)
release() {
	local w
	for w in $(waiters); do
		# shellcheck disable=SC2046
		kill $(cat /proc/"$w"/task/*/children 2>/dev/null) 2>/dev/null
	done
}
for j in "${JOBS[@]}"; do
	while kill -0 "$j" 2>/dev/null; do release; sleep 0.1; done
done
wait "${JOBS[@]}"
t1=$(date +%s.%N)
echo "# $N users, a container and a lesson each, all at once: all $overlap containers up after $(secs "$t0" "$t_all") s, all done after $(secs "$t0" "$t1") s (the rootfs built concurrently, once per user)"

# ---- every one succeeded, each saw only its own ----

bad_rc=() bad_host=() bad_proc=() bad_files=() bad_mounts=() bad_lesson=()
mnts1=$(grep '^mnt ' "$T/out/1.run")
for ((i = 1; i <= N; i++)); do
	o=$T/out/$i.run
	[ "$(cat "$T/out/$i.run-rc" 2>/dev/null)" = 0 ] && [ "$(cat "$T/out/$i.lesson-rc" 2>/dev/null)" = 0 ] ||
		bad_rc+=("$i: run $(cat "$T/out/$i.run-rc" 2>/dev/null) $(head -c 200 "$T/out/$i.run-err"), lesson $(cat "$T/out/$i.lesson-rc" 2>/dev/null)")
	grep -qx "host cls-$i" "$o" || bad_host+=("$i: $(grep '^host ' "$o")")
	# PID 1 is nsx-init; one marker, its own; a handful of processes: no
	# other container's payload
	marks=$(grep '^proc ' "$o" | grep -o 'cls-mark-[0-9]*' | tr '\n' ' ')
	nproc=$(grep -c '^proc ' "$o")
	if ! grep -qx "pid1 nsx-init" "$o" || [ "$marks" != "cls-mark-$i " ] || [ "$nproc" -gt 8 ]; then
		bad_proc+=("$i: $(grep '^pid1' "$o"), markers: $marks, $nproc processes")
	fi
	files=$(grep '^file ' "$o" | tr '\n' ' ')
	[ "$files" = "file /tmp/mark-$i file /dev/shm/mark-$i " ] || bad_files+=("$i: $files")
	# the same mount points in every container, none of the host's others
	[ "$(grep '^mnt ' "$o")" = "$mnts1" ] || bad_mounts+=("$i: $(grep '^mounts ' "$o")")
	got=$(grep '^lesson ' "$T/home/$i/state/nsx/progress" 2>/dev/null | cut -d' ' -f1-8)
	[ "$got" = "$(lesson_want "$i")" ] || bad_lesson+=("$i: '$got', want '$(lesson_want "$i")'")
done
diag() { local l; for l in "$@"; do echo "#   $l"; done | head -10; }
is "${#bad_rc[@]}" 0 "all $N containers and $N lessons exit 0"; diag "${bad_rc[@]}"
is "${#bad_host[@]}" 0 "each container has its own hostname (cls-I)"; diag "${bad_host[@]}"
is "${#bad_proc[@]}" 0 "each container sees only its own processes: PID 1 nsx-init, its own marker, no other's"; diag "${bad_proc[@]}"
is "${#bad_files[@]}" 0 "each container sees only its own marker files in /tmp and /dev/shm"; diag "${bad_files[@]}"
is "${#bad_mounts[@]}" 0 "each container has the same mounts, $(grep -c '^mnt ' "$T/out/1.run") of them, none of another"; diag "${bad_mounts[@]}"
is "$(grep -c '^mnt /$' "$T/out/1.run")" 1 "(and its own root among them)"
is "${#bad_lesson[@]}" 0 "each user's progress file records that user's own steps (1, 2 or all 5 of lesson 2)"; diag "${bad_lesson[@]}"
is "$overlap" "$N" "all $N containers ran at the same moment (waiting at once, seen from the host)"
is "$(hostname)" "$host" "the host's hostname is unchanged"

# ---- and nothing is left ----

pids_of_users() { local u; for u in "${UIDS[@]}"; do pgrep -u "$u"; done; }
no_user_procs() { [ -z "$(pids_of_users)" ]; }
wait_cond no_user_procs
is "$(pids_of_users | tr '\n' ' ')" "" "no process of the $N users is left"
is "$(cgroups)" "$cgroups_before" "no cgroup is left"
is "$(cat /proc/self/mountinfo)" "$mountinfo_before" "the host's mountinfo is as before"
# everything the users own is in their homes: no record, cache, socket or
# lock of theirs in the shared places
owned=()
for u in "${UIDS[@]}"; do owned+=(-o -uid "$u"); done
strays=$(find /tmp /var/tmp /dev/shm /run /var/cache /var/mail /dev/mqueue -xdev \( -false "${owned[@]}" \) \
	2>/dev/null | grep -v "^$T/" | head -5)
is "$strays" "" "no file of the users outside their temporary homes (no /tmp/nsx-UID, /run, /dev/shm records)"
ncache=$(ls -d "$T"/home/*/cache/nsx/rootfs/busybox-* 2>/dev/null | wc -l)
is "$ncache" "$N" "each user built the busybox rootfs in the own cache"
for ((i = 1; i <= N; i++)); do user_del "$PFX$i" || echo "# userdel $PFX$i failed"; done
is "$(getent passwd | grep -c "^$PFX")" 0 "the users are deleted"
is "$(etc_sums)" "$etc_before" "/etc/passwd, group, shadow, gshadow, subuid and subgid are exactly as before"

done_testing
