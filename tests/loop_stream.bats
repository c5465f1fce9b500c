#!/usr/bin/env bats
# ipc loop demo, streams: the echo pair in one loop on every backend,
# stream-echo-server serving python asyncio clients, stream-echo-client
# against python's asyncio stream echo server, register-socket-streams,
# a refused connection, and --debug finding nothing left behind.
# http-headers against its own server, python's http.server, and peers
# that break HTTP (exit 76).

load helpers/common
load helpers/tasks
bats_require_minimum_version 1.5.0

@test "demo --list: the streams group" {
	run timeout 20 "$IPC" loop demo --list
	assert_success
	for name in stream-echo-server stream-echo-client http-headers register-socket-streams; do
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

# ---- http-headers ----

# http_server - python3 -m http.server on a free port, serving an empty
# directory.  Its ready line ("Serving HTTP on 127.0.0.1 port N (...)")
# goes to stdout: wait for it there.  Sets web_PID and web_PORT.
http_server() {
	local fifo=$BATS_TEST_TMPDIR/web.fifo line fd
	mkdir -p "$BATS_TEST_TMPDIR/www"
	mkfifo "$fifo"
	python3 -u -m http.server --bind 127.0.0.1 \
		--directory "$BATS_TEST_TMPDIR/www" 0 \
		>"$fifo" 2>"$BATS_TEST_TMPDIR/web.err" 3>&- &
	web_PID=$!
	STARTED+=("$web_PID")
	exec {fd}<"$fifo"
	IFS= read -r -t "$WAIT" -u "$fd" line
	if [[ $line != "Serving HTTP on 127.0.0.1 port "* ]]; then
		exec {fd}<&-
		echo "http_server: no ready line: $line" >&2
		return 1
	fi
	web_PORT=${line#Serving HTTP on 127.0.0.1 port }
	web_PORT=${web_PORT%% *}
	cat <&"$fd" >/dev/null 3>&- &
	exec {fd}<&-
}

@test "demo http-headers: HEAD against its own server, on every backend" {
	for b in select poll epoll; do
		run --separate-stderr timeout 20 "$IPC" loop demo http-headers --backend "$b" --debug
		assert_success
		no_warnings
		assert_line --index 0 --regexp '^server: Serving on 127\.0\.0\.1:[0-9]+$'
		assert_line --index 1 --regexp "^server: 'HEAD / HTTP/1\.0' from 127\.0\.0\.1:[0-9]+$"
		assert_line --index 2 "server: HTTP/1.0 200 OK"
		assert_line --index 3 "client: HTTP header> HTTP/1.0 200 OK"
		assert_line --index 4 --regexp '^client: HTTP header> Server: ipc-loop/[0-9.]+$'
		assert_line --index 5 --regexp '^client: HTTP header> Date: [A-Z][a-z]{2}, [0-9]{2} [A-Z][a-z]{2} [0-9]{4} [0-9]{2}:[0-9]{2}:[0-9]{2} GMT$'
		assert_line --index 6 "client: HTTP header> Content-Type: text/plain; charset=utf-8"
		assert_line --index 7 "client: HTTP header> Content-Length: 13"
		[ "${#lines[@]}" -eq 8 ]
	done
}

@test "demo http-headers --serve: its server answers curl, and refuses what it does not speak" {
	start_server srv "$IPC" loop demo http-headers --serve 127.0.0.1:0
	run timeout 10 curl -sS -I "http://$srv_ADDR/"
	assert_success
	assert_line --index 0 $'HTTP/1.0 200 OK\r'
	assert_line $'Content-Length: 13\r'
	run timeout 10 curl -sS "http://$srv_ADDR/any/path"
	assert_success
	assert_output "Hello World!"
	run timeout 10 curl -sS -o /dev/null -w '%{http_code}' -X PUT "http://$srv_ADDR/"
	assert_output "501"
	run timeout 10 socat -t 5 - "TCP:$srv_ADDR" <<<$'junk\r\n'
	assert_line --index 0 $'HTTP/1.0 400 Bad Request\r'
	stop_server srv TERM
	[ "$srv_STATUS" -eq 0 ]
	run cat "$BATS_TEST_TMPDIR/srv.out"
	assert_line --index 0 "Serving on $srv_ADDR"
	assert_line --regexp "^'HEAD / HTTP/1\.1' from 127\.0\.0\.1:[0-9]+$"
	assert_line --regexp "^'GET /any/path HTTP/1\.1' from 127\.0\.0\.1:[0-9]+$"
	assert_line "HTTP/1.0 501 Not Implemented"
	assert_line "HTTP/1.0 400 Bad Request"
	run "$IPC" loop demo http-headers --serve 127.0.0.1:0 --connect 127.0.0.1:1
	assert_usage_error
	assert_line --index 0 "ipc loop demo: --serve or --connect: not both"
}

@test "demo http-headers --connect: python's http.server, as host:port and as a URL" {
	http_server
	run --separate-stderr timeout 20 "$IPC" loop demo http-headers --connect "127.0.0.1:$web_PORT" --debug
	assert_success
	no_warnings
	assert_line --index 0 "HTTP header> HTTP/1.0 200 OK"
	assert_line --regexp '^HTTP header> Server: SimpleHTTP/[0-9.]+ Python/'
	assert_line --regexp '^HTTP header> Date: .+ GMT$'
	assert_line --regexp '^HTTP header> Content-[Tt]ype: text/html'
	assert_line --regexp '^HTTP header> Content-Length: [0-9]+$'
	refute_output --partial "<"
	# The URL form, the example's: its path goes into the request.
	run --separate-stderr timeout 20 "$IPC" loop demo http-headers --connect "http://127.0.0.1:$web_PORT/missing"
	assert_success
	assert_line --index 0 --regexp '^HTTP header> HTTP/1\.0 404 '
	grep -q '"HEAD /missing HTTP/1.0" 404' "$BATS_TEST_TMPDIR/web.err"
}

@test "demo http-headers --connect: a peer that answers junk is a protocol error (76)" {
	start_server peer python3 "$HELPERS/peer.py" send-server $'junk\r\n'
	run --separate-stderr timeout 20 "$IPC" loop demo http-headers --connect "$peer_ADDR"
	assert_failure 76
	assert_output ""
	err_lines
	assert_equal "${ERRS[0]}" "ipc loop demo: $peer_ADDR: not an HTTP status line: 'junk': protocol error (EPROTO)"
	assert_equal "${ERRS[1]}" "hint: the peer does not speak HTTP/1.x, or cut its answer short: is it an HTTP server?"
	[ "${#ERRS[@]}" -eq 2 ]
}

@test "demo http-headers --connect: a peer that closes before the blank line (76)" {
	start_server peer python3 "$HELPERS/peer.py" send-server $'HTTP/1.0 200 OK\r\nServer: half\r\n'
	run --separate-stderr timeout 20 "$IPC" loop demo http-headers --connect "$peer_ADDR"
	assert_failure 76
	assert_line --index 0 "HTTP header> HTTP/1.0 200 OK"
	assert_line --index 1 "HTTP header> Server: half"
	err_lines
	assert_equal "${ERRS[0]}" "ipc loop demo: $peer_ADDR: closed before the end of the headers: protocol error (EPROTO)"
	[[ ${ERRS[1]} == "hint: "* ]]
}

@test "demo http-headers --connect: bounded lines and a bounded count of them (76)" {
	long=$(printf 'X-Long: %05000d' 0)
	start_server peer python3 "$HELPERS/peer.py" send-server $'HTTP/1.0 200 OK\r\n'"$long"$'\r\n\r\n'
	run --separate-stderr timeout 20 "$IPC" loop demo http-headers --connect "$peer_ADDR"
	assert_failure 76
	err_lines
	assert_equal "${ERRS[0]}" "ipc loop demo: $peer_ADDR: a header line longer than 4096 bytes: protocol error (EPROTO)"
	many=$'HTTP/1.0 200 OK\r\n'
	for i in $(seq 1 150); do many+="X-N: $i"$'\r\n'; done
	start_server peer2 python3 "$HELPERS/peer.py" send-server "$many"
	run --separate-stderr timeout 20 "$IPC" loop demo http-headers --connect "$peer2_ADDR"
	assert_failure 76
	[ "${#lines[@]}" -eq 100 ]
	err_lines
	assert_equal "${ERRS[0]}" "ipc loop demo: $peer2_ADDR: more than 100 header lines: protocol error (EPROTO)"
}

@test "demo http-headers --connect: bad targets" {
	run "$IPC" loop demo http-headers --connect https://127.0.0.1:1/
	assert_usage_error
	assert_line --index 0 "ipc loop demo: https://127.0.0.1:1/: https is not spoken here (try 'ipc tls connect')"
	run "$IPC" loop demo http-headers --connect http:///path
	assert_usage_error
	assert_line --index 0 "ipc loop demo: http:///path: no host, or too long a one"
	run "$IPC" loop demo http-headers --connect "http://127.0.0.1:1/a b"
	assert_usage_error
	assert_line --index 0 "ipc loop demo: http://127.0.0.1:1/a b: no spaces or line breaks in an address or URL"
	start_server peer python3 "$HELPERS/peer.py" echo-server --once
	port=$peer_PORT
	stop_server peer
	run --separate-stderr timeout 20 "$IPC" loop demo http-headers --connect "http://127.0.0.1:$port/"
	assert_failure 69
	err_lines
	assert_equal "${ERRS[0]}" "ipc loop demo: 127.0.0.1:$port: connection refused (ECONNREFUSED)"
}
