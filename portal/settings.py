"""All configuration, read from ``PORTAL_*`` environment variables.

Settings are a value: tests build ``Settings(...)`` directly and pass it to ``create_app``;
nothing reads the environment at import time.
"""

from __future__ import annotations

import ipaddress
import os
from dataclasses import dataclass, field, fields
from pathlib import Path

DEFAULT_SECRET_KEY = "dev-insecure-secret-key-change-me"  # noqa: S105 (refused in prod)


class SettingsError(ValueError):
    """Raised when the configuration cannot run safely; the message says what to set."""


@dataclass(frozen=True)
class Settings:
    """Everything the portal can be configured with; each field maps to ``PORTAL_<NAME>``."""

    env: str = field(
        default="dev", metadata={"help": "`dev` or `prod`; prod refuses unsafe defaults."}
    )
    data_dir: Path = field(
        default=Path("var"),
        metadata={"help": "Folder for the SQLite file, search index, uploads and dev mail."},
    )
    database_url: str = field(
        default="",
        metadata={"help": "SQLAlchemy URL; empty means SQLite at `<data_dir>/svar.sqlite3`."},
    )
    base_url: str = field(
        default="http://127.0.0.1:8000",
        metadata={"help": "Absolute URL of the portal, used in links inside emails."},
    )
    secret_key: str = field(
        default=DEFAULT_SECRET_KEY,
        metadata={"help": "Signs cookies and tokens; must be set to a long random value in prod."},
    )
    smtp_url: str = field(
        default="",
        metadata={
            "help": "`smtp://user:pass@host:port` (`?starttls=1` for STARTTLS), `smtps://` for "
            "implicit TLS; empty means the dev mail sink at `/dev/mail`."
        },
    )
    mail_from: str = field(
        default="Svar <noreply@svar.localhost>",
        metadata={"help": "Sender of every email; its address is never sent an acknowledgement."},
    )
    redis_url: str = field(
        default="",
        metadata={"help": "Optional Redis for rate limits and sessions across instances."},
    )
    trusted_proxies: str = field(
        default="",
        metadata={
            "help": "Comma-separated addresses or networks of your reverse proxies (e.g. "
            "`10.0.0.0/8, ::1`); only their `X-Forwarded-For` names the client. Empty trusts "
            "no one."
        },
    )
    rate_limit_scale: float = field(
        default=1.0,
        metadata={"help": "Multiplies every rate limit (e.g. 1000 for load benchmarks)."},
    )
    outbox_in_process: bool = field(
        default=True,
        metadata={
            "help": "Deliver queued email from inside the server; false when `portal worker` runs."
        },
    )
    max_acks_per_recipient_per_day: int = field(
        default=5,
        metadata={
            "help": "Acknowledgements per address per 24 hours; later cases are still stored."
        },
    )
    complaint_min_fill_seconds: float = field(
        default=3.0,
        metadata={
            "help": "A complaint sent sooner than this after the form was shown is taken for a bot."
        },
    )
    complaint_rate_limit_per_hour: int = field(
        default=20,
        metadata={"help": "Complaint submissions per client per hour (times the scale)."},
    )
    track_rate_limit_per_hour: int = field(
        default=10,
        metadata={"help": "Track-a-case requests per client per hour (times the scale)."},
    )
    post_rate_limit_per_minute: int = field(
        default=30,
        metadata={"help": "Other public form posts per client per minute (times the scale)."},
    )
    staff_session_idle_minutes: int = field(
        default=60,
        metadata={"help": "A staff session ends after this many minutes without a request."},
    )
    keeping_interval_seconds: float = field(
        default=60.0,
        metadata={
            "help": "How often the worker looks for promises to keep and cases to follow up."
        },
    )
    breach_warning_working_minutes: int = field(
        default=60,
        metadata={
            "help": "Agents are warned once when an unanswered case has this many working minutes "
            "left before its promise."
        },
    )
    agents_team_email: str = field(
        default="",
        metadata={"help": "Address warned about unassigned cases; empty means every active agent."},
    )
    late_update_working_minutes: int = field(
        default=30,
        metadata={
            "help": "With this many working minutes left and no answer, the customer is told a "
            "new time."
        },
    )
    late_update_margin_working_minutes: int = field(
        default=240,
        metadata={
            "help": "The least working time from now to a new promise; the queue ahead adds more."
        },
    )
    check_in_after_working_hours: int = field(
        default=9,
        metadata={
            "help": 'Working hours after a resolution before "Is your problem solved?" is asked '
            "again, if unanswered."
        },
    )
    waiting_reminder_after_working_hours: int = field(
        default=27,
        metadata={"help": "Working hours a case waits on the customer before a reminder."},
    )
    waiting_close_after_working_hours: int = field(
        default=90,
        metadata={
            "help": "Working hours a case waits on the customer before it is closed with a notice."
        },
    )
    log_level: str = field(default="INFO", metadata={"help": "Python logging level."})

    # -- derived values -------------------------------------------------------------------

    @property
    def is_prod(self) -> bool:
        return self.env == "prod"

    @property
    def effective_database_url(self) -> str:
        if self.database_url:
            return normalise_database_url(self.database_url)
        return f"sqlite:///{(self.data_dir / 'svar.sqlite3').resolve()}"

    @property
    def uses_dev_mail_sink(self) -> bool:
        return not self.smtp_url

    @property
    def trusted_proxy_list(self) -> list[str]:
        """The proxies whose ``X-Forwarded-For`` is believed, as written (addresses or networks)."""
        return [part.strip() for part in self.trusted_proxies.split(",") if part.strip()]

    def scaled(self, limit: int) -> int:
        """A rate limit multiplied by ``rate_limit_scale`` (never below 1)."""
        return max(1, round(limit * self.rate_limit_scale))

    def check(self) -> None:
        """Refuse configurations that are unsafe in production, saying what to set."""
        if self.env not in ("dev", "prod"):
            raise SettingsError(f"PORTAL_ENV must be 'dev' or 'prod', not {self.env!r}.")
        _check_proxies(self.trusted_proxy_list)
        if self.smtp_url:
            # Here, not when the outbox worker first connects: a typo stops the start, not the mail.
            from portal.mail.transport import parse_smtp_url

            parse_smtp_url(self.smtp_url)
        if not self.is_prod:
            return
        problems = []
        if self.secret_key == DEFAULT_SECRET_KEY or len(self.secret_key) < 32:
            problems.append(
                "set PORTAL_SECRET_KEY to a random value of at least 32 characters "
                "(for example: python -c 'import secrets; print(secrets.token_urlsafe(48))')"
            )
        if not self.smtp_url:
            problems.append(
                "set PORTAL_SMTP_URL to your mail server, "
                "e.g. smtp://user:pass@mail.example.com:587?starttls=1 "
                "(the dev mail sink is not available in production)"
            )
        if problems:
            raise SettingsError(
                "Refusing to start with PORTAL_ENV=prod: " + "; ".join(problems) + "."
            )

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None, **overrides: object) -> Settings:
        """Build settings from ``PORTAL_*`` variables (``environ`` defaults to ``os.environ``)."""
        environ = dict(os.environ if environ is None else environ)
        values: dict[str, object] = {}
        for f in fields(cls):
            raw = environ.get(f"PORTAL_{f.name.upper()}")
            if raw is None:
                continue
            values[f.name] = _parse(f.type, raw, f.name)
        values.update(overrides)
        return cls(**values)  # type: ignore[arg-type]


def _check_proxies(entries: list[str]) -> None:
    """Each trusted proxy must be an IP address or network, so a typo fails loudly at start."""
    for entry in entries:
        try:
            ipaddress.ip_network(entry, strict=False)
        except ValueError as exc:
            raise SettingsError(
                f"PORTAL_TRUSTED_PROXIES: {entry!r} is not an IP address or network "
                "(write e.g. 10.0.0.5, 10.0.0.0/8 or ::1, separated by commas)."
            ) from exc


def _parse(type_name: object, raw: str, name: str) -> object:
    kind = str(type_name)
    try:
        if kind == "Path":
            return Path(raw)
        if kind == "bool":
            return raw.strip().lower() in ("1", "true", "yes", "on")
        if kind == "int":
            return int(raw)
        if kind == "float":
            return float(raw)
    except ValueError as exc:
        raise SettingsError(f"PORTAL_{name.upper()}={raw!r} is not a valid {kind}.") from exc
    return raw


def normalise_database_url(url: str) -> str:
    """Accept the usual spellings of a PostgreSQL URL and use the psycopg 3 driver."""
    for prefix in (
        "postgres://",
        "postgresql://",
        "postgresql+asyncpg://",
        "postgresql+psycopg2://",
    ):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    if url.startswith("sqlite+aiosqlite://"):
        return "sqlite://" + url[len("sqlite+aiosqlite://") :]
    return url


def documented_settings() -> list[tuple[str, str, str]]:
    """(variable, default, help) for every setting — the README's configuration table."""
    rows = []
    for f in fields(Settings):
        default = f.default
        rows.append((f"PORTAL_{f.name.upper()}", str(default), f.metadata.get("help", "")))
    return rows
