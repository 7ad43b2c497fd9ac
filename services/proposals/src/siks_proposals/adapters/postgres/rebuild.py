"""Rebuild of the proposals read model from the event store, one bounded chunk of streams per transaction.

Each chunk commits on its own, so no long transaction holds back the relay while the service keeps
serving; the projection's version guard keeps any row a newer write projected meanwhile. The copy of
DTKS is not rebuilt here: it comes from the registry's topic (rewind that consumer to rebuild it).
"""

from __future__ import annotations

from collections.abc import Callable
from itertools import groupby

import asyncpg
from siks_events import catalog
from siks_events.catalog.proposals import ProposalDrafted

from siks_proposals.adapters.postgres.projection import project_proposal
from siks_proposals.domain.proposal import Proposal

Progress = Callable[[int, int], None]
"""Called after each committed chunk with (proposals replayed so far, proposals in the store)."""

# Every proposal stream begins with its draft; period streams do not.
_COUNT = "SELECT count(*) FROM events WHERE type = $1"
_NEXT_STREAMS = "SELECT stream_id FROM events WHERE type = $1 AND stream_id > $2 ORDER BY stream_id LIMIT $3"
_EVENTS_OF = "SELECT stream_id, type, data FROM events WHERE stream_id = ANY($1::text[]) ORDER BY stream_id, version"


async def rebuild(pool: asyncpg.Pool, progress: Progress | None = None, *, chunk: int = 500) -> int:
    """Replay every proposal stream into the read model, `chunk` streams per transaction; how many were replayed."""
    replayed = 0
    async with pool.acquire() as connection:
        total = await connection.fetchval(_COUNT, ProposalDrafted.type)
        last = ""
        while streams := [r["stream_id"] for r in await connection.fetch(
                _NEXT_STREAMS, ProposalDrafted.type, last, chunk)]:
            async with connection.transaction():
                rows = await connection.fetch(_EVENTS_OF, streams)
                for stream_id, events in groupby(rows, key=lambda r: r["stream_id"]):
                    proposal = Proposal.rehydrate(stream_id, (catalog.decode(r["type"], r["data"]) for r in events))
                    await project_proposal(connection, proposal)
            replayed += len(streams)
            last = streams[-1]
            if progress:
                progress(replayed, max(total, replayed))
    return replayed
