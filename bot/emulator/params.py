"""Reading a Bot API request's parameters, and the checks Telegram makes on text and keyboards."""

from __future__ import annotations

import html
import json
import re
from html.parser import HTMLParser
from typing import Any

from aiohttp import BodyPartReader, web

from bot.emulator.state import ApiError

_HTML_TAGS = {
    "b",
    "strong",
    "i",
    "em",
    "u",
    "ins",
    "s",
    "strike",
    "del",
    "a",
    "code",
    "pre",
    "tg-spoiler",
    "span",
    "blockquote",
    "tg-emoji",
}


class Params:
    """Bot API parameters from a JSON body, a form or a multipart upload, coerced like the API does."""

    def __init__(
        self, data: dict[str, Any], files: dict[str, bytes], file_names: dict[str, str] | None = None
    ) -> None:
        self.data = data
        self.files = files
        self.file_names = file_names or {}  # multipart field -> the uploaded file's name

    def raw(self, name: str) -> Any:
        return self.data.get(name)

    def text(self, name: str, required: bool = False) -> str | None:
        value = self.data.get(name)
        if value is None:
            if required:
                raise ApiError(400, f'Bad Request: parameter "{name}" is required')
            return None
        return str(value)

    def int(self, name: str, required: bool = False) -> int | None:
        value = self.data.get(name)
        if value is None or value == "":
            if required:
                raise ApiError(400, f'Bad Request: parameter "{name}" is required')
            return None
        try:
            return int(value)
        except (TypeError, ValueError):
            raise ApiError(400, f"Bad Request: invalid {name} specified") from None

    def json(self, name: str) -> Any:
        value = self.data.get(name)
        if isinstance(value, str):
            try:
                return json.loads(value)
            except ValueError:
                raise ApiError(400, f"Bad Request: can't parse {name} JSON object") from None
        return value

    def bool(self, name: str) -> bool:
        value = self.data.get(name)
        return value in (True, "true", "True", "1", 1)


class _EntityChecker(HTMLParser):
    """Rejects what Telegram's HTML parse mode rejects: unknown or unbalanced tags."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.error: str | None = None
        self.length = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in _HTML_TAGS and not self.error:
            self.error = f'Unsupported start tag "{tag}"'
        self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if (not self.stack or self.stack[-1] != tag) and not self.error:
            self.error = f'Unexpected end tag "{tag}"'
        elif self.stack:
            self.stack.pop()

    def handle_data(self, data: str) -> None:
        self.length += len(data)


def visible_text(text: str, parse_mode: str | None) -> str:
    """The text as the user will see it (entities parsed); raises as Telegram does on bad markup."""
    if not parse_mode:
        return text
    if parse_mode.upper() != "HTML":
        return text
    for i, ch in enumerate(text):
        if ch == "<" and not (text[i + 1 : i + 2].isalpha() or text[i + 1 : i + 2] == "/"):
            raise ApiError(400, f"Bad Request: can't parse entities: unexpected '<' at byte offset {i}")
    checker = _EntityChecker()
    checker.feed(text)
    checker.close()
    if checker.error or checker.stack:
        detail = checker.error or f'Can\'t find end tag corresponding to start tag "{checker.stack[-1]}"'
        raise ApiError(400, f"Bad Request: can't parse entities: {detail}")
    return html.unescape(re.sub(r"<[^>]+>", "", text))


def check_markup(markup: Any) -> dict[str, Any] | None:
    if markup is None:
        return None
    if not isinstance(markup, dict):
        raise ApiError(400, "Bad Request: can't parse reply keyboard markup JSON object")
    for row in markup.get("inline_keyboard", []):
        for button in row:
            data = button.get("callback_data")
            if data is not None and not 1 <= len(data.encode()) <= 64:
                raise ApiError(400, "Bad Request: BUTTON_DATA_INVALID")
            if not button.get("text"):
                raise ApiError(400, "Bad Request: text buttons are unallowed in the inline keyboard")
    return markup


async def read_params(request: web.Request) -> Params:
    files: dict[str, bytes] = {}
    file_names: dict[str, str] = {}
    data: dict[str, Any] = dict(request.query)
    if request.content_type == "application/json":
        body = await request.json()
        if isinstance(body, dict):
            data.update(body)
    elif request.content_type == "multipart/form-data":
        reader = await request.multipart()
        while (part := await reader.next()) is not None:
            if not isinstance(part, BodyPartReader) or part.name is None:
                continue
            if part.filename:
                files[part.name] = bytes(await part.read())
                file_names[part.name] = part.filename
            else:
                data[part.name] = await part.text()
    elif request.can_read_body:
        form = await request.post()
        data.update({k: v for k, v in form.items() if isinstance(v, str)})
    return Params(data, files, file_names)
