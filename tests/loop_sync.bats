#!/usr/bin/env bats
# ipc loop demo, primitives: lock, event, condition, semaphore and queue
# each print what the same program prints on python3's asyncio (the
# peer), on every backend, with no debug warnings; --trace shows tasks
# awaiting the primitives' waiters; bad input and injected faults end
# with the right status and message.

load helpers/common
load helpers/tasks
bats_require_minimum_version 1.5.0

SYNC_DEMOS="lock event condition semaphore queue"

# asyncio_example NAME INTERVAL - the same demo on python3's asyncio,
# its sleeps fractions of INTERVAL; its output in $output.
asyncio_example() {
	run timeout 20 python3 - "$1" "$2" <<'EOF'
import asyncio, sys
name, interval = sys.argv[1], float(sys.argv[2])

async def lock_worker(lock, i):
    print(f"worker {i}: waits for the lock")
    async with lock:
        print(f"worker {i}: has the lock")
        try:
            await asyncio.sleep(interval / 2)
        finally:
            print(f"worker {i}: releases the lock")

async def lock_demo():
    lock = asyncio.Lock()
    await asyncio.gather(*(lock_worker(lock, i) for i in (1, 2, 3)))

async def waiter(event, i):
    print(f"waiter {i}: waiting for it ...")
    await event.wait()
    print(f"waiter {i}: ... got it!")

async def setter(event):
    await asyncio.sleep(interval)
    print("setter: event.set()")
    event.set()

async def event_demo():
    event = asyncio.Event()
    await asyncio.gather(waiter(event, 1), waiter(event, 2), setter(event))

async def consumer(cond, i):
    async with cond:
        print(f"consumer {i}: waits on the condition")
        await cond.wait()
        print(f"consumer {i}: notified, holds the lock again")

async def producer(cond):
    await asyncio.sleep(interval / 2)
    async with cond:
        n = min(1, sum(not f.done() for f in cond._waiters))
        cond.notify(1)
        print(f"producer: notify(1) wakes {n}")
    await asyncio.sleep(interval / 2)
    async with cond:
        n = sum(not f.done() for f in cond._waiters)
        cond.notify_all()
        print(f"producer: notify_all() wakes {n}")

async def condition_demo():
    cond = asyncio.Condition()
    await asyncio.gather(*(consumer(cond, i) for i in (1, 2, 3)),
                         producer(cond))

inside = 0

async def sem_worker(sem, i):
    global inside
    async with sem:
        inside += 1
        print(f"worker {i}: in ({inside} of 2 inside)")
        await asyncio.sleep(interval / 4)
        inside -= 1
        print(f"worker {i}: out")

async def semaphore_demo():
    sem = asyncio.BoundedSemaphore(2)
    await asyncio.gather(*(sem_worker(sem, i) for i in range(1, 6)))
    try:
        sem.release()
    except ValueError:
        print("main: one release too many: refused (EINVAL, Python's ValueError)")

async def queue_worker(q, i):
    while True:
        job = await q.get()
        print(f"worker {i}: takes job {job}")
        await asyncio.sleep(interval * (job % 3 + 1) / 10)
        print(f"worker {i}: job {job} done")
        q.task_done()

async def queue_demo():
    q = asyncio.Queue(2)
    tasks = [asyncio.create_task(queue_worker(q, i)) for i in (1, 2, 3)]
    for job in range(1, 7):
        if q.full():
            print("main: the queue is full (2 jobs): put waits")
        await q.put(job)
        print(f"main: put job {job}")
    print("main: join: waits for 6 jobs to be done")
    await q.join()
    print("main: every job is done; cancels the 3 workers")
    for t in tasks:
        t.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)

demos = {"lock": lock_demo, "event": event_demo,
         "condition": condition_demo, "semaphore": semaphore_demo,
         "queue": queue_demo}
asyncio.run(demos[name]())
EOF
	assert_success
}

@test "demo --list: the primitives, in the group 'executor and primitives'" {
	run timeout 20 "$IPC" loop demo --list
	assert_success
	for name in $SYNC_DEMOS; do
		assert_line --regexp "^$name +executor and primitives +[a-z].+"
	done
}

@test "every primitive demo: exit 0 on every backend, no debug warnings" {
	for b in select poll epoll; do
		for name in $SYNC_DEMOS; do
			run --separate-stderr timeout 20 "$IPC" loop demo "$name" \
				--backend "$b" --debug --interval 0.02
			assert_success
			no_warnings
		done
	done
}

@test "each primitive demo prints what python3's asyncio prints" {
	for name in $SYNC_DEMOS; do
		asyncio_example "$name" 0.05
		local want=$output
		run --separate-stderr timeout 20 "$IPC" loop demo "$name" --interval 0.05
		assert_success
		assert_output "$want"
	done
}

@test "demo lock: one holder at a time, in the order they asked" {
	run --separate-stderr timeout 20 "$IPC" loop demo lock --interval 0.02
	assert_success
	[ "${#lines[@]}" -eq 9 ]
	printf '%s\n' "${lines[@]}" | grep 'has the lock' | {
		read -r l1; read -r l2; read -r l3
		[ "$l1" = "worker 1: has the lock" ]
		[ "$l2" = "worker 2: has the lock" ]
		[ "$l3" = "worker 3: has the lock" ]
	}
	assert_line --index 5 "worker 2: has the lock"
}

@test "demo semaphore: never more than two inside; the extra release refused" {
	run --separate-stderr timeout 20 "$IPC" loop demo semaphore --interval 0.02
	assert_success
	refute_line --partial "(3 of 2 inside)"
	[ "$(printf '%s\n' "${lines[@]}" | grep -c ': in (')" -eq 5 ]
	assert_line --index 10 "main: one release too many: refused (EINVAL, Python's ValueError)"
}

@test "demo queue: put waits when full, join waits for every job" {
	run --separate-stderr timeout 20 "$IPC" loop demo queue --interval 0.05
	assert_success
	assert_line "main: the queue is full (2 jobs): put waits"
	[ "$(printf '%s\n' "${lines[@]}" | grep -c ': job [1-6] done$')" -eq 6 ]
	assert_line --index $((${#lines[@]} - 1)) "main: every job is done; cancels the 3 workers"
}

@test "demo event and condition: with the default interval, within 2 s" {
	local t0=$SECONDS
	for name in event condition; do
		run --separate-stderr timeout 20 "$IPC" loop demo "$name"
		assert_success
	done
	[ $((SECONDS - t0)) -le 4 ]
}

@test "trace: tasks await the primitives' waiters, and are woken" {
	run --separate-stderr timeout 20 "$IPC" loop demo lock --interval 0.01 --trace=json
	assert_success
	printf '%s\n' "$stderr" | grep -q '"what":"await","name":"worker-2","awaits":"lock"'
	printf '%s\n' "$stderr" | grep -q '"what":"await","name":"worker-3","awaits":"lock"'
	printf '%s\n' "$stderr" | grep '"ev":"future"' | grep -q '"what":"done","name":"lock"'
	printf '%s\n' "$stderr" | grep '"ev":"future"' | grep -q '"what":"callback","name":"lock","state":"result","errno":"","callback":"wakeup"'
	run --separate-stderr timeout 20 "$IPC" loop demo queue --interval 0.01 --trace=json
	assert_success
	printf '%s\n' "$stderr" | grep -q '"what":"await","name":"main","awaits":"queue"'
	printf '%s\n' "$stderr" | grep -q '"what":"done, cancelled","name":"worker-1"'
}

@test "bad input: unknown demo, extra options" {
	run "$IPC" loop demo locks
	assert_usage_error
	assert_line --index 0 "ipc loop demo: no demo called 'locks' (see --list)"
	run "$IPC" loop demo queue --interval -1
	assert_usage_error
	run "$IPC" loop demo semaphore --serve 127.0.0.1:0
	assert_usage_error
	assert_line --index 0 "ipc loop demo: --serve is for the server demos"
	run "$IPC" loop demo event --connect 127.0.0.1:1
	assert_usage_error
	assert_line --index 0 "ipc loop demo: --connect is for the client demos"
}

@test "--inject: a task's stack cannot be mapped" {
	for name in $SYNC_DEMOS; do
		run "$IPC" loop demo "$name" --inject mmap=ENOMEM
		assert_failure 71
		assert_line --index 0 "ipc loop demo: task: cannot allocate memory (ENOMEM)"
		assert_line --index 1 "hint: each task needs its own stack: mmap(2) maps it, and mprotect(2) makes the page below it a guard"
	done
}

@test "--inject: a worker cannot start; those started are cancelled and reaped" {
	for name in $SYNC_DEMOS; do
		run --separate-stderr timeout 20 "$IPC" loop demo "$name" \
			--interval 0.01 --debug --inject mmap=ENOMEM:3
		assert_failure 71
		assert_equal "$(printf '%s\n' "$stderr" | grep -v makecontext)" \
			"ipc loop demo: task: cannot allocate memory (ENOMEM)"
	done
}
