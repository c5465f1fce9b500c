#!/usr/bin/env bats
# ipc sig list, send, catch, show, mask: against kill(1), sh and python3
# signal peers (helpers/sig_peer.py).

load helpers/common

PEER=${BATS_TEST_DIRNAME}/helpers/sig_peer.py

# A pid nobody has: a child that has exited and been reaped.
gone_pid() {
	sh -c 'exit 0' &
	local p=$!
	wait "$p"
	echo "$p"
}

# catch_held METHOD: start `ipc sig catch USR1 RTMIN --hold` reading a fifo
# we hold open, so that its signals stay blocked until we close it.
catch_held() {
	mkfifo "$BATS_TEST_TMPDIR/in"
	exec {HOLD}<>"$BATS_TEST_TMPDIR/in"
	SERVER_STDIN=$BATS_TEST_TMPDIR/in start_server c {HOLD}>&- \
		timeout 20 "$IPC" sig catch USR1 RTMIN --hold --count 4 \
		--timeout 10 --method "$1"
}

# ---- list ----

@test "list: standard signals with their default actions" {
	run "$IPC" sig list
	assert_success
	assert_line --index 0 --regexp '^NUM +NAME +DEFAULT +DESCRIPTION$'
	assert_line --regexp '^1 +SIGHUP +term +hangup'
	assert_line --regexp '^9 +SIGKILL +term +kill: cannot be caught'
	assert_line --regexp '^11 +SIGSEGV +core +'
	assert_line --regexp '^17 +SIGCHLD +ignore +'
	assert_line --regexp '^19 +SIGSTOP +stop +'
	assert_line --regexp '^18 +SIGCONT +cont +'
}

@test "list: the real-time signals from SIGRTMIN to SIGRTMAX" {
	local min max
	min=$(python3 -c 'import signal; print(int(signal.SIGRTMIN))')
	max=$(python3 -c 'import signal; print(int(signal.SIGRTMAX))')
	run "$IPC" sig list
	assert_success
	assert_line --regexp "^$min +SIGRTMIN\\+0 +term +real-time signal"
	assert_line --regexp "^$max +SIGRTMIN\\+$((max - min)) +term "
	assert_equal "${#lines[@]}" $((1 + 31 + max - min + 1))
}

@test "list --json: one object per signal, as python reads them" {
	run bash -c "'$IPC' sig list --json | python3 -c '
import json, sys
rows = [json.loads(l) for l in sys.stdin]
by = {r[\"name\"]: r for r in rows}
print(len(rows), by[\"SIGQUIT\"][\"number\"], by[\"SIGQUIT\"][\"action\"])'"
	assert_success
	assert_output --regexp '^[0-9]+ 3 core$'
}

@test "list: takes no arguments" {
	run "$IPC" sig list extra
	assert_usage_error
}

# ---- send ----

@test "send: kill by name reaches a python handler" {
	start_server p python3 "$PEER" handler 1 USR1
	run timeout 20 "$IPC" sig send "$p_PID" usr1
	assert_success
	assert_output "sent SIGUSR1 (10) to pid $p_PID with kill(2)"
	wait_server p
	assert_equal "$p_STATUS" 0
	assert_equal "$(cat "$BATS_TEST_TMPDIR/p.out")" "got SIGUSR1"
}

@test "send: by number and as RTMIN+n, seen by sigwaitinfo as SI_USER" {
	start_server p python3 "$PEER" waitinfo 2 USR2 RTMIN+1
	run timeout 20 "$IPC" sig send "$p_PID" 12
	assert_success
	run timeout 20 "$IPC" sig send "$p_PID" SIGRTMIN+1
	assert_success
	assert_output --regexp '^sent SIGRTMIN\+1 \([0-9]+\) to pid'
	wait_server p
	assert_equal "$p_STATUS" 0
	run cat "$BATS_TEST_TMPDIR/p.out"
	assert_line --index 0 --regexp '^got SIGUSR2 code 0 pid [0-9]+$'
	assert_line --index 1 --regexp '^got SIGRTMIN\+1 code 0 pid [0-9]+$'
}

@test "send --queue: sigqueue, seen as SI_QUEUE (-1)" {
	start_server p python3 "$PEER" waitinfo 1 RTMIN
	run timeout 20 "$IPC" sig send "$p_PID" RTMIN --queue 42
	assert_success
	assert_output --partial "with sigqueue(3), value 42"
	wait_server p
	assert_equal "$p_STATUS" 0
	run cat "$BATS_TEST_TMPDIR/p.out"
	assert_output --regexp '^got SIGRTMIN\+0 code -1 pid [0-9]+$'
}

@test "send --pidfd: pidfd_open then pidfd_send_signal, in the trace" {
	start_server p python3 "$PEER" handler 1 USR2
	run timeout 20 "$IPC" sig send "$p_PID" USR2 --pidfd --trace=json
	assert_success
	assert_line "sent SIGUSR2 (12) to pid $p_PID with pidfd_send_signal(2)"
	run python3 -c '
import json, sys
calls = [e["call"] for e in map(json.loads, sys.stdin)
         if e.get("ev") == "syscall"]
print(" ".join(calls))' <<<"$(grep '^{' <<<"$output")"
	assert_output "pidfd_open pidfd_send_signal close"
	wait_server p
	assert_equal "$(cat "$BATS_TEST_TMPDIR/p.out")" "got SIGUSR2"
}

@test "send: signal 0 only checks that the process exists" {
	run "$IPC" sig send $$ 0
	assert_success
	assert_output "pid $$ exists and may be signalled: signal 0 checks, and sends nothing"
}

@test "send: an unknown signal is a usage error" {
	run "$IPC" sig send $$ SIGNOPE
	assert_usage_error
	assert_line --index 0 "ipc sig send: unknown signal 'SIGNOPE': give a name (TERM, SIGUSR1), a number (15) or RTMIN+n; 'ipc sig list' shows them all"
	run "$IPC" sig send $$ RTMIN+999
	assert_usage_error
	run "$IPC" sig send $$ 65
	assert_usage_error
}

@test "send: a pid that is not a number is a usage error" {
	run "$IPC" sig send 12ab TERM
	assert_usage_error
	assert_line --index 0 "ipc sig send: '12ab' is not a process id: give a positive number, as ps(1) shows it"
	run "$IPC" sig send -5 TERM
	assert_failure 64
}

@test "send: no such process exits 69 with ESRCH" {
	local pid
	pid=$(gone_pid)
	for how in "" --pidfd "--queue 1"; do
		run "$IPC" sig send "$pid" TERM $how
		assert_failure 69
		assert_line --index 0 --regexp "^ipc sig send: (kill|pidfd_open|sigqueue) pid $pid: no such process \(ESRCH\)$"
		assert_line --index 1 --partial "hint: no process has that pid"
	done
}

@test "send: EPERM exits 77 (injected into kill and pidfd_send_signal)" {
	run "$IPC" sig send $$ 0 --inject kill=EPERM
	assert_failure 77
	assert_line --index 0 "ipc sig send: kill pid $$: operation not permitted (EPERM)"
	assert_line --index 1 --partial "hint: a process may signal only processes of its own user"
	run "$IPC" sig send $$ USR1 --pidfd --inject pidfd_send_signal=EPERM
	assert_failure 77
}

@test "send: --pidfd and --queue together are a usage error" {
	run "$IPC" sig send $$ USR1 --pidfd --queue 1
	assert_usage_error
	assert_line --index 0 "ipc sig send: --pidfd and --queue are two different ways to send: choose one"
	run "$IPC" sig send $$ USR1 --queue 1x
	assert_usage_error
}

# ---- catch ----

@test "catch: a kill from the shell, with sender pid, uid and SI_USER" {
	start_server c timeout 20 "$IPC" sig catch USR1 --count 1
	kill -USR1 "${c_ADDR#pid }"
	wait_server c
	assert_equal "$c_STATUS" 0
	run cat "$BATS_TEST_TMPDIR/c.out"
	assert_output "1: SIGUSR1 (10) from pid $$ uid $(id -u), SI_USER: sent by a process with kill(2) or pidfd_send_signal(2)"
	run server_log c
	assert_line "catching SIGUSR1 with handler"
	assert_line "caught 1 signal with handler"
}

@test "catch: python's os.kill, by every method" {
	local m pypid
	for m in handler self-pipe signalfd sigwait; do
		start_server c timeout 20 "$IPC" sig catch USR2 --count 1 \
			--method "$m"
		pypid=$(python3 "$PEER" send "${c_ADDR#pid }" USR2)
		wait_server c
		assert_equal "$c_STATUS" 0
		run cat "$BATS_TEST_TMPDIR/c.out"
		assert_output --regexp "^1: SIGUSR2 \(12\) from pid $pypid uid [0-9]+, SI_USER"
		rm -f "$BATS_TEST_TMPDIR"/c.*
	done
}

@test "catch --hold: three SIGUSR1 coalesce, three SIGRTMIN queue (every method)" {
	local m pid i
	for m in handler self-pipe signalfd sigwait; do
		catch_held "$m"
		pid=${c_ADDR#pid }
		for i in 1 2 3; do
			kill -USR1 "$pid"
			"$IPC" sig send "$pid" RTMIN --queue "$i" >/dev/null
		done
		exec {HOLD}>&-
		wait_server c
		assert_equal "$c_STATUS" 0
		run cat "$BATS_TEST_TMPDIR/c.out"
		assert_equal "${#lines[@]}" 4
		assert_line --index 0 --regexp '^1: SIGUSR1 \(10\) from pid [0-9]+ uid [0-9]+, SI_USER'
		assert_line --index 1 --regexp '^2: SIGRTMIN\+0 \([0-9]+\) from pid [0-9]+ uid [0-9]+ value 1, SI_QUEUE'
		assert_line --index 2 --regexp ' value 2, SI_QUEUE'
		assert_line --index 3 --regexp ' value 3, SI_QUEUE'
		run server_log c
		assert_line "pending: SIGUSR1 SIGRTMIN+0 (a standard signal is pending once, however often it was sent; real-time signals queue)"
		rm -f "$BATS_TEST_TMPDIR"/c.* "$BATS_TEST_TMPDIR/in"
	done
}

@test "catch --json: one object per delivery" {
	start_server c timeout 20 "$IPC" sig catch HUP RTMIN+3 --count 2 --json \
		--method signalfd
	kill -HUP "${c_ADDR#pid }"
	"$IPC" sig send "${c_ADDR#pid }" RTMIN+3 --queue 7 >/dev/null
	wait_server c
	assert_equal "$c_STATUS" 0
	run python3 -c '
import json, sys
for r in map(json.loads, open(sys.argv[1])):
    print(r["n"], r["signal"], r["code"], r["method"], r.get("value"))' \
		"$BATS_TEST_TMPDIR/c.out"
	assert_line --index 0 "1 SIGHUP SI_USER signalfd None"
	assert_line --index 1 "2 SIGRTMIN+3 SI_QUEUE signalfd 7"
}

@test "catch --trace=json: signalfd is read like data, and the delivery is a state event" {
	start_server c timeout 20 "$IPC" sig catch USR1 --count 1 --method signalfd --trace=json
	kill -USR1 "${c_ADDR#pid }"
	wait_server c
	run python3 -c '
import json, sys
for line in open(sys.argv[1]):
    if not line.startswith("{"):
        continue
    e = json.loads(line)
    if e.get("ev") == "syscall":
        print(e["call"])
    elif e.get("ev") == "state":
        print("state", e.get("note"))
        a = e["args"]
        print("args", a["what"], a["sig"], a["from"], a["code"])' "$BATS_TEST_TMPDIR/c.err"
	assert_line --index 0 "sigprocmask"
	assert_line --index 1 "signalfd"
	assert_line "state signal SIGUSR1 delivered (SI_USER, from pid $$)"
	assert_line "args delivered SIGUSR1 $$ SI_USER"
	assert_line --index -1 "sigprocmask"
}

@test "catch --timeout: 75 when --count deliveries did not come" {
	run timeout 20 "$IPC" sig catch USR1 --count 2 --timeout 0.1
	assert_failure 75
	assert_line "caught 0 signals with handler"
	assert_line "ipc sig catch: timeout: 0 of 2 signals arrived in 0.1 s"
	assert_line --partial "hint: a standard signal sent while blocked"
}

@test "catch --timeout without --count: the planned end, exit 0" {
	run timeout 20 "$IPC" sig catch USR1 --timeout 0.1 --method sigwait
	assert_success
	assert_line "caught 0 signals with sigwait"
}

@test "catch: SIGKILL, unknown names and bad methods are usage errors" {
	run "$IPC" sig catch USR1 KILL
	assert_usage_error
	assert_line --index 0 "ipc sig catch: SIGKILL cannot be caught, blocked or ignored; see signal(7)"
	run "$IPC" sig catch FOO
	assert_usage_error
	assert_line --index 0 --partial "ipc sig catch: unknown signal 'FOO'"
	run "$IPC" sig catch USR1 --method magic
	assert_failure 64
	run "$IPC" sig catch
	assert_usage_error
}

@test "catch: a failed signalfd is reported (injected)" {
	run "$IPC" sig catch USR1 --method signalfd --inject signalfd=EMFILE
	assert_failure
	assert_line --index 0 "ipc sig catch: signalfd: too many open files (EMFILE)"
}

# ---- show ----

@test "show: a python process's caught, ignored, blocked and pending signals" {
	start_server p python3 "$PEER" masks
	run "$IPC" sig show "$p_PID"
	assert_success
	assert_line --index 0 "pid $p_PID (python3), 1 thread"
	assert_line --index 1 --regexp '^FIELD +MEANING +HEX +SIGNALS$'
	assert_line --regexp '^ShdPnd +pending for the process +0000000800000000 +SIGRTMIN\+2$'
	assert_line --regexp '^SigBlk +blocked +0000000800000000 +SIGRTMIN\+2$'
	assert_line --regexp '^SigIgn +ignored +[0-9a-f]{16} +.*SIGUSR2'
	assert_line --regexp '^SigCgt +caught by a handler +[0-9a-f]{16} +.*SIGUSR1'
}

@test "show --json: five masks" {
	run "$IPC" sig show $$ --json
	assert_success
	assert_equal "${#lines[@]}" 5
	assert_line --index 0 --regexp '^\{"field":"SigPnd","meaning":"pending for the thread","hex":"[0-9a-f]{16}","signals":'
}

@test "show: no such process exits 69; a bad pid is a usage error" {
	local pid
	pid=$(gone_pid)
	run "$IPC" sig show "$pid"
	assert_failure 69
	assert_line --index 0 "ipc sig show: $pid: no such process (ESRCH)"
	assert_line --index 1 "hint: no process has that pid: /proc has no directory for it"
	run "$IPC" sig show self
	assert_usage_error
}

# ---- mask ----

@test "mask: SIGUSR1 sent three times while blocked is delivered once" {
	run "$IPC" sig mask
	assert_success
	assert_line --index 0 "1. blocked SIGUSR1 with sigprocmask(SIG_BLOCK)"
	assert_line --index 1 "2. sent it 3 times to ourselves with kill(2); delivered so far: 0"
	assert_line --index 2 "3. sigpending(2) says pending: SIGUSR1"
	assert_line --index 3 "4. unblocked it with sigprocmask(SIG_UNBLOCK): the handler ran 1 time"
}

@test "mask --signal RTMIN: delivered once per send" {
	run "$IPC" sig mask --signal RTMIN --times 5
	assert_success
	assert_line --index 3 "4. unblocked it with sigprocmask(SIG_UNBLOCK): the handler ran 5 times"
	assert_line --index 4 "   a real-time signal is queued once per send, so each one was delivered"
}

@test "mask --trace=json: sigaction, sigprocmask, kill, sigpending, sigprocmask" {
	run bash -c "'$IPC' sig mask --times 2 --trace=json 2>&1 >/dev/null | python3 -c '
import json, sys
print(\" \".join(e[\"call\"] for e in map(json.loads, sys.stdin) if e.get(\"ev\") == \"syscall\"))'"
	assert_success
	assert_output "sigaction sigprocmask kill kill sigpending sigprocmask sigaction"
}

@test "mask: bad input and a failed sigpending" {
	run "$IPC" sig mask --signal STOP
	assert_usage_error
	assert_line --index 0 "ipc sig mask: SIGSTOP cannot be blocked; see signal(7)"
	run "$IPC" sig mask --times -1
	assert_usage_error
	run "$IPC" sig mask --inject sigpending=EFAULT
	assert_failure
	assert_line "ipc sig mask: sigpending: bad address (EFAULT)"
}

@test "no zombies or leftovers after the suite" {
	run bash -c "ps -o stat= --ppid $$ | grep -c Z"
	assert_output 0
}
