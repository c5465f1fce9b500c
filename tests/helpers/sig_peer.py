#!/usr/bin/env python3
"""Real Python signal peers for tests/sig*.bats.

Each mode prints "listening pid PID" on stderr once its signals are set up,
so tests wait for that line instead of sleeping.

  sig_peer.py handler N SIG...   signal.signal handlers; print "got NAME"
                                 for each delivery; exit after N
  sig_peer.py waitinfo N SIG...  block the signals, take them with
                                 sigwaitinfo; print "got NAME code C pid P"
  sig_peer.py masks              catch SIGUSR1, ignore SIGUSR2, block and
                                 raise SIGRTMIN+2; wait for SIGTERM
  sig_peer.py send PID SIG       os.kill(PID, SIG); print our own pid
"""
import os
import signal
import sys


def sig(name):
    name = name.upper()
    if name.startswith("RTMIN+"):
        return signal.SIGRTMIN + int(name[6:])
    return signal.Signals["SIG" + name if not name.startswith("SIG") else name]


def name_of(num):
    if signal.SIGRTMIN <= num <= signal.SIGRTMAX:
        return f"SIGRTMIN+{num - signal.SIGRTMIN}"
    return signal.Signals(num).name


def ready():
    print(f"listening pid {os.getpid()}", file=sys.stderr, flush=True)


def handler(n, names):
    got = []

    def on_signal(num, frame):
        got.append(num)
        print(f"got {name_of(num)}", flush=True)

    for s in names:
        signal.signal(sig(s), on_signal)
    ready()
    while len(got) < n:
        signal.pause()


def waitinfo(n, names):
    sigs = {sig(s) for s in names}
    signal.pthread_sigmask(signal.SIG_BLOCK, sigs)
    ready()
    for _ in range(n):
        info = signal.sigwaitinfo(sigs)
        print(f"got {name_of(info.si_signo)} code {info.si_code} "
              f"pid {info.si_pid}", flush=True)


def masks():
    signal.signal(signal.SIGUSR1, lambda num, frame: None)
    signal.signal(signal.SIGUSR2, signal.SIG_IGN)
    rt = signal.SIGRTMIN + 2
    signal.pthread_sigmask(signal.SIG_BLOCK, {rt})
    os.kill(os.getpid(), rt)
    ready()
    while True:
        signal.pause()


def main():
    mode, args = sys.argv[1], sys.argv[2:]
    if mode == "handler":
        handler(int(args[0]), args[1:])
    elif mode == "waitinfo":
        waitinfo(int(args[0]), args[1:])
    elif mode == "masks":
        masks()
    elif mode == "send":
        os.kill(int(args[0]), sig(args[1]))
        print(os.getpid(), flush=True)
    else:
        sys.exit(f"sig_peer.py: unknown mode {mode}")


main()
