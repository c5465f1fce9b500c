#!/usr/bin/env bats
# ipc spawn tree: a pipeline's processes and the pipes between them, read
# from /proc while it waits on our pipe, then every child reaped on
# SIGCHLD; sh as the oracle for the pipeline's output.

load helpers/common

bats_require_minimum_version 1.5.0

@test "tree: ipc, cat, sort and uniq, one group and session, piped in a row" {
	run --separate-stderr timeout 20 "$IPC" spawn tree
	assert_success
	assert_line --index 0 --regexp '^PID +PPID +PGID +SID +STATE +CMD +FDS'
	read -r me _ pgid sid _ <<<"${lines[1]}"
	[[ ${lines[1]} =~ \ ipc\  ]]
	for i in 2 3 4; do
		read -r pid ppid cpgid csid _ <<<"${lines[$i]}"
		assert_equal "$ppid" "$me"
		assert_equal "$cpgid" "$pgid"
		assert_equal "$csid" "$sid"
	done
	assert_line --index 2 --regexp ' cat +0<pipe:\[[0-9]+\] 1>pipe:\[[0-9]+\] 2>'
	assert_line --index 3 --regexp ' sort +0<pipe:\[[0-9]+\] 1>pipe:\[[0-9]+\] 2>'
	assert_line --index 4 --regexp ' uniq +0<pipe:\[[0-9]+\] 1>'
	# No pipe end leaked into a child: only its 0 and 1 are pipes (above
	# 2 it may hold files it opened itself, such as locale data).
	for i in 2 3 4; do
		refute_regex "${lines[$i]}" ' [3-9][0-9]*[<>=]pipe:'
	done
	assert_line --regexp "^pipe:\[[0-9]+\]  ipc \(pid $me\) fd [0-9]+ writes  ->  cat \(pid [0-9]+\) fd 0 reads$"
	assert_line --regexp '^pipe:\[[0-9]+\]  cat \(pid [0-9]+\) fd 1 writes  ->  sort \(pid [0-9]+\) fd 0 reads$'
	assert_line --regexp '^pipe:\[[0-9]+\]  sort \(pid [0-9]+\) fd 1 writes  ->  uniq \(pid [0-9]+\) fd 0 reads$'
	[[ $stderr =~ pid\ [0-9]+\ \(cat\)\ exited\ 0,\ reaped ]]
	[[ $stderr =~ pid\ [0-9]+\ \(sort\)\ exited\ 0,\ reaped ]]
	[[ $stderr =~ pid\ [0-9]+\ \(uniq\)\ exited\ 0,\ reaped ]]
}

@test "tree: the pipes match up: each inode is written by one stage, read by the next" {
	run --separate-stderr timeout 20 "$IPC" spawn tree
	assert_success
	cat_out=$(sed -n 's/.* cat .* 1>\(pipe:\[[0-9]*\]\).*/\1/p' <<<"$output")
	sort_in=$(sed -n 's/.* sort .*0<\(pipe:\[[0-9]*\]\).*/\1/p' <<<"$output")
	assert_equal "$cat_out" "$sort_in"
}

@test "tree: --input feeds the pipeline; the output is the same as sh's" {
	expected=$(printf 'b\na\nb\n' | sh -c 'sort | uniq -c')
	run --separate-stderr timeout 20 "$IPC" spawn tree --json --input $'b\na\nb\n'
	assert_success
	assert_equal "$(grep -v '^{' <<<"$output")" "$expected"
}

@test "tree: --json lines parse, with every process and pipe" {
	run --separate-stderr timeout 20 "$IPC" spawn tree --json -- sort '|' wc -l
	assert_success
	run python3 -c '
import json, sys
objs = [json.loads(l) for l in sys.stdin if l.startswith("{")]
procs = [o for o in objs if "pid" in o]
pipes = [o for o in objs if "pipe" in o]
print(" ".join(p["cmd"] for p in procs))
mid = [p for p in pipes if p["writers"] and p["writers"][0]["cmd"] == "sort"][0]
print(mid["readers"][0]["cmd"], mid["readers"][0]["fd"])
' <<<"$output"
	assert_success
	assert_line --index 0 "ipc sort wc"
	assert_line --index 1 "wc 0"
}

@test "tree: a stage that has already ended is reaped, never listed as a zombie" {
	for _ in 1 2 3 4 5; do
		run --separate-stderr timeout 20 "$IPC" spawn tree -- true '|' cat
		assert_success
		refute_line --partial "(zombie)"
		refute_line --regexp ' Z '
		[[ $stderr =~ \(true\)\ exited\ 0,\ reaped || $output =~ exited\ 0,\ reaped ]]
	done
}

@test "tree: --trace=json shows signalfd, readlink on /proc and the WNOHANG reaps" {
	run timeout 20 "$IPC" spawn tree --trace=json
	assert_success
	assert_line --regexp '"call":"sigprocmask",.*SIGCHLD'
	assert_line --regexp '"call":"signalfd"'
	assert_line --regexp '"call":"readlink",.*"link":"pipe:\['
	assert_line --regexp '"call":"waitpid",.*"options":"WNOHANG".*"status":"exited 0"'
}

@test "tree: --timeout kills a stage that ignores end of input and exits 75" {
	run timeout 20 "$IPC" spawn tree --timeout 0.2 -- sleep 30
	assert_failure 75
	assert_line --regexp '^ipc spawn tree: timed out: killing pid [0-9]+ \(sleep\) with SIGKILL$'
	assert_line --partial "hint: a stage did not end at the end of its input"
}

@test "tree: a missing program exits 127, and the others still run and are reaped" {
	run -127 --separate-stderr timeout 20 "$IPC" spawn tree -- cat '|' no-such-program-xyz
	assert_failure 127
	[[ $stderr == *"ipc spawn tree: execvpe no-such-program-xyz: no such file or directory (ENOENT)"* ]]
	[[ $stderr =~ \(cat\)\ exited ]]
}

@test "tree: bad usage exits 64" {
	run timeout 20 "$IPC" spawn tree -- cat '|'
	assert_usage_error
	assert_line --index 0 --partial "an empty stage"
	run timeout 20 "$IPC" spawn tree --timeout soon
	assert_usage_error
}
