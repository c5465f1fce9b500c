#!/usr/bin/env bats
# ipc loop demo, tasks and futures: each demo prints what its Python
# original prints (python3's asyncio runs the same examples as the peer),
# on every backend; --debug finds no outcome left unretrieved; the trace
# shows the stack mapped with its guard page, each task's steps and
# awaits, and its futures; bad input and injected faults end with the
# right status and message.

load helpers/common
load helpers/tasks
bats_require_minimum_version 1.5.0

TASK_DEMOS="hello-coro clock-coro chain future-until-complete future-forever parallel"

# asyncio_example NAME INTERVAL - run the chapter's Python example NAME
# with its sleeps set to INTERVAL seconds; its output in $output.
asyncio_example() {
	run timeout 20 python3 - "$1" "$2" <<'EOF'
import asyncio, sys
name, interval = sys.argv[1], float(sys.argv[2])

async def compute(x, y):
    print("Compute %s + %s ..." % (x, y))
    await asyncio.sleep(interval)
    return x + y

async def print_sum(x, y):
    result = await compute(x, y)
    print("%s + %s = %s" % (x, y, result))

async def factorial(name, number):
    f = 1
    for i in range(2, number + 1):
        print("Task %s: Compute factorial(%s)..." % (name, i))
        await asyncio.sleep(interval)
        f *= i
    print("Task %s: factorial(%s) = %s" % (name, number, f))

async def parallel():
    await asyncio.gather(factorial("A", 2), factorial("B", 3),
                         factorial("C", 4))

async def hello_world():
    print("Hello World!")

async def slow_operation(future):
    await asyncio.sleep(interval)
    future.set_result('Future is done!')

async def until_complete():
    future = asyncio.get_running_loop().create_future()
    asyncio.ensure_future(slow_operation(future))
    await future
    print(future.result())

examples = {"chain": lambda: print_sum(1, 2), "parallel": parallel,
            "hello-coro": hello_world,
            "future-until-complete": until_complete}
asyncio.run(examples[name]())
EOF
	assert_success
}

@test "demo --list: the tasks and futures group" {
	run timeout 20 "$IPC" loop demo --list
	assert_success
	for name in $TASK_DEMOS; do
		assert_line --regexp "^$name +tasks and futures +[a-z].+"
	done
}

@test "every task demo: exit 0 on every backend, nothing left behind" {
	for b in select poll epoll; do
		for name in $TASK_DEMOS; do
			local opts=(--interval 0.01)
			[ "$name" = hello-coro ] && opts=()
			run --separate-stderr timeout 20 "$IPC" loop demo "$name" \
				--backend "$b" --debug "${opts[@]}"
			assert_success
			no_warnings
		done
	done
}

@test "demo hello-coro: the same line as python3's asyncio" {
	asyncio_example hello-coro 0
	local want=$output
	run --separate-stderr timeout 20 "$IPC" loop demo hello-coro
	assert_success
	assert_output "$want"
	assert_output "Hello World!"
	no_warnings
}

@test "demo chain: compute's sleep suspends print_sum too, as in python3" {
	asyncio_example chain 0.01
	local want=$output
	run --separate-stderr timeout 20 "$IPC" loop demo chain --interval 0.01
	assert_success
	assert_output "$want"
	assert_line --index 0 "Compute 1 + 2 ..."
	assert_line --index 1 "1 + 2 = 3"
}

@test "demo parallel: A, B and C interleave exactly as python3's gather" {
	asyncio_example parallel 0.02
	local want=$output
	run --separate-stderr timeout 20 "$IPC" loop demo parallel --interval 0.02
	assert_success
	assert_output "$want"
	[ "${#lines[@]}" -eq 9 ]
	assert_line --index 3 "Task A: factorial(2) = 2"
	assert_line --index 8 "Task C: factorial(4) = 24"
}

@test "demo future-until-complete and future-forever: the result, once" {
	asyncio_example future-until-complete 0.01
	local want=$output
	for name in future-until-complete future-forever; do
		run --separate-stderr timeout 20 "$IPC" loop demo "$name" \
			--interval 0.01 --debug
		assert_success
		assert_output "$want"
		no_warnings
	done
}

@test "demo clock-coro: five dates, --interval apart" {
	run --separate-stderr timeout 20 "$IPC" loop demo clock-coro --interval 0.05
	assert_success
	[ "${#lines[@]}" -eq 5 ]
	printf '%s\n' "${lines[@]}" | python3 -c '
import sys, datetime
t = [datetime.datetime.strptime(l.strip(), "%Y-%m-%d %H:%M:%S.%f") for l in sys.stdin]
gaps = [(b - a).total_seconds() for a, b in zip(t, t[1:])]
assert len(gaps) == 4 and all(g >= 0.05 for g in gaps), gaps'
}

@test "demo parallel: the default one-second sleeps take about 3 s" {
	local t0=$SECONDS
	run --separate-stderr timeout 20 "$IPC" loop demo parallel
	assert_success
	[ "${#lines[@]}" -eq 9 ]
	[ $((SECONDS - t0)) -le 6 ]
}

@test "trace: the guarded stack, the task's steps and awaits, its futures" {
	run --separate-stderr timeout 20 "$IPC" loop demo chain --interval 0.01 --trace=json
	assert_success
	printf '%s\n' "$stderr" | grep '^{' | python3 -c '
import json, sys
evs = [json.loads(l) for l in sys.stdin]
seq = []
for e in evs:
    a = e.get("args", {})
    if e["ev"] == "syscall" and e["call"] in ("mmap", "mprotect", "munmap"):
        seq.append(e["call"] + ("" if e["call"] != "mprotect" else " " + a["prot"]))
    elif e["ev"] == "task":
        seq.append("task " + a["what"] + (" " + a["awaits"] if a["awaits"] else ""))
    elif e["ev"] == "future" and a["name"] == "sleep":
        seq.append("sleep " + a["what"] + (" " + a["callback"] if a["callback"] else ""))
want = ["mmap", "mprotect PROT_NONE", "task create", "task step",
        "sleep create", "task await sleep", "sleep done",
        "sleep callback wakeup", "task step", "munmap", "task done"]
assert seq == want, seq'
}

@test "trace: parallel shows three tasks awaiting their sleeps" {
	run --separate-stderr timeout 20 "$IPC" loop demo parallel --interval 0.01 --trace=json
	assert_success
	for t in A B C; do
		printf '%s\n' "$stderr" | grep '"ev":"task"' | grep -q "\"what\":\"await\",\"name\":\"$t\",\"awaits\":\"sleep\""
		printf '%s\n' "$stderr" | grep '"ev":"task"' | grep -q "\"what\":\"done\",\"name\":\"$t\""
	done
	printf '%s\n' "$stderr" | grep -q '"what":"await","name":"gather","awaits":"gather"'
}

@test "bad input: --interval on a demo that does not sleep" {
	run "$IPC" loop demo hello-coro --interval 1
	assert_usage_error
	assert_line --index 0 "ipc loop demo: --interval is for clock-later and the task demos that sleep"
	run "$IPC" loop demo chain --interval -1
	assert_usage_error
	run "$IPC" loop demo parallel --serve 127.0.0.1:0
	assert_usage_error
	assert_line --index 0 "ipc loop demo: --serve is for the server demos"
}

@test "--inject: the task's stack cannot be mapped or guarded" {
	run "$IPC" loop demo chain --inject mmap=ENOMEM
	assert_failure 71
	assert_line --index 0 "ipc loop demo: task: cannot allocate memory (ENOMEM)"
	assert_line --index 1 "hint: each task needs its own stack: mmap(2) maps it, and mprotect(2) makes the page below it a guard"
	run "$IPC" loop demo parallel --inject mprotect=EACCES
	assert_failure 77
	assert_line --index 0 "ipc loop demo: task: permission denied (EACCES)"
	assert_line --index 1 --partial "hint: each task needs its own stack"
}
