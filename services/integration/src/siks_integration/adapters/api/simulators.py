"""Stand-ins for partners on one machine: a BPJS endpoint that acknowledges PBI JK notifications.

Mounted only when `SIKS_SIMULATORS=1` (the embedded stack sets it), never in production.
"""

from __future__ import annotations

import logging

from fastapi import APIRouter, Request

router = APIRouter(prefix="/v1/simulators", tags=["simulators"])
log = logging.getLogger("siks.integration.simulators")


@router.post("/bpjs/notifications")
async def bpjs_notification(request: Request) -> dict:
    """Acknowledge a PBI JK membership change as BPJS Kesehatan would."""
    notification = await request.json()
    log.info("BPJS simulator received a notification", extra={"nik": notification.get("nik"),
                                                               "change": notification.get("change")})
    return {"acknowledged": True, "notification_id": notification.get("notification_id")}
