#!/bin/bash
# The layers of shared/CONVENTIONS.md, over src/'s #include lines (README,
# "Architecture"): each directory includes only its own layer and those
# below it:
#   sys       nothing of nsx's but sys/
#   util      sys/, util/
#   model     sys/, util/, model/
#   shared    cgroup/, net/: the above and their own directory
#   engines   level/, container/, lesson/, doctor/: the above, their own directory,
#             and another engine only through a small header named for
#             what it shares (SHARED below); never cmd/, repl/ or view/
#   front     cmd/, repl/, view/, main.c: anything
# A line that breaks a rule fails; the known exceptions (KNOWN: the
# structure issue's open items) are TODO lines, which prove reports when
# they start to pass, so that each one is removed with its fix.
. "$(dirname "$0")/lib.sh"
TOP=${NSX_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
cd "$TOP" || exit 1

# shared headers of one engine that another may include, and why
SHARED="level/userns.h level/idmap.h container/confine.h container/state.h container/unpack.h"
# level/userns.h: the user namespace quirks (unshare, run and doctor say
# the same line); level/idmap.h: uid/gid maps (levels, run and the image
# unpacker's jail write them); container/confine.h: what confines a container's
# processes, which `enter NAME` takes on (level.c); container/state.h: a
# container record's name, which a level entered by name keeps;
# container/unpack.h: what the image unpacker is held to (Landlock's ABI),
# which doctor reports

# FILE:HEADER: known, with the issue's item that removes it
KNOWN=""

layer_of() {
	case $1 in
	sys) echo 0 ;; util) echo 1 ;; model) echo 2 ;; cgroup|net) echo 3 ;;
	level|container|lesson|doctor) echo 4 ;;
	*) echo 5 ;;
	esac
}

n=0
while IFS=: read -r file inc; do
	from=${file#src/}
	from=${from%%/*}
	to=${inc%%/*}
	lf=$(layer_of "$from") lt=$(layer_of "$to")
	[ "$from" != "$to" ] || continue
	bad=""
	if [ "$lt" -gt "$lf" ]; then
		bad="$from/ is below $to/"
	elif [ "$lf" = "$lt" ] && [ "$lf" != 5 ] && ! [[ " $SHARED " == *" $inc "* ]]; then
		bad="$to/ is beside $from/ and $inc is not one of the engines' shared headers ($SHARED)"
	fi
	[ -n "$bad" ] || continue
	n=$((n + 1))
	why=$(printf '%s\n' "$KNOWN" | sed -n "s|^$file:$inc|&|p" | cut -d'|' -f2)
	if [ -n "$why" ]; then
		TODO=$why ok 1 "$file includes $inc: $bad"
	else
		ok 1 "$file includes $inc: $bad"
	fi
done < <(grep -o '^#include "[a-z]*/[a-z_]*\.h"' src/*/*.[ch] | sed 's/#include "\(.*\)"/\1/')

# every known exception is still there (else its line goes)
while IFS='|' read -r fi why; do
	[ -n "$fi" ] || continue
	grep -q "^#include \"${fi#*:}\"" "${fi%%:*}" 2>/dev/null
	ok $? "the known exception ${fi} is still there (remove it from KNOWN when it is fixed)"
done <<<"$KNOWN"

# the rules catch what they are for: a planted include of each kind
plant() {	# plant DIR HEADER: does the rule see DIR/x.c including HEADER?
	local from=$1 to=${2%%/*}
	[ "$(layer_of "$to")" -gt "$(layer_of "$from")" ] ||
		{ [ "$(layer_of "$from")" = "$(layer_of "$to")" ] && [ "$(layer_of "$from")" != 5 ] &&
			[ "$from" != "$to" ] && ! [[ " $SHARED " == *" $2 "* ]]; }
}
check "a model/ file including cmd/cmd.h breaks the rules" plant model cmd/cmd.h
check "a level/ file including repl/repl.h breaks them" plant level repl/repl.h
check "a lesson/ file including container/plan.h breaks them (an engine's inside)" plant lesson container/plan.h
check "a cgroup/ file including net/net.h breaks them (beside it)" plant cgroup net/net.h
check "a net/ file including level/level.h breaks them (above it)" plant net level/level.h
check "a sys/ file including util/err.h breaks them" plant sys util/err.h
! plant container level/userns.h
ok $? "a container/ file including level/userns.h (shared) keeps them"
! plant lesson cgroup/cgroup.h
ok $? "a lesson/ file including cgroup/cgroup.h (below it) keeps them"
! plant cmd container/plan.h
ok $? "a cmd/ file including anything keeps them"
echo "# $n include lines break a rule"
done_testing
