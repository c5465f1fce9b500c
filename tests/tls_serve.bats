#!/usr/bin/env bats
# ipc tls serve: an echo server for many clients, with an ephemeral or a
# given certificate, against openssl s_client and Python's ssl; clients
# that misbehave get an error line and the server goes on.

load helpers/common
load helpers/tls

setup_file() {
	export CERTS=$BATS_FILE_TMPDIR/certs
	mkdir -p "$CERTS"
	mkcerts "$CERTS"
}

# A ClientHello cut after its first 20 bytes: a client that vanishes.
HALF_HELLO=16030100f4010000f00303000102030405060708090a0b

@test "serve: the ephemeral certificate: fingerprint printed, what a client sees" {
	start_server srv "$IPC" tls serve --echo :0
	run grep -c '^certificate: ephemeral, self-signed, EC P-256, for localhost 127.0.0.1 ::1, valid 1 day$' "$BATS_TEST_TMPDIR/srv.err"
	assert_output 1
	fp=$(sed -n 's/^certificate sha256 //p' "$BATS_TEST_TMPDIR/srv.err")
	seen=$(timeout 20 openssl s_client -connect 127.0.0.1:$srv_PORT </dev/null 2>/dev/null |
		openssl x509 -noout -fingerprint -sha256)
	assert_equal "${seen#*=}" "$fp"
	assert_equal "$srv_ADDR" "127.0.0.1:$srv_PORT"
}

@test "serve: openssl s_client -verify_return_error refuses the self-signed default" {
	start_server srv "$IPC" tls serve --echo :0
	run timeout 20 openssl s_client -connect 127.0.0.1:$srv_PORT -verify_return_error </dev/null
	assert_failure
	assert_output --partial "self-signed certificate"
}

@test "serve: --cert/--key from a CA pass s_client -verify_return_error" {
	start_server srv "$IPC" tls serve --echo --cert "$CERTS/good.pem" --key "$CERTS/good.key" :0
	run timeout 20 openssl s_client -connect 127.0.0.1:$srv_PORT -verify_return_error -CAfile "$CERTS/ca.pem" -verify_hostname localhost </dev/null
	assert_success
	assert_line --partial "Verify return code: 0 (ok)"
	assert_line --partial "New, TLSv1.3, Cipher is"
}

@test "serve: many clients at once with python3 create_default_context" {
	start_server srv "$IPC" tls serve --echo --cert "$CERTS/good.pem" --key "$CERTS/good.key" :0
	run timeout 20 python3 "$HELPERS/tls.py" clients $srv_PORT 5 --cafile "$CERTS/ca.pem"
	assert_success
	assert_equal "$output" "$(printf 'client %d\n' 4 3 2 1 0)"
	assert_equal "$(grep -c 'handshake done: TLSv1.3' "$BATS_TEST_TMPDIR/srv.err")" 5
}

@test "serve: garbage bytes get an error line; the server goes on" {
	start_server srv "$IPC" tls serve --echo :0
	run timeout 20 python3 "$HELPERS/tls.py" raw $srv_PORT "$(printf 'GET / HTTP/1.0\r\n\r\n' | od -An -tx1 | tr -d ' \n')"
	assert_success
	assert_output "closed by the server"
	run timeout 20 "$IPC" tls connect --insecure 127.0.0.1:$srv_PORT <<<"still here"
	assert_success
	assert_line "still here"
	run grep -E "^ipc tls serve: 127.0.0.1:[0-9]+: TLS handshake failed: http request$" "$BATS_TEST_TMPDIR/srv.err"
	assert_success
}

@test "serve: a client that vanishes mid-handshake gets an error line" {
	start_server srv "$IPC" tls serve --echo :0
	run timeout 20 python3 "$HELPERS/tls.py" raw $srv_PORT $HALF_HELLO --half
	assert_success
	run timeout 20 "$IPC" tls connect --insecure 127.0.0.1:$srv_PORT <<<"next"
	assert_success
	assert_line "next"
	run grep -E "^ipc tls serve: 127.0.0.1:[0-9]+: TLS handshake failed: " "$BATS_TEST_TMPDIR/srv.err"
	assert_success
}

@test "serve: a client that stalls in the handshake is closed after --handshake-timeout" {
	start_server srv "$IPC" tls serve --echo --handshake-timeout 0.3 :0
	run timeout 20 python3 "$HELPERS/tls.py" raw $srv_PORT -
	assert_success
	assert_output "closed by the server"
	run grep -E "^ipc tls serve: 127.0.0.1:[0-9]+: TLS handshake not done within 0.3s: closed$" "$BATS_TEST_TMPDIR/srv.err"
	assert_success
}

@test "serve: TLS 1.1 is refused by default" {
	start_server srv "$IPC" tls serve --echo :0
	run timeout 20 openssl s_client -connect 127.0.0.1:$srv_PORT -tls1_1 -cipher 'DEFAULT:@SECLEVEL=0' </dev/null
	assert_failure
	run timeout 20 "$IPC" tls connect --insecure 127.0.0.1:$srv_PORT <<<"ok"
	assert_line "ok"
	run grep -E "^ipc tls serve: 127.0.0.1:[0-9]+: TLS handshake failed: unsupported protocol$" "$BATS_TEST_TMPDIR/srv.err"
	assert_success
}

@test "serve: --alpn picks the client's protocol, or refuses when none is shared" {
	start_server srv "$IPC" tls serve --echo --alpn h2,http/1.1 :0
	run timeout 20 "$IPC" tls connect --insecure --alpn http/1.1 127.0.0.1:$srv_PORT </dev/null
	assert_success
	assert_line --regexp ', alpn http/1.1, new session$'
	run timeout 20 "$IPC" tls connect --insecure --alpn spdy/1 127.0.0.1:$srv_PORT </dev/null
	assert_failure 76
	assert_line --regexp 'TLS handshake failed: tlsv1 alert no application protocol$'
	assert_line "hint: no ALPN protocol in common: offer one the server accepts with --alpn"
}

@test "serve: --require-client-cert --ca refuses a client without one, takes one with" {
	start_server srv "$IPC" tls serve --echo --require-client-cert --ca "$CERTS/ca.pem" :0
	run timeout 20 "$IPC" tls connect --insecure 127.0.0.1:$srv_PORT <<<"no cert"
	assert_failure 76
	assert_line --regexp "^ipc tls connect: 127.0.0.1:$srv_PORT: TLS alert from the peer: tlsv13 alert certificate required$"
	assert_line "hint: the server wants a client certificate: pass --cert and --key"
	run timeout 20 "$IPC" tls connect --insecure --cert "$CERTS/client.pem" --key "$CERTS/client.key" 127.0.0.1:$srv_PORT <<<"with cert"
	assert_success
	assert_line "with cert"
}

@test "serve: --exec runs the command for each client; its output comes back over TLS" {
	start_server srv "$IPC" tls serve :0 --exec -- sed -u s/client/CLIENT/
	run timeout 20 "$IPC" tls connect --insecure 127.0.0.1:$srv_PORT <<<"a client"
	assert_success
	assert_line "a CLIENT"
	# Three at once: each answers line by line (sed -u), last first.
	run timeout 20 python3 "$HELPERS/tls.py" clients $srv_PORT 3
	assert_success
	assert_equal "$output" "$(printf 'CLIENT %d\n' 2 1 0)"
	run grep -c ': command exited 0$' "$BATS_TEST_TMPDIR/srv.err"
	assert_output 4
}

@test "serve: --exec: a command that ends first closes the client cleanly; no zombies" {
	start_server srv "$IPC" tls serve :0 --exec -- echo bye
	run timeout 20 "$IPC" tls connect --insecure --recv-only 127.0.0.1:$srv_PORT
	assert_success
	assert_line "bye"
	run ps --ppid $srv_PID -o stat=
	refute_output --partial Z
}

@test "serve: --exec of a program that does not exist is logged; the server goes on" {
	start_server srv "$IPC" tls serve :0 --exec -- /nonexistent/prog
	run timeout 20 "$IPC" tls connect --insecure 127.0.0.1:$srv_PORT </dev/null
	run grep -E "^ipc tls serve: --exec /nonexistent/prog: execvpe: no such file or directory \(ENOENT\)$" "$BATS_TEST_TMPDIR/srv.err"
	assert_success
	kill -0 $srv_PID
}

@test "serve: without --echo one client at a time gets stdin; --count ends it" {
	printf 'from the server\n' >"$BATS_TEST_TMPDIR/in"
	SERVER_STDIN=$BATS_TEST_TMPDIR/in start_server srv "$IPC" tls serve --count 1 :0
	run timeout 20 "$IPC" tls connect --insecure --recv-only 127.0.0.1:$srv_PORT
	assert_success
	assert_line "from the server"
	wait_server srv
	assert_equal "$srv_STATUS" 0
}

@test "serve: fds return to where they were after clients come and go" {
	start_server srv "$IPC" tls serve --echo :0
	before=$(fds_of $srv_PID)
	timeout 20 python3 "$HELPERS/tls.py" clients $srv_PORT 3 >/dev/null
	timeout 20 python3 "$HELPERS/tls.py" raw $srv_PORT $HALF_HELLO --half
	run timeout 20 "$IPC" tls connect --insecure 127.0.0.1:$srv_PORT </dev/null
	assert_success
	assert_equal "$(fds_of $srv_PID)" "$before"
}

@test "serve: SIGTERM ends it with 143" {
	start_server srv "$IPC" tls serve --echo :0
	stop_server srv
	assert_equal "$srv_STATUS" 143
}

@test "serve: bad options are usage errors" {
	run "$IPC" tls serve --require-client-cert :0
	assert_usage_error
	assert_line --index 0 "ipc tls serve: --require-client-cert needs --ca FILE (the CA that signs client certificates)"
	run "$IPC" tls serve --key k.pem :0
	assert_usage_error
	assert_line --index 0 "ipc tls serve: --cert and --key go together"
	run "$IPC" tls serve --max-conn 1000 :0
	assert_usage_error
	run "$IPC" tls serve unix:/tmp/x
	assert_usage_error
	assert_line --index 0 "ipc tls serve: unix:/tmp/x: TLS needs a TCP address"
	run "$IPC" tls serve --exec :0
	assert_usage_error
	assert_line --index 0 "ipc tls serve: --exec needs a command: ADDR --exec -- CMD [ARG...]"
	run "$IPC" tls serve --echo :0 cat
	assert_usage_error
	assert_line --index 0 "ipc tls serve: unexpected argument 'cat' (only --exec takes a command)"
	run "$IPC" tls serve --echo --exec :0 -- cat
	assert_usage_error
	assert_line --index 0 "ipc tls serve: --echo and --exec exclude each other"
}
