#!/usr/bin/env bats
# tutorials/COVERAGE.md: every entry of the Python chapter's contents
# (2.7 and 3, in ../shared/reference/) has a row, in order; every row
# names a lesson or says why the entry does not apply on Linux; and
# every command in the map runs as written, in an empty directory.
#
# The map is read as Markdown: a "## " heading naming Python 2.7 or
# Python 3 starts that version's table; a row is a line starting with
# "|", cut at each "|" not escaped as "\|".  Its three cells are the
# entry ("17.1.2. Name"), the commands and the lesson step.  Every code
# span of the second cell is a command; "(exit N)" right after one says
# that it must fail with status N.

load helpers/common

MAP=$BATS_TEST_DIRNAME/../tutorials/COVERAGE.md
LESSONS=$BATS_TEST_DIRNAME/../tutorials
# The chapter's contents, copied from the team's ../shared/reference/ so
# that a clean clone checks the map too; the last test keeps them equal.
SHARED_REF=$BATS_TEST_DIRNAME/../../shared/reference
REF=${IPC_REFERENCE:-$BATS_TEST_DIRNAME/../tutorials/reference}
REF27=$REF/python27-ipc-chapter-contents.txt
REF3=$REF/python3-ipc-chapter-contents.md
# Each command of the map must end within this many seconds.
CMD_TIMEOUT=${IPC_COVERAGE_TIMEOUT:-20}
# How many commands run at once.
JOBS=${IPC_COVERAGE_JOBS:-4}

# coverage MODE FILE - read the reference contents or the map, and print
# one record a line, fields separated by tabs:
#   entries REF  NUMBER NAME, for each entry of the contents
#   map MAP      for each row: "row" VERSION NUMBER NAME, then
#                "lesson" LINE NCOMMANDS LESSON-CELL, then
#                "command" LINE STATUS COMMAND for each of its commands
# Names are compared without their Markdown: links, backticks, escapes
# and the bullets and blank space around them.
coverage() {
	python3 - "$@" <<'PY'
import re
import sys


def plain(s):
    """The text of a name without its Markdown, spaces collapsed."""
    s = re.sub(r'\]\([^)]*\)', '', s)
    s = re.sub(r'[][`]', '', s)
    s = re.sub(r'\\(.)', r'\1', s)
    s = re.sub(r'[\s*+-]+$', '', s)
    return ' '.join(s.split())


def entries(text):
    """(number, name) for each entry: "17.1.2. Name" up to the next one."""
    m = re.search(r'(\d+)\.\s+Interprocess Communication', text)
    if m is None:
        sys.exit('no "NN. Interprocess Communication" heading')
    num = re.compile(r'(?<![\d.])(' + m.group(1) + r'(?:\.\d+)+)\.(?=\s)')
    found = list(num.finditer(text))
    for i, e in enumerate(found):
        end = found[i + 1].start() if i + 1 < len(found) else len(text)
        # A blank line ends an entry: the next block is not part of it.
        yield e.group(1), plain(re.split(r'\n\s*\n', text[e.end():end])[0])


def cells(line):
    """The cells of a table row, with "\\|" made "|" again."""
    line = line.strip()
    if line.startswith('|'):
        line = line[1:]
    if line.endswith('|') and not line.endswith('\\|'):
        line = line[:-1]
    return [c.strip().replace('\\|', '|')
            for c in re.split(r'(?<!\\)\|', line)]


def rows(path):
    """(version, line number, cells) for each row of the two tables."""
    version = None
    with open(path, encoding='utf-8') as f:
        for n, line in enumerate(f, 1):
            if line.startswith('#'):
                version = ('2.7' if re.search(r'Python 2\.7\b', line)
                           else '3' if re.search(r'Python 3\b', line)
                           else None)
                continue
            if version is None or not line.lstrip().startswith('|'):
                continue
            c = cells(line)
            if not re.match(r'\d+(\.\d+)+\.\s', c[0]):
                continue        # the header or the delimiter row
            if len(c) != 3:
                sys.exit(f'{path}:{n}: {len(c)} cells, not 3')
            yield version, n, c


def commands(cell):
    """(command, expected status) for each code span of a cell."""
    for m in re.finditer(r'(`+)(.+?)(?<!`)\1(?!`)', cell):
        cmd = m.group(2)
        if len(cmd) > 1 and cmd[0] == ' ' and cmd[-1] == ' ':
            cmd = cmd[1:-1]
        st = re.match(r'\s*\(exit (\d+)\)', cell[m.end():])
        yield cmd, st.group(1) if st else '0'


mode, path = sys.argv[1], sys.argv[2]
if mode == 'entries':
    with open(path, encoding='utf-8') as f:
        for num, name in entries(f.read()):
            print(f'{num}\t{name}')
elif mode == 'map':
    for version, n, c in rows(path):
        num, _, name = c[0].partition('. ')
        print(f'row\t{version}\t{num}\t{plain(name)}')
        print(f'lesson\t{n}\t{len(list(commands(c[1])))}\t{c[2]}')
        for cmd, status in commands(c[1]):
            print(f'command\t{n}\t{status}\t{cmd}')
else:
    sys.exit(f'coverage: unknown mode {mode}')
PY
}

# The map is read once for the whole file (python3 can be slow to start).
setup_file() {
	coverage map "$MAP" >"$BATS_FILE_TMPDIR/map"
}

# map_records KIND - the map's records of that kind, without the kind.
map_records() {
	sed -n "s/^$1\t//p" "$BATS_FILE_TMPDIR/map"
}

# run_in DIR CMD - run CMD with sh(1) in DIR, its output in DIR.log,
# bounded by CMD_TIMEOUT; return its status.  timeout(1) leads a process
# group of its own, so what the command left running is ended with it.
run_in() {
	local dir=$1 cmd=$2 pid rc=0
	(cd "$dir" && unset IPC_TRACE IPC_TRACE_TO IPC_TRACE_FD IPC_TRACE_STEP &&
		exec timeout -k 2 "$CMD_TIMEOUT" sh -c "$cmd") \
		</dev/null >"$dir.log" 2>&1 &
	pid=$!
	wait "$pid" || rc=$?
	kill -- "-$pid" 2>/dev/null
	return "$rc"
}

# check_entries REF VERSION - the map's table for VERSION lists the
# entries of REF, in the same order, with the same names.
check_entries() {
	[ -r "$1" ] || skip "no reference contents at $1 (set IPC_REFERENCE)"
	coverage entries "$1" >"$BATS_TEST_TMPDIR/ref"
	map_records row | sed -n "s/^$2\t//p" >"$BATS_TEST_TMPDIR/map"
	# A reader that found nothing would agree with an empty table.
	[ "$(wc -l <"$BATS_TEST_TMPDIR/ref")" -ge 50 ]
	run diff -u "$BATS_TEST_TMPDIR/ref" "$BATS_TEST_TMPDIR/map"
	assert_success
}

@test "coverage: the map lists every entry of the Python 2.7 contents" {
	check_entries "$REF27" 2.7
}

@test "coverage: the map lists every entry of the Python 3 contents" {
	check_entries "$REF3" 3
}

@test "coverage: each row has a command, and a lesson step or why not" {
	local line n cell lesson file title bad=()
	local names=" sockets unix-sockets tls readiness event-loop tasks "
	names+="protocols-streams asyncore-asynchat signals processes mmap servers "
	local -A steps=()
	# Every step of every lesson there is now, as "lesson: title".
	for file in "$LESSONS"/[0-9]*-*.md; do
		[ -e "$file" ] || continue
		lesson=${file##*/}
		lesson=${lesson#*-}
		lesson=${lesson%.md}
		steps["$lesson"]=1
		while IFS= read -r title; do
			[[ $title == "## "* ]] && steps["$lesson: ${title#\#\# }"]=1
		done <"$file"
	done
	while IFS=$'\t' read -r line n cell; do
		[ "$n" -gt 0 ] || bad+=("$line: no command in backticks")
		if [[ $cell == "n/a on Linux: "* ]]; then
			[[ $cell == *"; ipc shows instead: "?* ]] ||
				bad+=("$line: n/a without 'ipc shows instead: '")
			continue
		fi
		lesson=${cell%%: *}
		if [[ $names != *" $lesson "* ]]; then
			bad+=("$line: '$lesson' is not a lesson")
		elif [[ $cell == *": "* && -z ${steps["$lesson"]:-} ]]; then
			bad+=("$line: no lesson file for '$lesson'")
		elif [[ $cell == *": "* && -z ${steps["$cell"]:-} ]]; then
			bad+=("$line: the lesson $lesson has no step '${cell#*: }'")
		fi
	done < <(map_records lesson)
	[ "${#bad[@]}" -eq 0 ] || { printf 'COVERAGE.md:%s\n' "${bad[@]}"; false; }
}

@test "coverage: every command in the map runs as written" {
	local line want cmd got i n=0 bad=() dir
	local -a lines=() wants=() cmds=()
	local -A seen=()
	PATH=$(dirname "$IPC"):$PATH
	export NO_COLOR=1
	while IFS=$'\t' read -r line want cmd; do
		# The same command in many rows runs once.
		[ -z "${seen["$want $cmd"]:-}" ] || continue
		seen["$want $cmd"]=1
		lines+=("$line") wants+=("$want") cmds+=("$cmd")
	done < <(map_records command)
	[ "${#cmds[@]}" -ge 50 ]
	# Most commands wait more than they compute (a timer, a ready line),
	# so a few run at once.
	for i in "${!cmds[@]}"; do
		dir=$BATS_TEST_TMPDIR/cmd$i
		mkdir "$dir"
		while [ "$n" -ge "$JOBS" ]; do
			wait -n || true
			n=$((n - 1))
		done
		{ got=0; run_in "$dir" "${cmds[i]}" || got=$?; echo "$got" >"$dir.status"; } &
		n=$((n + 1))
	done
	wait
	for i in "${!cmds[@]}"; do
		dir=$BATS_TEST_TMPDIR/cmd$i
		got=$(cat "$dir.status")
		[ "$got" = "${wants[i]}" ] && continue
		bad+=("COVERAGE.md:${lines[i]}: exit $got, not ${wants[i]}: ${cmds[i]}")
		bad+=("$(tail -n 5 "$dir.log" | sed 's/^/    /')")
	done
	[ "${#bad[@]}" -eq 0 ] || { printf '%s\n' "${bad[@]}"; false; }
}

@test "coverage: the reader takes both contents formats" {
	printf '%s' '17. Interprocess Communication and Networking ***** The' \
		' modules: * 17.1. "subprocess" — Subprocess management * 17.1.1.' \
		' Using the "subprocess" Module * 17.2. Notes' >"$BATS_TEST_TMPDIR/a.txt"
	run coverage entries "$BATS_TEST_TMPDIR/a.txt"
	assert_success
	assert_output "$(printf '%s\t%s\n' 17.1 '"subprocess" — Subprocess management' \
		17.1.1 'Using the "subprocess" Module' 17.2 Notes)"
	cat >"$BATS_TEST_TMPDIR/b.md" <<-'EOF'
	# 18. Interprocess Communication and Networking

	- [18.1. socket](#) — Low-level networking interface
	  - [18.1.1. Socket families](#)

	- 18.3. `select` — Waiting for I/O completion
	      - 18.5.3.4.1. Example: Future with run\_until\_complete()
	EOF
	run coverage entries "$BATS_TEST_TMPDIR/b.md"
	assert_success
	assert_output "$(printf '%s\t%s\n' 18.1 'socket — Low-level networking interface' \
		18.1.1 'Socket families' 18.3 'select — Waiting for I/O completion' \
		18.5.3.4.1 'Example: Future with run_until_complete()')"
}

@test "coverage: the reader takes escaped pipes, statuses and notes" {
	cat >"$BATS_TEST_TMPDIR/map.md" <<-'EOF'
	## Python 3: chapter 18

	| entry | ipc command | lesson step |
	| --- | --- | --- |
	| 18.1. `socket` — x | `a \| b`; `c` (exit 75): a note; `d` | sockets: A step |
	| 18.2. y \| z | `` e `f` `` | n/a on Linux: why; ipc shows instead: what |
	EOF
	run coverage map "$BATS_TEST_TMPDIR/map.md"
	assert_success
	assert_output "$(printf '%s\t' row 3 18.1; printf '%s\n' 'socket — x'
		printf '%s\t' lesson 5 3; printf '%s\n' 'sockets: A step'
		printf '%s\t' command 5 0; printf '%s\n' 'a | b'
		printf '%s\t' command 5 75; printf '%s\n' c
		printf '%s\t' command 5 0; printf '%s\n' d
		printf '%s\t' row 3 18.2; printf '%s\n' 'y | z'
		printf '%s\t' lesson 6 1
		printf '%s\n' 'n/a on Linux: why; ipc shows instead: what'
		printf '%s\t' command 6 0; printf '%s\n' 'e `f`')"
}

@test "coverage: the copied contents match the team's reference" {
	[ -d "$SHARED_REF" ] || skip "no $SHARED_REF here (a clean clone)"
	run diff -r "$SHARED_REF" "$BATS_TEST_DIRNAME/../tutorials/reference"
	assert_success
}
