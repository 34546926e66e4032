"""One typed settings module: everything comes from the environment, with embedded defaults.

Unset means the embedded default: an SQLite file and a private Redis under ``HELPDESK_VAR``,
and SMTP to the local mail sink that ``helpdesk run`` starts.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Literal
from urllib.parse import parse_qs, unquote, urlsplit

from pydantic import Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from app.i18n import is_time_zone


class ConfigError(RuntimeError):
    """Bad configuration; the message names the environment variable."""


class SmtpConfigError(ValueError):
    """SMTP_URL cannot be used; the message says which part (settings validate it at start)."""


DEFAULT_TIMEOUT = 30.0
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


@dataclass(frozen=True)
class SmtpTarget:
    """Where mail is sent. ``SMTP_URL`` forms: ``smtp://host:port`` (STARTTLS when the server
    offers it), ``smtp://user:pass@host:587?starttls=1`` (STARTTLS required),
    ``smtp://host:25?starttls=0`` (plain, never upgrade), ``smtps://user:pass@host:465`` (TLS
    from the first byte). Other query options: ``verify=0`` accepts any certificate (test
    servers only), ``timeout=SECONDS``. User and password are percent-decoded."""

    host: str
    port: int
    use_tls: bool = False
    start_tls: bool | None = None  # None: upgrade when offered
    username: str | None = None
    password: str | None = None
    validate_certs: bool = True
    timeout: float = DEFAULT_TIMEOUT

    @classmethod
    def from_url(cls, url: str) -> SmtpTarget:
        parts = urlsplit(url)
        if parts.scheme not in ("smtp", "smtps"):
            raise SmtpConfigError("must start with smtp:// or smtps://")
        if not parts.hostname:
            raise SmtpConfigError("names no host")
        options = {k.lower(): v[-1].lower() for k, v in parse_qs(parts.query).items()}
        use_tls = parts.scheme == "smtps"
        start_tls = _flag(options, "starttls")
        if use_tls and start_tls:
            raise SmtpConfigError("smtps:// already uses TLS; drop ?starttls=1")
        try:
            port = parts.port
        except ValueError:
            raise SmtpConfigError("has a bad port") from None
        if port is None:
            port = 465 if use_tls else 587 if start_tls else 25
        timeout = DEFAULT_TIMEOUT
        if "timeout" in options:
            try:
                timeout = float(options["timeout"])
            except ValueError:
                raise SmtpConfigError("timeout must be a number of seconds") from None
        return cls(
            host=parts.hostname,
            port=port,
            use_tls=use_tls,
            start_tls=False if use_tls else start_tls,
            username=unquote(parts.username) if parts.username else None,
            password=unquote(parts.password) if parts.password else None,
            validate_certs=_flag(options, "verify") is not False,
            timeout=timeout,
        )


def _flag(options: dict[str, str], name: str) -> bool | None:
    value = options.get(name)
    if value is None:
        return None
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise SmtpConfigError(f"{name} must be 1 or 0")


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="", case_sensitive=False, extra="ignore")

    helpdesk_var: Path = Field(default=Path("var"))
    database_url: str | None = None
    redis_url: str | None = None
    smtp_url: str | None = None
    secret_key: str | None = None
    public_url: str = "http://127.0.0.1:8000"
    mail_domain: str = "helpdesk.localhost"
    mail_from: str | None = None

    debug: bool = False
    # "text" (the default, for people) or "json" (one object per line, for log collectors).
    log_format: Literal["text", "json"] = "text"
    introspection: bool = True
    query_depth_limit: int = Field(default=10, ge=1)
    query_alias_limit: int = Field(default=30, ge=1)
    query_token_limit: int = Field(default=2000, ge=10)
    query_cost_limit: int = Field(default=50_000, ge=100)
    max_subscriptions_per_connection: int = Field(default=20, ge=1)
    live_queue_size: int = Field(default=100, ge=1)  # events waiting per subscription
    live_session_check_seconds: float = Field(default=60, gt=0)  # re-check open sockets' tokens
    presence_ttl_seconds: int = Field(default=30, ge=3)  # presence lapses without a heartbeat
    # On SIGINT/SIGTERM: how long requests in flight and jobs in progress get to finish.
    stop_grace_seconds: float = Field(default=20, gt=0)
    # Prometheus metrics at /metrics: off (404) unless set; the scraper sends it as a bearer token.
    metrics_token: str | None = None
    # Addresses whose X-Forwarded-For/-Proto uvicorn believes (the proxy's): comma-separated IPs
    # or networks, "*" for any (only when nothing but the proxy can reach the server).
    forwarded_allow_ips: str = "127.0.0.1,::1"

    first_ticket_number: int = Field(default=1000, ge=1)
    auto_close_days: int = Field(default=7, ge=0)
    session_days: int = Field(default=14, ge=1)
    login_attempts: int = Field(default=5, ge=1)
    login_window_seconds: int = Field(default=900, ge=1)

    max_file_bytes: int = Field(default=10 * 1024 * 1024, ge=1)
    max_message_bytes: int = Field(default=25 * 1024 * 1024, ge=1)
    max_files_per_message: int = Field(default=20, ge=1, le=1000)
    max_inbound_mail_bytes: int = Field(default=25 * 1024 * 1024, ge=1)
    inbound_secret: str | None = None
    # Raw inbound mail is emptied this many days after it arrived, once done with (processed,
    # ignored, or rejected by an admin); 0 keeps it for ever. The row (sender, subject, status,
    # ticket) stays.
    inbound_mail_retention_days: int = Field(default=0, ge=0)
    # Reply drafts nobody touched for this many days are removed by housekeeping; 0 keeps them.
    draft_retention_days: int = Field(default=30, ge=0)
    # Orphaned upload files (no attachment uses them) are removed once this old.
    upload_orphan_hours: float = Field(default=24, gt=0)
    reopen_window_days: int = Field(default=30, ge=0)
    unknown_senders_become_clients: bool = True
    # Whether people may sign up as clients themselves (they confirm their address first).
    client_signup: bool = True
    # The language and time zone of users who chose none (a sign-up takes the browser's
    # language instead); each user sets theirs on the account page.
    default_language: Literal["en", "de"] = "en"
    default_time_zone: str = "UTC"
    # Whether the Cc of mail that opens or answers a ticket is kept as its CC addresses.
    mail_keep_cc: bool = True
    # The authserv-id of our receiving mail server: only its Authentication-Results count.
    mail_authserv_id: str | None = None

    smtp_listen_port: int = Field(default=8025, ge=0, le=65535)
    smtp_listen_host: str = "127.0.0.1"
    smtp_listen_lmtp: bool = False  # speak LMTP instead of SMTP on the inbound listener
    imap_url: str | None = None  # imaps://user:pass@host[:port]/MAILBOX to poll for mail
    imap_poll_seconds: float = Field(default=60, gt=0)
    sink_port: int = Field(default=8026, ge=0, le=65535)
    # The language of the full-text search index (stemming, stop words): a PostgreSQL text
    # search configuration; on SQLite "english" stems (porter) and any other does not.
    search_language: str = Field(default="english", pattern=r"^[a-z_]{1,40}$")

    @field_validator("database_url")
    @classmethod
    def _database_scheme(cls, value: str | None) -> str | None:
        if value and urlsplit(value).scheme not in {"sqlite", "postgres", "postgresql", "asyncpg"}:
            raise ValueError("must start with sqlite://, postgres:// or postgresql://")
        return value

    @field_validator("redis_url")
    @classmethod
    def _redis_scheme(cls, value: str | None) -> str | None:
        if value and urlsplit(value).scheme not in {"redis", "rediss", "unix"}:
            raise ValueError("must start with redis://, rediss:// or unix://")
        return value

    @field_validator("default_time_zone")
    @classmethod
    def _time_zone(cls, value: str) -> str:
        if not is_time_zone(value):
            raise ValueError("must be an IANA time zone name like Europe/Berlin or UTC")
        return value

    @field_validator("imap_url")
    @classmethod
    def _imap_url(cls, value: str | None) -> str | None:
        parts = urlsplit(value or "")
        if value and (parts.scheme not in {"imap", "imaps"} or not parts.hostname):
            raise ValueError("must look like imaps://user:password@host/INBOX")
        return value

    @field_validator("smtp_url")
    @classmethod
    def _smtp_scheme(cls, value: str | None) -> str | None:
        if value and urlsplit(value).scheme not in {"smtp", "smtps"}:
            raise ValueError("must start with smtp:// or smtps://")
        if value:  # the options (?starttls=1, ?verify=0, ?timeout=S) are checked at start too
            SmtpTarget.from_url(value)  # raises SmtpConfigError, a ValueError, saying what
        return value

    @property
    def var_dir(self) -> Path:
        return self.helpdesk_var.resolve()

    @property
    def db_url(self) -> str:
        if self.database_url:
            url = self.database_url
            if url.startswith("postgresql://"):
                url = "postgres://" + url[len("postgresql://") :]
            return url
        return f"sqlite://{self.var_dir / 'helpdesk.sqlite3'}"

    @property
    def smtp(self) -> str:
        return self.smtp_url or f"smtp://127.0.0.1:{self.sink_port}"

    @property
    def sender_address(self) -> str:
        return self.mail_from or f"support@{self.mail_domain}"

    def resolved_secret_key(self) -> str:
        """The configured key, else one generated once and kept under var/."""
        if self.secret_key:
            return self.secret_key
        path = self.var_dir / "secret_key"
        if path.exists():
            return path.read_text().strip()
        self.var_dir.mkdir(parents=True, exist_ok=True)
        key = secrets.token_urlsafe(48)
        path.write_text(key)
        path.chmod(0o600)
        return key


def load_settings() -> Settings:
    """Read the environment; a bad value fails with a message naming the variable."""
    try:
        return Settings()
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']).upper()}: {err['msg']}" for err in exc.errors()
        )
        raise ConfigError(f"bad configuration: {problems}") from None


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return load_settings()
