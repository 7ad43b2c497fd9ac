"""DCI (Social Protection Digital Convergence Initiative) messaging, shared by our DCI server and clients.

Written from the spdci/api-standards OpenAPI documents (`social_api_v1.0.0`, `registry_core_api_v1.0.0`,
`jwks_core_api_v1.0.0` and the common schemas). The public API:

Envelope (`envelope.py`)
    `Envelope[Header, Message]` - `signature`, `header`, `message`; `RequestEnvelope[Message]` - a request,
    whose `message` is required;
    `MessageHeader` (requests), `CallbackHeader` (callbacks and synchronous answers), `callback_header()`;
    `Acknowledgement.of(AckStatus.ACK | NACK | ERR, correlation_id, DciError)` - the answer to an async
    request; `HttpErrors` - the 401/403/500 answer; `RequestStatus`, `HeaderReasonCode`, `ErrorCode`;
    `DciRejected(code, message)` - raise it to refuse a message with the standard's error.
Messages (`messages.py`)
    `SearchRequest`/`SearchResponse`, `SubscribeRequest`/`SubscribeResponse`, `UnsubscribeRequest`/
    `UnsubscribeResponse`, `NotifyEventRequest`, `TxnStatusRequest`/`TxnStatusResponse`; queries
    (`QueryType`, `IdentifierTypeValue`, `PredicateWithCondition`, `ExpressionTemplate`), `Sort`,
    `PaginationRequest`/`Pagination`; reason codes `SearchReasonCode`, `SubscribeReasonCode`,
    `UnsubscribeReasonCode`. Records (`reg_records`) are plain JSON objects: each registry maps its own.
Signatures (`signature.py`)
    `SigningKey` - our ed25519 key: `.sign(header, message)`, `.sign_envelope(body)`, `.jwks()` to publish
    at `WELL_KNOWN_JWKS_PATH`; `Jwks.from_json(document)` - a partner's published keys;
    `verify(signature, header, message, jwks)` - raises `SignatureMissing`/`SignatureInvalid`;
    `signed_request(...)`, `signed_answer(...)` - signed bodies ready to POST.
Routes (`routing.py`)
    `APIRouter(route_class=DciRoute)` - token, role, body and signature failures answered as the
    standard's errors rather than problem+json.

Every model accepts what the standard's own examples send ("" for absent values, numbers as strings)
and keeps members it does not know; `.wire()` gives the JSON-ready dict to send.
"""

from siks_events.dci.envelope import (
    PROTOCOL_VERSION,
    Acknowledgement,
    AckStatus,
    CallbackHeader,
    DciError,
    DciModel,
    DciRejected,
    Envelope,
    ErrorCode,
    HeaderReasonCode,
    HttpErrors,
    MessageHeader,
    RequestEnvelope,
    RequestStatus,
    callback_header,
    new_id,
    now,
)
from siks_events.dci.messages import (
    ExpressionTemplate,
    IdentifierTypeValue,
    NotifyEventRequest,
    Pagination,
    PaginationRequest,
    Predicate,
    PredicateWithCondition,
    QueryType,
    SearchReasonCode,
    SearchRequest,
    SearchResponse,
    Sort,
    SubscribeReasonCode,
    SubscribeRequest,
    SubscribeResponse,
    SubscriptionStatus,
    TxnStatusRequest,
    TxnStatusResponse,
    UnsubscribeReasonCode,
    UnsubscribeRequest,
    UnsubscribeResponse,
)
from siks_events.dci.routing import DciRoute, rejection
from siks_events.dci.signature import (
    WELL_KNOWN_JWKS_PATH,
    Jwks,
    SignatureInvalid,
    SignatureMissing,
    SigningKey,
    signed_answer,
    signed_request,
    verify,
)

__all__ = [
    "PROTOCOL_VERSION", "WELL_KNOWN_JWKS_PATH", "AckStatus", "Acknowledgement", "CallbackHeader", "DciError",
    "DciModel", "DciRejected", "DciRoute", "Envelope", "ErrorCode", "ExpressionTemplate", "HeaderReasonCode",
    "HttpErrors", "IdentifierTypeValue", "Jwks", "MessageHeader", "NotifyEventRequest", "Pagination",
    "PaginationRequest", "Predicate", "PredicateWithCondition", "QueryType", "RequestEnvelope", "RequestStatus",
    "SearchReasonCode", "SearchRequest", "SearchResponse", "SignatureInvalid", "SignatureMissing", "SigningKey", "Sort",
    "SubscribeReasonCode", "SubscribeRequest", "SubscribeResponse", "SubscriptionStatus", "TxnStatusRequest",
    "TxnStatusResponse", "UnsubscribeReasonCode", "UnsubscribeRequest", "UnsubscribeResponse", "callback_header",
    "new_id", "now", "rejection", "signed_answer", "signed_request", "verify",
]
