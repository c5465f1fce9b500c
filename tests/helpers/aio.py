#!/usr/bin/env python3
"""Python asyncio peers for tests/loop.bats.

Servers bind port 0 on loopback and print "listening HOST:PORT" on stderr
once they serve, the ready line start_server waits for.

  aio.py tcp-echo-server           the chapter's asyncio stream echo server:
                                   one read, echo it, close
  aio.py udp-echo-server           asyncio UDP echo (a DatagramProtocol)
  aio.py tcp-clients PORT N MSG    N concurrent clients send MSG, each must
                                   get it back and then see the close;
                                   prints "ok N"
  aio.py udp-client PORT MSG       one datagram, prints the echo
  aio.py echo-load PORT N MSGS     N concurrent clients, MSGS messages each
                                   of varying size, every echo checked,
                                   then a half-close; prints "ok N"
  aio.py half-close PORT SIZE      send SIZE bytes and shut down writing
                                   while reading: all must come back, then
                                   EOF; prints "ok SIZE"
  aio.py reset PORT                send without reading, then reset (RST)
  aio.py slow-reader PORT PID      send without reading; report the CPU
                                   ticks PID used meanwhile: "ok ticks=N"
  aio.py half-close-idle PORT PID  send 4 MiB and shut down writing, read
                                   nothing for a second (CPU ticks of PID
                                   meanwhile), then every byte must come
                                   back before EOF: "ok ticks=N"
  aio.py hold PORT N               open N connections at once and report
                                   how many echoed: "echoed E of N"
  aio.py concurrent PORT N         open N connections at once (the soft fd
                                   limit raised first), and only once all
                                   are open, each sends a line and must get
                                   it back; prints "ok N"
"""
import asyncio
import os
import resource
import socket
import struct
import sys


def ready(sockname):
    print(f"listening {sockname[0]}:{sockname[1]}", file=sys.stderr,
          flush=True)


async def tcp_echo_server():
    async def handle(reader, writer):
        data = await reader.read(100)
        writer.write(data)
        await writer.drain()
        writer.close()

    srv = await asyncio.start_server(handle, "127.0.0.1", 0)
    ready(srv.sockets[0].getsockname())
    async with srv:
        await srv.serve_forever()


class UdpEcho(asyncio.DatagramProtocol):
    def connection_made(self, transport):
        self.transport = transport

    def datagram_received(self, data, addr):
        self.transport.sendto(data, addr)


async def udp_echo_server():
    loop = asyncio.get_running_loop()
    transport, _ = await loop.create_datagram_endpoint(
        UdpEcho, local_addr=("127.0.0.1", 0))
    ready(transport.get_extra_info("sockname"))
    await asyncio.Event().wait()


async def tcp_clients(port, n, msg):
    data = msg.encode()

    async def one():
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(data)
        await writer.drain()
        got = await reader.readexactly(len(data))
        assert got == data, got
        # The server closes after one echo: EOF follows.
        assert await reader.read() == b""
        writer.close()
        await writer.wait_closed()

    await asyncio.wait_for(asyncio.gather(*(one() for _ in range(n))), 15)
    print(f"ok {n}")


class UdpClient(asyncio.DatagramProtocol):
    def __init__(self, msg, done):
        self.msg, self.done = msg, done

    def connection_made(self, transport):
        transport.sendto(self.msg.encode())

    def datagram_received(self, data, addr):
        print(data.decode())
        self.done.set_result(True)


async def udp_client(port, msg):
    loop = asyncio.get_running_loop()
    done = loop.create_future()
    transport, _ = await loop.create_datagram_endpoint(
        lambda: UdpClient(msg, done), remote_addr=("127.0.0.1", port))
    try:
        await asyncio.wait_for(done, 10)
    finally:
        transport.close()


async def check_echo(reader, writer, data):
    writer.write(data)
    await writer.drain()
    got = await reader.readexactly(len(data))
    assert got == data


async def echo_load(port, n, msgs):
    async def one(i):
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        for j in range(msgs):
            size = 1 + (i * 7919 + j * 104729) % 8192
            await check_echo(reader, writer, bytes([65 + j % 26]) * size)
        writer.write_eof()
        assert await reader.read() == b""
        writer.close()
        await writer.wait_closed()

    await asyncio.wait_for(asyncio.gather(*(one(i) for i in range(n))), 30)
    print(f"ok {n}")


async def half_close(port, size):
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    data = os.urandom(size)

    async def send():
        writer.write(data)
        await writer.drain()
        writer.write_eof()

    got, _ = await asyncio.wait_for(asyncio.gather(reader.read(-1), send()),
                                    15)
    assert got == data, (len(got), size)
    writer.close()
    print(f"ok {size}")


def reset(port):
    s = socket.create_connection(("127.0.0.1", port))
    s.sendall(b"x" * 100000)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    s.close()
    print("reset")


def cpu_ticks(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])


async def slow_reader(port, pid):
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    chunk = b"y" * 65536
    sent = 0
    # Write until the pipe is full: server buffer, then both sockets.
    while True:
        writer.write(chunk)
        try:
            await asyncio.wait_for(writer.drain(), 0.5)
        except asyncio.TimeoutError:
            break
        sent += len(chunk)
    before = cpu_ticks(pid)
    await asyncio.sleep(1)
    ticks = cpu_ticks(pid) - before
    writer.transport.abort()
    print(f"ok ticks={ticks}")


async def half_close_idle(port, pid):
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    data = os.urandom(4 * 1024 * 1024)
    writer.write(data)
    writer.write_eof()      # sent once the buffer drains
    before = cpu_ticks(pid)
    await asyncio.sleep(1)  # reading nothing: the echoes back up
    ticks = cpu_ticks(pid) - before
    got = await asyncio.wait_for(reader.read(-1), 15)
    assert got == data, (len(got), len(data))
    writer.close()
    print(f"ok ticks={ticks}")


async def hold(port, n):
    async def one():
        try:
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.write(b"x")
            got = await asyncio.wait_for(reader.read(1), 3)
            return got == b"x", writer
        except (ConnectionError, asyncio.TimeoutError):
            return False, None

    results = await asyncio.gather(*(one() for _ in range(n)))
    print(f"echoed {sum(ok for ok, _ in results)} of {n}")
    for _, w in results:
        if w is not None:
            w.close()


def raise_fd_limit(need):
    """Raise the soft RLIMIT_NOFILE to need, as far as the hard one allows."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != resource.RLIM_INFINITY and soft < need:
        if hard != resource.RLIM_INFINITY and hard < need:
            sys.exit(f"hard fd limit {hard} is below the {need} needed")
        resource.setrlimit(resource.RLIMIT_NOFILE, (need, hard))


async def concurrent(port, n):
    raise_fd_limit(n + 64)
    opened = 0
    all_open = asyncio.Event()

    async def one(i):
        nonlocal opened
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        opened += 1
        if opened == n:
            all_open.set()
        # Nobody sends before all N connections are open at once.
        await all_open.wait()
        data = f"client {i}\n".encode()
        writer.write(data)
        await writer.drain()
        got = await reader.readexactly(len(data))
        assert got == data, got
        writer.close()
        await writer.wait_closed()

    await asyncio.wait_for(asyncio.gather(*(one(i) for i in range(n))), 20)
    print(f"ok {n}")


def main():
    mode, args = sys.argv[1], sys.argv[2:]
    modes = {
        "tcp-echo-server": lambda: tcp_echo_server(),
        "udp-echo-server": lambda: udp_echo_server(),
        "tcp-clients": lambda: tcp_clients(int(args[0]), int(args[1]),
                                           args[2]),
        "udp-client": lambda: udp_client(int(args[0]), args[1]),
        "echo-load": lambda: echo_load(int(args[0]), int(args[1]),
                                       int(args[2])),
        "half-close": lambda: half_close(int(args[0]), int(args[1])),
        "slow-reader": lambda: slow_reader(int(args[0]), int(args[1])),
        "half-close-idle": lambda: half_close_idle(int(args[0]),
                                                   int(args[1])),
        "hold": lambda: hold(int(args[0]), int(args[1])),
        "concurrent": lambda: concurrent(int(args[0]), int(args[1])),
    }
    if mode == "reset":
        reset(int(args[0]))
        return
    try:
        asyncio.run(modes[mode]())
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
