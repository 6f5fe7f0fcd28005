#!/bin/bash
# The viewer under process and namespace churn: a few hundred refreshes
# (0.1 s apart) on every screen while processes in new namespaces appear
# and vanish many times a second. It must end by itself with status 0 and
# (under make asan) with no sanitizer report. Processes that vanish in the
# middle of a scan are the case that must not crash.
. "$(dirname "$0")/lib.sh"

need_tmux || { done_testing; exit; }
need_root || { done_testing; exit; }
TMP=$(mktemp -d)
on_exit rm -rf "$TMP"
SOCK=nsxch$$
. "$(dirname "$0")/tmux.sh"

. "$(dirname "$0")/churn.sh"
churn_start "$TMP/churned"

ITER=${NSX_CHURN_ITER:-200}
ENV="env HOME=$TMP TERM=screen"
start=$(date +%s)
start_cmd "$ENV $NSX view --delay 0.1 --iterations $ITER 2>$TMP/err; echo rc=\$? >$TMP/rc; sleep 60" 120 30
wait_screen "^nsx view"
ok $? "the viewer runs under churn"
# every screen, the detail of whatever is selected, the filter and back
for k in 2 3 1 Enter Escape t t t / u Enter Escape 3 Down Down Enter; do
	keys "$k"
	sleep 0.3
done
WAIT_TENTHS=1200 wait_cond test -s "$TMP/rc"
is "$(cat "$TMP/rc" 2>/dev/null)" "rc=0" "$ITER refreshes under churn: the viewer ends by itself with status 0"
is "$(grep -cE 'AddressSanitizer|runtime error|LeakSanitizer' "$TMP/err")" 0 "no sanitizer report"
sed 's/^/#   stderr: /' "$TMP/err" | head -5
echo "# $ITER refreshes in $(($(date +%s) - start)) s"

done_testing
