"""The documentation a newcomer reads links only to files inside the repository."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
_LINK = re.compile(r"\]\(([^)#\s]+)(?:#[^)]*)?\)")
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: p.name)
def test_links_resolve_inside_the_repository(doc: Path) -> None:
    targets = [t for t in _LINK.findall(doc.read_text(encoding="utf-8")) if "://" not in t]
    for target in targets:
        path = (doc.parent / target).resolve()
        assert path.is_relative_to(ROOT), f"{doc.name} links outside the repository: {target}"
        assert path.exists(), f"{doc.name} links to a missing file: {target}"


def test_readme_links_the_architecture_and_data_pages() -> None:
    links = _LINK.findall((ROOT / "README.md").read_text(encoding="utf-8"))
    assert "docs/architecture.md" in links and "docs/data.md" in links


_CODE_PATH = re.compile(r"`((?:bot|handlers|storage|domain|tests|benchmarks|scripts|docs|locales)/[\w./-]+)`")


# data.md quotes the files of the data's source repositories, not of this one.
@pytest.mark.parametrize("doc", [d for d in DOCS if d.name != "data.md"], ids=lambda p: p.name)
def test_named_source_files_exist(doc: Path) -> None:
    """A file the docs name in `code` is where they say: docs move with the code."""
    missing = [p for p in _CODE_PATH.findall(doc.read_text(encoding="utf-8")) if not (ROOT / p).exists()]
    assert not missing, f"{doc.name} names files that do not exist: {missing}"
