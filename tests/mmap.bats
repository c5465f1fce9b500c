#!/usr/bin/env bats
# ipc mmap: files mapped and edited through the mapping, an anonymous
# mapping shared with a child, POSIX shared memory, and SIGBUS.  Python's
# mmap module is the peer: it reads what ipc wrote, and the reverse.

load helpers/common

setup() {
	F=$BATS_TEST_TMPDIR/data.txt
	# A unique shm name per test and per run; teardown removes it.
	SHM=/ipc-bats-$$-$BATS_TEST_NUMBER
}

teardown() {
	local pid
	for pid in "${STARTED[@]}"; do
		kill "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
	done
	STARTED=()
	rm -f "/dev/shm${SHM}"
	return 0
}

# py_map FILE CODE - run CODE with m, an mmap of all of FILE (read-write).
py_map() {
	timeout 20 python3 -c "
import mmap, os, sys
fd = os.open(sys.argv[1], os.O_RDWR)
m = mmap.mmap(fd, 0)
$2
m.close()
os.close(fd)" "$1"
}

# start_holder NAME - `ipc mmap shm create NAME --hold` in the background;
# waits for its "holding" line.  Sets HOLD_PID.
start_holder() {
	local fifo=$BATS_TEST_TMPDIR/hold.fifo line rfd
	mkfifo "$fifo"
	"$IPC" mmap shm create "$1" --size 64 --hold </dev/null \
		>"$BATS_TEST_TMPDIR/hold.out" 2>"$fifo" &
	HOLD_PID=$!
	STARTED+=("$HOLD_PID")
	exec {rfd}<"$fifo"
	IFS= read -r -t "$WAIT" -u "$rfd" line
	exec {rfd}<&-
	[[ $line == holding\ * ]]
}

# ---- map ----

@test "map: size, page size, pages, and residency before and after touching" {
	printf 'hello world\n' >"$F"
	run timeout 20 "$IPC" mmap map "$F"
	assert_success
	assert_line --index 0 "file       $F"
	assert_line --index 1 "size       12 bytes"
	assert_line --index 2 --regexp '^page size  [0-9]+ bytes$'
	assert_line --index 3 "mapped     1 page, MAP_SHARED, PROT_READ"
	assert_line --index 4 --regexp '^resident   [01] of 1 page before touching \(mincore\)$'
	assert_line --index 5 "resident   1 of 1 page after touching one byte of each"
}

@test "map: --write edits the file in place, and python's mmap reads it" {
	printf 'hello world\n' >"$F"
	run timeout 20 "$IPC" mmap map "$F" --write 6:WORLD
	assert_success
	assert_line --partial "wrote      5 bytes at offset 6, then msync(MS_SYNC)"
	run py_map "$F" 'sys.stdout.write(m[:].decode())'
	assert_output "hello WORLD"
}

@test "map: --read and --find see what python's mmap wrote" {
	printf 'aaaaaaaaaaaaaaaa\n' >"$F"
	py_map "$F" 'm[4:9] = b"PYTHN"; m.flush()'
	run timeout 20 "$IPC" mmap map "$F" --read 4:5 --find PY
	assert_success
	assert_line "read       5 bytes at offset 4: PYTHN"
	assert_line "found      4"
}

@test "map: --private writes a copy-on-write copy; the file is untouched" {
	printf 'hello world\n' >"$F"
	run timeout 20 "$IPC" mmap map "$F" --private --write 0:HELLO --read 0:11
	assert_success
	assert_line --index 3 "mapped     1 page, MAP_PRIVATE, PROT_READ|PROT_WRITE"
	assert_line --partial "into a private copy of the page (copy-on-write): the file is unchanged"
	assert_line "read       11 bytes at offset 0: HELLO world"
	run cat "$F"
	assert_output "hello world"
}

@test "map: --find reports every offset, overlapping ones too, or none" {
	printf 'aaaa\n' >"$F"
	run timeout 20 "$IPC" mmap map "$F" --find aa
	assert_success
	assert_line "found      0 1 2"
	run timeout 20 "$IPC" mmap map "$F" --find zz
	assert_success
	assert_line 'found      no "zz" in the mapping'
}

@test "map: --resize grows file and mapping (ftruncate, then mremap)" {
	printf 'x' >"$F"
	run timeout 20 "$IPC" mmap map "$F" --resize 10000 --write 9990:END --trace=json
	assert_success
	assert_line --regexp '^resized    1 -> 10000 bytes \(ftruncate, then mremap\)'
	calls=$(grep -o '"call":"[a-z_]*"' <<<"$output" | tr '\n' ' ')
	assert_regex "$calls" '"call":"open" "call":"fstat" "call":"mmap" "call":"mincore" "call":"mincore" "call":"ftruncate" "call":"mremap" "call":"msync" "call":"munmap" "call":"close"'
	assert_equal "$(stat -c %s "$F")" 10000
	run py_map "$F" 'sys.stdout.write(m[9990:9993].decode())'
	assert_output "END"
}

@test "map: --madvise is passed to madvise(2)" {
	printf 'hello\n' >"$F"
	run timeout 20 "$IPC" mmap map "$F" --madvise dontneed --trace=json
	assert_success
	assert_line "advised    dontneed (madvise)"
	assert_line --regexp '"call":"madvise",.*"advice":"MADV_DONTNEED"'
}

@test "map: a missing file exits 66 with a hint" {
	run timeout 20 "$IPC" mmap map "$BATS_TEST_TMPDIR/nope"
	assert_failure 66
	assert_line --index 0 "ipc mmap map: $BATS_TEST_TMPDIR/nope: no such file or directory (ENOENT)"
	assert_line --index 1 "hint: check the path; map a file that exists"
}

@test "map: an empty file exits 66 and says why" {
	: >"$F"
	run timeout 20 "$IPC" mmap map "$F"
	assert_failure 66
	assert_line --index 0 "ipc mmap map: $F: is empty: there is nothing to map (mmap rejects a length of 0 with EINVAL)"
	assert_line --index 1 "hint: write something into it first, or grow it with --resize N"
}

@test "map: a directory exits 66, also when opened for writing" {
	run timeout 20 "$IPC" mmap map "$BATS_TEST_TMPDIR"
	assert_failure 66
	assert_line --index 0 "ipc mmap map: $BATS_TEST_TMPDIR: is a directory"
	run timeout 20 "$IPC" mmap map "$BATS_TEST_TMPDIR" --write 0:x
	assert_failure 66
	assert_line --index 0 "ipc mmap map: $BATS_TEST_TMPDIR: is a directory"
}

@test "map: a FIFO exits 66 at once (the open does not wait for a writer)" {
	mkfifo "$BATS_TEST_TMPDIR/fifo"
	run timeout 20 "$IPC" mmap map "$BATS_TEST_TMPDIR/fifo"
	assert_failure 66
	assert_line --index 0 --partial "ipc mmap map: $BATS_TEST_TMPDIR/fifo: is a pipe or socket"
	assert_line --index 1 --partial "hint:"
}

@test "map: a pipe on stdin exits 66" {
	run bash -c 'echo hi | timeout 20 "$IPC" mmap map /dev/stdin'
	assert_failure 66
	assert_line --index 0 --partial "is a pipe or socket"
}

@test "map: bad option values are usage errors" {
	printf 'hello\n' >"$F"
	run timeout 20 "$IPC" mmap map "$F" --write hello
	assert_usage_error
	assert_line --index 0 "ipc mmap map: --write: expected OFFSET:DATA, as in 0:hello"
	run timeout 20 "$IPC" mmap map "$F" --read 0
	assert_usage_error
	assert_line --index 0 "ipc mmap map: --read: expected OFFSET:LEN, as in 0:16"
	run timeout 20 "$IPC" mmap map "$F" --resize 0
	assert_usage_error
	assert_line --index 0 "ipc mmap map: --resize: expected a size of at least 1 byte"
	run timeout 20 "$IPC" mmap map "$F" --private --resize 10
	assert_usage_error
	assert_line --index 0 "ipc mmap map: --resize changes the file, and --private promises not to"
	run timeout 20 "$IPC" mmap map "$F" --madvise often
	assert_usage_error
}

@test "map: a write past the end of the file is refused, the file unchanged" {
	printf 'hello\n' >"$F"
	run timeout 20 "$IPC" mmap map "$F" --write 4:LONGER
	assert_failure 64
	assert_line "ipc mmap map: --write: bytes 4 to 10 are past the end of the file (6 bytes)"
	assert_line --partial "hint: a mapping shows the file as it is"
	run cat "$F"
	assert_output "hello"
}

@test "map: a failing mmap is reported (--inject)" {
	printf 'hello\n' >"$F"
	run timeout 20 "$IPC" mmap map "$F" --inject mmap=ENOMEM
	assert_failure 71
	assert_line --index 0 "ipc mmap map: mmap: cannot allocate memory (ENOMEM)"
	run timeout 20 "$IPC" mmap map "$F" --write 0:x --inject msync=EIO
	assert_failure 74
	assert_line "ipc mmap map: msync: input/output error (EIO)"
}

# ---- share ----

@test "share: the atomic counter loses nothing; the plain one may" {
	run timeout 20 "$IPC" mmap share --count 200000
	assert_success
	assert_line --index 0 "mapping: 16 bytes, MAP_SHARED|MAP_ANONYMOUS; parent and child each add 200000 to both counters"
	assert_line --index 1 --regexp '^child   \(pid [0-9]+\) sees atomic=[0-9]+ plain=[0-9]+$'
	assert_line --index 2 --regexp '^parent  \(pid [0-9]+\) sees atomic=400000 plain=[0-9]+$'
	assert_line --index 3 "atomic counter: 400000 of 400000 (atomic_fetch_add: no update lost)"
	assert_line --index 4 --regexp '^plain counter:  [0-9]+ of 400000 \(load, then store: [0-9]+ updates? lost\)$'
	plain=$(sed -n 's/^plain counter:  \([0-9]*\) .*/\1/p' <<<"$output")
	(( plain <= 400000 && plain >= 200000 ))
}

@test "share: --private shows each process only its own writes" {
	run timeout 20 "$IPC" mmap share --private --count 1000
	assert_success
	assert_line --index 1 --regexp '^child   \(pid [0-9]+\) sees atomic=1000 plain=1000$'
	assert_line --index 2 --regexp '^parent  \(pid [0-9]+\) sees atomic=1000 plain=1000$'
	assert_line --index 3 "private: each process saw only its own 1000 additions (copy-on-write after fork)"
}

@test "share: --trace=json shows the gate, the fork and the child reaped" {
	run timeout 20 "$IPC" mmap share --count 10 --trace=json
	assert_success
	assert_line --regexp '"call":"mmap",.*"flags":"MAP_SHARED\|MAP_ANONYMOUS"'
	assert_line --regexp '"call":"waitpid",.*"status":"exited 0"'
	calls=$(grep -o '"call":"[a-z_0-9]*"' <<<"$output" | tr '\n' ' ')
	assert_regex "$calls" '"call":"mmap" "call":"mincore" "call":"pipe2" "call":"fork" .*"call":"waitpid" "call":"munmap"'
	# Nothing resident before the first store; then each process says it stored.
	assert_line --regexp '"call":"mincore",.*"resident":0,"vec":"0"'
	[ "$(grep -c '"ev":"state","args":{"what":"write",.*"len":16,"map":"MAP_SHARED"}' <<<"$output")" -eq 2 ]
}

@test "share: --private stores are traced as MAP_PRIVATE, and --trace shows mincore" {
	run timeout 20 "$IPC" mmap share --private --count 10 --trace=json
	assert_success
	[ "$(grep -c '"what":"write",.*"map":"MAP_PRIVATE"' <<<"$output")" -eq 2 ]
	run timeout 20 "$IPC" mmap share --private --count 10 --trace
	assert_success
	assert_output --partial "mincore("
}

@test "map: mincore's vec has a digit per page, and --write is traced" {
	head -c 9000 /dev/zero >"$BATS_TEST_TMPDIR/three.bin"
	run timeout 20 "$IPC" mmap map "$BATS_TEST_TMPDIR/three.bin" --write 4096:x --trace=json
	assert_success
	assert_line --regexp '"call":"mincore",.*"vec":"[01]{3}"'
	assert_line --regexp '"what":"write","addr":"0x[0-9a-f]+","len":1,"map":"MAP_SHARED"'
}

@test "share: bad --count is a usage error; a failed fork is reported" {
	run timeout 20 "$IPC" mmap share --count -5
	assert_usage_error
	assert_line --index 0 "ipc mmap share: --count: expected 1 to 1000000000"
	run timeout 20 "$IPC" mmap share --inject fork=EAGAIN
	assert_failure 75
	assert_line --index 1 "ipc mmap share: fork: resource temporarily unavailable (EAGAIN)"
}

# ---- shm ----

@test "shm: create, write, python reads; python writes, ipc reads; unlink" {
	run timeout 20 "$IPC" mmap shm create "$SHM" --size 128
	assert_success
	assert_output "created $SHM, 128 bytes (/dev/shm$SHM)"
	assert_equal "$(stat -c %s "/dev/shm$SHM")" 128
	run timeout 20 "$IPC" mmap shm write "$SHM" "from ipc"
	assert_success
	assert_output "wrote 8 bytes at offset 0 of $SHM"
	run py_map "/dev/shm$SHM" 'sys.stdout.write(m[:8].decode()); m[16:27] = b"from python"'
	assert_output "from ipc"
	run timeout 20 "$IPC" mmap shm read "$SHM" --offset 16
	assert_success
	assert_output "from python"
	run timeout 20 "$IPC" mmap shm read "$SHM" --offset 5 --length 3
	assert_output "ipc"
	run timeout 20 "$IPC" mmap shm unlink "$SHM"
	assert_success
	assert_output "unlinked $SHM"
	assert_file_not_exists "/dev/shm$SHM"
}

@test "shm: list shows the object; --json too" {
	timeout 20 "$IPC" mmap shm create "$SHM" --size 100
	run timeout 20 "$IPC" mmap shm list "$SHM"
	assert_success
	assert_line --index 0 --regexp '^NAME +SIZE +MODE +UID +ERROR$'
	assert_line --index 1 --regexp "^$SHM +100 +0600 +[0-9]+ +-$"
	run timeout 20 "$IPC" mmap shm list "$SHM" --json
	assert_success
	assert_output --regexp "^\\{\"name\":\"$SHM\",\"size\":100,\"mode\":\"0600\",\"uid\":[0-9]+\\}$"
}

@test "shm: --hold unlinks the object on SIGINT" {
	start_holder "$SHM"
	assert_file_exists "/dev/shm$SHM"
	run timeout 20 "$IPC" mmap shm write "$SHM" held
	assert_success
	kill -INT "$HOLD_PID"
	rc=0
	wait "$HOLD_PID" || rc=$?
	assert_equal "$rc" 0
	assert_file_not_exists "/dev/shm$SHM"
	run cat "$BATS_TEST_TMPDIR/hold.out"
	assert_line --index 1 "unlinked $SHM on SIGINT"
}

@test "shm: --hold unlinks the object on SIGTERM too" {
	start_holder "$SHM"
	kill -TERM "$HOLD_PID"
	wait "$HOLD_PID"
	assert_file_not_exists "/dev/shm$SHM"
	run cat "$BATS_TEST_TMPDIR/hold.out"
	assert_line --index 1 "unlinked $SHM on SIGTERM"
}

@test "shm: invalid names exit 64 and say why" {
	run timeout 20 "$IPC" mmap shm create noslash
	assert_usage_error
	assert_line --index 0 "ipc mmap shm: 'noslash': a shared memory name starts with '/' (\"/demo\")"
	run timeout 20 "$IPC" mmap shm read /a/b
	assert_usage_error
	assert_line --index 0 --partial "ipc mmap shm: '/a/b': a shared memory name has no '/' after the first"
	run timeout 20 "$IPC" mmap shm write / x
	assert_usage_error
	assert_line --index 0 "ipc mmap shm: '/': a shared memory name needs a character after the '/'"
	run timeout 20 "$IPC" mmap shm unlink "/$(printf 'x%.0s' {1..300})"
	assert_usage_error
	assert_line --index 0 --partial "a shared memory name is at most 255 bytes (NAME_MAX)"
}

@test "shm: bad actions and argument counts are usage errors" {
	run timeout 20 "$IPC" mmap shm frob /x
	assert_usage_error
	assert_line --index 0 "ipc mmap shm: unknown action 'frob': expected create, write, read, unlink or list"
	run timeout 20 "$IPC" mmap shm write "$SHM"
	assert_usage_error
	assert_line --index 0 "ipc mmap shm: write takes NAME DATA"
	run timeout 20 "$IPC" mmap shm create
	assert_usage_error
	assert_line --index 0 "ipc mmap shm: create takes NAME"
}

@test "shm: a missing object exits 66; an existing one is not taken over" {
	run timeout 20 "$IPC" mmap shm read "$SHM"
	assert_failure 66
	assert_line --index 0 "ipc mmap shm: $SHM: no such file or directory (ENOENT)"
	assert_line --index 1 --partial "hint: no such object"
	timeout 20 "$IPC" mmap shm create "$SHM"
	run timeout 20 "$IPC" mmap shm create "$SHM"
	assert_failure
	assert_line --index 0 "ipc mmap shm: $SHM: file exists (EEXIST)"
	assert_line --index 1 --partial "hint: remove it first"
}

@test "shm: a write past the end is refused; a failed ftruncate leaves nothing" {
	timeout 20 "$IPC" mmap shm create "$SHM" --size 4
	run timeout 20 "$IPC" mmap shm write "$SHM" toolong
	assert_failure 64
	assert_line --index 0 "ipc mmap shm: bytes 0 to 7 are past the end of the object (4 bytes)"
	timeout 20 "$IPC" mmap shm unlink "$SHM"
	run timeout 20 "$IPC" mmap shm create "$SHM" --inject ftruncate=ENOSPC
	assert_failure
	assert_line --index 0 "ipc mmap shm: ftruncate: no space left on device (ENOSPC)"
	assert_file_not_exists "/dev/shm$SHM"
}

# ---- sigbus ----

@test "sigbus: a truncated mapping raises SIGBUS, caught: exit 74, no core" {
	cd "$BATS_TEST_TMPDIR"
	run timeout 20 "$IPC" mmap sigbus
	assert_failure 74
	assert_line --index 0 --regexp '^mapped a [0-9]+-byte file \(2 pages of [0-9]+\) and filled it$'
	assert_line --index 1 "truncated the file to 0 bytes; the mapping still covers 2 pages"
	assert_line --index 2 --regexp '^ipc mmap sigbus: SIGBUS at 0x[0-9a-f]+: offset [0-9]+ of the mapping, page 1 \(BUS_ADRERR: no object behind the address\)$'
	assert_line --index 3 --partial "hint: the file now ends at byte 0, so page 1 has no file behind it"
	assert_equal "$(ls "$BATS_TEST_TMPDIR" | grep -c core)" 0
}

@test "sigbus: the page holding the new end of file reads zeros, no SIGBUS" {
	run timeout 20 "$IPC" mmap sigbus --keep 100 --touch 200
	assert_success
	assert_line --index 2 "touched offset 200: read 0x00, no SIGBUS: the page still holds the end of the file, and the kernel fills the rest of it with zeros"
	run timeout 20 "$IPC" mmap sigbus --keep 100 --touch 50
	assert_success
	assert_line --index 2 "touched offset 50: read 0x41, no SIGBUS: the offset is still inside the file"
}

@test "sigbus: --trace=json shows ftruncate, the handler, and the signal caught" {
	run timeout 20 "$IPC" mmap sigbus --trace=json
	assert_failure 74
	calls=$(grep -o '"call":"[a-z_]*"' <<<"$output" | tr '\n' ' ')
	assert_regex "$calls" '"call":"open" "call":"ftruncate" "call":"mmap" "call":"ftruncate" "call":"sigaction" "call":"sigaction" "call":"munmap" "call":"close"'
	assert_line --regexp '"ev":"state",.*SIGBUS caught at offset [0-9]+ \(page 1\)'
	assert_line --regexp '"call":"sigaction",.*"flags":"SA_SIGINFO"'
}

@test "sigbus: bad --keep and --touch are usage errors" {
	run timeout 20 "$IPC" mmap sigbus --touch 999999
	assert_usage_error
	assert_line --index 0 --regexp '^ipc mmap sigbus: --touch: expected an offset below [0-9]+$'
	run timeout 20 "$IPC" mmap sigbus --keep -1
	assert_usage_error
	assert_line --index 0 --regexp '^ipc mmap sigbus: --keep: expected 0 to [0-9]+ bytes$'
}

@test "mmap: no shm objects left behind by this suite" {
	run bash -c "ls /dev/shm | grep -c '^ipc-bats-$$-'"
	assert_output 0
}
