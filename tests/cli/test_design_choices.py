"""Design choices are settings: `KNEECOACH_RULES__<NAME>` changes them on every surface."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from kneecoach.domain import rules
from kneecoach.services.course import engine_version
from tests.factories import profile

EXE = shutil.which("kneecoach", path=str(Path(sys.executable).parent)) or "kneecoach"


def kc(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {
        **{k: v for k, v in os.environ.items() if not k.startswith("KNEECOACH_RULES__")},
        "KNEECOACH_DATABASE_URL": f"sqlite:///{tmp_path / 'kneecoach.db'}",
        "NO_COLOR": "1",
        **env,
    }
    return subprocess.run([EXE, *args], capture_output=True, text=True, timeout=60, env=environment)


@pytest.fixture(autouse=True)
def _defaults_again():
    yield
    rules.configure({})


def test_pm5_threshold_is_a_setting(tmp_path):
    """Intake pain 7: `none` by default (PM-5 starts at 8); `soon` when PM-5 is set to 6,
    in `plan` (no database) and in `start` alike."""
    raw = tmp_path / "p.json"
    raw.write_text(json.dumps(profile(pain_now=7)))
    for setting, urgency in ((None, "none"), ("6", "soon")):
        env = {"KNEECOACH_RULES__PM5_HIGH_INTAKE_PAIN": setting} if setting else {}
        planned = kc(tmp_path, "plan", "--profile", str(raw), "--json", **env)
        assert planned.returncode == 0, planned.stderr
        assert json.loads(planned.stdout)["urgency"] == urgency
        (tmp_path / "kneecoach.db").unlink(missing_ok=True)
        started = kc(
            tmp_path, "start", "--profile", str(raw), "--date", "2026-01-05", "--json", **env
        )
        assert started.returncode == 0, started.stderr
        assert json.loads(started.stdout)["urgency"] == urgency
        assert any("PM-5" in w for w in json.loads(started.stdout)["warnings"]) == bool(setting)


def test_a_bad_setting_names_its_variable(tmp_path):
    result = kc(tmp_path, "today", "--json", KNEECOACH_RULES__PR4_GROWTH_PERCENT="99")
    assert result.returncode == 2
    assert result.stdout == ""
    assert "KNEECOACH_RULES__PR4_GROWTH_PERCENT" in result.stderr
    assert "Traceback" not in result.stderr


def test_configure_checks_names_bounds_and_whole_numbers():
    with pytest.raises(ValueError, match="PM3_RISE: not a design choice"):
        rules.configure({"PM3_RISE": 3})
    with pytest.raises(ValueError, match="PR4_GROWTH_PERCENT: must be from 5 to 20"):
        rules.configure({"PR4_GROWTH_PERCENT": 30})
    with pytest.raises(ValueError, match="PR7_LOW_DAYS: must be a whole number"):
        rules.configure({"PR7_LOW_DAYS": 14.5})
    with pytest.raises(ValueError, match="PM1_SAFE_MAX: not a design choice"):
        rules.configure({"PM1_SAFE_MAX": 3})  # validated thresholds are not settings


def test_a_new_choice_is_a_new_engine_version_and_back_again():
    """Stored course states depend on the choices: they are rebuilt when one changes."""
    before = engine_version()
    rules.configure({"PR4_GROWTH_PERCENT": 20})
    assert rules.PR4_GROWTH_PERCENT == 20
    assert engine_version() != before
    rules.configure({})  # every choice back to its default
    assert rules.PR4_GROWTH_PERCENT == rules.DEFAULTS["PR4_GROWTH_PERCENT"] == 10
    assert engine_version() == before


def test_every_design_choice_has_its_default_in_rules():
    assert set(rules.DEFAULTS) == set(rules.DESIGN_CHOICES)
    for name, choice in rules.DESIGN_CHOICES.items():
        assert choice.minimum <= rules.DEFAULTS[name] <= choice.maximum, name


def test_the_docs_list_every_design_choice_with_its_default():
    docs = (Path(__file__).parents[2] / "docs" / "engine.md").read_text()
    for name in rules.DESIGN_CHOICES:
        row = f"| `KNEECOACH_RULES__{name}` | {rules.DEFAULTS[name]:g} |"
        assert row in docs, name
