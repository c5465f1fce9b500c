#!/usr/bin/env bats
# ipc loop demo: the asyncore and asynchat group.  Each demo runs both
# ends by itself and prints what the chapter's example prints; a python
# client trickling an HTTP request one byte at a time into asynchat-http
# --serve gets the right answer; a client sending 1 MiB with no end of
# headers is cut off at the 64 KiB limit; --trace=json shows the
# readable()/writable() decisions.

load helpers/common

@test "demo --list: the asyncore and asynchat group" {
	run timeout 20 "$IPC" loop demo --list
	assert_success
	for name in asyncore-http-client asyncore-echo-server asynchat-http; do
		assert_line --regexp "^$name +asyncore and asynchat +a .+"
	done
}

@test "demo asyncore-http-client: GET / from our own server, every backend" {
	for b in select poll epoll; do
		run timeout 20 "$IPC" loop demo asyncore-http-client --backend "$b"
		assert_success
		assert_line --index 0 --regexp '^server: Serving on 127\.0\.0\.1:[0-9]+$'
		assert_line --regexp '^server: 127\.0\.0\.1:[0-9]+: GET /, 0 headers, 0 bytes of body$'
		assert_line $'HTTP/1.0 200 OK\r'
		assert_line "method: GET"
		assert_line "path: /"
		assert_line "body: ''"
	done
}

@test "demo asyncore-http-client --connect: fetch from a python http.server" {
	cd "$BATS_TEST_TMPDIR"
	echo "hello from python" >index.html
	start_server py python3 -u -c '
import http.server, sys
s = http.server.HTTPServer(("127.0.0.1", 0), http.server.SimpleHTTPRequestHandler)
print("listening 127.0.0.1:%d" % s.server_address[1], file=sys.stderr, flush=True)
s.serve_forever()'
	run timeout 20 "$IPC" loop demo asyncore-http-client --connect "$py_ADDR"
	assert_success
	assert_line --index 0 --regexp '^HTTP/1\.0 200 OK'
	assert_line "hello from python"
	stop_server py
}

@test "demo asyncore-http-client --connect: a refused connect" {
	# A port that was free a moment ago: nothing listens there.
	port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
	run timeout 20 "$IPC" loop demo asyncore-http-client --connect "127.0.0.1:$port"
	assert_failure 69
	assert_line "ipc loop demo: 127.0.0.1:$port: connection refused (ECONNREFUSED)"
	assert_line --regexp '^hint: '
}

@test "demo asyncore-echo-server: EchoServer, EchoHandler and a client" {
	run timeout 20 "$IPC" loop demo asyncore-echo-server
	assert_success
	assert_line --regexp '^server: Incoming connection from 127\.0\.0\.1:[0-9]+$'
	assert_line "client: Sent 'Hello World!'"
	assert_line "server: Echo 'Hello World!'"
	assert_line "client: Received 'Hello World!'"
	assert_line "client: Close"
}

@test "demo asyncore-echo-server --serve: echoes a python client" {
	start_server echo "$IPC" loop demo asyncore-echo-server --serve 127.0.0.1:0
	run timeout 20 python3 -c '
import socket, sys
host, port = sys.argv[1].rsplit(":", 1)
s = socket.create_connection((host, int(port)))
s.sendall(b"x" * 100000); s.shutdown(socket.SHUT_WR)
got = b""
while True:
    b = s.recv(65536)
    if not b: break
    got += b
print(len(got), got == b"x" * 100000)' "$echo_ADDR"
	assert_success
	assert_output "100000 True"
	stop_server echo
	[ "$echo_STATUS" -eq 0 ]
}

@test "demo asynchat-http: headers to a blank line, then the body" {
	run timeout 20 "$IPC" loop demo asynchat-http
	assert_success
	assert_line --regexp '^server: 127\.0\.0\.1:[0-9]+: POST /echo, 2 headers, 12 bytes of body$'
	assert_line $'HTTP/1.0 200 OK\r'
	assert_line "method: POST"
	assert_line "path: /echo"
	assert_line "headers: 2"
	assert_line "body: 'Hello World!'"
}

@test "demo asynchat-http --serve: a request trickled one byte at a time" {
	start_server chat "$IPC" loop demo asynchat-http --serve 127.0.0.1:0 \
		--trace=json
	run timeout 20 python3 -c '
import socket, sys, time
host, port = sys.argv[1].rsplit(":", 1)
s = socket.create_connection((host, int(port)))
s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
req = b"POST /trickle HTTP/1.0\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello"
for i in range(len(req)):
    s.sendall(req[i:i + 1])
    time.sleep(0.002)   # pacing, so the bytes arrive in separate reads
got = b""
while True:
    b = s.recv(4096)
    if not b: break
    got += b
sys.stdout.write(got.decode())' "$chat_ADDR"
	assert_success
	assert_line $'HTTP/1.0 200 OK\r'
	assert_line "path: /trickle"
	assert_line "headers: 2"
	assert_line "body: 'hello'"
	stop_server chat
	[ "$chat_STATUS" -eq 0 ]
	grep -q 'POST /trickle, 2 headers, 5 bytes of body' "$BATS_TEST_TMPDIR/chat.out"
	# The bytes came in many reads, and the terminator was still found.
	n=$(grep -c '"call":"recv"' "$BATS_TEST_TMPDIR/chat.err")
	[ "$n" -ge 10 ]
}

@test "demo asynchat-http --serve: 1 MiB without a blank line is cut off" {
	start_server chat "$IPC" loop demo asynchat-http --serve 127.0.0.1:0
	run timeout 20 python3 -c '
import socket, sys
host, port = sys.argv[1].rsplit(":", 1)
s = socket.create_connection((host, int(port)))
got = b""
try:
    s.sendall(b"a" * (1 << 20))
    while True:
        b = s.recv(4096)
        if not b:
            break
        got += b
except (ConnectionResetError, BrokenPipeError):
    pass
print("closed with %d bytes of answer" % len(got))' "$chat_ADDR"
	assert_success
	assert_output "closed with 0 bytes of answer"
	stop_server chat
	[ "$chat_STATUS" -eq 0 ]
	grep -q 'no end of headers within 65536 bytes: closing (EMSGSIZE)' \
		"$BATS_TEST_TMPDIR/chat.out"
}

@test "demo asyncore-echo-server --trace=json: readable and writable decisions" {
	run timeout 20 "$IPC" loop demo asyncore-echo-server --trace=json
	assert_success
	echo "$output" | python3 -c '
import json, sys
evs = [json.loads(l) for l in sys.stdin if l.startswith("{")]
dec = [e for e in evs if e.get("ev") == "asyncore"]
names = {e["args"]["name"] for e in dec}
assert {"EchoServer", "EchoHandler", "EchoClient"} <= names, names
srv = [e for e in dec if e["args"]["name"] == "EchoServer"]
assert all(e["args"]["readable"] == 1 and e["args"]["writable"] == 0 for e in srv)
cli = [e["args"]["writable"] for e in dec if e["args"]["name"] == "EchoClient"]
assert cli[0] == 1 and cli[-1] == 0, cli
assert any(e.get("call") == "accept4" for e in evs)'
}

@test "demo asyncore-echo-server: --connect is refused" {
	run timeout 20 "$IPC" loop demo asyncore-echo-server --connect 127.0.0.1:1
	assert_failure 64
	assert_line --partial "--connect is for the client demos"
}
