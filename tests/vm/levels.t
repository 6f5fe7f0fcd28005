#!/bin/bash
# VM matrix (tests/vm): levels with every namespace type on this kernel
# (cgroup ipc mnt net pid time user uts: a new one at the level, the old
# one back after exit, and `unshare all`), as root and as a normal user
# (who gets a user namespace too). The tests are unshare.t's, in
# tests/sh/levels.sh.
. "$(dirname "$0")/../sh/lib.sh"
. "$(dirname "$0")/../sh/levels.sh"

need_root || { done_testing; exit; }
TMPD=$(mktemp -d /tmp/nsx-vm-lv.XXXXXX)
chmod 755 "$TMPD"
on_exit "rm -rf '$TMPD'"

echo "# as root"
ROOT=1
levels_every_type

test_user xv$$ "$TMPD" || { done_testing; exit; }
echo "# as $U"
# the same tests through a wrapper that runs the user's copy as the user
printf '#!/bin/sh\ncd "%s" && exec %s env HOME="%s" "%s" "$@"\n' "$TMPD" "${AS[*]}" "$TMPD" "$NSXB" >"$TMPD/as-user"
chmod 755 "$TMPD/as-user"
NSX=$TMPD/as-user ROOT=0
levels_every_type
done_testing
