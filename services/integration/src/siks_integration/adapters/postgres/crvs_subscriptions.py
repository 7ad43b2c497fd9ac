"""Our subscriptions to the civil registry's vital events (DCI CRVS), as requested and as it confirmed them."""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum

import asyncpg
from siks_events.sealing import SecretSealer


class Standing(StrEnum):
    REQUESTED = "requested"  # sent; the registry's on-subscribe has not come yet
    SUBSCRIBED = "subscribed"  # the registry confirmed it with a subscription code
    REJECTED = "rejected"  # the registry refused it; `reason` says why
    UNSUBSCRIBED = "unsubscribed"


async def requested(pool: asyncpg.Pool, *, transaction_id: str, items: dict[str, str]) -> None:
    """Record the subscribe_request items just sent: reference id -> vital event type."""
    await pool.executemany(
        "INSERT INTO crvs_subscriptions (reference_id, transaction_id, reg_event_type, status) VALUES ($1, $2, $3, $4)",
        [(reference_id, transaction_id, event, Standing.REQUESTED.value) for reference_id, event in items.items()])


async def answered(pool: asyncpg.Pool, *, reference_id: str, standing: Standing, code: str | None,
                   reason: str | None) -> bool:
    """The registry's answer to one item we sent; False when we sent no such item."""
    status = await pool.execute(
        "UPDATE crvs_subscriptions SET status = $2, code = coalesce($3, code), reason = $4, updated_at = now()"
        " WHERE reference_id = $1", reference_id, standing.value, code, reason)
    return status != "UPDATE 0"


async def ended(pool: asyncpg.Pool, codes: list[str]) -> None:
    await pool.execute("UPDATE crvs_subscriptions SET status = $2, updated_at = now() WHERE code = ANY($1)",
                       codes, Standing.UNSUBSCRIBED.value)


async def withdrawn(pool: asyncpg.Pool, reference_ids: list[str]) -> None:
    """Forget items the registry never took (it could not be reached, or refused the whole message)."""
    await pool.execute("DELETE FROM crvs_subscriptions WHERE reference_id = ANY($1) AND status = $2",
                       reference_ids, Standing.REQUESTED.value)


async def missing(pool: asyncpg.Pool, event_types: list[str], *, patience_seconds: float) -> list[str]:
    """The event types without a confirmed subscription, and without a request or refusal younger than
    `patience_seconds` (a refused one is asked again only after that long)."""
    rows = await pool.fetch(
        "SELECT DISTINCT reg_event_type FROM crvs_subscriptions WHERE reg_event_type = ANY($1)"
        " AND (status = $2 OR (status = ANY($3) AND updated_at > now() - make_interval(secs => $4)))",
        event_types, Standing.SUBSCRIBED.value, [Standing.REQUESTED.value, Standing.REJECTED.value],
        patience_seconds)
    covered = {r["reg_event_type"] for r in rows}
    return [event for event in event_types if event not in covered]


async def listed(pool: asyncpg.Pool) -> list[asyncpg.Record]:
    return await pool.fetch("SELECT * FROM crvs_subscriptions ORDER BY requested_at, reference_id")


def client_key_context(client_id: str) -> str:
    """What a sealed client key is bound to: a sealed value copied to another row does not open."""
    return f"crvs_client_keys:{client_id}"


async def client_key(pool: asyncpg.Pool, sealer: SecretSealer, client_id: str, make: Callable[[], str]) -> str:
    """Our signing key's PEM for `client_id`: the one kept, or one `make`s kept from now on; stored sealed."""
    context = client_key_context(client_id)
    await pool.execute("INSERT INTO crvs_client_keys (client_id, pem) VALUES ($1, $2) ON CONFLICT DO NOTHING",
                       client_id, sealer.seal(make(), context=context))
    return sealer.open(await pool.fetchval("SELECT pem FROM crvs_client_keys WHERE client_id = $1", client_id),
                       context=context)
