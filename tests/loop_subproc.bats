#!/usr/bin/env bats
# ipc loop demo, subprocesses: subprocess-protocol (a SubprocessProtocol
# on date's stdout pipe) and subprocess-streams (readline and wait, then
# lines through tr with write and drain) on every backend; --trace showing
# the pipes, the spawn, the pidfd and the reaping; a program missing from
# PATH, and options that do not belong.

load helpers/common
load helpers/tasks
bats_require_minimum_version 1.5.0

DATE_RE='[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{6}'

# The JSON trace events of kind $1 in $stderr.
json_events() {
	printf '%s\n' "$stderr" | grep "\"ev\":\"$1\""
}

@test "demo --list: the subprocess group, after streams" {
	run timeout 20 "$IPC" loop demo --list
	assert_success
	assert_line --regexp '^subprocess-protocol +subprocess +a SubprocessProtocol .+'
	assert_line --regexp '^subprocess-streams +subprocess +a task .+'
	# The group comes right after the streams group.
	printf '%s\n' "$output" | grep -A1 '^register-socket-streams ' |
		tail -1 | grep -q '^subprocess-protocol '
}

@test "demo subprocess-protocol: the child's output, its exit, on every backend" {
	for b in select poll epoll; do
		run --separate-stderr timeout 20 "$IPC" loop demo subprocess-protocol --backend "$b" --debug
		assert_success
		no_warnings
		[ "${#lines[@]}" -eq 6 ]
		assert_line --index 0 --regexp '^connection_made: pid [0-9]+$'
		# The exit and the pipe's data and close come in either order.
		assert_line --regexp '^pipe_data_received: fd 1, 27 bytes$'
		assert_line 'pipe_connection_lost: fd 1'
		assert_line 'process_exited: returncode 0'
		data=$(printf '%s\n' "${lines[@]}" | grep -n '^pipe_data_received' | cut -d: -f1)
		closed=$(printf '%s\n' "${lines[@]}" | grep -n '^pipe_connection_lost' | cut -d: -f1)
		[ "$data" -lt "$closed" ]
		assert_line --index 4 --regexp "^Current date: $DATE_RE\$"
		assert_line --index 5 'Exit status: 0'
	done
}

@test "demo subprocess-streams: readline and wait, then tr with drain, on every backend" {
	for b in select poll epoll; do
		run --separate-stderr timeout 20 "$IPC" loop demo subprocess-streams --backend "$b" --debug
		assert_success
		no_warnings
		[ "${#lines[@]}" -eq 5 ]
		assert_line --index 0 --regexp "^Current date: $DATE_RE\$"
		assert_line --index 1 'date exited with 0'
		# 550000 bytes cannot all fit in the pipe and the buffer: drain waits.
		assert_line --index 2 --regexp '^tr: wrote 50000 lines in 500 writes, each followed by drain\(\); drain waited [1-9][0-9]* times$'
		assert_line --index 3 "tr: read back 50000 lines, 'LINE 00001' to 'LINE 50000'"
		assert_line --index 4 'tr exited with 0'
	done
}

@test "trace: pipe2, posix_spawnp, the pidfd, and the child reaped" {
	run --separate-stderr timeout 20 "$IPC" loop demo subprocess-protocol --trace=json
	assert_success
	json_events syscall | grep '"call":"pipe2"' | grep -q '"flags":"O_CLOEXEC"'
	# Our end of the pipe, and only ours, is made non-blocking.
	json_events syscall | grep '"call":"fcntl"' | grep -q 'O_NONBLOCK'
	spawn=$(json_events syscall | grep '"call":"posix_spawnp"')
	[[ $spawn == *'"file":"date"'* ]]
	pid=$(printf '%s\n' "$spawn" | grep -oE '"ret":[0-9]+' | cut -d: -f2)
	[ "$pid" -gt 0 ]
	json_events syscall | grep '"call":"pidfd_open"' | grep -q "\"pid\":$pid,"
	json_events state | grep -q "\"note\":\"subprocess $pid (date): stdin inherit, stdout pipe (our fd [0-9]*), stderr inherit\""
	json_events fd | grep -q '"what":"add".*"name":"pidfd"'
	json_events syscall | grep '"call":"waitpid"' | grep -q "\"ret\":$pid,"
	json_events state | grep -q "\"note\":\"child $pid exited: status 0x0\""
	json_events callback | grep -q '"name":"process_exited","why":"child"'
}

@test "trace: the streams task awaits the exit and drain" {
	run --separate-stderr timeout 20 "$IPC" loop demo subprocess-streams --trace=json
	assert_success
	# (No "process exit" await is promised: the child may be reaped first.)
	for what in "stream data" drain; do
		json_events task | grep -q "\"what\":\"await\",\"name\":\"subprocess_streams\",\"awaits\":\"$what\""
	done
	json_events task | grep -q '"what":"await","name":"read_back","awaits":"stream data"'
	json_events syscall | grep '"call":"posix_spawnp"' | grep -q '"file":"tr"'
}

@test "demo subprocess-*: a program missing from PATH is an error, not an exit status" {
	for demo in subprocess-protocol subprocess-streams; do
		run --separate-stderr timeout 20 env PATH=/nonexistent "$IPC" loop demo "$demo"
		assert_failure 66
		err_lines
		assert_equal "${ERRS[0]}" "ipc loop demo: posix_spawnp date: no such file or directory (ENOENT)"
		[[ ${ERRS[1]} == "hint: the program is not in PATH"* ]]
		[ "${#ERRS[@]}" -eq 2 ]
		[[ $output != *"Current date"* ]]
	done
}

@test "demo subprocess-*: options that do not belong, and a second name" {
	run "$IPC" loop demo subprocess-protocol --serve 127.0.0.1:0
	assert_usage_error
	assert_line --index 0 "ipc loop demo: --serve is for the server demos"
	run "$IPC" loop demo subprocess-streams --connect 127.0.0.1:1
	assert_usage_error
	assert_line --index 0 "ipc loop demo: --connect is for the client demos"
	run "$IPC" loop demo subprocess-streams --interval 0.1
	assert_usage_error
	assert_line --index 0 --partial "ipc loop demo: --interval is for"
	run "$IPC" loop demo subprocess-protocol --bogus
	assert_usage_error
	assert_line --index 0 "ipc loop demo: unknown option '--bogus'"
	run "$IPC" loop demo subprocess-protocol subprocess-streams
	assert_usage_error
	assert_line --index 0 "ipc loop demo: unexpected argument 'subprocess-streams'"
	run "$IPC" loop demo subprocess-protocol --backend kqueue
	assert_usage_error
}

@test "--step: subprocess-protocol stops at each iteration, and still ends" {
	run timeout 20 python3 "$HELPERS/stepper.py" --iter 3 \
		"$IPC" loop demo subprocess-protocol
	assert_success
	assert_line "Exit status: 0"
	assert_line --regexp '^gate [3-9]$'
	assert_line --regexp '^state [0-9]+$'
}

@test "--inject: no pipe, no pidfd, a failed read: each reported, nothing printed as a result" {
	run --separate-stderr timeout 20 "$IPC" loop demo subprocess-protocol --inject pipe2=EMFILE
	assert_failure 71
	assert_output ""
	err_lines
	assert_equal "${ERRS[0]}" "ipc loop demo: pipe2 date: too many open files (EMFILE)"
	# The child was spawned, then its watcher failed: it is killed and reaped.
	run --separate-stderr timeout 20 "$IPC" loop demo subprocess-streams --inject pidfd_open=EMFILE
	assert_failure 71
	assert_output ""
	err_lines
	assert_equal "${ERRS[0]}" "ipc loop demo: loop_add_child_watcher date: too many open files (EMFILE)"
	run --separate-stderr timeout 20 "$IPC" loop demo subprocess-protocol --inject read=EIO
	assert_failure 74
	refute_output --partial "Current date"
	err_lines
	assert_equal "${ERRS[0]}" "ipc loop demo: the child's stdout: input/output error (EIO)"
	run --separate-stderr timeout 20 "$IPC" loop demo subprocess-streams --inject read=EIO
	assert_failure 74
	assert_output ""
	err_lines
	assert_equal "${ERRS[0]}" "ipc loop demo: date: input/output error (EIO)"
}
