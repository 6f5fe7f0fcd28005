#!/bin/bash
# VM matrix (tests/vm): `lesson verify` of the cgroup lessons on this
# kernel: lesson 8 (limits that bite, as root) and cgroup-ns (its rootless
# variant) as root, and cgroup-ns as a normal user whose login runs in a
# subtree delegated as systemd does it. Each step's check must fail before
# its solution and hold after it; no cgroup is left.
. "$(dirname "$0")/../sh/lib.sh"
. "$(dirname "$0")/vmlib.sh"

TOP=${NSX_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
need_root || { done_testing; exit; }
T=$(mktemp -d /tmp/nsx-vm-ls.XXXXXX)
chmod 755 "$T"
on_exit "rm -rf '$T'"
cp -r "$TOP/lessons" "$T/lessons"
chmod -R a+rX "$T"
cgroups() { find /sys/fs/cgroup -maxdepth 6 -name 'nsx*' -type d 2>/dev/null | sort; }
before=$(cgroups)

verify() {	# verify WHO LESSON [PREFIX...]: lesson verify LESSON, as PREFIX says
	local who=$1 l=$2 out
	shift 2
	out=$(cd "$T" && "$@" env HOME="$T" XDG_STATE_HOME="$T/state-$who" NSX_LESSONS="$T/lessons" \
		"${NSXB:-$NSX}" lesson verify "$l" 2>&1)
	is "$(printf '%s\n' "$out" | sed -n '$p')" "1 lesson verified, 0 failed" \
		"$who: lesson verify $l ($(printf '%s\n' "$out" | grep -Eo '^ok +[^:]+' | tr -s ' '))"
	[ "${out#ok}" != "$out" ] || printf '%s\n' "$out" | sed 's/^/#   /' | head -20
}

echo "# as root"
verify root 8
verify root cgroup-ns
is "$(cgroups)" "$before" "as root: no cgroup is left"

test_user xv$$ "$T" || { done_testing; exit; }
mkdir -p "$T/state-$U" && chown "$U" "$T/state-$U"
echo "# as $U"
if [ -f /sys/fs/cgroup/cgroup.subtree_control ]; then
	delegate "$U" && scope session
	ok $? "a delegated subtree for $U: $SCOPE"
	verify "$U" cgroup-ns in_scope "${AS[@]}"
else
	verify "$U" cgroup-ns "${AS[@]}"
fi
no_user_procs() { [ -z "$(pgrep -u "$U")" ]; }
wait_cond no_user_procs
is "$(pgrep -u "$U" -a)" "" "no process of $U is left"
done_testing
