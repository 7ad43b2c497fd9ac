"""One projection version's tables: `eligibility_v<n>_events`, `_households` and `_decisions`.

A version's tables are disposable (rebuilt by replay), so they are made and dropped here rather
than by migrations. `events` keeps each household's registry events, so a household is refolded
from them (and a past decision recomputed at the position it names); `households` keeps what the
regency ranking reads; `decisions` is what the API serves.
"""

from __future__ import annotations

from dataclasses import dataclass

import asyncpg


@dataclass(frozen=True)
class VersionTables:
    """The table names of projection version `version`."""

    version: int

    @property
    def prefix(self) -> str:
        return f"eligibility_v{int(self.version)}"

    @property
    def events(self) -> str:
        return f"{self.prefix}_events"

    @property
    def households(self) -> str:
        return f"{self.prefix}_households"

    @property
    def decisions(self) -> str:
        return f"{self.prefix}_decisions"

    @property
    def consumer(self) -> str:
        """The consumer (inbox, positions, group) that feeds this version: each version reads the log on its own."""
        return f"eligibility-v{int(self.version)}"

    def ddl(self) -> list[str]:
        return [
            f"""CREATE TABLE IF NOT EXISTS {self.events} (
                household_id text NOT NULL,
                stream_version integer NOT NULL,
                type text NOT NULL,
                data json NOT NULL,     -- json, as the decisions' documents: kept and read back whole, never queried
                recorded_at timestamptz NOT NULL,
                PRIMARY KEY (household_id, stream_version))""",
            f"""CREATE TABLE IF NOT EXISTS {self.households} (
                household_id text PRIMARY KEY,
                regency text,
                score integer,          -- NULL: not ranked (not in DTKS on the day assessed)
                decile integer,
                stream_version integer NOT NULL)""",
            f"CREATE INDEX IF NOT EXISTS {self.prefix}_households_regency ON {self.households} (regency)",
            f"""CREATE TABLE IF NOT EXISTS {self.decisions} (
                program text NOT NULL,
                household_id text NOT NULL,
                nik text NOT NULL,      -- '' for a household programme (PKH, Sembako)
                eligible boolean NOT NULL,
                regency text NOT NULL,
                decile integer,
                rule_version text NOT NULL,
                weights_version text NOT NULL,
                assessed_on date NOT NULL,
                log_position integer NOT NULL,  -- the household stream version the decision folded up to
                -- json, not jsonb: served as written and read with ->> only, so PostgreSQL need not convert
                -- two documents per row on every write (a build writes 200,000 rows per 20,000 households)
                conditions json NOT NULL,
                inputs json NOT NULL,
                end_reason text,
                ended_on date,
                in_regency_since date,
                PRIMARY KEY (program, household_id, nik))""",
            f"CREATE INDEX IF NOT EXISTS {self.prefix}_decisions_household ON {self.decisions} (household_id)",
            f"CREATE INDEX IF NOT EXISTS {self.prefix}_decisions_eligible ON {self.decisions} (program, regency) WHERE eligible",
        ]

    async def create(self, connection: asyncpg.Connection) -> None:
        for statement in self.ddl():
            await connection.execute(statement)

    async def drop(self, connection: asyncpg.Connection) -> None:
        for table in (self.decisions, self.households, self.events):
            await connection.execute(f"DROP TABLE IF EXISTS {table}")
