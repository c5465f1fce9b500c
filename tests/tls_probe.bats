#!/usr/bin/env bats
# ipc tls probe: versions and suites a server accepts, one handshake each,
# against openssl s_server restricted on purpose.

load helpers/common
load helpers/tls

setup_file() {
	export CERTS=$BATS_FILE_TMPDIR/certs
	mkdir -p "$CERTS"
	mkcerts "$CERTS"
}

@test "probe: a TLS 1.2-only server: 1.2 accepted, 1.3, 1.1 and 1.0 refused" {
	start_s_server srv -cert "$CERTS/good.pem" -key "$CERTS/good.key" -tls1_2 -www
	run timeout 60 "$IPC" tls probe 127.0.0.1:$srv_PORT
	assert_success
	assert_line --index 0 --regexp '^VERSION +SUITE +RESULT +WHY$'
	assert_line --index 1 --regexp '^TLSv1\.3 +\(any\) +refused +.+$'
	assert_line --index 2 --regexp '^TLSv1\.2 +\(any\) +accepted *$'
	assert_line --index 3 --regexp '^TLSv1\.1 +\(any\) +refused '
	assert_line --index 4 --regexp '^TLSv1 +\(any\) +refused '
}

@test "probe: --suites finds exactly the suites the server allows" {
	start_s_server srv -cert "$CERTS/good.pem" -key "$CERTS/good.key" -tls1_2 -www \
		-cipher ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-SHA
	run timeout 120 "$IPC" tls probe --suites --json 127.0.0.1:$srv_PORT
	assert_success
	accepted=$(python3 -c 'import json,sys
for l in sys.stdin:
    r = json.loads(l)
    if r["result"] == "accepted" and r["suite"] != "(any)": print(r["suite"])' <<<"$output" | sort | paste -sd' ')
	assert_equal "$accepted" "ECDHE-ECDSA-AES128-GCM-SHA256 ECDHE-ECDSA-AES256-SHA"
}

@test "probe: a closed port is refused (69); a bad address is a usage error" {
	start_server gone "$IPC" sock listen :0
	stop_server gone
	run timeout 20 "$IPC" tls probe 127.0.0.1:$gone_PORT
	assert_failure 69
	assert_line --index 0 "ipc tls probe: 127.0.0.1:$gone_PORT: connection refused (ECONNREFUSED)"
	run "$IPC" tls probe unix:/tmp/x
	assert_usage_error
	assert_line --index 0 "ipc tls probe: unix:/tmp/x: TLS needs a TCP HOST:PORT"
}
