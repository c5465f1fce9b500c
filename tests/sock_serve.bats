#!/usr/bin/env bats
# ipc sock serve: the inetd services, the four server models, and a server
# that survives vanishing clients, aborted connections and EMFILE.

load helpers/common

SERVE_PY=$BATS_TEST_DIRNAME/helpers/serve.py

# client_start NAME CMD... - run a client in the background with its stdin
# and stdout on fifos, so a test can read its lines as they come
# (client_line NAME) and tell it to finish (client_end NAME).
client_start() {
	local name=$1 in out
	shift
	mkfifo "$BATS_TEST_TMPDIR/$name.in" "$BATS_TEST_TMPDIR/$name.out"
	"$@" <"$BATS_TEST_TMPDIR/$name.in" >"$BATS_TEST_TMPDIR/$name.out" &
	STARTED+=("$!")
	printf -v "${name}_CPID" '%s' "$!"
	exec {in}>"$BATS_TEST_TMPDIR/$name.in"
	exec {out}<"$BATS_TEST_TMPDIR/$name.out"
	printf -v "${name}_IN" '%s' "$in"
	printf -v "${name}_OUT" '%s' "$out"
}

# client_line NAME - the next line the client printed, within $WAIT seconds.
client_line() {
	local fd=${1}_OUT line
	read -r -t "$WAIT" -u "${!fd}" line
	printf '%s\n' "$line"
}

# client_end NAME - close its stdin and wait for it to exit.
client_end() {
	local in=${1}_IN out=${1}_OUT pid=${1}_CPID
	local fd_in=${!in} fd_out=${!out}
	exec {fd_in}>&- {fd_out}<&-
	wait "${!pid}"
}

# serve NAME ARGS... - start `ipc sock serve ARGS...` as NAME.
serve() {
	local name=$1
	shift
	start_server "$name" "$IPC" sock serve "$@"
}

# The last line the server wrote: its summary, once it has exited.
summary_of() {
	tail -n 1 "$BATS_TEST_TMPDIR/$1.err"
}

@test "echo: python, socat and ncat get their bytes back" {
	serve srv :0 --echo
	run timeout 20 python3 "$HELPERS/peer.py" connect "$srv_PORT" "from python"
	assert_success
	assert_output "from python"
	run timeout 20 bash -c 'printf "from socat\n" | socat - TCP:127.0.0.1:$0' "$srv_PORT"
	assert_success
	assert_output "from socat"
	run timeout 20 bash -c 'printf "from ncat\n" | ncat 127.0.0.1 $0' "$srv_PORT"
	assert_success
	assert_output "from ncat"
	stop_server srv
	assert_equal "$srv_STATUS" 0
	run server_log srv
	assert_line --regexp '^connection 1 from 127\.0\.0\.1:[0-9]+$'
	assert_line "connection 1 closed: 11 bytes in, 11 bytes out"
	assert_line "connection 3 closed: 10 bytes in, 10 bytes out"
	assert_equal "$(summary_of srv)" "served 3 connections, 32 bytes in, 32 bytes out"
}

@test "discard: reads everything and sends nothing back" {
	serve srv :0 --discard
	run timeout 20 python3 "$HELPERS/peer.py" connect "$srv_PORT" "into the void"
	assert_success
	assert_output ""
	run timeout 20 bash -c 'head -c 100000 /dev/zero | socat - TCP:127.0.0.1:$0' "$srv_PORT"
	assert_success
	assert_output ""
	run timeout 20 bash -c 'printf "gone\n" | ncat 127.0.0.1 $0' "$srv_PORT"
	assert_success
	assert_output ""
	stop_server srv
	run server_log srv
	assert_line "connection 1 closed: 13 bytes in, 0 bytes out"
	assert_line "connection 2 closed: 100000 bytes in, 0 bytes out"
	assert_line "connection 3 closed: 5 bytes in, 0 bytes out"
}

@test "daytime: one RFC 867 line, then the server closes" {
	local line='^[A-Z][a-z]+day, [A-Z][a-z]+ [0-9]{1,2}, [0-9]{4} [0-9]{2}:[0-9]{2}:[0-9]{2}-[A-Za-z0-9+-]+'
	serve srv :0 --daytime
	run timeout 20 python3 "$HELPERS/peer.py" connect "$srv_PORT" ""
	assert_success
	assert_output --regexp "$line"$'\r$'
	run timeout 20 socat -u TCP:127.0.0.1:"$srv_PORT" -
	assert_success
	assert_output --regexp "$line"$'\r$'
	run timeout 20 ncat 127.0.0.1 "$srv_PORT" </dev/null
	assert_success
	assert_output --regexp "$line"$'\r$'
	assert_equal "${#lines[@]}" 1
}

@test "chargen: the RFC 864 lines, and clients that leave mid-write are survived" {
	serve srv :0 --chargen
	run timeout 20 python3 "$SERVE_PY" read "$srv_PORT" 148
	assert_success
	expected=$(python3 -c 'import sys
for i in range(2):
    sys.stdout.write("".join(chr(32 + (i + k) % 95) for k in range(72)) + "\r\n")')
	assert_output "$expected"
	run timeout 20 bash -c 'socat -u TCP:127.0.0.1:$0 - 2>/dev/null | head -c 1000 | wc -c' "$srv_PORT"
	assert_output 1000
	run timeout 20 bash -c 'ncat 127.0.0.1 $0 </dev/null 2>/dev/null | head -c 1000 | wc -c' "$srv_PORT"
	assert_output 1000
	# Still serving after three clients went away while it wrote.
	run timeout 20 python3 "$SERVE_PY" read "$srv_PORT" 74
	assert_output --partial ' !"#$%'
	stop_server srv
	assert_equal "$srv_STATUS" 0
	run server_log srv
	assert_line --regexp '^connection 2 closed: 0 bytes in, [0-9]+ bytes out, client vanished \((EPIPE|ECONNRESET)\)$'
	assert_line --regexp '^connection 3 closed: 0 bytes in, [0-9]+ bytes out, client vanished \((EPIPE|ECONNRESET)\)$'
	assert_line --regexp '^served 4 connections, 0 bytes in, [0-9]+ bytes out, 4 clients vanished mid-write$'
}

@test "exec: tr serves python, socat and ncat, one child each" {
	serve srv :0 --exec -- tr a-z A-Z
	run timeout 20 python3 "$HELPERS/peer.py" connect "$srv_PORT" "shout"
	assert_success
	assert_output "SHOUT"
	run timeout 20 bash -c 'printf "socat\n" | socat - TCP:127.0.0.1:$0' "$srv_PORT"
	assert_output "SOCAT"
	run timeout 20 bash -c 'printf "ncat\n" | ncat 127.0.0.1 $0' "$srv_PORT"
	assert_output "NCAT"
	stop_server srv
	assert_equal "$srv_STATUS" 0
	run server_log srv
	assert_line "connection 1 closed: tr exited 0"
	assert_line "connection 3 closed: tr exited 0"
}

@test "exec: every model forks a child per connection" {
	local m
	for m in iterative fork thread poll; do
		serve srv :0 --exec --model "$m" -- tr a-z A-Z
		run timeout 20 python3 "$HELPERS/peer.py" connect "$srv_PORT" "$m"
		assert_output "${m^^}"
		run timeout 20 python3 "$HELPERS/peer.py" connect "$srv_PORT" "again"
		assert_output "AGAIN"
		stop_server srv
		assert_equal "$srv_STATUS" 0
		run server_log srv
		assert_line "connection 2 closed: tr exited 0"
		rm -f "$BATS_TEST_TMPDIR"/srv.*
	done
}

@test "exec: no shell, so a ';' in an argument stays literal" {
	serve srv :0 --exec -- printf '%s\n' 'a; echo injected'
	run timeout 20 socat -u TCP:127.0.0.1:"$srv_PORT" -
	assert_success
	assert_output "a; echo injected"
}

@test "exec: a command that is not there closes the connection and the server goes on" {
	serve srv :0 --exec -- no-such-command-here
	run timeout 20 socat -u TCP:127.0.0.1:"$srv_PORT" -
	assert_output ""
	run timeout 20 socat -u TCP:127.0.0.1:"$srv_PORT" -
	assert_output ""
	stop_server srv
	assert_equal "$srv_STATUS" 0
	run server_log srv
	assert_line "ipc sock serve: exec: no-such-command-here: no such file or directory (ENOENT)"
	assert_line "connection 1 closed: no-such-command-here exited 127"
	assert_line --regexp '^connection 2 from '
}

# Every model: echo for python and socat, then 100 clients at once, and the
# server holds as many descriptors afterwards as before.
check_model() {
	serve srv :0 --echo --model "$1"
	before=$(fds_of "$srv_PID")
	run timeout 20 python3 "$HELPERS/peer.py" connect "$srv_PORT" "model $1"
	assert_output "model $1"
	run timeout 20 bash -c 'printf "socat\n" | socat - TCP:127.0.0.1:$0' "$srv_PORT"
	assert_output "socat"
	run timeout 120 python3 "$HELPERS/peer.py" clients "$srv_PORT" 100
	assert_success
	assert_output "100 ok, 0 failed"
	assert_equal "$(fds_of "$srv_PID")" "$before"
	stop_server srv
	assert_equal "$srv_STATUS" 0
	# 99000 bytes from the 100 clients, "model M" and "socat\n".
	bytes=$(( 99000 + 6 + ${#1} + 6 ))
	assert_equal "$(summary_of srv)" "served 102 connections, $bytes bytes in, $bytes bytes out"
}

@test "model poll: echo, 100 concurrent clients, no fd leaked" {
	check_model poll
}

@test "model iterative: echo, 100 concurrent clients, no fd leaked" {
	check_model iterative
}

@test "model thread: echo, 100 concurrent clients, no fd leaked" {
	check_model thread
}

@test "model fork: echo, 100 concurrent clients, no fd leaked" {
	check_model fork
}

@test "model fork: every child is reaped, no zombies" {
	serve srv :0 --echo --model fork
	run timeout 120 python3 "$HELPERS/peer.py" clients "$srv_PORT" 100
	assert_output "100 ok, 0 failed"
	# A client served after the batch: the server has been through SIGCHLD
	# and waitpid since, and this client's own child is alive.
	client_start hold timeout 20 python3 "$SERVE_PY" hold "$srv_PORT" 1
	assert_equal "$(client_line hold)" "1 served, 0 dropped"
	run ps --ppid "$srv_PID" -o stat=
	assert_equal "${#lines[@]}" 1
	refute_line --regexp '^Z'
	client_end hold
	stop_server srv
	assert_equal "$srv_STATUS" 0
}

@test "SIGTERM ends every model cleanly, open connections included" {
	local m
	for m in poll iterative thread fork; do
		serve srv :0 --echo --model "$m"
		client_start hold timeout 20 python3 "$SERVE_PY" hold "$srv_PORT" 1
		assert_equal "$(client_line hold)" "1 served, 0 dropped"
		stop_server srv
		assert_equal "$srv_STATUS" 0
		run server_log srv
		assert_line "connection 1 closed: 1 bytes in, 1 bytes out, server stopping"
		assert_equal "$(summary_of srv)" "served 1 connection, 1 bytes in, 1 bytes out"
		client_end hold
		rm -f "$BATS_TEST_TMPDIR"/{srv,hold}.*
	done
}

@test "SIGTERM ends --exec children too" {
	serve srv :0 --exec --model poll -- cat
	client_start hold timeout 20 python3 "$SERVE_PY" hold "$srv_PORT" 1
	assert_equal "$(client_line hold)" "1 served, 0 dropped"
	stop_server srv
	assert_equal "$srv_STATUS" 0
	run server_log srv
	assert_line "connection 1 closed: cat killed by SIGTERM"
	client_end hold
}

@test "SIGINT stops it too, with the summary" {
	# A shell starts background jobs with SIGINT ignored; give it back.
	start_server srv env --default-signal=INT "$IPC" sock serve :0 --echo --quiet
	run timeout 20 python3 "$HELPERS/peer.py" connect "$srv_PORT" "hi"
	stop_server srv INT
	assert_equal "$srv_STATUS" 0
	assert_equal "$(summary_of srv)" "served 1 connection, 2 bytes in, 2 bytes out"
	# --quiet: no line per connection.
	run server_log srv
	refute_line --partial "connection 1"
}

@test "--max-conn 1: the second client is taken only after the first closes" {
	local m
	for m in poll thread fork iterative; do
		serve srv :0 --echo --max-conn 1 --model "$m"
		run timeout 20 python3 "$SERVE_PY" one-at-a-time "$srv_PORT"
		assert_success
		assert_output $'a\nb'
		stop_server srv
		run grep -n -E '^connection (1 closed|2 from)' "$BATS_TEST_TMPDIR/srv.err"
		assert_line --index 0 --regexp '^[0-9]+:connection 1 closed'
		assert_line --index 1 --regexp '^[0-9]+:connection 2 from'
		rm -f "$BATS_TEST_TMPDIR"/srv.*
	done
}

@test "--idle-timeout closes a silent client, which sees EOF" {
	serve srv :0 --echo --idle-timeout 0.2
	run timeout 20 socat -u TCP:127.0.0.1:"$srv_PORT" -
	assert_success
	assert_output ""
	run timeout 20 python3 "$HELPERS/peer.py" connect "$srv_PORT" "busy"
	assert_output "busy"
	stop_server srv
	run server_log srv
	assert_line "connection 1 closed: 0 bytes in, 0 bytes out, idle for 0.2s"
	assert_line "connection 2 closed: 4 bytes in, 4 bytes out"
}

@test "--idle-timeout works in the thread model too" {
	serve srv :0 --echo --model thread --idle-timeout 0.2
	run timeout 20 socat -u TCP:127.0.0.1:"$srv_PORT" -
	assert_success
	stop_server srv
	run server_log srv
	assert_line "connection 1 closed: 0 bytes in, 0 bytes out, idle for 0.2s"
}

@test "a client that sends and never reads cannot make the server buffer without bound" {
	serve srv :0 --echo
	client_start flood timeout 30 python3 "$SERVE_PY" flood "$srv_PORT" 67108864
	run client_line flood
	assert_output --regexp '^blocked after [0-9]+ bytes$'
	# Its send blocked long before 64 MiB; meanwhile others are served.
	run timeout 20 python3 "$HELPERS/peer.py" connect "$srv_PORT" "still here"
	assert_output "still here"
	client_end flood
	stop_server srv
	run server_log srv
	assert_line "connection 2 closed: 10 bytes in, 10 bytes out"
}

@test "--count N: exits by itself after N connections" {
	serve srv :0 --daytime --count 2
	run timeout 20 socat -u TCP:127.0.0.1:"$srv_PORT" -
	run timeout 20 socat -u TCP:127.0.0.1:"$srv_PORT" -
	wait_server srv
	assert_equal "$srv_STATUS" 0
	assert_equal "$(summary_of srv)" "served 2 connections, 0 bytes in, $(( 2 * (${#output} + 1) )) bytes out"
}

@test "a Unix socket serves socat and is removed at exit" {
	local path=$BATS_TEST_TMPDIR/echo.sock
	serve srv "unix:$path" --echo
	assert_equal "$srv_ADDR" "unix:$path"
	assert_socket_exists "$path"
	run timeout 20 bash -c 'printf "over unix\n" | socat - UNIX-CONNECT:$0' "$path"
	assert_output "over unix"
	stop_server srv
	assert_equal "$srv_STATUS" 0
	assert_not_exists "$path"
}

@test "an IPv6 loopback address when asked" {
	serve srv '[::1]:0' --echo
	assert_equal "$srv_ADDR" "[::1]:$srv_PORT"
	run timeout 20 bash -c 'printf "six\n" | socat - TCP6:[::1]:$0' "$srv_PORT"
	assert_output "six"
}

@test "EMFILE: with 16 descriptors the server drops what it cannot take, then serves again" {
	start_server srv bash -c 'ulimit -n 16; exec "$0" sock serve :0 --echo' "$IPC"
	client_start hold timeout 30 python3 "$SERVE_PY" hold "$srv_PORT" 20
	run client_line hold
	assert_output --regexp '^[0-9]+ served, [1-9][0-9]* dropped$'
	client_end hold
	run timeout 20 python3 "$HELPERS/peer.py" connect "$srv_PORT" "after"
	assert_output "after"
	stop_server srv
	assert_equal "$srv_STATUS" 0
	run server_log srv
	assert_line "out of file descriptors: dropped a connection"
	assert_line --regexp '^served [0-9]+ connections, .*, [1-9][0-9]* dropped for lack of descriptors$'
}

@test "--inject accept4=EMFILE:1: the first client is dropped, the next served" {
	serve srv :0 --echo --inject accept4=EMFILE:1
	run timeout 20 socat -u TCP:127.0.0.1:"$srv_PORT" -
	assert_output ""
	run timeout 20 python3 "$HELPERS/peer.py" connect "$srv_PORT" "second"
	assert_output "second"
	stop_server srv
	run server_log srv
	assert_line "out of file descriptors: dropped a connection"
	assert_line "connection 1 closed: 6 bytes in, 6 bytes out"
}

@test "--inject accept4=ECONNABORTED:1: retried, and the client is served" {
	serve srv :0 --echo --inject accept4=ECONNABORTED:1
	run timeout 20 python3 "$HELPERS/peer.py" connect "$srv_PORT" "aborted?"
	assert_output "aborted?"
	stop_server srv
	assert_equal "$srv_STATUS" 0
	run server_log srv
	assert_line "ipc sock serve: accept4: software caused connection abort (ECONNABORTED)"
	assert_line "connection 1 closed: 8 bytes in, 8 bytes out"
}

@test "--trace=json shows socket, setsockopt, bind, listen, poll, accept4" {
	serve srv :0 --echo --count 1 --trace=json
	run timeout 20 python3 "$HELPERS/peer.py" connect "$srv_PORT" "x"
	wait_server srv
	run bash -c "grep -o '\"call\":\"[a-z0-9_]*\"' '$BATS_TEST_TMPDIR/srv.err' | cut -d'\"' -f4 | uniq | tr '\n' ' '"
	assert_output --partial "socket setsockopt bind listen getsockname poll accept4 poll recv send"
}

@test "--trace=json shows fork in the parent and waitpid reaping the child" {
	serve srv :0 --echo --model fork --count 1 --trace=json
	run timeout 20 python3 "$HELPERS/peer.py" connect "$srv_PORT" "x"
	wait_server srv
	assert_equal "$srv_STATUS" 0
	run grep -c -E '"call":"(fork|waitpid)".*"ret":[1-9]' "$BATS_TEST_TMPDIR/srv.err"
	assert_output 2
}

@test "bad input: no service" {
	run "$IPC" sock serve :0
	assert_usage_error
	assert_line --index 0 "ipc sock serve: choose one service: --echo, --discard, --daytime, --chargen or --exec"
}

@test "bad input: two services" {
	run "$IPC" sock serve :0 --echo --chargen
	assert_usage_error
	assert_line --index 0 "ipc sock serve: choose one service: --echo, --discard, --daytime, --chargen or --exec"
}

@test "bad input: an unknown model" {
	run "$IPC" sock serve :0 --echo --model bogus
	assert_usage_error
	assert_line --index 0 "ipc sock serve: --model: expected one of iterative|fork|thread|poll"
}

@test "bad input: --exec without a command" {
	run "$IPC" sock serve :0 --exec
	assert_usage_error
	assert_line --index 0 "ipc sock serve: --exec needs a command after ADDR: ADDR --exec -- CMD [ARG...]"
}

@test "bad input: a command without --exec" {
	run "$IPC" sock serve :0 --echo cat
	assert_usage_error
	assert_line --index 0 "ipc sock serve: unexpected argument 'cat' (only --exec takes a command)"
}

@test "bad input: a negative --max-conn" {
	run "$IPC" sock serve :0 --echo --max-conn -1
	assert_usage_error
	assert_line --index 0 "ipc sock serve: --max-conn: expected a number from 1 to 2147483647"
}

@test "bad input: a port out of range" {
	run "$IPC" sock serve 70000 --echo
	assert_usage_error
	assert_line --index 0 "ipc sock serve: 70000: port out of range (0-65535)"
}

@test "bad input: an unknown host exits 68" {
	run "$IPC" sock serve no-such-host.invalid:0 --echo
	assert_failure 68
	assert_line --index 0 --regexp '^ipc sock serve: no-such-host\.invalid:0: .* \(EAI_NONAME\)$'
	assert_line --index 1 --partial "hint:"
}

@test "a port in use exits 69" {
	serve srv :0 --echo
	run "$IPC" sock serve "127.0.0.1:$srv_PORT" --echo
	assert_failure 69
	assert_line --index 0 "ipc sock serve: 127.0.0.1:$srv_PORT: address already in use (EADDRINUSE)"
	assert_line --index 1 "hint: another server has that port; pick another, or port 0 for any free one"
}

@test "a Unix socket file in the way exits 69 and is left alone" {
	local path=$BATS_TEST_TMPDIR/busy.sock
	serve srv "unix:$path" --echo
	run "$IPC" sock serve "unix:$path" --echo
	assert_failure 69
	assert_line --index 0 "ipc sock serve: unix:$path: address already in use (EADDRINUSE)"
	assert_line --index 1 --partial "hint: a socket file is there"
	assert_socket_exists "$path"
}

@test "--inject bind=EACCES exits 77" {
	run "$IPC" sock serve :0 --echo --inject bind=EACCES
	assert_failure 77
	assert_line --index 0 "ipc sock serve: 127.0.0.1:0: permission denied (EACCES)"
	assert_line --index 1 --partial "hint:"
}

@test "--clients 3: the server forks three clients, serves them and exits" {
	run timeout 20 "$IPC" sock serve 127.0.0.1:0 --echo --clients 3
	assert_success
	assert_line "served 3 connections, 60 bytes in, 60 bytes out"
	[ "$(grep -c '^connection [0-9]* from 127.0.0.1:' <<<"$output")" -eq 3 ]
}

@test "--clients traces both ends, each client under its own pid, all reaped" {
	cd "$BATS_TEST_TMPDIR"
	run timeout 20 "$IPC" sock serve 127.0.0.1:0 --echo --clients 2 \
		--model fork --trace-to t.jsonl
	assert_success
	run python3 - t.jsonl <<'PY'
import json, sys
ev = [json.loads(l) for l in open(sys.argv[1])]
server = ev[0]["pid"]
calls = [e for e in ev if e["ev"] == "syscall"]
connects = {e["pid"] for e in calls if e["call"] == "connect" and e["ret"] == 0}
accepts = [e for e in calls if e["call"] == "accept4" and e["ret"] >= 0]
forks = [e["ret"] for e in calls if e["call"] == "fork" and e["pid"] == server and e["ret"] > 0]
waited = {e["ret"] for e in calls if e["call"] == "waitpid" and e["ret"] > 0}
print(len(connects), server in connects, len(accepts), connects <= waited, set(forks) == waited)
PY
	assert_output "2 False 2 True True"
}

@test "--clients out of range or not a number is a usage error" {
	run "$IPC" sock serve :0 --echo --clients 17
	assert_usage_error
	assert_line --index 0 "ipc sock serve: --clients: expected a number from 1 to 16"
	run "$IPC" sock serve :0 --echo --clients -1
	assert_usage_error
	run "$IPC" sock serve :0 --echo --clients x
	assert_usage_error
	assert_line --index 0 "ipc sock serve: --clients: not a whole number: 'x'"
}

@test "--clients: a fork that fails ends the clients started and exits 75" {
	run timeout 20 "$IPC" sock serve 127.0.0.1:0 --echo --clients 3 \
		--inject fork=EAGAIN:2
	assert_failure 75
	assert_line "ipc sock serve: fork: resource temporarily unavailable (EAGAIN)"
	assert_line "hint: too many processes (ulimit -u) or too little memory; try fewer --clients"
	refute_output --partial "served"
}
