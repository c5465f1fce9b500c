# common.bash - shared by every bats suite: `load helpers/common`.
#
# Servers bind port 0 and print a ready line ("listening ADDR") on stderr;
# start_server waits for that line instead of sleeping, and records the
# address.  Every process a test starts is ended by PID in teardown.

shopt -s extglob	# for +([0-9]) below

bats_load_library bats-support
bats_load_library bats-assert
bats_load_library bats-file

IPC=${IPC:-$BATS_TEST_DIRNAME/../build/ipc}
HELPERS=$BATS_TEST_DIRNAME/helpers
# Bound every wait: a broken server fails the test instead of hanging it.
WAIT=${IPC_TEST_WAIT:-10}

# Processes to end in teardown, by PID.
STARTED=()

# start_server NAME CMD... - run CMD in the background with stdin from
# /dev/null (or $SERVER_STDIN), stdout to $BATS_TEST_TMPDIR/NAME.out, stderr
# to NAME.err; wait for its "listening ADDR" line (or socat -d -d's
# "listening on AF=N ADDR").  Sets NAME_PID,
# NAME_ADDR and NAME_PORT.
start_server() {
	local name=$1 fifo line pid rfd
	shift
	fifo=$BATS_TEST_TMPDIR/$name.fifo
	mkfifo "$fifo"
	"$@" <"${SERVER_STDIN:-/dev/null}" >"$BATS_TEST_TMPDIR/$name.out" \
		2>"$fifo" 3>&- &
	pid=$!
	STARTED+=("$pid")
	exec {rfd}<"$fifo"
	while IFS= read -r -t "$WAIT" -u "$rfd" line; do
		printf '%s\n' "$line" >>"$BATS_TEST_TMPDIR/$name.err"
		# socat -d -d says "... N listening on AF=2 127.0.0.1:PORT".
		[[ $line == *" listening on AF="* ]] &&
			line="listening ${line##* listening on AF=+([0-9]) }"
		[[ $line == listening\ * ]] && break
	done
	if [[ $line != listening\ * ]]; then
		exec {rfd}<&-
		echo "start_server: $name printed no ready line" >&2
		cat "$BATS_TEST_TMPDIR/$name.err" >&2
		return 1
	fi
	# Keep draining stderr into the log so the server never blocks on it.
	cat <&"$rfd" >>"$BATS_TEST_TMPDIR/$name.err" 3>&- &
	exec {rfd}<&-
	printf -v "${name}_PID" '%s' "$pid"
	printf -v "${name}_ADDR" '%s' "${line#listening }"
	printf -v "${name}_PORT" '%s' "${line##*:}"
}

# stop_server NAME [SIGNAL] - signal it (TERM by default) and wait for it;
# sets NAME_STATUS to its exit status.
stop_server() {
	local pidvar=${1}_PID sig=${2:-TERM} rc=0
	kill -s "$sig" "${!pidvar}" 2>/dev/null
	wait "${!pidvar}" || rc=$?
	printf -v "${1}_STATUS" '%s' "$rc"
}

# wait_server NAME - wait for it to exit by itself; sets NAME_STATUS.
wait_server() {
	local pidvar=${1}_PID rc=0
	wait "${!pidvar}" || rc=$?
	printf -v "${1}_STATUS" '%s' "$rc"
}

# server_log NAME - what the server wrote on stderr so far.
server_log() {
	cat "$BATS_TEST_TMPDIR/$1.err"
}

# A Python peer: helpers/peer.py MODE ... prints "listening ADDR" when it
# serves.  See that file for the modes.  It execs, so that under
# start_server the PID recorded is python's own and teardown ends it; use
# it with `run` or start_server, never bare in a test body.
py_peer() {
	exec python3 "$HELPERS/peer.py" "$@"
}

# end_started - end every process start_server started, by PID.
end_started() {
	local pid
	for pid in "${STARTED[@]}"; do
		kill "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
	done
	STARTED=()
	return 0
}

teardown() {
	end_started
}

# assert_usage_error - last `run` exited 64 with a usage line and a hint.
assert_usage_error() {
	assert_failure 64
	assert_output --partial "usage: ipc"
	assert_output --partial "hint:"
}

# fds_of PID - how many file descriptors the process holds now.
fds_of() {
	ls "/proc/$1/fd" | wc -l
}
