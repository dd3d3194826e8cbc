#!/usr/bin/env python3
"""Client of the emulated arm64 host's exec server (docs/arm64-host.md).

    exec.py PORT [-i] CMD [ARGS...]

Runs CMD ARGS in the guest (as one /bin/sh -c line, each word quoted),
through the forward from 127.0.0.1:PORT; with -i, this process's stdin is
the command's. Writes the command's stdout and stderr here and exits with
its status; 255 when the guest does not answer as the exec server does.
The protocol is in rootfs/opt/dmvx/libexec/exec1.
"""

import os
import shlex
import socket
import sys
import time

NO_ANSWER = 255


def fail(msg):
    sys.stderr.write("arm64-host exec: %s\n" % msg)
    sys.exit(NO_ANSWER)


def connect(port, deadline):
    """A connection the guest's exec server took: it said hello first.

    qemu takes a connection on the host's side before it knows whether
    anything listens in the guest, and closes it if not: without a hello
    nothing ran, so trying again is safe (while the server restarts)."""
    last = "no try"
    while True:
        try:
            s = socket.create_connection(("127.0.0.1", port), timeout=10)
            f = s.makefile("rb")
            hello = f.readline()
            if hello == b"dmvx-exec 1\n":
                s.settimeout(None)
                return s, f
            last = "the guest said %r" % hello if hello else "the guest closed the connection"
            s.close()
        except OSError as e:
            last = str(e)
        if time.monotonic() > deadline:
            fail("no exec server at 127.0.0.1:%d (%s); is the guest up (scripts/arm64-host status)?" % (port, last))
        time.sleep(0.2)


def frame(f, name):
    line = f.readline()
    parts = line.split()
    if len(parts) != 3 or parts[0] != b"dmvx-exec" or parts[1] != name.encode() or not parts[2].isdigit():
        fail("unexpected answer from the guest: %r" % line)
    return int(parts[2])


def copy(f, n, out):
    while n > 0:
        b = f.read(min(n, 1 << 16))
        if not b:
            fail("the guest closed the connection in the middle of the output")
        out.write(b)
        n -= len(b)
    out.flush()


def main():
    args = sys.argv[1:]
    if not args:
        fail("usage: exec.py PORT [-i] CMD [ARGS...]")
    port = int(args.pop(0))
    stdin = False
    if args and args[0] == "-i":
        stdin = True
        args.pop(0)
    if not args:
        fail("no command")
    cmd = " ".join(shlex.quote(a) for a in args).encode()

    s, f = connect(port, time.monotonic() + 10)
    s.sendall(b"%d\n" % len(cmd) + cmd)
    if stdin:
        while True:
            b = os.read(0, 1 << 16)
            if not b:
                break
            s.sendall(b)
    s.shutdown(socket.SHUT_WR)

    copy(f, frame(f, "stdout"), sys.stdout.buffer)
    copy(f, frame(f, "stderr"), sys.stderr.buffer)
    sys.exit(frame(f, "exit"))


if __name__ == "__main__":
    main()
