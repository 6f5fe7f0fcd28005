#!/bin/bash
# VM matrix (tests/vm): nsx run as a normal user on this kernel. With a
# subordinate ID range (--uid-map/--gid-map through newuidmap and
# newgidmap): the maps, root inside, the writable layer (overlayfs in a user
# namespace: Linux 5.11; before, / read-only with one line saying why); its
# upper layer on disk where tmpfs keeps no user.* xattrs (Linux < 6.6), so
# that a directory of the image can be removed: private, gone after the
# run (also what a subordinate uid owns in it), swept after nsx is killed;
# with the cache on a tmpfs there, one line saying what fails. With
# a cgroup subtree delegated as systemd does it (user@UID.service owned by
# the user, the login's shell in app.slice/shell.scope): limits as the
# user, nsx alone in its cgroup and nsx beside the shell (its cgroup
# beside the shell's scope, swept there), doctor saying what run does, and
# where the parent is not the user's, one line saying so.
. "$(dirname "$0")/../sh/lib.sh"
. "$(dirname "$0")/vmlib.sh"

need_root || { done_testing; exit; }
command -v newuidmap >/dev/null || { skip "newuidmap is needed (uidmap)"; done_testing; exit; }
user_home rl xv$$ || { done_testing; exit; }
subids "$U"
# as the user, in its own home, with its own cache and records
as() { (cd "$T" && "${AS[@]}" env HOME="$T" XDG_CACHE_HOME="$T/cache" XDG_RUNTIME_DIR= "$@"); }

# ---- subordinate IDs ----

# podman's maps: root inside is the user, IDs from 1 on the user's range
MAPS=(--uid-map "0:$ID:1" --uid-map "1:$BASE:65536" --gid-map "0:$GID:1" --gid-map "1:$BASE:65536")
out=$(as "$NSXB" run "${MAPS[@]}" -- /bin/sh -c 'id -u; cat /proc/self/uid_map; mkdir /dev/shm/d &&
	chown 500:500 /dev/shm/d && stat -c %u:%g /dev/shm/d' 2>"$T/err")
is "$?" 0 "--uid-map/--gid-map through newuidmap and newgidmap: the container runs"
is "$(echo "$out" | sed -n 1p)" 0 "root inside"
like "$(echo "$out" | sed -n 2,3p | tr -s ' ' | paste -sd'|')" "^ ?0 $ID 1\| ?1 $BASE 65536$" \
	"uid_map: the user as root, then the user's subordinate range"
is "$(echo "$out" | sed -n 4p)" "500:500" "an ID of the range is usable inside (chown 500:500)"

# the layer: overlayfs in a user namespace from Linux 5.11 on (userxattr);
# the command's errors go to its stdout, nsx's notes alone to stderr
write='{ echo w >/written && cat /written; rm -rf /etc && mkdir /etc && echo rmdir-ok; } 2>&1'
out=$(as "$NSXB" run "${MAPS[@]}" -- /bin/sh -c "$write" 2>"$T/err")
if kernel_ge 5 11; then
	is "$(echo "$out" | sed -n 1p)|$(cat "$T/err")" "w|" "the user's container can write in /, no note"
	# tmpfs keeps user.* xattrs from Linux 6.6 on: before, overlayfs cannot
	# mark a directory opaque (overlayfs: failed to set xattr on upper), and
	# removing a directory of the image would fail with EIO: the upper
	# layer is on disk there
	is "$(echo "$out" | sed -n '$p')" "rmdir-ok" "... and remove a directory of the image"
else
	like "$(cat "$T/err")" "^nsx: run: note: overlay refused in a user namespace \(Linux 5.11 allows it\): the container's / is read-only" \
		"Linux < 5.11: / is read-only, with one line saying why"
	is "$(wc -l <"$T/err")" 1 "... one line"
	fallback "a read-only / (no overlayfs in a user namespace before Linux 5.11), said in one line"
fi

# ---- the layer on disk (Linux 5.11 to 6.5) ----

L=$T/cache/nsx/layers
layer() { ls -d "$L"/.tmp-* 2>/dev/null; }
if kernel_ge 5 11; then
	# a container that gives a subordinate uid a directory, then waits
	as "$NSXB" run "${MAPS[@]}" -- /bin/sh -c 'echo w >/written && mkdir /sub && echo s >/sub/f &&
		chown -R 500:500 /sub && chmod 700 /sub && echo started && sleep 3' >"$T/out" 2>"$T/err" &
	run=$!
	on_exit "kill -KILL $run"
	WAIT_TENTHS=300 wait_cond grep -q started "$T/out"
	d=$(layer)
	if kernel_ge 6 6; then
		is "$(ls -A "$d/upper" 2>&1)" "" "Linux 6.6+: tmpfs keeps user.* xattrs, the layer is a tmpfs (nothing on disk)"
	else
		is "$(cat "$d/upper/written" 2>&1)" "w" "Linux < 6.6: the container's layer is on disk, in the user's cache"
		is "$(stat -c '%a %u' "$d" "$d/upper/sub" 2>&1 | paste -sd' ')" "700 $ID 700 $((BASE + 499))" \
			"... private (0700, the user's); its files as the container made them (a subordinate uid's)"
		fallback "the layer on disk in the user's cache (tmpfs keeps no user.* xattrs before Linux 6.6)"
	fi
	wait $run
	is "$?:$(cat "$T/err")" "0:" "the run ends well, no note"
	is "$(layer)" "" "... and its layer is gone, the subordinate uid's directory too"

	# nsx killed: what it leaves, the next run sweeps (after 2 s: one that
	# young may be a run's on its way to its lock)
	as sh -c 'echo $$ >"$1"; exec env NSX_TEST_STOP_AT=clone "$2" run -- true' sh "$T/lost.pid" "$NSXB" 2>"$T/err" &
	WAIT_TENTHS=300 wait_cond grep -q "stopped before step 'clone'" "$T/err"
	d=$(layer)
	like "$d" "^$L/\.tmp-" "a run stopped before its clone has its layer on disk ($d)"
	kill -KILL "$(cat "$T/lost.pid")"
	wait
	sleep 3	# the sweep's grace is in whole seconds (now - mtime > 2)
	as "$NSXB" run -- true
	is "$(ls -d "$d" 2>/dev/null)" "" "nsx killed: the next run sweeps its layer"

	# the cache on a tmpfs too (/tmp): nothing keeps the marks before 6.6
	TC=$(mktemp -d /tmp/nsx-vm-rlc.XXXXXX)
	on_exit "rm -rf '$TC'"
	chown "$U" "$TC"
	out=$(as env XDG_CACHE_HOME="$TC" "$NSXB" run -- /bin/sh -c 'rm -rf /etc 2>&1; echo rc=$?' 2>"$T/err")
	if kernel_ge 6 6; then
		is "$out|$(cat "$T/err")" "rc=0|" "Linux 6.6+: with the cache on a tmpfs, a directory of the image can go"
	else
		like "$(cat "$T/err")" "^nsx: run: note: no directory of the image can be removed in this container \(EIO\): tmpfs keeps no user.\* xattrs before Linux 6.6, and $TC/nsx does not keep user.\* xattrs \(Operation not supported\)$" \
			"Linux < 6.6, the cache on a tmpfs: one line says what fails and why"
		like "$(echo "$out" | paste -sd' ')" "Input/output error.* rc=1$" "... as it does (EIO)"
	fi
fi

# ---- a delegated cgroup subtree ----

if [ ! -f /sys/fs/cgroup/cgroup.subtree_control ]; then
	skip "no cgroup v2 at /sys/fs/cgroup to delegate a subtree of"
	done_testing; exit
fi
delegate "$U"
ok $? "a delegated subtree: $DELEG"
forks='/bin/sh -c "i=0; while [ \$i -lt 30 ]; do sleep 5 & i=\$((i + 1)); done; echo forked" 2>&1'

# nsx alone in a scope of its own (systemd-run --user --scope nsx run ...)
scope run1
out=$(in_scope user "exec '$NSXB' run --pids 10 -- $forks")
is "$?" 2 "nsx alone in a delegated scope: --pids 10: the fork loop's shell fails (2)"
like "$out" "can't fork" "... on a fork (sh: can't fork)"
scope run2
out=$(in_scope user "exec '$NSXB' run --memory 16m -- dd if=/dev/zero of=/dev/null bs=64M count=1")
is $? 137 "... --memory 16m: an OOM kill (137)"
like "$out" "^nsx: run: the container's memory limit \(16M\) was reached: the kernel killed 1 process in it \(OOM\)" \
	"... said in one line"

# nsx beside the shell that started it, the scope's parent (app.slice) the
# user's: the container's cgroup goes beside the scope. A process of the
# user's stays in the scope throughout (the login's shell), so that an nsx
# exec'd there is never alone in it.

scope shell
bg login "exec sleep 900"
out=$(in_scope user "'$NSXB' run --pids 10 -- $forks; echo rc=\$?")
like "$(echo "$out" | paste -sd' ')" "can't fork.* rc=2$" "nsx beside the user's shell in its delegated scope: --pids 10 stops a fork loop"
is "$(in_scope user "'$NSXB' run --pids 10 --memory 32m -- cat /sys/fs/cgroup/pids.max /sys/fs/cgroup/memory.max" | nonote | paste -sd' ')" \
	"10 33554432" "... the limits are seen inside (cgroup2 mounted in the user's namespaces)"
bg side "exec '$NSXB' run --name side-$$ --pids 10 -- sleep 30"
# up: init and sleep in it
procs2() { [ "$(grep -c . "$DELEG/app.slice/nsx-side-$$/cgroup.procs" 2>/dev/null)" = 2 ]; }
WAIT_TENTHS=300 wait_cond procs2
is "$(find "$DELEG" -name "nsx-side-$$" -type d)" "$DELEG/app.slice/nsx-side-$$" \
	"... its cgroup is beside the shell's scope, in app.slice (cgroup v2's no internal processes rule)"
is "$(cat "$DELEG/app.slice/nsx-side-$$/pids.max" 2>&1)|$(cat "$SCOPE/cgroup.subtree_control")" "10|" \
	"... with its limit, and the shell's scope is left as it was (no controller enabled there)"
kill -TERM $side
WAIT_TENTHS=100 wait_cond gone $side
is "$(ls -d "$DELEG/app.slice/nsx-side-$$" 2>/dev/null)|$(nonote <"$T/side.err")" "|" \
	"... SIGTERM ends it, its cgroup goes with it"
# doctor, in the same place, says what run does
doc=$(in_scope user "'$NSXB' doctor" | grep -E '^[a-zA-Z]+ +cgroup limits: ')
like "$doc" "^ok +cgroup limits: memory pids cpu usable by $U \(nsx-NAME in $DELEG/app.slice\)$" \
	"doctor agrees with run there: $doc"

# a run killed after its cgroup step, its record lost: the user's next run
# beside the shell removes its cgroup from app.slice, and nothing else
mkdir -p "$T/ustate" && chown "$U" "$T/ustate" && chmod 700 "$T/ustate"
bg lost "NSX_STATE_DIR='$T/ustate' NSX_TEST_STOP_AT=clone exec '$NSXB' run --name lost-$$ --pids 10 -- true"
WAIT_TENTHS=300 wait_cond grep -q "stopped before step 'clone'" "$T/lost.err"
is "$(ls -d "$DELEG"/app.slice/nsx-lost-$$ 2>&1)" "$DELEG/app.slice/nsx-lost-$$" \
	"a run stopped after its cgroup step has its cgroup in app.slice"
sed 's/^/#   /' "$T/lost.err"
kill -KILL $lost
wait_cond gone $lost
rm -f "$T/ustate/lost-$$"
mkdir "$DELEG/app.slice/nsx-rootown-$$" && on_exit "rmdir '$DELEG/app.slice/nsx-rootown-$$'"
sleep 2.1
in_scope user "NSX_STATE_DIR='$T/ustate' '$NSXB' run -- true" >/dev/null
is "$(ls -d "$DELEG"/app.slice/nsx-*-$$ 2>/dev/null)" "$DELEG/app.slice/nsx-rootown-$$" \
	"the next run beside the shell sweeps app.slice: the lost cgroup goes, root's stays"

# the scope's parent not the user's: one line that says what is missing,
# the same from doctor; --limits=try runs without limits
mkdir -p "$DELEG/app.slice/ro.slice/other.scope" && chown "$U" "$DELEG/app.slice/ro.slice/other.scope"
echo "+pids +memory +cpu" >"$DELEG/app.slice/ro.slice/cgroup.subtree_control"
SCOPE=$DELEG/app.slice/ro.slice/other.scope
bg login2 "exec sleep 900"
out=$(in_scope user "'$NSXB' run --name n-$$ --memory 64m --pids 20 --cpus 0.5 -- echo ran; echo rc=\$?")
like "$(echo "$out" | paste -sd'|')" "^nsx: run: cgroup $SCOPE has processes besides nsx.*nor beside it: its parent is owned by uid 0, not by you.*; or --limits=try to run without them\|rc=125$" \
	"its parent root's: run exits 125 with one line saying what is missing"
why=$(echo "$out" | sed -n 1p | sed "s/^nsx: run: //; s/; or --limits=try to run without them\$//; s/nsx-n-$$/nsx-NAME/g")
doc=$(in_scope user "'$NSXB' doctor" | grep -E '^[a-zA-Z]+ +cgroup limits: ')
is "${doc#*refuses: }" "$why (fix: as it says, or run --limits=try to run without limits)" "... doctor says the same words"
out=$(in_scope user "'$NSXB' run --pids 20 --limits=try -- echo ran 2>&1; echo rc=\$?")
like "$(echo "$out" | nonote | paste -sd'|')" "^nsx: run: note: .*; running without limits \(--limits=try\)\|ran\|rc=0$" \
	"... --limits=try: a note, and the container runs"

is "$(find "$DELEG" -name 'nsx-*' ! -name "nsx-rootown-$$" | head -n 1)" "" "no cgroup of nsx is left in the subtree"
done_testing
