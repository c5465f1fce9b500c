#!/usr/bin/env bats
# ipc sig unsafe: a handler that does not save errno clobbers the errno of
# the call it interrupted; one that saves and restores it does not.

load helpers/common

bats_require_minimum_version 1.5.0

@test "unsafe: the unsafe handler leaves EBADF, the safe one keeps ENOENT" {
	run --separate-stderr timeout 20 "$IPC" sig unsafe
	assert_success
	assert_equal "$stderr" ""
	assert_line --index 0 --partial "an unsafe handler: close(-1) inside it fails with EBADF, and it does not save errno"
	assert_line --index 1 '   open("/nonexistent/ipc-sig-unsafe") failed with errno ENOENT'
	assert_line --index 2 "   SIGUSR1 arrived before the program read errno; the handler left errno EBADF"
	assert_line --index 3 "   the program reads errno: EBADF (WRONG: it reports the handler's error, not open's)"
	assert_line --index 4 --partial "a safe handler: close(-1) inside it fails with EBADF; it saves errno"
	assert_line --index 5 '   open("/nonexistent/ipc-sig-unsafe") failed with errno ENOENT'
	assert_line --index 7 "   the program reads errno: ENOENT (right)"
	assert_line --index 8 --partial "malloc holds a lock"
	assert_line --index 8 --partial "signal-safety(7)"
}

@test "unsafe: --handler picks one round" {
	run --separate-stderr timeout 20 "$IPC" sig unsafe --handler safe
	assert_success
	assert_equal "${#lines[@]}" 5
	assert_line --index 3 "   the program reads errno: ENOENT (right)"
	refute_output --partial "WRONG"
	run --separate-stderr timeout 20 "$IPC" sig unsafe --handler unsafe
	assert_success
	assert_equal "${#lines[@]}" 5
	assert_line --index 3 --partial "the program reads errno: EBADF (WRONG"
}

@test "unsafe --trace=json: open fails ENOENT, kill delivers, and the handler's close is not traced" {
	run bash -c "timeout 20 '$IPC' sig unsafe --handler unsafe --trace=json 2>&1 >/dev/null | python3 -c '
import json, sys
ev = [e for e in map(json.loads, sys.stdin) if e.get(\"ev\") == \"syscall\"]
print(\" \".join(e[\"call\"] for e in ev))
print(\" \".join(e[\"call\"] + \"=\" + e.get(\"errno\", \"ok\") for e in ev if e[\"call\"] in (\"open\", \"kill\")))'"
	assert_success
	assert_line --index 0 "sigaction open kill sigaction"
	assert_line --index 1 "open=ENOENT kill=ok"
}

@test "unsafe: another error from open is the one the safe handler keeps (injected)" {
	run --separate-stderr timeout 20 "$IPC" sig unsafe --handler safe --inject open=EACCES
	assert_success
	assert_line --index 1 --partial "failed with errno EACCES"
	assert_line --index 3 "   the program reads errno: EACCES (right)"
}

@test "unsafe: bad input and failed calls" {
	run "$IPC" sig unsafe --handler bogus
	assert_usage_error
	assert_line --index 0 "ipc sig unsafe: --handler: expected one of unsafe|safe|both"
	run "$IPC" sig unsafe extra
	assert_usage_error
	assert_line --index 0 "ipc sig unsafe: unexpected argument 'extra'"
	run --separate-stderr "$IPC" sig unsafe --inject kill=EPERM
	assert_failure 77
	[[ ${stderr_lines[0]} == "ipc sig unsafe: kill: operation not permitted (EPERM)" ]]
	[[ ${stderr_lines[1]} == "hint: a process may always signal itself; see kill(2)" ]]
	run --separate-stderr "$IPC" sig unsafe --inject sigaction=EINVAL
	assert_failure
	[[ ${stderr_lines[0]} == "ipc sig unsafe: sigaction: invalid argument (EINVAL)" ]]
}
