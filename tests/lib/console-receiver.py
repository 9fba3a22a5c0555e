#!/usr/bin/python3
# The caller's side of an OCI runtime's --console-socket, as a container
# engine (conmon, containerd's shim) plays it: listens on a unix socket,
# starts COMMAND (the runtime's create or run with --console-socket PATH),
# receives the pty master the runtime sends over the socket (SCM_RIGHTS),
# and follows a script of steps given as options (in order):
#   --runtime-exit N  wait until COMMAND has exited, with status N
#   --run CMD         run the shell command CMD (e.g. the runtime's start);
#                     it must succeed; its output is printed
#   --wait TEXT       wait until the terminal's output so far contains TEXT
#   --send TEXT       type TEXT into the master (\r, \n, \x03 escapes)
# then reads the terminal to its end, waits for the container (after a
# --runtime-exit step it is our child: we are a subreaper, so the init of
# a `create` or a detached `exec` is reparented to us when the runtime
# exits; without one the runtime runs in the foreground and exits with the
# container's status), prints
#   console-receiver: terminal NAME     (the name sent with the fd)
#   ... everything the container wrote to the terminal ...
#   console-receiver: container exited N
# and exits with the container's exit status. With --no-terminal, instead
# expects that no terminal arrives (nobody connects, or the connection ends
# without an fd), prints "console-receiver: no terminal" and exits with
# COMMAND's status, failing if the runtime left a process behind. Its own
# failures (a step, a timeout) exit 99.
# usage: console-receiver.py --socket PATH [--timeout S] [--no-terminal]
#        STEP... -- COMMAND [ARG...]
import array
import ctypes
import os
import select
import socket
import subprocess
import sys
import time

PR_SET_CHILD_SUBREAPER = 36


def fail(msg):
    """Exits 99: apart from any status a runtime or container gives."""
    sys.stdout.flush()
    print(f"console-receiver: {msg}", file=sys.stderr)
    sys.exit(99)


class Receiver:
    def __init__(self, path, timeout):
        self.listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.listener.bind(path)
        self.listener.listen(1)
        self.deadline = time.monotonic() + timeout
        self.conn = None
        self.master = None
        self.name = None
        self.out = b""
        self.proc = None
        self.proc_status = None

    def check_deadline(self, what):
        if time.monotonic() > self.deadline:
            sys.stdout.write(self.out.decode(errors="replace"))
            if self.proc and self.proc.poll() is None:
                self.proc.kill()
            fail(f"timed out waiting for {what}")

    def runtime_exited(self):
        if self.proc_status is None and self.proc.poll() is not None:
            self.proc_status = self.proc.returncode
        return self.proc_status is not None

    def accept(self):
        """The connection, or None when COMMAND exited without one."""
        while self.conn is None:
            r, _, _ = select.select([self.listener], [], [], 0.05)
            if r:
                self.conn, _ = self.listener.accept()
                break
            if self.runtime_exited():
                return None
            self.check_deadline("the runtime to connect")
        return self.conn

    def receive(self):
        """Returns True once the master is here, False if none came."""
        if self.master is not None:
            return True
        if self.accept() is None:
            return False
        fds = array.array("i")
        data, anc, _, _ = self.conn.recvmsg(4096, socket.CMSG_SPACE(4 * fds.itemsize))
        for level, kind, payload in anc:
            if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
                fds.frombytes(payload[: len(payload) - len(payload) % fds.itemsize])
        if len(fds) == 0:
            return False
        if len(fds) != 1:
            fail(f"{len(fds)} fds in the message, expected 1")
        self.master = fds[0]
        self.name = data.rstrip(b"\0").decode(errors="replace")
        return True

    def need_master(self):
        if not self.receive():
            fail(f"no terminal arrived (runtime status {self.proc_status})")

    def read_some(self, wait):
        r, _, _ = select.select([self.master], [], [], wait)
        if not r:
            return True
        try:
            data = os.read(self.master, 4096)
        except OSError:  # EIO: nobody holds the terminal side any more
            return False
        self.out += data
        return bool(data)

    def wait_runtime(self, expected):
        while not self.runtime_exited():
            self.check_deadline("the runtime to exit")
            if self.master is not None:
                self.read_some(0.05)
            else:
                time.sleep(0.05)
        if self.proc_status != expected:
            fail(f"runtime exited {self.proc_status}, expected {expected}")


def main():
    args = sys.argv[1:]
    path = None
    timeout = 60.0
    no_terminal = False
    steps = []
    while args and args[0] != "--":
        opt = args.pop(0)
        if opt == "--socket":
            path = args.pop(0)
        elif opt == "--timeout":
            timeout = float(args.pop(0))
        elif opt == "--no-terminal":
            no_terminal = True
        elif opt in ("--runtime-exit", "--run", "--wait", "--send"):
            steps.append((opt, args.pop(0)))
        else:
            fail(f"unknown option {opt}")
    if not path or len(args) < 2:
        fail("usage: console-receiver.py --socket PATH [STEP...] -- COMMAND [ARG...]")

    if ctypes.CDLL(None, use_errno=True).prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0:
        fail("cannot become a child subreaper")
    rc = Receiver(path, timeout)
    rc.proc = subprocess.Popen(args[1:])

    if no_terminal:
        for opt, val in steps:
            if opt != "--runtime-exit":
                fail(f"{opt} with --no-terminal")
            rc.wait_runtime(int(val))
        while not rc.runtime_exited():
            rc.check_deadline("the runtime to exit")
            time.sleep(0.05)
        if rc.receive():
            fail(f"a terminal arrived: {rc.name}")
        print("console-receiver: no terminal")
        # whatever the runtime started and did not reap is ours now
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            pid = None
        if pid is not None:
            fail("the runtime left a process behind")
        sys.exit(rc.proc_status)

    for opt, val in steps:
        if opt == "--runtime-exit":
            rc.need_master()
            rc.wait_runtime(int(val))
        elif opt == "--run":
            res = subprocess.run(["/bin/sh", "-c", val], stdout=subprocess.PIPE,
                                 stderr=subprocess.STDOUT)
            sys.stdout.write(res.stdout.decode(errors="replace"))
            if res.returncode != 0:
                fail(f"'{val}' exited {res.returncode}")
        elif opt == "--send":
            rc.need_master()
            os.write(rc.master, val.encode().decode("unicode_escape").encode("latin-1"))
        elif opt == "--wait":
            rc.need_master()
            while val.encode() not in rc.out:
                rc.check_deadline(repr(val))
                if not rc.read_some(0.1):
                    sys.stdout.write(rc.out.decode(errors="replace"))
                    fail(f"terminal hung up before {val!r}")
    rc.need_master()
    # to the end of the terminal, then the container's exit
    while rc.read_some(0.1):
        rc.check_deadline("the terminal to hang up")
    if not any(opt == "--runtime-exit" for opt, _ in steps):
        # in the foreground (`run`, `exec`) the runtime reaps the container
        # and exits with its status, maybe already before the hang-up
        rc.wait_runtime(rc.proc.wait())
        status = rc.proc_status
    else:
        while True:
            rc.check_deadline("the container to exit")
            try:
                pid, st = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                fail("the container is not our child")
            if pid:
                status = os.waitstatus_to_exitcode(st)
                status = status if status >= 0 else 128 - status
                break
            time.sleep(0.05)
    print(f"console-receiver: terminal {rc.name}")
    sys.stdout.write(rc.out.decode(errors="replace"))
    print(f"\nconsole-receiver: container exited {status}")
    sys.stdout.flush()
    sys.exit(status)


main()
