"""The registry messages of the DCI standards: search, subscribe, unsubscribe, notify, transaction status.

Written from `registry_core_api_v1.0.0` and `social_api_v1.0.0` (their `SearchRequest`, `SearchResponse`,
`SubscribeRequest`, `SubscribeResponse`, `UnSubscribeRequest`, `UnSubscribeResponse`,
`NotifyEventRequest`, `TxnStatusRequest`, `TxnStatusResponse` and the common query, sort and
pagination schemas). The records themselves (`reg_records`) differ per registry (a social registry's
Group and Member, a CRVS registry's Person), so they travel as JSON objects and each side maps its own.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any

from pydantic import Field, model_validator

from siks_events.dci.envelope import Blankable, DciModel, RequestStatus


class QueryType(StrEnum):
    """How a search or subscription filter is written (`QueryType`)."""

    IDTYPE_VALUE = "idtype-value"
    EXPRESSION = "expression"
    PREDICATE = "predicate"


class Operator(StrEnum):
    """`ExpOperator`."""

    GT = "gt"
    LT = "lt"
    EQ = "eq"
    GE = "ge"
    LE = "le"
    IN = "in"


class Condition(StrEnum):
    """`ExpCondition`."""

    AND = "and"
    OR = "or"
    NOT = "not"


class SearchReasonCode(StrEnum):
    """Why one search request of a batch was rejected (`SearchStatusReasonCode`)."""

    REFERENCE_ID_INVALID = "rjct.reference_id.invalid"
    REFERENCE_ID_DUPLICATE = "rjct.reference_id.duplicate"
    TIMESTAMP_INVALID = "rjct.timestamp.invalid"
    SEARCH_CRITERIA_INVALID = "rjct.search_criteria.invalid"
    FILTER_INVALID = "rjct.filter.invalid"
    SORT_INVALID = "rjct.sort.invalid"
    PAGINATION_INVALID = "rjct.pagination.invalid"
    TOO_MANY_RECORDS_FOUND = "rjct.search.too_many_records_found"


class SubscribeReasonCode(StrEnum):
    """`SubscribeStatusReasonCode`."""

    REFERENCE_ID_INVALID = "rjct.reference_id.invalid"
    REFERENCE_ID_DUPLICATE = "rjct.reference_id.duplicate"
    TIMESTAMP_INVALID = "rjct.timestamp.invalid"
    NOTIFY_TYPES_INVALID = "rjct.notify_types.invalid"
    NOTIFY_DETAILS_INVALID = "rjct.notify_details.invalid"
    PERSON_ID_INVALID = "rjct.person_id.invalid"
    ALREADY_SUBSCRIBED = "rjct.event.already_subscribed"


class UnsubscribeReasonCode(StrEnum):
    """`UnSubscribeStatusReasonCode`."""

    REFERENCE_ID_INVALID = "rjct.reference_id.invalid"
    REFERENCE_ID_DUPLICATE = "rjct.reference_id.duplicate"
    TIMESTAMP_INVALID = "rjct.timestamp.invalid"
    SUBSCRIPTION_CODE_INVALID = "rjct.subscription_code.invalid"
    REQUESTER_INVALID = "rjct.requester.invalid"
    ALREADY_UNSUBSCRIBED = "rjct.event.already_unsubscribed"


class SubscriptionStatus(StrEnum):
    SUBSCRIBED = "subscribe"
    UNSUBSCRIBED = "unsubscribe"


# -- queries ---------------------------------------------------------------------------------------

class IdentifierTypeValue(DciModel):
    """`idtype-value` query: one identifier, e.g. `{"type": "NIK", "value": "3571011705800001"}`."""

    type: str
    value: Any


class Predicate(DciModel):
    """`ExpPredicate`: attribute, operator, value."""

    attribute_name: str
    operator: Operator
    attribute_value: Any


class PredicateWithCondition(DciModel):
    """`ExpPredicateWithCondition`: `expression1 [condition expression2]`.

    The standard's examples also chain `expression3`, ...; those arrive as extra members and are
    joined with the same condition (`expressions`).
    """

    seq_num: Blankable[float] = None
    expression1: Predicate
    condition: Blankable[Condition] = None
    expression2: Blankable[Predicate] = None

    @property
    def expressions(self) -> list[Predicate]:
        """Every predicate of this item in order: expression1, expression2, expression3, ..."""
        found = [self.expression1] + ([self.expression2] if self.expression2 else [])
        extra = self.model_extra or {}
        n = 3
        while isinstance(extra.get(f"expression{n}"), dict):
            found.append(Predicate.model_validate(extra[f"expression{n}"]))
            n += 1
        return found


class ExpressionTemplate(DciModel):
    """`ExpTemplate`: a query in a named language, e.g. `{"type": "ns:org:QueryType:NoSql", "value": {...}}`."""

    type: str
    value: dict[str, Any]


Query = IdentifierTypeValue | list[PredicateWithCondition] | ExpressionTemplate
"""`RegistryQueries`: which one a query is follows from its shape and its query type."""


def _typed_query(query_type: Any, query: Any) -> Any:
    """The query parsed as the variant its type and shape name (the standard's examples send a predicate
    list with query type "expression", so the shape decides between a list and an object)."""
    if isinstance(query, list):
        return [PredicateWithCondition.model_validate(item) for item in query]
    if isinstance(query, dict):
        if query_type == QueryType.IDTYPE_VALUE or not isinstance(query.get("value"), dict):
            return IdentifierTypeValue.model_validate(query)
        return ExpressionTemplate.model_validate(query)
    return query


class Sort(DciModel):
    """`SearchSort`."""

    attribute_name: str
    sort_order: Blankable[str] = "asc"


class PaginationRequest(DciModel):
    """`PaginationRequest`: pages count from 1."""

    page_size: Annotated[int, Field(ge=1)]
    page_number: Annotated[int, Field(ge=1)] = 1


class Pagination(DciModel):
    """`Pagination` of an answer."""

    page_size: int
    page_number: int
    total_count: int


# -- search ----------------------------------------------------------------------------------------

class SearchCriteria(DciModel):
    version: str = "1.0.0"
    reg_type: Blankable[str] = None
    reg_event_type: Blankable[str] = None
    query_type: QueryType
    response_entity: Blankable[str] = None
    query: Query
    sort: Blankable[list[Sort]] = None
    pagination: Blankable[PaginationRequest] = None
    consent: Blankable[dict[str, Any]] = None
    authorize: Blankable[dict[str, Any]] = None

    @model_validator(mode="before")
    @classmethod
    def _query_by_type(cls, data: Any) -> Any:
        if isinstance(data, dict) and "query" in data:
            data = {**data, "query": _typed_query(data.get("query_type"), data["query"])}
        return data


class SearchRequestItem(DciModel):
    reference_id: str
    timestamp: datetime
    search_criteria: SearchCriteria
    locale: Blankable[str] = None


class SearchRequest(DciModel):
    """The message of `registry/search` and `registry/sync/search`: a batch of searches."""

    transaction_id: Annotated[str, Field(max_length=99)]
    search_request: list[SearchRequestItem]


class SearchResult(DciModel):
    version: str = "1.0.0"
    reg_type: Blankable[str] = None
    reg_record_type: Blankable[str] = None
    reg_records: list[dict[str, Any]]


class SearchResponseItem(DciModel):
    reference_id: str
    timestamp: datetime
    status: RequestStatus
    status_reason_code: Blankable[SearchReasonCode] = None
    status_reason_message: Blankable[Annotated[str, Field(max_length=999)]] = None
    data: Blankable[SearchResult] = None
    pagination: Blankable[Pagination] = None
    locale: Blankable[str] = None


class SearchResponse(DciModel):
    """The message of `on-search` (and of `sync/search`'s answer)."""

    transaction_id: str
    correlation_id: str
    search_response: list[SearchResponseItem]


# -- subscribe, unsubscribe, notify ----------------------------------------------------------------

class EventFrequency(DciModel):
    """`EventFrequency`: the period the subscription covers. A `start_time` in the past asks for the
    events since then (what a late subscriber missed)."""

    start_time: Blankable[datetime] = None
    end_time: Blankable[datetime] = None
    frequency: Blankable[str] = None


class SubscribeCriteria(DciModel):
    version: str = "1.0.0"
    reg_type: Blankable[str] = None
    reg_event_type: str
    frequency: Blankable[EventFrequency] = None
    filter_type: Blankable[QueryType] = None
    filter: Blankable[Query] = None
    notify_record_type: Blankable[str] = None
    response_entity: Blankable[str] = None
    response_fields: Blankable[list[str]] = None
    authorize: Blankable[dict[str, Any]] = None

    @model_validator(mode="before")
    @classmethod
    def _filter_by_type(cls, data: Any) -> Any:
        if isinstance(data, dict) and data.get("filter") not in (None, ""):
            data = {**data, "filter": _typed_query(data.get("filter_type"), data["filter"])}
        return data


class SubscribeRequestItem(DciModel):
    reference_id: str
    timestamp: datetime
    subscribe_criteria: SubscribeCriteria
    locale: Blankable[str] = None


class SubscribeRequest(DciModel):
    """The message of `registry/subscribe`."""

    transaction_id: Annotated[str, Field(max_length=99)]
    subscribe_request: list[SubscribeRequestItem]


class SubscriptionInfo(DciModel):
    version: str = "1.0.0"
    code: Annotated[str, Field(max_length=99)]
    status: SubscriptionStatus
    timestamp: datetime
    reg_type: Blankable[str] = None
    reg_event_type: Blankable[str] = None
    frequency: Blankable[EventFrequency] = None
    filter_type: Blankable[QueryType] = None
    filter: Blankable[Query] = None
    notify_record_type: Blankable[str] = None
    locale: Blankable[str] = None


class SubscribeResponseItem(DciModel):
    reference_id: str
    timestamp: datetime
    status: RequestStatus
    status_reason_code: Blankable[SubscribeReasonCode] = None
    status_reason_message: Blankable[Annotated[str, Field(max_length=999)]] = None
    subscriptions: list[SubscriptionInfo] = []
    pagination: Blankable[Pagination] = None
    locale: Blankable[str] = None


class SubscribeResponse(DciModel):
    """The message of `on-subscribe`."""

    transaction_id: str
    correlation_id: str
    subscribe_response: list[SubscribeResponseItem]


class UnsubscribeRequest(DciModel):
    """The message of `registry/unsubscribe` (the schema spells its timestamp `timesstamp`; both are read)."""

    transaction_id: Annotated[str, Field(max_length=99)]
    timestamp: Blankable[datetime] = None
    subscription_codes: list[str]

    @model_validator(mode="before")
    @classmethod
    def _misspelt_timestamp(cls, data: Any) -> Any:
        if isinstance(data, dict) and "timestamp" not in data and "timesstamp" in data:
            data = {**data, "timestamp": data["timesstamp"]}
        return data


class SubscriptionCodeStatus(DciModel):
    code: str
    status: SubscriptionStatus


class UnsubscribeResponse(DciModel):
    """The message of `on-unsubscribe`."""

    transaction_id: str
    correlation_id: str
    timestamp: datetime
    status: RequestStatus
    status_reason_code: Blankable[UnsubscribeReasonCode] = None
    status_reason_message: Blankable[Annotated[str, Field(max_length=999)]] = None
    subscription_status: list[SubscriptionCodeStatus] = []


class NotifyData(DciModel):
    version: str = "1.0.0"
    reg_type: Blankable[str] = None
    reg_event_type: Blankable[str] = None
    response_entity: Blankable[str] = None
    reg_records: dict[str, Any] | list[dict[str, Any]]


class NotifyEventItem(DciModel):
    reference_id: str
    timestamp: datetime
    data: NotifyData
    locale: Blankable[str] = None


class NotifyEventRequest(DciModel):
    """The message of `registry/notify`: events a registry tells its subscribers."""

    transaction_id: Annotated[str, Field(max_length=99)]
    notify_event: list[NotifyEventItem]


# -- transaction status ----------------------------------------------------------------------------

class TxnStatusQuery(DciModel):
    reference_id: str
    txn_type: str
    """What kind of transaction: the social API says "search", "subscibe" (sic), "receipt"; the core API
    "on-search", "on-subscribe", "on-unsubscribe"."""
    attribute_type: str
    """"transaction_id", "reference_id_list" or "correlation_id"."""
    attribute_value: str | list[str]
    locale: Blankable[str] = None


class TxnStatusRequest(DciModel):
    """The message of `registry/txn/status` and `registry/sync/txn/status`."""

    transaction_id: Annotated[str, Field(max_length=99)]
    txnstatus_request: TxnStatusQuery


class TxnStatus(DciModel):
    txn_type: str
    txn_status: dict[str, Any]


class TxnStatusResponse(DciModel):
    """The message of `txn/on-status`: the answer a transaction got, as it was sent."""

    transaction_id: str
    correlation_id: str
    txnstatus_response: TxnStatus
