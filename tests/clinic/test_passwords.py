"""The password policy, argon2id hashing, and the committed common-password list."""

from __future__ import annotations

from pathlib import Path

import argon2
import pytest

from kneecoach.domain.errors import FieldError
from kneecoach.services import auth
from kneecoach.settings import ClinicSettings

PASSWORDS = Path(auth.__file__).parents[1] / "content" / "passwords"


def refusal(password: object, email: str = "jane.doe@example.org") -> str:
    with pytest.raises(FieldError) as caught:
        auth.check_password(password, email)
    assert caught.value.field == "password"
    return caught.value.problem


def test_twelve_characters_at_least() -> None:
    assert refusal("short pass1") == "Use at least 12 characters."
    assert auth.check_password("twelve chars", "x@example.org") == "twelve chars"


def test_common_passwords_are_refused_whatever_their_case() -> None:
    for common in ("q1w2e3r4t5y6", "1QAZ2WSX3EDC", "Password1234"):
        assert refusal(common) == "This password is too common. Choose another."


def test_the_email_name_part_is_refused_whatever_its_case() -> None:
    expected = "Do not use your email name in your password."
    assert refusal("my Jane.Doe secret", "jane.doe@example.org") == expected
    assert refusal("JANE loves squats", "jane.doe@example.org") == expected
    assert refusal("xXsamwiseXx-2025", "SamWise@example.org") == expected
    # A short piece of the name ("doe") alone is not refused: it is in too many words.
    assert auth.check_password("a doe in the woods", "jane.doe@example.org")


def test_a_missing_or_huge_password_names_the_field() -> None:
    assert refusal(None) == "Give a password."
    assert refusal("x" * 1025) == "Use at most 1024 characters."
    with pytest.raises(FieldError) as caught:
        auth.check_password("short", "a@example.org", "new_password")
    assert caught.value.field == "new_password"


def test_hashes_are_argon2id_and_verify() -> None:
    hashed = auth.hash_password("correct horse battery")
    assert hashed.startswith("$argon2id$")
    assert auth.verify_password(hashed, "correct horse battery")
    assert not auth.verify_password(hashed, "Correct horse battery")
    assert not auth.verify_password(None, "correct horse battery")  # the dummy never matches
    assert not auth.verify_password("not a hash", "correct horse battery")


def test_production_costs_are_argon2_cffis_defaults() -> None:
    defaults = ClinicSettings()
    hasher = argon2.PasswordHasher()
    assert (defaults.argon2_time_cost, defaults.argon2_memory_kib, defaults.argon2_parallelism) == (
        hasher.time_cost,
        hasher.memory_cost,
        hasher.parallelism,
    )


def test_a_hash_made_with_other_costs_asks_to_be_redone() -> None:
    strong = argon2.PasswordHasher(time_cost=2, memory_cost=16, parallelism=1).hash("x" * 12)
    assert auth.needs_rehash(strong)
    assert not auth.needs_rehash(auth.hash_password("x" * 12))


def test_the_list_is_djangos_with_its_source_and_licence() -> None:
    assert len(auth.common_passwords()) > 19_000
    readme = (PASSWORDS / "README.md").read_text()
    assert "Django" in readme and "Royce Williams" in readme and "BSD" in readme
    assert "Django Software Foundation" in (PASSWORDS / "LICENSE-django.txt").read_text()


def test_emails_are_trimmed_and_lowercased() -> None:
    assert auth.normal_email("  Jane.Doe@Example.ORG ") == "jane.doe@example.org"
    for bad in ("", "jane", "jane@", "@example.org", "ja ne@example.org", 5, None):
        with pytest.raises(FieldError) as caught:
            auth.normal_email(bad, "admin_email")
        assert caught.value.field == "admin_email"


def test_a_qr_code_is_inline_svg() -> None:
    uri = auth.otpauth_uri(auth.new_totp_secret(), "jane@example.org")
    assert uri.startswith("otpauth://totp/kneecoach:jane%40example.org?secret=")
    svg = auth.qr_svg(uri)
    assert svg.startswith("<svg") and svg.rstrip().endswith("</svg>")
