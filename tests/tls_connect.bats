#!/usr/bin/env bats
# ipc tls connect: verification on by default against openssl s_server and
# Python's ssl; the bad-certificate matrix; versions, ALPN, sessions; the
# relay through TLS; the handshake in --trace.

load helpers/common
load helpers/tls

setup_file() {
	export CERTS=$BATS_FILE_TMPDIR/certs
	mkdir -p "$CERTS"
	mkcerts "$CERTS"
}

# serve_with NAME CERT - s_server -rev with CERT.pem and CERT.key.
serve_with() {
	start_s_server "$1" -cert "$CERTS/$2.pem" -key "$CERTS/$2.key" -rev \
		"${@:3}"
}

@test "connect: a certificate from --ca verifies; data goes through s_server -rev" {
	serve_with srv good
	run timeout 20 "$IPC" tls connect --ca "$CERTS/ca.pem" localhost:$srv_PORT <<<"hello"
	assert_success
	assert_line "olleh"
	assert_line --regexp "^connected to 127.0.0.1:$srv_PORT from 127.0.0.1:[0-9]+$"
	assert_line --regexp '^tls: TLSv1.3, TLS_[A-Z0-9_]+, group [a-zA-Z0-9]+, alpn -, new session$'
	assert_line "tls: verified: ok (chain depth 1)"
}

@test "connect: an IP address is checked against the certificate's IP entries" {
	serve_with srv good
	run timeout 20 "$IPC" tls connect --ca "$CERTS/ca.pem" 127.0.0.1:$srv_PORT <<<"ab"
	assert_success
	assert_line "ba"
}

@test "connect: self-signed is refused by default (76)" {
	serve_with srv self
	run timeout 20 "$IPC" tls connect localhost:$srv_PORT </dev/null
	assert_failure 76
	assert_line --index 0 "ipc tls connect: 127.0.0.1:$srv_PORT: certificate verification failed: self-signed certificate (depth 0, X509_V_ERR 18)"
	assert_line --index 1 --partial "hint: the server signed its own certificate"
	assert_equal "${#lines[@]}" 2
}

@test "connect: unknown issuer is refused (76)" {
	serve_with srv other
	run timeout 20 "$IPC" tls connect --ca "$CERTS/ca.pem" localhost:$srv_PORT </dev/null
	assert_failure 76
	assert_line --index 0 --partial ": certificate verification failed: unknown issuer: no CA in the store signed this certificate (depth 0, X509_V_ERR 20)"
	assert_line --index 1 --partial "hint: the issuing CA is not in the store"
}

@test "connect: the system store does not know a private CA (76)" {
	serve_with srv good
	run timeout 20 "$IPC" tls connect localhost:$srv_PORT </dev/null
	assert_failure 76
	assert_line --index 0 --partial "certificate verification failed: unknown issuer"
}

@test "connect: expired is refused (76)" {
	serve_with srv expired
	run timeout 20 "$IPC" tls connect --ca "$CERTS/ca.pem" localhost:$srv_PORT </dev/null
	assert_failure 76
	assert_line --index 0 --partial ": certificate verification failed: certificate has expired (depth 0, X509_V_ERR 10)"
	assert_line --index 1 --partial "hint: its validity ended"
}

@test "connect: the wrong host name is refused (76)" {
	serve_with srv good
	run timeout 20 "$IPC" tls connect --ca "$CERTS/ca.pem" --servername www.example.org localhost:$srv_PORT </dev/null
	assert_failure 76
	assert_line --index 0 --partial ": certificate verification failed: host name mismatch: the certificate is for another name (depth 0, X509_V_ERR 62)"
	assert_line --index 1 --partial "hint: connect by a name the certificate lists"
}

@test "connect: the wrong key usage (clientAuth only) is refused (76)" {
	serve_with srv clientonly
	run timeout 20 "$IPC" tls connect --ca "$CERTS/ca.pem" localhost:$srv_PORT </dev/null
	assert_failure 76
	assert_line --index 0 --partial ": certificate verification failed: wrong key usage: the certificate is not for this purpose (depth 0, X509_V_ERR 26)"
	assert_line --index 1 --partial "hint: a server certificate needs extendedKeyUsage serverAuth"
}

@test "connect: --insecure goes on with a warning" {
	serve_with srv self
	run timeout 20 "$IPC" tls connect --insecure localhost:$srv_PORT <<<"abc"
	assert_success
	assert_line --index 0 "ipc tls connect: warning: --insecure: the certificate and the name are NOT checked; anyone in the path could be the peer"
	assert_line "cba"
	refute_line --partial "tls: verified"
}

@test "connect: a TLS 1.2-only server (s_server -tls1_2) is spoken to in TLS 1.2" {
	serve_with srv good -tls1_2
	run timeout 20 "$IPC" tls connect --ca "$CERTS/ca.pem" localhost:$srv_PORT <<<"xy"
	assert_success
	assert_line --regexp '^tls: TLSv1.2, '
	assert_line "yx"
}

@test "connect: a server that speaks only TLS 1.1 is refused (76)" {
	serve_with srv good -tls1_1 -cipher 'DEFAULT:@SECLEVEL=0'
	run timeout 20 "$IPC" tls connect --ca "$CERTS/ca.pem" localhost:$srv_PORT </dev/null
	assert_failure 76
	assert_line --index 0 --regexp "^ipc tls connect: 127.0.0.1:$srv_PORT: TLS handshake failed: (tlsv1 alert protocol version|unsupported protocol)$"
	assert_line --index 1 --partial "hint:"
}

@test "connect: ALPN is negotiated with s_server -alpn" {
	serve_with srv good -alpn h2,http/1.1
	run timeout 20 "$IPC" tls connect --ca "$CERTS/ca.pem" --alpn http/1.1 localhost:$srv_PORT </dev/null
	assert_success
	assert_line --regexp '^tls: .*, alpn http/1.1, new session$'
}

@test "connect: ALPN with python3 ssl" {
	start_server py python3 "$HELPERS/tls.py" serve "$CERTS/good.pem" "$CERTS/good.key" --alpn h2
	run timeout 20 "$IPC" tls connect --ca "$CERTS/ca.pem" --alpn h2,http/1.1 localhost:$py_PORT <<<"to python"
	assert_success
	assert_line "to python"
	assert_line --regexp ', alpn h2, new session$'
}

@test "connect: --reconnect reports the session resumed" {
	serve_with srv good
	run timeout 20 "$IPC" tls connect --ca "$CERTS/ca.pem" --reconnect localhost:$srv_PORT </dev/null
	assert_success
	assert_line --regexp "^first connection to 127.0.0.1:$srv_PORT: TLSv1.3$"
	assert_line --regexp ', session resumed$'
	assert_line --partial "tls: the offered session was resumed"
}

@test "connect: --sess-out then --sess-in resumes, and the file is 0600" {
	serve_with srv good
	sess=$BATS_TEST_TMPDIR/sess.pem
	run timeout 20 "$IPC" tls connect --ca "$CERTS/ca.pem" --sess-out "$sess" localhost:$srv_PORT <<<"one"
	assert_success
	assert_equal "$(stat -c %a "$sess")" 600
	run timeout 20 "$IPC" tls connect --ca "$CERTS/ca.pem" --sess-in "$sess" localhost:$srv_PORT <<<"two"
	assert_success
	assert_line "owt"
	assert_line --regexp ', session resumed$'
}

@test "connect: a peer that closes without close_notify is reported as truncation (76)" {
	start_server py python3 "$HELPERS/tls.py" serve "$CERTS/good.pem" "$CERTS/good.key" --truncate
	run timeout 20 "$IPC" tls connect --ca "$CERTS/ca.pem" --recv-only localhost:$py_PORT
	assert_failure 76
	assert_line --index 0 --regexp '^connected to '
	assert_line "partial"
	assert_line --partial "the connection ended without close_notify: what arrived may be cut short (truncation)"
	assert_line --partial "hint: a TLS peer says close_notify"
}

@test "connect: --show-certs prints the chain; --keylog writes NSS key log lines" {
	serve_with srv good
	keylog=$BATS_TEST_TMPDIR/keys.log
	run timeout 20 "$IPC" tls connect --ca "$CERTS/ca.pem" --show-certs --keylog "$keylog" localhost:$srv_PORT </dev/null
	assert_success
	assert_line "certificate 0 (the peer's own)"
	assert_line "  subject     CN=localhost"
	assert_line "  issuer      CN=Test ca"
	assert_line "  san         DNS:localhost, IP:127.0.0.1"
	assert_line "  key         EC P-256"
	assert_line --regexp '^  sha256      ([0-9A-F]{2}:){31}[0-9A-F]{2}$'
	run grep -c '^CLIENT_HANDSHAKE_TRAFFIC_SECRET [0-9a-f]* [0-9a-f]*$' "$keylog"
	assert_output 1
}

@test "connect: --trace=json shows each handshake message, SSL_connect and SSL_read" {
	serve_with srv good
	run timeout 20 "$IPC" tls connect --ca "$CERTS/ca.pem" --trace=json localhost:$srv_PORT </dev/null
	assert_success
	msgs=$(grep -o '"tls":"[A-Za-z]*","dir":"[a-z]*"' <<<"$output" | tr '\n' ' ')
	assert_regex "$msgs" '"tls":"ClientHello","dir":"sent" "tls":"ServerHello","dir":"received" "tls":"EncryptedExtensions","dir":"received" "tls":"Certificate","dir":"received" "tls":"CertificateVerify","dir":"received" "tls":"Finished","dir":"received" .*"tls":"Finished","dir":"sent"'
	# WANT_READ comes unless the server's flight is already there.
	assert_line --regexp '"call":"SSL_connect",.*"ssl_error":"SSL_ERROR_(WANT_READ|NONE)"'
	assert_line --regexp '"call":"SSL_connect",.*"ssl_error":"SSL_ERROR_NONE"},"ret":1,'
	assert_line --regexp '"call":"SSL_read",.*"ssl_error":"SSL_ERROR_WANT_READ"'
	assert_line --regexp '"call":"SSL_shutdown"'
}

@test "connect: --inject SSL_read=ECONNRESET is an I/O error (74)" {
	serve_with srv good
	run timeout 20 "$IPC" tls connect --ca "$CERTS/ca.pem" --inject SSL_read=ECONNRESET localhost:$srv_PORT <<<"x"
	assert_failure 74
	assert_line --regexp "^ipc tls connect: 127.0.0.1:$srv_PORT: SSL_read: connection reset by peer \(ECONNRESET\)$"
}

@test "connect: a plain-text server is not TLS (76)" {
	start_server plain "$IPC" sock listen :0
	run timeout 20 "$IPC" tls connect --insecure --timeout 5 127.0.0.1:$plain_PORT </dev/null
	assert_failure
	assert_line --partial "TLS handshake"
}

@test "connect: bad options are usage errors" {
	run "$IPC" tls connect --min-version 1.4 localhost:1
	assert_usage_error
	assert_line --index 0 "ipc tls connect: --min-version: use 1.0, 1.1, 1.2 or 1.3"
	run "$IPC" tls connect --insecure --ca x.pem localhost:1
	assert_usage_error
	assert_line --index 0 "ipc tls connect: --insecure and --ca exclude each other"
	run "$IPC" tls connect --cert c.pem localhost:1
	assert_usage_error
	assert_line --index 0 "ipc tls connect: --cert and --key go together"
	run "$IPC" tls connect unix:/tmp/x
	assert_usage_error
	assert_line --index 0 "ipc tls connect: unix:/tmp/x: TLS needs a TCP HOST:PORT"
	run "$IPC" tls connect --max-version 1.2 --min-version 1.3 localhost:1
	assert_usage_error
	run "$IPC" tls connect --groups NOPE localhost:1
	assert_usage_error
	assert_line --index 0 --partial "--groups: unknown group"
}

@test "connect: a --ca file that does not exist exits 66" {
	run "$IPC" tls connect --ca /nonexistent/ca.pem localhost:1
	assert_failure 66
	assert_line --index 0 "ipc tls connect: --ca: cannot read that CA file or directory: no such file or directory (ENOENT)"
}
