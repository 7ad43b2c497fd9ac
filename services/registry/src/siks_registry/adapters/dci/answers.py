"""What the DCI registry answers: searches, subscriptions, unsubscriptions and transaction status.

Used alike by the synchronous routes and the delivery worker answering async requests, so a sync
search and the `on-search` callback of the same request carry the same records.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import asyncpg
from siks_events.auth import Actor, Role
from siks_events.dci import (
    PaginationRequest,
    RequestStatus,
    SearchReasonCode,
    SearchRequest,
    SearchResponse,
    SubscribeReasonCode,
    SubscribeRequest,
    SubscribeResponse,
    SubscriptionStatus,
    TxnStatusRequest,
    TxnStatusResponse,
    UnsubscribeReasonCode,
    UnsubscribeRequest,
    UnsubscribeResponse,
    now,
)
from siks_events.dci.messages import (
    Pagination,
    SearchResponseItem,
    SearchResult,
    SubscribeResponseItem,
    SubscriptionCodeStatus,
    SubscriptionInfo,
    TxnStatus,
)

from siks_registry.adapters.dci import records
from siks_registry.adapters.postgres import audit, dci, dci_search

DEFAULT_PAGE_SIZE = 50
REG_TYPE = "ns:org:RegistryType:Social"
EVENT_TYPES = {
    "REGISTER": ["siks.registry.household-registered.v1"],
    "NewHouseHoldMember": ["siks.registry.member-added.v1", "siks.registry.members-joined.v1"],
    "UpdateHouseHoldMember": ["siks.registry.member-updated.v1", "siks.registry.head-changed.v1"],
    "RemoveHouseHoldMember": ["siks.registry.member-removed.v1", "siks.registry.member-moved-out.v1",
                              "siks.registry.members-left.v1"],
    "DEATH": ["siks.registry.member-deceased.v1"],
}
"""The DCI event types one may subscribe to, and the DTKS events each stands for."""


def _entity(name: str | None) -> str:
    return {"group": dci_search.GROUP, "member": dci_search.MEMBER}.get((name or "Group").strip().lower(), name or "")


def _reference_problem(reference_id: str, seen: set[str]) -> str | None:
    if not reference_id.strip():
        return "rjct.reference_id.invalid"
    if reference_id in seen:
        return "rjct.reference_id.duplicate"
    seen.add(reference_id)
    return None


async def search(db: asyncpg.Pool | asyncpg.Connection, message: SearchRequest, *, correlation_id: str, partner: Actor,
                 disclose: list[str], route: str) -> SearchResponse:
    """Each search of the batch answered with one page of Group or Member records inside the partner's region."""
    answers, seen, read = [], set(), []
    for item in message.search_request:
        answer = SearchResponseItem(reference_id=item.reference_id, timestamp=now(), status=RequestStatus.REJECTED,
                                    locale=item.locale)
        problem = _reference_problem(item.reference_id, seen)
        if problem:
            answer.status_reason_code = SearchReasonCode(problem)
            answers.append(answer)
            continue
        criteria = item.search_criteria
        entity = _entity(criteria.response_entity)
        paging = criteria.pagination or PaginationRequest(page_size=DEFAULT_PAGE_SIZE)
        try:
            page = await dci_search.search(db, entity=entity, query=criteria.query, sort=criteria.sort,
                                           page_number=paging.page_number, page_size=paging.page_size,
                                           region=partner.region)
        except dci_search.InvalidQuery as exc:
            answer.status_reason_code, answer.status_reason_message = exc.reason, exc.message[:999]
            answers.append(answer)
            continue
        if entity == dci_search.GROUP:
            members = defaultdict(list)
            for person in page.persons:
                members[person["household_id"]].append(person)
            found = [records.group(h, members[h["household_id"]], region=partner.region, disclose=disclose)
                     for h in page.households]
            read += [p["nik"] for p in page.persons if p["region_code"].startswith(partner.region)]
        else:
            found = [records.member_record(p, disclose) for p in page.persons]
            read += [p["nik"] for p in page.persons]
        answer.status = RequestStatus.SUCCEEDED
        answer.data = SearchResult(reg_type=REG_TYPE, reg_record_type=entity, reg_records=found)
        answer.pagination = Pagination(page_size=paging.page_size, page_number=paging.page_number,
                                       total_count=page.total)
        answers.append(answer)
    if read:  # a partner's reads of personal data are audited like anyone's
        await audit.record_reads(db, partner, sorted(set(read)), route, correlation_id)
    return SearchResponse(transaction_id=message.transaction_id, correlation_id=correlation_id,
                          search_response=answers)


def partner_actor(sender_id: str, region: str) -> Actor:
    return Actor(subject=sender_id, role=Role.DCI_PARTNER, region=region)


async def subscribe(connection: asyncpg.Connection, message: SubscribeRequest, *, correlation_id: str,
                    partner: Actor, notify_uri: str) -> SubscribeResponse:
    """Record each subscription of the batch; a filter is checked by running it once."""
    answers, seen = [], set()
    for item in message.subscribe_request:
        answer = SubscribeResponseItem(reference_id=item.reference_id, timestamp=now(), status=RequestStatus.REJECTED,
                                       locale=item.locale)
        criteria = item.subscribe_criteria
        problem = _reference_problem(item.reference_id, seen)
        if problem:
            answer.status_reason_code = SubscribeReasonCode(problem)
        elif criteria.reg_event_type not in EVENT_TYPES:
            answer.status_reason_code = SubscribeReasonCode.NOTIFY_TYPES_INVALID
            answer.status_reason_message = f"reg_event_type is one of {', '.join(EVENT_TYPES)}"
        elif criteria.filter is not None and (reason := await _filter_problem(connection, criteria.filter)):
            answer.status_reason_code = SubscribeReasonCode.NOTIFY_DETAILS_INVALID
            answer.status_reason_message = reason
        else:
            code = f"dci-sub-{correlation_id}-{len(answers) + 1}"
            frequency = criteria.frequency
            await dci.add_subscription(
                connection, code=code, sender_id=partner.subject, correlation_id=correlation_id,
                reference_id=item.reference_id, reg_event_type=criteria.reg_event_type, criteria=criteria.wire(),
                actor_region=partner.region, notify_uri=notify_uri,
                start_time=frequency.start_time if frequency else None, end_time=frequency.end_time if frequency else None)
            answer.status = RequestStatus.SUCCEEDED
            answer.subscriptions = [SubscriptionInfo(
                code=code, status=SubscriptionStatus.SUBSCRIBED, timestamp=now(), reg_type=REG_TYPE,
                reg_event_type=criteria.reg_event_type, frequency=frequency, filter_type=criteria.filter_type,
                filter=criteria.filter, notify_record_type=criteria.notify_record_type or "Member",
                locale=item.locale)]
        answers.append(answer)
    return SubscribeResponse(transaction_id=message.transaction_id, correlation_id=correlation_id,
                             subscribe_response=answers)


async def _filter_problem(connection: asyncpg.Connection, query: Any) -> str | None:
    try:
        dci_search.where(dci_search.Sql(dci_search.MEMBER), query)
    except dci_search.InvalidQuery as exc:
        return exc.message
    return None


async def unsubscribe(connection: asyncpg.Connection, message: UnsubscribeRequest, *, correlation_id: str,
                      sender_id: str) -> UnsubscribeResponse:
    """End the sender's own subscriptions; someone else's code is answered as an unknown one."""
    statuses, problem = [], None
    for code in message.subscription_codes:
        found = await dci.subscription(connection, code)
        if found is None or found["sender_id"] != sender_id:
            problem = UnsubscribeReasonCode.SUBSCRIPTION_CODE_INVALID
            continue
        if found["status"] == SubscriptionStatus.UNSUBSCRIBED:
            problem = problem or UnsubscribeReasonCode.ALREADY_UNSUBSCRIBED
        else:
            await dci.unsubscribe(connection, code)
        statuses.append(SubscriptionCodeStatus(code=code, status=SubscriptionStatus.UNSUBSCRIBED))
    return UnsubscribeResponse(
        transaction_id=message.transaction_id, correlation_id=correlation_id, timestamp=now(),
        status=RequestStatus.REJECTED if problem and not statuses else RequestStatus.SUCCEEDED,
        status_reason_code=problem, subscription_status=statuses)


_TXN_TYPES = {"search": "search", "on-search": "search", "subscribe": "subscribe", "subscibe": "subscribe",
              "on-subscribe": "subscribe", "unsubscribe": "unsubscribe", "on-unsubscribe": "unsubscribe"}


async def txn_status(db: asyncpg.Pool | asyncpg.Connection, message: TxnStatusRequest, *, correlation_id: str,
                     sender_id: str) -> TxnStatusResponse:
    """The answer the sender's earlier transaction got (or is still waiting for), as it was sent."""
    query = message.txnstatus_request
    action = _TXN_TYPES.get(query.txn_type.strip().lower(), query.txn_type)
    values = query.attribute_value if isinstance(query.attribute_value, list) else [query.attribute_value]
    found = []
    if query.attribute_type in ("transaction_id", "correlation_id", "reference_id_list"):
        found = [t for t in await dci.transactions_of(db, sender_id, query.attribute_type, values)
                 if t["action"] == action]
    if not found:
        status: dict[str, Any] = {"transaction_id": values[0] if values else "", "status": RequestStatus.REJECTED.value,
                                  "status_reason_code": "rjct.reference_id.invalid",
                                  "status_reason_message": "no such transaction of yours"}
    elif found[0]["answer"] is None:
        status = {"transaction_id": found[0]["transaction_id"], "correlation_id": found[0]["correlation_id"],
                  "status": RequestStatus.PENDING.value}
    else:
        status = found[0]["answer"]
    return TxnStatusResponse(transaction_id=message.transaction_id, correlation_id=correlation_id,
                             txnstatus_response=TxnStatus(txn_type=query.txn_type, txn_status=status))
