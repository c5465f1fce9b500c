#!/usr/bin/env bats
# ipc tls check and ipc tls ciphers: what this OpenSSL offers.

load helpers/common

@test "check: the OpenSSL version, providers and a readable CA store" {
	run "$IPC" tls check
	assert_success
	assert_line --regexp "^openssl +$(openssl version | cut -d' ' -f1-2 | sed 's/\./\\./g')"
	assert_line --regexp '^providers +.*default'
	assert_line --regexp '^ipc default +TLSv1\.2 \.\. TLSv1\.3'
	assert_line --regexp '^CA certificates +[1-9][0-9]* loaded$'
}

@test "check: SSL_CERT_FILE and SSL_CERT_DIR move the store; an empty one exits 69" {
	run env SSL_CERT_FILE=/nonexistent/ca.pem SSL_CERT_DIR=/nonexistent "$IPC" tls check
	assert_failure 69
	assert_line "CA file          /nonexistent/ca.pem (NOT readable, SSL_CERT_FILE)"
	assert_line "CA certificates  0 loaded"
	assert_line "ipc tls check: the CA store holds no certificate: every verification against it will fail"
	assert_line --partial "hint: install the ca-certificates package"
}

@test "check: --json is one object" {
	run "$IPC" tls check --json
	assert_success
	assert_equal "${#lines[@]}" 1
	run python3 -c 'import json,sys; d=json.loads(sys.argv[1]); print(d["ipc_min"], "default" in d["providers"])' "$output"
	assert_output "TLSv1.2 True"
}

@test "ciphers: TLS 1.3 suites match openssl ciphers -tls1_3" {
	run "$IPC" tls ciphers --tls-version 1.3 --json
	assert_success
	mine=$(python3 -c 'import json,sys; print(":".join(json.loads(l)["name"] for l in sys.stdin))' <<<"$output")
	theirs=$(openssl ciphers -s -tls1_3 | tr ':' '\n' | grep '^TLS_' | paste -sd:)
	assert_equal "$mine" "$theirs"
}

@test "ciphers: TLS 1.2 notes say which suites lack forward secrecy or AEAD" {
	run "$IPC" tls ciphers --tls-version 1.2
	assert_success
	assert_line --index 0 --regexp '^VERSION +NAME +KX +AUTH +BITS +NOTE$'
	assert_line --regexp '^TLSv1\.2 +ECDHE-ECDSA-AES256-GCM-SHA384 +KxECDHE +AuthECDSA +256 +AEAD, forward secrecy$'
	assert_line --regexp '^TLSv1\.2 +AES256-SHA +KxRSA +AuthRSA +256 +RSA key exchange: no forward secrecy$'
	assert_line --regexp 'CBC with a MAC: prefer an AEAD suite$'
}

@test "ciphers: a bad --tls-version is a usage error" {
	run "$IPC" tls ciphers --tls-version 2
	assert_usage_error
	assert_line --index 0 "ipc tls ciphers: --tls-version: use 1.0, 1.1, 1.2 or 1.3"
}
