#!/usr/bin/python3
"""Runs a command in a pseudo-terminal, as an operator at a terminal would, and answers its confirmation.

    answer-prompt.py ANSWER TIMEOUT_S COMMAND [ARGS...]

pwsh on a terminal asks for the cursor position (ESC[6n) and waits for the reply, so each query gets one
(ESC[1;1R), exactly once: extra replies would be read as typed text. When the output shows a confirmation
prompt ('(default is "Y"):'), ANSWER and Enter are typed once. Prints everything the command wrote (escape
sequences removed) and exits with its exit code; 124 after TIMEOUT_S seconds.
"""
import os
import pty
import re
import select
import signal
import sys
import time


def main():
    answer, timeout_s, cmd = sys.argv[1], float(sys.argv[2]), sys.argv[3:]
    pid, fd = pty.fork()
    if pid == 0:
        os.execvp(cmd[0], cmd)
    out = b""
    answered = False
    deadline = time.monotonic() + timeout_s
    status = None
    while time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], 0.2)
        if ready:
            try:
                chunk = os.read(fd, 65536)
            except OSError:
                chunk = b""
            if not chunk:
                break
            for _ in range(chunk.count(b"\x1b[6n")):
                os.write(fd, b"\x1b[1;1R")
            out += chunk
            if not answered and b"(default is" in out:
                time.sleep(0.3)
                os.write(fd, answer.encode() + b"\r")
                answered = True
        done, wait_status = os.waitpid(pid, os.WNOHANG)
        if done:
            status = wait_status
            while select.select([fd], [], [], 0.1)[0]:   # what it wrote just before exiting
                try:
                    chunk = os.read(fd, 65536)
                except OSError:
                    break
                if not chunk:
                    break
                out += chunk
            break
    else:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        sys.stdout.write(re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", out.decode("utf-8", "replace")))
        sys.exit(124)
    if status is None:
        _, status = os.waitpid(pid, 0)
    sys.stdout.write(re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", out.decode("utf-8", "replace")))
    sys.exit(os.waitstatus_to_exitcode(status))


if __name__ == "__main__":
    main()
