#!/usr/bin/env bats
# ipc loop demo, streams: the echo pair in one loop on every backend,
# stream-echo-server serving python asyncio clients, stream-echo-client
# against python's asyncio stream echo server, register-socket-streams,
# a refused connection, and --debug finding nothing left behind.

load helpers/common
load helpers/tasks
bats_require_minimum_version 1.5.0

@test "demo --list: the streams group" {
	run timeout 20 "$IPC" loop demo --list
	assert_success
	for name in stream-echo-server stream-echo-client register-socket-streams; do
		assert_line --regexp "^$name +streams +a task .+"
	done
}

@test "demo stream-echo-server: server and client tasks in one loop" {
	for b in select poll epoll; do
		run --separate-stderr timeout 20 "$IPC" loop demo stream-echo-server --backend "$b" --debug
		assert_success
		no_warnings
		assert_line --index 0 --regexp '^server: Serving on 127\.0\.0\.1:[0-9]+$'
		assert_line --index 1 "client: Send: 'Hello World!'"
		assert_line --index 2 --regexp "^server: Received 'Hello World!' from 127\.0\.0\.1:[0-9]+$"
		assert_line --index 3 "server: Send: 'Hello World!'"
		assert_line --index 4 "server: Close the client socket"
		assert_line --index 5 "client: Received: 'Hello World!'"
		assert_line --index 6 "client: Close the socket"
		[ "${#lines[@]}" -eq 7 ]
	done
}

@test "demo stream-echo-server --serve: python asyncio clients, then SIGTERM" {
	start_server srv "$IPC" loop demo stream-echo-server --serve 127.0.0.1:0
	run timeout 20 python3 "$HELPERS/aio.py" tcp-clients "$srv_PORT" 20 "hi there"
	assert_success
	assert_output "ok 20"
	stop_server srv TERM
	[ "$srv_STATUS" -eq 0 ]
	run cat "$BATS_TEST_TMPDIR/srv.out"
	assert_line --index 0 --regexp '^Serving on 127\.0\.0\.1:[0-9]+$'
	[ "$(grep -c "^Received 'hi there' from 127\.0\.0\.1:[0-9]*$" "$BATS_TEST_TMPDIR/srv.out")" -eq 20 ]
	[ "$(grep -c '^Close the client socket$' "$BATS_TEST_TMPDIR/srv.out")" -eq 20 ]
	run server_log srv
	assert_line "ipc loop demo: SIGTERM: stopping"
}

@test "demo stream-echo-server --serve: a client that never writes is cancelled at SIGTERM" {
	start_server srv "$IPC" loop demo stream-echo-server --serve 127.0.0.1:0
	local conn
	exec {conn}<>"/dev/tcp/127.0.0.1/$srv_PORT"
	# The handler now waits in read(100); one echo proves the server is up.
	run timeout 20 python3 "$HELPERS/aio.py" tcp-clients "$srv_PORT" 1 "x"
	assert_output "ok 1"
	stop_server srv TERM
	exec {conn}<&-
	[ "$srv_STATUS" -eq 0 ]
	run server_log srv
	assert_line "ipc loop demo: SIGTERM: stopping"
	refute_output --partial "loop_close"
}

@test "demo stream-echo-client --connect: against python's asyncio stream server" {
	start_server peer python3 "$HELPERS/aio.py" tcp-echo-server
	run --separate-stderr timeout 20 "$IPC" loop demo stream-echo-client --connect "$peer_ADDR" --debug
	assert_success
	no_warnings
	assert_output "Send: 'Hello World!'
Received: 'Hello World!'
Close the socket"
}

@test "demo stream-echo-client --connect: refused" {
	start_server peer python3 "$HELPERS/peer.py" echo-server --once
	port=$peer_PORT
	stop_server peer
	run --separate-stderr timeout 20 "$IPC" loop demo stream-echo-client --connect "127.0.0.1:$port"
	assert_failure 69
	assert_output ""
	err_lines
	assert_equal "${ERRS[0]}" "ipc loop demo: 127.0.0.1:$port: connection refused (ECONNREFUSED)"
	[[ ${ERRS[1]} == "hint: "* ]]
	[ "${#ERRS[@]}" -eq 2 ]
}

@test "demo register-socket-streams: the bytes sent into the other end" {
	run --separate-stderr timeout 20 "$IPC" loop demo register-socket-streams --debug
	assert_success
	no_warnings
	assert_output "Received: abc"
}

@test "stream demos: --serve and --connect only where they belong" {
	run "$IPC" loop demo stream-echo-client --serve 127.0.0.1:0
	assert_usage_error
	assert_line --index 0 "ipc loop demo: --serve is for the server demos"
	run "$IPC" loop demo register-socket-streams --connect 127.0.0.1:1
	assert_usage_error
	assert_line --index 0 "ipc loop demo: --connect is for the client demos"
	run "$IPC" loop demo stream-echo-server --serve 'not an address:x'
	assert_usage_error
}

@test "trace: the client task awaits open_connection, data, and the close" {
	run --separate-stderr timeout 20 "$IPC" loop demo stream-echo-server --trace=json
	assert_success
	for what in open_connection "stream data" wait_closed; do
		printf '%s\n' "$stderr" | grep -q "\"what\":\"await\",\"name\":\"tcp_echo_client\",\"awaits\":\"$what\""
	done
	printf '%s\n' "$stderr" | grep -q '"what":"await","name":"handle_echo","awaits":"stream data"'
}
