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

# Revision siks_events_0002: the backbone at national volume.
BACKBONE_DDL = [
    # Leader fencing: each relay that takes the lead bumps the epoch; a watermark write carries the
    # writer's epoch and is refused once a newer leader exists, and the watermark never moves back.
    "ALTER TABLE relay_state ADD COLUMN epoch bigint NOT NULL DEFAULT 0",
    # Dead letters are an outbox of their own: written in the batch transaction that moves the position
    # past the record, sent to `<topic>.dlq` afterwards by their own loop, so the two cannot diverge.
    "ALTER TABLE dead_letters ADD COLUMN reason_code text NOT NULL DEFAULT 'unknown'",
    "ALTER TABLE dead_letters ADD COLUMN record_key bytea",
    "ALTER TABLE dead_letters ADD COLUMN record_value bytea",
    "ALTER TABLE dead_letters ADD COLUMN record_headers jsonb NOT NULL DEFAULT '[]'",
    "ALTER TABLE dead_letters ADD COLUMN sent_at timestamptz",
    "ALTER TABLE dead_letters ADD COLUMN replayed_at timestamptz",
    "CREATE INDEX dead_letters_unsent ON dead_letters (id) WHERE sent_at IS NULL",
    # The same record redelivered is dead-lettered once; after a broker restart an offset can hold another record.
    "ALTER TABLE dead_letters ADD COLUMN fingerprint text NOT NULL DEFAULT ''",
    "CREATE UNIQUE INDEX dead_letters_once ON dead_letters (consumer, topic, partition, \"offset\", fingerprint)",
    # Inbox rows are pruned after a retention period.
    "CREATE INDEX inbox_applied_at ON inbox (applied_at)",
    # A wake-up hint for the relay (polling stays the fallback); one notification per writing statement.
    """
    CREATE OR REPLACE FUNCTION siks_events_notify() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        PERFORM pg_notify('siks_events.' || TG_TABLE_SCHEMA, '');
        RETURN NULL;
    END $$
    """,
    "CREATE TRIGGER events_notify AFTER INSERT ON events FOR EACH STATEMENT EXECUTE FUNCTION siks_events_notify()",
]

# Revision siks_events_0003: the tamper-evident chain of the event store (see chain.py).
CHAIN_DDL = [
    """
    CREATE TABLE event_chain (
        seq       bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        position  bigint NOT NULL UNIQUE,
        hash      bytea  NOT NULL
    )
    """,
    # Events of every transaction below the watermark are in the chain.
    "CREATE TABLE chain_state (one boolean PRIMARY KEY DEFAULT true CHECK (one), watermark bigint NOT NULL)",
]

# Revision siks_events_0004: signed checkpoints of the chain, per region (see checkpoints.py).
CHECKPOINT_DDL = [
    """
    CREATE TABLE chain_checkpoints (
        seq          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        region       text        NOT NULL,
        up_to_seq    bigint      NOT NULL,
        chain_hash   bytea       NOT NULL,
        region_hash  bytea       NOT NULL,
        events       bigint      NOT NULL,
        previous     bytea       NOT NULL,
        signed_at    timestamptz NOT NULL,
        key_id       text        NOT NULL,
        signature    bytea       NOT NULL
    )
    """,
]

EVENT_STORE_TABLES = ["chain_checkpoints", "chain_state", "event_chain", "dead_letters", "consumer_positions", "inbox",
                      "relay_state", "events"]


def upgrade() -> None:
    from alembic import op

    for statement in EVENT_STORE_DDL:
        op.execute(statement)


def upgrade_backbone() -> None:
    from alembic import op

    for statement in BACKBONE_DDL:
        op.execute(statement)


def upgrade_chain() -> None:
    from alembic import op

    for statement in CHAIN_DDL:
        op.execute(statement)


def upgrade_checkpoints() -> None:
    from alembic import op

    for statement in CHECKPOINT_DDL:
        op.execute(statement)


def downgrade() -> None:
    from alembic import op

    op.execute("DROP FUNCTION IF EXISTS siks_events_notify() CASCADE")
    for table in EVENT_STORE_TABLES:
        op.execute(f"DROP TABLE IF EXISTS {table}")


async def create_all(connection) -> None:
    """Create the tables directly (tests of the library itself, which has no alembic history)."""
    async with connection.transaction():
        for statement in EVENT_STORE_DDL + BACKBONE_DDL + CHAIN_DDL + CHECKPOINT_DDL:
            await connection.execute(statement)
