#!/usr/bin/env bats
# ipc sock listen: a server for one connection (or one after another with
# --keep) that relays stdin and stdout, with socat, ncat and python3 as the
# clients.

bats_require_minimum_version 1.5.0

load helpers/common

# For start_server: exec, so the PID teardown signals is the program itself.
ipc_listen() {
	exec "$IPC" sock listen "$@"
}

have_ipv6() {
	python3 -c 'import socket; socket.socket(socket.AF_INET6).bind(("::1", 0))' 2>/dev/null
}

# A reply file for the server's stdin.
reply() {
	printf '%s\n' "$1" >"$BATS_TEST_TMPDIR/reply"
	SERVER_STDIN=$BATS_TEST_TMPDIR/reply
}

# --- serving -----------------------------------------------------------

@test "':0' listens on loopback, says where, and relays with a socat client" {
	reply "from listen"
	start_server lis ipc_listen :0
	[[ $lis_ADDR =~ ^127\.0\.0\.1:[0-9]+$ ]]
	[ "$lis_PORT" -gt 0 ]
	run timeout 20 bash -c 'printf "from socat\n" | socat - TCP:127.0.0.1:$0' "$lis_PORT"
	assert_success
	assert_output "from listen"
	wait_server lis
	assert_equal "$lis_STATUS" 0
	assert_equal "$(cat "$BATS_TEST_TMPDIR/lis.out")" "from socat"
	run server_log lis
	assert_line --index 0 "listening 127.0.0.1:$lis_PORT"
	assert_line --index 1 --regexp '^connection from 127\.0\.0\.1:[0-9]+$'
}

@test "a port alone ('0') is a port on 127.0.0.1; ncat as the client" {
	reply "to ncat"
	start_server lis ipc_listen 0
	[[ $lis_ADDR =~ ^127\.0\.0\.1:[0-9]+$ ]]
	run timeout 20 bash -c 'printf "from ncat\n" | ncat 127.0.0.1 $0' "$lis_PORT"
	assert_success
	assert_output "to ncat"
	wait_server lis
	assert_equal "$lis_STATUS" 0
	assert_equal "$(cat "$BATS_TEST_TMPDIR/lis.out")" "from ncat"
}

@test "a python client that shuts down first still gets the whole reply" {
	head -c 200000 /dev/urandom >"$BATS_TEST_TMPDIR/big"
	SERVER_STDIN=$BATS_TEST_TMPDIR/big start_server lis ipc_listen 127.0.0.1:0
	timeout 20 python3 "$HELPERS/peer.py" connect "$lis_PORT" "short question" >"$BATS_TEST_TMPDIR/got"
	cmp "$BATS_TEST_TMPDIR/big" "$BATS_TEST_TMPDIR/got"
	wait_server lis
	assert_equal "$lis_STATUS" 0
	assert_equal "$(cat "$BATS_TEST_TMPDIR/lis.out")" "short question"
}

@test "--keep accepts one client after another until SIGTERM" {
	start_server lis ipc_listen --keep :0
	run timeout 20 bash -c 'printf "first\n" | socat - TCP:127.0.0.1:$0' "$lis_PORT"
	assert_success
	run timeout 20 bash -c 'printf "second\n" | ncat 127.0.0.1 $0' "$lis_PORT"
	assert_success
	run timeout 20 python3 "$HELPERS/peer.py" connect "$lis_PORT" $'third\n'
	assert_success
	stop_server lis
	assert_equal "$lis_STATUS" 143
	assert_equal "$(cat "$BATS_TEST_TMPDIR/lis.out")" $'first\nsecond\nthird'
	run server_log lis
	assert_equal "$(grep -c '^connection from 127\.0\.0\.1:' <<<"$output")" 3
}

@test "--hex prints what arrives as a hexdump" {
	start_server lis ipc_listen --hex :0
	run timeout 20 bash -c 'printf "hi\n" | socat - TCP:127.0.0.1:$0' "$lis_PORT"
	assert_success
	wait_server lis
	run cat "$BATS_TEST_TMPDIR/lis.out"
	assert_line --index 0 --regexp '^< 3 bytes received at \+[0-9.]+s$'
	assert_line --index 1 "00000000  68 69 0a                                          |hi.|"
}

@test "UDP: datagrams print, and stdin lines answer the last sender" {
	reply "pong"
	start_server udp ipc_listen udp://:0
	run timeout 20 python3 "$HELPERS/relay.py" udp-ask "$udp_PORT" $'ping\n'
	assert_success
	assert_output "pong"
	stop_server udp
	assert_equal "$udp_STATUS" 143
	assert_equal "$(cat "$BATS_TEST_TMPDIR/udp.out")" "ping"
	run server_log udp
	assert_line --regexp '^datagram from 127\.0\.0\.1:[0-9]+$'
}

@test "Unix socket: socat connects, and the file is removed at the end" {
	local path=$BATS_TEST_TMPDIR/lis.sock
	reply "over unix"
	start_server lis ipc_listen "unix:$path"
	assert_equal "$lis_ADDR" "unix:$path"
	assert [ -S "$path" ]
	run timeout 20 bash -c 'printf "hello\n" | socat - UNIX-CONNECT:$0' "$path"
	assert_success
	assert_output "over unix"
	wait_server lis
	assert_equal "$lis_STATUS" 0
	assert [ ! -e "$path" ]
}

@test "Unix abstract name, with socat" {
	local name="ipc-bats-$$-$RANDOM"
	reply "abstract"
	start_server lis ipc_listen "unix:@$name"
	assert_equal "$lis_ADDR" "unix:@$name"
	run timeout 20 bash -c 'printf "hello\n" | socat - ABSTRACT-CONNECT:$0' "$name"
	assert_success
	assert_output "abstract"
	wait_server lis
	assert_equal "$(cat "$BATS_TEST_TMPDIR/lis.out")" "hello"
}

@test "SIGTERM while waiting: exit 143 and the socket file is gone" {
	local path=$BATS_TEST_TMPDIR/term.sock
	start_server lis ipc_listen "unix:$path"
	assert [ -S "$path" ]
	stop_server lis
	assert_equal "$lis_STATUS" 143
	assert [ ! -e "$path" ]
}

@test "IPv6: [::1]:0 with a socat client" {
	have_ipv6 || skip "no ::1 here"
	reply "v6"
	start_server lis ipc_listen "[::1]:0"
	[[ $lis_ADDR =~ ^\[::1\]:[0-9]+$ ]]
	run timeout 20 bash -c 'printf "hello\n" | socat - TCP6:[::1]:$0' "$lis_PORT"
	assert_success
	assert_output "v6"
}

@test "--trace=json shows socket, SO_REUSEADDR, bind, listen, accept4" {
	start_server lis ipc_listen --trace=json :0
	run timeout 20 bash -c 'socat -u TCP:127.0.0.1:$0 - </dev/null' "$lis_PORT"
	wait_server lis
	run server_log lis
	assert_line --partial '"call":"setsockopt","fd":3,"args":{"level":"SOL_SOCKET","name":"SO_REUSEADDR","value":1},"ret":0'
	calls=$(sed -n 's/.*"ev":"syscall","call":"\([a-z0-9_]*\)".*/\1/p' <<<"$output" | uniq | tr '\n' ' ')
	echo "calls: $calls"
	[[ $calls =~ ^getaddrinfo\ socket\ setsockopt\ bind\ listen\ .*getsockname\ poll\ accept4\ .*poll\ .*shutdown\ .*recv\ .*close ]]
}

# --- failures ----------------------------------------------------------

@test "a port in use: exit 69 with EADDRINUSE and a hint" {
	start_server first ipc_listen :0
	run timeout 20 "$IPC" sock listen "127.0.0.1:$first_PORT" </dev/null
	assert_failure 69
	assert_line --index 0 "ipc sock listen: 127.0.0.1:$first_PORT: address already in use (EADDRINUSE)"
	assert_line --index 1 --partial "hint: another socket is bound there"
}

@test "a Unix socket file that exists is refused, not removed" {
	local path=$BATS_TEST_TMPDIR/stale.sock
	touch "$path"
	run timeout 20 "$IPC" sock listen "unix:$path" </dev/null
	assert_failure 69
	assert_line --index 0 "ipc sock listen: unix:$path: address already in use (EADDRINUSE)"
	assert_line --index 1 --partial "hint: the socket file exists"
	assert_file_exists "$path"
}

@test "bind EACCES (injected): exit 77 with a hint" {
	run timeout 20 "$IPC" sock listen --inject bind=EACCES :0 </dev/null
	assert_failure 77
	assert_line --index 0 "ipc sock listen: 127.0.0.1:0: permission denied (EACCES)"
	assert_line --index 1 --partial "hint: ports below 1024 need root"
}

@test "a Unix path longer than sun_path is a usage error" {
	run "$IPC" sock listen "unix:/tmp/$(printf 'y%.0s' {1..120})" </dev/null
	assert_usage_error
	assert_line --index 0 --regexp '^ipc sock listen: unix:/tmp/y+: Unix socket path longer than 107 bytes$'
}

@test "bad ports are usage errors" {
	run "$IPC" sock listen 80x </dev/null
	assert_usage_error
	assert_line --index 0 "ipc sock listen: 80x: bad port: use a number 0-65535 or a service name such as http"
	run "$IPC" sock listen :99999 </dev/null
	assert_usage_error
	assert_line --index 0 "ipc sock listen: :99999: port out of range (0-65535)"
}

@test "an unknown --opt is a usage error" {
	run "$IPC" sock listen --opt nosuch=1 :0 </dev/null
	assert_usage_error
	assert_line --index 0 "ipc sock listen: --opt nosuch=1: unknown socket option 'nosuch' ('ipc sock options' lists them)"
}

@test "--idle-timeout with no client: exit 75" {
	run timeout 20 "$IPC" sock listen --idle-timeout 0.2 :0 </dev/null
	assert_failure 75
	assert_line --index 0 --regexp '^listening 127\.0\.0\.1:[0-9]+$'
	assert_line --index 1 "ipc sock listen: no connection came within 0.2s (--idle-timeout)"
	assert_line --index 2 --partial "hint:"
}

@test "--idle-timeout on UDP with no datagram: exit 75" {
	run timeout 20 "$IPC" sock listen --udp --idle-timeout 0.2 :0 </dev/null
	assert_failure 75
	assert_line --index 1 --regexp '^ipc sock listen: 127\.0\.0\.1:[0-9]+: nothing moved either way for 0\.2s \(--idle-timeout\)$'
}
