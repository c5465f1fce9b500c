#!/usr/bin/env bats
# ipc tui: driven through tmux as a person would (send-keys, capture-pane).
# Each test has its own tmux server; waits poll the screen for the text
# expected, bounded by $WAIT seconds, never a blind sleep.

load helpers/common
load helpers/tmux
bats_require_minimum_version 1.5.0

setup() {
	TMUX_SOCK="ipc-tui-$$-$BATS_TEST_NUMBER"
	cd "$BATS_TEST_TMPDIR" || return 1
}

teardown() {
	tmux_end
	rm -f "$BATS_TEST_TMPDIR"/*.jsonl "$BATS_TEST_TMPDIR"/stty
	end_started
}

# tui_start ARGS... - `ipc tui ARGS` in an 80x24 pane; afterwards the pane
# shows EXIT=status and the terminal modes are saved in ./stty.
tui_start() {
	local cmd
	printf -v cmd '%q ' "$IPC" tui "$@"
	TM_AFTER="stty -a >stty" tm_start -- "$cmd"
}

# wait_change_of FN BEFORE - poll until FN's output differs from BEFORE.
wait_change_of() {
	local i
	for ((i = 0; i < WAIT * 20; i++)); do
		[ "$("$1")" != "$2" ] && return 0
		sleep 0.05
	done
	echo "timed out waiting for a change" >&2
	return 1
}

# pick TEXT - in the picker, move down to the first line showing TEXT
# (the list starts on the screen's third line) and run it.
pick() {
	local n i
	wait_for "$1"
	n=$(screen | grep -nF -- "$1" | head -n 1 | cut -d: -f1)
	for ((i = 3; i < n; i++)); do
		keys j
	done
	keys Enter
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
	run --separate-stderr timeout 20 "$IPC" tui run --plain -- \
		"$IPC" loop demo watch-fd
	assert_success
	# The child's own output goes to stderr: stdout is the log alone.
	[[ $stderr == *"Received: abc"* ]]
	refute_output --partial "Received: abc"
	assert_line --index 0 --regexp '^ +0 +[0-9]+ +hello'
	assert_line --regexp 'socketpair\(\) = 0  # two connected sockets'
	assert_line --regexp 'epoll_wait\([0-9]+\) = 1'
	assert_line --regexp 'iter +iteration 0: ran 1'
	assert_line --regexp 'bye *$'
	refute_output --partial 'gate'
}

@test "tui: --plain exits with the child's status and says how it ended" {
	run --separate-stderr "$IPC" tui run --plain -- sh -c 'exit 3'
	assert_failure 3
	[[ $stderr == *"the child exited 3"* ]]
	run --separate-stderr "$IPC" tui run --plain -- sh -c 'kill -TERM $$'
	assert_failure 143
	[[ $stderr == *"the child was killed by SIGTERM"* ]]
}

@test "tui: SIGINT to a --plain attach, waiting or watching, exits 130 and removes the socket" {
	local sock="$BATS_TEST_TMPDIR/t.sock" i
	start_server waiting "$IPC" tui attach --plain "unix:$sock"
	assert_exists "$sock"
	stop_server waiting INT
	[ "$waiting_STATUS" -eq 130 ]
	assert_not_exists "$sock"
	start_server watching "$IPC" tui attach --plain "unix:$sock"
	start_server srv "$IPC" loop serve 127.0.0.1:0 --echo --trace-to "unix:$sock"
	for ((i = 0; i < WAIT * 20; i++)); do
		grep -q ' hello' "$BATS_TEST_TMPDIR/watching.out" && break
		sleep 0.05
	done
	assert_file_contains "$BATS_TEST_TMPDIR/watching.out" ' hello'
	stop_server watching INT
	[ "$watching_STATUS" -eq 130 ]
	assert_not_exists "$sock"
	stop_server srv
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

@test "tui: the picker lists every loop demo, scrolling to the last" {
	local last i
	last=$("$IPC" loop demo --list --json | tail -n 1 | python3 -c \
		'import json, sys; print(json.load(sys.stdin)["name"])')
	tui_start
	wait_for "pick a scenario"
	run screen
	refute_output --partial "loop demo $last"
	# More presses than scenarios: the selection stops at the last one.
	for ((i = 0; i < 80; i++)); do
		keys j
	done
	wait_for "loop demo $last"
	keys Enter
	wait_for "paused before"
	screen | head -n 1 | grep -qF "| ipc loop demo $last"
	keys q
	wait_for "pick a scenario"
	keys q
	wait_for "EXIT=0"
}

# ---- the start forms of the issue: ipc tui -- CMD, --attach, --replay ----

@test "tui: 'ipc tui -- CMD' runs CMD, as the run verb does" {
	run --separate-stderr timeout 20 "$IPC" tui --plain -- \
		"$IPC" loop demo watch-fd
	assert_success
	assert_line --index 0 --regexp '^ +0 +[0-9]+ +hello'
	assert_line --regexp 'socketpair\(\) = 0'
	assert_line --regexp 'bye *$'
	[[ $stderr == *"Received: abc"* ]]
}

@test "tui: 'ipc tui --replay FILE' prints what 'ipc tui replay FILE' does" {
	"$IPC" loop demo clock-later --interval 0.01 --trace-to t.jsonl >/dev/null
	run "$IPC" tui replay --plain t.jsonl
	assert_success
	expected=$output
	run "$IPC" tui --replay t.jsonl --plain
	assert_success
	assert_output "$expected"
	assert_line --regexp 'bye *$'
}

# attach_demo ARGS... - `ipc tui ARGS unix:SOCK` listening, a loop demo
# traced to it, and the TUI's exit; then `run` shows what it printed.
attach_demo() {
	sock="$BATS_TEST_TMPDIR/a.sock"
	start_server tui "$IPC" tui "$@" "unix:$sock"
	run timeout 20 "$IPC" loop demo clock-later --interval 0.01 \
		--trace-to "unix:$sock"
	assert_success
	wait_server tui
	assert_equal "$tui_STATUS" 0
	run cat "$BATS_TEST_TMPDIR/tui.out"
}

@test "tui: 'ipc tui --attach unix:PATH' takes a live process" {
	attach_demo --plain --attach
	assert_line --index 0 --regexp '^ +0 +[0-9]+ +hello'
	assert_line --regexp 'timerfd|epoll_wait'
	assert_line --regexp 'bye *$'
	assert_not_exists "$sock"
}

@test "tui: the three start forms open the screen" {
	"$IPC" loop demo clock-later --interval 0.01 --trace-to t.jsonl >/dev/null
	tui_start -- "$IPC" loop demo clock-later --interval 0.05
	wait_for "paused before the next call"
	keys q
	wait_for "EXIT=0"
	# A server being killed may still answer: each form gets its own.
	tm kill-server
	TMUX_SOCK="$TMUX_SOCK-replay"
	tui_start --replay t.jsonl
	wait_for "replay 0/$(wc -l <t.jsonl)"
	keys q
	wait_for "EXIT=0"
	tm kill-server
	TMUX_SOCK="$TMUX_SOCK-attach"
	sock="$BATS_TEST_TMPDIR/s.sock"
	tui_start --attach "unix:$sock"
	wait_for "listening unix:$sock"
	run timeout 20 "$IPC" loop demo hello-soon --trace-to "unix:$sock"
	assert_success
	wait_for "the process went away"
	keys q
	wait_for "EXIT=0"
}

@test "tui: --attach with --replay, or either without a value, is a usage error" {
	run "$IPC" tui --attach unix:x.sock --replay t.jsonl
	assert_usage_error
	assert_line --index 0 'ipc tui pick: --attach and --replay exclude each other: one source at a time'
	run "$IPC" tui --attach
	assert_usage_error
	assert_line --index 0 "ipc tui pick: option '--attach' needs a value"
	run "$IPC" tui --replay
	assert_usage_error
	assert_line --index 0 "ipc tui pick: option '--replay' needs a value"
	run "$IPC" tui --attach unix:
	assert_usage_error
	assert_line --index 0 'ipc tui pick: attach: expected unix:PATH, a Unix socket to listen at'
	run "$IPC" tui --replay t.jsonl -- true
	assert_usage_error
	assert_line --index 0 --partial "unexpected argument 'true'"
	run "$IPC" tui --attach unix:x.sock -- true
	assert_usage_error
	assert_line --index 0 --partial "unexpected argument 'true'"
	run "$IPC" tui --wait 1
	assert_usage_error
	assert_line --index 0 'ipc tui pick: --wait goes with --attach'
	run "$IPC" tui --attach unix:x.sock --wait soon
	assert_usage_error
	assert_line --index 0 "ipc tui pick: --wait: not a duration in seconds: 'soon'"
	run "$IPC" tui --plain
	assert_usage_error
	assert_line --index 0 'ipc tui pick: --plain needs something to watch: -- CMD, --attach or --replay'
	run "$IPC" tui --bogus
	assert_usage_error
	assert_line --index 0 "ipc tui pick: unknown option '--bogus'"
}

@test "tui: --replay of a missing file fails with 66, --attach with no peer times out" {
	run "$IPC" tui --replay nosuch.jsonl --plain
	assert_failure 66
	assert_line --index 0 'ipc tui pick: nosuch.jsonl: no such file or directory (ENOENT)'
	assert_line --index 1 'hint: record one with --trace-to FILE.jsonl'
	run "$IPC" tui --attach "unix:$BATS_TEST_TMPDIR/w.sock" --plain --wait 0.2
	assert_failure 75
	assert_output --partial 'timed out'
}

@test "tui: --help of the applet says what no verb means" {
	run "$IPC" tui --help
	assert_success
	assert_output --partial "Without a verb, or with an option first, 'ipc tui' means 'ipc tui pick'."
	run "$IPC" tui pick --help
	assert_success
	assert_output --partial "--attach unix:PATH"
	assert_output --partial "--replay FILE"
}

# ---- panes: tab moves the focus, the arrows follow it ----

@test "tui: tab moves the focus, marked >>, and the arrows move in that pane" {
	tui_start -- "$IPC" loop demo clock-later --interval 0.05
	wait_for "paused before"
	# Each step waits for the child's next gate, so step until the loop
	# has turned twice (bounded), and the log has some events.
	for ((i = 0; i < 20; i++)); do
		screen | grep -qF "iteration 1:" && break
		before=$(screen)
		keys n
		wait_change "$before"
	done
	wait_for "iteration 1:"
	run screen
	assert_output --partial ">> event log"
	assert_output --partial "-- descriptors"
	# The log has the focus: up selects an older event, which changes
	# what the explanation pane says.
	explained() { screen | sed -n '/what happened/,$p'; }
	before=$(explained)
	keys Up
	wait_change_of explained "$before"
	keys Tab
	wait_for ">> descriptors"
	run screen
	assert_output --partial "-- event log"
	# Now the arrows move in the descriptors, not in the log: keys are
	# taken in order, so once tab has moved on, the arrows were seen.
	before=$(explained)
	keys Down Down Up Tab
	wait_for ">> timers (heap order)"
	assert_equal "$(explained)" "$before"
	keys Tab
	wait_for ">> tasks and futures"
	keys Tab
	wait_for ">> output"
	keys Tab
	wait_for ">> event log"
}

@test "tui: the help overlay names tab and the focused pane" {
	tui_start -- "$IPC" loop demo hello-soon
	wait_for "paused before"
	keys '?'
	wait_for "Keys (any key closes)"
	run screen
	assert_output --partial "focus the next pane (>>): the arrows move in it"
	assert_output --partial "previous row of the focused pane"
}

# ---- the child's output ----

@test "tui: the child's output shows in the output pane" {
	tui_start -- "$IPC" loop demo watch-fd
	wait_for "paused before"
	wait_for "(nothing yet)"
	keys r
	wait_for "the child exited 0"
	wait_for "Received: abc"
}

@test "tui: the child's output is escaped before it is drawn" {
	tui_start -- printf 'plain\nred\033[31mtext\n'
	wait_for "the child exited 0"
	wait_for 'red\x1b[31mtext'
	run screen
	assert_output --partial "plain"
}

# ---- the TUI's own trace never draws over its screen ----

@test "tui: --trace or --trace-to for the TUI itself is refused with a hint" {
	run "$IPC" --trace tui -- true
	assert_failure 64
	assert_line --index 0 'ipc tui pick: --trace and --trace-to trace the TUI itself, and its trace would draw over its screen'
	assert_line --index 1 --partial 'hint: the command under the TUI is traced already'
	run "$IPC" tui run --trace-to t.jsonl -- true
	assert_failure 64
	assert_line --index 0 --partial 'ipc tui run: --trace and --trace-to trace the TUI itself'
	run "$IPC" tui replay --trace=json t.jsonl
	assert_failure 64
}

@test "tui: with --plain the TUI may be traced, and the child still is" {
	run --separate-stderr timeout 20 "$IPC" --trace tui --plain -- \
		"$IPC" loop demo hello-soon
	assert_success
	assert_line --index 0 --regexp '^ +0 +[0-9]+ +hello'
	assert_line --regexp 'epoll_wait'
	[[ $stderr == *"[tui] socketpair("* ]]
	[[ $stderr == *"[tui] fork()"* ]]
}

@test "tui: IPC_TRACE for the TUI is turned off, said so, and the child is traced" {
	local cmd
	printf -v cmd '%q ' "$IPC" tui -- "$IPC" loop demo hello-soon
	tm new-session -d -x 80 -y 24 -c "$BATS_TEST_TMPDIR" \
		"IPC_TRACE=human $cmd 2>err; echo EXIT=\$?; exec cat"
	wait_for "paused before the next call"
	keys r
	wait_for "the child exited 0"
	run screen
	assert_output --partial "epoll_wait"
	refute_output --partial "[tui]"
	keys q
	wait_for "EXIT=0"
	run cat err
	assert_line --index 0 'ipc tui pick: not tracing the TUI itself (IPC_TRACE or IPC_TRACE_TO is set): its trace would draw over the screen; the command under it is still traced'
	refute_output --partial "[tui]"
}

# ---- --headless: the model alone, for the benchmark ----

@test "tui: --headless replays a trace through the model and says how fast" {
	"$IPC" loop demo clock-later --interval 0.01 --trace-to t.jsonl >/dev/null
	run "$IPC" tui --replay t.jsonl --headless
	assert_success
	assert_line --index 0 --regexp "^$(wc -l <t.jsonl) events in [0-9.]+ s: [0-9]+ events/s$"
	assert_line --index 1 --regexp '^[0-9.]+ s of CPU: [0-9]+ events per CPU second$'
	run "$IPC" tui --headless
	assert_usage_error
}

@test "tui: --headless attach counts the events of a live process" {
	attach_demo attach --headless
	assert_line --index 0 --regexp '^[0-9]+ events in [0-9.]+ s: [0-9]+ events/s$'
}

# ---- the Sockets and TLS view ----

# view NAME - press v until the top bar names view NAME (at most 8 views).
view() {
	local i before
	for ((i = 0; i < 8; i++)); do
		screen | head -1 | grep -qF "ipc tui: $1 |" && return 0
		before=$(screen)
		keys v
		wait_change "$before"
	done
	screen | head -1 | grep -qF "ipc tui: $1 |"
}

# ladder_rows - how many rungs the TLS ladder shows: "|---- Name ---->|".
ladder_rows() {
	screen | grep -cE '^ +[0-9]+ +\|[-.<]'
}

@test "tui: the Sockets and TLS view is there at 80x24 after v" {
	tui_start run -- "$IPC" tls bio
	wait_for "paused before the next call"
	view "Sockets and TLS"
	run screen
	assert_output --partial "connections (TCP state from the calls made)"
	assert_output --partial "PID     FD LOCAL"
	assert_output --partial "(no stream socket yet)"
	assert_output --partial "TLS handshake"
	assert_output --regexp "client +server"
	assert_output --partial "event log"
	assert_output --partial "what happened"
	assert_output --partial "space step"
	keys q
	wait_for "EXIT=0"
}

@test "tui: each step of tls bio adds rungs to the ladder, with arrows" {
	tui_start run -- "$IPC" tls bio
	wait_for "paused before the next call"
	view "Sockets and TLS"
	# Paused after the client's first SSL_connect: it wrote the
	# ClientHello, one rung from the client to the server.
	wait_for "ClientHello"
	assert_equal "$(ladder_rows)" 1
	screen | grep -qE '^ +1 +\|-+ ClientHello [0-9]+ B -+>\|'
	# The server's SSL_accept reads it and writes its flight, which waits
	# in a memory BIO for the client: dotted, and said in words.
	keys s
	wait_for "ServerHello"
	[ "$(ladder_rows)" -gt 1 ]
	screen | grep -qE '\|\.+ ServerHello [0-9]+ B \(in flight\) \.+\|'
	# The client's next SSL_connect reads the flight and finishes.
	keys s
	wait_for "TLSv1.3, TLS_AES"
	screen | grep -qE '\|<-+ Finished 52 B -+\|'
	screen | grep -qF 'Finished 52 B (in flight)'
	keys r
	wait_for "exited 0"
	keys q
	wait_for "EXIT=0"
}

@test "tui: the sock serve scenario opens in its view and ends by itself" {
	tui_start
	pick "sock serve"
	wait_for "ipc tui: Sockets and TLS | paused"
	keys r
	wait_for "exited 0"
	run screen
	assert_output --partial "TIME_WAIT"
	assert_output --partial "LAST_ACK"
	assert_output --partial "127.0.0.1:"
	keys q
	wait_for "pick a scenario"
	keys q
	wait_for "EXIT=0"
}

# ---- the mmap view, pipes and signal deliveries ----

# step_until REGEX - step one call at a time until the pane matches REGEX
# (grep -E), at most 60 steps.
step_until() {
	local i before
	for ((i = 0; i < 60; i++)); do
		screen | grep -qE -- "$1" && return 0
		before=$(screen)
		keys s
		wait_change "$before" || true
	done
	screen | grep -qE -- "$1" || { screen >&2; return 1; }
}

@test "tui: the mmap view shows mmap share's page, not resident, then written shared" {
	tui_start run -- "$IPC" mmap share --count 1000
	wait_for "paused before"
	view mmap
	# Paused at the first gate, just after mmap: no mincore yet.
	step_until '\[\?\]'
	run screen
	assert_output --partial "memory mappings (1)"
	step_until '\[\.\]'
	run screen
	assert_output --regexp 'pid [0-9]+ 0x[0-9a-f]+ rw- MAP_SHARED anonymous, 1 page, 0 resident'
	assert_output --partial ". not resident  r resident  S written shared  P private copy"
	# The parent's store marks the page in its mapping and in the child's
	# copy (made at fork): one page for both.
	step_until '\[S\]'
	wait_for "memory mappings (2)"
	[ "$(screen | grep -c '^  \[S\]')" -eq 2 ]
	step_until 'waitpid'
	run screen
	assert_output --regexp 'pid [0-9]+ 0x[0-9a-f]+ rw- MAP_SHARED anonymous, 1 page, 1 resident'
	assert_output --regexp 'MAP_SHARED anonymous, 1 page, unmapped'
	keys q
	wait_for "EXIT=0"
}

@test "tui: with --private each process's store is its own copy (P)" {
	tui_start run -- "$IPC" mmap share --private --count 1000
	wait_for "paused before"
	view mmap
	step_until '\[P\]'
	run screen
	assert_output --regexp 'rw- MAP_PRIVATE anonymous, 1 page, 1 resident'
	refute_output --partial "[S]"
	keys q
	wait_for "EXIT=0"
}

@test "tui: a pipeline shows the pipe from cat's fd 1 to sort's fd 0" {
	# cat waits in open(2) on the FIFO until we write to it, so both
	# children stay alive, and the pipe open, for as long as we step.
	mkfifo "$BATS_TEST_TMPDIR/in"
	tui_start run -- "$IPC" spawn pipeline -- cat in '|' sort
	wait_for "paused before"
	view Processes
	step_until '^[0-9]+:1 ==p1==> [0-9]+:0 +│'
	run screen
	assert_output --regexp '`- pid [0-9]+ running fd1>p1'
	assert_output --regexp '`- pid [0-9]+ running fd0<p1'
	assert_output --partial "pipes (pid:fd ==> pid:fd)"
	printf 'b\na\n' >"$BATS_TEST_TMPDIR/in"
	keys r
	wait_for "exited 0"
	run screen
	assert_output --partial "(no pipe open)"
}

@test "tui: a signal delivery is highlighted on its step, and only then" {
	tui_start run -- "$IPC" sig mask
	wait_for "paused before"
	view Processes
	step_until 'pending +SIGUSR1'
	step_until 'NOW [0-9]+ --SIGUSR1--> [0-9]+ unblocked'
	run screen
	assert_output --regexp 'delivered +\[SIGUSR1\]'
	assert_output --partial "how=SIG_UNBLOCK"
	before=$(screen)
	keys s
	wait_change "$before"
	wait_for "last "
	run screen
	assert_output --regexp 'last [0-9]+ --SIGUSR1--> [0-9]+ unblocked'
	refute_output --partial "[SIGUSR1]"
}

@test "tui: a signal from another process is drawn sender --> receiver" {
	tui_start run -- "$IPC" sig catch --count 1 --timeout 30 USR1
	wait_for "paused before"
	view Processes
	keys r
	wait_for "caught    SIGUSR1"
	pid=$(screen | sed -n 's/^\* pid \([0-9]*\) .*/\1/p' | head -1)
	[ -n "$pid" ]
	"$IPC" sig send "$pid" USR1
	wait_for "--SIGUSR1--> $pid SI_USER"
	run screen
	assert_output --regexp "(NOW|last) [0-9]+ --SIGUSR1--> $pid SI_USER"
	assert_output --regexp 'delivered +\[?SIGUSR1'
}

@test "tui: the picker opens mmap share in the mmap view" {
	tui_start
	pick "mmap share"
	wait_for "ipc tui: mmap | paused"
	wait_for "memory mappings (1)"
	keys q
	wait_for "pick a scenario"
	keys q
	wait_for "EXIT=0"
}
