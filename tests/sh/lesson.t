#!/bin/bash
# The lesson engine on the fixture lessons (tests/fixtures/lessons): lint,
# start, the re-check after every command, hints and solution, a planned
# failure explained, progress kept across restarts, reset from a nested
# level, report, and bad input (broken lesson, unknown lesson, no lesson,
# a damaged progress file, a root lesson for a normal user).
. "$(dirname "$0")/lib.sh"

TOP=${NSX_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
T=$(mktemp -d /tmp/nsx-lesson.XXXXXX)
chmod 755 "$T"
on_exit "rm -rf '$T'"
export XDG_STATE_HOME=$T/state
export NSX_LESSONS=$TOP/tests/fixtures/lessons
P=$XDG_STATE_HOME/nsx/progress
# like, on the output as one line: a pattern may span lines
flike() { like "$(printf '%s' "$1" | tr '\n' ' ')" "$2" "$3"; }

# ---- lint ----

out=$("$NSX" lesson lint "$TOP"/lessons/*.lesson 2>&1)
is "$?" 0 "every lesson in lessons/ passes lint"
is "$(echo "$out" | grep -c ': ok, ')" "$(ls "$TOP"/lessons/*.lesson | wc -l)" "lint says ok for each of them"
n=$(ls "$TOP"/lessons/*.lesson | wc -l)
ok $((n < 14)) "at least 14 lessons ($n)"

B=$TOP/tests/fixtures/lessons-broken/01-broken.lesson
err=$("$NSX" lesson lint "$B" 2>&1 >/dev/null)
is "$?" 1 "lint of a broken lesson exits 1"
like "$err" "01-broken.lesson:2: needs: 'sometimes' \(expected root or rootless\)" "lint: a bad needs, with its line"
like "$err" "01-broken.lesson:3: unknown key 'colour:' \(expected one of: title" "lint: an unknown key, with its line and the keys expected"
like "$err" "01-broken.lesson:5: step 1: check: unknown check 'frob'" "lint: an unknown check, at its step's line"
like "$err" "01-broken.lesson:9: step 2: check: ns-new: 'bogus' is not a namespace type" "lint: a bad argument of a check"
like "$err" "01-broken.lesson:12: 'solution:' is one line" "lint: a continued one-line key"
like "$err" "step 1 has no 'solution:'" "lint: a step without a solution"
like "$err" "step 2 has no 'hint:'" "lint: a step without a hint"
like "$err" "no 'objective:'" "lint: a missing objective"
is "$(echo "$err" | wc -l)" 8 "lint reports all eight errors at once"

printf '%s\n' 'title: t' 'objective: o' 'needs: rootless' 'check: ns-new uts' 'step: s' \
	'check: contains /x "a && b" && ns-new uts' 'hint: h' 'solution: unshare uts' >"$T/05-early.lesson"
err=$("$NSX" lesson lint "$T/05-early.lesson" 2>&1)
is "$err" "$T/05-early.lesson:4: 'check:' belongs in a step (after a 'step:' line)" \
	"lint: a step's key before the first step (and && inside quotes is no separator)"

# the engine refuses the broken lesson with the same first message; the
# others still work
out=$(NSX_LESSONS=$TOP/tests/fixtures/lessons-broken:$NSX_LESSONS "$NSX" lesson start broken 2>&1)
is "$?" 1 "start of a broken lesson fails"
like "$out" "is broken: .*01-broken.lesson:2: needs: 'sometimes'.*8 errors; 'lesson lint" "start says what is wrong and how to see all of it"
out=$(NSX_LESSONS=$TOP/tests/fixtures/lessons-broken:$NSX_LESSONS "$NSX" lesson list 2>&1)
like "$out" "broken: .*01-broken.lesson" "list marks the broken lesson"
like "$out" " 1 demo +rootless" "list still shows the good ones"
ok "$(test ! -e "$P"; echo $?)" "a refused start saved no progress"

# ---- bad input: one line, exit 1, nothing changed ----

fails "no lesson 'nosuch' \(see 'lesson list'\)" lesson start nosuch
fails "no lesson is started \('lesson list', then 'lesson start 1'\)" lesson check
fails "no lesson is started" lesson hint
fails "--lessons /nonexistent: not a directory" lesson --lessons /nonexistent list
fails "start takes one argument" lesson start
fails "unknown subcommand 'frobnicate'" lesson frobnicate

# ---- a lesson, step by step, as a script ----

out=$(printf '%s\n' 'lesson start demo' 'false' 'unshare uts' 'hostname lab1' \
	'lesson status' | "$NSX" 2>&1)
flike "$out" "== Lesson 1: Demo: a hostname of your own" "start shows the lesson's title"
flike "$out" "step 1 of 3: Open a UTS namespace" "and its first step"
flike "$out" "Expected: 'false' failed here.*planned-failure explanation" "a planned failure is explained when it happens"
flike "$out" "Step 1 of 3 done: Open a UTS namespace" "unshare uts passes step 1 by itself"
flike "$out" "Step 2 of 3 done: Name it" "hostname lab1 in the level passes step 2"
flike "$out" "step 3 of 3: Back to the start.*started at level 0; you are at level 1" "step 3 is shown; status knows where the lesson started"
flike "$out" "you are at level 1 .*Step 3 of 3 done.*Lesson 1 \(demo\) complete" "the script's end leaves the level: back at the start, step 3 holds"
like "$(cat "$P")" "lesson demo step 2 of 3 done 111 " "the progress file has it"
isnt "$(hostname)" lab1 "the host's hostname is untouched"
like "$("$NSX" lesson list)" "demo +rootless ✓✓✓" "list shows three done steps"

# half way, then a new nsx: the progress is still there
out=$(printf '%s\n' 'lesson start demo' 'unshare uts' | "$NSX" 2>&1)
flike "$out" "Step 1 of 3 done" "step 1 again"
out=$(printf 'lesson status\n' | "$NSX" 2>&1)
like "$out" "step 2 of 3: Name it" "a restarted nsx continues at step 2"
out=$(printf '%s\n' 'unshare uts' 'hostname lab1' | "$NSX" 2>&1)
flike "$out" "Step 2 of 3 done: Name it" "and its checks go on there"

# ---- a wrong command: the check fails, hints, then the solution ----

out=$(printf '%s\n' 'lesson start demo' 'unshare ipc' 'lesson check' 'lesson hint' 'lesson hint' \
	'lesson hint' 'lesson hint' 'lesson solution' | "$NSX" 2>&1)
unlike() { like "$(printf '%s' "$1" | grep -Ec -- "$2")" '^0$' "$3"; }
unlike "$out" "Step 1 of 3 done" "a wrong namespace type does not pass step 1"
like "$out" "Not yet: the uts namespace is still the one the lesson started in" "check says what is wrong"
like "$out" "'lesson hint' gives a hint \(3 left\)" "and offers a hint"
flike "$out" "Hint 1 of 3:.*nsx command.*Hint 2 of 3:.*Hint 3 of 3:.*unshare uts" "hints come in order"
like "$out" "No more hints for this step: 'lesson solution'" "after the last hint, the solution is offered"
flike "$out" "A solution for step 1 \(Open a UTS namespace\): +unshare uts" "the solution"
like "$(cat "$P")" "lesson demo step 0 of 3 done 111 hints 400 fails 1 " "hints, solution and the failed check are recorded"

# ---- reset from two levels down ----

out=$(printf '%s\n' 'lesson start demo' 'unshare uts' 'hostname lab1' 'touch $NSX_LAB/junk' \
	'unshare ipc' 'lesson reset' 'levels' 'lesson status' 'ls -A $NSX_LAB' | "$NSX" 2>&1)
like "$out" "Leaving 2 levels to where the lesson started" "reset leaves the lesson's levels"
like "$out" "Lesson 1 \(demo\) is reset" "and says it is reset"
like "$out" "differs from the start: nothing" "the shell is back at the start level"
like "$out" "step 1 of 3: Open a UTS namespace" "at step 1"
ok "$(test -z "$(ls -A "$XDG_STATE_HOME/nsx/lab/demo")"; echo $?)" "the lab is empty"

# ---- report ----

csv=$("$NSX" lesson report --csv)
is "$(echo "$csv" | sed -n 1p)" "USER,LESSON,DONE,STEPS,HINTS,FAILS,COMPLETE,UPDATED" "report --csv: the header"
like "$(echo "$csv" | sed -n 2p)" "^$(id -un),demo,0,3,0,0,false," "report --csv: the demo row (reset cleared it)"
json=$("$NSX" lesson report --json)
like "$json" '"lesson": "demo"' "report --json has the lesson"
like "$json" '"steps": 3' "report --json: numbers as numbers"
like "$json" '"complete": false' "report --json: a boolean"
flike "$("$NSX" lesson report "$P")" "LESSON +DONE.*demo" "report of a progress file given by path"
fails "not an nsx progress file" lesson report /etc/hostname
mkfifo "$T/report-fifo"
out=$(timeout 10 "$NSX" lesson report "$T/report-fifo" 2>&1)
is "$?" 1 "report of a FIFO (a student's trick) ends at once"
like "$out" "not a regular file" "and says why"

# ---- two sessions: a second nsx does not take the lesson's start over ----

mkfifo "$T/fifo"
"$NSX" <"$T/fifo" >"$T/a.out" 2>&1 &
A=$!
on_exit "kill $A 2>/dev/null"
exec 7>"$T/fifo"
echo 'lesson start demo' >&7
echo 'unshare uts' >&7
wait_cond grep -q "Step 1 of 3 done" "$T/a.out"
ok $? "session A: step 1 passes"
out=$("$NSX" lesson hint 2>&1; printf 'lesson status\n' | "$NSX" 2>&1)
like "$out" "Hint 1 of 1" "meanwhile a one-shot 'nsx lesson hint' and a second shell run"
echo 'hostname lab1' >&7
wait_cond grep -q "Step 2 of 3 done" "$T/a.out"
ok $? "session A: step 2 still passes (its start was not taken over)"
echo 'lesson status' >&7
wait_cond grep -q "started at level 0; you are at level 1" "$T/a.out"
ok $? "session A: the lesson still started at its level 0"
exec 7>&-
wait "$A"

# ---- the mystery process ----

out=$(printf '%s\n' 'lesson start secret' 'lesson status' | "$NSX" 2>&1)
like "$out" "a process named 'mystery' is running now" "setup: mystery says it started the process"
out=$(printf '%s\n' 'lesson start secret' '!kill -9 $NSX_MYSTERY_PID' 'sleep 0.5' 'lesson status' 'lesson' \
	'lesson status' | "$NSX" 2>&1)
flike "$out" "mystery process: not running.*a process named 'mystery' is running now.*mystery process: running" \
	"a killed mystery process is seen as gone, and 'lesson' starts it again"
# (it ends with the nsx that started it; verify runs the lesson through)

# ---- verify on the fixture lessons (the mystery, routes, a root lesson) ----

out=$(env -u NSX_LESSONS "$NSX" lesson --lessons "$NSX_LESSONS" verify 2>&1)
rc=$?
for l in 01-demo 03-secret 04-route; do
	like "$out" "^ok +$l: " "verify: $l"
done
if [ "$(id -u)" = 0 ]; then
	like "$out" "^ok +02-rooty: " "verify: 02-rooty, as root"
fi
is "$rc" 0 "verify of the fixture lessons exits 0"
out=$(cd "$T" && mkdir -p bad && cp "$TOP/tests/fixtures/lessons/01-demo.lesson" bad/01-demo.lesson &&
	sed -i 's/^solution: hostname lab1$/solution: hostname lab2/' bad/01-demo.lesson &&
	"$NSX" lesson --lessons "$T/bad" verify demo 2>&1)
is "$?" 1 "verify of a lesson whose solution is wrong exits 1"
like "$out" "FAILED +01-demo step 2 \(Name it\): the check fails after its solution: the hostname is 'lab2', not 'lab1'" \
	"and names the step and why"

# ---- no fd of the lesson engine leaks into programs ----

out=$(printf '%s\n' 'lesson start demo' 'unshare uts' '/bin/ls /proc/self/fd' | "$NSX" 2>&1)
is "$(echo "$out" | tail -4 | tr '\n' ' ')" "0 1 2 3 " "a program run during a lesson has only fds 0-2 (3 is ls's own)"

# ---- a damaged progress file ----

echo "garbage" >"$P"
out=$("$NSX" lesson status 2>&1)
like "$out" "progress was damaged: set aside as progress.bad, starting with no progress" "a damaged progress file is reported"
ok "$(test -e "$P.bad"; echo $?)" "and kept as progress.bad"
out=$(printf '%s\n' 'lesson start demo' 'lesson status' | "$NSX" 2>&1)
like "$out" "step 1 of 3" "nsx goes on with fresh progress"

# ---- as root: reset and a bind mount in the lab; a hostname with a blank ----

if [ "$(id -u)" = 0 ]; then
	mkdir -p "$T/victim" && echo keep >"$T/victim/file"
	out=$(unshare -m --propagation private sh -c "printf '%s\n' 'lesson start demo' \
		'mkdir \"\$NSX_LAB/my dir\"' 'mount --bind $T/victim \"\$NSX_LAB/my dir\"' 'lesson reset' | '$NSX'" 2>&1)
	like "$out" "is reset" "reset with a bind mount under the lab"
	is "$(cat "$T/victim/file" 2>&1)" keep "the bind-mounted directory's files are not deleted"
	out=$(unshare -u sh -c "hostname 'lab pc'; printf '%s\n' 'lesson start demo' 'unshare uts' 'hostname lab1' \
		'exit' 'lesson status' | '$NSX'" 2>&1)
	flike "$out" "Step 3 of 3 done" "a hostname with a blank is the start's again after exit"
else
	skip "needs root (mount, hostname)"
fi

# ---- a root lesson for a normal user ----

if [ "$(id -u)" = 0 ]; then
	H=$T/nobody
	mkdir -p "$H" && chown 65534:65534 "$H"
	out=$(cd / && setpriv --reuid=65534 --regid=65534 --clear-groups env XDG_STATE_HOME="$H" \
		NSX_LESSONS="$NSX_LESSONS" "$NSX" lesson start rooty 2>&1)
	is "$?" 1 "a root lesson started by a normal user fails"
	like "$out" "lesson 2 \(rooty\) needs root; as a normal user, take its rootless variant: lesson start demo" \
		"and offers the rootless variant"
else
	skip "needs root to become another user"
fi

done_testing
