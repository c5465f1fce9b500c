#!/usr/bin/env bats
# ipc tls bio: a handshake through memory BIOs, flight by flight.

load helpers/common

@test "bio: TLS 1.3 in flights: hello, the server's flight, Finished, tickets, data" {
	run "$IPC" tls bio
	assert_success
	assert_line --index 0 "client and server: two SSL objects, four memory BIOs, no socket"
	assert_line --index 1 "  client: SSL_do_handshake = -1, SSL_ERROR_WANT_READ: it needs the other side's bytes to go on"
	assert_line --index 2 --regexp '^flight 1: client -> server, [0-9]+ bytes: ClientHello$'
	assert_line --index 4 --regexp '^flight 2: server -> client, [0-9]+ bytes: ServerHello, ChangeCipherSpec, EncryptedExtensions, Certificate, CertificateVerify, Finished$'
	assert_line --index 5 --regexp '^  client: handshake done: TLSv1.3, '
	assert_line --index 6 --regexp '^flight 3: client -> server, [0-9]+ bytes: ChangeCipherSpec, Finished$'
	assert_line --index 8 --regexp '^flight 4: server -> client, [0-9]+ bytes: NewSessionTicket, NewSessionTicket$'
	assert_line --regexp '^flight 5: client -> server, [0-9]+ bytes: application data$'
	assert_line '  server: SSL_read = 17: "hello over memory"'
}

@test "bio: --max-version 1.2 takes a round trip more" {
	run "$IPC" tls bio --max-version 1.2
	assert_success
	assert_line --regexp '^flight 2: server -> client, [0-9]+ bytes: ServerHello, Certificate, ServerKeyExchange, ServerHelloDone$'
	assert_line --regexp '^flight 3: client -> server, [0-9]+ bytes: ClientKeyExchange, ChangeCipherSpec, Finished$'
	assert_line --regexp '^flight 4: server -> client, [0-9]+ bytes: NewSessionTicket, ChangeCipherSpec, Finished$'
}

@test "bio: --step waits for a line before each flight" {
	run bash -c 'printf "\n\n\n\n\n" | timeout 20 "$0" tls bio --step 2>&1' "$IPC"
	assert_success
	assert_equal "$(grep -o 'Enter for the next flight' <<<"$output" | wc -l)" 5
}

@test "bio: versions that leave nothing in common are a usage error" {
	run "$IPC" tls bio --min-version 1.3 --max-version 1.2
	assert_usage_error
	assert_line --index 0 "ipc tls bio: --max-version is below the minimum (TLS 1.2 unless --min-version lowers it)"
}

@test "bio: the trace has every message, which side wrote it, and each turn" {
	cd "$BATS_TEST_TMPDIR"
	run "$IPC" tls bio --trace-to t.jsonl
	assert_success
	run python3 - t.jsonl <<'PY'
import json, sys
ev = [json.loads(l) for l in open(sys.argv[1])]
msgs = [e["args"] for e in ev if e["ev"] == "state" and "tls" in e.get("args", {})]
first = msgs[0]
print(first["tls"], first["dir"], first["side"])
print(msgs[1]["tls"], msgs[1]["dir"], msgs[1]["side"])
print(sorted({m["side"] for m in msgs}))
print(" ".join([e["call"] for e in ev if e["ev"] == "syscall"][:4]))
PY
	assert_line --index 0 "ClientHello sent client"
	assert_line --index 1 "ClientHello received server"
	assert_line --index 2 "['client', 'server']"
	assert_line --index 3 "SSL_connect SSL_accept SSL_connect SSL_accept"
}
