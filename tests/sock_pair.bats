#!/usr/bin/env bats
# ipc sock pair: a socketpair between parent and child, in each socket
# type; the reads show where the message boundaries go.

load helpers/common

@test "pair: stream runs the three writes together, then end of file" {
	run "$IPC" sock pair --type stream
	assert_success
	assert_line --index 0 --partial 'child:  write(2) "one", "two" and "three"'
	assert_line --index 1 --partial "parent: waitpid(2) for the child"
	assert_line --index 2 --regexp '^TYPE +READ +RETURNED +DATA +MEANING$'
	assert_line --index 3 --regexp '^stream +1 +11 +onetwothree +a byte stream: the writes ran together'
	assert_line --index 4 --regexp "^stream +2 +0 +- +end of file: the child's end is closed$"
	assert_equal "${#lines[@]}" 5
}

@test "pair: dgram keeps the boundaries, and has no end of file" {
	run "$IPC" sock pair --type dgram
	assert_success
	assert_line --index 3 --regexp '^dgram +1 +3 +one +one write, one read'
	assert_line --index 4 --regexp '^dgram +2 +3 +two '
	assert_line --index 5 --regexp '^dgram +3 +5 +three '
	assert_line --index 6 --regexp '^dgram +4 +-1 +- +EAGAIN: nothing queued, yet no end of file'
	assert_equal "${#lines[@]}" 7
}

@test "pair: seqpacket keeps the boundaries, and ends with end of file" {
	run "$IPC" sock pair --type seqpacket
	assert_success
	assert_line --index 3 --regexp '^seqpacket +1 +3 +one '
	assert_line --index 4 --regexp '^seqpacket +2 +3 +two '
	assert_line --index 5 --regexp '^seqpacket +3 +5 +three '
	assert_line --index 6 --regexp "^seqpacket +4 +0 +- +end of file"
	assert_equal "${#lines[@]}" 7
}

@test "pair: with no --type, all three, one after another" {
	run "$IPC" sock pair
	assert_success
	types=$(awk 'NR > 4 { print $1 }' <<<"$output" | uniq | tr '\n' ' ')
	assert_equal "$types" "stream dgram seqpacket "
}

@test "pair: --json gives one record per read" {
	run "$IPC" sock pair --json
	assert_success
	assert_equal "${#lines[@]}" 10
	assert_line --index 0 '{"type":"stream","read":1,"returned":11,"data":"onetwothree","meaning":"a byte stream: the writes ran together, their boundaries are gone"}'
	assert_line --index 5 --partial '{"type":"dgram","read":4,"returned":-1,"errno":"EAGAIN",'
	assert_line --index 9 '{"type":"seqpacket","read":4,"returned":0,"meaning":"end of file: the child'"'"'s end is closed"}'
}

@test "pair: --trace=json shows the child's writes before the parent's reads, and the child reaped" {
	run "$IPC" sock pair --type seqpacket --trace=json
	assert_success
	calls=$(grep -o '"call":"[a-z]*"' <<<"$output" | tr '\n' ' ')
	assert_regex "$calls" '"call":"write" "call":"write" "call":"write" .*"call":"waitpid" "call":"recv" "call":"recv" "call":"recv" "call":"recv"'
	assert_line --regexp '"call":"waitpid",.*"status":"exited 0"'
	assert_line --regexp '"call":"socketpair",.*"type":"SOCK_SEQPACKET\|SOCK_CLOEXEC"'
}

@test "pair: a signal during a write is retried (EINTR)" {
	run "$IPC" sock pair --type stream --inject write=EINTR:2
	assert_success
	assert_line --index 3 --regexp '^stream +1 +11 +onetwothree '
}

@test "pair: a failing write in the child is reported, and its status kept" {
	run "$IPC" sock pair --type dgram --inject write=EPIPE:1
	assert_failure 74
	assert_line --index 0 "ipc sock pair: write: broken pipe (EPIPE)"
	assert_line --index 1 --partial "hint:"
	refute_output --partial "TYPE"
}

@test "pair: a failed fork exits 75 with a hint" {
	run "$IPC" sock pair --inject fork=EAGAIN
	assert_failure 75
	assert_line --index 0 "ipc sock pair: fork: resource temporarily unavailable (EAGAIN)"
	assert_line --index 1 "hint: too many processes (see 'ulimit -u') or too little memory; try again later"
}

@test "pair: a failed socketpair is reported" {
	run "$IPC" sock pair --inject socketpair=EMFILE
	assert_failure 71
	assert_line --index 0 "ipc sock pair: socketpair: too many open files (EMFILE)"
}

@test "pair: --type bogus is a usage error" {
	run "$IPC" sock pair --type bogus
	assert_usage_error
	assert_line --index 0 "ipc sock pair: --type: expected one of stream|dgram|seqpacket"
}

@test "pair: takes no arguments" {
	run "$IPC" sock pair stream
	assert_usage_error
	assert_line --index 0 "ipc sock pair: unexpected argument 'stream'"
}
