#!/usr/bin/env python3
"""Clients for tests/sock_serve.bats, for what peer.py does not do.

  serve.py read PORT N     read N bytes (chargen), print them, close at once
  serve.py hold PORT N     open N connections, send "x" on each and wait for
                           the echo or the close; print "S served, D dropped";
                           keep the served ones open until a line (or EOF)
                           comes on stdin
  serve.py flood PORT MAX  send up to MAX bytes and never read; print
                           "blocked after N bytes" once a send has made no
                           progress for 2 seconds; close on a line (or EOF)
                           on stdin
  serve.py one-at-a-time PORT
                           --max-conn 1: A is served; B connects and sends
                           while A is open; A closes; then B's echo arrives.
                           Prints "a", "b".
"""
import socket
import sys


def connect(port):
    return socket.create_connection(("127.0.0.1", int(port)), timeout=10)


def read(port, n):
    n = int(n)
    with connect(port) as c:
        got = b""
        while len(got) < n:
            data = c.recv(n - len(got))
            if not data:
                break
            got += data
        sys.stdout.buffer.write(got)


def hold(port, n):
    served, dropped = [], 0
    for _ in range(int(n)):
        c = connect(port)
        try:
            c.sendall(b"x")
            if c.recv(1) == b"x":
                served.append(c)
                continue
        except OSError:
            pass
        dropped += 1
        c.close()
    print(f"{len(served)} served, {dropped} dropped", flush=True)
    sys.stdin.readline()
    for c in served:
        c.close()


def flood(port, limit):
    limit = int(limit)
    chunk = b"f" * 65536
    sent = 0
    with connect(port) as c:
        c.settimeout(2)
        try:
            while sent < limit:
                sent += c.send(chunk)
        except TimeoutError:
            print(f"blocked after {sent} bytes", flush=True)
        else:
            print(f"sent all {sent} bytes", flush=True)
        sys.stdin.readline()


def echo(c, data):
    c.sendall(data)
    got = b""
    while len(got) < len(data):
        chunk = c.recv(len(data) - len(got))
        if not chunk:
            break
        got += chunk
    return got


def one_at_a_time(port):
    a = connect(port)
    print(echo(a, b"a").decode(), flush=True)
    b = connect(port)
    b.sendall(b"b")
    b.shutdown(socket.SHUT_WR)
    # A round trip on A after B is queued: the server has looked at its
    # listener again, and still must not take B while A is open.
    echo(a, b"again")
    a.close()
    print(b.recv(1).decode(), flush=True)
    b.close()


def main():
    mode, args = sys.argv[1], sys.argv[2:]
    modes = {
        "read": lambda: read(args[0], args[1]),
        "hold": lambda: hold(args[0], args[1]),
        "flood": lambda: flood(args[0], args[1]),
        "one-at-a-time": lambda: one_at_a_time(args[0]),
    }
    modes[mode]()


if __name__ == "__main__":
    main()
