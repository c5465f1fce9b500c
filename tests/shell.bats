#!/usr/bin/env bats
# ipc shell: lines from stdin (no prompt), then the real readline prompt
# driven through tmux (completion, history, Ctrl-C).  Each tmux test has its
# own tmux server (-L) and waits for text on the screen, bounded by $WAIT.

load helpers/common
load helpers/tmux
bats_require_minimum_version 1.5.0

setup() {
	TMUX_SOCK="ipc-shell-$$-$BATS_TEST_NUMBER"
	cd "$BATS_TEST_TMPDIR" || return 1
	export SHELL=/bin/sh
	unset IPC_TRACE IPC_TRACE_TO IPC_TRACE_FD IPC_TRACE_STEP
}

teardown() {
	tmux -L "$TMUX_SOCK" kill-server 2>/dev/null
	tmux -L "${TMUX_SOCK%-again}" kill-server 2>/dev/null
	return 0
}

# shell_with LINES... - run `ipc shell` with the lines on stdin.
shell_with() {
	run --separate-stderr "$IPC" shell < <(printf '%s\n' "$@")
}

@test "shell: runs ipc commands typed without 'ipc'" {
	shell_with "sock resolve 127.0.0.1" "ipc sock resolve 127.0.0.1"
	assert_success
	assert_equal "$(grep -c '127.0.0.1' <<<"$output")" 6
	assert_equal "$stderr" ""
}

@test "shell: a failing command shows its error and hint, then the next line runs" {
	shell_with "sock frob" "sock connect" "sock resolve 127.0.0.1"
	assert_success
	assert_line --partial "127.0.0.1"
	[[ $stderr == *"ipc sock: unknown verb 'frob'"* ]]
	[[ $stderr == *"hint: the verbs are connect"* ]]
	[[ $stderr == *"ipc sock connect: missing argument"* ]]
	[[ $stderr == *"hint: 'ipc sock connect --help'"* ]]
	assert_equal "$(grep -c '^\[exit 64\]$' <<<"$stderr")" 2
}

@test "shell: the status of a command killed by a signal is said" {
	shell_with '!kill -TERM $$' "trace"
	assert_success
	[[ $stderr == *"[killed by SIGTERM]"* ]]
	assert_line --partial "trace is off"
}

@test "shell: help lists the shell's commands and ipc's help; help APPLET is the applet's" {
	shell_with "help"
	assert_success
	assert_line --partial "!CMD"
	assert_line --partial "trace [on|off]"
	assert_line "Applets:"
	assert_line --regexp '^  shell +a prompt for ipc commands'

	shell_with "help sock"
	assert_success
	assert_line "usage: ipc sock VERB [OPTIONS] [ARGS]"
	refute_line --partial "!CMD"

	shell_with "help sock nope"
	assert_success
	[[ $stderr == *"unknown verb 'nope'"* ]]
	[[ $stderr == *"[exit 64]"* ]]
}

@test "shell: !CMD runs CMD with \$SHELL -c, pipes and all" {
	shell_with '!echo "a  b" | tr a A' '!exit 3'
	assert_success
	assert_line "A  b"
	[[ $stderr == *"[exit 3]"* ]]

	SHELL= shell_with '!echo fallback $0'
	assert_line "fallback /bin/sh"
}

@test "shell: a bare ! is an error line and the shell goes on" {
	shell_with "!" "trace"
	assert_success
	[[ $stderr == *"ipc shell: '!' needs a command"* ]]
	[[ $stderr == *"hint: "* ]]
	assert_line --partial "trace is off"
}

@test "shell: a command reading stdin finds the next line, as in sh" {
	shell_with '!read x; echo "got $x"' "this line is for read" "exit 3"
	assert_failure 3
	assert_line "got this line is for read"
}

@test "shell: trace on|off sets IPC_TRACE for the commands that follow" {
	shell_with "trace" "trace on" "trace" "sock resolve 127.0.0.1" \
		"trace off" "sock resolve 127.0.0.1" "trace"
	assert_success
	assert_line --index 0 --partial "trace is off"
	assert_line --index 1 --partial "trace is on (IPC_TRACE=human)"
	assert_line --partial "trace is off"
	# One traced resolve: its getaddrinfo line is on the child's stderr.
	assert_equal "$(grep -c '^\[sock\] getaddrinfo' <<<"$stderr")" 1
}

@test "shell: IPC_TRACE in the environment is for the commands, not the shell" {
	IPC_TRACE=human shell_with "trace" "sock resolve 127.0.0.1"
	assert_success
	assert_line --partial "trace is on (IPC_TRACE=human)"
	[[ $stderr == *"[sock] getaddrinfo"* ]]
	# The shell's own reads are not traced.
	[[ $stderr != *"read(0"* ]]
}

@test "shell: trace with a wrong argument is an error line" {
	shell_with "trace loud" "trace"
	assert_success
	[[ $stderr == *"ipc shell: trace takes on or off, or nothing"* ]]
	[[ $stderr == *"hint: "* ]]
	assert_line --partial "trace is off"
}

@test "shell: words are split with sh quoting, and nothing else" {
	shell_with "spawn run -- printf '%s|' 'a b' \"c \\\"d\\\"\" e\\ f '\$HOME' '*'"
	assert_success
	assert_line --partial 'a b|c "d"|e f|$HOME|*|'
}

@test "shell: # starts a comment; blank lines are skipped" {
	shell_with "# a comment" "" "   " "sock resolve 127.0.0.1 # resolve it"
	assert_success
	assert_line --partial "127.0.0.1"
	assert_equal "$stderr" ""
}

@test "shell: an unterminated quote is an error line and the shell goes on" {
	shell_with "sock resolve 'localhost" 'sock resolve "x' "sock resolve 127.0.0.1"
	assert_success
	[[ $stderr == *"ipc shell: unterminated ' quote"* ]]
	[[ $stderr == *'ipc shell: unterminated " quote'* ]]
	[[ $stderr == *"hint: the line was not run"* ]]
	assert_line --partial "127.0.0.1"
}

@test "shell: exit, exit N, quit and end of input" {
	shell_with "exit" "sock resolve 127.0.0.1"
	assert_success
	assert_output ""

	shell_with "exit 7"
	assert_failure 7

	shell_with "quit"
	assert_success

	run "$IPC" shell </dev/null
	assert_success
	assert_output ""
}

@test "shell: a bad exit status is an error line and the shell goes on" {
	shell_with "exit x" "exit 1 2" "exit 256" "exit 4"
	assert_failure 4
	[[ $stderr == *"ipc shell: exit: not a status from 0 to 255: 'x'"* ]]
	[[ $stderr == *"ipc shell: exit takes at most a status"* ]]
	[[ $stderr == *"'256'"* ]]
}

@test "shell: takes no arguments" {
	run --separate-stderr "$IPC" shell extra </dev/null
	assert_failure 64
	[[ $stderr == *"ipc shell: unknown verb 'extra'"* ]]
	[[ $stderr == *"hint: "* ]]

	run --separate-stderr "$IPC" shell start extra </dev/null
	assert_failure 64
	[[ $stderr == *"unexpected argument 'extra'"* ]]
	[[ $stderr == *"hint: "* ]]
}

# --- the prompt, through tmux ---------------------------------------------

# shell_start - `ipc shell` in an 80x24 pane, its history under the test's
# directory and no ~/.inputrc; afterwards the pane shows EXIT=status.
shell_start() {
	local cmd
	printf -v cmd '%q ' env XDG_STATE_HOME="$BATS_TEST_TMPDIR/state" \
		INPUTRC=/dev/null "$IPC" shell
	tm_start -- "$cmd"
}

# wait_prompt - poll until the last line on the screen is an empty prompt:
# readline has the terminal then, so what is typed next reaches it (a
# Ctrl-D typed while a command still runs would be lost).
wait_prompt() {
	local i
	for ((i = 0; i < WAIT * 20; i++)); do
		[ "$(screen | sed '/^$/d' | tail -n 1)" = "ipc>" ] && return 0
		sleep 0.05
	done
	echo "timed out waiting for the prompt" >&2
	screen >&2
	return 1
}

@test "shell prompt: tab completes an applet, a verb and an option" {
	shell_start
	wait_prompt
	keys "so"
	tm send-keys -t 0 Tab
	wait_for "ipc> sock"
	keys "con"
	tm send-keys -t 0 Tab
	wait_for "ipc> sock connect"
	keys "--ti"
	tm send-keys -t 0 Tab
	wait_for "ipc> sock connect --timeout"
	# Two tabs list what is left: the verbs of an applet.
	tm send-keys -t 0 C-u
	keys "sig "
	tm send-keys -t 0 Tab Tab
	wait_for "catch"
	wait_for "mask"
	tm send-keys -t 0 C-u C-d
	wait_for "EXIT=0"
}

@test "shell prompt: a line is in the history after a restart (Up shows it)" {
	shell_start
	wait_prompt
	keys "sock resolve 127.0.0.1"
	tm send-keys -t 0 Enter
	wait_for "inet"
	wait_prompt
	tm send-keys -t 0 C-d
	wait_for "EXIT=0"
	assert_file_exists "$BATS_TEST_TMPDIR/state/ipc/history"
	run stat -c %a "$BATS_TEST_TMPDIR/state/ipc"
	assert_output 700
	run cat "$BATS_TEST_TMPDIR/state/ipc/history"
	assert_output "sock resolve 127.0.0.1"

	# A second tmux server for the second shell; teardown ends both.
	tm kill-server
	TMUX_SOCK="$TMUX_SOCK-again"
	shell_start
	wait_prompt
	tm send-keys -t 0 Up
	wait_for "ipc> sock resolve 127.0.0.1"
	tm send-keys -t 0 C-u C-d
	wait_for "EXIT=0"
}

@test "shell prompt: Ctrl-C clears the line, and while a command runs ends the command" {
	shell_start
	wait_prompt
	keys "sock connect half typed"
	tm send-keys -t 0 C-c
	wait_for "half typed^C"
	keys "sig catch USR1"
	tm send-keys -t 0 Enter
	wait_for "listening pid"
	tm send-keys -t 0 C-c
	wait_for "[killed by SIGINT]"
	wait_prompt
	keys "trace"
	tm send-keys -t 0 Enter
	wait_for "trace is off"
	wait_prompt
	tm send-keys -t 0 C-d
	wait_for "EXIT=0"
}
