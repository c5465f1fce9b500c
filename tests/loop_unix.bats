#!/usr/bin/env bats
# The loop on Unix sockets, as asyncio's create_unix_server,
# create_unix_connection, start_unix_server and open_unix_connection:
# `ipc loop serve unix:PATH --echo` with socat as the peer,
# stream-echo-client against python's asyncio start_unix_server,
# tcp-echo-server on an abstract name, http-headers at both ends, the
# stream and asyncore servers and the UDP pair on Unix sockets, the
# socket file a server removes when it stops (and the one it leaves
# alone), and bad paths.

load helpers/common
load helpers/tasks
bats_require_minimum_version 1.5.0

setup() {
	# /tmp/bats-run-XXXXXX/test/N: far from sun_path's 107 bytes.
	SOCKDIR=$BATS_TEST_TMPDIR
	ABSTRACT="ipc-test-$$-$BATS_TEST_NUMBER"
}

# socat_echo ADDR SOCAT-ADDR TEXT CMD... - start CMD, a server on ADDR;
# send TEXT through socat to SOCAT-ADDR and expect it back; stop the
# server with SIGTERM and expect it to exit 0.
socat_echo() {
	local addr=$1 peer=$2 text=$3
	shift 3
	start_server srv "$@"
	assert_equal "$srv_ADDR" "$addr"
	run timeout 10 socat -t 5 - "$peer" <<<"$text"
	assert_success
	assert_output "$text"
	stop_server srv TERM
	[ "$srv_STATUS" -eq 0 ]
}

@test "serve unix:PATH --echo: socat talks to it; the socket file goes at SIGTERM" {
	socat_echo "unix:$SOCKDIR/echo.sock" "UNIX-CONNECT:$SOCKDIR/echo.sock" \
		"hello over a Unix socket" \
		"$IPC" loop serve "unix:$SOCKDIR/echo.sock" --echo
	run server_log srv
	assert_line --regexp '^ipc loop serve: 1 connections \(0 still open, 0 reset\), 25 bytes echoed'
	[ ! -e "$SOCKDIR/echo.sock" ]
}

@test "serve unix:PATH: a file that is no longer the server's is left alone" {
	start_server srv "$IPC" loop serve "unix:$SOCKDIR/s" --echo
	# Someone removes the file and binds a socket of their own there.
	rm "$SOCKDIR/s"
	python3 -c 'import socket, sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])' "$SOCKDIR/s"
	stop_server srv TERM
	[ "$srv_STATUS" -eq 0 ]
	[ -S "$SOCKDIR/s" ]
}

@test "demo stream-echo-client --connect unix:PATH: python's asyncio start_unix_server" {
	cat >"$BATS_TEST_TMPDIR/srv.py" <<'PY'
import asyncio, sys

async def handle(reader, writer):
    data = await reader.read(100)
    writer.write(data)
    await writer.drain()
    writer.close()

async def main(path):
    srv = await asyncio.start_unix_server(handle, path)
    print(f"listening unix:{path}", file=sys.stderr, flush=True)
    async with srv:
        await srv.serve_forever()

asyncio.run(main(sys.argv[1]))
PY
	start_server peer python3 "$BATS_TEST_TMPDIR/srv.py" "$SOCKDIR/py.sock"
	run --separate-stderr timeout 20 "$IPC" loop demo stream-echo-client --connect "unix:$SOCKDIR/py.sock" --debug
	assert_success
	no_warnings
	assert_output "Send: 'Hello World!'
Received: 'Hello World!'
Close the socket"
}

@test "demo stream-echo-server --serve unix:PATH: python's open_unix_connection" {
	start_server srv "$IPC" loop demo stream-echo-server --serve "unix:$SOCKDIR/st.sock"
	run timeout 20 python3 -c '
import asyncio, sys
async def main(path):
    reader, writer = await asyncio.open_unix_connection(path)
    writer.write(b"ping")
    print((await reader.read(100)).decode())
    writer.close()
    await writer.wait_closed()
asyncio.run(main(sys.argv[1]))' "$SOCKDIR/st.sock"
	assert_success
	assert_output "ping"
	stop_server srv TERM
	[ "$srv_STATUS" -eq 0 ]
	run cat "$BATS_TEST_TMPDIR/srv.out"
	assert_line --index 0 "Serving on unix:$SOCKDIR/st.sock"
	# A client that never bound its socket has no address: unix(7).
	assert_line --index 1 "Received 'ping' from unix:(unnamed)"
	[ ! -e "$SOCKDIR/st.sock" ]
}

@test "demo tcp-echo-server --serve unix:@name: socat ABSTRACT-CONNECT" {
	socat_echo "unix:@$ABSTRACT" "ABSTRACT-CONNECT:$ABSTRACT" abstract \
		"$IPC" loop demo tcp-echo-server --serve "unix:@$ABSTRACT"
	run cat "$BATS_TEST_TMPDIR/srv.out"
	assert_line --index 0 "Serving on unix:@$ABSTRACT"
	assert_line "Data received: 'abstract\n'"
}

@test "demo tcp-echo-client --connect unix:@name: against the stream echo server" {
	# It waits for the server to close, as the chapter's does: not
	# `ipc loop serve`, which keeps connections open.
	start_server srv "$IPC" loop demo stream-echo-server --serve "unix:@$ABSTRACT"
	run --separate-stderr timeout 20 "$IPC" loop demo tcp-echo-client --connect "unix:@$ABSTRACT" --debug
	assert_success
	no_warnings
	assert_line "Data received: 'Hello World!'"
}

@test "demo http-headers over a Unix socket: its server, then its client" {
	start_server srv "$IPC" loop demo http-headers --serve "unix:$SOCKDIR/h.sock"
	run --separate-stderr timeout 20 "$IPC" loop demo http-headers --connect "unix:$SOCKDIR/h.sock" --debug
	assert_success
	no_warnings
	assert_line --index 0 "HTTP header> HTTP/1.0 200 OK"
	assert_line "HTTP header> Content-Length: 13"
	stop_server srv TERM
	[ "$srv_STATUS" -eq 0 ]
	run cat "$BATS_TEST_TMPDIR/srv.out"
	assert_line "'HEAD / HTTP/1.0' from unix:(unnamed)"
	[ ! -e "$SOCKDIR/h.sock" ]
}

@test "demo asyncore-echo-server --serve unix:PATH: socat" {
	socat_echo "unix:$SOCKDIR/ac.sock" "UNIX-CONNECT:$SOCKDIR/ac.sock" \
		dispatcher \
		"$IPC" loop demo asyncore-echo-server --serve "unix:$SOCKDIR/ac.sock"
	run cat "$BATS_TEST_TMPDIR/srv.out"
	assert_line "Incoming connection from unix:(unnamed)"
}

@test "demo udp-echo-server and udp-echo-client over a Unix datagram socket" {
	start_server srv "$IPC" loop demo udp-echo-server --serve "unix:$SOCKDIR/u.sock"
	run --separate-stderr timeout 20 "$IPC" loop demo udp-echo-client --connect "unix:$SOCKDIR/u.sock" --debug
	assert_success
	no_warnings
	assert_line "Received: Hello World!"
	stop_server srv TERM
	[ "$srv_STATUS" -eq 0 ]
	# The client bound itself to an abstract name (autobind), so the
	# server could answer it.
	run cat "$BATS_TEST_TMPDIR/srv.out"
	assert_line --regexp "^Received 'Hello World!' from unix:@[0-9a-f]{5}$"
	# Datagram servers leave their file, as asyncio's do; binding there
	# again says so.
	[ -S "$SOCKDIR/u.sock" ]
	run --separate-stderr "$IPC" loop demo udp-echo-server --serve "unix:$SOCKDIR/u.sock"
	assert_failure 69
	err_lines
	assert_equal "${ERRS[0]}" "ipc loop demo: unix:$SOCKDIR/u.sock: address already in use (EADDRINUSE)"
	[[ ${ERRS[1]} == "hint: a file is already there: remove it if no server uses it"* ]]
}

@test "unix: a path longer than 107 bytes is a usage error" {
	long=unix:/tmp/$(printf 'x%.0s' $(seq 1 110))
	run "$IPC" loop serve "$long" --echo
	assert_usage_error
	assert_line --index 0 "ipc loop serve: $long: Unix socket path longer than 107 bytes"
	run "$IPC" loop demo stream-echo-client --connect "$long"
	assert_usage_error
	assert_line --index 0 "ipc loop demo: $long: Unix socket path longer than 107 bytes"
}

@test "unix: a path in a missing directory" {
	run --separate-stderr "$IPC" loop serve "unix:$SOCKDIR/no/such/dir/s" --echo
	assert_failure 66
	err_lines
	assert_equal "${ERRS[0]}" "ipc loop serve: unix:$SOCKDIR/no/such/dir/s: no such file or directory (ENOENT)"
	assert_equal "${ERRS[1]}" "hint: the directory does not exist: create it first, or use an abstract name (unix:@name)"
	run --separate-stderr timeout 20 "$IPC" loop demo stream-echo-client --connect "unix:$SOCKDIR/nobody"
	assert_failure 66
	err_lines
	assert_equal "${ERRS[0]}" "ipc loop demo: unix:$SOCKDIR/nobody: no such file or directory (ENOENT)"
	assert_equal "${ERRS[1]}" "hint: no such file; for a Unix socket, is the server running and is the path right?"
	run --separate-stderr timeout 20 "$IPC" loop demo tcp-echo-client --connect "unix:@$ABSTRACT"
	assert_failure 69
	err_lines
	assert_equal "${ERRS[0]}" "ipc loop demo: unix:@$ABSTRACT: connection refused (ECONNREFUSED)"
}
