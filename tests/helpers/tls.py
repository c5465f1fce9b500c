#!/usr/bin/env python3
"""A TLS peer for tests/tls_*.bats, built on Python's ssl module.

    tls.py serve CERT KEY [--alpn LIST] [--truncate]
    tls.py clients PORT N [--cafile CA]
    tls.py raw PORT HEX|- [--half]

Listens on 127.0.0.1 port 0, prints "listening 127.0.0.1:PORT" on stderr
(the ready line common.bash waits for), and serves one client after
another: it echoes what each sends until close_notify, then answers with
its own close_notify.  --truncate sends one line and closes the TCP
connection without close_notify.  Each accepted client gets a line on
stderr with the version, cipher and ALPN protocol.
"""
import argparse
import socket
import ssl
import sys


def serve(args):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(args.cert, args.key)
    if args.alpn:
        ctx.set_alpn_protocols(args.alpn.split(","))
    lsock = socket.socket()
    lsock.bind(("127.0.0.1", 0))
    lsock.listen(8)
    print("listening 127.0.0.1:%d" % lsock.getsockname()[1],
          file=sys.stderr, flush=True)
    while True:
        raw, _ = lsock.accept()
        try:
            conn = ctx.wrap_socket(raw, server_side=True)
        except (ssl.SSLError, OSError) as e:
            print("handshake failed: %s" % e, file=sys.stderr, flush=True)
            raw.close()
            continue
        print("client %s %s alpn=%s" % (conn.version(), conn.cipher()[0],
                                        conn.selected_alpn_protocol()),
              file=sys.stderr, flush=True)
        try:
            if args.truncate:
                conn.sendall(b"partial\n")
                # SSLSocket.shutdown is the socket's: no close_notify.
                conn.shutdown(socket.SHUT_RDWR)
                conn.close()
                continue
            while True:
                data = conn.recv(4096)
                if not data:
                    break
                conn.sendall(data)
            conn.unwrap().close()
        except (ssl.SSLError, OSError) as e:
            print("session failed: %s" % e, file=sys.stderr, flush=True)
            raw.close()


def clients(args):
    """N clients at once: all connect and finish the handshake, then each
    sends a line, last first, and prints the echo it reads back."""
    if args.cafile:
        ctx = ssl.create_default_context(cafile=args.cafile)
    else:
        ctx = ssl.create_default_context()
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
    conns = [ctx.wrap_socket(socket.create_connection(("127.0.0.1",
                                                       args.port), 10),
                             server_hostname="localhost")
             for _ in range(args.n)]
    for i in reversed(range(args.n)):
        msg = b"client %d\n" % i
        conns[i].sendall(msg)
        got = b""
        while len(got) < len(msg):
            got += conns[i].recv(100)
        print(got.decode().strip(), flush=True)
    for c in conns:
        c.unwrap().close()


def raw(args):
    """Plain TCP: send bytes (hex, or nothing for "-"), then with --half
    close at once; otherwise read until the server closes and say so."""
    s = socket.create_connection(("127.0.0.1", args.port), 10)
    if args.hex != "-":
        s.sendall(bytes.fromhex(args.hex))
    if args.half:
        s.close()
        return
    s.settimeout(10)
    try:
        while s.recv(4096):
            pass
    except ConnectionResetError:
        pass    # closed with our bytes unread: the kernel sends RST
    print("closed by the server", flush=True)


def main():
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="mode", required=True)
    s = sub.add_parser("serve")
    s.add_argument("cert")
    s.add_argument("key")
    s.add_argument("--alpn")
    s.add_argument("--truncate", action="store_true")
    c = sub.add_parser("clients")
    c.add_argument("port", type=int)
    c.add_argument("n", type=int)
    c.add_argument("--cafile")
    r = sub.add_parser("raw")
    r.add_argument("port", type=int)
    r.add_argument("hex")
    r.add_argument("--half", action="store_true")
    args = p.parse_args()
    {"serve": serve, "clients": clients, "raw": raw}[args.mode](args)


if __name__ == "__main__":
    main()
