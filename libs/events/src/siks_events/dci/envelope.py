"""The DCI message envelope (`signature`, `header`, `message`), its headers, acknowledgements and codes.

Written from the DCI API standards' common schemas (`MsgHeader_V1.0.0`, `MsgCallbackHeader_V1.0.0`,
`MsgSignature`, `Ack`, `Error`, `RequestStatus`, `MsgHeaderStatusReasonCode`, `Response`,
`HttpErrorResponse`). The standard's own examples send blanks for absent values ("" for `meta`,
`sender_uri`, `completed_count`) and numbers as strings; the models accept both, so a partner
following the examples is not turned away for its spelling.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from enum import StrEnum
from typing import Annotated, Any, Generic, TypeVar

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

PROTOCOL_VERSION = "1.0.0"


def _blank_is_absent(value: Any) -> Any:
    return None if isinstance(value, str) and value.strip() == "" else value


T = TypeVar("T")
Blankable = Annotated[T | None, BeforeValidator(_blank_is_absent)]
"""An optional value that the standard's examples also send as ""."""


class DciModel(BaseModel):
    """Base of every DCI shape: unknown members kept (registries extend the standard), absent ones left out."""

    model_config = ConfigDict(extra="allow", populate_by_name=True)

    def wire(self) -> dict[str, Any]:
        """The JSON-ready dict this model is sent as (None members left out)."""
        return self.model_dump(mode="json", by_alias=True, exclude_none=True)


class RequestStatus(StrEnum):
    """How far a request got: received, pending, succeeded, rejected (`RequestStatus`)."""

    RECEIVED = "rcvd"
    PENDING = "pdng"
    SUCCEEDED = "succ"
    REJECTED = "rjct"


class HeaderReasonCode(StrEnum):
    """Why a whole message was rejected (`MsgHeaderStatusReasonCode`)."""

    VERSION_INVALID = "rjct.version.invalid"
    MESSAGE_ID_DUPLICATE = "rjct.message_id.duplicate"
    MESSAGE_TS_INVALID = "rjct.message_ts.invalid"
    ACTION_INVALID = "rjct.action.invalid"
    ACTION_NOT_SUPPORTED = "rjct.action.not_supported"
    TOTAL_COUNT_INVALID = "rjct.total_count.invalid"
    TOTAL_COUNT_LIMIT_EXCEEDED = "rjct.total_count.limit_exceeded"
    ERRORS_TOO_MANY = "rjct.errors.too_many"


class AckStatus(StrEnum):
    """The synchronous answer to a message (`Ack`): ACK (a callback follows), NACK (none will), ERR."""

    ACK = "ACK"
    NACK = "NACK"
    ERR = "ERR"


class ErrorCode(StrEnum):
    """Transport-level errors of an acknowledgement (`Error.code`)."""

    REQUEST_BAD = "err.request.bad"
    REQUEST_UNAUTHORIZED = "err.request.unauthorized"
    REQUEST_FORBIDDEN = "err.request.forbidden"
    REQUEST_NOT_FOUND = "err.request.not_found"
    REQUEST_TIMEOUT = "err.request.timeout"
    VERSION_NOT_SUPPORTED = "err.version.not_supported"
    REQUEST_TOO_MANY = "err.request.too_many_requests"
    SENDER_ID_INVALID = "err.sender_id.invalid"
    SENDER_URI_INVALID = "err.sender_uri.invalid"
    RECEIVER_ID_INVALID = "err.receiver_id.invalid"
    SIGNATURE_MISSING = "err.signature.missing"
    SIGNATURE_INVALID = "err.signature.invalid"
    ENCRYPTION_INVALID = "err.encryption.invalid"
    SERVICE_UNAVAILABLE = "err.service.unavailable"


ERROR_HTTP_STATUS: dict[ErrorCode, int] = {
    ErrorCode.REQUEST_UNAUTHORIZED: 401,
    ErrorCode.REQUEST_FORBIDDEN: 403,
    ErrorCode.REQUEST_NOT_FOUND: 404,
    ErrorCode.REQUEST_TIMEOUT: 408,
    ErrorCode.REQUEST_TOO_MANY: 429,
    ErrorCode.SERVICE_UNAVAILABLE: 503,
}
"""HTTP status of an ERR answer; every other code (a bad message, signature or sender) is a 400."""


class MessageHeader(DciModel):
    """Header of a request (`MsgHeader_V1.0.0`): who sends it, for whom, and where callbacks go."""

    version: str = PROTOCOL_VERSION
    message_id: str
    message_ts: datetime
    action: str
    sender_id: str
    sender_uri: Blankable[str] = None
    receiver_id: Blankable[str] = None
    total_count: int
    is_msg_encrypted: bool = False
    meta: Blankable[dict[str, Any]] = None


class CallbackHeader(DciModel):
    """Header of a callback or synchronous answer (`MsgCallbackHeader_V1.0.0`), with the message's status."""

    version: str = PROTOCOL_VERSION
    message_id: str
    message_ts: datetime
    action: str
    status: RequestStatus
    status_reason_code: Blankable[HeaderReasonCode] = None
    status_reason_message: Blankable[Annotated[str, Field(max_length=999)]] = None
    total_count: Blankable[int] = None
    completed_count: Blankable[int] = None
    sender_id: Blankable[str] = None
    receiver_id: Blankable[str] = None
    is_msg_encrypted: bool = False
    meta: Blankable[dict[str, Any]] = None


HeaderT = TypeVar("HeaderT", bound=BaseModel)
MessageT = TypeVar("MessageT")


class Envelope(DciModel, Generic[HeaderT, MessageT]):
    """One DCI message: `signature` (see `siks_events.dci.signature`) over `header` and `message`."""

    signature: Blankable[str] = None
    header: HeaderT
    message: MessageT | None = None


class RequestEnvelope(DciModel, Generic[MessageT]):
    """A request as received: `message` is required (`MsgHeader_V1.0.0` header), `signature` over both."""

    signature: Blankable[str] = None
    header: MessageHeader
    message: MessageT


class DciError(DciModel):
    """An error of an acknowledgement (`Error`)."""

    code: ErrorCode | str
    message: Blankable[Annotated[str, Field(max_length=999)]] = None


class AckMessage(DciModel):
    ack_status: AckStatus
    timestamp: datetime
    error: DciError | None = None
    correlation_id: str


class Acknowledgement(DciModel):
    """The synchronous answer to an async request (`Response`): `{"message": {"ack_status": ...}}`."""

    message: AckMessage

    @classmethod
    def of(cls, status: AckStatus, correlation_id: str, error: DciError | None = None) -> Acknowledgement:
        return cls(message=AckMessage(ack_status=status, timestamp=now(), error=error, correlation_id=correlation_id))


class HttpErrors(DciModel):
    """The transport-layer error answer (`HttpErrorResponse`) of 401, 403 and 500: `{"errors": [...]}`."""

    errors: list[DciError]


class DciRejected(Exception):
    """A message refused before it is processed; answered ERR with `code` (or HTTP errors for 401/403)."""

    def __init__(self, code: ErrorCode, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message

    @property
    def http_status(self) -> int:
        return ERROR_HTTP_STATUS.get(self.code, 400)


def now() -> datetime:
    return datetime.now(UTC)


def new_id() -> str:
    """A fresh message, correlation or subscription id."""
    return str(uuid.uuid4())


def callback_header(
    request: MessageHeader, *, action: str, status: RequestStatus, sender_id: str, total_count: int | None = None,
    completed_count: int | None = None, reason: HeaderReasonCode | None = None, reason_message: str | None = None,
) -> CallbackHeader:
    """The header of the answer to `request`: a new message id, addressed back to its sender."""
    return CallbackHeader(
        message_id=new_id(), message_ts=now(), action=action, status=status, status_reason_code=reason,
        status_reason_message=reason_message, total_count=request.total_count if total_count is None else total_count,
        completed_count=completed_count, sender_id=sender_id, receiver_id=request.sender_id,
    )
