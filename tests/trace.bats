#!/usr/bin/env bats
# The trace: sinks, schema 1, the step gate and fault injection.

load helpers/common

@test "--trace writes strace-like lines with an explanation" {
	run "$IPC" sock resolve --trace --family inet localhost
	assert_success
	assert_line --regexp '^\[sock\] getaddrinfo\(node=localhost, .*\) = 0  # .+'
}

@test "--trace=json starts with hello, numbers events and ends with bye" {
	run bash -c "'$IPC' sock resolve --trace=json localhost 2>&1 >/dev/null"
	assert_success
	echo "$output" | python3 -c '
import json, sys
evs = [json.loads(l) for l in sys.stdin]
assert evs[0]["ev"] == "hello" and evs[0]["schema"] == 1, evs[0]
assert evs[0]["argv"][1:4] == ["sock", "resolve", "--trace=json"], evs[0]
assert [e["seq"] for e in evs] == list(range(len(evs))), evs
assert all(e["mod"] == "sock" and e["pid"] == evs[0]["pid"] for e in evs)
assert evs[-1]["ev"] == "bye", evs[-1]
call = [e for e in evs if e["ev"] == "syscall"][0]
assert call["call"] == "getaddrinfo" and call["ret"] == 0 and call["note"]
'
}

@test "a failed call carries its errno name" {
	run bash -c "'$IPC' sock resolve --trace=json nosuch.invalid 2>&1"
	assert_failure 68
	assert_output --partial '"call":"getaddrinfo"'
	assert_output --partial 'EAI_NONAME'
}

@test "--trace-to PATH writes JSON Lines to a file" {
	run "$IPC" sock resolve --trace-to "$BATS_TEST_TMPDIR/t.jsonl" localhost
	assert_success
	assert_file_exists "$BATS_TEST_TMPDIR/t.jsonl"
	run head -1 "$BATS_TEST_TMPDIR/t.jsonl"
	assert_output --partial '"ev":"hello","schema":1'
}

@test "--trace-to a directory that does not exist fails with a hint" {
	run "$IPC" sock resolve --trace-to /nonexistent/dir/t.jsonl localhost
	assert_failure 66
	assert_line --index 0 --partial "/nonexistent/dir/t.jsonl: no such file or directory (ENOENT)"
	assert_line --index 1 --partial "hint:"
}

@test "IPC_TRACE=json in the environment turns tracing on" {
	run bash -c "IPC_TRACE=json '$IPC' sock resolve localhost 2>&1 >/dev/null"
	assert_success
	assert_line --index 0 --partial '"ev":"hello"'
}

@test "IPC_TRACE_FD sends JSON to an inherited descriptor" {
	run bash -c "IPC_TRACE_FD=5 '$IPC' sock resolve localhost 5>'$BATS_TEST_TMPDIR/fd.jsonl' >/dev/null"
	assert_success
	run grep -c '"call":"getaddrinfo"' "$BATS_TEST_TMPDIR/fd.jsonl"
	assert_output 1
}

@test "--step=syscall pauses at every call until the controller says step" {
	run timeout 20 python3 "$HELPERS/stepper.py" 2 "$IPC" sock resolve localhost
	assert_success
	assert_line "gate 1"
	assert_line --regexp '^syscall [0-9]+$'
	assert_line --partial "127.0.0.1"
}

@test "--inject fails every call, or only the Nth" {
	run "$IPC" sock resolve --trace=json --inject getaddrinfo=EAI_FAIL localhost
	assert_failure 68
	assert_output --partial '"injected":true'
	assert_output --partial "(EAI_FAIL)"
}

@test "--inject takes an errno name, a number, or short" {
	run "$IPC" sock resolve --inject getaddrinfo=EAI_NOPE localhost
	assert_usage_error
	run "$IPC" sock resolve --inject =EPERM localhost
	assert_usage_error
	run "$IPC" sock resolve --inject read=EPERM:0 localhost
	assert_usage_error
	run "$IPC" sock resolve --inject read=short --inject write=5:2 localhost
	assert_success
}
