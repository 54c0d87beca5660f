"""Babel extractor for form files: labels, hints and choice labels become catalog messages."""

from __future__ import annotations

import tomllib
from collections.abc import Iterator
from typing import IO, Any

_TEXT_KEYS = ("label", "hint", "title", "description", "summary_label")


def _walk(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key in _TEXT_KEYS and isinstance(value, str) and value:
                yield value
            else:
                yield from _walk(value)
    elif isinstance(node, list):
        for item in node:
            yield from _walk(item)


def extract_forms(
    fileobj: IO[bytes], keywords: Any, comment_tags: Any, options: Any
) -> Iterator[tuple[int, str, str, list[str]]]:
    data = tomllib.loads(fileobj.read().decode("utf-8"))
    for text in _walk(data):
        yield 0, "_", text, []
