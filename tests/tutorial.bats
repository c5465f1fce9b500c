#!/usr/bin/env bats
# ipc tutorial: the lesson list, a lesson driven through stdin, --verify,
# reset, the errors, and the readline prompt through tmux.  The lessons
# are the small ones in fixtures/tutorials/ (IPC_TUTORIALS), except where
# a test says it uses the built-in ones; progress lives in a temporary
# XDG_STATE_HOME.

load helpers/common
load helpers/tmux
bats_require_minimum_version 1.5.0

FIX=$BATS_TEST_DIRNAME/fixtures/tutorials

setup() {
	export XDG_STATE_HOME=$BATS_TEST_TMPDIR/state
	export IPC_TUTORIALS=$FIX/lessons
	LESSON_DIR=$XDG_STATE_HOME/ipc/lessons/basics
	TMUX_SOCK="ipc-tut-$$-$BATS_TEST_NUMBER"
	cd "$BATS_TEST_TMPDIR" || return 1
}

teardown() {
	tmux_end
	# A step's solution starts `sleep 300`: end it if a test left it.
	if [ -s "$LESSON_DIR/sleeper.pid" ]; then
		kill "$(cat "$LESSON_DIR/sleeper.pid")" 2>/dev/null
	fi
	end_started
}

# drive NAME [ARGS...] -- LINE... : `ipc tutorial NAME ARGS` with the
# lines on stdin, one command each.
drive() {
	local args=()
	while [ $# -gt 0 ] && [ "$1" != -- ]; do
		args+=("$1")
		shift
	done
	shift
	printf '%s\n' "$@" | "$IPC" tutorial "${args[@]}"
}

# gone PID - wait (bounded) until PID has ended: no such process, or a
# zombie that its new parent has yet to reap.
gone() {
	local i state
	for ((i = 0; i < WAIT * 20; i++)); do
		state=$(sed -n 's/^[0-9]* (.*) \([A-Z]\) .*/\1/p' \
			"/proc/$1/stat" 2>/dev/null)
		[ -z "$state" ] || [ "$state" = Z ] && return 0
		sleep 0.05
	done
	return 1
}

# --- the list ----------------------------------------------------------

@test "tutorial: the list shows each lesson with no progress yet" {
	run "$IPC" tutorial
	assert_success
	assert_line --regexp '^LESSON +DONE +TITLE$'
	assert_line --regexp '^basics +0/5 +Basics: files, statuses and the trace$'
	assert_line --regexp '^second +0/2 +A second lesson$'
	run "$IPC" tutorial list
	assert_success
	assert_line --regexp '^basics +0/5 '
}

@test "tutorial: --json gives one object a lesson, with or without list" {
	run "$IPC" tutorial --json
	assert_success
	assert_line --index 0 '{"lesson":"basics","title":"Basics: files, statuses and the trace","done":0,"steps":5,"step":1}'
	assert_line --index 1 '{"lesson":"second","title":"A second lesson","done":0,"steps":2,"step":1}'
	run "$IPC" tutorial list --json
	assert_success
	assert_line --index 1 --partial '"lesson":"second"'
}

@test "tutorial: the list shows progress after a step is done" {
	run drive basics -- 'echo hi >hello' quit
	assert_success
	run "$IPC" tutorial
	assert_line --regexp '^basics +1/5 '
	run "$IPC" tutorial --json
	assert_line --index 0 --partial '"done":1,"steps":5,"step":2'
}

@test "tutorial: the built-in lessons are there without IPC_TUTORIALS" {
	unset IPC_TUTORIALS
	run "$IPC" tutorial list
	assert_success
	assert_line --regexp '^sockets +0/[0-9]+ +Sockets'
}

# --- a lesson through stdin ----------------------------------------------

@test "tutorial: a lesson shows its intro, its step and the step's Python" {
	run drive basics -- quit
	assert_success
	assert_line 'Lesson basics: Basics: files, statuses and the trace'
	assert_line 'A small lesson for tests/tutorial.bats: each step exercises one thing the'
	assert_line 'Step 1 of 5: Make a file'
	assert_line '$ echo hi >hello'
	assert_line 'The Python 3 this step mirrors:'
	assert_line '    open("hello", "w").write("hi\n")'
	assert_line "Progress saved: 'ipc tutorial basics' goes on from step 1."
	refute_output --partial 'basics 1/5>'
}

@test "tutorial: check says what is missing, a command that does it passes" {
	run drive basics -- check 'echo hi >hello'
	assert_success
	assert_line 'not yet: a file named hello that holds hi'
	assert_line 'step 1 done: Make a file'
	assert_line 'Step 2 of 5: Exit with 3'
	refute_output --partial 'echo hi >hello
not yet'
}

@test "tutorial: a failed automatic check says nothing" {
	run drive basics -- 'echo ho >hello' 'echo still not'
	assert_success
	assert_line 'still not'
	refute_output --partial 'not yet'
	refute_output --partial 'step 1 done'
}

@test "tutorial: IPC_LAST_STATUS and IPC_LAST_OUTPUT reach the check" {
	run drive basics --step 2 -- 'sh -c "exit 2"' check 'sh -c "exit 3"' \
		'echo marmalade >&2'
	assert_success
	assert_line 'not yet: a command that exits 3, not 2'
	assert_line 'step 2 done: Exit with 3'
	assert_line 'marmalade'
	assert_line 'step 3 done: Say the word'
}

@test "tutorial: IPC_LAST_OUTPUT keeps only the last 16 KiB" {
	run drive basics --step 3 -- \
		'echo marmalade; head -c 17000 /dev/zero | tr "\0" x; echo' check \
		'head -c 17000 /dev/zero | tr "\0" x; echo; echo marmalade'
	assert_success
	assert_line 'not yet: the word marmalade in the output'
	assert_line 'step 3 done: Say the word'
}

@test "tutorial: hint and solution show their blocks" {
	run drive basics -- hint solution quit
	assert_success
	assert_line 'hint:'
	assert_line '  echo writes a word; > sends it to a file.'
	assert_line 'solution:'
	assert_line '  echo hi >hello'
	refute_output --partial 'step 1 done'
}

@test "tutorial: next, back, show and list move about the lesson" {
	run drive basics -- back next next show list back quit
	assert_success
	assert_line 'this is the first step'
	assert_line 'Step 2 of 5: Exit with 3'
	assert_line 'Step 3 of 5: Say the word'
	assert_line --regexp '^> \[ \]  3 Say the word$'
	assert_line --regexp '^  \[ \]  1 Make a file$'
	assert_line "Progress saved: 'ipc tutorial basics' goes on from step 2."
	[ "$(grep -c '^Step 3 of 5' <<<"$output")" = 2 ]
}

@test "tutorial: next at the last step stays there" {
	run drive basics --step 5 -- next quit
	assert_success
	assert_line 'this is the last step'
}

@test "tutorial: commands run in the lesson directory, with ipc on PATH" {
	run drive basics -- pwd 'command -v ipc' 'echo "T=$IPC_SESSION_TRACE"' \
		'echo "F=$IPC_TRACE $IPC_TRACE_FD"' 'echo "S=$IPC_LAST_STATUS"'
	assert_success
	assert_line "$LESSON_DIR"
	assert_line "$(dirname "$IPC")/ipc"
	assert_line "T=$XDG_STATE_HOME/ipc/lessons/basics.trace.jsonl"
	assert_line --regexp '^F=json [0-9]+$'
	assert_line 'S='
	[ "$(stat -c %a "$LESSON_DIR")" = 700 ]
}

@test "tutorial: commands inherit no descriptor but stdio and the trace" {
	printf '%s\n' '[ -e /proc/$$/fd/9 ] && echo nine open || echo nine closed' \
		'[ -e /proc/$$/fd/$IPC_TRACE_FD ] && echo trace open' |
		"$IPC" tutorial basics 9</dev/null >out
	run cat out
	assert_line 'nine closed'
	assert_line 'trace open'
}

@test "tutorial: each ipc a command runs writes into the session trace" {
	run drive basics --step 4 -- 'ipc sock resolve localhost' quit
	assert_success
	assert_line 'step 4 done: Trace a call'
	run grep -c '"ev":"hello"' "$XDG_STATE_HOME/ipc/lessons/basics.trace.jsonl"
	assert_output 1
}

@test "tutorial: a manual check waits for check; quit ends what was left running" {
	run drive basics --step 5 -- 'sleep 300 & echo $! >sleeper.pid' show \
		check quit
	assert_success
	# Nothing is said between the command and 'check'.
	assert_line 'step 5 done: Leave one running'
	assert_line 'lesson basics finished (1 of 5 steps done: '"'list'"' shows which).'
	[[ $output == *"Type 'check' when you have done it."*"Step 5 of 5"*"step 5 done"* ]]
	pid=$(cat "$LESSON_DIR/sleeper.pid")
	gone "$pid"
}

@test "tutorial: end of input quits as quit does" {
	run drive basics --step 5 -- 'sleep 300 & echo $! >sleeper.pid'
	assert_success
	assert_line "Progress saved: 'ipc tutorial basics' goes on from step 5."
	gone "$(cat "$LESSON_DIR/sleeper.pid")"
}

@test "tutorial: SIGTERM to the tutorial ends what its commands left running" {
	local w i tpid rc=0
	mkfifo in
	"$IPC" tutorial basics --step 5 <in >out 2>&1 &
	tpid=$!
	STARTED+=("$tpid")
	exec {w}>in
	echo 'sleep 300 & echo $! >sleeper.pid' >&"$w"
	for ((i = 0; i < WAIT * 20; i++)); do
		[ -s "$LESSON_DIR/sleeper.pid" ] && break
		sleep 0.05
	done
	[ -s "$LESSON_DIR/sleeper.pid" ]
	kill -TERM "$tpid"
	wait "$tpid" || rc=$?
	exec {w}>&-
	[ "$rc" = 143 ]
	gone "$(cat "$LESSON_DIR/sleeper.pid")"
}

@test "tutorial: progress is saved, and the next start goes on from there" {
	run drive basics -- 'echo hi >hello' 'sh -c "exit 3"' quit
	assert_success
	assert_line 'step 2 done: Exit with 3'
	run drive basics -- quit
	assert_success
	assert_line 'Going on at step 3 of 5.'
	assert_line 'Step 3 of 5: Say the word'
	refute_line 'A small lesson for tests/tutorial.bats: each step exercises one thing the'
	run drive basics --step 1 -- quit
	assert_line 'Step 1 of 5: Make a file'
	assert_line '(done already)'
}

@test "tutorial: a finished lesson says so" {
	printf '%s\n' 'echo hi >hello' 'sh -c "exit 3"' 'echo marmalade' \
		'ipc sock resolve localhost' 'sleep 300 & echo $! >sleeper.pid' \
		check quit | "$IPC" tutorial basics >out
	run cat out
	assert_line 'lesson basics finished.'
	run "$IPC" tutorial
	assert_line --regexp '^basics +5/5 '
}

@test "tutorial: a progress file that does not parse is a warning" {
	mkdir -p "$XDG_STATE_HOME/ipc"
	echo '{not json' >"$XDG_STATE_HOME/ipc/progress.json"
	run "$IPC" tutorial list
	assert_success
	assert_line --partial 'not the progress file expected; starting afresh'
	assert_line --regexp '^basics +0/5 '
}

# --- usage errors and bad lessons --------------------------------------

@test "tutorial: an unknown lesson is a usage error that lists the lessons" {
	run "$IPC" tutorial nosuch
	assert_failure 64
	assert_line "ipc tutorial start: no lesson called 'nosuch'"
	assert_line "hint: the lessons are basics, second; 'ipc tutorial' lists them"
	run "$IPC" tutorial verify nosuch
	assert_failure 64
	run "$IPC" tutorial reset nosuch
	assert_failure 64
}

@test "tutorial: bad --step, --json or --verify combinations are usage errors" {
	run "$IPC" tutorial basics --step 6
	assert_failure 64
	assert_line --partial '--step: lesson basics has steps 1 to 5'
	run "$IPC" tutorial basics --step 0
	assert_failure 64
	assert_line --partial '--step: lesson basics has steps 1 to 5'
	run "$IPC" tutorial --step 2
	assert_failure 64
	assert_line --partial '--step needs a lesson NAME'
	run "$IPC" tutorial basics --json
	assert_failure 64
	assert_line 'ipc tutorial start: --json lists the lessons; it takes no NAME'
	run "$IPC" tutorial --verify --step 2
	assert_failure 64
	assert_line 'ipc tutorial start: --verify goes alone'
	run "$IPC" tutorial basics second
	assert_failure 64
	assert_line "ipc tutorial start: unexpected argument 'second'"
	assert_line --partial 'hint: '
}

@test "tutorial: a malformed lesson exits 65 and names the file and line" {
	export IPC_TUTORIALS=$FIX/malformed
	run "$IPC" tutorial
	assert_failure 65
	assert_line "ipc tutorial start: $FIX/malformed/02-nocheck.md:3: step 1 has no \`\`\`check block"
	assert_line 'hint: tutorials/README.md describes the lesson format'
	run "$IPC" tutorial --verify
	assert_failure 65
	run "$IPC" tutorial fine
	assert_failure 65
}

@test "tutorial: a missing IPC_TUTORIALS directory exits 66" {
	export IPC_TUTORIALS=$BATS_TEST_TMPDIR/none
	run "$IPC" tutorial
	assert_failure 66
	assert_line "ipc tutorial start: $BATS_TEST_TMPDIR/none: no such file or directory (ENOENT)"
	assert_line --partial 'hint: IPC_TUTORIALS names the directory of the lessons'
	run "$IPC" tutorial --verify
	assert_failure 66
}

@test "tutorial: an IPC_TUTORIALS directory with no lessons exits 66" {
	mkdir empty
	echo '# not a lesson' >empty/README.md
	export IPC_TUTORIALS=$PWD/empty
	run "$IPC" tutorial list
	assert_failure 66
	assert_line --partial 'no lessons (NN-name.md files) here'
}

@test "tutorial: --help says a lesson name goes where the verb goes" {
	run "$IPC" tutorial --help
	assert_success
	assert_line "A word that is no verb goes to it too: 'ipc tutorial WORD' means 'ipc tutorial start WORD'."
	run "$IPC" tutorial start --help
	assert_success
	assert_line --partial 'ipc tutorial sockets'
}

# --- verify --------------------------------------------------------------

@test "tutorial: --verify runs every solution and check, and passes" {
	run "$IPC" tutorial --verify
	assert_success
	assert_line 'lesson basics: Basics: files, statuses and the trace'
	assert_line --regexp '^  ok +1 Make a file$'
	assert_line --regexp '^  ok +5 Leave one running$'
	assert_line --regexp '^  ok +2 Remove it$'
	assert_line 'verified: 2 lessons, 7 steps, all pass'
	# verify touches neither the progress nor the lesson directories.
	[ ! -e "$XDG_STATE_HOME/ipc/progress.json" ]
}

@test "tutorial: verify NAME verifies one lesson" {
	run "$IPC" tutorial verify second
	assert_success
	refute_line --partial 'lesson basics'
	assert_line 'verified: 1 lesson, 2 steps, all pass'
	run "$IPC" tutorial --verify second
	assert_success
}

@test "tutorial: --verify fails a step whose solution no longer works" {
	export IPC_TUTORIALS=$FIX/failing
	run "$IPC" tutorial --verify
	assert_failure 1
	assert_line --regexp '^  ok +1 Works$'
	assert_line --regexp '^  FAIL +2 Broken$'
	assert_line '       the check said: a file called b'
	assert_line '       the solution exited 2; its output ended:'
	assert_line '       | the solution forgot'
	assert_line 'verified: 1 of 2 steps fail, in 1 of 1 lesson'
}

@test "tutorial: every built-in lesson passes --verify" {
	unset IPC_TUTORIALS
	run "$IPC" tutorial --verify
	if [ "$status" -ne 0 ]; then
		grep -A4 FAIL <<<"$output" >&2
	fi
	assert_success
	assert_line --regexp '^verified: [0-9]+ lessons, [0-9]+ steps, all pass$'
}

# --- reset ---------------------------------------------------------------

@test "tutorial: reset NAME forgets its progress and its directory" {
	run drive basics -- 'echo hi >hello' quit
	run drive second -- 'touch here' quit
	[ -e "$LESSON_DIR/hello" ]
	run "$IPC" tutorial reset basics
	assert_success
	assert_output 'reset basics: progress forgotten, lesson directory removed'
	[ ! -e "$LESSON_DIR" ]
	[ ! -e "$XDG_STATE_HOME/ipc/lessons/basics.trace.jsonl" ]
	run "$IPC" tutorial
	assert_line --regexp '^basics +0/5 '
	assert_line --regexp '^second +1/2 '
	run "$IPC" tutorial reset
	assert_success
	assert_output 'reset every lesson: progress forgotten, lesson directories removed'
	run "$IPC" tutorial
	assert_line --regexp '^second +0/2 '
	[ ! -e "$XDG_STATE_HOME/ipc/lessons" ]
}

# --- the readline prompt, through tmux -----------------------------------

# tut_start ARGS... - `ipc tutorial ARGS` in an 80x24 pane.
tut_start() {
	local cmd
	printf -v cmd '%q ' "$IPC" tutorial "$@"
	tm_start -e "XDG_STATE_HOME=$XDG_STATE_HOME" \
		-e "IPC_TUTORIALS=$IPC_TUTORIALS" -e "SHELL=/bin/sh" -- "$cmd"
}

# wait_count TEXT N - poll until the pane shows TEXT on N lines.
wait_count() {
	local i
	for ((i = 0; i < WAIT * 20; i++)); do
		[ "$(screen | grep -cF -- "$1")" -ge "$2" ] && return 0
		sleep 0.05
	done
	echo "timed out waiting for $2 lines of: $1" >&2
	screen >&2
	return 1
}

@test "tutorial tui: tab completes prompt commands and applets" {
	tut_start basics
	wait_for 'basics 1/5>'
	keys 'hi' Tab
	wait_for 'basics 1/5> hint'
	keys Enter
	wait_for 'echo writes a word'
	keys 'ipc tutor' Tab
	wait_for 'basics 1/5> ipc tutorial'
	keys C-u 'quit' Enter
	wait_for 'EXIT=0'
}

@test "tutorial tui: history survives a restart" {
	tut_start basics
	wait_for 'basics 1/5>'
	keys 'echo hi >hello' Enter
	wait_for 'step 1 done: Make a file'
	wait_for 'basics 2/5>'
	keys C-d
	wait_for 'EXIT=0'
	tm kill-server
	grep -qx 'echo hi >hello' "$XDG_STATE_HOME/ipc/history"
	tut_start basics
	wait_for 'basics 2/5>'
	keys Up
	wait_for 'basics 2/5> echo hi >hello'
	keys C-u 'quit' Enter
	wait_for 'EXIT=0'
}

@test "tutorial tui: Ctrl-C ends the running command, not the tutorial" {
	tut_start basics
	wait_for 'basics 1/5>'
	# The command says "ready" once it runs, and so has the terminal.
	keys 'sh -c "echo ready; exec sleep 300"' Enter
	wait_for 'ready'
	keys C-c
	wait_count 'basics 1/5>' 2
	keys 'half typed' C-c
	wait_count 'basics 1/5>' 3
	keys 'sh -c "read x; echo got \$x"' Enter
	keys 'it' Enter
	wait_for 'got it'
	keys 'quit' Enter
	wait_for 'EXIT=0'
}

@test "tutorial tui: a line that starts with ipc tui gets the terminal" {
	IPC_TUTORIALS='' tut_start event-loop --step 7
	wait_for 'event-loop 7/'
	keys 'ipc tui -- ipc loop demo hello-soon' Enter
	# The visualiser's own screen, drawn on the terminal, paused.
	wait_for 'paused before'
	keys r
	wait_for 'exited 0'
	keys q
	# Step 7 is done: the prompt moves on (its message may scroll away).
	wait_for 'event-loop 8/'
	keys 'quit' Enter
	wait_for 'EXIT=0'
}
