"""Slots shared by every process and thread of one host: a semaphore made of locked files.

Gunicorn's sync workers are separate processes that serve one request each, so a
per-process semaphore bounds nothing. Here slot `i` is an exclusive `flock` on file `i`
of a directory: every worker of the host sees the same files, and the kernel releases
the lock of a process that dies, so a crashed worker never keeps a slot.
"""

import fcntl
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

# How often a waiting caller tries the slots again.
POLL_INTERVAL = 0.02


class HostSlots:
    def __init__(self, directory: Path, count: int) -> None:
        self.directory = directory
        self.count = count

    def _try_each(self) -> int | None:
        """An open descriptor holding a free slot, or None when every slot is taken."""
        self.directory.mkdir(parents=True, exist_ok=True)
        for index in range(self.count):
            fd = os.open(self.directory / f"slot-{index}", os.O_RDWR | os.O_CREAT, 0o600)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                os.close(fd)
                continue
            return fd
        return None

    @contextmanager
    def hold(self, *, wait: float) -> Iterator[bool]:
        """Hold a slot while the block runs: True, or False when none was free within `wait`
        seconds (the block then runs without one, and should refuse its work)."""
        deadline = time.monotonic() + wait
        fd = self._try_each()
        while fd is None and time.monotonic() < deadline:
            time.sleep(POLL_INTERVAL)
            fd = self._try_each()
        try:
            yield fd is not None
        finally:
            if fd is not None:
                os.close(fd)  # closing the last descriptor releases the lock
