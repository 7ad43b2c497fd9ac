"""DTKS events as DCI notifications: each subscription open to an event's type, whose region covers the
record and whose filter matches it, gets one `notify` message queued per event (however often the event
arrives or is replayed), built from the read models the event's own transaction updated."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import asyncpg
from siks_events.consumer import BatchHandler
from siks_events.dci import CallbackHeader, NotifyEventRequest, RequestStatus, new_id, now
from siks_events.dci.messages import NotifyData, NotifyEventItem, Query, SubscribeCriteria
from siks_events.envelope import Envelope
from siks_events.model import Event

from siks_registry.adapters.dci import records
from siks_registry.adapters.dci.answers import EVENT_TYPES, REG_TYPE
from siks_registry.adapters.dci.settings import DciSettings
from siks_registry.adapters.postgres import dci, dci_search

DCI_TYPE_OF = {dtks: name for name, types in EVENT_TYPES.items() for dtks in types}
REPLAY_PAGE = 500


def _niks(data: dict[str, Any]) -> list[str]:
    if data.get("nik"):
        return [data["nik"]]
    if data.get("niks"):
        return list(data["niks"])
    return [p["nik"] for p in data.get("persons", [])]


async def _records(connection: asyncpg.Connection, event_type: str, data: dict[str, Any], subscription: dict,
                   disclose: list[str]) -> tuple[str, list[dict[str, Any]]]:
    """The records of this event the subscription may see: (response entity, records)."""
    region = subscription["actor_region"]
    criteria = SubscribeCriteria.model_validate(subscription["criteria"])
    if event_type == "siks.registry.household-registered.v1":
        household, persons = await dci.household_rows(connection, data["household_id"])
        if household is None or not household["region_code"].startswith(region):
            return "Group", []
        if criteria.filter is not None and not await _matches(connection, data["household_id"], None, criteria.filter):
            return "Group", []
        return "Group", [records.group(household, persons, region=region, disclose=disclose)]
    found = []
    for nik in _niks(data):
        person = await dci.person_row(connection, data["household_id"], nik)
        if person is None:  # removed from the household: DTKS keeps no row of them, only the event
            household, _ = await dci.household_rows(connection, data["household_id"])
            if household is None or not household["region_code"].startswith(region):
                continue
            if criteria.filter is not None and not await _matches(connection, data["household_id"], None,
                                                                  criteria.filter):
                continue
            found.append(records.removed_member(nik, data["household_id"], household["region_code"], data.get("reason")))
            continue
        if not person["region_code"].startswith(region):
            continue
        if criteria.filter is not None and not await _matches(connection, data["household_id"], nik, criteria.filter):
            continue
        record = records.member_record(person, disclose)
        if event_type == "siks.registry.member-deceased.v1":  # the event's date, whatever the record says since
            record["is_deceased"], record["death_date"] = True, data["died_on"]
        found.append(record)
    return "Member", found


async def _matches(connection: asyncpg.Connection, household_id: str, nik: str | None, query: Query) -> bool:
    try:
        return await dci_search.matches(connection, household_id=household_id, nik=nik, query=query)
    except dci_search.InvalidQuery:
        return False


async def notify(connection: asyncpg.Connection, settings: DciSettings, *, event_id: str, event_type: str,
                 data: dict[str, Any], recorded_at: datetime, only: dict | None = None) -> int:
    """Queue this event's notifications; `only` limits them to one subscription (a replay). Returns how many."""
    dci_type = DCI_TYPE_OF.get(event_type)
    if dci_type is None:
        return 0
    subscriptions = [only] if only else await dci.active_subscriptions(connection, [dci_type], recorded_at)
    queued = 0
    for subscription in subscriptions:
        if subscription["reg_event_type"] != dci_type:
            continue
        if recorded_at < (subscription["start_time"] or subscription["created_at"]):
            continue
        partner = await dci.partner(connection, subscription["sender_id"])
        entity, found = await _records(connection, event_type, data, subscription, partner["disclose"] if partner else [])
        if not found:
            continue
        message = NotifyEventRequest(transaction_id=f"dtks-{event_id}", notify_event=[
            NotifyEventItem(reference_id=f"{event_id}-{n}", timestamp=recorded_at, data=NotifyData(
                reg_type=REG_TYPE, reg_event_type=dci_type, response_entity=entity, reg_records=record))
            for n, record in enumerate(found, 1)])
        header = CallbackHeader(message_id=new_id(), message_ts=now(), action="notify", status=RequestStatus.SUCCEEDED,
                                total_count=len(found), completed_count=len(found), sender_id=settings.sender_id,
                                receiver_id=subscription["sender_id"])
        queued += await dci.enqueue(connection, url=subscription["notify_uri"], header=header.wire(),
                                    message=message.wire(), subscription_code=subscription["code"], event_id=event_id)
    return queued


async def replay(pool: asyncpg.Pool, settings: DciSettings, subscription: dict) -> int:
    """Queue what a subscription asked for from a past `start_time`: the stored DTKS events since then."""
    if subscription["start_time"] is None:
        return 0
    types = EVENT_TYPES[subscription["reg_event_type"]]
    queued, after = 0, 0
    while rows := await dci.recorded_since(pool, types, subscription["start_time"], after, REPLAY_PAGE):
        async with pool.acquire() as connection, connection.transaction():
            for row in rows:
                queued += await notify(connection, settings, event_id=row["event_id"], event_type=row["type"],
                                       data=row["data"], recorded_at=row["recorded_at"], only=subscription)
        after = rows[-1]["position"]
    return queued


class NotifySubscribers(BatchHandler):
    """The consumer of the registry's own topic that queues DCI notifications."""

    def __init__(self, settings: DciSettings | None = None) -> None:
        self.settings = settings or DciSettings()

    async def apply(self, events: Sequence[tuple[Event, Envelope]], connection: asyncpg.Connection) -> None:
        for _, envelope in events:
            if envelope.type in DCI_TYPE_OF:
                await notify(connection, self.settings, event_id=envelope.id, event_type=envelope.type,
                             data=envelope.data, recorded_at=envelope.time)
