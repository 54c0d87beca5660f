"""The dependency locks: `requirements.lock` (running the bot) and `requirements-dev.lock` (tests, lint).

Both are compiled from pyproject.toml with uv (exact versions, hashes for every file) and include the
build requirements, so the project itself installs with `--no-build-isolation` and nothing is
resolved on a fresh machine that was not tested here.

    python scripts/lock.py          # refresh both locks, keeping today's pins where the ranges allow
    python scripts/lock.py --check  # fail when pyproject.toml and the locks disagree (make lint)

The check needs no network: every requirement of pyproject.toml (dependencies, the dev extra for the
dev lock, the build requirements for both) must be pinned in the lock at a version its range admits.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import tempfile
import tomllib
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).resolve().parent.parent
PYTHON_VERSION = "3.11"
LOCKS = {"requirements.lock": (), "requirements-dev.lock": ("dev",)}
_PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)(?:\[[^\]]*\])?==([^\s;\\]+)", re.MULTILINE)


def _project() -> dict[str, object]:
    with (ROOT / "pyproject.toml").open("rb") as handle:
        return tomllib.load(handle)


def requirements(extras: tuple[str, ...]) -> list[Requirement]:
    """What a lock with these extras must satisfy."""
    project = _project()
    meta = project["project"]
    assert isinstance(meta, dict)
    lines = list(meta["dependencies"])
    for extra in extras:
        lines += meta["optional-dependencies"][extra]
    build = project["build-system"]
    assert isinstance(build, dict)
    lines += build["requires"]
    return [Requirement(line) for line in lines]


def pins(lock: Path) -> dict[str, Version]:
    return {canonicalize_name(name): Version(version) for name, version in _PIN.findall(lock.read_text())}


def problems(lock_name: str, extras: tuple[str, ...]) -> list[str]:
    lock = ROOT / lock_name
    if not lock.exists():
        return [f"{lock_name} is missing: run `make lock`"]
    pinned = pins(lock)
    found = []
    for requirement in requirements(extras):
        if requirement.marker is not None and not requirement.marker.evaluate():
            continue
        version = pinned.get(canonicalize_name(requirement.name))
        if version is None:
            found.append(f"{lock_name}: {requirement.name} is in pyproject.toml but not locked")
        elif not requirement.specifier.contains(version, prereleases=True):
            found.append(f"{lock_name}: {requirement.name}=={version} is outside {requirement}")
    return found


def compile_locks(upgrade: bool) -> None:
    build = _project()["build-system"]
    assert isinstance(build, dict)
    with tempfile.NamedTemporaryFile("w", suffix=".in", prefix="build-requires-") as build_in:
        build_in.write("\n".join(build["requires"]) + "\n")
        build_in.flush()
        for lock_name, extras in LOCKS.items():
            command = [
                sys.executable, "-m", "uv", "pip", "compile", "pyproject.toml", build_in.name,
                "--universal", "--python-version", PYTHON_VERSION, "--generate-hashes",
                "--no-annotate", "--quiet", "--custom-compile-command", "make lock", "-o", lock_name,
            ]  # fmt: skip
            command += [f"--extra={extra}" for extra in extras]
            if upgrade:
                command.append("--upgrade")
            subprocess.run(command, cwd=ROOT, check=True)


def diff(freeze: Path) -> int:
    locked = pins(ROOT / "requirements-dev.lock")
    changed = 0
    for name, version in sorted(pins(freeze).items()):
        if name in locked and version > locked[name]:
            print(f"{name}: {locked[name]} -> {version}")
            changed += 1
    print(f"{changed} of {len(locked)} locked packages have a newer allowed version")
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--check", action="store_true", help="compare the locks with pyproject.toml")
    parser.add_argument("--upgrade", action="store_true", help="take the newest versions the ranges allow")
    parser.add_argument(
        "--diff", metavar="FREEZE", help="list where a `pip freeze` file differs from the lock"
    )
    args = parser.parse_args()
    if args.diff:
        return diff(Path(args.diff))
    if not args.check:
        compile_locks(args.upgrade)
    found = [line for name, extras in LOCKS.items() for line in problems(name, extras)]
    for line in found:
        print(line, file=sys.stderr)
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
