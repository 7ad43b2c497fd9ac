"""What the eligibility routes need, declared once: the pool, the projection's lifecycle, and the region of a household."""

from __future__ import annotations

from typing import Annotated

import asyncpg
from fastapi import Depends, Request

from siks_eligibility.application import queries
from siks_eligibility.lifecycle import Lifecycle


async def pool(request: Request) -> asyncpg.Pool:
    return request.app.state.runtime.pool


Pool = Annotated[asyncpg.Pool, Depends(pool)]


def lifecycle_of(runtime) -> Lifecycle:
    """The projection's versions on this service's pool and the registry topic its settings name."""
    s = runtime.settings
    return Lifecycle(runtime.pool, s.kafka_bootstrap_servers, topic_prefix=s.topic_prefix, partitions=s.kafka_partitions,
                     session_timeout_ms=s.kafka_session_timeout_ms, batch_size=s.consumer_batch_size)


async def lifecycle(request: Request) -> Lifecycle:
    return lifecycle_of(request.app.state.runtime)


Versions = Annotated[Lifecycle, Depends(lifecycle)]


async def household_region(request: Request, household_id: str) -> str | None:
    """`RegionOf` for a household: its village as the served version knows it (None: unknown household)."""
    return await queries.household_region(request.app.state.runtime.pool, household_id)
