#!/bin/bash
# doctor (issue 4): one line per item, the kernel line, the eight types, and
# every namespace verdict agrees with what util-linux unshare(1) does as the
# same user; exit status 1 exactly when a line FAILs; no process left behind,
# nothing changed on the host.
. "$(dirname "$0")/lib.sh"

TMPD=$(mktemp -d /tmp/nsx-test.XXXXXX)
on_exit "rm -rf '$TMPD'"
types="cgroup ipc mnt net pid time user uts"
AS_NOBODY=(setpriv --reuid=65534 --regid=65534 --clear-groups)

# unshare(1)'s option for an nsx type name
uflag() { [ "$1" = mnt ] && echo --mount || echo "--$1"; }

# run_doctor TAG [PREFIX...]: output in $TMPD/TAG.out/.err, status in .rc
run_doctor() {
	local tag=$1; shift
	"$@" "$NSX" doctor >"$TMPD/$tag.out" 2>"$TMPD/$tag.err" </dev/null
	echo $? >"$TMPD/$tag.rc"
}

# shape WHO TAG: the checks every run must pass
shape() {
	local who=$1 tag=$2 out rc bad long fails t
	out=$(cat "$TMPD/$tag.out"); rc=$(cat "$TMPD/$tag.rc")
	bad=$(grep -Ev '^(ok    |info  |warn  |FAIL  )[^ ]' "$TMPD/$tag.out")
	is "$bad" "" "$who: every line is 'ok|info|warn|FAIL  finding'"
	ok $(( $(wc -l <"$TMPD/$tag.out") >= 18 ? 0 : 1 )) "$who: one line per check ($(wc -l <"$TMPD/$tag.out") lines)"
	# (but the cgroup limits line, which quotes run's own error)
	long=$(awk 'length > 200 && !/^[a-z]+ +cgroup limits: .* refuses: / || length > 800' "$TMPD/$tag.out")
	is "$long" "" "$who: no line longer than 200 characters (cgroup limits: as long as run's error)"
	is "$(cat "$TMPD/$tag.err")" "" "$who: nothing on stderr"
	like "$(grep -E '^[a-zA-Z]+ +kernel ' "$TMPD/$tag.out")" "kernel $(uname -r | sed 's/[.+]/\\&/g')( |:)" \
		"$who: the kernel line names uname -r"
	for t in $types; do
		is "$(grep -Ec "^[a-zA-Z]+ +ns $t: " "$TMPD/$tag.out")" 1 "$who: one line for ns $t"
	done
	fails=$(grep -c '^FAIL' "$TMPD/$tag.out")
	is "$rc" "$([ "$fails" -gt 0 ] && echo 1 || echo 0)" "$who: exit status $rc with $fails FAIL lines"
}

# agree WHO TAG [PREFIX...]: for each type the verdict matches unshare(1)
# run as the same user, alone and (for non-root) with a user namespace
agree() {
	local who=$1 tag=$2 t line want got; shift 2
	for t in $types; do
		line=$(grep -E "^[a-zA-Z]+ +ns $t: " "$TMPD/$tag.out")
		if "$@" unshare "$(uflag $t)" true 2>/dev/null; then want=works; else want=fails; fi
		got=$(printf '%s' "$line" | grep -Eo 'unshare (works|fails)' | head -1)
		is "$got" "unshare $want" "$who: ns $t: '$line' agrees with unshare $(uflag $t)"
		[ "$want" = fails ] && [ "$who" != root ] && [ $t != user ] || continue
		if "$@" unshare --user "$(uflag $t)" true 2>/dev/null; then
			like "$line" "with a user namespace works" "$who: ns $t with a user namespace: agrees with unshare --user $(uflag $t)"
		else
			like "$line" "needs root|unavailable" "$who: ns $t with a user namespace: agrees with unshare --user $(uflag $t) (fails)"
		fi
	done
}

# userns_agrees WHO TAG: the unprivileged user namespace line matches what
# unshare -r (unshare, uid_map, setgroups, gid_map) does as uid 65534
userns_agrees() {
	local who=$1 tag=$2 line
	line=$(grep -E '^[a-zA-Z]+ +unprivileged user namespaces' "$TMPD/$tag.out")
	if "${AS_NOBODY[@]}" unshare -r true 2>/dev/null; then
		like "$line" "^ok +unprivileged user namespaces: .* work as uid 65534$" \
			"$who: user namespaces usable as uid 65534, as unshare -r finds"
	else
		like "$line" "^FAIL +unprivileged user namespaces \\(uid 65534\\): .* fails: E[A-Z]+ \\(fix: " \
			"$who: user namespaces refused, as unshare -r finds, with the step and a fix"
		skip "unprivileged user namespaces are disabled on this machine"
	fi
}

sysctls() {
	cat /proc/sys/user/max_*_namespaces /proc/sys/kernel/unprivileged_userns_clone \
		/proc/sys/kernel/apparmor_restrict_unprivileged_userns 2>/dev/null
}

before=$(sysctls)

if need_root; then
	# in its own session, so that any process it left would be found
	setsid -w sh -c 'echo $$ >"$1"; exec "$2" doctor' sh "$TMPD/sid" "$NSX" \
		>"$TMPD/root.out" 2>"$TMPD/root.err" </dev/null
	echo $? >"$TMPD/root.rc"
	is "$(cat "$TMPD/root.rc")" 0 "root: exit 0 (every namespace type works here)"
	shape root root
	agree root root
	userns_agrees root root
	is "$(pgrep -s "$(cat "$TMPD/sid")" | paste -sd' ')" "" "root: no process of doctor's session is left"
	# the lines for root: no subuid needed, as root unshare works alone
	like "$(grep -E '^[a-z]+ +/etc/subuid' "$TMPD/root.out")" "^(ok|info) " \
		"root: /etc/subuid is no problem for root"
fi

# A real failure: the kernel refuses CLONE_NEWUSER in a chroot. In a private
# mount namespace (gone when its processes are), / is bound onto a directory
# and doctor runs chrooted there, next to unshare(1) in the same place.
if [ "$(id -u)" = 0 ]; then
	mkdir "$TMPD/root"
	unshare --mount --propagation private sh -c '
		mount --rbind / "$1/root" || exit 9
		chroot "$1/root" sh -c "
			\"\$1\" doctor >\"\$2/chroot.out\" 2>\"\$2/chroot.err\" </dev/null
			echo \$? >\"\$2/chroot.rc\"
			unshare --user true 2>/dev/null; echo \$? >\"\$2/chroot.unshare\"
		" sh "$2" "$1"' sh "$TMPD" "$NSX"
	if [ -s "$TMPD/chroot.rc" ]; then
		shape chroot chroot
		is "$(cat "$TMPD/chroot.unshare")" 1 "chroot: unshare --user fails there too"
		like "$(grep -E '^[a-zA-Z]+ +ns user: ' "$TMPD/chroot.out")" \
			"^FAIL +ns user: unshare fails as root \\(EPERM\\) \\(fix: run nsx outside any chroot" \
			"chroot: ns user FAILs with EPERM and the fix"
		like "$(grep -E '^[a-zA-Z]+ +unprivileged user namespaces' "$TMPD/chroot.out")" \
			"^FAIL +unprivileged user namespaces \\(uid 65534\\): unshare\\(CLONE_NEWUSER\\) fails: EPERM \\(fix: " \
			"chroot: the user namespace probe names the failing step"
		is "$(cat "$TMPD/chroot.rc")" 1 "chroot: exit status 1"
		like "$(grep -E '^[a-zA-Z]+ +ns uts: ' "$TMPD/chroot.out")" "^ok +ns uts: unshare works" \
			"chroot: the other types still work"
	else
		ok 1 "could not run doctor in a chroot"
	fi
fi

if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null; then
	run_doctor nobody "${AS_NOBODY[@]}"
	rc=$(cat "$TMPD/nobody.rc")
	ok $(( rc == 0 || rc == 1 ? 0 : 1 )) "nobody: doctor runs (exit $rc)"
	shape nobody nobody
	agree nobody nobody "${AS_NOBODY[@]}"
	userns_agrees nobody nobody
	like "$(grep -E '^[a-z]+ +ns user: ' "$TMPD/nobody.out")" "^ok +ns user: unshare works as nobody$" \
		"nobody: unshare of a user namespace works without privilege"
	like "$(grep -E '^[a-zA-Z]+ +cgroup limits: ' "$TMPD/nobody.out")" "^(ok|warn|info) " \
		"nobody: a cgroup delegation line"
elif [ "$(id -u)" != 0 ]; then
	run_doctor user
	shape "uid $(id -u)" user
	agree "uid $(id -u)" user
else
	skip "setpriv (util-linux) is needed to test as nobody"
fi

is "$(sysctls)" "$before" "no sysctl changed"

"$NSX" doctor extra >"$TMPD/bad.out" 2>"$TMPD/bad.err"
is "$?:$(cat "$TMPD/bad.out"):$(cat "$TMPD/bad.err")" \
	"1::nsx: doctor: unexpected argument 'extra' (doctor takes none)" "doctor extra: one error line, exit 1"
like "$("$NSX" help doctor)" "Examples:" "help doctor has examples"

done_testing
