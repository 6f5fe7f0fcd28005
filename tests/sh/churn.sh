# shellcheck shell=bash
# Process and namespace churn for the tests under churn (view-churn.t,
# ls-churn.t): short-lived processes in new uts and ipc namespaces (some in
# new net namespaces too) started and gone hundreds of times a second, by
# churn.c compiled here; without a C compiler, a slower shell loop of
# `unshare --uts --ipc --net`. Source after lib.sh.

# churn_start FILE: start the churn in the background, stopped (by its PID)
# at exit; FILE counts the processes started so far (the helper is compiled
# beside FILE). Sets CHURN to its PID.
churn_start() {
	local f=$1 bin
	bin=$(dirname "$f")/churn
	if ${CC:-cc} -O2 -o "$bin" "$(dirname "${BASH_SOURCE[0]}")/churn.c" 2>/dev/null; then
		"$bin" "$f" </dev/null >/dev/null 2>&1 &
	else
		(
			n=0
			while :; do
				for _ in 1 2 3 4 5; do
					unshare --uts --ipc --net sleep 0.0$((RANDOM % 9 + 1)) &
				done
				wait
				n=$((n + 5))
				echo "$n" >"$f.new" && mv -f "$f.new" "$f"
			done
		) </dev/null >/dev/null 2>&1 &
	fi
	CHURN=$!
	on_exit "kill $CHURN"
}
