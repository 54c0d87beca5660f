"""Review aid for translators: every form and every catalog message in English, Dari and Pashto side
by side, in one Markdown file (`make locale-preview` → build/locale-preview.md).

Screens come first: the report summary, the moderation card, the digest, an urgent alert and the
subscription summary as people read them (bot/runtime/i18n_screens.py), so one word per concept can be
checked where the words meet. Then the forms, question by question as a reporter meets them (label,
hint, summary label, choices); then every message of the catalogs, grouped by the module (screen)
that shows it, with its context and plural forms; then samples of numbers and dates. Untranslated
messages are flagged so a reviewer sees the gaps at a glance.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Iterable
from datetime import date, timedelta
from pathlib import Path

from babel.messages.catalog import Catalog, Message
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

from bot.forms.engine import Form, categories
from bot.i18n import DOMAIN, LOCALES_DIR, _, is_rtl, ngettext, use_locale
from bot.localize import format_date, format_iso_date, format_number
from bot.runtime.i18n_screens import SCREENS
from domain import languages

MISSING = "⚠ *untranslated*"
LANGUAGES = languages.CODES
HEADER = "| | " + " | ".join(f"{lang.native_name} (`{lang.code}`)" for lang in languages.REGISTRY) + " |"
RULE = "|---|" + "---|" * len(LANGUAGES)


def _cell(text: str) -> str:
    """A Markdown table cell: pipes escaped, line breaks kept, bidi isolates made visible."""
    text = text.replace("|", "\\|").replace("\n", "<br>")
    return text.replace("\u2068", "⁅").replace("\u2069", "⁆") or " "


def _row(title: str, cells: Iterable[str]) -> str:
    return f"| {title} | " + " | ".join(_cell(c) for c in cells) + " |"


def load_catalog(language: str) -> Catalog:
    with (LOCALES_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.po").open("rb") as handle:
        return read_po(handle, locale=language)


def _translated(message: Message | None, msgid: str, language: str, index: int = 0) -> str:
    """The catalog's text; the msgid where English keeps it; a flag where a translation is missing."""
    if message is None:
        return MISSING
    strings = _strings(message)
    if index < len(strings) and strings[index]:
        return strings[index]
    return msgid if language == languages.SOURCE else MISSING


def _strings(message: Message) -> list[str]:
    string = message.string
    return [string] if isinstance(string, str) else [str(s) for s in string or ()]


def _in_all(msgid: str, catalogs: dict[str, Catalog], context: str | None = None) -> list[str]:
    return [
        _translated(catalogs[language].get(msgid, context=context), msgid, language) for language in LANGUAGES
    ]


def screens_section() -> list[str]:
    lines = ["## Screens", "", "Each screen as the bot renders it; [ ] are buttons.", "", HEADER, RULE]
    for title, screen in SCREENS.items():
        cells = []
        for language in LANGUAGES:
            with use_locale(language):
                cells.append(screen())
        lines.append(_row(f"**{title}**", cells))
    return [*lines, ""]


def message_sources(root: Path = LOCALES_DIR.parent) -> dict[tuple[str | None, str], str]:
    """(context, msgid) → the file that shows it, extracted as `make messages` extracts."""
    with (root / "babel.cfg").open(encoding="utf-8") as handle:
        method_map, options_map = parse_mapping_cfg(handle)  # type: ignore[no-untyped-call]
    found: dict[tuple[str | None, str], str] = {}

    def keep(dirpath: str) -> bool:
        name = Path(dirpath).name
        return not name.startswith((".", "_")) and name not in {"tests", "benchmarks", "build", "var"}

    for filename, _line, message, _comments, context in extract_from_dir(
        root, method_map, options_map, directory_filter=keep
    ):
        msgid = message[0] if isinstance(message, tuple) else message
        if msgid:
            found.setdefault((context, msgid), filename)
    return found


def forms_section(catalogs: dict[str, Catalog]) -> list[str]:
    lines = ["## Report forms", ""]
    for form in categories():
        lines += _form(form, catalogs)
    return lines


def _form(form: Form, catalogs: dict[str, Catalog]) -> list[str]:
    lines = [f"### `{form.code}`", "", HEADER, RULE]
    lines.append(_row("**title**", _in_all(form.title, catalogs)))
    lines.append(_row("description", _in_all(form.description, catalogs)))
    for f in form.fields:
        lines.append(_row(f"**`{f.name}`** ({f.type})", _in_all(f.label, catalogs)))
        if f.hint:
            lines.append(_row("↳ hint", _in_all(f.hint, catalogs)))
        if f.summary_label:
            lines.append(_row("↳ in summaries", _in_all(f.summary_label, catalogs)))
        for choice in f.choices:
            lines.append(_row(f"↳ `{choice.code}`", _in_all(choice.label, catalogs)))
    return [*lines, ""]


def messages_section(catalogs: dict[str, Catalog]) -> list[str]:
    lines = ["## All catalog messages, by the module that shows them", ""]
    sources = message_sources()
    groups: dict[str, list[Message]] = {}
    for message in (m for m in catalogs[languages.SOURCE] if m.id):
        key = (message.context, str(message.id[0] if isinstance(message.id, tuple) else message.id))
        groups.setdefault(sources.get(key, "(elsewhere)"), []).append(message)
    number = 0
    for source in sorted(groups):
        lines += [f"### `{source}`", "", HEADER, RULE]
        for message in groups[source]:
            number += 1
            title = f"{number} ({message.context})" if message.context else str(number)
            if isinstance(message.id, tuple):
                for index, msgid in enumerate(message.id):
                    cells = [
                        _translated(
                            catalogs[language].get(message.id[0], context=message.context),
                            msgid,
                            language,
                            index,
                        )
                        for language in LANGUAGES
                    ]
                    lines.append(_row(f"{title} ({'one' if index == 0 else 'other'})", cells))
            else:
                lines.append(_row(title, _in_all(str(message.id), catalogs, message.context)))
        lines.append("")
    return lines


def samples_section(today: date) -> list[str]:
    lines = ["## Numbers and dates", "", HEADER, RULE]
    samples: dict[str, Callable[[], str]] = {
        "number": lambda: format_number(1234567),
        "decimal": lambda: format_number(2.5),
        "date": lambda: format_date(today),
        "numeric date": lambda: format_iso_date(today),
        "plural (1)": lambda: ngettext("{n} photo", "{n} photos", 1).format(n=format_number(1)),
        "plural (3)": lambda: ngettext("{n} photo", "{n} photos", 3).format(n=format_number(3)),
        "months": lambda: ("، " if is_rtl() else ", ").join(_month_name(month) for month in range(12)),
    }
    for title, sample in samples.items():
        cells = []
        for language in LANGUAGES:
            with use_locale(language):
                cells.append(sample())
        lines.append(_row(title, cells))
    return [*lines, ""]


def _month_name(month: int) -> str:
    """The name format_date gives the month that starts `month` months after Nowruz 1405."""
    return format_date(date(2026, 3, 25) + timedelta(days=30.5 * month)).split()[1]


def _untranslated(catalog: Catalog) -> int:
    return sum(1 for message in catalog if message.id and not all(_strings(message)))


def render(today: date | None = None) -> str:
    catalogs = {language: load_catalog(language) for language in LANGUAGES}
    today = today or date.today()
    missing = sum(_untranslated(catalogs[language]) for language in LANGUAGES if language != languages.SOURCE)
    with use_locale(languages.SOURCE):
        intro = _(
            "Khabar takes incident reports from field teams and shares approved reports with coordinators."
        )
    lines = [
        "# Khabar: translations side by side",
        "",
        intro,
        "",
        f"Catalogs in `locales/`; glossary in `locales/GLOSSARY.md`. Untranslated entries: **{missing}**. "
        "⁅ ⁆ mark left-to-right isolates (FSI … PDI) the bot adds around references and Latin text.",
        "",
        *screens_section(),
        *forms_section(catalogs),
        *messages_section(catalogs),
        *samples_section(today),
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("-o", "--output", type=Path, default=Path("build/locale-preview.md"))
    args = parser.parse_args(argv)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(render(), encoding="utf-8")
    print(f"wrote {args.output}")


if __name__ == "__main__":
    main()
