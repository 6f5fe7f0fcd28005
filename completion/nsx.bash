# bash completion for nsx                                    -*- shell-script -*-
#
# Installed as $(DATADIR)/bash-completion/completions/nsx (bash-completion
# loads it on the first `nsx <Tab>`); it needs none of bash-completion's
# helpers, so `. completion/nsx.bash` works on its own too.
#
# What nsx knows is asked of the nsx being completed (the first word of the
# line: nsx, ./nsx, ~/bin/nsx) at each Tab, so that the completion follows
# the command table without a copy of it:
#   commands           `nsx help` (and `nsx ps`, from the usage lines)
#   options            `nsx help CMD`: long and short names, and whether and
#                      what argument each takes (TYPE, PID, LIST, DIR, ...)
#   operands           the usage line of `nsx help CMD` (TARGET [TYPE...])
#   ls columns         the Columns list of `nsx help ls`
#   containers         `nsx ps -n`, first column
#   namespace inodes   `nsx ls -l -n -r -o NS`
#   lesson subcommands `nsx help lesson` ("  lesson list ...")
#   lesson names       `nsx lesson list`, second column
# Written here are only the value lists nsx gives in prose: the namespace
# types, ls --tree's kinds, run --net's, --share's and --limits' values and
# unshare --propagation's modes. tests/sh/install.t checks each against what nsx
# accepts and lists in its error messages, and all of the completion
# against the command table in src/cmd.

_nsx_types='cgroup ipc mnt net pid time user uts'
_nsx_trees='owner parent process'
_nsx_nets='none host veth veth:'
_nsx_shares='uts ipc net cgroup user'
_nsx_limits='require try'
_nsx_propagations='private slave shared unchanged'

# _nsx_q ARGS...: the nsx being completed, quietly
_nsx_q() { command "$_nsx_prog" "$@" </dev/null 2>/dev/null; }

# _nsx_names: the command names into _nsx_n, as `nsx help` lists them
# ("  ls         list namespaces ...")
_nsx_names() {
	local line
	_nsx_n=()
	while IFS= read -r line; do
		[[ $line =~ ^\ \ ([a-z][a-z0-9_-]*)\  ]] && _nsx_n+=("${BASH_REMATCH[1]}")
	done < <(_nsx_q help)
}

# _nsx_aliases: the other names commands have on a terminal's shell into
# _nsx_al ("ps containers"); the usage line says "Usage: containers [-J]
# [-n]   (nsx ps [-J] [-n])". One nsx for all: nsx -c 'help ls; help ns...'.
_nsx_aliases() {
	local line script=
	_nsx_al=()
	[[ ${#_nsx_n[@]} == 0 ]] && _nsx_names
	for line in "${_nsx_n[@]}"; do script+="help $line;"; done
	[[ $script ]] || return 0
	while IFS= read -r line; do
		[[ $line =~ ^Usage:\ ([a-z0-9_-]+)\ .*\(nsx\ ([a-z0-9_-]+) ]] &&
			_nsx_al+=("${BASH_REMATCH[2]} ${BASH_REMATCH[1]}")
	done < <(_nsx_q -c "$script")
}

# _nsx_help ARGS...: read the help `nsx ARGS` prints into _nsx_usage (the
# usage line), _nsx_onames ("-o --output", one per option) and _nsx_oargs
# ("" no argument, "LIST" a required one, "?REL" an optional one). Option
# lines are "  -o, --output LIST   text", "      --tree[=REL]  text",
# "  -c CMDS   text"; an argument name is in capitals.
_nsx_help() {
	local line t names arg
	local -a tok
	_nsx_usage= _nsx_onames=() _nsx_oargs=()
	while IFS= read -r line; do
		if [[ $line == 'Usage: '* && -z $_nsx_usage ]]; then
			_nsx_usage=${line#Usage: }
			continue
		fi
		[[ $line =~ ^\ +- ]] || continue
		read -ra tok <<<"$line"
		names= arg=
		for t in "${tok[@]}"; do
			if [[ $t == -* ]]; then
				t=${t%,}
				if [[ $t == *'[='*']' ]]; then
					arg=${t#*'[='}
					arg=?${arg%']'}
					t=${t%%'[='*}
				fi
				names+=" $t"
			elif [[ -z $arg && $t =~ ^[A-Z][A-Z0-9_:]*$ ]]; then
				arg=$t
				break
			else
				break
			fi
		done
		_nsx_onames+=("${names# }")
		_nsx_oargs+=("$arg")
	done < <(_nsx_q "$@")
}

# _nsx_opt WORD: the index of option WORD (-o, --output) in _nsx_onames
# into _nsx_i, or failure
_nsx_opt() {
	local i
	for i in "${!_nsx_onames[@]}"; do
		[[ " ${_nsx_onames[i]} " == *" $1 "* ]] && { _nsx_i=$i; return 0; }
	done
	return 1
}

# _nsx_usage_args: from the usage line, what the operands are: _nsx_pos
# (TARGET TYPE), _nsx_rep=1 when the last one repeats (TYPE...), _nsx_after
# "dd" when a program follows "--", "cmd" when the first operand is one
# ("[--] [CMD [ARG...]]").
_nsx_usage_args() {
	local t
	local -a tok
	read -ra tok <<<"$_nsx_usage"
	_nsx_pos=() _nsx_rep=0 _nsx_after=
	for t in "${tok[@]:1}"; do
		case $t in
		'[--]') _nsx_after=cmd; break ;;
		'[--' | '--') _nsx_after=dd; break ;;
		'[options]' | '[-'*) continue ;;
		'('*) break ;;
		esac
		((_nsx_rep)) && continue	# after TYPE... only "-- CMD"
		t=${t//[][]/}
		if [[ $t == *... ]]; then
			_nsx_pos+=("${t%...}")
			_nsx_rep=1
			continue
		fi
		_nsx_pos+=("$t")
	done
}

# _nsx_optkind CMD INDEX: what the argument of option INDEX is, into _nsx_k
_nsx_optkind() {
	_nsx_k=
	case "$1 ${_nsx_onames[$2]##* }" in
	'run --net') _nsx_k=net; return ;;
	'run --share') _nsx_k=share; return ;;
	'run --limits') _nsx_k=limits; return ;;
	'unshare --propagation') _nsx_k=propagation; return ;;
	'ls --tree') _nsx_k=tree; return ;;
	esac
	case ${_nsx_oargs[$2]#\?} in
	TYPE) _nsx_k=types ;;
	PID) _nsx_k=pids ;;
	LIST) _nsx_k=columns ;;
	REL) _nsx_k=tree ;;
	DIR) _nsx_k=dir ;;
	FILE | PATH) _nsx_k=file ;;
	NSID) _nsx_k=nsids ;;
	COMMAND) _nsx_k=names ;;
	esac
}

# _nsx_poskind CMD OPERAND: what an operand named in the usage line is,
# into _nsx_k
_nsx_poskind() {
	_nsx_k=
	case $2 in
	TYPE) [[ $1 == unshare ]] && _nsx_k=types+all || _nsx_k=types ;;
	PID) _nsx_k=pids ;;
	NSID) _nsx_k=nsids ;;
	TARGET) _nsx_k=target ;;
	DIR) _nsx_k=dir ;;
	FILE | PATH) _nsx_k=file ;;
	COMMAND) _nsx_k=names ;;
	SUBCOMMAND) [[ $1 == lesson ]] && _nsx_k=lessonsubs ;;
	ARG) [[ $1 == lesson ]] && _nsx_k=lessons ;;
	esac
}

# _nsx_words WORD...: add those that start with $val to _nsx_c, each after
# $vpre. (Not compgen -W: it would expand a $(...) in a container's name.)
_nsx_words() {
	local c
	for c; do
		[[ $c && $c == "$val"* ]] && _nsx_c+=("$vpre$c")
	done
	return 0
}

# _nsx_values KIND: candidates for $val (the value typed so far) into
# _nsx_c, each after $vpre ("--tree=")
_nsx_values() {
	local -a l
	local c name head tail
	case $1 in
	types) _nsx_words $_nsx_types ;;
	types+all) _nsx_words $_nsx_types all ;;
	tree) _nsx_words $_nsx_trees ;;
	share) _nsx_words $_nsx_shares ;;
	limits) _nsx_words $_nsx_limits ;;
	propagation) _nsx_words $_nsx_propagations ;;
	net)
		_nsx_words $_nsx_nets
		# "veth:" goes on with a CIDR: no space after it
		[[ ${#_nsx_c[@]} == 1 && ${_nsx_c[0]} == *: ]] && _nsx_nospace=1
		;;
	names)
		_nsx_names
		_nsx_words "${_nsx_n[@]}"
		;;
	lessonsubs)
		# "  lesson list   every lesson ...", "  lesson next, back ..."
		# in `nsx help lesson` (the examples repeat some)
		local -A seen=()
		while IFS= read -r c; do
			[[ $c =~ ^\ \ lesson\ ([a-z]+)(,\ ([a-z]+))? ]] || continue
			for name in "${BASH_REMATCH[1]}" "${BASH_REMATCH[3]}"; do
				[[ $name && -z ${seen[$name]-} ]] && { seen[$name]=1; _nsx_words "$name"; }
			done
		done < <(_nsx_q help lesson)
		;;
	lessons)
		# the NAME column of `nsx lesson list`
		while read -r c name _; do
			[[ $c == '#' ]] || _nsx_words "$name"
		done < <(_nsx_q lesson list | sed 's/^ *>/ /')
		;;
	pids)
		# in numeric order, from ps as bash-completion's _pids does
		read -d '' -ra l < <(command ps -A -o pid= 2>/dev/null)
		[[ ${#l[@]} == 0 ]] && { l=(/proc/[1-9]*); l=("${l[@]#/proc/}"); }
		_nsx_words "${l[@]}"
		_nsx_nosort=1
		;;
	nsids)
		local -A seen=()
		while read -r c; do
			[[ $c && -z ${seen[$c]-} ]] && { seen[$c]=1; _nsx_words "$c"; }
		done < <(_nsx_q ls -l -n -r -o NS)
		;;
	target)
		# a namespace file by its path; else a container, a /run/netns
		# name or a PID
		if [[ $val == */* || $val == [.~]* ]]; then
			_nsx_values file
			return
		fi
		while read -r name _; do _nsx_words "$name"; done < <(_nsx_q ps -n)
		for c in /run/netns/*; do [[ -e $c ]] && _nsx_words "${c##*/}"; done
		_nsx_values pids
		;;
	columns)
		# after the last comma (a leading + adds to the defaults), those
		# not in the list yet
		head=${val%"${val##*[,+]}"} tail=${val##*[,+]}
		l=() name=
		while IFS= read -r c; do
			[[ $c == Columns* ]] && { name=1; continue; }
			[[ $name && -z $c ]] && break
			[[ $name && $c =~ ^\ \ ([A-Z][A-Z0-9_]*)\  ]] || continue
			[[ ,${head#+}, == *,${BASH_REMATCH[1]},* ]] || l+=("${BASH_REMATCH[1]}")
		done < <(_nsx_q help ls)
		vpre=$vpre$head val=$tail _nsx_words "${l[@]}"
		_nsx_nospace=1
		;;
	file | dir | prog)
		# compgen matched them already
		case $1 in file) name=-f ;; dir) name=-d ;; prog) name=-c ;; esac
		mapfile -t l < <(compgen "$name" -- "$val")
		[[ ${#l[@]} == 0 ]] || _nsx_c+=("${l[@]/#/$vpre}")
		[[ $1 == prog ]] || _nsx_files=1
		;;
	esac
}

_nsx() {
	local IFS=$' \t\n'
	local -a w=() _nsx_c=() _nsx_n=() _nsx_al=() _nsx_onames=() _nsx_oargs=() _nsx_pos=()
	local _nsx_prog= _nsx_usage= _nsx_after= _nsx_rep=0 _nsx_i=0 _nsx_k=
	local _nsx_nospace= _nsx_nosort= _nsx_files=
	local i raw= joined=0 cur rtext pre val= vpre= a name

	COMPREPLY=()
	# COMP_WORDBREAKS splits --tree=own into "--tree" "=" "own" and
	# veth:10.0.0.0 at the colon: join them again. COMPREPLY replaces only
	# what follows the last = or : (rtext).
	for ((i = 0; i <= COMP_CWORD; i++)); do
		raw=${COMP_WORDS[i]-}
		if ((i > 0)) && { [[ $raw =~ ^[=:]+$ ]] || ((joined)); }; then
			w[${#w[@]} - 1]+=$raw
		else
			w+=("$raw")
		fi
		joined=0
		[[ $raw =~ ^[=:]+$ ]] && joined=1
	done
	[[ $raw =~ ^[=:]+$ ]] && rtext= || rtext=$raw
	cur=${w[${#w[@]} - 1]}
	unset 'w[${#w[@]}-1]'
	pre=${cur:0:${#cur}-${#rtext}}

	_nsx_prog=${w[0]-nsx}
	[[ $_nsx_prog == '~/'* ]] && _nsx_prog=$HOME/${_nsx_prog#'~/'}
	type -P -- "$_nsx_prog" >/dev/null || _nsx_prog=nsx
	type -P -- "$_nsx_prog" >/dev/null || return 0

	# nsx's own options, then the command
	local n=${#w[@]} k=1 cmd
	while ((k < n)); do
		case ${w[k]} in
		-c) return 0 ;;	# -c 'CMDS': no command after it
		--proc-root) ((k += 2)); continue ;;
		--) ((k++)); break ;;
		-*) ((k++)); continue ;;
		esac
		break
	done
	if ((k >= n)); then
		if ((k == n + 1)) && [[ ${w[n - 1]} == --proc-root ]]; then
			val=$cur _nsx_values dir
		elif [[ $cur == --proc-root=* ]]; then
			vpre=--proc-root= val=${cur#*=} _nsx_values dir
		elif [[ $cur == -* && ${w[n - 1]} != -- ]]; then
			_nsx_help --help
			val=$cur _nsx_words ${_nsx_onames[*]}
		else
			_nsx_aliases
			val=$cur _nsx_words "${_nsx_n[@]}" "${_nsx_al[@]%% *}"
		fi
		_nsx_reply
		return 0
	fi

	# the command (or its alias) and its help
	cmd=${w[k]}
	_nsx_help help "$cmd"
	if [[ -z $_nsx_usage ]]; then
		_nsx_aliases
		for a in "${_nsx_al[@]}"; do
			[[ ${a%% *} == "$cmd" ]] && { cmd=${a#* }; break; }
		done
		_nsx_help help "$cmd"
		[[ $_nsx_usage ]] || return 0
	fi
	_nsx_usage_args

	# its words so far: options, their arguments, operands; where a program
	# to run starts (cstart), whether options ended at "--" (optend)
	local j npos=0 cstart=-1 optend=0
	for ((j = k + 1; j < n; j++)); do
		a=${w[j]}
		if ((optend == 0)) && [[ $a == -- ]]; then
			optend=1
			[[ $_nsx_after ]] && { cstart=$((j + 1)); break; }
			continue
		fi
		if ((optend == 0)) && [[ $a == -?* ]]; then
			[[ $a != *=* ]] && _nsx_opt "$a" || continue
			case ${_nsx_oargs[_nsx_i]} in
			'') ;;
			'?'*)	# `ls -T owner`: owner is -T's, not an operand
				_nsx_optkind "$cmd" "$_nsx_i"
				((j + 1 < n)) && [[ $_nsx_k == tree && " $_nsx_trees " == *" ${w[j + 1]} "* ]] && ((j++))
				;;
			*) ((j++)) ;;
			esac
			continue
		fi
		if [[ $_nsx_after == cmd ]]; then
			cstart=$j
			break
		fi
		((npos++))
	done

	if ((cstart >= 0)); then
		# a program, then its arguments
		if ((cstart == n)); then
			val=$cur _nsx_values prog
		else
			val=$cur _nsx_values file
		fi
	elif ((optend == 0 && n - 1 > k)) && _nsx_opt "${w[n - 1]}" &&
		[[ ${_nsx_oargs[_nsx_i]} && ${_nsx_oargs[_nsx_i]} != '?'* ]]; then
		# the argument of an option: -t <Tab>
		_nsx_optkind "$cmd" "$_nsx_i"
		val=$cur _nsx_values "$_nsx_k"
	elif ((optend == 0)) && [[ $cur == --*=* ]]; then
		# --tree=own<Tab>
		_nsx_opt "${cur%%=*}" || return 0
		_nsx_optkind "$cmd" "$_nsx_i"
		vpre=${cur%%=*}= val=${cur#*=} _nsx_values "$_nsx_k"
	elif ((optend == 0)) && [[ $cur == -* ]]; then
		val=$cur _nsx_words ${_nsx_onames[*]}
	else
		# an operand, by its place in the usage line
		name=
		if ((npos < ${#_nsx_pos[@]})); then
			name=${_nsx_pos[npos]}
		elif ((_nsx_rep)); then
			name=${_nsx_pos[${#_nsx_pos[@]} - 1]}
		fi
		_nsx_poskind "$cmd" "$name"
		val=$cur _nsx_values "$_nsx_k"
		# `ls -T <Tab>`: a tree kind, or an operand
		if ((optend == 0 && n - 1 > k)) && _nsx_opt "${w[n - 1]}" && [[ ${_nsx_oargs[_nsx_i]} == '?'* ]]; then
			_nsx_optkind "$cmd" "$_nsx_i"
			val=$cur _nsx_values "$_nsx_k"
		fi
	fi
	_nsx_reply
	return 0
}

# COMPREPLY from _nsx_c: each without what COMP_WORDS put before the word
# readline replaces ($pre: "--tree=", "veth:")
_nsx_reply() {
	local c
	for c in "${_nsx_c[@]}"; do
		c=${c#"$pre"}
		[[ $c ]] && COMPREPLY+=("$c")	# "veth:" typed in full: nothing to add
	done
	[[ $_nsx_nospace ]] && compopt -o nospace 2>/dev/null
	[[ $_nsx_nosort ]] && compopt -o nosort 2>/dev/null
	[[ $_nsx_files ]] && compopt -o filenames 2>/dev/null
	return 0
}

complete -F _nsx nsx
