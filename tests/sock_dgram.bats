#!/usr/bin/env bats
# ipc sock send / recv: one-shot datagrams over UDP and Unix sockets.
#
# Every `ipc sock recv` here has --timeout 10, so a lost datagram fails the
# test instead of hanging it.

load helpers/common

dgram_py() {
	python3 "$HELPERS/dgram.py" "$@"
}

have_ipv6() {
	python3 -c 'import socket; socket.socket(socket.AF_INET6, socket.SOCK_DGRAM).bind(("::1", 0))' 2>/dev/null
}

# --- send, against Python receivers ------------------------------------

@test "send: one datagram reaches a Python receiver" {
	start_server py dgram_py recv udp 1
	run "$IPC" sock send "127.0.0.1:$py_PORT" hello
	assert_success
	assert_output "sent 5 bytes to 127.0.0.1:$py_PORT"
	wait_server py
	assert_equal "$py_STATUS" 0
	run cat "$BATS_TEST_TMPDIR/py.out"
	assert_output --regexp "^from 127\.0\.0\.1:[0-9]+: b'hello'$"
}

@test "send: --count sends the datagram N times" {
	start_server py dgram_py recv udp 3
	run "$IPC" sock send --count 3 "udp://127.0.0.1:$py_PORT" hi
	assert_success
	assert_equal "${#lines[@]}" 3
	wait_server py
	run cat "$BATS_TEST_TMPDIR/py.out"
	assert_equal "${#lines[@]}" 3
	assert_line --index 2 --regexp ": b'hi'$"
}

@test "send: DATA - sends each line as a datagram, empty lines too" {
	start_server py dgram_py recv udp 4
	run bash -c 'printf "one\ntwo\n\nlast" | "$1" sock send "$2" -' _ \
		"$IPC" "127.0.0.1:$py_PORT"
	assert_success
	assert_line --index 0 "sent 3 bytes to 127.0.0.1:$py_PORT"
	assert_line --index 2 "sent 0 bytes to 127.0.0.1:$py_PORT"
	assert_line --index 3 "sent 4 bytes to 127.0.0.1:$py_PORT"
	wait_server py
	run cat "$BATS_TEST_TMPDIR/py.out"
	assert_line --index 0 --partial "b'one'"
	assert_line --index 1 --partial "b'two'"
	assert_line --index 2 --partial "b''"
	assert_line --index 3 --partial "b'last'"
}

@test "send: an empty DATA is an empty datagram" {
	start_server py dgram_py recv udp 1
	run "$IPC" sock send "127.0.0.1:$py_PORT" ''
	assert_success
	assert_output "sent 0 bytes to 127.0.0.1:$py_PORT"
	wait_server py
	run cat "$BATS_TEST_TMPDIR/py.out"
	assert_output --partial ": b''"
}

@test "send: a Unix datagram socket" {
	start_server py dgram_py recv "unix:$BATS_TEST_TMPDIR/py.sock" 1
	run "$IPC" sock send "unix:$BATS_TEST_TMPDIR/py.sock" hi
	assert_success
	assert_output "sent 2 bytes to unix:$BATS_TEST_TMPDIR/py.sock"
	wait_server py
	run cat "$BATS_TEST_TMPDIR/py.out"
	assert_output "from unix:(unnamed): b'hi'"
}

@test "send: IPv6 loopback" {
	have_ipv6 || skip "no IPv6 loopback here"
	start_server py dgram_py recv udp6 1
	run "$IPC" sock send "[::1]:$py_PORT" six
	assert_success
	assert_output "sent 3 bytes to [::1]:$py_PORT"
	wait_server py
	run cat "$BATS_TEST_TMPDIR/py.out"
	assert_output --regexp "^from \[::1\]:[0-9]+: b'six'$"
}

@test "send: -4 picks the IPv4 address of a name" {
	start_server py dgram_py recv udp 1
	run "$IPC" sock send -4 "localhost:$py_PORT" four
	assert_success
	assert_output "sent 4 bytes to 127.0.0.1:$py_PORT"
	wait_server py
	assert_equal "$py_STATUS" 0
}

# --- recv, against Python, socat and ncat senders --------------------

@test "recv: prints the sender on stderr and the bytes on stdout" {
	start_server r "$IPC" sock recv --timeout 10 0
	assert_regex "$r_ADDR" '^127\.0\.0\.1:[0-9]+$'
	run dgram_py send udp "$r_PORT" hello
	assert_success
	sender=${output#from }
	wait_server r
	assert_equal "$r_STATUS" 0
	run server_log r
	assert_line --index 1 "from $sender: 5 bytes"
	run cat "$BATS_TEST_TMPDIR/r.out"
	assert_output hello
}

@test "recv: a datagram from socat" {
	start_server r "$IPC" sock recv --timeout 10 0
	run bash -c 'printf "from socat" | timeout 20 socat -u - "UDP-SENDTO:127.0.0.1:$1"' _ "$r_PORT"
	assert_success
	wait_server r
	assert_equal "$r_STATUS" 0
	run cat "$BATS_TEST_TMPDIR/r.out"
	assert_output "from socat"
}

@test "recv: a datagram from ncat" {
	start_server r "$IPC" sock recv --timeout 10 0
	run bash -c 'printf "from ncat" | timeout 20 ncat -u --send-only 127.0.0.1 "$1"' _ "$r_PORT"
	assert_success
	wait_server r
	assert_equal "$r_STATUS" 0
	run cat "$BATS_TEST_TMPDIR/r.out"
	assert_output "from ncat"
}

@test "recv: --count 2 takes two datagrams, from ipc sock send" {
	start_server r "$IPC" sock recv --timeout 10 --count 2 0
	run "$IPC" sock send --count 2 "$r_ADDR" ab
	assert_success
	wait_server r
	assert_equal "$r_STATUS" 0
	run server_log r
	assert_equal "${#lines[@]}" 3
	assert_line --index 2 --regexp '^from 127\.0\.0\.1:[0-9]+: 2 bytes$'
	run cat "$BATS_TEST_TMPDIR/r.out"
	assert_output abab
}

@test "recv: --json gives from, bytes, truncated and data" {
	start_server r "$IPC" sock recv --timeout 10 --json 0
	run dgram_py send udp "$r_PORT" hello
	sender=${output#from }
	wait_server r
	run cat "$BATS_TEST_TMPDIR/r.out"
	assert_output "{\"from\":\"$sender\",\"bytes\":5,\"truncated\":false,\"data\":\"hello\"}"
}

@test "recv: --json shows bytes that are not UTF-8 as data_hex" {
	start_server r "$IPC" sock recv --timeout 10 --json 0
	run bash -c 'printf "\xff\x00A" | "$1" sock send "$2" -' _ "$IPC" "$r_ADDR"
	assert_success
	wait_server r
	run cat "$BATS_TEST_TMPDIR/r.out"
	assert_output --partial '"bytes":3,"truncated":false,"data_hex":"ff0041"}'
}

@test "recv: a Unix datagram socket; the file is removed at the end" {
	sock=$BATS_TEST_TMPDIR/r.sock
	start_server r "$IPC" sock recv --timeout 10 "unix:$sock"
	assert_equal "$r_ADDR" "unix:$sock"
	run dgram_py send "unix:$BATS_TEST_TMPDIR/py.sock" "$sock" hi
	assert_success
	wait_server r
	assert_equal "$r_STATUS" 0
	run server_log r
	assert_line --index 1 "from unix:$BATS_TEST_TMPDIR/py.sock: 2 bytes"
	assert_not_exist "$sock"
}

@test "recv: an abstract Unix name, and a sender that never bound" {
	name=ipc-test-$$-$BATS_TEST_NUMBER
	start_server r "$IPC" sock recv --timeout 10 "unix:@$name"
	assert_equal "$r_ADDR" "unix:@$name"
	run "$IPC" sock send "unix:@$name" anon
	assert_success
	wait_server r
	run server_log r
	assert_line --index 1 "from unix:(unnamed): 4 bytes"
}

@test "recv: IPv6 loopback" {
	have_ipv6 || skip "no IPv6 loopback here"
	start_server r "$IPC" sock recv --timeout 10 '[::1]:0'
	assert_regex "$r_ADDR" '^\[::1\]:[0-9]+$'
	run dgram_py send udp6 "$r_PORT" six
	sender=${output#from }
	wait_server r
	run server_log r
	assert_line --index 1 "from $sender: 3 bytes"
}

@test "recv: a datagram longer than --size is truncated, with its real length" {
	start_server r "$IPC" sock recv --timeout 10 --size 10 0
	run dgram_py send udp "$r_PORT" @1000
	sender=${output#from }
	wait_server r
	assert_equal "$r_STATUS" 0
	run server_log r
	assert_line --index 1 "ipc sock recv: warning: datagram from $sender truncated (MSG_TRUNC): 1000 bytes sent, 10 kept; the rest is lost (raise --size)"
	assert_line --index 2 "from $sender: 10 of 1000 bytes"
	run cat "$BATS_TEST_TMPDIR/r.out"
	assert_output xxxxxxxxxx
}

@test "recv: --json marks a truncated datagram" {
	start_server r "$IPC" sock recv --timeout 10 --size 4 --json 0
	run dgram_py send udp "$r_PORT" @100
	wait_server r
	run cat "$BATS_TEST_TMPDIR/r.out"
	assert_output --partial '"bytes":100,"truncated":true,"data":"xxxx"}'
}

@test "recv: --timeout exits 75 when nothing comes" {
	run "$IPC" sock recv --timeout 0.2 0
	assert_failure 75
	assert_line --index 0 --regexp '^listening 127\.0\.0\.1:[0-9]+$'
	assert_line --index 1 --regexp '^ipc sock recv: 127\.0\.0\.1:[0-9]+: timed out: no datagram came in 0\.2s \(0 received\)$'
	assert_line --index 2 --partial "hint: nothing came"
}

@test "recv: --timeout after some datagrams says how many came" {
	start_server r "$IPC" sock recv --timeout 1 --count 3 0
	run "$IPC" sock send "$r_ADDR" one
	wait_server r
	assert_equal "$r_STATUS" 75
	run server_log r
	assert_line --partial "(1 received)"
}

@test "recv: --keep goes on past --count, here until --timeout" {
	# The idle timeout must outlast python's start-up on a loaded machine.
	start_server r "$IPC" sock recv --keep --timeout 3 0
	run "$IPC" sock send --count 3 "$r_ADDR" k
	assert_success
	run dgram_py send udp "$r_PORT" last
	wait_server r
	assert_equal "$r_STATUS" 75
	run server_log r
	assert_line --partial "(4 received)"
	run cat "$BATS_TEST_TMPDIR/r.out"
	assert_output kkklast
}

# --- connected UDP: the ICMP error comes back ------------------------

@test "send: no listener, yet every sendto succeeds" {
	port=$(dgram_py closed-port)
	run "$IPC" sock send --count 2 "127.0.0.1:$port" hi
	assert_success
	assert_equal "${#lines[@]}" 2
}

@test "send --connect: the second send reports ECONNREFUSED" {
	port=$(dgram_py closed-port)
	run "$IPC" sock send --connect --count 2 "127.0.0.1:$port" hi
	assert_failure 69
	assert_line --index 0 "sent 2 bytes to 127.0.0.1:$port"
	assert_line --index 1 "ipc sock send: 127.0.0.1:$port: connection refused (ECONNREFUSED)"
	assert_line --index 2 --partial "hint: an ICMP port unreachable came back"
}

@test "send --connect: --trace=json shows connect, then send, send" {
	port=$(dgram_py closed-port)
	run "$IPC" sock send --trace=json --connect --count 2 "127.0.0.1:$port" hi
	assert_failure 69
	calls=$(grep -o '"call":"[a-z]*"' <<<"$output" | tr '\n' ' ')
	assert_equal "$calls" '"call":"getaddrinfo" "call":"socket" "call":"connect" "call":"send" "call":"send" "call":"close" '
	assert_line --regexp '"call":"send","fd":[0-9]+,"args":\{"count":2,"flags":"MSG_NOSIGNAL"\},"ret":-1,"errno":"ECONNREFUSED"'
}

@test "send: --trace=json shows sendto with the address" {
	start_server py dgram_py recv udp 1
	run "$IPC" sock send --trace=json "127.0.0.1:$py_PORT" hi
	assert_success
	assert_line --partial '"call":"sendto"'
	assert_line --partial "\"127.0.0.1:$py_PORT\""
}

@test "recv: --trace=json shows bind, then recvmsg with MSG_TRUNC" {
	start_server r "$IPC" sock recv --timeout 10 --trace=json 0
	"$IPC" sock send "127.0.0.1:$r_PORT" hi 2>/dev/null
	wait_server r
	run server_log r
	assert_line --partial '"call":"bind"'
	assert_line --regexp '"call":"recvmsg".*"MSG_TRUNC".*"ret":2'
}

# --- faults loopback cannot make --------------------------------------

@test "send: a signal during sendto is retried (EINTR)" {
	start_server py dgram_py recv udp 1
	run "$IPC" sock send --inject sendto=EINTR:1 "127.0.0.1:$py_PORT" hi
	assert_success
	assert_output "sent 2 bytes to 127.0.0.1:$py_PORT"
	wait_server py
	assert_equal "$py_STATUS" 0
}

@test "send: a short sendto is an error: a datagram cannot be continued" {
	port=$(dgram_py closed-port)
	run "$IPC" sock send --inject sendto=short "127.0.0.1:$port" hello
	assert_failure 74
	assert_line --index 0 "ipc sock send: 127.0.0.1:$port: only 2 of 5 bytes went out"
	assert_line --index 1 "hint: a datagram cannot be continued: the rest is lost"
}

@test "send: stdin read in short pieces still splits on lines" {
	start_server py dgram_py recv udp 2
	run bash -c 'printf "alpha\nbeta\n" | "$1" sock send --inject read=short "$2" -' _ \
		"$IPC" "127.0.0.1:$py_PORT"
	assert_success
	wait_server py
	run cat "$BATS_TEST_TMPDIR/py.out"
	assert_line --index 0 --partial "b'alpha'"
	assert_line --index 1 --partial "b'beta'"
}

@test "recv: a signal during recvmsg is retried (EINTR)" {
	start_server r "$IPC" sock recv --timeout 10 --inject recvmsg=EINTR:1 0
	"$IPC" sock send "$r_ADDR" hi 2>/dev/null
	wait_server r
	assert_equal "$r_STATUS" 0
	run cat "$BATS_TEST_TMPDIR/r.out"
	assert_output hi
}

@test "recv: bind refused (EACCES) exits 77" {
	run "$IPC" sock recv --inject bind=EACCES 0
	assert_failure 77
	assert_line --index 0 "ipc sock recv: 127.0.0.1:0: permission denied (EACCES)"
	assert_line --index 1 --partial "hint:"
}

# --- bad input ---------------------------------------------------------

@test "send: a bad port is a usage error" {
	run "$IPC" sock send 127.0.0.1:99999 hi
	assert_usage_error
	assert_line --index 0 "ipc sock send: 127.0.0.1:99999: port out of range (0-65535)"
}

@test "send: a missing port is a usage error" {
	run "$IPC" sock send 127.0.0.1 hi
	assert_usage_error
	assert_line --index 0 "ipc sock send: 127.0.0.1: missing port: use HOST:PORT or HOST PORT"
}

@test "send: an unknown host exits 68" {
	run "$IPC" sock send no-such-host.invalid:9 hi
	assert_failure 68
	assert_line --index 0 --regexp '^ipc sock send: no-such-host\.invalid:9: .* \(EAI_NONAME\)$'
	assert_line --index 1 --partial "hint: check the spelling"
}

@test "send: a Unix path that is too long is a usage error" {
	long=$(printf 'd%.0s' {1..120})
	run "$IPC" sock send "unix:/tmp/$long" hi
	assert_usage_error
	assert_line --index 0 "ipc sock send: unix:/tmp/$long: Unix socket path longer than 107 bytes"
}

@test "send: tcp:// is refused: datagrams only" {
	run "$IPC" sock send tcp://127.0.0.1:9 hi
	assert_usage_error
	assert_line --index 0 "ipc sock send: tcp://127.0.0.1:9: datagrams only: use HOST:PORT, udp://HOST:PORT or unix:PATH"
}

@test "send: a negative --count is a usage error" {
	run "$IPC" sock send --count -1 127.0.0.1:9 hi
	assert_usage_error
	assert_line --index 0 "ipc sock send: --count: expected 1 or more"
}

@test "send: DATA is required" {
	run "$IPC" sock send 127.0.0.1:9
	assert_usage_error
}

@test "send: no socket at a Unix path exits 66 (ENOENT)" {
	run "$IPC" sock send "unix:$BATS_TEST_TMPDIR/none.sock" hi
	assert_failure 66
	assert_line --index 0 "ipc sock send: unix:$BATS_TEST_TMPDIR/none.sock: no such file or directory (ENOENT)"
	assert_line --index 1 "hint: no socket at that path; start 'ipc sock recv unix:PATH' first"
}

@test "send: a stale Unix socket file refuses (ECONNREFUSED)" {
	sock=$BATS_TEST_TMPDIR/stale.sock
	python3 -c 'import socket,sys; socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM).bind(sys.argv[1])' "$sock"
	run "$IPC" sock send "unix:$sock" hi
	assert_failure 69
	assert_line --index 0 "ipc sock send: unix:$sock: connection refused (ECONNREFUSED)"
	assert_line --index 1 --partial "hint: a socket file is there but no socket is bound to it"
}

@test "send: a line longer than 65535 bytes exits 65" {
	port=$(dgram_py closed-port)
	run bash -c 'head -c 70000 /dev/zero | tr "\0" x | "$1" sock send "$2" -' _ \
		"$IPC" "127.0.0.1:$port"
	assert_failure 65
	assert_line --index 0 "ipc sock send: stdin: a line longer than 65535 bytes"
	assert_line --index 1 "hint: each line is one datagram; split the input"
}

@test "send: more than fits in a UDP datagram is EMSGSIZE" {
	port=$(dgram_py closed-port)
	run bash -c 'head -c 65508 /dev/zero | tr "\0" x | "$1" sock send "$2" -' _ \
		"$IPC" "127.0.0.1:$port"
	assert_failure 74
	assert_line --index 0 "ipc sock send: 127.0.0.1:$port: message too long (EMSGSIZE)"
	assert_line --index 1 --partial "hint: a datagram must fit in one packet"
}

@test "send: -4 and -6 together are a usage error" {
	run "$IPC" sock send -4 -6 localhost:9 hi
	assert_usage_error
	assert_line --index 0 "ipc sock send: localhost:9: -4 and -6 exclude each other"
}

@test "recv: a bad address is a usage error" {
	run "$IPC" sock recv 127.0.0.1:http-x!
	assert_usage_error
	assert_line --index 0 --partial "ipc sock recv: 127.0.0.1:http-x!: bad port"
}

@test "recv: --size out of range is a usage error" {
	run "$IPC" sock recv --size 2000000 0
	assert_usage_error
	assert_line --index 0 "ipc sock recv: --size: expected 1 to 1048576 bytes"
}

@test "recv: a file already at the Unix path exits 69 (EADDRINUSE)" {
	sock=$BATS_TEST_TMPDIR/taken.sock
	touch "$sock"
	run "$IPC" sock recv "unix:$sock"
	assert_failure 69
	assert_line --index 0 "ipc sock recv: unix:$sock: address already in use (EADDRINUSE)"
	assert_line --index 1 --partial "hint: a file is already at that path"
	assert_exist "$sock"
}
