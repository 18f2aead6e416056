#!/usr/bin/python3
"""Drive a command on a pseudo-terminal the way a person at a terminal would.

    pty-drive.py ROWSxCOLS STEP... -- COMMAND [ARG...]

Steps, in order:
    send:TEXT       type TEXT (\\n, \\r, \\x03 ... escapes understood)
    expect:REGEX    wait (10 s at most) until the output so far matches REGEX
    retry:REGEX     as expect, but types the last send's TEXT again every
                    0.5 s until REGEX matches: for a change that takes effect
                    asynchronously (a resize reaches the inner terminal after
                    the supervisor has seen its SIGWINCH), without betting on
                    a fixed pause
    resize:RxC      resize the terminal (the kernel sends SIGWINCH to the
                    terminal's foreground process group, as a terminal
                    emulator's resize does)
    sleep:SECONDS
At the end waits (20 s at most) for COMMAND to exit and prints
"EXIT=<status>" (128+N for a signal). Exit status 0, or 1 with the reason
and the output so far on stderr when an expectation is not met.
"""
import codecs
import fcntl
import os
import pty
import re
import select
import signal
import struct
import sys
import termios
import time


def set_size(fd, rows, cols):
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))


def main():
    args = sys.argv[1:]
    size, args = args[0], args[1:]
    sep = args.index("--")
    steps, cmd = args[:sep], args[sep + 1:]
    rows, cols = (int(x) for x in size.split("x"))
    pid, fd = pty.fork()
    if pid == 0:
        os.execvp(cmd[0], cmd)
    set_size(fd, rows, cols)
    out = b""
    seen = 0  # where the next expect starts looking

    def pump(timeout):
        nonlocal out
        r, _, _ = select.select([fd], [], [], timeout)
        if not r:
            return True
        try:
            data = os.read(fd, 65536)
        except OSError:
            return False
        if not data:
            return False
        out += data
        return True

    def fail(why):
        sys.stderr.write(f"pty-drive: {why}\n--- output so far ---\n{out.decode(errors='replace')}\n")
        os.kill(pid, signal.SIGKILL)
        sys.exit(1)

    last_sent = b""
    for step in steps:
        kind, _, val = step.partition(":")
        if kind == "send":
            last_sent = codecs.decode(val, "unicode_escape").encode()
            os.write(fd, last_sent)
        elif kind in ("expect", "retry"):
            # in the output after the previous match: a second prompt is
            # not the first one again
            rx = re.compile(val.encode())
            deadline = time.monotonic() + 10
            resend = time.monotonic() + 0.5
            m = rx.search(out, seen)
            while not m:
                if time.monotonic() > deadline or not pump(0.1):
                    m = rx.search(out, seen)
                    if not m:
                        fail(f"timed out waiting for {val!r}")
                    break
                m = rx.search(out, seen)
                if not m and kind == "retry" and time.monotonic() > resend:
                    os.write(fd, last_sent)
                    resend = time.monotonic() + 0.5
            seen = m.end()
        elif kind == "resize":
            r, c = (int(x) for x in val.split("x"))
            set_size(fd, r, c)
        elif kind == "sleep":
            end = time.monotonic() + float(val)
            while time.monotonic() < end and pump(0.05):
                pass
        else:
            fail(f"unknown step {step!r}")
    deadline = time.monotonic() + 20
    while True:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            break
        if time.monotonic() > deadline:
            fail("the command did not exit")
        pump(0.05)
    while pump(0.05):
        pass
    sys.stdout.write(out.decode(errors="replace"))
    code = os.WEXITSTATUS(status) if os.WIFEXITED(status) else 128 + os.WTERMSIG(status)
    print(f"\nEXIT={code}")


if __name__ == "__main__":
    main()
