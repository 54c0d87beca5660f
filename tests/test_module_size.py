"""No module over 400 lines in bot/, handlers/ or storage/: a module that long holds more than one
responsibility and should be split by them."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MAX_LINES = 400


def test_no_module_over_400_lines() -> None:
    too_long = {}
    for package in ("bot", "handlers", "storage"):
        for path in (ROOT / package).rglob("*.py"):
            name = path.relative_to(ROOT).as_posix()
            if "/migrations/versions/" in name:
                continue  # generated schema revisions
            lines = len(path.read_text(encoding="utf-8").splitlines())
            if lines > MAX_LINES:
                too_long[name] = lines
    assert not too_long, f"modules over {MAX_LINES} lines: {too_long}"
