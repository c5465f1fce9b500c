#!/usr/bin/env bats
# ipc tui: driven through tmux as a person would (send-keys, capture-pane).
# Each test has its own tmux server; waits poll the screen for the text
# expected, bounded by $WAIT seconds, never a blind sleep.

load helpers/common

setup() {
	TMUX_SOCK="ipc-tui-$$-$BATS_TEST_NUMBER"
	cd "$BATS_TEST_TMPDIR" || return 1
}

teardown() {
	tmux -L "$TMUX_SOCK" kill-server 2>/dev/null
	rm -f "$BATS_TEST_TMPDIR"/*.jsonl "$BATS_TEST_TMPDIR"/stty
	for pid in "${STARTED[@]}"; do
		kill "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
	done
	STARTED=()
}

tm() {
	tmux -L "$TMUX_SOCK" "$@"
}

# tui_start ARGS... - `ipc tui ARGS` in an 80x24 pane; afterwards the pane
# shows EXIT=status and the terminal modes are saved in ./stty.
tui_start() {
	local cmd
	printf -v cmd '%q ' "$IPC" tui "$@"
	tm new-session -d -x 80 -y 24 -c "$BATS_TEST_TMPDIR" \
		"$cmd; echo EXIT=\$?; stty -a >stty; exec cat"
}

screen() {
	tm capture-pane -p -t 0
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

keys() {
	tm send-keys -t 0 "$@"
}

@test "tui: without a terminal it exits 64 and says what to do" {
	run "$IPC" tui run -- true </dev/null
	assert_failure 64
	assert_line --index 0 'ipc tui run: no terminal: stdin and stdout must be a terminal, and TERM set and not "dumb"'
	assert_line --index 1 'hint: run it in a terminal, or add --plain for the event log as text'
	run "$IPC" tui replay /dev/null </dev/null
	assert_failure 64
	assert_line --index 0 --partial 'ipc tui replay: no terminal'
}

@test "tui: TERM=dumb is no terminal either" {
	run script -qec "TERM=dumb $IPC tui run -- true" /dev/null
	assert_failure 64
	assert_output --partial 'no terminal'
}

@test "tui: --plain prints the event log of a child, real calls in order" {
	run timeout 20 "$IPC" tui run --plain -- "$IPC" loop demo watch-fd
	assert_success
	assert_line --index 0 --regexp '^ +0 +[0-9]+ +hello'
	assert_line --regexp 'socketpair\(\) = 0  # two connected sockets'
	assert_line --regexp 'epoll_wait\([0-9]+\) = 1'
	assert_line --regexp 'iter +iteration 0: ran 1'
	assert_line --regexp 'bye *$'
	refute_output --partial 'gate'
}

@test "tui: replay of a missing file fails with 66 and a hint" {
	run "$IPC" tui replay --plain nosuch.jsonl
	assert_failure 66
	assert_line --index 0 'ipc tui replay: nosuch.jsonl: no such file or directory (ENOENT)'
	assert_line --index 1 'hint: record one with --trace-to FILE.jsonl'
}

@test "tui: unknown options and missing commands are usage errors" {
	run "$IPC" tui run
	assert_usage_error
	run "$IPC" tui replay
	assert_usage_error
}

@test "tui: every pane is there at 80x24, paused at the start" {
	tui_start run -- "$IPC" loop demo clock-later --interval 0.05
	wait_for "paused before the next call"
	run screen
	assert_output --partial "descriptors"
	assert_output --partial "timers (heap order)"
	assert_output --partial "ready queue"
	assert_output --partial "tasks and futures"
	assert_output --partial "event log"
	assert_output --partial "what happened"
	assert_output --partial "space step"
	assert_line --index 0 --partial "ipc tui: Loop | paused"
}

@test "tui: each step changes the screen and the loop turns" {
	tui_start run -- "$IPC" loop demo clock-later --interval 0.05
	wait_for "paused before the next call"
	for i in 1 2 3; do
		before=$(screen)
		keys Space
		wait_change "$before"
	done
	wait_for "iteration 0"
	wait_for "display_date"
	before=$(screen)
	keys s
	wait_change "$before"
}

@test "tui: the help overlay opens from the key table and closes" {
	tui_start run -- "$IPC" loop demo hello-soon
	wait_for "paused before"
	keys '?'
	wait_for "Keys (any key closes)"
	run screen
	assert_output --partial "step one system call"
	assert_output --partial "write the trace so far to a file"
	keys Escape
	wait_for "event log"
	run screen
	refute_output --partial "Keys (any key closes)"
}

@test "tui: a resize below 80x24 shows a notice, and back again" {
	tui_start run -- "$IPC" loop demo hello-soon
	wait_for "paused before"
	tm resize-window -t 0 -x 60 -y 20
	wait_for "terminal too small"
	tm resize-window -t 0 -x 80 -y 24
	wait_for "descriptors"
}

@test "tui: q exits 0, ends the child and restores the terminal" {
	tui_start run -- "$IPC" loop demo clock-later --interval 0.05
	wait_for "paused before"
	keys q
	wait_for "EXIT=0"
	run cat stty
	assert_output --regexp ' icanon'
	assert_output --regexp ' echo '
	run screen
	refute_output --partial "descriptors"
}

@test "tui: SIGTERM restores the terminal too" {
	tui_start run -- "$IPC" loop demo hello-soon
	wait_for "paused before"
	shell=$(tm display -p -t 0 '#{pane_pid}')
	tui=$(pgrep -P "$shell" -x ipc)
	kill -TERM "$tui"
	wait_for "EXIT=143"
	run cat stty
	assert_output --regexp ' icanon'
}

@test "tui: the child's exit is shown and the history kept" {
	tui_start run -- "$IPC" loop demo hello-soon
	wait_for "paused before"
	keys r
	wait_for "the child exited 0"
	run screen
	assert_output --partial "bye"
}

@test "tui: replay steps forward and backward" {
	"$IPC" loop demo clock-later --interval 0.01 --trace-to t.jsonl >/dev/null
	total=$(wc -l <t.jsonl)
	tui_start replay t.jsonl
	wait_for "replay 0/$total"
	keys s
	wait_for "replay 2/$total"
	keys n n n
	wait_for "iteration 1:"
	keys b
	wait_for "replay 6/$total"
	run screen
	assert_output --partial "iteration 0:"
	refute_output --partial "iteration 1:"
	keys B
	wait_for "replay 3/$total"
	run screen
	assert_output --partial "epoll_create1() ="
	refute_output --partial "iteration 0:"
}

@test "tui: w writes the trace so far to a file" {
	tui_start run -- "$IPC" loop demo watch-fd
	wait_for "paused before"
	keys r
	wait_for "the child exited 0"
	keys w
	wait_for "write to file: ipc-tui.jsonl"
	keys Enter
	wait_for "wrote"
	run head -1 ipc-tui.jsonl
	assert_output --partial '"ev":"hello"'
	run tail -1 ipc-tui.jsonl
	assert_output --partial '"ev":"bye"'
	refute grep -q '"ev":"gate"' ipc-tui.jsonl
}

@test "tui: attach listens, takes a live process, and sees it go" {
	sock="$BATS_TEST_TMPDIR/t.sock"
	tui_start attach "unix:$sock"
	wait_for "listening unix:$sock"
	run timeout 20 "$IPC" loop demo clock-later --interval 0.01 \
		--trace-to "unix:$sock"
	assert_success
	wait_for "the process went away"
	wait_for "bye"
	keys q
	wait_for "EXIT=0"
	assert_not_exists "$sock"
}

@test "tui: the picker lists the scenarios and runs one paused" {
	tui_start
	wait_for "pick a scenario"
	run screen
	assert_output --partial "loop demo hello-soon"
	assert_output --partial "poll demo edge"
	assert_output --partial "tls bio"
	assert_output --partial "spawn deadlock"
	assert_output --partial "mmap share"
	keys Enter
	wait_for "paused before"
	keys q
	wait_for "pick a scenario"
	keys q
	wait_for "EXIT=0"
}
