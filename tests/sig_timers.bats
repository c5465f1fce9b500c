#!/usr/bin/env bats
# ipc sig eintr, alarm, threads: signals that interrupt calls, timers, and
# which thread a signal reaches.

load helpers/common

# ---- eintr ----

@test "eintr: EINTR without SA_RESTART, a restarted read with it" {
	run timeout 20 "$IPC" sig eintr --after 0.05
	assert_success
	assert_line --index 0 "without SA_RESTART: read(2) on an empty pipe, SIGALRM every 0.05 s"
	assert_line --index 1 --regexp '^   read returned -1 EINTR after 0\.[0-9]+ s: the handler ran and the kernel did not restart the call'
	assert_line --index 2 "with SA_RESTART: read(2) on an empty pipe, SIGALRM every 0.05 s"
	assert_line --index 3 --regexp "^   read returned 1 byte after 0\\.[0-9]+ s: the handler ran at the first tick and the kernel restarted the read"
}

@test "eintr --trace=json: the read fails with EINTR only without SA_RESTART" {
	run bash -c "timeout 20 '$IPC' sig eintr --after 0.05 --trace=json 2>&1 >/dev/null | python3 -c '
import json, sys
for e in map(json.loads, sys.stdin):
    if e.get(\"ev\") == \"syscall\" and e[\"call\"] in (\"read\", \"sigaction\"):
        print(e[\"call\"], e[\"args\"].get(\"flags\", \"\"), e[\"ret\"], e.get(\"errno\", \"\"))'"
	assert_success
	assert_line --index 0 "sigaction 0 0 "
	assert_line --index 1 "read  -1 EINTR"
	assert_line --index 3 "sigaction SA_RESTART 0 "
	assert_line --index 4 "read  1 "
}

@test "eintr: --restart picks one, bad values are usage errors" {
	run timeout 20 "$IPC" sig eintr --restart no --after 0.05
	assert_success
	assert_equal "${#lines[@]}" 2
	run "$IPC" sig eintr --restart maybe
	assert_failure 64
	run "$IPC" sig eintr --after 99
	assert_usage_error
	assert_line --index 0 "ipc sig eintr: --after 99: give at most 60 seconds"
}

@test "eintr: a failed setitimer is reported (injected)" {
	run "$IPC" sig eintr --restart no --inject setitimer=EINVAL
	assert_failure
	assert_line --index 1 "ipc sig eintr: setitimer: invalid argument (EINVAL)"
}

# ---- alarm ----

@test "alarm --setitimer: open of a FIFO nobody writes is interrupted, exit 75" {
	mkfifo "$BATS_TEST_TMPDIR/f"
	run timeout 20 "$IPC" sig alarm 0.1 --setitimer --open "$BATS_TEST_TMPDIR/f"
	assert_failure 75
	assert_line --index 0 --regexp '^SIGALRM came after 0\.[0-9]+ s and its handler ran; open\(2\) returned -1 EINTR$'
	assert_line --index 1 "ipc sig alarm: open $BATS_TEST_TMPDIR/f: interrupted system call (EINTR)"
	assert_line --index 2 --partial "hint: nobody opened the FIFO for writing"
}

@test "alarm: alarm(2) interrupts the open, and the trace shows the call order" {
	mkfifo "$BATS_TEST_TMPDIR/f"
	run bash -c "timeout 20 '$IPC' sig alarm 1 --open '$BATS_TEST_TMPDIR/f' --trace=json 2>&1 >/dev/null | python3 -c '
import json, sys
for line in sys.stdin:
    if line.startswith(\"{\"):
        e = json.loads(line)
        if e.get(\"ev\") == \"syscall\":
            print(e[\"call\"], e[\"ret\"], e.get(\"errno\", \"\"))'"
	assert_line --index 0 "sigaction 0 "
	assert_line --index 1 "alarm 0 "
	assert_line --index 2 "open -1 EINTR"
	assert_line --index 3 "alarm 0 "
	assert_line --index 4 "sigaction 0 "
}

@test "alarm: a writer before the alarm: the open succeeds, exit 0" {
	mkfifo "$BATS_TEST_TMPDIR/f"
	exec {w}<>"$BATS_TEST_TMPDIR/f"
	run timeout 20 "$IPC" sig alarm 5 --open "$BATS_TEST_TMPDIR/f"
	exec {w}>&-
	assert_success
	assert_output --regexp "^opened $BATS_TEST_TMPDIR/f after 0\\.[0-9]+ s: a writer came before the alarm, which is now cancelled$"
}

@test "alarm: bad input" {
	run "$IPC" sig alarm 0.5 --open /nonexistent
	assert_usage_error
	assert_line --index 0 "ipc sig alarm: alarm(2) counts whole seconds, not 0.5; use --setitimer for fractions"
	run "$IPC" sig alarm soon --open /nonexistent
	assert_usage_error
	assert_line --index 0 "ipc sig alarm: 'soon' is not a time: give seconds, more than 0 and at most 3600"
	run "$IPC" sig alarm 1
	assert_usage_error
	assert_line --index 0 "ipc sig alarm: --open FIFO is required: the file whose open(2) the alarm interrupts"
	run "$IPC" sig alarm 1 --open "$BATS_TEST_TMPDIR/missing"
	assert_failure 66
	assert_line --index 0 "ipc sig alarm: open $BATS_TEST_TMPDIR/missing: no such file or directory (ENOENT)"
	assert_line --index 1 "hint: no such file: make the FIFO with mkfifo(1)"
}

# ---- threads ----

@test "threads --unblock 2: every signal goes to worker 2" {
	run timeout 20 "$IPC" sig threads --unblock 2 --rounds 4
	assert_success
	assert_line --index 0 "main thread: SIGUSR1 blocked with pthread_sigmask; the workers inherit that mask"
	assert_line --index 1 --regexp '^worker 1 \(tid [0-9]+\): keeps it blocked$'
	assert_line --index 2 --regexp '^worker 2 \(tid [0-9]+\): unblocked it$'
	assert_line --index 3 --regexp '^worker 3 \(tid [0-9]+\): keeps it blocked$'
	assert_equal "$(grep -c 'was handled by worker 2 ' <<<"$output")" 4
}

@test "threads: with every worker unblocked, each signal reaches some worker" {
	run timeout 20 "$IPC" sig threads --signal RTMIN --threads 4
	assert_success
	assert_equal "$(grep -cE '^round [0-9]: kill\(getpid\(\), SIGRTMIN\+0\) was handled by worker [1-4] ' <<<"$output")" 4
}

@test "threads --trace=json: pthread_sigmask per thread, from different tids" {
	run bash -c "timeout 20 '$IPC' sig threads --threads 2 --trace=json 2>&1 >/dev/null | python3 -c '
import json, sys
ev = [e for e in map(json.loads, sys.stdin)
      if e.get(\"ev\") == \"syscall\" and e[\"call\"] == \"pthread_sigmask\"]
print(len(ev), \" \".join(e[\"args\"][\"how\"] for e in ev))'"
	assert_success
	assert_output "4 SIG_BLOCK SIG_UNBLOCK SIG_UNBLOCK SIG_SETMASK"
}

@test "threads: no worker unblocked (injected) is reported, not a hang" {
	run timeout 20 "$IPC" sig threads --threads 1 --inject pthread_sigmask=EPERM:2
	assert_failure 1
	assert_line --regexp '^worker 1 \(tid [0-9]+\): could not unblock it: EPERM$'
	assert_line "ipc sig threads: no thread has SIGUSR1 unblocked: a signal sent to the process would stay pending"
}

@test "threads: bad input" {
	run "$IPC" sig threads --threads 17
	assert_usage_error
	assert_line --index 0 "ipc sig threads: --threads 17: give 1 to 16"
	run "$IPC" sig threads --unblock 4
	assert_usage_error
	run "$IPC" sig threads --signal KILL
	assert_usage_error
	run "$IPC" sig threads --inject pthread_sigmask=EINVAL
	assert_failure
	assert_line "ipc sig threads: pthread_sigmask: invalid argument (EINVAL)"
}
