"""kneecoach's settings, read from the environment in this one place (pydantic-settings).

| variable | meaning |
| --- | --- |
| `KNEECOACH_DATABASE_URL` | the database when `--db` is not given |
| `KNEECOACH_PORT` | the port `serve` hands its workers |
| `KNEECOACH_DEBUG` | `1`: show a bug's full traceback |
| `KNEECOACH_RULES__<NAME>` | a design-choice threshold (`kneecoach.domain.rules.DESIGN_CHOICES`) |
| `KNEECOACH_CLINIC__<NAME>` | clinic mode: session timeouts, argon2 costs (`ClinicSettings`) |
| `KNEECOACH_CLINIC_MODE` | `1`: clinic mode (`serve --clinic` sets it for its workers) |
| `KNEECOACH_PUBLIC_HOSTS` | clinic mode: the host names used beyond loopback (JSON list) |
| `KNEECOACH_SMTP_URL` | clinic mode: alert mail (`smtp://`, `smtps://`, `smtp+starttls://`) |
| `KNEECOACH_MAIL_FROM` | clinic mode: the sender of alert mail |
| `KNEECOACH_BASE_URL` | clinic mode: the address links in alert mail start with |

A bad value names its variable (`KNEECOACH_RULES__PR4_GROWTH_PERCENT: ...`). The
settings are read once per process (`get_settings`); `apply_rules` hands the design
choices to the engine, before it decides anything.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, create_model, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from kneecoach.domain import rules
from kneecoach.domain.errors import FieldError

ENV_PREFIX = "KNEECOACH_"


def _rules_model() -> type[BaseModel]:
    fields: dict[str, Any] = {}
    for name, choice in rules.DESIGN_CHOICES.items():
        kind: type = int if choice.whole else float
        default = rules.DEFAULTS[name]
        fields[name] = (
            kind,
            Field(default, ge=choice.minimum, le=choice.maximum, description=choice.meaning),
        )
    return create_model(
        "DesignChoices", __config__=ConfigDict(extra="forbid", frozen=True), **fields
    )


DesignChoices = _rules_model()


class ClinicSettings(BaseModel):
    """Clinic mode's design choices. The argon2 costs are argon2-cffi's defaults (RFC 9106's
    low-memory profile); only tests lower them, to keep the suite fast."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    staff_idle_minutes: int = Field(
        default=30, ge=1, le=12 * 60, description="staff sign-out when idle"
    )
    staff_absolute_hours: int = Field(default=12, ge=1, le=12, description="staff sessions at most")
    patient_idle_minutes: int = Field(
        default=7 * 24 * 60, ge=1, le=30 * 24 * 60, description="patient sign-out when idle"
    )
    patient_absolute_hours: int = Field(
        default=30 * 24, ge=1, le=90 * 24, description="patient sessions at most"
    )
    argon2_time_cost: int = Field(default=3, ge=1, le=100)
    argon2_memory_kib: int = Field(default=65536, ge=8, le=4 * 1024 * 1024)
    argon2_parallelism: int = Field(default=4, ge=1, le=64)

    @model_validator(mode="after")
    def _argon2_memory_per_lane(self) -> ClinicSettings:
        if self.argon2_memory_kib < 8 * self.argon2_parallelism:
            raise ValueError("argon2_memory_kib must be at least 8 per lane of parallelism")
        return self


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX, env_nested_delimiter="__", extra="ignore", frozen=True
    )

    database_url: str | None = None
    port: int = Field(default=8000, ge=1, le=65535)
    debug: bool = False
    clinic_mode: bool = False
    # Host names a clinic is reached by beyond loopback (`serve --clinic --public-host`);
    # any of them turns on Secure cookies and HSTS.
    public_hosts: tuple[str, ...] = ()
    rules: DesignChoices = Field(default_factory=DesignChoices)  # type: ignore[valid-type]
    clinic: ClinicSettings = Field(default_factory=ClinicSettings)
    # Alert mail (CL-3, docs/alerts.md): none is sent without an SMTP URL; it waits in
    # the outbox. `smtp://host:port` plain, `smtps://` TLS, `smtp+starttls://` STARTTLS;
    # `user:password@` in the URL signs in.
    smtp_url: str | None = None
    mail_from: str = Field(default="kneecoach@localhost", min_length=3, max_length=254)
    # Where the links in alert mail point: the clinic's address as staff open it.
    base_url: str = Field(default="http://localhost:8000", min_length=1, max_length=500)


class SettingsError(FieldError):
    """A setting in the environment that cannot be used (the field is the variable)."""


@cache
def get_settings() -> Settings:
    """The settings of this process, read from the environment once."""
    try:
        return Settings()
    except ValidationError as error:
        first = error.errors()[0]
        path = "__".join(str(part) for part in first["loc"]).upper()
        raise SettingsError(f"{ENV_PREFIX}{path}", first["msg"]) from None


def apply_rules(settings: Settings | None = None) -> None:
    """Hand the configured design choices to the engine (the rest keep their defaults)."""
    chosen = (settings or get_settings()).rules
    rules.configure(chosen.model_dump(exclude_unset=True))  # type: ignore[attr-defined]
