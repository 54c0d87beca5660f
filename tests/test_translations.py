"""Translation checks: catalogs complete and well-formed, and the bot really speaks Dari and Pashto.

Static checks read the code and form files the way `make messages` does (Babel, babel.cfg) and compare
with each committed .po; flow checks drive the bot through the emulator and look at what users see.
"""

from __future__ import annotations

import gettext
import io
import re
from datetime import UTC, date, datetime, timedelta
from functools import cache
from pathlib import Path
from zoneinfo import ZoneInfo

import jdatetime
import pytest
from babel import Locale
from babel.messages.catalog import Catalog, Message
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from bot.commands import BY_NAME, commands_for
from bot.forms.actions import ReportAction
from bot.i18n import _, use_locale
from bot.localize import format_date, isolate, local_digits, looks_rtl, rtl_safe
from bot.roles import Role
from bot.runtime.sender import Sender
from bot.scheduler import due_digests
from domain import languages
from domain.vocabulary import OutboxKind
from storage.db import Database
from storage.outbox import enqueue
from storage.users import UserRepository
from tests.delivery_support import add_report, add_subscribers, make_bot, utc
from tests.harness import BotHarness
from tests.i18n_check import assert_localized, assert_replies_localized, checked, problems
from tests.moderation_support import load_report, make_report, notices, reply
from tests.report_helpers import (
    action_prefix,
    choose,
    detail,
    draft_of,
    human_pace,
    pick,
    place,
    press,
    reporter,
    reports_of,
    start_report,
    toggle,
)

ROOT = Path(__file__).resolve().parents[1]
LOCALES = ROOT / "locales"
# Every language of the registry, and those whose catalogs need translations (all but English).
LANGUAGES = languages.CODES
TRANSLATED = tuple(code for code in LANGUAGES if code != languages.SOURCE)
MONTHS_PRS = languages.language("fa_AF").months
MONTHS_PS = languages.language("ps").months

_PLACEHOLDER = re.compile(r"\{[A-Za-z_][A-Za-z0-9_]*\}")
# The HTML that Telegram accepts; other <…> text (`<telegram id>` in a usage line) is translatable.
_TAG = re.compile(r"</?(?:b|strong|i|em|u|ins|s|strike|del|a|code|pre|tg-spoiler|span|blockquote)\b[^>]*>")
# Iranian month names that jdatetime (and Iranian Persian) use; Afghanistan uses حمل … حوت.
IRANIAN_MONTHS = (
    *("فروردین", "اردیبهشت", "خرداد", "تیر ", "مرداد", "شهریور"),
    *("مهر ", "آبان", "آذر", "بهمن", "اسفند"),
)
# Iranian words an Afghan reader notices (مرز, جاده) and Iranian-flavoured ones with a clear Afghan
# form (تکمه, گدام, تعمیر, آی‌دی, اصلاح, …), from the language review of 2026-11-29.
IRANIAN_WORDS = ("مرز", "جاده", "دکمه", "انبار", "ساختمان", "شناسه", "ویرایش", "امتحان کنید", "چه ساعتی")
# ې not ی in چاودېدونکي; ولسوالۍ not ولسوالي; ستاسو, not the rarer ستاسې.
PASHTO_MISSPELLINGS = r"چاودید|ولسوالي\b|ستاسې"
_REFUSAL = (
    "This bot is for registered humanitarian field teams. To get access, ask your "
    "coordinator for an invite link, then open it or send /start with the invite code."
)


@cache
def source_messages() -> dict[str, str]:
    """msgid → where it was found, extracted in-process exactly as `make messages` extracts."""
    with (ROOT / "babel.cfg").open(encoding="utf-8") as handle:
        method_map, options_map = parse_mapping_cfg(handle)  # type: ignore[no-untyped-call]
    found: dict[str, str] = {}

    def keep(dirpath: str) -> bool:
        name = Path(dirpath).name
        return not name.startswith((".", "_")) and name not in {"tests", "benchmarks", "build", "var"}

    for filename, _lineno, message, _comments, _context in extract_from_dir(
        ROOT, method_map, options_map, directory_filter=keep
    ):
        msgid = message[0] if isinstance(message, tuple) else message
        if msgid:
            found.setdefault(msgid, filename)
    return found


@cache
def catalog(language: str) -> Catalog:
    path = LOCALES / language / "LC_MESSAGES" / "khabar.po"
    with path.open("rb") as handle:
        return read_po(handle, locale=language)


def messages(language: str) -> list[Message]:
    return [m for m in catalog(language) if m.id]


def msgid_of(message: Message) -> str:
    return message.id if isinstance(message.id, str) else message.id[0]


def strings_of(message: Message) -> list[str]:
    return [message.string] if isinstance(message.string, str) else list(message.string)  # type: ignore[arg-type]


def test_extraction_finds_code_and_form_messages() -> None:
    found = source_messages()
    assert "Choose your language:" in found  # Python
    assert "Which border crossing?" in found  # a form file, through the khabar_forms extractor
    assert any(name.endswith(".toml") for name in found.values())


@pytest.mark.parametrize("language", LANGUAGES)
def test_catalog_has_every_message(language: str) -> None:
    ids = {msgid_of(m) for m in messages(language)}
    missing = sorted(f"{msgid!r} ({where})" for msgid, where in source_messages().items() if msgid not in ids)
    assert not missing, (
        f"{len(missing)} messages missing from {language}; run `make messages`:\n" + "\n".join(missing)
    )


@pytest.mark.parametrize("language", LANGUAGES)
def test_no_obsolete_entries(language: str) -> None:
    text = (LOCALES / language / "LC_MESSAGES" / "khabar.po").read_text(encoding="utf-8")
    assert not catalog(language).obsolete and "\n#~" not in text


@pytest.mark.parametrize("language", TRANSLATED)
def test_every_message_translated_and_not_fuzzy(language: str) -> None:
    untranslated = [msgid_of(m) for m in messages(language) if not all(s.strip() for s in strings_of(m))]
    fuzzy = [msgid_of(m) for m in messages(language) if m.fuzzy]
    assert not untranslated, f"{len(untranslated)} untranslated in {language}: {untranslated}"
    assert not fuzzy, f"fuzzy in {language}: {fuzzy}"
    assert not catalog(language).fuzzy, f"the {language} catalog header is marked fuzzy"


@pytest.mark.parametrize("language", LANGUAGES)
def test_placeholders_and_tags_match(language: str) -> None:
    wrong = []
    for message in messages(language):
        ids = [message.id] if isinstance(message.id, str) else list(message.id)
        want_placeholders = sorted(set().union(*(_PLACEHOLDER.findall(i) for i in ids)))
        want_tags = sorted(_TAG.findall(ids[0]))
        for string in strings_of(message):
            if not string:
                continue  # English falls back to the msgid
            if sorted(set(_PLACEHOLDER.findall(string))) != want_placeholders:
                wrong.append(f"placeholders differ: {ids[0]!r} → {string!r}")
            if sorted(_TAG.findall(string)) != want_tags:
                wrong.append(f"HTML tags differ: {ids[0]!r} → {string!r}")
            if string.count("{") != string.count("}"):
                wrong.append(f"unbalanced braces: {string!r}")
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize("language", LANGUAGES)
def test_catalog_compiles(language: str) -> None:
    cat = catalog(language)
    errors = [(msgid_of(m), e) for m, e_list in cat.check() for e in e_list for m in [m]]
    assert not errors, errors
    buffer = io.BytesIO()
    write_mo(buffer, cat)
    buffer.seek(0)
    compiled = gettext.GNUTranslations(buffer)
    for message in messages(language):
        if isinstance(message.id, str) and message.string:
            got = (
                compiled.pgettext(message.context, message.id)
                if message.context
                else compiled.gettext(message.id)
            )
            assert got == message.string


@pytest.mark.parametrize("language", LANGUAGES)
def test_plural_forms_follow_cldr(language: str) -> None:
    """The Plural-Forms header is set by hand (Babel's own table says nplurals=1 for Dari, which
    CLDR does not): it must pick the CLDR category for every count a message can show."""
    cat = catalog(language)
    rule = Locale.parse(languages.language(language).cldr).plural_form
    categories = sorted(rule.tags | {"other"}, key=["zero", "one", "two", "few", "many", "other"].index)
    assert cat.num_plurals == len(categories), (cat.plural_forms, categories)
    chooser = gettext.c2py(cat.plural_expr)
    for n in range(0, 1001):
        assert categories[chooser(n)] == rule(n), f"{language}: n={n} → form {chooser(n)}, CLDR {rule(n)}"
    for message in messages(language):
        if isinstance(message.id, tuple) and any(strings_of(message)):
            assert len(strings_of(message)) == cat.num_plurals, msgid_of(message)


def test_dari_is_afghan_dari() -> None:
    """Persian letter forms, no Iranian month names, and the Afghan administrative words."""
    iranian_words = ("استان", "شهرستان", "بیمارستان", "اطلاعات", *IRANIAN_WORDS)
    for message in messages("fa_AF"):
        for string in strings_of(message):
            assert not re.search("[\u064a\u0643]", string), f"Arabic ي/ك in Dari: {string!r}"
            assert not any(m in string for m in IRANIAN_MONTHS), string
            assert not any(w in string for w in iranian_words), f"Iranian usage in Dari: {string!r}"


def test_pashto_orthography() -> None:
    for message in messages("ps"):
        for string in strings_of(message):
            assert "گ" not in string and "ك" not in string, f"use ګ and ک in Pashto: {string!r}"
            assert not re.search(PASHTO_MISSPELLINGS, string), f"Pashto spelling: {string!r}"
            assert not any(m in string for m in IRANIAN_MONTHS), string


# English pattern → (Dari, Pashto) patterns from locales/GLOSSARY.md (stems, to allow inflection).
GLOSSARY_LANGUAGES = ("fa_AF", "ps")
GLOSSARY = {
    r"\bprovinces?\b": ("ولایت|ولایات", "ولایت"),
    r"\bdistrict\b(?! centre)": ("ولسوالی", "ولسوالۍ|ولسوالیو"),
    r"\bvaccines?\b": ("واکسین", "واکسین"),
    r"\bcold.chain\b": ("زنجیرهٔ سرد", "سړې زنځیرې|سړه زنځیره"),
    r"\bborder crossing\b": ("گذرگاه سرحدی|بندر", "سرحدي بندر|بندر"),
    r"\bhealth facility\b": ("مرکز صحی", "روغتیايي مرکز"),
    r"\breports?\b": ("گزارش", "راپور"),
    r"\bdigests?\b": ("خلاصهٔ گزارش", "لنډیز"),
    r"\bcoordinators?\b": ("هماهنگ‌کننده", "همغږي"),
    r"\binvites?\b": ("دعوت", "بلن|بلئ"),
}


_NOT_WORDS = re.compile(r"\{\w+\}|/\w+(?: \w+(?:\|\w+)+| (?:reporter|coordinator)\b)?|\w+(?:\|\w+)+")


@pytest.mark.parametrize("language", GLOSSARY_LANGUAGES)
def test_glossary_terms_are_used(language: str) -> None:
    index = GLOSSARY_LANGUAGES.index(language)
    wrong = []
    for message in messages(language):
        # Commands and their arguments (/invite reporter, a|b|c) are typed in English and stay so;
        # placeholders are names, not words.
        english = _NOT_WORDS.sub("", msgid_of(message))
        for pattern, terms in GLOSSARY.items():
            if re.search(pattern, english, re.IGNORECASE) and not any(
                re.search(terms[index], s) for s in strings_of(message)
            ):
                wrong.append(f"{english!r}: expected {terms[index]!r} in {strings_of(message)}")
    assert not wrong, "\n".join(wrong)


def test_month_names_are_afghan() -> None:
    assert MONTHS_PRS[0] == "حمل" and MONTHS_PRS[8] == "قوس" and MONTHS_PRS[11] == "حوت"
    assert MONTHS_PS[0] == "وری" and MONTHS_PS[11] == "کب"
    assert not set(MONTHS_PRS) & {m.strip() for m in IRANIAN_MONTHS}


def test_checker_catches_untranslated_fallbacks() -> None:
    """The flow checker itself: what it must flag and what it must let through."""
    assert problems("Choose your language:", "fa_AF")
    assert problems("تاریخ: ۳ آذر ۱۴۰۵", "fa_AF")  # Iranian month name
    assert problems("گزارش شما 12 مورد دارد.", "fa_AF")  # ASCII digits
    assert not problems("Choose your language:", "en")
    with use_locale("fa_AF"):
        good = rtl_safe(
            "گزارش {ref} ثبت شد. برای ثبت گزارش دیگر /report را بفرستید.".format(ref=isolate("R-2026-000123"))
        )
        starts_with_ref = rtl_safe(isolate("R-2026-000123") + " — در انتظار")
    assert not problems(good, "fa_AF")
    assert not problems(starts_with_ref, "fa_AF")
    assert problems(isolate("R-2026-000123") + " — در انتظار", "fa_AF")  # no RLM: renders LTR
    assert problems("گزارش R-2026-000123 ثبت شد.", "fa_AF")  # not isolated
    assert problems("\u2068Kabul\u2069 گزارش", "fa_AF", allowed=["Kabul"])  # starts LTR


# --- The bot in Dari and Pashto, through the emulator -------------------------------------------


@pytest.fixture
def paced(bot: BotHarness) -> BotHarness:
    """The bot, with the emulator's per-chat limit lifted (a person answers slower than tests)."""
    human_pace(bot)
    return bot


def translated(language: str, message: str) -> str:
    with use_locale(language):
        return rtl_safe(_(message))


def menu(bot: BotHarness, key: str) -> dict[str, str]:
    return {c["command"]: c["description"] for c in bot.emulator.state.commands.get(key, [])}


def menu_in(language: str, names: list[str]) -> dict[str, str]:
    with use_locale(language):
        return {name: _(BY_NAME[name].description) for name in names}


@pytest.mark.parametrize(
    ("telegram_code", "language"),
    [
        ("fa", "fa_AF"),
        ("prs", "fa_AF"),
        ("fa-AF", "fa_AF"),
        ("ps", "ps"),
        ("en-GB", "en"),
        ("de", "en"),
        (None, "en"),
    ],
)
async def test_first_start_speaks_the_telegram_language(
    paced: BotHarness, telegram_code: str | None, language: str
) -> None:
    bot = paced
    user = await bot.user(700, "Stranger", telegram_code)
    await user.send("/start")
    assert user.last_text == translated(language, "Welcome to Khabar. Choose your language:")
    # Each language in its own script, the guessed one ticked.
    assert [b.removeprefix("✓ ") for b in user.buttons] == ["English", "دری", "پښتو"]
    assert [b for b in user.buttons if b.startswith("✓ ")] == [
        "✓ " + languages.language(language).native_name
    ]
    await user.send("/help")
    assert translated(language, "What this bot can do for you") in user.last_text
    assert_replies_localized(user, language)


async def test_configured_default_language_for_other_telegram_languages(db: Database) -> None:
    harness = await BotHarness.create(db, admin_ids="", default_language="ps")
    try:
        user = await harness.user(701, "Stranger", "de")
        await user.send("/start")
        assert user.last_text == translated("ps", "Welcome to Khabar. Choose your language:")
        assert "✓ پښتو" in user.buttons
    finally:
        await harness.close()


async def test_telegram_fa_gets_dari_without_choosing(paced: BotHarness) -> None:
    bot = paced
    user = await bot.user(702, "Stranger", "fa")
    await user.send("/start")
    await user.send("/help")
    await user.send("/report")  # a stranger: the access refusal, in Dari
    assert user.last_text == translated("fa_AF", _REFUSAL)
    assert_replies_localized(user, "fa_AF")
    async with bot.db.session() as session:
        account = await UserRepository(session).get(user.id)
    assert account is not None and account.language == "fa_AF"
    assert menu(bot, f"chat:{user.id}:") == menu_in("fa_AF", ["start", "help", "language", "wipe"])


async def test_language_command_switches_replies_menu_and_storage(paced: BotHarness) -> None:
    bot = paced
    user = await bot.user(703, "Reporter", "fa", role="reporter")
    await user.send("/language")
    assert user.last_text == translated("fa_AF", "Choose your language:")
    assert "✓ دری" in user.buttons
    seen = len(user.replies)
    await user.press("پښتو")
    # The chooser message itself is edited into the confirmation.
    assert translated("ps", "Language set to English.") in [m.text for m in user.replies]
    reporter_menu = [c.name for c in commands_for(Role.REPORTER) if c.in_menu]
    assert menu(bot, f"chat:{user.id}:") == menu_in("ps", reporter_menu)
    await user.send("/nonsense")
    assert user.last_text == translated("ps", "I don't know that command. Send /help to see what you can do.")
    assert_replies_localized(user, "ps", since=seen)
    # Stored per user: a restarted bot still speaks Pashto to them.
    await bot.restart()
    await user.send("/help")
    assert translated("ps", "What this bot can do for you") in user.last_text
    await user.send("/language")
    await user.press("English")
    assert menu(bot, f"chat:{user.id}:") == menu_in("en", reporter_menu)
    await user.send("/help")
    assert "What this bot can do for you" in user.last_text


async def test_default_command_menus_per_language(bot: BotHarness) -> None:
    public = [c.name for c in commands_for(Role.STRANGER)]
    assert menu(bot, "default::fa") == menu_in("fa_AF", public)
    assert menu(bot, "default::ps") == menu_in("ps", public)
    assert menu(bot, "default::en") == menu_in("en", public)
    assert menu(bot, "default::") == menu_in("en", public)
    assert menu(bot, "default::fa")["help"] == "این ربات برای شما چه کار کرده می‌تواند"
    assert menu(bot, "default::ps")["help"] == "دا بوټ ستاسو لپاره څه کولی شي"


def isolate_in(language: str, fragment: str) -> str:
    with use_locale(language):
        return isolate(fragment)


def kabul_day(days_ago: int) -> date:
    return datetime.now(UTC).astimezone(ZoneInfo("Asia/Kabul")).date() - timedelta(days=days_ago)


@pytest.mark.parametrize("language", TRANSLATED)
async def test_main_flows_read_as_written_in_the_language(paced: BotHarness, language: str) -> None:
    """/start, /help, /language, stray input, the whole report flow and /myreports: no untranslated
    fallback, Persian digits, Solar Hijri dates with Afghan month names, right-to-left lines."""
    bot = paced
    typed = {
        "fa_AF": ["نزدیک بازار", "کلینیک امید", "مرکز صحی در اثر گلوله‌باری آسیب دید."],
        "ps": ["بازار ته نږدې", "د امید کلینیک", "روغتیايي مرکز د توپونو په ډزو زیانمن شو."],
    }[language]
    user = checked(await reporter(bot, 710, language=language), language, allowed=typed)
    await user.send("/start")
    await user.send("/help")
    await user.send("/language")
    await user.press(languages.language(language).native_name)
    await user.send("/myreports")
    assert user.last_text == translated(
        language, "You have not sent any reports yet. Send /report to file one."
    )
    await user.send("سلام")
    await user.send("/nonsense")
    await start_report(user, "health_attack")
    await choose(user, ReportAction.DAY, "occurred_on", "1")
    await place(user, "AF12", "جانی خیل")
    await toggle(user, "health_attack", "attack_types", "heavy_weapons", "arson")
    await toggle(user, "health_attack", "resources_affected", "facility", "personnel")
    await pick(user, "health_attack", "services_interrupted", "yes")
    await pick(user, "health_attack", "perpetrator", "unknown")
    # Wrong input gets a localized answer and the question again.
    await user.send("دوازده")
    with use_locale(language):
        example = _("Please type a number, for example {example}.").format(example=local_digits("3"))
    assert rtl_safe(example, rtl=True) in user.last_text
    await user.send_photo()
    await user.send("۱۲" if language == "fa_AF" else "١٢")  # Persian / Arabic-Indic digits
    await choose(user, ReportAction.UNKNOWN, "injured")
    await user.send("ا" * 5000)
    assert translated(language, "That message is too long. Please keep it under {limit} characters.").split()[
        0
    ] in (user.last_text)
    await user.send(typed[2])
    await pick(user, "health_attack", "source_type", "witness")
    # The details the walk leaves to the summary.
    await detail(user, "time_of_day")
    await pick(user, "health_attack", "time_of_day", "morning")
    await detail(user, "place_name")
    await user.send(typed[0])
    await user.send_location(33.0, 69.0)
    await detail(user, "facility_type")
    await pick(user, "health_attack", "facility_type", "bhc")
    await detail(user, "facility_name")
    await user.send(typed[1])
    summary = user.last_text
    with use_locale(language):
        day = format_date(kabul_day(1))
    assert day in summary and local_digits("12", language) in summary
    month = languages.language(language).months[jdatetime.date.fromgregorian(date=kabul_day(1)).month - 1]
    assert month in day and not re.search("[0-9]", day)
    await press(user, action_prefix(ReportAction.SUBMIT))
    [report] = await reports_of(bot, user.id)
    assert report.killed == 12
    assert isolate_in(language, report.reference) in user.last_text
    await user.send("/myreports")
    # The line starts with the reference: a right-to-left mark keeps it right-aligned.
    assert "\u200f" + isolate_in(language, report.reference) in user.last_text
    assert user.checks >= 30


@pytest.mark.parametrize("typed", ["1500", "1,500", "1 500", "۱۵۰۰", "۱٬۵۰۰", "١٥٠٠", "١٬٥٠٠", "۱,۵۰۰"])
async def test_numeric_answers_accept_every_digit_script(paced: BotHarness, typed: str) -> None:
    user = checked(await reporter(paced, 711, language="fa_AF"), "fa_AF", allowed=[typed])
    await start_report(user, "border_crossing")
    await choose(user, ReportAction.DAY, "occurred_on", "0")
    await choose(user, ReportAction.SKIP, "time_of_day")
    await pick(user, "border_crossing", "crossing", "BCP-PAK-TKH")
    await toggle(user, "border_crossing", "status", "closed")
    await choose(user, ReportAction.SKIP, "crossers")
    await user.send(typed)
    draft = await draft_of(paced, user.id)
    assert draft is not None and draft.answers["people_crossing"] == 1500


async def test_queued_messages_are_sent_right_to_left_in_dari_and_untouched_in_english(db: Database) -> None:
    """Digests, alerts and notices are rendered earlier in the recipient's language and sent from
    the outbox: the sender marks the Dari and Pashto ones (a line starting with a reference)."""
    harness = await make_bot(db)
    try:
        await harness.user(720, "Coordinator", "fa", role="coordinator")
        await harness.user(721, "Coordinator", "en", role="coordinator")
        with use_locale("fa_AF"):
            dari = "\n".join(
                [
                    _("Urgent report approved"),
                    _("{ref} · {date} · {place}").format(
                        ref=isolate("R-2026-000123"), date=format_date(date(2026, 11, 24)), place="Jalalabad"
                    ),
                ]
            )
        english = "Urgent report approved\nR-2026-000124 · 24 Nov 2026 · Kabul"
        async with harness.db.session() as session:
            await enqueue(session, key="i18n:1", chat_id=720, kind=OutboxKind.ALERT, text=dari)
            await enqueue(session, key="i18n:2", chat_id=721, kind=OutboxKind.ALERT, text=english)
        assert harness.app is not None
        assert await Sender(harness.db, harness.app.bot, rate=harness.settings.send_rate).drain() == 2
        [received] = harness.emulator.state.bot_messages(720)
        assert received.text is not None and received.text.split("\n")[1].startswith(
            "\u200f\u2068R-2026-000123"
        )
        assert_localized(received.text, "fa_AF", allowed=["Jalalabad"])
        assert [m.text for m in harness.emulator.state.bot_messages(721)] == [english]
    finally:
        await harness.close()


def test_locale_preview_shows_every_form_and_message_side_by_side() -> None:
    from bot.forms.engine import categories
    from bot.runtime.i18n_preview import MISSING, render

    text = render(date(2026, 11, 24))
    for form in categories():
        assert f"### `{form.code}`" in text
    assert "| Which border crossing? | کدام گذرگاه سرحدی (بندر)؟ | کوم سرحدي بندر؟ |" in text
    assert "| ۳ قوس ۱۴۰۵ | ۳ لیندۍ ۱۴۰۵ |" in text
    assert MISSING not in text
    rows = [line for line in text.splitlines() if line.startswith("| ") and line.count(" | ") >= 3]
    assert len(rows) > len(source_messages())


def label(language: str, message: str) -> str:
    with use_locale(language):
        return _(message)


async def test_moderation_in_dari_and_notices_in_pashto(paced: BotHarness) -> None:
    bot = paced
    descriptions = ["وسله والو د واکسین ټیم د کلینیک په دروازه کې ودراوه.", "دویم راپور د همدې پېښې په اړه."]
    await bot.user(730, "Field", "ps", role="reporter", language="ps")
    first = await make_report(bot.db, 730, description=descriptions[0])
    second = await make_report(bot.db, 730, district="AF0102", description=descriptions[1])
    moderator = checked(
        await bot.user(731, "Mod", "fa", role="moderator", language="fa_AF"), "fa_AF", allowed=descriptions
    )
    await moderator.send("/help")
    await moderator.send("/pending")
    assert isolate_in("fa_AF", first.reference) in moderator.last_text
    await moderator.press(label("fa_AF", "Approve"), exact=True)
    await moderator.press(label("fa_AF", "Probable"), exact=True)
    await moderator.press(label("fa_AF", "Urgent: alert subscribers now"), exact=True)
    await moderator.press(label("fa_AF", "Next report"), exact=True)
    assert isolate_in("fa_AF", second.reference) in moderator.last_text
    await moderator.press(label("fa_AF", "Reject"), exact=True)
    await moderator.press(label("fa_AF", "Sent by mistake or as a test"), exact=True)
    await moderator.send("/pending")
    assert moderator.last_text == translated("fa_AF", "No reports are waiting for review.")
    assert moderator.checks >= 9
    admin = checked(await bot.user(732, "Admin", "fa", role="admin", language="fa_AF"), "fa_AF")
    await admin.send(f"/history {first.reference}")
    assert label("fa_AF", "Probable") in admin.last_text and label("fa_AF", "Certainty") in admin.last_text
    texts = [n.text for n in await notices(bot.db, 730)]
    assert len(texts) == 2
    for text in texts:  # as the outbox sender delivers them
        assert looks_rtl(text)
        assert_localized(rtl_safe(text, rtl=True), "ps")
    assert label("ps", "Sent by mistake or as a test") in texts[1]


async def test_moderator_edits_a_place_in_dari(paced: BotHarness) -> None:
    bot = paced
    await bot.user(733, "Field", "fa", role="reporter", language="fa_AF")
    description = "افراد مسلح تیم واکسین را در دروازهٔ کلینیک متوقف کردند."
    report = await make_report(bot.db, 733, district="AF0101", description=description)
    moderator = checked(
        await bot.user(734, "Mod", "fa", role="moderator", language="fa_AF"), "fa_AF", allowed=[description]
    )
    await moderator.send("/pending")
    await moderator.press(label("fa_AF", "Edit an answer"), exact=True)
    await moderator.press(label("fa_AF", "District"), exact=True)
    await reply(moderator, "جانی خیل")  # two districts of that name: the P-codes tell them apart
    await reply(moderator, "AF۱۳۰۹")  # a P-code typed with Persian digits
    await moderator.send("/pending")  # every reply above is checked with this action
    texts = [m.text or "" for m in moderator.replies]
    assert any(isolate_in("fa_AF", "AF1209") in t and isolate_in("fa_AF", "AF1309") in t for t in texts)
    assert translated("fa_AF", "Answer changed.") in texts
    assert (await load_report(bot.db, report.id)).district_pcode == "AF1309"


async def test_subscription_wizard_in_pashto(paced: BotHarness) -> None:
    bot = paced
    user = checked(await bot.user(740, "Coord", "ps", role="coordinator", language="ps"), "ps")
    await user.send("/subscribe")
    await user.press(label("ps", "Weekly"), exact=True)
    await user.press(label("ps", "Saturday"), exact=True)
    await user.press("۰۷:۰۰")
    await user.press(user.buttons[0])
    await user.press(label("ps", "Done"), exact=True)
    await user.press(label("ps", "Attack on health care"), exact=True)
    await user.press(label("ps", "Done"), exact=True)
    await user.press(label("ps", "Confirmed and probable"), exact=True)
    await user.press(label("ps", "No"), exact=True)
    await user.press(label("ps", "Yes"), exact=True)
    assert translated("ps", "Subscription saved.") in user.last_text
    await user.send("/subscriptions")
    assert user.checks >= 11


@pytest.mark.parametrize("language", TRANSLATED)
async def test_settings_search_and_admin_commands_in_the_language(paced: BotHarness, language: str) -> None:
    """The other commands people meet, in Dari and Pashto: settings and wipe, search, users,
    invites, export. Format names (HXL, CSV, GeoJSON, JSON) are names and stay Latin."""
    bot = paced
    reporter = checked(await bot.user(750, "Field", "en", role="reporter", language=language), language)
    await reporter.send("/settings")
    await reporter.press(reporter.buttons[0])
    await reporter.send("/wipe")
    coordinator = checked(await bot.user(751, "Coord", "en", role="coordinator", language=language), language)
    await coordinator.send("/search")
    await coordinator.send("/search کابل")
    await coordinator.send("/subscriptions")
    admin = checked(
        await bot.user(752, "Admin", "en", role="admin", language=language),
        language,
        allowed=["Field", "Coord", "Admin", "HXL", "CSV", "GeoJSON", "JSON"],
    )
    await admin.send("/users")
    await admin.send("/invite")
    await admin.send("/invites")
    await admin.send("/export")
    await admin.press(admin.buttons[0])
    await admin.send("/pending")
    await admin.send("/history")
    assert admin.checks == 7 and coordinator.checks == 3 and reporter.checks == 3


@pytest.mark.parametrize("language", TRANSLATED)
async def test_digest_and_alert_delivered_in_the_language(db: Database, language: str) -> None:
    """A daily digest (and an urgent alert) as the coordinator receives it, through the outbox."""
    harness = await make_bot(db)
    try:
        description = {"fa_AF": "یک کلینیک آسیب دید.", "ps": "یو کلینیک زیانمن شو."}[language]
        await add_subscribers(
            harness, 1, first_id=760, language=language, last_period_end=utc(2026, 3, 9, 2, 30)
        )
        await add_report(harness.db, approved_at=utc(2026, 3, 9, 5), description=description)
        await add_report(
            harness.db, approved_at=utc(2026, 3, 9, 6), description=description, category="displacement"
        )
        assert (await due_digests(harness.db, utc(2026, 3, 10, 3))).messages == 1
        assert harness.app is not None
        assert await Sender(harness.db, harness.app.bot, rate=harness.settings.send_rate).drain() == 1
        [digest] = harness.emulator.state.bot_messages(760)
        assert digest.text is not None
        assert_localized(digest.text, language, allowed=[description], html=digest.parse_mode == "HTML")
        with use_locale(language):
            assert format_date(date(2026, 3, 1)) in digest.text
    finally:
        await harness.close()


@pytest.mark.parametrize("language", TRANSLATED)
def test_translations_fit_where_the_english_fits(language: str) -> None:
    """A button alert holds 200 characters and a menu description 256: a translation of a message
    that fits must fit too (Dari and Pashto run longer than English)."""
    too_long = [
        (msgid_of(m), len(s))
        for m in messages(language)
        for s in strings_of(m)
        if len(msgid_of(m)) <= 200 and len(s) > 200
    ]
    assert not too_long, too_long


async def test_search_in_dari_matches_arabic_keyboard_spelling(paced: BotHarness) -> None:
    await add_report(
        paced.db, approved_at=datetime.now(UTC) - timedelta(days=1), description="کلینیک آسیب دید."
    )
    coordinator = checked(
        await paced.user(770, "Coord", "fa", role="coordinator", language="fa_AF"),
        "fa_AF",
        ["کلینیک آسیب دید."],
    )
    await coordinator.send("/search كابل")  # Arabic kaf, as an Arabic keyboard types it
    assert "\u2068R-2026-" in coordinator.last_text


def _typed_dates(day: date) -> list[str]:
    hijri = jdatetime.date.fromgregorian(date=day)
    return [
        f"{hijri.day} {MONTHS_PRS[hijri.month - 1]} {hijri.year}",
        local_digits(f"{hijri.day} {MONTHS_PS[hijri.month - 1]} {hijri.year}", "ps"),
        local_digits(f"{hijri.year}/{hijri.month:02d}/{hijri.day:02d}", "fa_AF"),
        f"{hijri.year}/{hijri.month}/{hijri.day}".translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")),
        day.isoformat(),
        f"{day.day}/{day.month}/{day.year}",
    ]


@pytest.mark.parametrize("which", range(6))
async def test_typed_dates_in_either_calendar_and_any_digits(paced: BotHarness, which: int) -> None:
    day = kabul_day(2)
    typed = _typed_dates(day)[which]
    user = checked(await reporter(paced, 712, language="ps"), "ps", allowed=[typed])
    await start_report(user, "border_crossing")
    await user.send(typed)
    draft = await draft_of(paced, user.id)
    assert draft is not None and draft.answers["occurred_on"] == day.isoformat()


async def test_invited_newcomer_in_pashto_gets_the_reporter_menu(paced: BotHarness) -> None:
    bot = paced
    admin = await bot.user(780, "Admin", "en", role="admin")
    await admin.send("/invite reporter")
    match = re.search(r"/start (\S+)", admin.last_text)
    assert match
    newcomer = checked(await bot.user(781, "Newcomer", "ps"), "ps")
    await newcomer.send(f"/start {match.group(1)}")
    welcome = translated("ps", "Welcome to Khabar. Choose your language:")
    assert any(m.text == welcome for m in newcomer.replies)
    reporter_menu = [c.name for c in commands_for(Role.REPORTER) if c.in_menu]
    assert menu(bot, f"chat:{newcomer.id}:") == menu_in("ps", reporter_menu)


async def test_language_command_before_start_ticks_the_guess(paced: BotHarness) -> None:
    user = await paced.user(782, "Stranger", "prs")
    await user.send("/language")
    assert user.last_text == translated("fa_AF", "Choose your language:")
    assert user.buttons == ["English", "✓ دری", "پښتو"]
