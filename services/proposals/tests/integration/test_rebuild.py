"""The proposals read model thrown away and rebuilt from the event store gives the same rows."""

from __future__ import annotations

from siks_proposals.adapters.postgres.rebuild import rebuild

from ..api.support import OFFICE, drafted, in_dtks, submitted
from ..builders import add_household, enrol

COLUMNS = "proposal_id, region_code, regency_code, kind, status, period, household_id, niks, change, reason, ready, version"


async def test_a_rebuilt_read_model_has_the_rows_the_commands_wrote(proposals_app, token):
    await in_dtks(proposals_app)
    approved = await submitted(proposals_app, token, enrol())
    await proposals_app.post(f"/v1/proposals/{approved}/approval", headers=token(**OFFICE))
    await submitted(proposals_app, token, add_household())
    await drafted(proposals_app, token, enrol(program="PBI_JK"))
    await proposals_app.post("/v1/periods/3571/2026-11/closure", headers=token(**OFFICE))
    pool = proposals_app.app.state.runtime.pool
    written = [dict(r) for r in await pool.fetch(f"SELECT {COLUMNS} FROM proposals ORDER BY proposal_id")]
    await pool.execute("TRUNCATE proposals")
    seen: list[tuple[int, int]] = []

    assert await rebuild(pool, lambda done, total: seen.append((done, total)), chunk=2) == 3
    assert [dict(r) for r in await pool.fetch(f"SELECT {COLUMNS} FROM proposals ORDER BY proposal_id")] == written
    assert seen == [(2, 3), (3, 3)]
