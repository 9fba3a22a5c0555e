#!/usr/bin/python3
# Runs a command on a fresh pseudo-terminal, as a person at a terminal would,
# following a script of steps given as options (in order):
#   --size RxC     the terminal's size (before the start, or a resize later)
#   --wait TEXT    wait until the output so far contains TEXT
#   --send TEXT    type TEXT (\n, \r, \x04 escapes are understood)
# then reads to the end, prints everything the command wrote to the terminal,
# prints "pty-drive: terminal restored" when the terminal's modes are the
# same as before the start, and exits with the command's exit status.
# usage: pty-drive.py [--timeout S] STEP... -- COMMAND [ARG...]
import fcntl
import os
import select
import struct
import subprocess
import sys
import termios
import time


def set_size(fd, spec):
    rows, cols = (int(x) for x in spec.split("x"))
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))


def main():
    args = sys.argv[1:]
    timeout = 30.0
    steps = []
    while args and args[0] != "--":
        opt = args.pop(0)
        if opt == "--timeout":
            timeout = float(args.pop(0))
        elif opt in ("--size", "--wait", "--send"):
            steps.append((opt, args.pop(0)))
        else:
            sys.exit(f"pty-drive: unknown option {opt}")
    if not args or len(args) < 2:
        sys.exit("pty-drive: no command")
    command = args[1:]

    master, slave = os.openpty()
    # the start size, if given before any other step
    while steps and steps[0][0] == "--size":
        set_size(slave, steps.pop(0)[1])
    before = termios.tcgetattr(slave)

    def as_terminal():
        os.setsid()
        fcntl.ioctl(0, termios.TIOCSCTTY, 0)

    proc = subprocess.Popen(command, stdin=slave, stdout=slave, stderr=slave,
                            preexec_fn=as_terminal, close_fds=True)
    out = b""
    deadline = time.monotonic() + timeout

    def read_some(wait):
        nonlocal out
        r, _, _ = select.select([master], [], [], wait)
        if not r:
            return False
        try:
            data = os.read(master, 4096)
        except OSError:
            return False
        out += data
        return bool(data)

    for opt, val in steps:
        if opt == "--size":
            set_size(slave, val)
        elif opt == "--send":
            os.write(master, val.encode().decode("unicode_escape").encode("latin-1"))
        elif opt == "--wait":
            while val.encode() not in out:
                if time.monotonic() > deadline:
                    sys.stdout.write(out.decode(errors="replace"))
                    proc.kill()
                    sys.exit(f"pty-drive: timed out waiting for {val!r}")
                read_some(0.1)
    # to the end: the command exited and the terminal has nothing more
    while proc.poll() is None or read_some(0):
        if time.monotonic() > deadline:
            sys.stdout.write(out.decode(errors="replace"))
            proc.kill()
            sys.exit("pty-drive: timed out waiting for the command to exit")
        read_some(0.1)
    while read_some(0):
        pass
    after = termios.tcgetattr(slave)
    sys.stdout.write(out.decode(errors="replace"))
    if before == after:
        sys.stdout.write("\npty-drive: terminal restored\n")
    sys.stdout.flush()
    rc = proc.returncode
    sys.exit(rc if rc >= 0 else 128 - rc)


main()
