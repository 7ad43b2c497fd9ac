"""Which vital events we must (again) subscribe to at the civil registry, from what it answered so far."""

from __future__ import annotations

import pytest
from siks_events.sealing import CannotOpen, SecretSealer, generate_key, is_sealed
from siks_integration.adapters.postgres import crvs_subscriptions
from siks_integration.adapters.postgres.crvs_subscriptions import Standing

EVENTS = ["death", "change_of_address"]


async def test_an_event_is_asked_for_until_confirmed_and_a_refusal_only_after_the_patience(pool):
    assert await crvs_subscriptions.missing(pool, EVENTS, patience_seconds=60) == EVENTS
    await crvs_subscriptions.requested(pool, transaction_id="t-1", items={"r-1": "death", "r-2": "change_of_address"})
    assert await crvs_subscriptions.missing(pool, EVENTS, patience_seconds=60) == []
    assert await crvs_subscriptions.missing(pool, EVENTS, patience_seconds=0) == EVENTS  # no answer in time

    assert await crvs_subscriptions.answered(pool, reference_id="r-1", standing=Standing.SUBSCRIBED, code="C-1",
                                             reason=None)
    assert await crvs_subscriptions.answered(pool, reference_id="r-2", standing=Standing.REJECTED, code=None,
                                             reason="rjct.notify_types.invalid")
    assert not await crvs_subscriptions.answered(pool, reference_id="r-9", standing=Standing.SUBSCRIBED, code="C-9",
                                                 reason=None)
    assert await crvs_subscriptions.missing(pool, EVENTS, patience_seconds=60) == []
    assert await crvs_subscriptions.missing(pool, EVENTS, patience_seconds=0) == ["change_of_address"]

    await crvs_subscriptions.ended(pool, ["C-1"])
    assert await crvs_subscriptions.missing(pool, EVENTS, patience_seconds=60) == ["death"]


async def test_items_the_registry_never_took_are_forgotten(pool):
    await crvs_subscriptions.requested(pool, transaction_id="t-2", items={"r-3": "death"})
    await crvs_subscriptions.withdrawn(pool, ["r-3"])
    assert await crvs_subscriptions.listed(pool) == []
    assert await crvs_subscriptions.missing(pool, ["death"], patience_seconds=60) == ["death"]


async def test_our_signing_key_is_made_once_and_kept_sealed(pool):
    sealer = SecretSealer.from_text(generate_key())
    first = await crvs_subscriptions.client_key(pool, sealer, "siks-ng.kemensos.go.id", lambda: "PEM-1")
    again = await crvs_subscriptions.client_key(pool, sealer, "siks-ng.kemensos.go.id", lambda: "PEM-2")
    assert (first, again) == ("PEM-1", "PEM-1")
    stored = await pool.fetchval("SELECT pem FROM crvs_client_keys WHERE client_id = 'siks-ng.kemensos.go.id'")
    assert "PEM-1" not in stored and is_sealed(stored)
    with pytest.raises(CannotOpen):  # another deployment's key does not open it
        await crvs_subscriptions.client_key(pool, SecretSealer.from_text(generate_key()), "siks-ng.kemensos.go.id",
                                            lambda: "PEM-3")
