#!/usr/bin/env bats
# ipc tls cert: new, ca, sign, show and verify, checked with openssl x509
# and openssl verify, and by serving what was made.

load helpers/common
load helpers/tls

@test "cert new: EC P-256 for localhost and 127.0.0.1 by default; the key is 0600" {
	run "$IPC" tls cert new --out "$BATS_TEST_TMPDIR/c"
	assert_success
	assert_line --index 0 "wrote $BATS_TEST_TMPDIR/c/cert.pem, and the key $BATS_TEST_TMPDIR/c/cert.key (mode 0600)"
	assert_line "  subject     CN=localhost"
	assert_line "  san         DNS:localhost, IP:127.0.0.1"
	assert_line "  key         EC P-256"
	assert_equal "$(stat -c %a "$BATS_TEST_TMPDIR/c/cert.key")" 600
	run openssl x509 -in "$BATS_TEST_TMPDIR/c/cert.pem" -noout -ext subjectAltName,basicConstraints
	assert_output --partial "DNS:localhost, IP Address:127.0.0.1"
	assert_output --partial "CA:FALSE"
	run openssl pkey -in "$BATS_TEST_TMPDIR/c/cert.key" -noout -text
	assert_output --partial "NIST CURVE: P-256"
}

@test "cert new: --type rsa and ed25519, --cn, --san, --days" {
	run "$IPC" tls cert new --type rsa --cn srv --san srv.test --san 10.1.2.3 --days 2 --out "$BATS_TEST_TMPDIR/r"
	assert_success
	assert_line "  key         RSA 2048"
	assert_line "  subject     CN=srv"
	assert_line "  san         DNS:srv.test, IP:10.1.2.3"
	run openssl x509 -in "$BATS_TEST_TMPDIR/r/cert.pem" -noout -checkend $((2 * 86400 + 60))
	assert_failure
	run "$IPC" tls cert new --type ed25519 --out "$BATS_TEST_TMPDIR/e"
	assert_success
	assert_line "  key         ED25519"
}

@test "cert ca + sign: a chain that openssl verify accepts, served and verified" {
	d=$BATS_TEST_TMPDIR/pki
	run "$IPC" tls cert ca --out "$d"
	assert_success
	assert_line "  ca          yes"
	run "$IPC" tls cert sign --ca "$d/ca.pem" --out "$d" server
	assert_success
	assert_line "  issuer      CN=ipc demo CA"
	run openssl verify -CAfile "$d/ca.pem" -purpose sslserver "$d/server.pem"
	assert_success
	start_server srv "$IPC" tls serve --echo --cert "$d/server.pem" --key "$d/server.key" :0
	run timeout 20 "$IPC" tls connect --ca "$d/ca.pem" localhost:$srv_PORT <<<"chain"
	assert_success
	assert_line "chain"
	assert_line "tls: verified: ok (chain depth 1)"
}

@test "cert show: a PEM file, as text and as JSON" {
	"$IPC" tls cert new --out "$BATS_TEST_TMPDIR/c" 2>/dev/null >/dev/null
	fp=$(openssl x509 -in "$BATS_TEST_TMPDIR/c/cert.pem" -noout -fingerprint -sha256)
	run "$IPC" tls cert show "$BATS_TEST_TMPDIR/c/cert.pem"
	assert_success
	assert_line --index 0 "certificate"
	assert_line "  sha256      ${fp#*=}"
	run "$IPC" tls cert show --json "$BATS_TEST_TMPDIR/c/cert.pem"
	assert_success
	assert_equal "${#lines[@]}" 1
	assert_equal "$(python3 -c 'import json,sys; print(json.load(sys.stdin)["sha256"])' <<<"$output")" "${fp#*=}"
}

@test "cert show HOST:PORT: the chain a server sends, without trusting it" {
	start_server srv "$IPC" tls serve --echo :0
	fp=$(sed -n 's/^certificate sha256 //p' "$BATS_TEST_TMPDIR/srv.err")
	run timeout 20 "$IPC" tls cert show 127.0.0.1:$srv_PORT
	assert_success
	assert_line "  sha256      $fp"
	assert_line "  san         DNS:localhost, IP:127.0.0.1, IP:::1"
}

@test "cert verify: ok, wrong host, unknown CA, expired" {
	c=$BATS_TEST_TMPDIR/certs
	mkdir -p "$c"
	mkcerts "$c"
	run "$IPC" tls cert verify "$c/good.pem" --ca "$c/ca.pem" --host localhost
	assert_success
	assert_output "ok: $c/good.pem verifies against $c/ca.pem for localhost"
	run "$IPC" tls cert verify "$c/good.pem" --ca "$c/ca.pem" --host other.test
	assert_failure 76
	assert_line --index 0 "ipc tls cert: $c/good.pem: does not verify: host name mismatch: the certificate is for another name (depth 0, X509_V_ERR 62)"
	run "$IPC" tls cert verify "$c/other.pem" --ca "$c/ca.pem"
	assert_failure 76
	assert_line --index 0 --partial "does not verify: unknown issuer"
	run "$IPC" tls cert verify "$c/expired.pem" --ca "$c/ca.pem"
	assert_failure 76
	assert_line --index 0 --partial "does not verify: certificate has expired"
	run "$IPC" tls cert verify "$c/clientonly.pem" --ca "$c/ca.pem"
	assert_failure 76
	assert_line --index 0 --partial "does not verify: wrong key usage"
}

@test "cert: bad sub-commands, arguments and options are usage errors" {
	run "$IPC" tls cert frob
	assert_usage_error
	assert_line --index 0 "ipc tls cert: frob: not a sub-command (new, ca, sign, show or verify)"
	run "$IPC" tls cert show
	assert_usage_error
	assert_line --index 0 "ipc tls cert: show takes one FILE or HOST:PORT"
	run "$IPC" tls cert new extra
	assert_usage_error
	assert_line --index 0 "ipc tls cert: new takes no argument"
	run "$IPC" tls cert show --host x some.pem
	assert_usage_error
	assert_line --index 0 "ipc tls cert: --host: not for show"
	run "$IPC" tls cert new --type dsa
	assert_usage_error
	run "$IPC" tls cert ca --san x --out "$BATS_TEST_TMPDIR/x"
	assert_usage_error
	assert_line --index 0 "ipc tls cert: --san is for certificates of servers, not of a CA"
	run "$IPC" tls cert new --san 'a,b' --out "$BATS_TEST_TMPDIR/x"
	assert_usage_error
	run "$IPC" tls cert sign
	assert_usage_error
	assert_line --index 0 "ipc tls cert: sign needs --ca FILE (make one with 'ipc tls cert ca')"
	run "$IPC" tls cert verify x.pem
	assert_usage_error
}

@test "cert show: a missing file and a file with no certificate" {
	run "$IPC" tls cert show "$BATS_TEST_TMPDIR/none.pem"
	assert_failure 66
	assert_line --index 0 "ipc tls cert: $BATS_TEST_TMPDIR/none.pem: no such file or directory (ENOENT)"
	echo "not pem" >"$BATS_TEST_TMPDIR/junk.pem"
	run "$IPC" tls cert show "$BATS_TEST_TMPDIR/junk.pem"
	assert_failure
	assert_line --index 1 "hint: that file holds no PEM certificate"
}
