"""kneecoach's settings, read from the environment in this one place (pydantic-settings).

| variable | meaning |
| --- | --- |
| `KNEECOACH_DATABASE_URL` | the database when `--db` is not given |
| `KNEECOACH_PORT` | the port `serve` hands its workers |
| `KNEECOACH_DEBUG` | `1`: show a bug's full traceback |
| `KNEECOACH_RULES__<NAME>` | a design-choice threshold (`kneecoach.domain.rules.DESIGN_CHOICES`) |

A bad value names its variable (`KNEECOACH_RULES__PR4_GROWTH_PERCENT: ...`). The
settings are read once per process (`get_settings`); `apply_rules` hands the design
choices to the engine, before it decides anything.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, create_model
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


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX, env_nested_delimiter="__", extra="ignore", frozen=True
    )

    database_url: str | None = None
    port: int = Field(default=8000, ge=1, le=65535)
    debug: bool = False
    rules: DesignChoices = Field(default_factory=DesignChoices)  # type: ignore[valid-type]


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
