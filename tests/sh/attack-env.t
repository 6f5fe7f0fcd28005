#!/bin/bash
# Attacks on root's nsx through the environment and files a student
# controls (issue 15, findings 4 and 8), as after `su` without -, `sudo -E`
# or env_keep: a throw-away student plants a script (NSX_BUSYBOX), a cache
# (NSX_CACHE_DIR), a state directory (NSX_STATE_DIR), lessons whose check
# and cleanup would leave a marker (NSX_LESSONS, --lessons), a progress
# file whose mystery line names a process of this test's (XDG_STATE_HOME,
# HOME), an inputrc (INPUTRC, HOME) and terminfo (TERMINFO, HOME); root
# runs nsx with each variable
# pointing there. Each is refused in one line naming the variable, what is
# wrong and what to do; no marker, the process alive, nothing written
# there. Root's own paths under mktemp -d still work. The production ./nsx
# ignores the test hooks (NSX_TEST_FAIL_AT, NSX_TEST_STOP_AT) that the test
# build obeys. Two students, each mapped to root by `unshare -Ur` with no
# XDG_RUNTIME_DIR, both run containers, each with records in a directory
# of their own host uid's; one pre-creating the other's gets the other a
# clear error, never access, and naming another's uid in NSX_HOST_UID
# gets no access either.
. "$(dirname "$0")/lib.sh"

need_root || { done_testing; exit; }

TOP=${NSX_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
# the production binary: ./nsx, what make and make install give
PROD=$TOP/nsx
[ -x "$PROD" ] || PROD=${NSX_BUILD:-$TOP/build}/nsx-prod
T=$(mktemp -d /tmp/nsx-attack-env.XXXXXX)
chmod 711 "$T"		# root's, and the students can reach their homes in it
on_exit "rm -rf '$T'"
R=$T/root		# root's own scratch
mkdir -m 700 "$R"
# root's nsx, with root's own cache and records unless a case says otherwise
ROOT_ENV=(env -u XDG_STATE_HOME -u NSX_LESSONS -u INPUTRC -u NSX_BUSYBOX -u NSX_TEST_FAIL_AT
	-u NSX_TEST_STOP_AT HOME="$R" NSX_CACHE_DIR="$R/cache" NSX_STATE_DIR="$R/state")

H=$T/xta		# student A's home
mkdir -m 755 "$H"
test_user xtenva "$H" || { done_testing; exit; }
A_ID=$ID A_AS=("${AS[@]}") A_NSX=$NSXB
chown "$A_ID:$GID" "$H"
as_a() { "${A_AS[@]}" "$@"; }

# refused LABEL REGEX CMD...: exit status not 0, and exactly one line on
# stderr matching REGEX (nsx's own trust message)
refused() {
	local label=$1 want=$2 out rc; shift 2
	out=$("$@" 2>&1 >/dev/null </dev/null)
	rc=$?
	if [ $rc != 0 ] && [ "$(printf '%s\n' "$out" | wc -l)" = 1 ] && printf '%s' "$out" | grep -Eq -- "$want"; then
		ok 0 "$label: refused (exit $rc): $out"
	else
		ok 1 "$label: refused in one line"
		printf '#   exit %s, stderr:\n' "$rc"; printf '%s\n' "$out" | sed 's/^/#     /' | head -5
	fi
}
WHY="as root, nsx only uses paths that root alone can change"
OWNED="$H is owned by uid $A_ID: $WHY"

# ---- NSX_BUSYBOX: a script the student wrote, which root would run ----
as_a sh -c "printf '#!/bin/sh\nid -u >>$H/marker-bb\necho sh\n' >$H/bb && chmod 755 $H/bb"
refused "NSX_BUSYBOX=student's script" "^nsx: run: NSX_BUSYBOX=$H/bb: $OWNED; unset it" \
	"${ROOT_ENV[@]}" NSX_BUSYBOX="$H/bb" "$NSX" run -- true
is "$(ls "$H" | grep -c marker)" 0 "... the script never ran (no marker)"
is "$(ls -A "$R/cache/rootfs" 2>/dev/null)" "" "... and nothing was built from it"
cp /bin/busybox "$R/bb"
is "$("${ROOT_ENV[@]}" NSX_BUSYBOX="$R/bb" "$NSX" run -- echo own-busybox 2>&1)" own-busybox \
	"root's own NSX_BUSYBOX under mktemp -d works"

# ---- NSX_CACHE_DIR: the student's directory (open to all) ----
as_a mkdir -m 777 "$H/cache"
refused "NSX_CACHE_DIR=student's directory" "^nsx: run: NSX_CACHE_DIR=$H/cache: $OWNED" \
	"${ROOT_ENV[@]}" NSX_CACHE_DIR="$H/cache" "$NSX" run -- true
is "$(ls -A "$H/cache")" "" "... nothing written there"
# a root directory in /tmp a student could have made first: only when it is there
on_exit "rm -rf /tmp/nsx-attack-missing-$$"
refused "NSX_CACHE_DIR=a missing name in /tmp" "does not exist, and group and others can make it first in /tmp" \
	"${ROOT_ENV[@]}" NSX_CACHE_DIR="/tmp/nsx-attack-missing-$$" "$NSX" run -- true
ln -s "$H/cache" "$R/cache-link"
refused "NSX_CACHE_DIR=root's symlink into the student's directory" "$OWNED" \
	"${ROOT_ENV[@]}" NSX_CACHE_DIR="$R/cache-link" "$NSX" run -- true
is "$(ls -A "$H/cache")" "" "... nothing written there"
is "$("${ROOT_ENV[@]}" "$NSX" run -- echo own-cache 2>&1)" own-cache \
	"root's own NSX_CACHE_DIR and NSX_STATE_DIR under mktemp -d work"

# ---- NSX_STATE_DIR: root would make its records directory in the student's ----
as_a mkdir -m 777 "$H/st"
refused "NSX_STATE_DIR=in the student's directory" "^nsx: run: NSX_STATE_DIR=$H/st/records: $OWNED" \
	"${ROOT_ENV[@]}" NSX_STATE_DIR="$H/st/records" "$NSX" run --name xtenv -- true
refused "nsx ps, NSX_STATE_DIR=in the student's directory" "NSX_STATE_DIR=$H/st/records: $OWNED" \
	"${ROOT_ENV[@]}" NSX_STATE_DIR="$H/st/records" "$NSX" ps
is "$(ls -A "$H/st")" "" "... nothing written there"

# ---- NSX_LESSONS, --lessons: a lesson whose check and cleanup run as root ----
as_a mkdir "$H/lessons"
as_a sh -c "cat >$H/lessons/01-evil.lesson" <<EOF
title: Evil
objective: Run something as root.
needs: root
cleanup: touch $H/marker-cleanup

step: Anything
check: sh touch $H/marker-check
hint: none
solution: true
EOF
mkdir -m 700 "$R/xdg"
L_ENV=("${ROOT_ENV[@]}" XDG_STATE_HOME="$R/xdg")
refused "NSX_LESSONS=student's lessons: lesson start" "^nsx: lesson: NSX_LESSONS=$H/lessons: $OWNED" \
	"${L_ENV[@]}" NSX_LESSONS="$H/lessons" "$NSX" lesson start evil
refused "NSX_LESSONS=student's lessons: lesson list" "NSX_LESSONS=$H/lessons: $OWNED" \
	"${L_ENV[@]}" NSX_LESSONS="$H/lessons" "$NSX" lesson list
refused "--lessons student's lessons: lesson verify" "^nsx: lesson: --lessons $H/lessons: $OWNED; use a directory" \
	"${L_ENV[@]}" "$NSX" lesson --lessons "$H/lessons" verify evil
"${L_ENV[@]}" NSX_LESSONS="$H/lessons" "$NSX" -c 'lesson check; lesson reset' >/dev/null 2>&1
is "$(ls "$H" | grep -c marker)" 0 "... no check or cleanup line ran (no marker)"
is "$(find "$R/xdg" -name 'progress*')" "" "... and no lesson was started"
# a lesson file root does not own alone, in root's own directory
mkdir -m 755 "$R/lessons"
cp "$TOP"/tests/fixtures/lessons/01-demo.lesson "$R/lessons/"
cp "$H/lessons/01-evil.lesson" "$R/lessons/05-evil.lesson"
chmod 664 "$R/lessons/05-evil.lesson"
refused "a group-writable lesson file in root's directory" \
	"^nsx: lesson: lesson $R/lessons/05-evil.lesson: $R/lessons/05-evil.lesson is writable by its group \(mode 0664\): $WHY" \
	"${L_ENV[@]}" NSX_LESSONS="$R/lessons" "$NSX" lesson start evil
is "$("${L_ENV[@]}" NSX_LESSONS="$R/lessons" "$NSX" lesson start demo 2>&1 | grep -c 'Open a UTS namespace')" 1 \
	"root's own lessons under mktemp -d: lesson start works"

# ---- XDG_STATE_HOME, HOME: a progress file whose mystery is a process of ours ----
sleep 1000 &
VICTIM=$!
on_exit "kill $VICTIM"
start=$(sed 's/.*) //' "/proc/$VICTIM/stat" | cut -d' ' -f20)
ns=$(for t in cgroup ipc mnt net pid time user uts; do stat -Lc %i "/proc/$VICTIM/ns/$t" 2>/dev/null || echo 0; done | paste -sd' ')
plant() {	# plant DIR: a progress file there naming the victim as the mystery process
	as_a mkdir -p "$1"
	as_a sh -c "printf 'nsx-progress 1\ncurrent demo\nmystery %s %s s3cret %s\n' $VICTIM $start '$ns' >'$1/progress'"
}
plant "$H/xdg/nsx"
sum=$(cat "$H/xdg/nsx/progress" | md5sum)
refused "XDG_STATE_HOME=student's: lesson start" "^nsx: lesson: XDG_STATE_HOME=$H/xdg: $OWNED; unset it" \
	"${ROOT_ENV[@]}" XDG_STATE_HOME="$H/xdg" NSX_LESSONS="$R/lessons" "$NSX" lesson start demo
plant "$H/.local/state/nsx"
refused "HOME=student's: lesson start" "^nsx: lesson: HOME=$H: $OWNED; run nsx with root's own HOME" \
	"${ROOT_ENV[@]}" HOME="$H" NSX_LESSONS="$R/lessons" "$NSX" lesson start demo
refused "HOME=student's: lesson reset" "HOME=$H: $OWNED" \
	"${ROOT_ENV[@]}" HOME="$H" NSX_LESSONS="$R/lessons" "$NSX" lesson reset
kill -0 "$VICTIM"
ok $? "... the process the progress named is alive"
is "$(cat "$H/xdg/nsx/progress" | md5sum)|$(ls -A "$H/xdg/nsx" "$H/.local/state/nsx" | paste -sd' ')" \
	"$sum|$H/.local/state/nsx: progress  $H/xdg/nsx: progress" "... the progress files untouched, nothing added"

# ---- the interactive shell: history (HOME, XDG_STATE_HOME) and INPUTRC ----
# a terminal, so that readline would read the files (script(1) gives one)
repl() { timeout -s KILL 20 script -qec "$*" /dev/null </dev/null 2>&1 | tr -d '\r'; }
as_a sh -c "echo 'set editing-mode vi' >$H/inputrc"
like "$(repl "${ROOT_ENV[*]} HOME=$H TERM=dumb $NSX")" "^nsx: HOME=$H: $OWNED" \
	"REPL with HOME=student's: refused (history, ~/.inputrc)"
like "$(repl "${ROOT_ENV[*]} INPUTRC=$H/inputrc TERM=dumb $NSX")" "^nsx: INPUTRC=$H/inputrc: $OWNED" \
	"REPL with INPUTRC=student's: refused"
as_a mkdir -p "$H/terminfo/x"
like "$(repl "${ROOT_ENV[*]} TERMINFO=$H/terminfo TERM=xterm $NSX view")" "^nsx: view: TERMINFO=$H/terminfo: $OWNED" \
	"view with TERMINFO=student's: refused (what terminfo holds is written to root's terminal)"
like "$(repl "${ROOT_ENV[*]} HOME=$H TERM=xterm $NSX view")" "^nsx: view: HOME=$H: $OWNED" \
	"view with HOME=student's: refused (~/.terminfo)"
is "$(ls -A "$H/.local/state/nsx")" progress "... no history written in the student's directory"
like "$(printf 'exit\n' | timeout -s KILL 20 script -qec "${ROOT_ENV[*]} INPUTRC=/dev/null TERM=dumb $NSX" /dev/null 2>&1)" \
	"nsx# " "REPL with root's own HOME under mktemp -d and INPUTRC=/dev/null: starts"
[ -f "$R/.local/state/nsx/history" ]
ok $? "... its history is in root's HOME"

# ---- test hooks: the test build obeys them, the production ./nsx does not ----
is "$("${ROOT_ENV[@]}" NSX_TEST_FAIL_AT=pivot "$NSX" run -- echo ran 2>&1; echo "rc=$?")" \
	"nsx: run: pivot: injected failure (NSX_TEST_FAIL_AT)
rc=125" "the test build (\$NSX) fails a run at NSX_TEST_FAIL_AT=pivot"
is "$("${ROOT_ENV[@]}" NSX_TEST_FAIL_AT=pivot "$PROD" run -- echo ran 2>&1; echo "rc=$?")" "ran
rc=0" "the production nsx ($PROD) ignores NSX_TEST_FAIL_AT: the run succeeds"
is "$("${ROOT_ENV[@]}" NSX_CACHE_DIR="$R/cold" NSX_TEST_FAIL_AT=rootfs "$PROD" run -- echo ran 2>&1)" ran \
	"... and NSX_TEST_FAIL_AT=rootfs: a cold cache is built"
is "$("${ROOT_ENV[@]}" NSX_TEST_FAIL_AT=nope "$PROD" run -- echo ran 2>&1)" ran \
	"... and takes no value as an error"
is "$("${ROOT_ENV[@]}" NSX_TEST_STOP_AT=pivot timeout -s KILL 30 "$PROD" run -- echo ran 2>&1; echo "rc=$?")" "ran
rc=0" "... nor stops at NSX_TEST_STOP_AT"

# ---- root's own records: never where a student could be first ----
# /dev/shm is everyone's: a directory a student makes there first (root's
# records went to /dev/shm/nsx-run where /run is no tmpfs) must not shut
# root out; root's records are in /run/nsx, which only root can make
if [ ! -e /dev/shm/nsx-run ]; then
	as_a mkdir -m 700 /dev/shm/nsx-run && on_exit "rm -rf /dev/shm/nsx-run"
fi
out=$(env -u NSX_STATE_DIR -u XDG_RUNTIME_DIR "${ROOT_ENV[@]/#NSX_STATE_DIR=*/NSX_STATE_DIR=}" \
	"$NSX" run -- echo ran 2>&1)
is "$out" ran "root's run works with a student's /dev/shm/nsx-run in place"
is "$(stat -c '%u %a' /run/nsx 2>&1)" "0 700" "... root's records are in /run/nsx, root's alone"
is "$(find /dev/shm/nsx-run -mindepth 1 2>/dev/null | wc -l)" 0 "... nothing of root's in the student's directory"

# ---- two students, each mapped to root (unshare -Ur): records by host uid ----
mkdir -m 755 "$T/xtb"
test_user xtenvb "$T/xtb" || { done_testing; exit; }
B_ID=$ID B_AS=("${AS[@]}") B_NSX=$NSXB
chown "$B_ID:$GID" "$T/xtb"
# the uids are new: a directory of that name is a deleted user's leftover
rm -rf "/tmp/nsx-$A_ID" "/tmp/nsx-$B_ID"
on_exit "rm -rf /tmp/nsx-$A_ID /tmp/nsx-$B_ID"
zero_before=$(stat -c %u /tmp/nsx-0 2>/dev/null || echo none)
# (where nsx is broken, a student may make /tmp/nsx-0: that goes too)
on_exit "case \$(stat -c %u /tmp/nsx-0 2>/dev/null) in $A_ID|$B_ID) rm -rf /tmp/nsx-0;; esac"
# as a student, in a user namespace of their own, no XDG_RUNTIME_DIR
mapped() {	# mapped A|B [unshare-args] -- nsx-args...
	local who=$1 args=(); shift
	while [ "$1" != -- ]; do args+=("$1"); shift; done; shift
	if [ "$who" = A ]; then
		"${A_AS[@]}" env -u XDG_RUNTIME_DIR -u NSX_STATE_DIR -u NSX_CACHE_DIR -u XDG_CACHE_HOME -u NSX_HOST_UID \
			HOME="$T/xta" "${args[@]}" unshare -Ur "$A_NSX" "$@"
	else
		"${B_AS[@]}" env -u XDG_RUNTIME_DIR -u NSX_STATE_DIR -u NSX_CACHE_DIR -u XDG_CACHE_HOME -u NSX_HOST_UID \
			HOME="$T/xtb" "${args[@]}" unshare -Ur "$B_NSX" "$@"
	fi
}
is "$(mapped A -- run -- id -u 2>&1)" 0 "student A, mapped root: nsx run works"
is "$(mapped B -- run -- id -u 2>&1)" 0 "student B, mapped root: nsx run works too"
is "$(stat -c '%u %a' "/tmp/nsx-$A_ID" "/tmp/nsx-$B_ID" 2>&1 | paste -sd' ')" "$A_ID 700 $B_ID 700" \
	"... each with records in /tmp/nsx-HOSTUID, owned by that uid (0700)"
is "$(stat -c %u /tmp/nsx-0 2>/dev/null || echo none)" "$zero_before" "... not in a shared /tmp/nsx-0"
# A pre-creates B's directory: B gets a clear error, and nothing of B's goes there
rm -rf "/tmp/nsx-$B_ID"
as_a mkdir -m 777 "/tmp/nsx-$B_ID"
refused "student B, when A made /tmp/nsx-$B_ID first: run" \
	"^nsx: run: /tmp/nsx-$B_ID belongs to another user \(uid [0-9]+ here\), who made it first: nsx will not use it; set XDG_RUNTIME_DIR or NSX_STATE_DIR" \
	mapped B -- run -- true
refused "... and nsx ps outside a user namespace" "/tmp/nsx-$B_ID belongs to another user \(uid $A_ID here\)" \
	"${B_AS[@]}" env -u XDG_RUNTIME_DIR -u NSX_STATE_DIR HOME="$T/xtb" "$B_NSX" ps
is "$(ls -A "/tmp/nsx-$B_ID")" "" "... nothing of B's is written there"
is "$(mapped B XDG_RUNTIME_DIR="$T/xtb" -- run -- echo ok 2>&1)" ok "... B's own XDG_RUNTIME_DIR works"
# NSX_HOST_UID naming another student: one level down the uid_map wins; two
# levels down (where only an outer nsx could know) B's directory is refused
rm -rf "/tmp/nsx-$B_ID"
mapped B -- ps >/dev/null 2>&1
mapped A NSX_HOST_UID="$B_ID" -- run --name xtenv-a -- true
is "$?|$(ls -A "/tmp/nsx-$B_ID")|$(stat -c %u "/tmp/nsx-$B_ID")" "0||$B_ID" \
	"A with NSX_HOST_UID=B's uid, one level down: A's own directory, B's untouched"
refused "A with NSX_HOST_UID=B's uid, two levels down: B's directory refused" \
	"/tmp/nsx-$B_ID belongs to another user" \
	"${A_AS[@]}" env -u XDG_RUNTIME_DIR -u NSX_STATE_DIR HOME="$T/xta" NSX_HOST_UID="$B_ID" \
	unshare -Ur unshare -Ur "$A_NSX" ps
is "$(ls -A "/tmp/nsx-$B_ID")" "" "... nothing of A's written there"

done_testing
