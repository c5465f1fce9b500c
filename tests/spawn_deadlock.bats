#!/usr/bin/env bats
# ipc spawn deadlock: the pipe-buffer deadlock with cat, caught by a
# deadline, then the communicate() loop that finishes.

load helpers/common

bats_require_minimum_version 1.5.0

@test "deadlock: the buffer size, the stall caught, cat killed, then the fix" {
	run --separate-stderr timeout 20 "$IPC" spawn deadlock --timeout 0.2
	assert_success
	assert_line --index 0 --regexp "^pipe buffers: [0-9]+ bytes to cat's stdin, [0-9]+ bytes from its stdout \(fcntl F_GETPIPE_SZ\)$"
	assert_line --regexp '^   wrote [0-9]+ of 1048576 bytes, then no room for 0.2s: DEADLOCK$'
	assert_line --partial "cat is blocked in write(2): its stdout pipe is full"
	assert_line --regexp '^   killed pid [0-9]+ with SIGKILL and reaped it$'
	assert_line --regexp '^   wrote 1048576 bytes to cat \(pid [0-9]+\) and read 1048576 back: done$'
	assert_line --partial "the fix: never block writing to a child"
	# The killed cat is gone, not a zombie or an orphan.
	pid=$(sed -n 's/^   killed pid \([0-9]*\) .*/\1/p' <<<"$output")
	run kill -0 "$pid"
	assert_failure
}

@test "deadlock: the stalled write holds the pipes' worth, no more" {
	run --separate-stderr timeout 20 "$IPC" spawn deadlock --timeout 0.2
	sz=$(sed -n "s/^pipe buffers: \([0-9]*\) bytes.*/\1/p" <<<"$output")
	wrote=$(sed -n 's/^   wrote \([0-9]*\) of .*DEADLOCK$/\1/p' <<<"$output")
	# Two full pipes, plus what cat holds between read and write.
	(( wrote >= 2 * sz && wrote < 1048576 ))
}

@test "deadlock: a --size that fits in the pipes does not deadlock" {
	run --separate-stderr timeout 20 "$IPC" spawn deadlock --size 1000
	assert_success
	assert_line "   wrote all 1000 bytes, then read 1000 back: no deadlock, it all fitted in the two pipes and cat's own buffer; try a bigger --size"
	assert_line --regexp '^   wrote 1000 bytes to cat \(pid [0-9]+\) and read 1000 back: done$'
	refute_line --partial "DEADLOCK"
}

@test "deadlock: --trace=json shows F_GETPIPE_SZ and the poll that times out" {
	run timeout 20 "$IPC" spawn deadlock --timeout 0.2 --size 300000 --trace=json
	assert_success
	assert_line --regexp '"call":"fcntl",.*F_GETPIPE_SZ'
	assert_line --regexp '"call":"poll",.*"ret":0'
	assert_line --regexp '"call":"kill",.*"sig":"SIGKILL"'
}

@test "deadlock: bad usage exits 64, a failed fork is reported" {
	run timeout 20 "$IPC" spawn deadlock --size -5
	assert_usage_error
	assert_line --index 0 "ipc spawn deadlock: --size -5: give 1 to 67108864 bytes"
	run timeout 20 "$IPC" spawn deadlock --size 999999999
	assert_usage_error
	run timeout 20 "$IPC" spawn deadlock extra
	assert_usage_error
	run timeout 20 "$IPC" spawn deadlock --inject fork=EAGAIN
	assert_failure 75
	assert_line "ipc spawn deadlock: fork cat: resource temporarily unavailable (EAGAIN)"
}
