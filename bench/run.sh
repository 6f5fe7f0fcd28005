#!/bin/bash
# bench/run.sh: the cost of a whole container (issue 5, "Speed").
#   nsx run -- /bin/true      on the built-in busybox rootfs, against
#   bwrap --unshare-all --bind ROOTFS / --proc /proc --dev /dev /bin/true
#   crun run (the same rootfs as an OCI bundle, /bin/true)
#   unshare --mount --uts --ipc --pid --net --fork /bin/true: the floor,
#     the same namespaces and the same program, no rootfs at all
# alternately in one run (the order turns every round), after WARM untimed
# runs of each. ROOTFS is the very tree nsx runs on (its cache). Run by
# `make bench`, as root. See bench/README.md.
#
# Environment: ROUNDS (40) timed runs of each command, WARM (5), NSX (./nsx).
set -u
cd "$(dirname "$0")/.." || exit 1

ROUNDS=${ROUNDS:-40}
WARM=${WARM:-5}
NSX=${NSX:-./nsx}
GOAL_BWRAP=1.0
GOAL_CRUN=0.35

die() { echo "bench/run.sh: $*" >&2; exit 1; }
say() { printf '%s\n' "$*" >&2; }

[ "$(id -u)" = 0 ] || die "must run as root: crun needs it (sudo make bench)"
# crun 1.8 refuses hybrid cgroup hosts (v1 controllers and a cgroup2 mount
# with controllers: "drop all controllers from cgroupv2"). Then the whole
# benchmark, all three sides, runs in a private mount namespace without the
# cgroup2 mount; none of the three makes a cgroup here.
if [ -z "${NSX_BENCH_INNER:-}" ] && grep -q . /sys/fs/cgroup/unified/cgroup.controllers 2>/dev/null &&
	[ "$(stat -f -c %T /sys/fs/cgroup)" = tmpfs ]; then
	say "  (hybrid cgroups: running in a mount namespace without /sys/fs/cgroup/unified, for crun)"
	exec unshare -m --propagation private env NSX_BENCH_INNER=1 \
		sh -c 'umount -l /sys/fs/cgroup/unified && exec "$0" "$@"' "$0" "$@"
fi
for c in bwrap crun "${CC:-cc}"; do
	command -v "$c" >/dev/null || die "'$c' not found (make deps installs bubblewrap and crun)"
done
[ -x "$NSX" ] || die "$NSX is not built: run make"
[[ $ROUNDS =~ ^[0-9]+$ && $ROUNDS -ge 5 ]] || die "ROUNDS must be a number >= 5"

TMP=
cleanup() {
	local st=$?
	trap - EXIT INT TERM HUP
	[ -n "$TMP" ] && crun --root "$TMP/crun-state" delete -f "nsxbench$$" >/dev/null 2>&1
	[ -n "$TMP" ] && rm -rf "$TMP"
	exit "$st"
}
. "$(dirname "$0")/stats.sh"
bench_traps

TMP=$(mktemp -d /tmp/nsx-bench-run.XXXXXX) || { TMP=; die "mktemp failed"; }
bench_build timeit
TIMEIT=build/bench/timeit
cp "$NSX" "$TMP/nsx" || die "cannot copy $NSX"
NSX=$TMP/nsx
# nsx's own cache, so that the run is nsx's warm path on a tree we know
export NSX_CACHE_DIR=$TMP/cache NSX_STATE_DIR=$TMP/state
mkdir -p "$NSX_CACHE_DIR"
"$NSX" run -- /bin/true || die "nsx run -- /bin/true failed"
ROOTFS=$(ls -d "$NSX_CACHE_DIR"/rootfs/busybox-* 2>/dev/null | head -1)
export ROOTFS
[ -x "$ROOTFS/bin/true" ] || die "no built-in rootfs in $NSX_CACHE_DIR"

# the crun bundle: crun's default spec, on the same tree, running /bin/true
BUNDLE=$TMP/bundle
mkdir -p "$BUNDLE" "$TMP/crun-state"
(cd "$BUNDLE" && crun spec) || die "crun spec failed"
# /bin/true on the rootfs, read-only, no terminal, no cgroup mount or limits
perl -MJSON::PP -0777 -i -pe '
	my $c = decode_json($_);
	$c->{root} = { path => $ENV{ROOTFS}, readonly => JSON::PP::true };
	$c->{process}{args} = ["/bin/true"];
	$c->{process}{terminal} = JSON::PP::false;
	$c->{mounts} = [ grep { $_->{destination} ne "/sys/fs/cgroup" } @{ $c->{mounts} } ];
	delete $c->{linux}{resources};
	$_ = JSON::PP->new->pretty->encode($c);' "$BUNDLE/config.json" || die "cannot edit the crun spec"
# no cgroup: nsx makes none without limits, bwrap never does
CRUN=(crun --cgroup-manager=disabled --root "$TMP/crun-state" run --bundle "$BUNDLE" "nsxbench$$")
BWRAP=(bwrap --unshare-all --bind "$ROOTFS" / --proc /proc --dev /dev /bin/true)
# what no container runtime can beat: the kernel making the namespaces and
# running the same busybox, with no rootfs, /proc, /dev or anything else
FLOOR=(unshare --mount --uts --ipc --pid --net --fork "$ROOTFS/bin/true")

# all three must really run the command in the rootfs
"$NSX" run -- /bin/sh -c 'test -x /bin/busybox && test ! -e /work' || die "nsx does not run in the rootfs"
"${BWRAP[@]:0:9}" /bin/sh -c 'test -x /bin/busybox' || die "bwrap does not run in the rootfs"
"${CRUN[@]}" </dev/null || die "crun run failed: see its message above"

run() {	# run TAG CMD...: one timed run appended to $TMP/TAG
	local tag=$1 out
	shift
	out=$("$TIMEIT" "$@" 2>"$TMP/err" </dev/null) || die "timeit failed on: $*"
	[ "${out##* }" = 0 ] || die "'$*' exited with status ${out##* }: $(cat "$TMP/err")"
	[ "$tag" = - ] || echo "${out% *}" >>"$TMP/$tag"
}


t_start=$SECONDS
load_start=$(cut -d' ' -f1-3 /proc/loadavg)
say "  nsx run vs bwrap vs crun, /bin/true: $ROUNDS rounds each, alternately"
for ((r = 0; r < WARM; r++)); do
	run - "$NSX" run -- /bin/true; run - "${BWRAP[@]}"; run - "${CRUN[@]}"; run - "${FLOOR[@]}"
done
for ((r = 1; r <= ROUNDS; r++)); do
	case $((r % 3)) in
	0) run nsxrun "$NSX" run -- /bin/true; run bwrap "${BWRAP[@]}"; run crun "${CRUN[@]}" ;;
	1) run bwrap "${BWRAP[@]}"; run crun "${CRUN[@]}"; run nsxrun "$NSX" run -- /bin/true ;;
	2) run crun "${CRUN[@]}"; run nsxrun "$NSX" run -- /bin/true; run bwrap "${BWRAP[@]}" ;;
	esac
	run floor "${FLOOR[@]}"
done
[ -z "$(ls -A "$NSX_STATE_DIR" 2>/dev/null)" ] || die "nsx left container records behind"

n=$(med "$TMP/nsxrun"); b=$(med "$TMP/bwrap"); c=$(med "$TMP/crun"); f=$(med "$TMP/floor")
rb=$(div "$n" "$b"); rc=$(div "$n" "$c")
cpu=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)
commit=$(git describe --always --dirty 2>/dev/null || echo unknown)
{
	echo
	echo "nsx run vs $(bwrap --version) and $(crun --version | head -1), /bin/true on the built-in busybox rootfs,"
	echo "medians of $ROUNDS alternating runs after $WARM warm-up, wall time"
	echo "machine: $(nproc) CPUs ($cpu), Linux $(uname -r), nsx $commit, $(date -u +%Y-%m-%d)"
	echo "load average: $load_start at the start, $(cut -d' ' -f1-3 /proc/loadavg) at the end"
	echo
	printf '%-28s %8s %8s %8s\n' "" "wall ms" "usr ms" "sys ms"
	printf '%-28s %8s %8s %8s\n' "nsx run -- /bin/true" "$n" "$(med "$TMP/nsxrun" 2)" "$(med "$TMP/nsxrun" 3)"
	printf '%-28s %8s %8s %8s\n' "bwrap --unshare-all ..." "$b" "$(med "$TMP/bwrap" 2)" "$(med "$TMP/bwrap" 3)"
	printf '%-28s %8s %8s %8s\n' "crun run" "$c" "$(med "$TMP/crun" 2)" "$(med "$TMP/crun" 3)"
	printf '%-28s %8s %8s %8s\n' "floor: unshare (no rootfs)" "$f" "$(med "$TMP/floor" 2)" "$(med "$TMP/floor" 3)"
	echo
	printf 'nsx / bwrap %s (pair median %s), goal <= %s: %s\n' "$rb" "$(pairmed "$TMP/nsxrun" "$TMP/bwrap")" \
		"$GOAL_BWRAP" "$(verdict "$rb" "$GOAL_BWRAP")"
	printf 'nsx / crun  %s (pair median %s), goal <= %s: %s\n' "$rc" "$(pairmed "$TMP/nsxrun" "$TMP/crun")" \
		"$GOAL_CRUN" "$(verdict "$rc" "$GOAL_CRUN")"
	printf 'floor / crun %s: the namespaces and the exec alone, with no rootfs, /proc or /dev\n' "$(div "$f" "$c")"
	echo
	echo "(bench/run.sh took $((SECONDS - t_start)) s)"
}
