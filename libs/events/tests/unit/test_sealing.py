"""Stored secrets sealed under keys from the settings: what opens, what does not, and key rotation."""

from __future__ import annotations

import pytest
from pydantic import SecretStr
from siks_events.sealing import CannotOpen, SecretSealer, SecretsKeyMissing, generate_key, is_sealed

SECRET = "kemenkes-callback-secret-2026"
HERE = "subscriptions.secret:one"


def test_a_sealed_secret_opens_to_itself_and_shows_nothing_of_it():
    sealer = SecretSealer.from_text(generate_key())
    sealed = sealer.seal(SECRET, context=HERE)
    assert is_sealed(sealed) and SECRET not in sealed and "kemenkes" not in sealed
    assert sealer.open(sealed, context=HERE) == SECRET
    assert sealer.seal(SECRET, context=HERE) != sealed  # a fresh nonce each time: equal secrets look unequal


def test_a_sealed_secret_does_not_open_elsewhere_altered_or_under_another_key():
    sealer = SecretSealer.from_text(generate_key())
    sealed = sealer.seal(SECRET, context=HERE)
    with pytest.raises(CannotOpen, match="another place"):
        sealer.open(sealed, context="subscriptions.secret:two")  # copied to another row
    altered = sealed[:-6] + ("A" if sealed[-6] != "A" else "B") + sealed[-5:]
    with pytest.raises(CannotOpen):
        sealer.open(altered, context=HERE)
    with pytest.raises(CannotOpen, match="not among"):
        SecretSealer.from_text(generate_key()).open(sealed, context=HERE)
    with pytest.raises(CannotOpen, match="not a sealed value"):
        sealer.open(SECRET, context=HERE)


def test_after_a_rotation_the_new_key_seals_and_the_old_one_still_opens():
    old, new = generate_key(), generate_key()
    sealed_before = SecretSealer.from_text(old).seal(SECRET, context=HERE)
    rotated = SecretSealer.from_text(f"{new}, {old}")
    assert rotated.open(sealed_before, context=HERE) == SECRET
    sealed_after = rotated.seal(SECRET, context=HERE)
    assert SecretSealer.from_text(new).open(sealed_after, context=HERE) == SECRET
    with pytest.raises(CannotOpen):
        SecretSealer.from_text(old).open(sealed_after, context=HERE)


class _Settings:
    def __init__(self, keys: str | None) -> None:
        self.secrets_keys = SecretStr(keys) if keys is not None else None


def test_without_a_key_in_the_settings_nothing_is_sealed_and_the_setting_is_named():
    for missing in (None, "", " "):
        with pytest.raises(SecretsKeyMissing, match="SIKS_SECRETS_KEYS"):
            SecretSealer.from_settings(_Settings(missing))
    with pytest.raises(ValueError, match="32 bytes"):
        SecretSealer.from_text("c2hvcnQ=")
