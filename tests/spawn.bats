#!/usr/bin/env bats
# ipc spawn run and pipeline: programs started without a shell, checked
# against sh as the oracle, with their failures, timeouts and fds.

load helpers/common

bats_require_minimum_version 1.5.0

@test "run: the child's output, its status and rusage" {
	run timeout 20 "$IPC" spawn run -- echo hello world
	assert_success
	assert_line --index 0 "hello world"
	assert_line --regexp '^ipc spawn run: pid [0-9]+ exited 0$'
	assert_line --regexp '^rusage: user [0-9.]+s, sys [0-9.]+s, max rss [0-9]+ KiB'
}

@test "run: no shell: metacharacters reach the program as they are" {
	run timeout 20 "$IPC" spawn run -- echo '$HOME' '*' ';' 'a|b'
	assert_success
	assert_line --index 0 '$HOME * ; a|b'
}

@test "run: the exit status is passed on" {
	run timeout 20 "$IPC" spawn run -- sh -c 'exit 3'
	assert_failure 3
	assert_line --regexp '^ipc spawn run: pid [0-9]+ exited 3$'
}

@test "run: a death by signal is named, and exits 128+N" {
	run timeout 20 "$IPC" spawn run -- sh -c 'kill -TERM $$'
	assert_failure 143
	assert_line --regexp '^ipc spawn run: pid [0-9]+ killed by SIGTERM \(Terminated\)$'
}

@test "run: a missing program exits 127 with errno and a hint, in every method" {
	for m in fork vfork posix_spawn; do
		run -127 timeout 20 "$IPC" spawn run --method "$m" -- no-such-program-xyz
		assert_failure 127
		assert_line --index 0 --regexp "^ipc spawn run: (execvpe|posix_spawnp) no-such-program-xyz: no such file or directory \(ENOENT\)$"
		assert_line --index 1 --partial "hint: no program of that name in \$PATH"
	done
}

@test "run: a file that is not executable exits 127 with EACCES" {
	printf 'echo hi\n' >"$BATS_TEST_TMPDIR/script"
	chmod 644 "$BATS_TEST_TMPDIR/script"
	run -127 timeout 20 "$IPC" spawn run -- "$BATS_TEST_TMPDIR/script"
	assert_failure 127
	assert_line --index 0 --partial "(EACCES)"
	assert_line --index 1 --partial "hint: the file is not executable"
}

@test "run: --timeout kills the child and exits 75" {
	run timeout 20 "$IPC" spawn run --timeout 0.2 -- sleep 30
	assert_failure 75
	assert_line --regexp '^ipc spawn run: timed out after 0.2s: killing pid [0-9]+ with SIGKILL$'
	assert_line --regexp 'killed by SIGKILL'
	assert_line --partial "hint: the child did not finish in time"
}

@test "run: --timeout with --pgroup kills the grandchildren too" {
	run timeout 20 "$IPC" spawn run --pgroup --timeout 0.2 -- sh -c 'sleep 30 & sleep 30; wait'
	assert_failure 75
	assert_line --partial "and its group with SIGKILL"
	run pgrep -f '^sleep 30$' -P 1
	assert_failure
}

@test "run: --stdin data: feeds a pipe, in every method" {
	for m in fork vfork posix_spawn; do
		run timeout 20 "$IPC" spawn run --method "$m" --stdin data:hello -- tr a-z A-Z
		assert_success
		assert_line --index 0 --regexp '^HELLOipc spawn run: pid'
	done
}

@test "run: --stdin FILE and a missing one" {
	printf 'from a file\n' >"$BATS_TEST_TMPDIR/in"
	run timeout 20 "$IPC" spawn run --stdin "$BATS_TEST_TMPDIR/in" -- cat
	assert_success
	assert_line --index 0 "from a file"
	run timeout 20 "$IPC" spawn run --stdin "$BATS_TEST_TMPDIR/nope" -- cat
	assert_failure 66
	assert_line --index 0 "ipc spawn run: $BATS_TEST_TMPDIR/nope: no such file or directory (ENOENT)"
}

@test "run: --capture reads both streams through pipes" {
	run --separate-stderr timeout 20 "$IPC" spawn run --capture -- sh -c 'echo out; echo err >&2'
	assert_success
	assert_output "out"
	[[ $stderr == *"err"* ]]
	[[ $stderr == *"captured 4 bytes of stdout and 4 of stderr through pipes"* ]]
}

@test "run: --capture with more than a pipe buffer does not deadlock" {
	run timeout 20 "$IPC" spawn run --capture -- sh -c 'head -c 300000 /dev/zero; head -c 300000 /dev/zero >&2'
	assert_success
	assert_line --partial "captured 300000 bytes of stdout and 300000 of stderr"
}

@test "run: --stdout FILE, --merge, --stderr null" {
	run timeout 20 "$IPC" spawn run --stdout "$BATS_TEST_TMPDIR/o" --merge -- sh -c 'echo a; echo b >&2'
	assert_success
	assert_equal "$(cat "$BATS_TEST_TMPDIR/o")" "a
b"
	run --separate-stderr timeout 20 "$IPC" spawn run --stderr null -- sh -c 'echo quiet >&2'
	assert_success
	[[ $stderr != *quiet* ]]
}

@test "run: --env, --clear-env and --cwd" {
	run timeout 20 "$IPC" spawn run --clear-env --env A=1 --env B=two -- /usr/bin/env
	assert_success
	assert_line --index 0 "A=1"
	assert_line --index 1 "B=two"
	assert_line --index 2 --regexp '^ipc spawn run: pid'
	run timeout 20 "$IPC" spawn run --cwd / -- pwd
	assert_line --index 0 "/"
	run timeout 20 "$IPC" spawn run --cwd /no/such/dir -- pwd
	assert_failure 66
	assert_line --index 0 "ipc spawn run: chdir pwd: no such file or directory (ENOENT)"
}

@test "run: the child gets only fds 0-2 and the passed ones, in every method" {
	for m in fork vfork posix_spawn; do
		run timeout 20 "$IPC" spawn run --method "$m" --pass-fd 5 -- ls /proc/self/fd 5</dev/null 7</dev/null
		assert_success
		fds=$(grep -E '^[0-9]+$' <<<"$output" | tr '\n' ' ')
		# ls's own directory fd is the one above 5.
		assert_regex "$fds" '^0 1 2 [3-4] 5 $|^0 1 2 5 [6-9] $'
	done
}

@test "run: the child starts with default dispositions and an empty mask" {
	run bash -c 'trap "" PIPE INT; exec timeout 20 "$IPC" spawn run -- grep -E "^Sig(Blk|Ign)" /proc/self/status'
	assert_success
	assert_line "SigBlk:	0000000000000000"
	# Signals 32 and 33 belong to glibc (nptl), which refuses to change
	# them; if whoever started the test ignored them, the child inherits
	# that.  Every other signal must be back at its default.
	ign=$(sed -n 's/^SigIgn:\t//p' <<<"$output")
	[ $(( 0x$ign & ~0x180000000 )) -eq 0 ]
}

@test "run: --new-session and --pgroup put the child apart" {
	run timeout 20 "$IPC" spawn run --new-session -- sh -c 'ps -o pid=,pgid=,sid= -p $$'
	assert_success
	read -r pid pgid sid <<<"${lines[0]}"
	assert_equal "$pid" "$pgid"
	assert_equal "$pid" "$sid"
	run timeout 20 "$IPC" spawn run --pgroup -- sh -c 'ps -o pid=,pgid= -p $$'
	read -r pid pgid <<<"${lines[0]}"
	assert_equal "$pid" "$pgid"
}

@test "run: --shell goes through /bin/sh -c" {
	run timeout 20 "$IPC" spawn run --shell -- 'echo $((1+2)) | tr 3 x'
	assert_success
	assert_line --index 0 "x"
}

@test "run: --trace=json shows fork, the child's setup and exec, then wait4" {
	run timeout 20 "$IPC" spawn run --trace=json -- true
	assert_success
	# The parent's events and the child's interleave: look at each apart.
	parent=$(sed -n 's/.*"ev":"hello".*/&/p' <<<"$output" | grep -o '"pid":[0-9]*' | head -1)
	calls=$(grep -F "$parent," <<<"$output" | grep -o '"call":"[a-z_0-9]*"' | uniq | tr '\n' ' ')
	assert_regex "$calls" '"call":"pipe2" "call":"sigprocmask" "call":"fork" "call":"sigprocmask" .*"call":"read" "call":"close" "call":"wait4"'
	calls=$(grep -vF "$parent," <<<"$output" | grep -o '"call":"[a-z_0-9]*"' | uniq | tr '\n' ' ')
	assert_regex "$calls" '"call":"fork" "call":"sigaction" "call":"sigprocmask" "call":"close_range" "call":"execvpe"'
	assert_line --regexp '"call":"wait4",.*"status":"exited 0"'
}

@test "run: --method posix_spawn is one posix_spawnp call" {
	run timeout 20 "$IPC" spawn run --method posix_spawn --trace=json -- true
	assert_success
	assert_line --regexp '"call":"posix_spawnp",.*"argv":"true"'
	refute_line --regexp '"call":"fork"'
}

@test "run: --inject fork=EAGAIN and vfork=EAGAIN fail cleanly" {
	run timeout 20 "$IPC" spawn run --inject fork=EAGAIN -- true
	assert_failure 75
	assert_line --index 0 "ipc spawn run: fork true: resource temporarily unavailable (EAGAIN)"
	run timeout 20 "$IPC" spawn run --method vfork --inject vfork=EAGAIN -- true
	assert_failure 75
	assert_line --index 0 "ipc spawn run: vfork true: resource temporarily unavailable (EAGAIN)"
}

@test "run: bad usage exits 64" {
	run timeout 20 "$IPC" spawn run
	assert_usage_error
	run timeout 20 "$IPC" spawn run --pass-fd 1 -- true
	assert_usage_error
	assert_line --index 0 "ipc spawn run: --pass-fd 1: not a descriptor number of 3 or more"
	run timeout 20 "$IPC" spawn run --env NOEQUALS -- true
	assert_usage_error
	assert_line --index 0 "ipc spawn run: --env wants K=V"
	run timeout 20 "$IPC" spawn run --merge --stderr null -- true
	assert_usage_error
	run timeout 20 "$IPC" spawn run --method clone -- true
	assert_usage_error
}

@test "run: --pass-fd of a closed descriptor" {
	run timeout 20 "$IPC" spawn run --pass-fd 9 -- true
	assert_failure
	assert_line --index 0 "ipc spawn run: 9: bad file descriptor (EBADF)"
	assert_line --index 1 --partial "hint: that descriptor is not open in ipc"
}

@test "pipeline: the same output as sh -c, in every method" {
	expected=$(sh -c "printf 'b\na\nc\nb\n' | sort | uniq -c | head -2")
	for m in fork vfork posix_spawn; do
		run timeout 20 "$IPC" spawn pipeline --method "$m" -- printf 'b\na\nc\nb\n' '|' sort '|' uniq -c '|' head -2
		assert_success
		assert_output "$expected"
	done
}

@test "pipeline: a large stream through three stages, like sh" {
	expected=$(sh -c 'seq 1 200000 | grep 7 | wc -l')
	run timeout 20 "$IPC" spawn pipeline -- seq 1 200000 '|' grep 7 '|' wc -l
	assert_success
	assert_output "$expected"
}

@test "pipeline: the exit status is the last stage's, or with --pipefail any" {
	run timeout 20 "$IPC" spawn pipeline -- false '|' true
	assert_success
	run timeout 20 "$IPC" spawn pipeline -- true '|' sh -c 'exit 4'
	assert_failure 4
	run timeout 20 "$IPC" spawn pipeline --pipefail -- false '|' cat
	assert_failure 1
}

@test "pipeline: a missing program counts 127, and the others still run" {
	run -127 timeout 20 "$IPC" spawn pipeline -- echo hi '|' no-such-program-xyz
	assert_failure 127
	assert_line --index 0 "ipc spawn pipeline: execvpe no-such-program-xyz: no such file or directory (ENOENT)"
	run timeout 20 "$IPC" spawn pipeline -- no-such-program-xyz '|' echo still
	assert_success
	assert_line "still"
}

@test "pipeline: --explain shows the plumbing and each end" {
	run --separate-stderr timeout 20 "$IPC" spawn pipeline --explain -- echo x '|' cat
	assert_success
	assert_output "x"
	[[ $stderr == *"2 stages, 1 pipe;"* ]]
	[[ $stderr =~ \[1\]\ pid\ [0-9]+:\ echo\ x\ \ stdin:\ inherited,\ stdout:\ pipe\ \(write\ end\) ]]
	[[ $stderr =~ \[2\]\ pid\ [0-9]+\ exited\ 0 ]]
}

@test "pipeline: bad usage exits 64" {
	run timeout 20 "$IPC" spawn pipeline -- ls '|'
	assert_usage_error
	assert_line --index 0 --partial "an empty stage"
	run timeout 20 "$IPC" spawn pipeline -- '|' cat
	assert_usage_error
	run timeout 20 "$IPC" spawn pipeline
	assert_usage_error
}

@test "pipeline: --trace=json shows every stage reaped by waitpid" {
	run timeout 20 "$IPC" spawn pipeline --trace=json -- echo x '|' cat '|' cat
	assert_success
	assert_equal "$(grep -c '"call":"waitpid",.*"status":"exited 0"' <<<"$output")" 3
	assert_equal "$(grep -c '"call":"pipe2"' <<<"$output")" 5
}

@test "run: --inject fork=EAGAIN with pipes keeps its errno through the cleanup" {
	run timeout 20 "$IPC" spawn run --capture --inject fork=EAGAIN -- true
	assert_failure 75
	assert_line --index 0 "ipc spawn run: fork true: resource temporarily unavailable (EAGAIN)"
}
