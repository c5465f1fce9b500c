#!/usr/bin/env python3
"""A small controller for the step gate (docs/trace.md, "Stepping").

  stepper.py [--iter] STEPS CMD ARGS...

Listens on a Unix socket, runs CMD with --trace-to unix:PATH --step=syscall
(--step=iter with --iter: one gate per event-loop iteration) appended to
its options, and answers the first STEPS gates with "step",
then sends "run".  It checks that the traced process is really paused: no
event may arrive between a gate and our answer.  Prints one line per event
kind seen ("gate 3", "syscall 5", ...) and exits with CMD's status.
"""
import collections
import json
import os
import socket
import subprocess
import sys
import tempfile


def main():
    args = sys.argv[1:]
    step = "--step=syscall"
    if args[0] == "--iter":
        step = "--step=iter"
        args = args[1:]
    steps = int(args[0])
    cmd = args[1:]
    tmp = tempfile.mkdtemp()
    path = os.path.join(tmp, "trace.sock")
    srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    srv.bind(path)
    srv.listen(1)
    srv.settimeout(10)
    child = subprocess.Popen(cmd + ["--trace-to", "unix:" + path,
                                    step])
    conn, _ = srv.accept()
    conn.settimeout(10)
    seen = collections.Counter()
    answered = 0
    buf = b""
    while True:
        data = conn.recv(65536)
        if not data:
            break
        buf += data
        while b"\n" in buf:
            line, buf = buf.split(b"\n", 1)
            ev = json.loads(line)
            seen[ev["ev"]] += 1
            if ev["ev"] != "gate":
                continue
            # The process must be waiting now: nothing more may come.
            conn.setblocking(False)
            try:
                extra = conn.recv(65536)
            except BlockingIOError:
                extra = b""
            conn.settimeout(10)
            if buf or extra:
                print("not paused: events after a gate", file=sys.stderr)
                child.kill()
                sys.exit(1)
            answered += 1
            conn.sendall(b"step\n" if answered <= steps else b"run\n")
    for kind in sorted(seen):
        print(kind, seen[kind])
    sys.exit(child.wait(timeout=10))


if __name__ == "__main__":
    main()
