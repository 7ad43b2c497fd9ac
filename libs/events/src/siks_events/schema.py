"""The tables the library needs in every service's schema.

The shared alembic revision `siks_events_0001` (siks_events/alembic) creates them when a
service starts, so they are versioned like the service's own tables.
"""

from __future__ import annotations

EVENT_STORE_DDL = [
    """
    CREATE TABLE events (
        position     bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        stream_id    text        NOT NULL,
        version      integer     NOT NULL CHECK (version > 0),
        event_id     text        NOT NULL UNIQUE,
        type         text        NOT NULL,
        topic        text        NOT NULL,
        subject      text        NOT NULL,
        data         jsonb       NOT NULL,
        metadata     jsonb       NOT NULL DEFAULT '{}',
        recorded_at  timestamptz NOT NULL DEFAULT statement_timestamp(),
        -- the writer's transaction id: the relay publishes only below every open one
        txid         bigint      NOT NULL DEFAULT (pg_current_xact_id()::text::bigint),
        CONSTRAINT events_stream_version UNIQUE (stream_id, version)
    )
    """,
    "CREATE INDEX events_txid_position ON events (txid, position)",
    "CREATE INDEX events_recorded_at ON events (recorded_at)",
    """
    CREATE TABLE relay_state (
        relay           text PRIMARY KEY,
        watermark       bigint NOT NULL DEFAULT 0,
        window_end      bigint,
        after_position  bigint,
        acked_offsets   jsonb  NOT NULL DEFAULT '{}',
        published       bigint NOT NULL DEFAULT 0,
        updated_at      timestamptz NOT NULL DEFAULT now()
    )
    """,
    """
    CREATE TABLE inbox (
        consumer    text NOT NULL,
        event_id    text NOT NULL,
        applied_at  timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (consumer, event_id)
    )
    """,
    """
    CREATE TABLE consumer_positions (
        consumer       text    NOT NULL,
        topic          text    NOT NULL,
        partition      integer NOT NULL,
        next_offset    bigint  NOT NULL,
        -- the record just before next_offset, to notice a broker that lost it
        last_fingerprint text,
        updated_at     timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (consumer, topic, partition)
    )
    """,
    """
    CREATE TABLE dead_letters (
        id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        consumer    text   NOT NULL,
        topic       text   NOT NULL,
        partition   integer NOT NULL,
        "offset"    bigint NOT NULL,
        reason      text   NOT NULL,
        event_id    text,
        recorded_at timestamptz NOT NULL DEFAULT now()
    )
    """,
]

EVENT_STORE_TABLES = ["dead_letters", "consumer_positions", "inbox", "relay_state", "events"]


def upgrade() -> None:
    from alembic import op

    for statement in EVENT_STORE_DDL:
        op.execute(statement)


def downgrade() -> None:
    from alembic import op

    for table in EVENT_STORE_TABLES:
        op.execute(f"DROP TABLE IF EXISTS {table}")


async def create_all(connection) -> None:
    """Create the tables directly (tests of the library itself, which has no alembic history)."""
    async with connection.transaction():
        for statement in EVENT_STORE_DDL:
            await connection.execute(statement)
