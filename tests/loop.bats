#!/usr/bin/env bats
# ipc loop: the demos run by themselves and end with exit 0 on every
# backend, their iterations show up in --trace=json (iter, poll, callback,
# timer, fd), --step stops once per iteration, and bad input and injected
# faults end with the right status and message.

load helpers/common

# json_events KIND - the JSON events of that kind in $output.
json_events() {
	echo "$output" | grep "\"ev\":\"$1\""
}

@test "demo --list: every name with one line" {
	run timeout 20 "$IPC" loop demo --list
	assert_success
	assert_line --index 0 --regexp '^NAME +GROUP +WHAT IT SHOWS$'
	for name in hello-soon clock-later watch-fd signals; do
		assert_line --regexp "^$name +event loop +[a-z_]+: .+"
	done
	for name in hello-coro clock-coro chain future-until-complete \
		    future-forever parallel; do
		assert_line --regexp "^$name +tasks and futures +.+"
	done
	for name in tcp-echo-server tcp-echo-client udp-echo-server \
		    udp-echo-client register-socket; do
		assert_line --regexp "^$name +protocols +a .+"
	done
	for name in stream-echo-server stream-echo-client http-headers \
		    register-socket-streams; do
		assert_line --regexp "^$name +streams +a .+"
	done
	for name in subprocess-protocol subprocess-streams; do
		assert_line --regexp "^$name +subprocess +a .+"
	done
	for name in executor lock event condition semaphore queue; do
		assert_line --regexp "^$name +executor and primitives +[a-z].+"
	done
	for name in asyncore-http-client asyncore-echo-server asynchat-http; do
		assert_line --regexp "^$name +asyncore and asynchat +a .+"
	done
	[ "${#lines[@]}" -eq 31 ]
}

@test "demo --list --json: one object per demo" {
	run timeout 20 "$IPC" loop demo --list --json
	assert_success
	echo "$output" | python3 -c '
import json, sys
rows = [json.loads(l) for l in sys.stdin]
names = [r["name"] for r in rows]
assert names == ["hello-soon", "clock-later", "watch-fd", "signals",
                 "hello-coro", "clock-coro", "chain",
                 "future-until-complete", "future-forever", "parallel",
                 "tcp-echo-server", "tcp-echo-client", "udp-echo-server",
                 "udp-echo-client", "register-socket",
                 "stream-echo-server", "stream-echo-client",
                 "http-headers", "register-socket-streams",
                 "subprocess-protocol", "subprocess-streams", "executor", "lock", "event",
                 "condition", "semaphore", "queue", "asyncore-http-client",
                 "asyncore-echo-server", "asynchat-http"], names
assert all(r["summary"] and r["group"] for r in rows)'
}

@test "demo hello-soon: Hello World on every backend" {
	for b in select poll epoll; do
		run timeout 20 "$IPC" loop demo hello-soon --backend "$b"
		assert_success
		assert_output "Hello World"
	done
}

@test "demo clock-later: five dates, --interval apart" {
	run timeout 20 "$IPC" loop demo clock-later --interval 0.05
	assert_success
	[ "${#lines[@]}" -eq 5 ]
	for l in "${lines[@]}"; do
		[[ $l =~ ^[0-9]{4}-[0-9]{2}-[0-9]{2}\ [0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{6}$ ]]
	done
	# Four gaps of at least 50 ms: the timers are not early.
	printf '%s\n' "${lines[@]}" | python3 -c '
import sys, datetime
t = [datetime.datetime.strptime(l.strip(), "%Y-%m-%d %H:%M:%S.%f") for l in sys.stdin]
gaps = [(b - a).total_seconds() for a, b in zip(t, t[1:])]
assert all(g >= 0.049 for g in gaps), gaps'
}

@test "demo watch-fd: the reader gets abc on every backend" {
	for b in select poll epoll; do
		run timeout 20 "$IPC" loop demo watch-fd --backend "$b"
		assert_success
		assert_output "Received: abc"
	done
}

@test "demo signals: SIGINT then SIGTERM through signalfd" {
	run timeout 20 "$IPC" loop demo signals --trace=json
	assert_success
	assert_line --regexp '^pid [0-9]+: SIGINT and SIGTERM reach the loop through signalfd$'
	assert_line "sending SIGINT to ourselves"
	assert_line "got signal SIGINT: in the loop, not in a handler"
	assert_line "sending SIGTERM to ourselves"
	assert_line "got signal SIGTERM: exit"
	json_events syscall | grep -q '"call":"signalfd"'
	json_events syscall | grep -q '"call":"sigprocmask"'
	json_events callback | grep '"why":"signal"' | grep -q '"name":"ask_exit"'
	# No handler was installed: the signals stayed blocked and were read.
	! json_events syscall | grep -q '"call":"sigaction"'
}

@test "demo signals --signals self-pipe: a handler writes into a pipe" {
	run timeout 20 "$IPC" loop demo signals --signals self-pipe --trace=json
	assert_success
	assert_line --regexp 'reach the loop through self-pipe$'
	assert_line "got signal SIGTERM: exit"
	json_events syscall | grep -q '"call":"pipe2"'
	json_events syscall | grep -q '"call":"sigaction"'
	! json_events syscall | grep -q '"call":"signalfd"'
	[ "$(json_events callback | grep -c '"why":"signal"')" -eq 2 ]
}

@test "trace: hello-soon shows iter, poll and its callback" {
	run timeout 20 "$IPC" loop demo hello-soon --backend poll --trace=json
	assert_success
	json_events callback | grep '"name":"hello_world"' | grep -q '"why":"soon"'
	json_events iter | head -1 | grep -q '"ran":1'
	json_events poll | head -1 | grep -q '"backend":"poll"'
	# The order: the callback runs, then the iteration waits (0 ms: stopping).
	echo "$output" | grep -oE '"ev":"(callback|iter|poll)"' | head -3 |
		tr '\n' ' ' | grep -q 'callback.*iter.*poll'
	json_events iter | head -1 | grep -q '"timeout_ms":0'
}

@test "trace: clock-later adds, fires and runs its timers" {
	run timeout 20 "$IPC" loop demo clock-later --interval 0.01 --trace=json
	assert_success
	[ "$(json_events timer | grep -c '"what":"add"')" -eq 4 ]
	[ "$(json_events timer | grep -c '"what":"fire"')" -eq 4 ]
	[ "$(json_events callback | grep -c '"why":"timer"')" -eq 4 ]
	# The wait is computed from the nearest timer, never forever.
	json_events iter | grep -q '"timeout_ms":[1-9]'
	! json_events iter | grep -q '"timeout_ms":-1'
}

@test "trace: watch-fd registers, reports and removes the fd" {
	run timeout 20 "$IPC" loop demo watch-fd --backend select --trace=json
	assert_success
	json_events fd | grep '"what":"add"' | grep -q '"interest":"IN"'
	json_events fd | grep '"what":"remove"' | grep -q '"name":"reader"'
	json_events poll | grep -qE '"interest":"[0-9]+:IN","ready":"[0-9]+:IN"'
	json_events callback | grep -q '"why":"reader"'
	json_events syscall | grep -q '"call":"select"'
}

@test "--step: one gate per iteration, and the process really waits" {
	run timeout 20 python3 "$HELPERS/stepper.py" --iter 3 \
		"$IPC" loop demo clock-later --interval 0.01
	assert_success
	# Five ticks take five iterations; the first three were stepped.
	assert_line "iter 5"
	assert_line "gate 4"
}

@test "--debug: a clean run warns about nothing" {
	run timeout 20 "$IPC" loop demo watch-fd --debug
	assert_success
	assert_output "Received: abc"
}

@test "bad input: usage errors" {
	run "$IPC" loop demo
	assert_usage_error
	assert_line --index 0 "ipc loop demo: which demo? (see --list)"
	run "$IPC" loop demo nosuch
	assert_usage_error
	assert_line --index 0 "ipc loop demo: no demo called 'nosuch' (see --list)"
	run "$IPC" loop demo hello-soon --interval 1
	assert_usage_error
	assert_line --index 0 "ipc loop demo: --interval is for clock-later and the task demos that sleep"
	run "$IPC" loop demo hello-soon --signals self-pipe
	assert_usage_error
	assert_line --index 0 "ipc loop demo: --signals is for the signals demo"
	run "$IPC" loop demo --list hello-soon
	assert_usage_error
	assert_line --index 0 "ipc loop demo: --list takes no demo name"
	run "$IPC" loop demo hello-soon --json
	assert_usage_error
	assert_line --index 0 "ipc loop demo: --json is for --list"
	run "$IPC" loop demo hello-soon --backend kqueue
	assert_usage_error
	run "$IPC" loop demo signals --signals carrier-pigeon
	assert_usage_error
}

@test "--inject: the backend cannot be created" {
	run "$IPC" loop demo hello-soon --inject epoll_create1=EMFILE
	assert_failure 71
	assert_line --index 0 "ipc loop demo: loop: too many open files (EMFILE)"
	assert_line --index 1 --partial "hint: "
}

@test "--inject: the wait fails" {
	run timeout 20 "$IPC" loop demo watch-fd --backend select --inject select=EBADF
	assert_failure 74
	assert_line --index 0 "ipc loop demo: select: bad file descriptor (EBADF)"
	assert_line --index 1 "hint: that descriptor is not open"
}

@test "--inject: the read in the reader fails" {
	run timeout 20 "$IPC" loop demo watch-fd --inject recv=ECONNRESET
	assert_failure 69
	assert_line --index 0 "ipc loop demo: recv: connection reset by peer (ECONNRESET)"
}

@test "--inject: signalfd and sigaction refused" {
	run timeout 20 "$IPC" loop demo signals --inject signalfd=EMFILE
	assert_failure 71
	assert_line --index 0 "ipc loop demo: add_signal_handler: too many open files (EMFILE)"
	run timeout 20 "$IPC" loop demo signals --signals self-pipe --inject sigaction=EINVAL
	assert_failure 64
	assert_line --index 0 "ipc loop demo: add_signal_handler: invalid argument (EINVAL)"
}

# ---- the protocols group ----

@test "demo tcp-echo-server: the server and its own client, in one loop" {
	for b in select poll epoll; do
		run timeout 20 "$IPC" loop demo tcp-echo-server --backend "$b"
		assert_success
		assert_line --regexp '^server: Serving on 127\.0\.0\.1:[0-9]+$'
		assert_line --regexp '^server: Connection from 127\.0\.0\.1:[0-9]+$'
		assert_line "client: Data sent: 'Hello World!'"
		assert_line "server: Data received: 'Hello World!'"
		assert_line "server: Send: 'Hello World!'"
		assert_line "server: Close the client socket"
		assert_line "client: Data received: 'Hello World!'"
		assert_line "client: The server closed the connection"
		assert_line --index 8 "client: Stop the event loop"
	done
}

@test "demo tcp-echo-server --serve: python asyncio clients, then SIGTERM" {
	start_server srv "$IPC" loop demo tcp-echo-server --serve 127.0.0.1:0
	run timeout 20 python3 "$HELPERS/aio.py" tcp-clients "$srv_PORT" 20 "hi there"
	assert_success
	assert_output "ok 20"
	stop_server srv TERM
	[ "$srv_STATUS" -eq 0 ]
	run cat "$BATS_TEST_TMPDIR/srv.out"
	assert_line --regexp '^Serving on 127\.0\.0\.1:[0-9]+$'
	[ "$(grep -c "^Data received: 'hi there'$" "$BATS_TEST_TMPDIR/srv.out")" -eq 20 ]
	run server_log srv
	assert_line "ipc loop demo: SIGTERM: stopping"
}

@test "demo tcp-echo-client --connect: against a python asyncio server" {
	start_server peer python3 "$HELPERS/aio.py" tcp-echo-server
	run timeout 20 "$IPC" loop demo tcp-echo-client --connect "$peer_ADDR"
	assert_success
	assert_output "Data sent: 'Hello World!'
Data received: 'Hello World!'
The server closed the connection
Stop the event loop"
}

@test "demo tcp-echo-client --connect: refused" {
	start_server peer python3 "$HELPERS/peer.py" echo-server --once
	port=$peer_PORT
	stop_server peer
	run timeout 20 "$IPC" loop demo tcp-echo-client --connect "127.0.0.1:$port"
	assert_failure 69
	assert_line --index 0 "ipc loop demo: 127.0.0.1:$port: connection refused (ECONNREFUSED)"
	assert_line --index 1 --partial "hint: nothing is listening there"
}

@test "demo udp-echo-server: the server and its own client" {
	run timeout 20 "$IPC" loop demo udp-echo-server
	assert_success
	assert_line --regexp '^server: Starting UDP server on 127\.0\.0\.1:[0-9]+$'
	assert_line "client: Send: Hello World!"
	assert_line --regexp "^server: Received 'Hello World!' from 127\.0\.0\.1:[0-9]+$"
	assert_line --regexp "^server: Send 'Hello World!' to 127\.0\.0\.1:[0-9]+$"
	assert_line "client: Received: Hello World!"
	assert_line "client: Close the socket"
	assert_line "client: Socket closed, stop the event loop"
}

@test "demo udp-echo-server --serve: a python asyncio client" {
	start_server srv "$IPC" loop demo udp-echo-server --serve 127.0.0.1:0
	run timeout 20 python3 "$HELPERS/aio.py" udp-client "$srv_PORT" "ping"
	assert_success
	assert_output "ping"
	stop_server srv INT
	[ "$srv_STATUS" -eq 0 ]
	run cat "$BATS_TEST_TMPDIR/srv.out"
	assert_line --regexp "^Received 'ping' from 127\.0\.0\.1:[0-9]+$"
	run server_log srv
	assert_line "ipc loop demo: SIGINT: stopping"
}

@test "demo udp-echo-client --connect: a python asyncio server, and a closed port" {
	start_server peer python3 "$HELPERS/aio.py" udp-echo-server
	run timeout 20 "$IPC" loop demo udp-echo-client --connect "$peer_ADDR"
	assert_success
	assert_output "Send: Hello World!
Received: Hello World!
Close the socket
Socket closed, stop the event loop"
	stop_server peer
	run timeout 20 "$IPC" loop demo udp-echo-client --connect "$peer_ADDR"
	assert_failure 69
	assert_line "Error received: ECONNREFUSED"
	assert_line "ipc loop demo: $peer_ADDR: connection refused (ECONNREFUSED)"
}

@test "demo register-socket: a protocol on a socketpair gets abc" {
	run timeout 20 "$IPC" loop demo register-socket --trace=json
	assert_success
	assert_line "Received: abc"
	json_events callback | grep -q '"name":"connection_made"'
	json_events callback | grep -q '"name":"data_received"'
	json_events callback | grep -q '"name":"connection_lost"'
}

@test "protocol demos: --serve and --connect only where they belong" {
	run "$IPC" loop demo tcp-echo-client --serve 127.0.0.1:0
	assert_usage_error
	assert_line --index 0 "ipc loop demo: --serve is for the server demos"
	run "$IPC" loop demo udp-echo-server --connect 127.0.0.1:1
	assert_usage_error
	assert_line --index 0 "ipc loop demo: --connect is for the client demos"
	run "$IPC" loop demo tcp-echo-server --serve 'not an address:x'
	assert_failure
	run "$IPC" loop demo tcp-echo-server --inject listen=EADDRINUSE
	assert_failure 69
	assert_line --index 0 "ipc loop demo: listen: address already in use (EADDRINUSE)"
}
