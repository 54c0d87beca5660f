"""Configuration from the environment (and an optional `.env`), validated once at start-up.

Every variable of DESIGN.md is a field here. A bad value raises `ConfigError` whose message is one
line naming the variable; the CLI prints it and exits with code 2.
"""

from __future__ import annotations

import re
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, ValidationError, ValidationInfo, field_validator
from pydantic_core import ErrorDetails, PydanticCustomError
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from domain import languages

# BotFather tokens look like 123456789:AAH…; the emulator accepts any token of that shape.
_TOKEN_RE = re.compile(r"^\d{3,20}:[A-Za-z0-9_-]{20,}$")
_DB_SCHEMES = ("sqlite+aiosqlite", "postgresql+asyncpg")


class ConfigError(Exception):
    """Invalid configuration; the message is a single line naming the variable."""


TELEGRAM_LIMIT = 30.0  # new messages a second for one bot, overall (Telegram's, not ours)
# Messages one digest may take: a chat receives one a second, and a hundred a day is a flood, not a
# briefing. The rest of the period's reports are counted in the totals and named as left out.
DIGEST_MAX_PARTS = 5


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
        case_sensitive=False,
        # `VAR=` (as in a copied .env.example) means "use the default", not "the empty string".
        env_ignore_empty=True,
    )

    bot_token: SecretStr | None = None
    database_url: str = "sqlite+aiosqlite:///./var/khabar.db"
    telegram_base_url: str = "https://api.telegram.org"
    webhook_url: str | None = None
    webhook_secret: SecretStr | None = None
    admin_ids: Annotated[tuple[int, ...], NoDecode] = ()
    default_language: str = languages.SOURCE
    timezone: str = "Asia/Kabul"
    export_tokens: Annotated[dict[str, SecretStr], NoDecode] = Field(default_factory=dict)
    http_host: str = "127.0.0.1"
    http_port: int = Field(default=8080, ge=0, le=65535)  # 0: any free port (tests)
    # /readyz and /metrics: on their own port (same host) when set, away from the export API that
    # partners reach; and/or only with `Authorization: Bearer <OPS_TOKEN>` when that is set.
    ops_port: int | None = Field(default=None, ge=0, le=65535)
    ops_token: SecretStr | None = None
    log_format: Literal["plain", "json"] = "plain"
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    # Telegram's overall limit, new messages a second, which SEND_RATE and SEND_BUDGET stay within;
    # only an emulator with faster limits (the replica tests, to save real time) raises it.
    telegram_limit: float = Field(default=TELEGRAM_LIMIT, ge=1)
    send_rate: float = Field(default=25.0, gt=0)
    # New messages a second for the whole bot, replies and outbox together, however many replicas
    # send them (on PostgreSQL the replicas share it through the database; README, "Replicas").
    send_budget: float = Field(default=29.0, ge=1)
    # How soon a replica notices the jobs' leader is gone and takes over (PostgreSQL only).
    leader_takeover_seconds: float = Field(default=5.0, ge=1, le=60)
    # How long a row claimed by a sender that died stays claimed before a sender sends it again
    # (the window in which a message may be sent twice: bot/runtime/sender.py).
    outbox_lease_seconds: float = Field(default=60.0, ge=1, le=3600)
    wipe_after_submit: bool = True
    digest_max_parts: int = Field(default=DIGEST_MAX_PARTS, ge=1, le=50)
    # Outbox sender in this process, and the scheduled jobs (digests, alerts, moderator notices,
    # retention purge) when it leads (README, "Replicas"); false: this process never sends or leads.
    background_jobs: bool = True
    # Data protection (README, "Data protection"). Unset: a random key per process (pseudonyms
    # then link nothing across restarts); set 32+ characters to keep them stable.
    pseudonym_key: SecretStr | None = None
    retain_drafts_days: int = Field(default=14, ge=1, le=365)  # unfinished reports, wizards
    retain_strangers_days: int = Field(default=7, ge=1, le=365)  # people without a role; refusals
    retain_sent_days: int = Field(default=7, ge=1, le=365)  # delivered notice/digest text, deliveries
    retain_technical_days: int = Field(default=2, ge=1, le=365)  # seen updates, invite attempts
    pseudonymise_after_days: int = Field(default=90, ge=1, le=3650)  # closed reports lose the person

    @field_validator("bot_token", mode="before")
    @classmethod
    def _token_shape(cls, value: object) -> object:
        if value in (None, ""):
            return None
        if not isinstance(value, str) or not _TOKEN_RE.match(value.strip()):
            # Never echo the value: it may be a real token with a typo.
            raise ValueError("not a bot token of the form 123456:ABC… (ask @BotFather)")
        return value.strip()

    @field_validator("send_rate", "send_budget", mode="before")
    @classmethod
    def _within_telegram_limit(cls, value: object, info: ValidationInfo) -> object:
        # Before the field's own parsing, so the error reads as a bound's would ("must be at most
        # 30.0, not '100'"); what does not parse is left to that parsing.
        limit = info.data.get("telegram_limit")
        try:
            number = float(value)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            return value
        if limit is not None and number > limit:
            raise PydanticCustomError(
                "less_than_equal", "Input should be less than or equal to {le}", {"le": limit}
            )
        return value

    @field_validator("pseudonym_key", mode="before")
    @classmethod
    def _long_secret(cls, value: object) -> object:
        if value in (None, ""):
            return None
        if not isinstance(value, str) or len(value.strip()) < 32:
            raise ValueError("must be at least 32 characters (try: openssl rand -hex 32)")
        return value.strip()

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper(cls, value: object) -> object:
        return value.strip().upper() if isinstance(value, str) else value

    @field_validator("database_url")
    @classmethod
    def _db_scheme(cls, value: str) -> str:
        if "://" not in value:
            # Not echoed: a misplaced password is as likely here as a typo.
            raise ValueError(
                "not a database URL; use sqlite+aiosqlite:///path or postgresql+asyncpg://host/db"
            )
        scheme = value.split("://", 1)[0]
        if scheme in ("postgresql", "postgres"):
            return "postgresql+asyncpg://" + value.split("://", 1)[1]
        if scheme == "sqlite":
            return "sqlite+aiosqlite://" + value.split("://", 1)[1]
        if scheme not in _DB_SCHEMES:
            raise ValueError(f"unknown scheme {scheme!r}; use sqlite+aiosqlite:// or postgresql+asyncpg://")
        return value

    @field_validator("telegram_base_url", "webhook_url")
    @classmethod
    def _http_url(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value in (None, ""):
            # No base URL means the real API, never "None/bot…".
            return "https://api.telegram.org" if info.field_name == "telegram_base_url" else None
        assert value is not None
        if not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        return value.rstrip("/")

    @field_validator("webhook_secret", mode="before")
    @classmethod
    def _secret_shape(cls, value: object) -> object:
        if value in (None, ""):
            return None
        # Telegram allows 1-256 characters A-Z, a-z, 0-9, _ and -.
        if not isinstance(value, str) or not re.fullmatch(r"[A-Za-z0-9_-]{1,256}", value):
            raise ValueError("must be 1-256 characters of A-Z, a-z, 0-9, _ and -")
        return value

    @field_validator("admin_ids", mode="before")
    @classmethod
    def _split_ids(cls, value: object) -> object:
        if isinstance(value, str):
            parts = [p.strip() for p in value.replace(";", ",").split(",") if p.strip()]
            for part in parts:
                if not (part.isascii() and part.isdigit()):
                    raise ValueError(f"{part!r} is not a numeric Telegram user id")
            return tuple(int(p) for p in parts)
        return value

    @field_validator("export_tokens", mode="before")
    @classmethod
    def _split_tokens(cls, value: object) -> object:
        if isinstance(value, str):
            tokens: dict[str, str] = {}
            for item in (p.strip() for p in value.split(",") if p.strip()):
                name, sep, token = item.partition(":")
                if not sep or not name.strip() or len(token.strip()) < 16:
                    raise ValueError("use name:token pairs separated by commas, tokens of 16+ characters")
                tokens[name.strip()] = token.strip()
            return tokens
        return value

    @field_validator("default_language")
    @classmethod
    def _language(cls, value: str) -> str:
        if not languages.is_known(value):
            raise ValueError(f"must be {languages.describe_choices()}, not {value!r}")
        return value

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r}; use an IANA name like Asia/Kabul") from None
        return value

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def token(self) -> str | None:
        return self.bot_token.get_secret_value() if self.bot_token else None


# Values of these variables never appear in an error message (a typo'd token is still a token).
_SECRET_FIELDS = {
    "bot_token",
    "webhook_secret",
    "export_tokens",
    "database_url",
    "pseudonym_key",
    "ops_token",
}


def _describe(error: ErrorDetails, field: str) -> str:
    """One readable clause for a pydantic error, echoing the bad value only for harmless fields."""
    kind, ctx, value = error["type"], error.get("ctx") or {}, error.get("input")
    shown = ""
    if field not in _SECRET_FIELDS and isinstance(value, str | int | float) and value != "":
        shown = f", not {str(value)[:40]!r}"
    if kind == "literal_error":
        return f"must be {ctx.get('expected')}{shown}"
    if kind in ("int_parsing", "int_type", "int_from_float"):
        return f"must be a whole number{shown}"
    if kind in ("float_parsing", "float_type"):
        return f"must be a number{shown}"
    if kind in ("bool_parsing", "bool_type"):
        return f"must be true or false{shown}"
    limits = {
        "less_than_equal": ("at most", "le"),
        "less_than": ("less than", "lt"),
        "greater_than_equal": ("at least", "ge"),
        "greater_than": ("more than", "gt"),
    }
    if kind in limits:
        words, key = limits[kind]
        return f"must be {words} {ctx.get(key)}{shown}"
    message = str(error["msg"]).removeprefix("Value error, ")
    return message[:1].lower() + message[1:]


def load_settings(**overrides: object) -> Settings:
    """Read and validate the configuration, turning the first error into one line."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        error = exc.errors()[0]
        field = str(error["loc"][0]) if error["loc"] else ""
        variable = field.upper() or "configuration"
        message = " ".join(_describe(error, field).split())  # one line, whatever pydantic said
        raise ConfigError(f"{variable}: {message}") from None
