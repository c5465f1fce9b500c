#!/usr/bin/env python3
"""Peers and a terminal for the connect and listen suites.

  relay.py full-backlog           a listener whose accept queue is full, so
                                  a connect gets no answer (a real timeout)
  relay.py reset-after DATA       send DATA, read to EOF, then reset (RST)
  relay.py udp-ask PORT DATA      send one datagram, print the one reply
  relay.py tty [--kill SIG] KEYS CMD...
                                  run CMD on a pseudo-terminal and type KEYS

Servers print "listening HOST:PORT" on stderr when ready, like peer.py.

tty waits for the prompt "> ", types KEYS (Python escapes: \\r is Enter,
\\x04 is Ctrl-D), and with --kill waits for the typed text to echo, then
sends SIG (TERM, INT).  When CMD has exited it prints "exit N" and
"termios restored" (or "termios changed") on stdout, and the terminal's
transcript on stderr.  10 seconds without progress fails.
"""
import os
import select
import signal
import socket
import struct
import subprocess
import sys
import termios
import time

WAIT = 10


def ready(sock):
    host, port = sock.getsockname()[:2]
    print(f"listening {host}:{port}", file=sys.stderr, flush=True)


def full_backlog():
    # See listen(2): with a backlog of 0 Linux queues one connection; the
    # next SYN is dropped while nobody calls accept().
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(0)
    filler = socket.create_connection(srv.getsockname(), timeout=WAIT)
    ready(srv)
    signal.pause()
    filler.close()


def reset_after(data):
    srv = socket.create_server(("127.0.0.1", 0))
    ready(srv)
    conn, _ = srv.accept()
    conn.sendall(data.encode())
    while conn.recv(65536):
        pass
    # SO_LINGER on with 0 seconds: close() sends RST; see socket(7).
    conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                    struct.pack("ii", 1, 0))
    conn.close()


def udp_ask(port, data):
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.settimeout(WAIT)
        s.sendto(data.encode(), ("127.0.0.1", int(port)))
        reply, _ = s.recvfrom(65536)
        sys.stdout.buffer.write(reply)


def tty(args):
    sig = None
    if args[0] == "--kill":
        sig = getattr(signal, "SIG" + args[1])
        args = args[2:]
    keys = args[0].encode().decode("unicode_escape").encode("latin-1")
    master, slave = os.openpty()
    before = termios.tcgetattr(slave)
    child = subprocess.Popen(args[1:], stdin=slave, stdout=slave,
                             stderr=slave, start_new_session=True)
    seen = bytearray()

    def read_until(done):
        deadline = time.monotonic() + WAIT
        while not done():
            left = deadline - time.monotonic()
            if left <= 0:
                child.kill()
                sys.stderr.write(seen.decode(errors="replace"))
                sys.exit("relay.py tty: timed out")
            r, _, _ = select.select([master], [], [], min(left, 0.05))
            if r:
                seen.extend(os.read(master, 4096))

    read_until(lambda: b"> " in seen)
    os.write(master, keys)
    if sig is not None:
        typed = keys.rstrip(b"\r\x04")
        read_until(lambda: typed in seen)
        child.send_signal(sig)
    read_until(lambda: child.poll() is not None)
    while select.select([master], [], [], 0)[0]:
        seen.extend(os.read(master, 4096))
    after = termios.tcgetattr(slave)
    sys.stderr.write(seen.decode(errors="replace"))
    print(f"exit {child.returncode}")
    print("termios restored" if after == before else "termios changed")


def main():
    mode, args = sys.argv[1], sys.argv[2:]
    if mode == "full-backlog":
        full_backlog()
    elif mode == "reset-after":
        reset_after(args[0])
    elif mode == "udp-ask":
        udp_ask(args[0], args[1])
    elif mode == "tty":
        tty(args)
    else:
        sys.exit(f"relay.py: unknown mode {mode}")


if __name__ == "__main__":
    main()
