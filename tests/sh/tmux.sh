# tmux helpers for the terminal tests: a private tmux server, a pane that
# stays when its program ends, and waits that poll the screen (as fast as
# nsx, tolerant of a slow machine). Source after lib.sh; set SOCK first.
# Every wait gives up after WAIT_TENTHS tenths of a second.
tmx() { tmux -L "$SOCK" -f /dev/null "$@"; }
# (cleanups run last first: the server, then the socket it leaves behind)
on_exit rm -f "${TMUX_TMPDIR:-/tmp}/tmux-$(id -u)/$SOCK"
on_exit tmux -L "$SOCK" kill-server
WAIT_TENTHS=${NSX_TTY_WAIT:-100}	# 10 s: a loaded machine is slow to scan /proc

# start_cmd SHELL-COMMAND [WIDTH HEIGHT]: what the pane runs, in a new
# session $S. The previous session goes only once the new one is there: a
# server left with none would exit, and a new-session racing its exit
# could die with it.
N=0 S=
start_cmd() {
	local old=$S

	N=$((N + 1)) S=t$N
	tmx start-server \; set-option -g remain-on-exit on \; \
		set-option -g history-limit 5000 \; \
		new-session -d -x "${2:-120}" -y "${3:-40}" -s "$S" "$1"
	[ -z "$old" ] || tmx kill-session -t "$old"
}
screen() { tmx capture-pane -p -t "$S" -S - 2>/dev/null; }
cur_line() { screen | sed '/^$/d' | tail -n 1; }
keys() { tmx send-keys -t "$S" "$@"; }
type_line() { tmx send-keys -t "$S" -l "$1"; }
run_line() { type_line "$1"; keys Enter; }
pane() { tmx display-message -p -t "$S" "$1" 2>/dev/null; }
pane_dead() { [ "$(pane '#{pane_dead}')" = 1 ]; }
show_end() { screen | sed '/^$/d' | tail -n 8 | sed 's/^/#   | /'; }

# wait_line TEXT: until the cursor's line (the last one with text) is TEXT
wait_line() {
	local i
	for ((i = 0; i < WAIT_TENTHS; i++)); do
		[ "$(cur_line)" = "$1" ] && return 0
		sleep 0.1
	done
	echo "# waited for line: '$1'; the screen ends with:"
	show_end
	return 1
}
# wait_screen REGEX: until some line of the pane (scrollback too) matches
wait_screen() {
	local i
	for ((i = 0; i < WAIT_TENTHS; i++)); do
		screen | grep -Eq -- "$1" && return 0
		sleep 0.1
	done
	echo "# waited for: /$1/; the screen ends with:"
	show_end
	return 1
}
# clear_screen: forget what is on screen, so the next waits see only new output
clear_screen() {
	keys C-l
	tmx clear-history -t "$S"
}
