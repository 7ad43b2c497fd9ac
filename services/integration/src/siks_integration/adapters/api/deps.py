"""What the integration routes need, declared once."""

from __future__ import annotations

from typing import Annotated

import asyncpg
from fastapi import Depends, Request
from siks_events.auth import Role, role_in

DUKCAPIL_SENDERS = {Role.DUKCAPIL, Role.SYSTEM}
REPORT_READERS = DUKCAPIL_SENDERS | {Role.MINISTRY, Role.PROVINCE_OFFICE, Role.DISTRICT_OFFICE, Role.AUDITOR}
SUBSCRIBERS = {Role.SYSTEM, Role.MINISTRY, Role.BPJS}
NIK_CHECKERS = {Role.SYSTEM, Role.MINISTRY, Role.PROVINCE_OFFICE, Role.DISTRICT_OFFICE, Role.VILLAGE_OPERATOR,
                Role.ENUMERATOR, Role.SUPERVISOR, Role.LKS}


def pool(request: Request) -> asyncpg.Pool:
    return request.app.state.runtime.pool


Pool = Annotated[asyncpg.Pool, Depends(pool)]


DukcapilSender = role_in(DUKCAPIL_SENDERS)
ReportReader = role_in(REPORT_READERS)
Subscriber = role_in(SUBSCRIBERS)
NikChecker = role_in(NIK_CHECKERS)
