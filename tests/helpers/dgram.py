#!/usr/bin/env python3
"""Python datagram peers for tests/sock_dgram.bats.

  dgram.py recv FAMILY N        bind a datagram socket, print the ready line
                                "listening ADDR" on stderr, take N datagrams
                                and print each as "from ADDR: repr(bytes)"
  dgram.py send FAMILY ADDR DATA [COUNT]
                                send DATA (or "x" * SIZE when DATA is
                                @SIZE) COUNT times from a bound socket;
                                print "from ADDR" (our own address) first
  dgram.py closed-port          print a UDP port on 127.0.0.1 that nobody
                                holds any more

FAMILY is udp, udp6 or unix:PATH (the path this peer binds); ADDR is the
other end's port for udp and udp6, and its socket path for unix.
"""
import socket
import sys


def fmt(family, addr):
    if family == socket.AF_INET6:
        return f"[{addr[0]}]:{addr[1]}"
    if family == socket.AF_INET:
        return f"{addr[0]}:{addr[1]}"
    return f"unix:{addr}" if addr else "unix:(unnamed)"


def make(kind):
    """A datagram socket and the local address to bind, for kind."""
    if kind == "udp":
        return socket.socket(socket.AF_INET, socket.SOCK_DGRAM), ("127.0.0.1", 0)
    if kind == "udp6":
        return socket.socket(socket.AF_INET6, socket.SOCK_DGRAM), ("::1", 0)
    if kind.startswith("unix:"):
        return socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM), kind[5:]
    sys.exit(f"dgram.py: unknown family {kind}")


def recv(kind, n):
    s, local = make(kind)
    s.bind(local)
    s.settimeout(20)
    print(f"listening {fmt(s.family, s.getsockname())}", file=sys.stderr,
          flush=True)
    for _ in range(int(n)):
        data, peer = s.recvfrom(65536)
        print(f"from {fmt(s.family, peer)}: {data!r}", flush=True)


def send(kind, addr, data, count="1"):
    s, local = make(kind)
    to = addr if s.family == socket.AF_UNIX else (local[0], int(addr))
    s.bind(local)
    payload = b"x" * int(data[1:]) if data.startswith("@") else data.encode()
    print(f"from {fmt(s.family, s.getsockname())}", flush=True)
    for _ in range(int(count)):
        s.sendto(payload, to)


def closed_port():
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", 0))
    print(s.getsockname()[1])
    s.close()


def main():
    mode, args = sys.argv[1], sys.argv[2:]
    {"recv": recv, "send": send, "closed-port": closed_port}[mode](*args)


if __name__ == "__main__":
    main()
