#!/usr/bin/env bats
# ipc sock fdpass: an open file descriptor handed to another process with
# SCM_RIGHTS; the receiver's fd shares the sender's file offset.

load helpers/common

@test "fdpass: the child reads 5 bytes, the parent goes on at offset 5" {
	run "$IPC" sock fdpass
	assert_success
	assert_line --index 0 --regexp '^parent: opened a new file holding "hello, world\\n" as fd [0-9]+, after the fork$'
	assert_line --index 1 --regexp '^parent: sendmsg\(2\) on fd [0-9]+: SCM_RIGHTS carrying fd [0-9]+$'
	assert_line --index 2 --regexp '^child:  recvmsg\(2\) on fd [0-9]+ gave fd [0-9]+ for the parent.s fd [0-9]+ \(close-on-exec: yes\)$'
	assert_line --index 3 --regexp '^child:  read\(2\) 5 bytes from fd [0-9]+: "hello"$'
	assert_line --index 4 --regexp '^parent: read\(2\) 8 bytes from fd [0-9]+: ", world\\n"$'
	assert_line --index 5 --partial "parent: it went on where the child stopped"
}

@test "fdpass: the child holds the file under a number of its own" {
	run "$IPC" sock fdpass
	assert_success
	[[ ${lines[0]} =~ as\ fd\ ([0-9]+) ]]
	parent=${BASH_REMATCH[1]}
	[[ ${lines[2]} =~ gave\ fd\ ([0-9]+)\ for\ the\ parent.s\ fd\ ([0-9]+) ]]
	assert_equal "${BASH_REMATCH[2]}" "$parent"
	assert_not_equal "${BASH_REMATCH[1]}" "$parent"
}

@test "fdpass PATH: a file of ours, read on from where the child stopped" {
	printf 0123456789abcdef >"$BATS_TEST_TMPDIR/f"
	run "$IPC" sock fdpass "$BATS_TEST_TMPDIR/f"
	assert_success
	assert_line --index 0 --regexp "^parent: opened .*/f as fd [0-9]+, after the fork$"
	assert_line --index 3 --regexp '^child:  read\(2\) 5 bytes from fd [0-9]+: "01234"$'
	assert_line --index 4 --regexp '^parent: read\(2\) 11 bytes from fd [0-9]+: "56789abcdef"$'
}

@test "fdpass PATH: a file shorter than the child's read leaves the parent at end of file" {
	printf ab >"$BATS_TEST_TMPDIR/f"
	run "$IPC" sock fdpass "$BATS_TEST_TMPDIR/f"
	assert_success
	assert_line --index 3 --regexp '^child:  read\(2\) 2 bytes from fd [0-9]+: "ab"$'
	assert_line --index 4 --regexp '^parent: read\(2\) 0 bytes from fd [0-9]+: ""$'
}

@test "fdpass --socket: the child talks to the parent on the passed socket" {
	run "$IPC" sock fdpass --socket
	assert_success
	assert_line --index 0 --regexp '^parent: socketpair\(2\) after the fork: fd [0-9]+ and fd [0-9]+; fd [0-9]+ goes to the child, then the parent closes it$'
	assert_line --index 2 --regexp '^child:  recvmsg\(2\) on fd [0-9]+ gave fd [0-9]+ for the parent.s fd [0-9]+ \(close-on-exec: yes\)$'
	assert_line --index 3 --regexp '^child:  write\(2\) [0-9]+ bytes on fd [0-9]+: "hello from pid [0-9]+\\n"$'
	[[ ${lines[3]} =~ (hello\ from\ pid\ [0-9]+) ]]
	assert_line --index 4 --regexp "^parent: read\\(2\\) [0-9]+ bytes from fd [0-9]+: \"${BASH_REMATCH[1]}\\\\n\", then end of file"
}

@test "fdpass: --trace=json shows sendmsg in the parent and recvmsg in the child, each with one fd" {
	run "$IPC" sock fdpass --trace=json
	assert_success
	send=$(grep '"call":"sendmsg"' <<<"$output")
	recv=$(grep '"call":"recvmsg"' <<<"$output")
	assert_regex "$send" '"args":\{[^}]*"fds":1'
	assert_regex "$recv" '"args":\{[^}]*"flags":"MSG_CMSG_CLOEXEC"[^}]*"fds":1'
	# Two processes: the pids differ.
	assert_not_equal "$(grep -o '"pid":[0-9]*' <<<"$send")" \
		"$(grep -o '"pid":[0-9]*' <<<"$recv")"
	# The file was opened after the fork, and the child reaped.
	calls=$(grep -o '"call":"[a-z]*"' <<<"$output" | tr '\n' ' ')
	assert_regex "$calls" '"call":"fork" .*"call":"open" .*"call":"sendmsg" .*"call":"waitpid"'
}

@test "fdpass: signals during sendmsg and recvmsg are retried (EINTR)" {
	run "$IPC" sock fdpass --inject sendmsg=EINTR:1 --inject recvmsg=EINTR:1
	assert_success
	assert_line --index 3 --partial '"hello"'
}

@test "fdpass: a missing PATH exits 66 (ENOENT), and the child goes quietly" {
	run "$IPC" sock fdpass "$BATS_TEST_TMPDIR/none"
	assert_failure 66
	assert_line --index 0 "ipc sock fdpass: $BATS_TEST_TMPDIR/none: no such file or directory (ENOENT)"
	assert_line --index 1 "hint: no such file; give a file to pass, or no PATH for a demo file"
	assert_equal "${#lines[@]}" 2
}

@test "fdpass: an unreadable PATH exits 77 (EACCES)" {
	run "$IPC" sock fdpass --inject open=EACCES /etc/hostname
	assert_failure 77
	assert_line --index 0 "ipc sock fdpass: /etc/hostname: permission denied (EACCES)"
	assert_line --index 1 "hint: you may not read that file; check its permissions with 'ls -l'"
}

@test "fdpass: a directory passes, but the child cannot read it (EISDIR)" {
	run "$IPC" sock fdpass "$BATS_TEST_TMPDIR"
	assert_failure 74
	assert_line --regexp '^ipc sock fdpass: fd [0-9]+: is a directory \(EISDIR\)$'
	assert_line --partial "hint: a directory cannot be read with read(2)"
}

@test "fdpass: a failing recvmsg in the child is the error reported" {
	run "$IPC" sock fdpass --inject recvmsg=EMFILE
	assert_failure 71
	assert_line "ipc sock fdpass: recvmsg: too many open files (EMFILE)"
}

@test "fdpass: --socket takes no PATH" {
	run "$IPC" sock fdpass --socket /etc/hostname
	assert_usage_error
	assert_line --index 0 "ipc sock fdpass: --socket passes a socket: no PATH"
}

@test "fdpass: one PATH at most" {
	run "$IPC" sock fdpass a b
	assert_usage_error
}
