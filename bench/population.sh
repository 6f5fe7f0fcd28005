# shellcheck shell=bash
# The population of sleeping processes the scan benchmarks run on
# (bench/population.c: every 10th in its own uts+ipc namespaces, every 50th
# also net, every 100th also user+pid). Sourced by bench/ls.sh,
# bench/view.sh and bench/scale.sh, which define die and say, set LIFETIME
# (the sleepers die by themselves after that many seconds) and TMP (their
# temporary directory), build build/bench/population, and install cleanup
# (below) as their exit trap with bench_traps.

LEADERS=()	# population leaders: each is its own session and process group
nprocs_now=	# processes running before the population (population_fits)

count_procs() { local p=(/proc/[0-9]*); echo ${#p[@]}; }
group_list() { local IFS=,; echo "${LEADERS[*]}"; }

# population_fits BIG: die unless BIG sleepers fit. Every 100th sleeper also
# has an unshare parent: BIG*1.01 processes, plus what is already running,
# must fit under pid_max, threads-max and RLIMIT_NPROC (raised when it can
# be), and their namespaces under the user.max_*_namespaces limits.
population_fits() {
	local big=$1 need pid_max threads_max t f
	nprocs_now=$(count_procs)
	need=$((big + big / 100 + 100))
	pid_max=$(cat /proc/sys/kernel/pid_max)
	threads_max=$(cat /proc/sys/kernel/threads-max)
	[ $((nprocs_now + need)) -lt "$pid_max" ] ||
		die "$big processes do not fit under kernel.pid_max=$pid_max ($nprocs_now running): sysctl -w kernel.pid_max=$((4 * need)) or use a smaller population"
	[ $((nprocs_now + need)) -lt "$threads_max" ] ||
		die "$big processes do not fit under kernel.threads-max=$threads_max"
	ulimit -u unlimited 2>/dev/null || [ "$(ulimit -u)" = unlimited ] || [ "$(ulimit -u)" -gt $((nprocs_now + need)) ] ||
		die "RLIMIT_NPROC ($(ulimit -u)) is too low for $big processes"
	for t in user:100 pid:100 net:50 uts:10 ipc:10; do
		f=/proc/sys/user/max_${t%:*}_namespaces
		[ -r "$f" ] || continue
		[ "$(cat "$f")" -gt $((big / ${t#*:} + 200)) ] ||
			die "$f=$(cat "$f") is too low for $((big / ${t#*:})) ${t%:*} namespaces"
	done
}

# sleepers FROM TO: start processes FROM..TO in a new group; wait until all
# of them sleep in their namespaces. Nothing when TO < FROM.
sleepers() { sleepers_start "$1" "$2" && sleepers_wait; }

PENDING=()	# leader:count:from of the groups sleepers_wait waits for

# sleepers_start FROM TO: start processes FROM..TO in a new group, without
# waiting (several groups fork side by side; sleepers_wait waits for all)
sleepers_start() {
	local from=$1 to=$2 leader
	[ "$to" -ge "$from" ] || return 0
	build/bench/population "$from" "$to" "$LIFETIME" >"$TMP/pop.$from" 2>&1 </dev/null &
	leader=$!
	LEADERS+=("$leader")
	PENDING+=("$leader:$((to - from + 1)):$from")
}

# sleepers_wait: until every group started since the last wait sleeps
sleepers_wait() {
	local p leader want from have t0=$SECONDS
	for p in "${PENDING[@]}"; do
		IFS=: read -r leader want from <<<"$p"
		while :; do
			have=$(pgrep -c -x -g "$leader" sleep)
			[ "$have" -ge "$want" ] && break
			kill -0 "$leader" 2>/dev/null || die "population leader died: $(cat "$TMP/pop.$from")"
			[ $((SECONDS - t0)) -lt "${POP_TIMEOUT:-180}" ] ||
				die "population: only $have of $want sleepers after ${POP_TIMEOUT:-180} s"
			sleep 0.2
		done
	done
	PENDING=()
	sleep 1	# let fork/exec/namespace teardown of the helpers settle
}

# population_remove: end the population, by its leaders' pids (each kills
# its children by pid, reaps them and exits); what is still in their
# process groups after 30 s is killed by group. Returns 1 when processes of
# the groups are left.
population_remove() {
	local g left
	[ ${#LEADERS[@]} -gt 0 ] || return 0
	say "removing the population (process groups $(group_list))"
	for g in "${LEADERS[@]}"; do kill -TERM "$g" 2>/dev/null; done
	# a few seconds for 8000 on a busy machine
	for _ in $(seq 300); do
		pgrep -g "$(group_list)" >/dev/null || break
		sleep 0.1
	done
	# last resort: whatever is still in our groups, by process group
	if pgrep -g "$(group_list)" >/dev/null; then
		for g in "${LEADERS[@]}"; do kill -KILL -- -"$g" 2>/dev/null; done
		sleep 1
	fi
	wait "${LEADERS[@]}" 2>/dev/null
	left=$(pgrep -c -g "$(group_list)")
	if [ "$left" -gt 0 ]; then
		say "bench/${0##*/}: $left processes of groups $(group_list) are still there"
		return 1
	fi
	say "population removed: $(count_procs) processes now, $nprocs_now before"
	LEADERS=()
	return 0
}

# cleanup: the benchmarks' exit trap (bench_traps in stats.sh): the
# population goes, then $TMP; a failure to remove the population fails the run
# shellcheck disable=SC2317 # called by the traps
cleanup() {
	local st=$?
	trap - EXIT INT TERM HUP
	population_remove || { [ "$st" = 0 ] && st=1; }
	[ -n "$TMP" ] && rm -rf "$TMP"
	exit "$st"
}
