#!/usr/bin/env bats
# ipc spawn popen: os.popen and popen2's popen2/3/4 through pipes, with sh
# as the oracle for what comes out.

load helpers/common

bats_require_minimum_version 1.5.0

@test "popen r: read the child's stdout, as sh would show it" {
	expected=$(sh -c 'ls -a /')
	run --separate-stderr timeout 20 "$IPC" spawn popen r -- ls -a /
	assert_success
	assert_output "$expected"
	[[ $stderr =~ pid\ [0-9]+,\ as\ os\.popen\(cmd,\ \'r\'\)\;\ its\ stdout\ is\ a\ pipe ]]
	[[ $stderr == *"read ${#expected} bytes"* || $stderr == *"read $((${#expected} + 1)) bytes"* ]]
}

@test "popen w: our stdin goes down the pipe to the child" {
	run --separate-stderr timeout 20 sh -c 'printf "hello\nworld\n" | "$0" spawn popen w -- tr a-z A-Z' "$IPC"
	assert_success
	assert_output "HELLO
WORLD"
	[[ $stderr == *"as os.popen(cmd, 'w'); its stdin is a pipe"* ]]
}

@test "popen rw: popen2, the same as sh, and a megabyte does not deadlock" {
	expected=$(printf 'b\na\nc\n' | sh -c sort)
	run --separate-stderr timeout 20 sh -c 'printf "b\na\nc\n" | "$0" spawn popen rw -- sort' "$IPC"
	assert_success
	assert_output "$expected"
	[[ $stderr == *"as popen2.popen2(cmd)"* ]]
	run --separate-stderr timeout 20 sh -c 'head -c 1000000 /dev/zero | "$0" spawn popen rw -- cat | wc -c' "$IPC"
	assert_success
	assert_output "1000000"
	[[ $stderr == *"read 1000000 bytes of its stdout"* ]]
}

@test "popen --stderr separate (popen3) and merged (popen4)" {
	run --separate-stderr timeout 20 "$IPC" spawn popen rw --stderr separate -- sh -c 'echo out; echo err >&2' </dev/null
	assert_success
	assert_output "out"
	[[ $stderr == *"as popen2.popen3(cmd)"*"its stderr is a pipe"* ]]
	[[ $stderr == *"read 4 bytes of its stdout and 4 of its stderr"* ]]
	run --separate-stderr timeout 20 "$IPC" spawn popen rw --stderr merged -- sh -c 'echo out; echo err >&2' </dev/null
	assert_success
	assert_output "out
err"
	[[ $stderr == *"as popen2.popen4(cmd)"*"its stdout and stderr is a pipe"* ]]
	[[ $stderr == *"read 8 bytes of its stdout and 0 of its stderr"* ]]
}

@test "popen w: a child that stops reading early ends it cleanly" {
	run --separate-stderr timeout 20 sh -c 'yes | "$0" spawn popen w -- head -n 2' "$IPC"
	assert_success
	assert_output "y
y"
	[[ $stderr =~ pid\ [0-9]+\ exited\ 0 ]]
}

@test "popen: the child is reaped at once, not left a zombie while a grandchild holds the pipe" {
	# The grandchild keeps stdout open after sh exits, and watches sh's
	# /proc entry: it goes away only when ipc reaps sh.
	run --separate-stderr timeout 20 "$IPC" spawn popen r -- sh -c '
		p=$$
		( i=0
		  while [ -e /proc/$p ] && [ $i -lt 200000 ]; do i=$((i+1)); done
		  if [ -e /proc/$p ]; then echo "left: $(cut -d" " -f3 /proc/$p/stat)"; else echo reaped; fi ) &
		exit 0'
	assert_success
	assert_output "reaped"
}

@test "popen: --trace=json shows the pidfd watch and the reap" {
	# The child is reaped in the loop (wait4 WNOHANG) when its pidfd
	# fires before its pipe closes, or after the loop otherwise.
	run timeout 20 "$IPC" spawn popen r --trace=json -- echo hi
	assert_success
	assert_line --regexp '"call":"pidfd_open"'
	assert_line --regexp '"call":"wait4",.*"status":"exited 0"'
}

@test "popen: --timeout kills the child and exits 75" {
	run timeout 20 "$IPC" spawn popen r --timeout 0.2 -- sleep 30
	assert_failure 75
	assert_line --regexp '^ipc spawn popen: timed out after 0.2s: killing pid [0-9]+ with SIGKILL$'
	assert_line --partial "hint: the child did not finish in time"
}

@test "popen: a missing program exits 127" {
	run -127 timeout 20 "$IPC" spawn popen r -- no-such-program-xyz
	assert_failure 127
	assert_line --index 0 "ipc spawn popen: execvpe no-such-program-xyz: no such file or directory (ENOENT)"
	assert_line --index 1 --partial "hint: no program of that name in \$PATH"
}

@test "popen: bad usage exits 64" {
	run timeout 20 "$IPC" spawn popen x -- true
	assert_usage_error
	assert_line --index 0 "ipc spawn popen: x: the mode is r (read its stdout), w (write its stdin) or rw (both)"
	run timeout 20 "$IPC" spawn popen r
	assert_usage_error
	assert_line --index 0 "ipc spawn popen: no command: give it after --, as in 'ipc spawn popen r -- ls'"
	run timeout 20 "$IPC" spawn popen
	assert_usage_error
	run timeout 20 "$IPC" spawn popen --stderr sideways r -- true
	assert_usage_error
}

@test "popen: --inject pipe2 fails cleanly" {
	run timeout 20 "$IPC" spawn popen r --inject pipe2=EMFILE -- true
	assert_failure
	assert_line --index 0 "ipc spawn popen: pipe2: too many open files (EMFILE)"
}

@test "popen: --inject fork=EAGAIN keeps its errno through the cleanup" {
	run timeout 20 "$IPC" spawn popen rw --inject fork=EAGAIN -- cat
	assert_failure 75
	assert_line --index 0 "ipc spawn popen: fork cat: resource temporarily unavailable (EAGAIN)"
}
