#!/usr/bin/env python3
"""Real Python peers for the bats suites.

Every server binds port 0 on loopback and prints "listening HOST:PORT" on
stderr once it accepts, the same ready line ipc prints, so tests wait for
it instead of sleeping.

  peer.py echo-server [--once]        TCP echo
  peer.py sink-server                 read to EOF, then print what came on stdout
  peer.py send-server DATA            send DATA, shut down, read to EOF
  peer.py reply-after-eof DATA        read to EOF, then send DATA and close
  peer.py udp-echo                    UDP echo, one datagram at a time
  peer.py unix-echo PATH              Unix stream echo on PATH
  peer.py connect PORT DATA           connect, send DATA, shut down, print reply
  peer.py clients PORT N              N concurrent echo clients, checks replies
"""
import os
import socket
import sys
import threading


def ready(sock):
    host, port = sock.getsockname()[:2]
    print(f"listening {host}:{port}", file=sys.stderr, flush=True)


def recv_all(conn):
    chunks = []
    while True:
        data = conn.recv(65536)
        if not data:
            return b"".join(chunks)
        chunks.append(data)


def tcp_server():
    srv = socket.create_server(("127.0.0.1", 0))
    ready(srv)
    return srv


def echo_server(once=False):
    srv = tcp_server()
    while True:
        conn, _ = srv.accept()
        with conn:
            while data := conn.recv(65536):
                conn.sendall(data)
        if once:
            return


def sink_server():
    srv = tcp_server()
    conn, _ = srv.accept()
    with conn:
        sys.stdout.buffer.write(recv_all(conn))


def send_server(data):
    srv = tcp_server()
    conn, _ = srv.accept()
    with conn:
        conn.sendall(data.encode())
        conn.shutdown(socket.SHUT_WR)
        sys.stdout.buffer.write(recv_all(conn))


def reply_after_eof(data):
    srv = tcp_server()
    conn, _ = srv.accept()
    with conn:
        got = recv_all(conn)
        conn.sendall(data.encode() + got)


def udp_echo():
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", 0))
    ready(s)
    while True:
        data, peer = s.recvfrom(65536)
        s.sendto(data, peer)


def unix_echo(path):
    srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    srv.bind(path)
    srv.listen()
    print(f"listening unix:{path}", file=sys.stderr, flush=True)
    conn, _ = srv.accept()
    with conn:
        while data := conn.recv(65536):
            conn.sendall(data)


def connect(port, data):
    with socket.create_connection(("127.0.0.1", int(port)), timeout=10) as c:
        c.sendall(data.encode())
        c.shutdown(socket.SHUT_WR)
        sys.stdout.buffer.write(recv_all(c))


def clients(port, n):
    errors = []
    barrier = threading.Barrier(int(n))

    def one(i):
        try:
            with socket.create_connection(("127.0.0.1", int(port)),
                                          timeout=20) as c:
                barrier.wait(timeout=20)
                msg = f"client {i} ".encode() * 100
                c.sendall(msg)
                c.shutdown(socket.SHUT_WR)
                got = recv_all(c)
                if got != msg:
                    errors.append(f"client {i}: got {len(got)} bytes")
        except Exception as e:  # report every failure, not just the first
            errors.append(f"client {i}: {e!r}")

    threads = [threading.Thread(target=one, args=(i,)) for i in range(int(n))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for e in errors:
        print(e, file=sys.stderr)
    print(f"{int(n) - len(errors)} ok, {len(errors)} failed")
    sys.exit(1 if errors else 0)


def main():
    mode, args = sys.argv[1], sys.argv[2:]
    modes = {
        "echo-server": lambda: echo_server("--once" in args),
        "sink-server": sink_server,
        "send-server": lambda: send_server(args[0]),
        "reply-after-eof": lambda: reply_after_eof(args[0]),
        "udp-echo": udp_echo,
        "unix-echo": lambda: unix_echo(args[0]),
        "connect": lambda: connect(args[0], args[1]),
        "clients": lambda: clients(args[0], args[1]),
    }
    modes[mode]()


if __name__ == "__main__":
    main()
