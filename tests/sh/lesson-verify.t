#!/bin/bash
# `lesson verify` over every lesson in lessons/: each step's check must fail
# before its reference solution and hold after it. As root (scratch mount,
# network, UTS and IPC namespaces), then as an unprivileged user made here
# (the rootless lessons; the root ones are skipped). Afterwards the host has
# the same mounts, network interfaces and cgroups, and no process of the
# user is left.
. "$(dirname "$0")/lib.sh"

TOP=${NSX_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
need_root || { done_testing; exit; }

T=$(mktemp -d /tmp/nsx-lverify.XXXXXX)
chmod 755 "$T"
on_exit "rm -rf '$T'"
cp "$NSX" "$T/nsx"
cp -r "$TOP/lessons" "$T/lessons"
chmod -R a+rX "$T"
nlessons=$(ls "$TOP"/lessons/*.lesson | wc -l)
nroot=$(grep -l '^needs: root$' "$TOP"/lessons/*.lesson | wc -l)

cgroups() { find /sys/fs/cgroup -maxdepth 3 -name 'nsx*' -type d 2>/dev/null | sort; }
mounts_before=$(cut -d' ' -f5 /proc/self/mountinfo | sort)
links_before=$(ip -o link show | cut -d: -f2 | sort)
cgroups_before=$(cgroups)
# what run keeps (its cache, a normal user's records) must stay in verify's scratch
caches() { ls -d /var/cache/nsx /tmp/nsx-[0-9]* 2>/dev/null; }
caches_before=$(caches)

# one TAP line per lesson, from verify's "ok"/"FAILED"/"skipped" lines
report() {	# report WHO OUTPUT
	local line
	while IFS= read -r line; do
		case $line in
		"ok "*) ok 0 "$1: ${line#ok }" ;;
		FAILED*) ok 1 "$1: $line" ;;
		"skipped "*) echo "ok $((TAP_N += 1)) # SKIP $1: ${line#skipped }" ;;
		"        |"*) echo "# $line" ;;
		esac
	done <<<"$2"
}

out=$(cd "$T" && XDG_STATE_HOME=$T/root-state NSX_LESSONS=$T/lessons "$T/nsx" lesson verify 2>&1)
rc=$?
report root "$out"
is "$rc" 0 "as root: lesson verify exits 0"
like "$out" "$nlessons lessons verified, 0 failed" "as root: all $nlessons lessons ran"

is "$(cut -d' ' -f5 /proc/self/mountinfo | sort)" "$mounts_before" "the host's mounts are as before"
is "$(ip -o link show | cut -d: -f2 | sort)" "$links_before" "the host's network interfaces are as before"
is "$(cgroups)" "$cgroups_before" "no cgroup is left"

if ! command -v useradd >/dev/null; then
	skip "useradd is needed for the unprivileged run"
	done_testing; exit
fi
U=nsxl$$
useradd -M -N -s /bin/sh -d "$T" "$U" || { ok 1 "useradd $U"; done_testing; exit; }
on_exit "user_del '$U'"
# processes of the throwaway user only, each by its PID
on_exit 'for p in $(pgrep -u "$U"); do kill -KILL "$p"; done'
uid=$(id -u "$U")
mkdir -p "$T/user-state" && chown "$U" "$T/user-state"
out=$(cd "$T" && setpriv --reuid="$uid" --regid="$(id -g "$U")" --clear-groups \
	env HOME="$T" XDG_STATE_HOME="$T/user-state" NSX_LESSONS="$T/lessons" "$T/nsx" lesson verify 2>&1)
rc=$?
report "as $U" "$out"
is "$rc" 0 "as $U: lesson verify exits 0"
like "$out" "$((nlessons - nroot)) lessons verified, 0 failed" "as $U: the $((nlessons - nroot)) rootless lessons ran"
is "$(echo "$out" | grep -c '^skipped .*needs root')" "$nroot" "as $U: the $nroot root lessons are skipped, saying why"
# (the last ones may still be exiting: killed by their parent's death,
# reaped by init)
no_user_procs() { [ -z "$(pgrep -u "$U")" ]; }
wait_cond no_user_procs
is "$(pgrep -u "$U" -a)" "" "no process of $U is left"
is "$(cut -d' ' -f5 /proc/self/mountinfo | sort)" "$mounts_before" "the host's mounts are still as before"
is "$(caches)" "$caches_before" "no cache or record directory of run is left outside the scratch"

done_testing
