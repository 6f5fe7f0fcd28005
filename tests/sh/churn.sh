# shellcheck shell=bash
# Process and namespace churn for the tests under churn (view-churn.t,
# ls-churn.t): short-lived processes in new uts, ipc and net namespaces,
# five at a time, started and gone many times a second. Source after lib.sh.

# churn_start FILE: start the churn in the background, stopped (by its PID)
# at exit; FILE counts the processes started so far. Sets CHURN to its PID.
churn_start() {
	local f=$1
	(
		n=0
		while :; do
			for _ in 1 2 3 4 5; do
				unshare --uts --ipc --net sleep 0.0$((RANDOM % 9 + 1)) &
			done
			wait
			n=$((n + 5))
			echo "$n" >"$f"
		done
	) </dev/null >/dev/null 2>&1 &
	CHURN=$!
	on_exit "kill $CHURN"
}
