# Levels with every namespace type, sourced by unshare.t and by the VM
# matrix's tests/vm/levels.t: each type makes a new namespace at a new level
# (a command, and a level of a script that `levels` lists) and the level
# before keeps its own. The caller sets TMPD (scratch), NSX (the nsx to run:
# a wrapper that runs it as another user will do) and ROOT (1 when that nsx
# runs as root: a normal user's levels get a user namespace too).
types="cgroup ipc mnt net pid time user uts"

# newset TYPE...: what a level of those types lists as new, in table order
# (a normal user's levels get a user namespace too)
newset() {
	local t out=
	for t in $types; do
		case " $* " in
		*" $t "*) ;;
		*) [ "$ROOT" = 0 ] && [ "$t" = user ] || continue ;;
		esac
		out="$out${out:+,}$t"
	done
	echo "$out"
}

# run NAME ARGS...: nsx ARGS, stdout/stderr/status in $TMPD/NAME.{out,err,rc}
run() {
	local n=$1; shift
	"$NSX" "$@" >"$TMPD/$n.out" 2>"$TMPD/$n.err" </dev/null
	echo $? >"$TMPD/$n.rc"
}
# script NAME TEXT: TEXT as nsx's stdin (script mode), 9 an extra open fd
script() {
	local n=$1
	printf '%s' "$2" | "$NSX" >"$TMPD/$n.out" 2>"$TMPD/$n.err" 9</dev/null
	echo $? >"$TMPD/$n.rc"
}
out() { cat "$TMPD/$1.out"; }
err() { cat "$TMPD/$1.err"; }
rc() { cat "$TMPD/$1.rc"; }
# ino LINK-TEXT: "uts:[4026531838]" → 4026531838
ino() { local l=${1#*[}; echo "${l%]}"; }

# levels_every_type: the tests, 6 per type and 2 for `unshare all`
levels_every_type() {
	local t mine inside l i same
	for t in $types; do
		mine=$(readlink /proc/$$/ns/$t)
		run sub-$t unshare $t -- readlink /proc/self/ns/$t
		inside=$(out sub-$t)
		like "$inside" "^$t:\\[[0-9]+\\]\$" "unshare $t -- readlink: a $t namespace ($inside)"
		isnt "$inside" "$mine" "unshare $t -- CMD: CMD is in a new $t namespace"
		is "$(rc sub-$t)" 0 "unshare $t -- CMD: CMD's status"
		is "$(readlink /proc/$$/ns/$t)" "$mine" "unshare $t: the caller's $t namespace is unchanged"
		# the same as a level of a script: before, inside, after it
		script lv-$t "$(printf '%s\n' "!readlink /proc/self/ns/$t" "unshare $t" "!readlink /proc/self/ns/$t" \
			levels exit "!readlink /proc/self/ns/$t" levels)
"
		mapfile -t l < <(grep "^$t:" "$TMPD/lv-$t.out")
		is "${l[0]:-}" "$mine" "level 0 starts in the caller's $t namespace"
		isnt "${l[1]:-}" "${l[0]:-}" "unshare $t at a level: a new $t namespace (${l[1]:-none})"
		is "${l[2]:-}" "${l[0]:-}" "after exit, level 0 is back in its own $t namespace"
		is "$(grep -c '^differs from the start' "$TMPD/lv-$t.out")" 2 "levels ran at level 1 and at level 0"
		is "$(grep '^differs from the start' "$TMPD/lv-$t.out" | paste -sd'|')" \
			"differs from the start: $(newset $t)|differs from the start: nothing" \
			"levels says what differs: $t at level 1, nothing after exit"
		like "$(grep -E '^ +1\* ' "$TMPD/lv-$t.out")" "^ +1\\* +[0-9]+ +[0-9]+ $(newset $t) +unshare $t\$" \
			"levels row 1: PID, INSIDE, NEW=$(newset $t), COMMAND='unshare $t'"
	done
	run all unshare all -- sh -c "for t in $types; do readlink /proc/self/ns/\$t; done"
	mapfile -t l <"$TMPD/all.out"
	i=0 same=
	for t in $types; do
		[ "${l[$i]:-}" != "$(readlink /proc/$$/ns/$t)" ] && [ "${l[$i]#$t:}" != "${l[$i]:-}" ] || same="$same $t"
		i=$((i + 1))
	done
	is "${#l[@]}:${same:-none}" "8:none" "unshare all: all 8 namespaces differ (same as the caller:${same:- none})"
	is "$(rc all)" 0 "unshare all -- CMD: status 0"
}
