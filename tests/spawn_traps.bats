#!/usr/bin/env bats
# ipc spawn zombie and ipc spawn inherit: a child left unreaped, seen in
# /proc as a zombie and then reaped; a descriptor without O_CLOEXEC seen
# by ls(1) in the child, and closed by the way ipc spawn run starts one.

load helpers/common

bats_require_minimum_version 1.5.0

# The syscall events of a --trace=json run on stdin, one per line: "PID
# CALL RET ERRNO ARGS", ARGS as JSON.
trace_calls() {
	python3 -c '
import json, sys
for e in map(json.loads, sys.stdin):
    if e.get("ev") == "syscall":
        print(e["pid"], e["call"], e["ret"], e.get("errno", "-"),
              json.dumps(e.get("args", {}), sort_keys=True))'
}

@test "zombie: state Z while unreaped, gone from /proc once waitpid reaps it" {
	run --separate-stderr timeout 20 "$IPC" spawn zombie
	assert_success
	assert_equal "$stderr" ""
	assert_line --index 0 --regexp '^forked pid [0-9]+, which calls _exit\(0\) at once$'
	pid=$(sed -n 's/^forked pid \([0-9]*\),.*/\1/p' <<<"$output")
	assert_line --index 1 "its pidfd polls readable: it has exited, and nobody has called wait yet"
	assert_line --index 2 --regexp "^   /proc/$pid/stat: state Z \(zombie\), parent [0-9]+, command ipc$"
	assert_line --index 3 "   kill($pid, 0) succeeds: the pid is still taken, and no new process can get it"
	assert_line --index 4 --partial "it is a zombie: no memory, no open files"
	assert_line --index 5 "waitpid($pid) reaped it: exited 0"
	assert_line --index 6 "   /proc/$pid/stat: ENOENT: no such process in the process table"
	assert_line --index 7 "   kill($pid, 0) fails with ESRCH: the pid is free for the next process"
	assert_line --index 8 --partial "SIGCHLD set to SIG_IGN, or a handler with SA_NOCLDWAIT"
	[ ! -e "/proc/$pid" ]
}

@test "zombie --trace=json: fork, pidfd_open, poll, /proc read, kill 0, waitpid, then ENOENT and ESRCH" {
	run --separate-stderr timeout 20 "$IPC" spawn zombie --trace=json
	assert_success
	out=$output
	run trace_calls <<<"$stderr"
	assert_success
	me=$(awk '$2 == "pidfd_open" { print $1 }' <<<"$output")
	# ipc's own calls; the child's only call is the fork it returns from.
	assert_equal "$(awk -v p="$me" '$1 == p { printf "%s %s ", $2, $3 == -1 ? $4 : "ok" }' <<<"$output")" \
		"fork ok pidfd_open ok poll ok close ok open ok read ok close ok kill ok waitpid ok open ENOENT kill ESRCH "
	# The zombie's parent in /proc/PID/stat is ipc itself.
	[[ $out =~ state\ Z\ \(zombie\),\ parent\ $me,\ command\ ipc ]]
}

@test "zombie: failed calls are reported, and the child is still reaped" {
	run --separate-stderr timeout 20 "$IPC" spawn zombie --inject fork=EAGAIN
	assert_failure 75
	[[ ${stderr_lines[0]} == "ipc spawn zombie: fork: resource temporarily unavailable (EAGAIN)" ]]
	[[ ${stderr_lines[1]} == "hint: too many processes (see 'ulimit -u') or too little memory; try again later" ]]
	run --separate-stderr timeout 20 "$IPC" spawn zombie --inject pidfd_open=ENOSYS --trace=json
	assert_failure 69
	grep -qx "ipc spawn zombie: pidfd_open: function not implemented (ENOSYS)" <<<"$stderr"
	# Even then the child is killed and reaped: no zombie is left behind.
	run trace_calls < <(grep '^{' <<<"$stderr")
	assert_equal "$(awk '{ print $2 }' <<<"$output" | tail -2 | tr '\n' ' ')" "kill waitpid "
	run timeout 20 "$IPC" spawn zombie extra
	assert_usage_error
	assert_line --index 0 "ipc spawn zombie: unexpected argument 'extra'"
}

@test "inherit: the fd without O_CLOEXEC reaches ls, the CLOEXEC one does not; spawn run's way closes both" {
	run --separate-stderr timeout 20 "$IPC" spawn inherit
	assert_success
	assert_equal "$stderr" ""
	assert_line --index 0 --regexp '^opened fd [0-9]+ = /dev/null without O_CLOEXEC, fd [0-9]+ = /dev/zero with it$'
	read -r leak kept < <(sed -n 's/^opened fd \([0-9]*\) = .*, fd \([0-9]*\) = .*/\1 \2/p' <<<"$output")
	assert_line "1. fork, then execvp ls -l /proc/self/fd, as most programs do:"
	assert_line --regexp "^   \| .* $leak -> /dev/null$"
	refute_line --regexp "^   \| .* $kept -> /dev/zero$"
	assert_line "   fd $leak (/dev/null, no O_CLOEXEC): INHERITED by the child"
	assert_line "   fd $kept (/dev/zero, O_CLOEXEC): not in the child: closed by execve"
	assert_line "2. the same through proc_spawn, as 'ipc spawn run' does:"
	assert_line "   fd $leak (/dev/null, no O_CLOEXEC): not in the child: close_range marked it close-on-exec"
	assert_equal "$(grep -c INHERITED <<<"$output")" 1
	assert_line --regexp '^Every descriptor survives execve .*close_range\(3, ~0U, CLOSE_RANGE_CLOEXEC\)'
}

@test "inherit --trace=json: one open without O_CLOEXEC; the forked child execs directly, the spawned one after close_range" {
	run --separate-stderr timeout 20 "$IPC" spawn inherit --trace=json
	assert_success
	run trace_calls <<<"$stderr"
	assert_success
	assert_line --regexp '^[0-9]+ open [0-9]+ - \{"flags": "O_RDONLY", "path": "/dev/null"\}$'
	assert_line --regexp '^[0-9]+ open [0-9]+ - \{"flags": "O_RDONLY\|O_CLOEXEC", "path": "/dev/zero"\}$'
	# Each child's own calls, in order, from fork to exec.
	first=$(awk '$2 == "execvp" { print $1 }' <<<"$output")
	second=$(awk '$2 == "execvpe" { print $1 }' <<<"$output")
	assert_equal "$(awk -v p="$first" '$1 == p { printf "%s ", $2 }' <<<"$output")" "fork dup2 execvp "
	# sigaction resets each signal to its default; left out here.
	assert_equal "$(awk -v p="$second" '$1 == p && $2 != "sigaction" { printf "%s ", $2 }' <<<"$output")" \
		"fork dup2 sigprocmask close_range execvpe "
}

@test "inherit: failed calls are reported with their exit codes" {
	run --separate-stderr timeout 20 "$IPC" spawn inherit --inject open=EMFILE
	assert_failure 71
	[[ ${stderr_lines[0]} == "ipc spawn inherit: /dev/null: too many open files (EMFILE)" ]]
	run --separate-stderr timeout 20 "$IPC" spawn inherit --inject fork=EAGAIN
	assert_failure 75
	[[ ${stderr_lines[0]} == "ipc spawn inherit: fork: resource temporarily unavailable (EAGAIN)" ]]
	[[ ${stderr_lines[1]} == "hint: too many processes (see 'ulimit -u') or too little memory; try again later" ]]
	run --separate-stderr timeout 20 "$IPC" spawn inherit --inject execvp=ENOENT
	assert_failure 69
	[[ ${stderr_lines[0]} == "ipc spawn inherit: ls exited 127" ]]
	[[ ${stderr_lines[1]} == "hint: ls(1) must be in \$PATH; 127 means it could not run" ]]
	run -127 --separate-stderr timeout 20 "$IPC" spawn inherit --inject execvpe=ENOENT
	[[ ${stderr_lines[0]} == "ipc spawn inherit: execvpe ls: no such file or directory (ENOENT)" ]]
	run timeout 20 "$IPC" spawn inherit extra
	assert_usage_error
	assert_line --index 0 "ipc spawn inherit: unexpected argument 'extra'"
}
