#!/usr/bin/env bats
# ipc spawn shell and quote: a command line through /bin/sh -c, what the
# shell makes of it, and quoting that sh reads back word for word.

load helpers/common

bats_require_minimum_version 1.5.0

@test "shell: runs the string through sh -c, with the same output as sh" {
	cmd='echo $((1+2)) | tr 3 x; printf "%s\n" "a  b"'
	expected=$(sh -c "$cmd")
	run --separate-stderr timeout 20 "$IPC" spawn shell "$cmd"
	assert_success
	assert_output "$expected"
	[[ $stderr =~ ipc\ spawn\ shell:\ pid\ [0-9]+\ exited\ 0 ]]
}

@test "shell: the shell's status is passed on, and a signal as 128+N" {
	run timeout 20 "$IPC" spawn shell 'exit 7'
	assert_failure 7
	run timeout 20 "$IPC" spawn shell 'kill -TERM $$'
	assert_failure 143
	assert_line --regexp 'killed by SIGTERM'
}

@test "shell: --dry-run explains an injection and runs nothing" {
	run timeout 20 "$IPC" spawn shell --dry-run "cat x; touch $BATS_TEST_TMPDIR/pwned"
	assert_success
	assert_line --index 0 "ipc spawn shell: /bin/sh -c 'cat x; touch $BATS_TEST_TMPDIR/pwned'"
	assert_line --index 1 "the shell reads this string as code, not as words:"
	assert_line "  ';'  ends one command and starts the next"
	assert_line --partial "injection: any data pasted into the string is code too.  With FILE='x; rm -rf ~'"
	assert_line "  ipc spawn run -- cat 'x;' touch $BATS_TEST_TMPDIR/pwned"
	assert_file_not_exists "$BATS_TEST_TMPDIR/pwned"
}

@test "shell: the safe argv form has the shell's words, quotes removed" {
	run timeout 20 "$IPC" spawn shell -n "grep 'a b' \"c d\" e\\ f"
	assert_success
	assert_line "  ipc spawn run -- grep 'a b' 'c d' 'e f'"
	assert_line "  '''  quotes: removed by the shell"
	assert_line --partial "  '\\'  quotes the next character"
	run timeout 20 "$IPC" spawn shell -n 'ls -l'
	assert_line "  (no special characters: only blanks split it into words)"
	assert_line "  ipc spawn run -- ls -l"
}

@test "shell: the argv form runs the same program without a shell" {
	run timeout 20 "$IPC" spawn shell -n "printf '%s|' 'a b' c"
	argv_line=$(grep '^  ipc spawn run -- ' <<<"$output")
	expected=$(sh -c "printf '%s|' 'a b' c")
	run --separate-stderr timeout 20 sh -c "${argv_line/ipc/\"\$IPC\"}"
	assert_success
	assert_output "$expected"
}

@test "shell: --timeout kills the shell and exits 75" {
	run timeout 20 "$IPC" spawn shell --timeout 0.2 'exec sleep 30'
	assert_failure 75
	assert_line --regexp '^ipc spawn shell: timed out after 0.2s: killing pid [0-9]+ with SIGKILL$'
	assert_line --partial "hint: the child did not finish in time"
}

@test "shell: a failed fork is reported, and bad usage exits 64" {
	run timeout 20 "$IPC" spawn shell --inject fork=EAGAIN true
	assert_failure 75
	assert_line "ipc spawn shell: fork /bin/sh: resource temporarily unavailable (EAGAIN)"
	assert_line --partial "hint:"
	run timeout 20 "$IPC" spawn shell
	assert_usage_error
	run timeout 20 "$IPC" spawn shell 'echo a' 'echo b'
	assert_usage_error
}

@test "shell: a missing program is the shell's 127" {
	run -127 timeout 20 "$IPC" spawn shell 'no-such-program-xyz'
	assert_failure 127
	assert_line --partial "no-such-program-xyz"
	assert_line --regexp 'pid [0-9]+ exited 127'
}

@test "quote: safe words stay, others are single-quoted, ' becomes '\\''" {
	run timeout 20 "$IPC" spawn quote ls 'a b' "it's" '$HOME' '' '*'
	assert_success
	assert_output "ls 'a b' 'it'\\''s' '\$HOME' '' '*'"
}

@test "quote: sh reads the quoted words back exactly, odd ones too" {
	args=('a b' "it's" '$HOME' '*' $'two\nlines' '' '"dq"' 'back\slash' '; rm -rf ~' '$(id)' '`id`' "'" '-n')
	expected=$(printf '%s\n' "${args[@]}")
	run timeout 20 sh -c "printf '%s\n' $("$IPC" spawn quote -- "${args[@]}")"
	assert_success
	assert_output "$expected"
}

@test "quote: bad usage exits 64" {
	run timeout 20 "$IPC" spawn quote
	assert_usage_error
}
