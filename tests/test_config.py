"""Invalid configuration stops `khabar run` with exit code 2 and one line naming the variable.

Each case runs the real command in a clean environment from an empty directory (so no .env is read),
with a recognisable token that must never be printed, whatever else is wrong.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.config import ConfigError, load_settings
from tests.botproc import clean_env, khabar

TOKEN = "424242424:RecognisableTokenNeverPrinted_0000"
MALFORMED = "4242:MalformedTokenNeverPrinted!"

# variable, bad value, words the line must contain, secret fragments it must not
CASES = [
    (
        "DATABASE_URL",
        "mysql://khabar:DbPasswordNeverPrinted@db/khabar",
        ["unknown scheme 'mysql'", "postgresql+asyncpg://"],
        ["DbPasswordNeverPrinted"],
    ),
    ("DATABASE_URL", "DbPasswordNeverPrinted", ["not a database URL"], ["DbPasswordNeverPrinted"]),
    ("ADMIN_IDS", "12345,abc", ["'abc'", "numeric"], []),
    ("TIMEZONE", "Mars/Olympus_Mons", ["'Mars/Olympus_Mons'", "Asia/Kabul"], []),
    ("DEFAULT_LANGUAGE", "de", ["'en', 'fa_AF' or 'ps'", "'de'"], []),
    ("BOT_TOKEN", MALFORMED, ["@BotFather"], ["MalformedTokenNeverPrinted", "4242:"]),
    ("HTTP_PORT", "70000", ["at most 65535"], []),
    ("HTTP_PORT", "-1", ["at least 0"], []),
    ("HTTP_PORT", "eighty", ["whole number", "'eighty'"], []),
    ("EXPORT_TOKENS", "partner=ExportTokenNeverPrinted", ["name:token"], ["ExportTokenNeverPrinted"]),
    ("WEBHOOK_SECRET", "has spaces SecretNeverPrinted", ["A-Z, a-z, 0-9"], ["SecretNeverPrinted"]),
    ("LOG_LEVEL", "chatty", ["'DEBUG', 'INFO', 'WARNING' or 'ERROR'"], []),
    ("LOG_FORMAT", "xml", ["'plain' or 'json'"], []),
    ("TELEGRAM_BASE_URL", "api.telegram.org", ["http://"], []),
]


@pytest.mark.parametrize(
    ("variable", "value", "expected", "secrets"),
    CASES,
    ids=[f"{c[0]}={c[1][:12]}" for c in CASES],
)
def test_invalid_value_fails_with_one_line(
    tmp_path: Path, variable: str, value: str, expected: list[str], secrets: list[str]
) -> None:
    env = clean_env(BOT_TOKEN=TOKEN)
    env[variable] = value
    result = khabar("run", env=env, cwd=tmp_path)
    assert result.returncode == 2, result.stderr
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(f"khabar: invalid configuration: {variable}: ")
    for words in expected:
        assert words in lines[0]
    for secret in [TOKEN, TOKEN.split(":")[1], *secrets]:
        assert secret not in result.stderr


def test_dotenv_file_is_read_and_checked_the_same_way(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text(f"BOT_TOKEN={TOKEN}\nTIMEZONE=Asia/Kabool\n", encoding="utf-8")
    result = khabar("run", env=clean_env(), cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "khabar: invalid configuration: TIMEZONE: unknown time zone 'Asia/Kabool'; "
        "use an IANA name like Asia/Kabul"
    ]
    assert TOKEN not in result.stderr


def test_run_without_token_explains_botfather_and_sandbox(tmp_path: Path) -> None:
    result = khabar("run", env=clean_env(), cwd=tmp_path)
    assert result.returncode == 2
    assert "BOT_TOKEN is not set" in result.stderr
    assert "@BotFather" in result.stderr and "/newbot" in result.stderr
    assert "khabar sandbox" in result.stderr


def test_empty_values_as_in_a_copied_env_example_mean_defaults(tmp_path: Path) -> None:
    example = Path(__file__).resolve().parent.parent / ".env.example"
    (tmp_path / ".env").write_text(example.read_text(encoding="utf-8"), encoding="utf-8")
    result = khabar("run", env=clean_env(HTTP_PORT=""), cwd=tmp_path)
    # Every documented variable parses; only the (empty) token is missing.
    assert result.returncode == 2
    assert "BOT_TOKEN is not set" in result.stderr
    assert "invalid configuration" not in result.stderr


@pytest.mark.parametrize(
    ("overrides", "line"),
    [
        ({"send_rate": "100"}, "SEND_RATE: must be at most 30.0, not '100'"),
        ({"send_rate": "0"}, "SEND_RATE: must be more than 0.0, not '0'"),
        ({"digest_max_parts": "0"}, "DIGEST_MAX_PARTS: must be at least 1, not '0'"),
        ({"wipe_after_submit": "maybe"}, "WIPE_AFTER_SUBMIT: must be true or false, not 'maybe'"),
        ({"webhook_url": "ftp://example.org/hook"}, "WEBHOOK_URL: must start with http:// or https://"),
        ({"admin_ids": "1; 2, x3"}, "ADMIN_IDS: 'x3' is not a numeric Telegram user id"),
    ],
)
def test_messages_read_well(overrides: dict[str, object], line: str) -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings(_env_file=None, **overrides)
    assert str(caught.value) == line


def test_valid_values_are_normalised() -> None:
    settings = load_settings(
        _env_file=None,
        bot_token=f" {TOKEN} ",
        database_url="postgres://u@h/db",
        admin_ids="1, 2;3",
        export_tokens="hdx:abcdefghijklmnop, ocha:qrstuvwxyz012345",
        log_level="debug",
        telegram_base_url="http://127.0.0.1:8081/",
    )
    assert settings.token == TOKEN
    assert settings.database_url == "postgresql+asyncpg://u@h/db"
    assert settings.admin_ids == (1, 2, 3)
    assert set(settings.export_tokens) == {"hdx", "ocha"}
    assert settings.log_level == "DEBUG"
    assert settings.telegram_base_url == "http://127.0.0.1:8081"
    assert load_settings(_env_file=None, telegram_base_url="").telegram_base_url == "https://api.telegram.org"
    assert TOKEN not in repr(settings)


def test_webhook_url_without_secret_fails_with_one_line(tmp_path: Path) -> None:
    env = clean_env(BOT_TOKEN=TOKEN, WEBHOOK_URL="https://khabar.example.org/telegram")
    result = khabar("run", env=env, cwd=tmp_path)
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("khabar: invalid configuration: WEBHOOK_SECRET: required")
    assert TOKEN not in result.stderr
