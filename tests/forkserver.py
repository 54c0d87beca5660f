"""`khabar` processes forked from a server that has imported the bot once, instead of each a new
interpreter importing it again.

A new `python -m bot.runtime.cli` spends about a second of CPU on imports before it does anything,
and the suite starts some seventy of them (every crash test twice). Each child here is still a
process of its own, with its own environment, working directory, stdout and stderr files, exit code
and signals, and runs the same `bot.runtime.cli.main` from the start; only the imports are done.
What the bot reads from the environment is read at run time (settings), so a module imported
before the child's environment was set reads nothing stale; the per-process pseudonym key drawn at
import is drawn again in each child.
"""

from __future__ import annotations

import atexit
import importlib
import io
import multiprocessing
import os
import subprocess
import sys
import tempfile
from multiprocessing.process import BaseProcess
from pathlib import Path

# Imported by the server before it forks: what `khabar run` and the other commands load.
PRELOAD = [
    "tests.forkserver",
    "bot.runtime.cli",
    "bot.runtime.runner",
    "bot.runtime.sandbox",
    "bot.runtime.send_now",
    "storage.migrate",
]

_context = multiprocessing.get_context("forkserver")
_context.set_forkserver_preload(PRELOAD)


def _stream(fd: int, *, line_buffering: bool, errors: str) -> io.TextIOWrapper:
    return io.TextIOWrapper(
        io.BufferedWriter(io.FileIO(fd, "w", closefd=False)),
        encoding="utf-8",
        errors=errors,
        line_buffering=line_buffering,
    )


def _exit_code(exc: SystemExit) -> int:
    """What the interpreter makes of `sys.exit(value)`."""
    if exc.code is None:
        return 0
    if isinstance(exc.code, int):
        return exc.code
    print(exc.code, file=sys.stderr)
    return 1


def _child(args: list[str], env: dict[str, str], cwd: str, stdout: str, stderr: str) -> None:
    """In the forked process: become `khabar ARGS` as the interpreter would run it, then exit."""
    os.chdir(cwd)
    os.environ.clear()
    os.environ.update(env)
    for fd, path in ((1, stdout), (2, stderr)):
        target = os.open(path, os.O_WRONLY | os.O_APPEND)
        os.dup2(target, fd)
        os.close(target)
    # As a new interpreter sets them up for files: stdout block-buffered, stderr line-buffered.
    sys.stdout = _stream(1, line_buffering=False, errors="strict")
    sys.stderr = _stream(2, line_buffering=True, errors="backslashreplace")
    sys.argv = ["khabar", *args]
    import bot.crashpoint
    import bot.pseudonyms
    from bot.runtime.cli import main

    importlib.reload(bot.pseudonyms)  # a key of its own, as a new interpreter draws
    importlib.reload(bot.crashpoint)  # reads its variable at import: this child's, not the server's

    try:
        code = main(args)
    except SystemExit as exc:
        code = _exit_code(exc)
    except BaseException:
        sys.excepthook(*sys.exc_info())
        code = 1
    atexit._run_exitfuncs()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


class Child:
    """The part of `subprocess.Popen` the tests use, for a forked `khabar`."""

    def __init__(self, process: BaseProcess, args: list[str]) -> None:
        self._process = process
        self.args = args
        assert process.pid is not None
        self.pid: int = process.pid

    @property
    def returncode(self) -> int | None:
        return self._process.exitcode

    def poll(self) -> int | None:
        return self._process.exitcode

    def wait(self, timeout: float | None = None) -> int:
        self._process.join(timeout)
        code = self._process.exitcode
        if code is None:
            raise subprocess.TimeoutExpired(self.args, timeout or 0.0)
        return code

    def kill(self) -> None:
        self._process.kill()


def start(args: list[str], *, env: dict[str, str], cwd: Path, stdout: Path, stderr: Path) -> Child:
    """`khabar ARGS` forked, writing to `stdout` and `stderr` (created or emptied here)."""
    for path in (stdout, stderr):
        path.write_bytes(b"")
    process = _context.Process(
        target=_child, args=(args, env, str(cwd), str(stdout), str(stderr)), daemon=True
    )
    process.start()
    return Child(process, args)


def run(
    args: list[str], *, env: dict[str, str], cwd: Path, timeout: float
) -> subprocess.CompletedProcess[str]:
    """`khabar ARGS` to completion, as `subprocess.run(..., capture_output=True, text=True)`."""
    with tempfile.TemporaryDirectory(prefix="khabar-out-") as folder:
        out, err = Path(folder) / "stdout", Path(folder) / "stderr"
        child = start(args, env=env, cwd=cwd, stdout=out, stderr=err)
        try:
            code = child.wait(timeout)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()
            raise
        return subprocess.CompletedProcess(
            args,
            code,
            out.read_text(encoding="utf-8", errors="replace"),
            err.read_text(encoding="utf-8", errors="replace"),
        )
