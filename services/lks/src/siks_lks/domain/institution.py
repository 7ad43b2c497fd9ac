"""A social welfare institution (LKS) or PSKS: its registration, approved by the office of its scope, and
its services (LKS Layanan), each approved by the directorate responsible."""

from __future__ import annotations

from enum import StrEnum

from siks_events.catalog.lks import (
    Document,
    Level,
    LksApproved,
    LksRegistered,
    LksRejected,
    LksServiceDecided,
    Scope,
    ServiceKind,
)
from siks_events.model import Aggregate, Event

from siks_lks.domain.errors import AlreadyDecided, NotThisLevel, OutOfTurn, ReasonRequired, UnknownService
from siks_lks.domain.levels import APPROVER, rank


class Status(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"


class Institution(Aggregate):
    """An LKS (lembaga kesejahteraan sosial) as registered, and what has been decided about it."""

    def __init__(self, id: str) -> None:  # noqa: A002 - the aggregate's id
        super().__init__(id)
        self.name = ""
        self.region_code = ""
        self.scope = Scope.REGENCY
        self.status = Status.PENDING
        self.services: dict[ServiceKind, bool | None] = {}
        """Each registered service: True approved, False rejected, None not decided yet."""

    @classmethod
    def register(cls, lks_id: str, *, name: str, legal_number: str, address: str, region_code: str, scope: Scope,
                 services: tuple[ServiceKind, ...] = (), documents: tuple[Document, ...] = ()) -> Institution:
        institution = cls(lks_id)
        institution._record(LksRegistered(lks_id=lks_id, name=name, legal_number=legal_number, address=address,
                                          region_code=region_code, scope=scope, services=tuple(dict.fromkeys(services)),
                                          documents=documents))
        return institution

    @property
    def approver(self) -> Level:
        return APPROVER[self.scope]

    def decide(self, level: Level, approved: bool, reason: str = "") -> None:
        """The office of the institution's scope approves or rejects it; a lower office has no say (403), a
        higher one may not skip it (409)."""
        if rank(level) < rank(self.approver):
            raise NotThisLevel(f"a {self.scope.value}-scope institution is decided by the {self.approver.value} office")
        if level is not self.approver:
            raise OutOfTurn(f"a {self.scope.value}-scope institution is decided by the {self.approver.value} office,"
                            f" not the {level.value}")
        if self.status is not Status.PENDING:
            raise AlreadyDecided(f"the registration is already {self.status.value}")
        if not approved and not reason.strip():
            raise ReasonRequired("a rejection says why")
        self._record(LksApproved(lks_id=self.id, level=level) if approved
                     else LksRejected(lks_id=self.id, level=level, reason=reason))

    def decide_service(self, service: ServiceKind, approved: bool, reason: str = "") -> None:
        """The directorate responsible decides one service, once the institution itself is approved."""
        if service not in self.services:
            raise UnknownService(f"the institution did not register a {service.value} service")
        if self.status is not Status.APPROVED:
            raise OutOfTurn(f"the institution is {self.status.value}: its services are decided after it is approved")
        if self.services[service] is not None:
            raise AlreadyDecided(f"the {service.value} service is already decided")
        self._record(LksServiceDecided(lks_id=self.id, service=service, approved=approved, reason=reason))

    def _apply(self, event: Event) -> None:
        match event:
            case LksRegistered():
                self.name, self.region_code, self.scope = event.name, event.region_code, event.scope
                self.services = {service: None for service in event.services}
            case LksApproved():
                self.status = Status.APPROVED
            case LksRejected():
                self.status = Status.REJECTED
            case LksServiceDecided(service=service, approved=approved):
                self.services[service] = approved
