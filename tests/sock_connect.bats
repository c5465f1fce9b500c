#!/usr/bin/env bats
# ipc sock connect: a client that relays stdin and stdout with a socket,
# against python3 peers (helpers/peer.py, helpers/relay.py) and ipc's own
# listener (socat and ncat connect to that one in sock_listen.bats).

bats_require_minimum_version 1.5.0

load helpers/common

relay_py() {
	python3 "$HELPERS/relay.py" "$@"
}

# For start_server: exec, so the background PID that teardown and
# stop_server signal is python itself, not a subshell around it.
peer() {
	exec python3 "$HELPERS/peer.py" "$@"
}
relay_peer() {
	exec python3 "$HELPERS/relay.py" "$@"
}

have_ipv6() {
	python3 -c 'import socket; socket.socket(socket.AF_INET6).bind(("::1", 0))' 2>/dev/null
}

# The traced system calls on stdin (JSON Lines), in order, repeats folded.
calls_of() {
	sed -n 's/.*"ev":"syscall","call":"\([a-z0-9_]*\)".*/\1/p' | uniq | tr '\n' ' '
}

# --- relaying ----------------------------------------------------------

@test "stdin goes to a python echo peer and the echo comes back" {
	start_server echo peer echo-server
	run --separate-stderr timeout 20 "$IPC" sock connect 127.0.0.1 "$echo_PORT" <<<"hello"
	assert_success
	assert_output "hello"
	[[ $stderr =~ ^connected\ to\ 127\.0\.0\.1:$echo_PORT\ from\ 127\.0\.0\.1:[0-9]+$ ]]
}

@test "a socat echo server: the bytes come back and both sides close" {
	start_server so socat -d -d TCP-LISTEN:0,bind=127.0.0.1 PIPE
	run timeout 20 bash -c "printf 'one\ntwo\n' | '$IPC' sock connect 127.0.0.1 $so_PORT 2>/dev/null"
	assert_success
	assert_output $'one\ntwo'
}

@test "HOST:PORT, a service-like word and 'tcp://' all parse" {
	start_server echo peer echo-server
	run timeout 20 "$IPC" sock connect "127.0.0.1:$echo_PORT" <<<"colon"
	assert_success
	assert_line "colon"
	run timeout 20 "$IPC" sock connect "tcp://localhost:$echo_PORT" -4 <<<"scheme"
	assert_success
	assert_line "scheme"
}

@test "1 MiB of random bytes goes through an echo peer unchanged" {
	head -c 1048576 /dev/urandom >"$BATS_TEST_TMPDIR/in.bin"
	start_server echo peer echo-server
	timeout 60 "$IPC" sock connect 127.0.0.1 "$echo_PORT" \
		<"$BATS_TEST_TMPDIR/in.bin" >"$BATS_TEST_TMPDIR/out.bin" 2>/dev/null
	cmp "$BATS_TEST_TMPDIR/in.bin" "$BATS_TEST_TMPDIR/out.bin"
}

@test "short reads and interrupted writes lose nothing" {
	start_server echo peer echo-server
	run --separate-stderr timeout 20 "$IPC" sock connect --inject read=short \
		--inject write=EINTR:1 --inject send=EAGAIN:1 127.0.0.1 "$echo_PORT" <<<"every byte arrives"
	assert_success
	assert_output "every byte arrives"
}

@test "half-close: stdin EOF shuts down our side and the reply still comes" {
	start_server peer peer reply-after-eof "answer:"
	run --separate-stderr timeout 20 "$IPC" sock connect 127.0.0.1 "$peer_PORT" < <(printf question)
	assert_success
	assert_output "answer:question"
}

@test "half-close: the peer shuts down first and the rest of stdin still goes" {
	start_server peer peer send-server $'greeting\n'
	mkfifo "$BATS_TEST_TMPDIR/in" "$BATS_TEST_TMPDIR/out"
	timeout 20 "$IPC" sock connect 127.0.0.1 "$peer_PORT" <"$BATS_TEST_TMPDIR/in" \
		>"$BATS_TEST_TMPDIR/out" 2>/dev/null &
	pid=$!
	STARTED+=("$pid")
	exec {in}>"$BATS_TEST_TMPDIR/in" {out}<"$BATS_TEST_TMPDIR/out"
	read -r -t "$WAIT" -u "$out" line
	assert_equal "$line" "greeting"
	# The peer has shut its side; what we type now must still reach it.
	printf 'sent after the peer shut down\n' >&"$in"
	exec {in}>&-
	wait "$pid"
	exec {out}<&-
	wait_server peer
	run cat "$BATS_TEST_TMPDIR/peer.out"
	assert_output "sent after the peer shut down"
}

@test "--recv-only prints and never reads stdin; --send-only never reads the socket" {
	start_server peer peer send-server $'from the peer\n'
	run --separate-stderr timeout 20 "$IPC" sock connect --recv-only 127.0.0.1 "$peer_PORT" <<<"not sent"
	assert_success
	assert_output "from the peer"
	wait_server peer
	assert_equal "$(cat "$BATS_TEST_TMPDIR/peer.out")" ""
	start_server sink peer sink-server
	run --separate-stderr timeout 20 "$IPC" sock connect --send-only 127.0.0.1 "$sink_PORT" <<<"one way"
	assert_success
	assert_output ""
	wait_server sink
	assert_equal "$(cat "$BATS_TEST_TMPDIR/sink.out")" "one way"
}

@test "--crlf sends each newline as CR LF" {
	start_server sink peer sink-server
	run timeout 20 "$IPC" sock connect --crlf 127.0.0.1 "$sink_PORT" < <(printf 'a\nb\n')
	assert_success
	wait_server sink
	run od -An -c "$BATS_TEST_TMPDIR/sink.out"
	assert_output --regexp '^ +a +\\r +\\n +b +\\r +\\n$'
}

@test "--hex shows both directions as hexdumps on stdout instead of the data" {
	start_server echo peer echo-server
	run --separate-stderr timeout 20 "$IPC" sock connect --hex 127.0.0.1 "$echo_PORT" <<<"hello"
	assert_success
	assert_line --index 0 --regexp '^> 6 bytes sent at \+[0-9]+\.[0-9]{6}s$'
	assert_line --index 1 "00000000  68 65 6c 6c 6f 0a                                 |hello.|"
	assert_line --index 2 --regexp '^< 6 bytes received at \+[0-9]+\.[0-9]{6}s$'
	assert_line --index 3 "00000000  68 65 6c 6c 6f 0a                                 |hello.|"
	refute_line "hello"
}

@test "ipc sock listen as the peer, both ways at once" {
	printf 'from listen\n' >"$BATS_TEST_TMPDIR/reply"
	SERVER_STDIN=$BATS_TEST_TMPDIR/reply start_server lis "$IPC" sock listen :0
	run --separate-stderr timeout 20 "$IPC" sock connect 127.0.0.1 "$lis_PORT" <<<"from connect"
	assert_success
	assert_output "from listen"
	wait_server lis
	assert_equal "$lis_STATUS" 0
	assert_equal "$(cat "$BATS_TEST_TMPDIR/lis.out")" "from connect"
}

# --- families and types ------------------------------------------------

@test "UDP: each line is a datagram, and the echoes print" {
	start_server udp peer udp-echo
	run --separate-stderr timeout 20 "$IPC" sock connect "udp://127.0.0.1:$udp_PORT" < <(printf 'one\ntwo\n')
	assert_success
	assert_output $'one\ntwo'
	[[ $stderr =~ ^sending\ to\ 127\.0\.0\.1:$udp_PORT\ from ]]
}

@test "UDP with nobody listening: ECONNREFUSED from ICMP, exit 69" {
	start_server gone peer udp-echo
	stop_server gone
	run timeout 20 "$IPC" sock connect --udp 127.0.0.1 "$gone_PORT" <<<"anyone?"
	assert_failure 69
	assert_line "ipc sock connect: 127.0.0.1:$gone_PORT: recv: connection refused (ECONNREFUSED)"
	assert_line --partial "hint: nothing listens on that port: the host answered a datagram with ICMP port unreachable"
}

@test "Unix stream socket against a python echo peer" {
	start_server ue peer unix-echo "$BATS_TEST_TMPDIR/echo.sock"
	run --separate-stderr timeout 20 "$IPC" sock connect "unix:$BATS_TEST_TMPDIR/echo.sock" <<<"over unix"
	assert_success
	assert_output "over unix"
	assert_equal "$stderr" "connected to unix:$BATS_TEST_TMPDIR/echo.sock from unix:(unnamed)"
}

@test "Unix: the trace explains connect and close without TCP words" {
	start_server ue peer unix-echo "$BATS_TEST_TMPDIR/echo.sock"
	run --separate-stderr timeout 20 "$IPC" --trace sock connect \
		"unix:$BATS_TEST_TMPDIR/echo.sock" <<<"over unix"
	assert_success
	[[ $stderr == *"no packet and no handshake"* ]]
	[[ $stderr == *"the peer reads end of file"* ]]
	[[ $stderr != *"three-way"* && $stderr != *FIN* ]]
}

@test "Unix: a socket file nobody listens on is refused, with its own hint" {
	local f="$BATS_TEST_TMPDIR/stale.sock"
	python3 -c 'import socket, sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])' "$f"
	run timeout 20 "$IPC" sock connect "unix:$f" </dev/null
	assert_failure 69
	assert_line "ipc sock connect: unix:$f: connection refused (ECONNREFUSED)"
	assert_line --partial "hint: the socket file is there but nothing listens on it"
}

@test "Unix abstract and seqpacket sockets, with ipc listen as the peer" {
	local name="ipc-bats-$$-$RANDOM"
	printf 'abstract reply\n' >"$BATS_TEST_TMPDIR/reply"
	SERVER_STDIN=$BATS_TEST_TMPDIR/reply start_server lis "$IPC" sock listen "unix:@$name"
	assert_equal "$lis_ADDR" "unix:@$name"
	run --separate-stderr timeout 20 "$IPC" sock connect "unix:@$name" <<<"abstract hello"
	assert_success
	assert_output "abstract reply"
	wait_server lis
	assert_equal "$(cat "$BATS_TEST_TMPDIR/lis.out")" "abstract hello"

	SERVER_STDIN=$BATS_TEST_TMPDIR/reply start_server seq "$IPC" sock listen --seqpacket "unix:$BATS_TEST_TMPDIR/seq.sock"
	run --separate-stderr timeout 20 "$IPC" sock connect --seqpacket "unix:$BATS_TEST_TMPDIR/seq.sock" < <(printf 'rec1\nrec2\n')
	assert_success
	assert_output "abstract reply"
	wait_server seq
	assert_equal "$(cat "$BATS_TEST_TMPDIR/seq.out")" $'rec1\nrec2'
}

@test "IPv6: [::1]:PORT" {
	have_ipv6 || skip "no ::1 here"
	printf 'v6 reply\n' >"$BATS_TEST_TMPDIR/reply"
	SERVER_STDIN=$BATS_TEST_TMPDIR/reply start_server lis "$IPC" sock listen "[::1]:0"
	run --separate-stderr timeout 20 "$IPC" sock connect "[::1]:$lis_PORT" <<<"v6 hello"
	assert_success
	assert_output "v6 reply"
	[[ $stderr =~ ^connected\ to\ \[::1\]:$lis_PORT\ from\ \[::1\]: ]]
	run --separate-stderr timeout 20 "$IPC" sock connect -6 ::1 "$lis_PORT" </dev/null
	assert_failure 69
}

# --- options -----------------------------------------------------------

@test "--source takes a host name alone, and refuses a port out of range" {
	start_server echo peer echo-server
	run --separate-stderr timeout 20 "$IPC" sock connect --source localhost \
		-4 127.0.0.1 "$echo_PORT" <<<"named"
	assert_success
	assert_output "named"
	run timeout 20 "$IPC" sock connect --source 99999 127.0.0.1 "$echo_PORT"
	assert_usage_error
	assert_line --index 0 --partial "--source 99999:"
}

@test "--source binds first; --opt sets an option; the trace shows both" {
	start_server echo peer echo-server
	run --separate-stderr timeout 20 "$IPC" sock connect --trace=json \
		--source 127.0.0.2 --opt TCP_NODELAY=1 127.0.0.1 "$echo_PORT" <<<"opts"
	assert_success
	assert_output "opts"
	[[ $stderr == *'"call":"setsockopt","fd":'*',"args":{"level":"IPPROTO_TCP","name":"TCP_NODELAY","value":1},"ret":0'* ]]
	[[ $stderr == *'"call":"bind","fd":'*',"args":{"addr":"127.0.0.2:0"},"ret":0'* ]]
	[[ $stderr =~ connected\ to\ 127\.0\.0\.1:$echo_PORT\ from\ 127\.0\.0\.2: ]]
}

@test "--trace=json shows the real call sequence" {
	start_server echo peer echo-server
	run --separate-stderr timeout 20 "$IPC" sock connect --trace=json \
		--source 127.0.0.1 --opt SO_KEEPALIVE=1 127.0.0.1 "$echo_PORT" <<<"traced"
	assert_success
	calls=$(printf '%s\n' "$stderr" | calls_of)
	echo "calls: $calls"
	[[ $calls =~ ^getaddrinfo\ socket\ setsockopt\ bind\ connect\ .*poll\ read\ .*send\ .*read\ shutdown\ .*recv\ .*write\ .*close\ $ ]]
}

@test "--timeout takes the non-blocking path: EINPROGRESS, poll, SO_ERROR" {
	start_server echo peer echo-server
	run --separate-stderr timeout 20 "$IPC" sock connect --timeout 5 --trace=json 127.0.0.1 "$echo_PORT" <<<"in time"
	assert_success
	assert_output "in time"
	calls=$(printf '%s\n' "$stderr" | calls_of)
	[[ $calls =~ ^getaddrinfo\ socket\ fcntl\ connect\ poll\ getsockopt\ .*fcntl\  ]]
	[[ $stderr == *'"call":"connect","fd":'*',"args":{"addr":"127.0.0.1:'$echo_PORT'"},"ret":-1,"errno":"EINPROGRESS"'* ]]
	[[ $stderr == *'"call":"getsockopt","fd":'*',"args":{"level":"SOL_SOCKET","name":"SO_ERROR","value":0},"ret":0'* ]]
}

# --- failures ----------------------------------------------------------

@test "refused: exit 69 with ECONNREFUSED and a hint" {
	start_server gone peer echo-server
	stop_server gone
	run timeout 20 "$IPC" sock connect 127.0.0.1 "$gone_PORT" </dev/null
	assert_failure 69
	assert_line --index 0 "ipc sock connect: 127.0.0.1:$gone_PORT: connection refused (ECONNREFUSED)"
	assert_line --index 1 --partial "hint: nothing is listening there"
	assert_equal "${#lines[@]}" 2
}

@test "an unknown host exits 68" {
	run timeout 20 "$IPC" sock connect no-such-host.invalid 80 </dev/null
	assert_failure 68
	assert_line --index 0 --regexp '^ipc sock connect: no-such-host\.invalid: .* \(EAI_NONAME\)$'
	assert_line --index 1 --partial "hint: check the spelling"
}

@test "a port out of range is a usage error" {
	run "$IPC" sock connect 127.0.0.1 99999 </dev/null
	assert_usage_error
	assert_line --index 0 "ipc sock connect: 127.0.0.1 99999: port out of range (0-65535)"
}

@test "a malformed port is a usage error" {
	run "$IPC" sock connect 127.0.0.1:80x </dev/null
	assert_usage_error
	assert_line --index 0 "ipc sock connect: 127.0.0.1:80x: bad port: use a number 0-65535 or a service name such as http"
	run "$IPC" sock connect localhost </dev/null
	assert_usage_error
	assert_line --index 0 "ipc sock connect: localhost: missing port: use HOST:PORT or HOST PORT"
}

@test "a Unix path longer than sun_path is a usage error" {
	run "$IPC" sock connect "unix:/tmp/$(printf 'x%.0s' {1..120})" </dev/null
	assert_usage_error
	assert_line --index 0 --regexp '^ipc sock connect: unix:/tmp/x+: Unix socket path longer than 107 bytes$'
}

@test "a Unix socket that is not there: ENOENT" {
	run timeout 20 "$IPC" sock connect "unix:$BATS_TEST_TMPDIR/none.sock" </dev/null
	assert_failure 66
	assert_line --index 0 "ipc sock connect: unix:$BATS_TEST_TMPDIR/none.sock: no such file or directory (ENOENT)"
	assert_line --index 1 --partial "hint: no such file"
}

@test "an unknown --opt is a usage error that says where the names are" {
	run "$IPC" sock connect --opt bogus=1 127.0.0.1 80 </dev/null
	assert_usage_error
	assert_line --index 0 "ipc sock connect: --opt bogus=1: unknown socket option 'bogus' ('ipc sock options' lists them)"
	run "$IPC" sock connect --opt TCP_NODELAY=maybe 127.0.0.1 80 </dev/null
	assert_failure 64
	run "$IPC" sock connect --send-only --recv-only 127.0.0.1 80 </dev/null
	assert_usage_error
	assert_line --index 0 "ipc sock connect: --send-only and --recv-only exclude each other"
}

@test "connect timeout, injected: exit 75" {
	start_server echo peer echo-server
	run timeout 20 "$IPC" sock connect --inject connect=ETIMEDOUT 127.0.0.1 "$echo_PORT" </dev/null
	assert_failure 75
	assert_line --index 0 "ipc sock connect: 127.0.0.1:$echo_PORT: connection timed out (ETIMEDOUT)"
	assert_line --index 1 --partial "hint: no answer in time"
}

@test "connect timeout, real: a full accept queue never answers the SYN" {
	start_server full relay_peer full-backlog
	run --separate-stderr timeout 20 "$IPC" sock connect --timeout 0.3 --trace=json 127.0.0.1 "$full_PORT" </dev/null
	assert_failure 75
	[[ $stderr == *'"call":"connect","fd":'*',"args":{"addr":"127.0.0.1:'$full_PORT'"},"ret":-1,"errno":"EINPROGRESS"'* ]]
	[[ $stderr == *'"call":"poll","args":{"nfds":1,"timeout":300,"fds":"'*':POLLOUT"},"ret":0'* ]]
	[[ $stderr == *"ipc sock connect: 127.0.0.1:$full_PORT: connection timed out (ETIMEDOUT)"* ]]
}

@test "--idle-timeout ends a silent session with exit 75" {
	start_server echo peer echo-server
	run timeout 20 "$IPC" sock connect --recv-only --idle-timeout 0.2 127.0.0.1 "$echo_PORT"
	assert_failure 75
	assert_line "ipc sock connect: 127.0.0.1:$echo_PORT: nothing moved either way for 0.2s (--idle-timeout)"
	assert_line --partial "hint: raise --idle-timeout"
}

@test "a reset mid-stream is reported and exits 74" {
	start_server rst relay_peer reset-after $'partial\n'
	run --separate-stderr timeout 20 "$IPC" sock connect 127.0.0.1 "$rst_PORT" </dev/null
	assert_failure 74
	assert_output "partial"
	assert_equal "${stderr_lines[1]}" "ipc sock connect: 127.0.0.1:$rst_PORT: recv: connection reset by peer (ECONNRESET)"
	[[ ${stderr_lines[2]} == "hint: the peer reset the connection"* ]]
}

@test "a reader that goes away: EPIPE on stdout, exit 74" {
	start_server echo peer echo-server
	run bash -c 'head -c 1000000 /dev/zero |
		timeout 20 "$1" sock connect 127.0.0.1 "$2" 2>"$3" | head -c 10 >/dev/null
		echo "status ${PIPESTATUS[1]}" >>"$3"; cat "$3"' _ "$IPC" "$echo_PORT" "$BATS_TEST_TMPDIR/err"
	assert_line --index 0 --regexp "^connected to 127\.0\.0\.1:$echo_PORT from "
	assert_line --index 1 "ipc sock connect: stdout: broken pipe (EPIPE)"
	assert_line --index 2 --partial "hint:"
	assert_line --index 3 "status 74"
}

# --- --python ----------------------------------------------------------

@test "--python prints a program that compiles and talks to an echo peer" {
	start_server echo peer echo-server
	run --separate-stderr "$IPC" sock connect --python --timeout 5 \
		--opt TCP_NODELAY=1 --opt SO_LINGER=2 --source 127.0.0.1 127.0.0.1 "$echo_PORT"
	assert_success
	printf '%s\n' "$output" >"$BATS_TEST_TMPDIR/client.py"
	python3 -m py_compile "$BATS_TEST_TMPDIR/client.py"
	assert_line "            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)"
	assert_line '            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 2))'
	assert_line --partial "sock.settimeout(5)"
	assert_line --partial "sock.shutdown(socket.SHUT_WR)"
	run --separate-stderr timeout 20 python3 "$BATS_TEST_TMPDIR/client.py" < <(printf 'from python\nline two\n')
	assert_success
	assert_output $'from python\nline two'
}

@test "--python for UDP and Unix sockets works too" {
	start_server udp peer udp-echo
	run "$IPC" sock connect --python --crlf "udp://127.0.0.1:$udp_PORT"
	assert_success
	printf '%s\n' "$output" >"$BATS_TEST_TMPDIR/udp.py"
	python3 -m py_compile "$BATS_TEST_TMPDIR/udp.py"
	run timeout 20 python3 "$BATS_TEST_TMPDIR/udp.py" < <(printf 'dgram\n')
	assert_success
	assert_output $'dgram\r'
	start_server ue peer unix-echo "$BATS_TEST_TMPDIR/e.sock"
	run "$IPC" sock connect --python "unix:$BATS_TEST_TMPDIR/e.sock"
	printf '%s\n' "$output" >"$BATS_TEST_TMPDIR/unix.py"
	run timeout 20 python3 "$BATS_TEST_TMPDIR/unix.py" <<<"unix via python"
	assert_success
	assert_output "unix via python"
}

@test "--python with a bad --opt value prints no half program" {
	run "$IPC" sock connect --python --opt SO_LINGER=soon 127.0.0.1 80
	assert_failure 64
	assert_line --index 0 "ipc sock connect: --opt SO_LINGER=soon: bad value (booleans take 1/0/on/off, sizes a number, times seconds)"
	refute_output --partial "import"
}

# --- a terminal --------------------------------------------------------

@test "on a terminal: readline sends typed lines, keeps history, restores the terminal" {
	start_server sink peer sink-server
	run --separate-stderr relay_py tty 'hello world\r\x04' \
		env XDG_STATE_HOME="$BATS_TEST_TMPDIR/state" "$IPC" sock connect 127.0.0.1 "$sink_PORT"
	assert_success
	assert_output $'exit 0\ntermios restored'
	wait_server sink
	assert_equal "$(cat "$BATS_TEST_TMPDIR/sink.out")" "hello world"
	assert_file_exists "$BATS_TEST_TMPDIR/state/ipc/history"
	assert_equal "$(cat "$BATS_TEST_TMPDIR/state/ipc/history")" "hello world"
	assert_equal "$(stat -c %a "$BATS_TEST_TMPDIR/state/ipc")" 700
}

@test "on a terminal: SIGTERM mid-line leaves cleanly with the terminal restored" {
	start_server echo peer echo-server
	run --separate-stderr relay_py tty --kill TERM 'half a line' \
		env XDG_STATE_HOME="$BATS_TEST_TMPDIR/state" "$IPC" sock connect 127.0.0.1 "$echo_PORT"
	assert_success
	assert_output $'exit 143\ntermios restored'
	run --separate-stderr relay_py tty --kill INT 'again' \
		env XDG_STATE_HOME="$BATS_TEST_TMPDIR/state" "$IPC" sock connect 127.0.0.1 "$echo_PORT"
	assert_output $'exit 130\ntermios restored'
}

@test "on a terminal: data from the peer prints while a line is being typed" {
	start_server peer peer send-server $'\x1b[31mred\n'
	run --separate-stderr relay_py tty 'typing' \
		env XDG_STATE_HOME="$BATS_TEST_TMPDIR/state" "$IPC" sock connect 127.0.0.1 "$peer_PORT"
	assert_success
	assert_output $'exit 0\ntermios restored'
	# Escaped: a peer cannot send control sequences to the terminal.
	[[ $stderr == *'\x1b[31mred'* ]]
	[[ $stderr == *"127.0.0.1:$peer_PORT closed the connection"* ]]
}
