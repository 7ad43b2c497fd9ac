"""What anyone may ask, without a token: a citizen's own DTKS status, and whether a letter is genuine."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request
from siks_events.identity import same_name
from siks_events.model import NotFound, mask_nik

from siks_registry.adapters import letters
from siks_registry.adapters.api.deps import Pool
from siks_registry.adapters.api.ratelimit import RateLimit
from siks_registry.adapters.api.schemas import LetterCheck, SelfCheck, SelfCheckAnswer

router = APIRouter(prefix="/v1/public", tags=["public"])
self_check_limit = RateLimit(capacity=10, per_seconds=60)
letter_check_limit = RateLimit(capacity=30, per_seconds=60)


class LetterNotFound(NotFound):
    """No genuine statement letter has this verification code."""

    code = "letter-not-found"
    field = "code"


@router.post("/dtks-check", response_model=SelfCheckAnswer, dependencies=[Depends(self_check_limit)])
async def dtks_check(body: SelfCheck, pool: Pool):
    """Cek mandiri: is this person in DTKS, and in which programmes? A wrong name answers as an unknown NIK."""
    row = await pool.fetchrow(
        "SELECT full_name, programs FROM persons WHERE nik = $1 AND status = 'active'", body.nik)
    if row is None or not same_name(row["full_name"], body.name):
        return SelfCheckAnswer(in_dtks=False, active_programs=[])
    return SelfCheckAnswer(in_dtks=True, active_programs=sorted(p["program"] for p in row["programs"] if p["active"]))


@router.get("/statement-letters/{code}", response_model=LetterCheck, dependencies=[Depends(letter_check_limit)])
async def check_statement_letter(
    code: Annotated[str, Path(max_length=40, description="the code printed on the letter")], pool: Pool,
    request: Request,
):
    """Whether a statement letter with this code was issued, and what it stated."""
    codes = await letters.letter_codes(pool, request.app.state.settings)
    row = await pool.fetchrow("SELECT * FROM statement_letters WHERE code = $1", code.upper()) \
        if codes.is_genuine(code) else None
    if row is None:
        raise LetterNotFound("no genuine statement letter has this code")
    issued_at: datetime = row["issued_at"]
    return LetterCheck(valid=True, code=row["code"], issued_at=issued_at, nik=mask_nik(row["nik"]),
                       full_name=row["full_name"], status=row["status"], programs=row["programs"])
