#!/usr/bin/env bats
# ipc loop demo executor: run_in_executor on the default thread pool.  A
# file read and a long sum run on worker threads while the loop ticks;
# the results are right, arrive on the loop's thread, and the loop stops
# on the first tick after both, on every backend.  --trace shows the
# eventfd that wakes the loop, the workers' own calls and the threads'
# start and join; injected faults end with the right status and message.

load helpers/common
load helpers/tasks
bats_require_minimum_version 1.5.0

# The sum cpu_bound prints, from the closed form (n-1)n(2n-1)/6.
SUM=$(python3 -c 'n = 10**8; print((n - 1) * n * (2 * n - 1) // 6)')

# check_run - $lines hold one correct run of the demo.
check_run() {
	local cpus want i tick=0 io=-1 cpu=-1 stop=-1 n=${#lines[@]}
	cpus=$(getconf _NPROCESSORS_ONLN)
	want=$((cpus + 4 < 32 ? cpus + 4 : 32))
	assert_line --index 0 "main: the default executor starts up to $want worker threads (min(32, CPUs + 4)), as jobs arrive"
	assert_line --index 1 "main: run_in_executor(blocking_io)"
	assert_line --index 2 "main: run_in_executor(cpu_bound)"
	assert_line --index 3 "main: the loop ticks every 50 ms while they run"
	for ((i = 4; i < n - 1; i++)); do
		case ${lines[i]} in
		"tick $((tick + 1)): the loop is free") tick=$((tick + 1)) ;;
		"tick $((tick + 1)): both results are in: the loop stops")
			tick=$((tick + 1)) stop=$i ;;
		"blocking_io: read 65536 bytes of /dev/urandom on thread "*) io=$i ;;
		"cpu_bound: sum of i*i for i < 10**8 = $SUM, "*) cpu=$i ;;
		*) echo "unexpected line $i: ${lines[i]}"; return 1 ;;
		esac
	done
	# Both results, then the tick that stops: always in this order.
	[ "$io" -gt 3 ] && [ "$cpu" -gt 3 ]
	[ "$stop" -eq $((n - 2)) ]
	assert_line --index $((n - 1)) --regexp '^main: shutdown_default_executor: [12] worker threads? joined$'
	# The job ran on another thread than the loop, which got the result.
	[[ ${lines[io]} =~ on\ thread\ ([0-9]+)\;\ the\ result\ arrived\ on\ the\ loop\'s\ thread\ ([0-9]+)$ ]]
	local loop_tid=${BASH_REMATCH[2]}
	[ "${BASH_REMATCH[1]}" != "$loop_tid" ]
	[[ ${lines[cpu]} =~ ,\ [0-9]+\.[0-9]{2}\ s\ on\ thread\ ([0-9]+)$ ]]
	[ "${BASH_REMATCH[1]}" != "$loop_tid" ]
}

@test "demo --list: executor opens the group 'executor and primitives'" {
	run timeout 20 "$IPC" loop demo --list
	assert_success
	assert_line --regexp "^executor +executor and primitives +a file read .+"
	local i
	for ((i = 0; i < ${#lines[@]}; i++)); do
		[[ ${lines[i]} == executor\ * ]] && break
	done
	[[ ${lines[i + 1]} =~ ^lock\ +executor\ and\ primitives ]]
	[[ ! ${lines[i - 1]} =~ executor\ and\ primitives ]]
}

@test "demo executor: the results, ticks meanwhile, exit 0, on every backend" {
	for b in select poll epoll; do
		run --separate-stderr timeout 30 "$IPC" loop demo executor \
			--backend "$b" --debug
		assert_success
		no_warnings
		check_run
	done
}

@test "demo executor: --trace shows the eventfd, the workers and their joins" {
	run --separate-stderr timeout 30 "$IPC" loop demo executor --trace
	assert_success
	check_run
	printf '%s\n' "$stderr" | grep -q '^\[loop\] eventfd(initval=0, flags=EFD_CLOEXEC|EFD_NONBLOCK) = [0-9]'
	printf '%s\n' "$stderr" | grep -q '^\[loop\] eventfd_write([0-9]*, value=1) = 0'
	printf '%s\n' "$stderr" | grep -q '^\[loop\] eventfd_read([0-9]*, value=[0-9]*) = 0'
	# The workers' own calls: blocking_io opens and reads the file.
	printf '%s\n' "$stderr" | grep -q '^\[loop\] open(path=/dev/urandom, flags=O_RDONLY|O_CLOEXEC) = [0-9]'
	printf '%s\n' "$stderr" | grep -q '^\[loop\] read([0-9]*, count=65536) = 65536'
	# Every thread started is joined.
	local created joined
	created=$(printf '%s\n' "$stderr" | grep -c '^\[loop\] pthread_create() = 0')
	joined=$(printf '%s\n' "$stderr" | grep -c '^\[loop\] pthread_join() = 0')
	[ "$created" -ge 1 ] && [ "$created" -eq "$joined" ]
}

@test "demo executor: --trace=json carries executor events, and the eventfd is closed" {
	run --separate-stderr timeout 30 "$IPC" loop demo executor --trace=json
	assert_success
	printf '%s\n' "$stderr" | python3 -c '
import json, sys
evs = [json.loads(l) for l in sys.stdin]
ex = [e for e in evs if e["ev"] == "executor"]
what = lambda w: [e["args"]["name"] for e in ex if e["args"]["what"] == w]
assert sorted(what("submit")) == ["blocking_io", "cpu_bound"], what("submit")
assert sorted(what("start")) == ["blocking_io", "cpu_bound"], what("start")
assert sorted(what("done")) == ["blocking_io", "cpu_bound"], what("done")
assert len(what("thread")) == len(what("join")) >= 1
efd = [e["ret"] for e in evs if e["ev"] == "syscall" and e["call"] == "eventfd"]
assert len(efd) == 1, efd
closed = [e for e in evs if e["ev"] == "syscall" and e["call"] == "close"
          and e.get("fd") == efd[0]]
assert len(closed) == 1, "the eventfd is never closed"
fd = [e for e in evs if e["ev"] == "fd" and e["args"]["name"] == "executor"]
assert [e["args"]["what"] for e in fd] == ["add", "remove"], fd
'
}

@test "--inject eventfd: no job can run" {
	run --separate-stderr timeout 20 "$IPC" loop demo executor --inject eventfd=EMFILE
	assert_failure 71
	assert_equal "$stderr" "ipc loop demo: run_in_executor: too many open files (EMFILE)
hint: the workers wake the loop through an eventfd(2): without one, no job can run"
}

@test "--inject pthread_create: no worker can start; one is enough" {
	run --separate-stderr timeout 20 "$IPC" loop demo executor --inject pthread_create=EAGAIN
	assert_failure 75
	assert_equal "$stderr" "ipc loop demo: run_in_executor: resource temporarily unavailable (EAGAIN)
hint: no worker thread could start: see ulimit -u and sysctl kernel.threads-max"
	# The second thread fails: the first runs both jobs.
	run --separate-stderr timeout 30 "$IPC" loop demo executor --inject pthread_create=EAGAIN:2
	assert_success
	check_run
	assert_line --index $((${#lines[@]} - 1)) "main: shutdown_default_executor: 1 worker thread joined"
}

@test "--inject open, read: the job's error becomes its future's exception" {
	run --separate-stderr timeout 30 "$IPC" loop demo executor --inject open=EACCES
	assert_failure 77
	assert_equal "$stderr" "ipc loop demo: blocking_io: permission denied (EACCES)
hint: the job failed on its worker thread; its error came back as its future's exception"
	refute_line --partial "cpu_bound: sum"
	run --separate-stderr timeout 30 "$IPC" loop demo executor --inject read=EIO
	assert_failure 74
	refute_line --partial "blocking_io: read"
	[ "$(printf '%s\n' "$stderr" | head -1)" = "ipc loop demo: blocking_io: input/output error (EIO)" ]
}

@test "--inject eventfd_read: the loop reads again on the next wake-up" {
	run --separate-stderr timeout 30 "$IPC" loop demo executor --inject eventfd_read=EIO:1
	assert_success
	check_run
}

@test "bad input: options the executor demo does not take" {
	run "$IPC" loop demo executor --interval 0.1
	assert_usage_error
	assert_line --index 0 "ipc loop demo: --interval is for clock-later and the task demos that sleep"
	run "$IPC" loop demo executor --serve 127.0.0.1:0
	assert_usage_error
	assert_line --index 0 "ipc loop demo: --serve is for the server demos"
	run "$IPC" loop demo executor --connect 127.0.0.1:1
	assert_usage_error
	assert_line --index 0 "ipc loop demo: --connect is for the client demos"
	run "$IPC" loop demo executor --inject eventfd_write=EIO
	assert_usage_error
}
