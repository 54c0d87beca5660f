"""One running instance per SQLite file: an exclusive lock on a file next to the database.

SQLite has no way for two processes to share the jobs, the send budget or a chat's order, so a
second `khabar run` on the same file is refused at start. The lock is the operating system's
(flock): it goes away with the process, however it ends, so a crash never leaves a stale lock.
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path

from storage.db import sqlite_file


class AlreadyRunning(Exception):
    """Another process holds the database's instance lock; the message is one line."""


class InstanceLock:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._fd: int | None = None

    @classmethod
    def for_url(cls, url: str) -> InstanceLock | None:
        """The lock for a SQLite file database; None for PostgreSQL and in-memory SQLite."""
        file = sqlite_file(url)
        if file is None:
            return None
        return cls(Path(file).resolve().with_name(Path(file).name + ".lock"))

    def acquire(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise AlreadyRunning(
                f"another khabar instance is running on {self.path.with_suffix('')} "
                "(SQLite serves one instance; use PostgreSQL for replicas)"
            ) from None
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        self._fd = fd

    def release(self) -> None:
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None
