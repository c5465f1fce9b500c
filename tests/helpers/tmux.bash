# tmux.bash - drive a full-screen or readline program as a person would:
# `load helpers/tmux` after helpers/common.  Each test sets TMUX_SOCK (its
# own tmux server, ended in teardown with tmux_end); waits poll the screen
# for the text expected, bounded by $WAIT seconds, never a blind sleep.

tm() {
	tmux -L "$TMUX_SOCK" "$@"
}

# tm_start [tmux new-session options...] -- CMDLINE - run the shell
# command line CMDLINE in an 80x24 pane in the test's directory; when it
# ends the pane shows EXIT=status (and whatever $TM_AFTER runs).
tm_start() {
	local opts=()
	while [ $# -gt 0 ] && [ "$1" != -- ]; do
		opts+=("$1")
		shift
	done
	shift
	tm new-session -d -x 80 -y 24 -c "$BATS_TEST_TMPDIR" "${opts[@]}" \
		"$1; echo EXIT=\$?; ${TM_AFTER:+$TM_AFTER; }exec cat"
}

tmux_end() {
	tm kill-server 2>/dev/null
	return 0
}

screen() {
	tm capture-pane -p -t 0
}

# keys KEY... - type into the pane: text, or key names (Enter, C-c, Up).
# The empty first key keeps tmux from reading "--ti" as its own flag.
keys() {
	tm send-keys -t 0 "" "$@"
}

# wait_for TEXT - poll the pane until it shows TEXT (fixed string).
wait_for() {
	local i
	for ((i = 0; i < WAIT * 20; i++)); do
		screen | grep -qF -- "$1" && return 0
		sleep 0.05
	done
	echo "timed out waiting for: $1" >&2
	screen >&2
	return 1
}

# wait_change BEFORE - poll until the pane differs from BEFORE.
wait_change() {
	local i
	for ((i = 0; i < WAIT * 20; i++)); do
		[ "$(screen)" != "$1" ] && return 0
		sleep 0.05
	done
	return 1
}
