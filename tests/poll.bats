#!/usr/bin/env bats
# ipc poll: the demos run by themselves and end, compare prints the shape
# of the experiment (never its timings), limits shows each ceiling, and
# the waits show up in --trace=json with their interest and ready sets.

load helpers/common

# The steps every backend's watch demo reports, in order.
assert_watch_demo() {
	assert_success
	assert_line --partial 'read 5 bytes: "hello"'
	assert_line --regexp '^  \+[0-9.]+s  fd [0-9]+ +listener 127\.0\.0\.1:[0-9]+ +IN +-> accept4: fd [0-9]+, now watched too$'
	assert_line --regexp 'connection from 127\.0\.0\.1:[0-9]+ +IN +-> read 4 bytes: "ping"$'
	assert_line --regexp 'socketpair \(one end\) +IN +-> read 2 bytes: "hi"$'
	assert_line --regexp 'pipe \(read end\) +(IN|HUP|IN\|HUP) +-> read 0: end of file; unwatched and closed$'
	assert_line --partial "step 7: close the other end of the socketpair"
	assert_line --regexp "^done: [0-9]+ readiness reports from $1$"
}

@test "demo select: the mixed set, step by step, ends by itself" {
	run timeout 20 "$IPC" poll demo select </dev/null
	assert_watch_demo select
	assert_line --regexp 'stdin +IN +-> read 0: end of file; unwatched$'
}

@test "demo poll: the same steps through poll(2)" {
	run timeout 20 "$IPC" poll demo poll </dev/null
	assert_watch_demo poll
}

@test "demo epoll: /dev/null on stdin is left out (EPERM)" {
	run timeout 20 "$IPC" poll demo epoll </dev/null
	assert_watch_demo epoll
	assert_line --regexp '^skip  fd 0 +stdin +epoll refuses files that are always ready \(EPERM\)$'
}

@test "demo epoll: a pipe on stdin is read, then end of file" {
	run timeout 20 sh -c 'printf "abc\n" | "$1" poll demo epoll' sh "$IPC"
	assert_watch_demo epoll
	assert_line --regexp 'stdin +IN(\|HUP)? +-> read 4 bytes: "abc\\n"$'
}

@test "demo select --trace=json: select carries interest and ready sets" {
	run timeout 20 "$IPC" poll demo select --trace=json </dev/null
	assert_success
	# The first wait: all four watched fds in the read set, none to write.
	echo "$output" | grep '"call":"select"' | head -1 |
		grep -E '"read":"0( [0-9]+){3}","write":"-"'
	echo "$output" | grep '"call":"select"' |
		grep -qE '"ready_read":"[0-9]+"'
}

@test "demo epoll --trace=json: epoll_ctl and epoll_wait with its ready fds" {
	run timeout 20 "$IPC" poll demo epoll --trace=json </dev/null
	assert_success
	echo "$output" | grep -q '"call":"epoll_create1"'
	echo "$output" | grep '"call":"epoll_ctl"' | grep -q '"op":"EPOLL_CTL_ADD"'
	echo "$output" | grep '"call":"epoll_wait"' | grep -qE '"ready":"[0-9]+:EPOLLIN"'
}

@test "demo epoll: an injected epoll_wait failure is reported" {
	run timeout 20 "$IPC" poll demo epoll --inject epoll_wait=ENOMEM </dev/null
	assert_failure 71
	assert_line --index 0 --partial "backend epoll"
	assert_line "ipc poll demo: epoll: cannot allocate memory (ENOMEM)"
}

@test "demo select: an fd at or above FD_SETSIZE is refused, named" {
	# Fill fds 3..1100 so that the demo's own pipe lands above 1024.
	run timeout 20 bash -c 'ulimit -Sn 2048 || exit 99
		for ((i = 3; i <= 1100; i++)); do eval "exec $i</dev/null"; done
		exec "$1" poll demo select' bash "$IPC"
	[ "$status" -ne 99 ] || skip "cannot raise RLIMIT_NOFILE to 2048"
	assert_failure 74
	assert_line --regexp '^ipc poll demo: fd 1[0-9]{3} is at or above FD_SETSIZE \(1024\): numerical result out of range \(ERANGE\)$'
	assert_line "hint: an fd_set has FD_SETSIZE bits only, so select(2) cannot watch this fd; poll and epoll can"
	# poll has no such ceiling.
	run timeout 20 bash -c 'ulimit -Sn 2048
		for ((i = 3; i <= 1100; i++)); do eval "exec $i</dev/null"; done
		exec "$1" poll demo poll </dev/null' bash "$IPC"
	assert_success
}

@test "demo select: an injected EINTR is waited out, not fatal" {
	run timeout 20 "$IPC" poll demo select --inject select=EINTR:2 --trace=json </dev/null
	assert_success
	echo "$output" | grep '"call":"select"' | grep -q '"errno":"EINTR"'
	assert_line --regexp '^done: [0-9]+ readiness reports from select$'
}

@test "demo edge: level wakes until empty, edge gets stuck, drain reads all" {
	run timeout 20 "$IPC" poll demo edge
	assert_success
	assert_line --regexp '^MODE +ROUND +EVENTS +READ +LEFT +NOTE$'
	assert_line --regexp '^level +1 +IN +5 +7 +read a little; bytes remain$'
	assert_line --regexp '^edge +1 +IN +5 +7 +read a little; bytes remain$'
	assert_line --regexp '^edge +1 +- +- +7 +stuck: bytes wait, but no new edge'
	assert_line --regexp '^drain +1 +IN +5\+5\+2\+EAGAIN +0 +drained to EAGAIN'
	assert_line "level  4 events, read 16 of 16 bytes"
	assert_line "edge   2 events, read 10 of 16 bytes: stuck, the rest is never reported"
	assert_line "drain  2 events, read 16 of 16 bytes"
}

@test "demo edge --json: one object per wait" {
	run timeout 20 "$IPC" poll demo edge --json
	assert_success
	echo "$output" | python3 -c '
import json, sys
rows = [json.loads(l) for l in sys.stdin]
assert {r["mode"] for r in rows} == {"level", "edge", "drain"}, rows
stuck = [r for r in rows if r["mode"] == "edge" and r["wait"] == "-"]
assert stuck and all(r["left"] > 0 for r in stuck), stuck
'
}

@test "demo selectors: the echo server and its two clients, then done" {
	run timeout 20 "$IPC" poll demo selectors
	assert_success
	assert_line --regexp '^server: epoll selector; listening on 127\.0\.0\.1:[0-9]+$'
	assert_line 'client 1: got back "hello"'
	assert_line 'client 2: got back "selectors"'
	assert_line 'client 2: done; close'
	assert_line --regexp '^server: fd [0-9]+: echoing 9 bytes$'
	assert_line --regexp '^server: fd [0-9]+: end of file; unregister and close$'
	assert_line 'server: closed'
}

@test "demo selectors --serve: echoes a python client, stops on SIGTERM" {
	start_server sel timeout 20 "$IPC" poll demo selectors --serve 127.0.0.1:0
	run timeout 20 python3 -c '
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
for msg in (b"one", b"two, longer"):
    s.sendall(msg)
    got = b""
    while len(got) < len(msg):
        got += s.recv(100)
    print(got.decode())
s.close()
' "$sel_PORT"
	assert_success
	assert_output $'one\ntwo, longer'
	kill -TERM "$(pgrep -P "$sel_PID")"
	wait_server sel
	assert_equal "$sel_STATUS" 0
	run cat "$BATS_TEST_TMPDIR/sel.out"
	assert_line --regexp '^server: signal 15; stopping$'
	assert_line 'server: closed'
}

@test "demo: bad names and misplaced options are usage errors" {
	run "$IPC" poll demo kqueue
	assert_usage_error
	assert_line --index 0 "ipc poll demo: no demo called 'kqueue'"
	run "$IPC" poll demo epoll --serve 127.0.0.1:0
	assert_usage_error
	assert_line --index 0 "ipc poll demo: --serve is for the selectors demo"
	run "$IPC" poll demo selectors --json
	assert_usage_error
	assert_line --index 0 "ipc poll demo: --json is for the edge demo"
	run "$IPC" poll demo
	assert_usage_error
}

@test "demo selectors --serve: an address in use is reported" {
	start_server sel timeout 20 "$IPC" poll demo selectors --serve 127.0.0.1:0
	run timeout 20 "$IPC" poll demo selectors --serve "127.0.0.1:$sel_PORT"
	assert_failure 69
	assert_line --partial "ipc poll demo: 127.0.0.1:$sel_PORT: address already in use (EADDRINUSE)"
	assert_line --partial "hint:"
}

@test "compare: a table with a row per backend and count" {
	run timeout 20 "$IPC" poll compare --fds 10,100 --time 0.01
	assert_success
	assert_line --index 0 --regexp '^BACKEND +FDS +WAITS +NS/WAIT +VS FIRST +NOTE$'
	assert_line --regexp '^epoll +10 +[0-9]+ +[0-9]+ +1\.0x'
	assert_line --regexp '^epoll +100 +[0-9]+ +[0-9]+ +[0-9.]+x'
	assert_line --regexp '^poll +100 +[0-9]+ +[0-9]+ +[0-9.]+x'
	assert_line --regexp '^select +10 +[0-9]+ +[0-9]+ +1\.0x'
	assert_equal "${#lines[@]}" 7
}

@test "compare --json --backend: one object per measurement" {
	run timeout 20 "$IPC" poll compare --fds 5,50 --backend poll --json --time 0.01
	assert_success
	assert_equal "${#lines[@]}" 2
	echo "$output" | python3 -c '
import json, sys
rows = [json.loads(l) for l in sys.stdin]
assert [r["fds"] for r in rows] == [5, 50], rows
assert all(r["backend"] == "poll" and r["waits"] >= 3 and
           r["ns_per_wait"] > 0 for r in rows), rows
'
}

@test "compare: select skips fds at or above FD_SETSIZE; the limit is raised" {
	run timeout 20 sh -c 'ulimit -Sn 1024; exec "$1" poll compare --fds 2000 --time 0.01' sh "$IPC"
	if [ "$(ulimit -Hn)" != unlimited ] && [ "$(ulimit -Hn)" -lt 2100 ]; then
		skip "hard RLIMIT_NOFILE below 2100"
	fi
	assert_success
	assert_line --regexp '^ipc poll compare: warning: raised RLIMIT_NOFILE from 1024 to [0-9]+'
	assert_line --regexp '^select +2000 +- +- +- +skipped: fds at or above FD_SETSIZE \(1024\)$'
	assert_line --regexp '^epoll +2000 +[0-9]+ '
}

@test "compare: bad counts and times are usage errors" {
	for bad in 0 abc 10,,20 200000 10,x; do
		run "$IPC" poll compare --fds "$bad"
		assert_usage_error
		assert_line --index 0 "ipc poll compare: --fds: '$bad' is not a list of counts from 1 to 100000, at most 16 of them"
	done
	run "$IPC" poll compare --time 5
	assert_usage_error
	assert_line --index 0 "ipc poll compare: --time: at most 2 seconds per measurement"
	run "$IPC" poll compare --backend kqueue
	assert_usage_error
}

@test "compare: an injected pipe2 failure is reported" {
	run timeout 20 "$IPC" poll compare --fds 10 --inject pipe2=EMFILE:3
	assert_failure
	assert_line --partial "ipc poll compare: pipe2: too many open files (EMFILE)"
	assert_line --partial "hint: see 'ipc poll limits', or ask for fewer with --fds"
}

@test "limits: every ceiling with its meaning, and --json" {
	run "$IPC" poll limits
	assert_success
	assert_line --index 0 --regexp '^LIMIT +VALUE +MEANING$'
	assert_line --regexp '^FD_SETSIZE +1024 +select\(2\) watches fds 0 to FD_SETSIZE-1'
	assert_line --regexp "^RLIMIT_NOFILE soft +$(ulimit -Sn) "
	assert_line --regexp "^RLIMIT_NOFILE hard +$(ulimit -Hn) "
	assert_line --regexp "^fs.nr_open +$(cat /proc/sys/fs/nr_open) "
	assert_line --regexp '^fs.epoll.max_user_watches +[0-9]+ +fds one user may register'
	run "$IPC" poll limits --json
	assert_success
	echo "$output" | python3 -c '
import json, sys
rows = {r["name"]: r for r in map(json.loads, sys.stdin)}
assert rows["FD_SETSIZE"]["value"] == "1024", rows
assert "meaning" in rows["fs.file-max"], rows
'
}

@test "limits: an unreadable /proc file is shown as unavailable" {
	run "$IPC" poll limits --inject open=EACCES:1
	assert_success
	assert_line --regexp '^fs.nr_open +unavailable \(EACCES\) '
}
