"""Who may do what: one table of (operation -> roles), and the region rule beside it.

Every route declares the operation it performs with `allowed_to`; services do not grow checks of
their own, and `route_operations` lists what each route declared so a test can find one that did
not. An object outside the actor's region and an object that does not exist get the same answer
(`NotAccessible`), so a 403 tells nobody where a record lives or whether it exists.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator
from enum import StrEnum
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Request
from fastapi.routing import iter_route_contexts

from siks_events.auth import Actor, CurrentActor, Role
from siks_events.model import Forbidden, NotFound


class Operation(StrEnum):
    # registry (DTKS)
    HOUSEHOLD_REGISTER = "household.register"
    HOUSEHOLD_READ = "household.read"
    """A household, its timeline and its past states; households by family card."""
    HOUSEHOLD_CHANGE = "household.change"
    """Members added, changed or removed, a new head, socio-economic data."""
    PERSON_READ = "person.read"
    ENROLMENT_CHANGE = "enrolment.change"
    STATEMENT_LETTER_ISSUE = "statement-letter.issue"
    # registry as a DCI Social Registry
    DCI_SEARCH = "dci.search"
    """Search DTKS through the DCI registry API (sync or async), inside the partner's region."""
    DCI_SUBSCRIBE = "dci.subscribe"
    """Subscribe to and unsubscribe from DTKS events as DCI notifications."""
    DCI_NOTIFY = "dci.notify"
    DCI_TXN_STATUS = "dci.txn-status"
    DCI_PARTNER_REGISTER = "dci-partner.register"
    """Onboard a DCI partner: its callback base, public keys and what it may see."""
    # integration: Dukcapil, subscribers, BPJS
    DUKCAPIL_REPORT_SUBMIT = "dukcapil-report.submit"
    DUKCAPIL_REPORT_READ = "dukcapil-report.read"
    NIK_CHECK = "nik.check"
    SUBSCRIPTION_CREATE = "subscription.create"
    DELIVERY_READ = "delivery.read"
    SUBSCRIPTION_READ = "subscription.read"
    BPJS_NOTIFICATION_READ = "bpjs-notification.read"
    # proposals (usulan)
    PROPOSAL_DRAFT = "proposal.draft"
    PROPOSAL_CORRECT = "proposal.correct"
    PROPOSAL_SUBMIT = "proposal.submit"
    PROPOSAL_WITHDRAW = "proposal.withdraw"
    PROPOSAL_DECIDE = "proposal.decide"
    """Approve, reject or return a proposal (alone or as a period's batch)."""
    PROPOSAL_READ = "proposal.read"
    PERIOD_CLOSE = "period.close"
    # verification (verivali)
    PRELIST_READ = "prelist.read"
    PRELIST_ASSIGN = "prelist.assign"
    VISIT_UPLOAD = "visit.upload"
    VISIT_READ = "visit.read"
    VISIT_REVIEW = "visit.review"
    """Accept or reject a visit."""
    # LKS: social welfare institutions and their aid proposals
    LKS_REGISTER = "lks.register"
    LKS_READ = "lks.read"
    LKS_DECIDE = "lks.decide"
    """Approve or reject an institution's registration (the office of its scope)."""
    LKS_SERVICE_DECIDE = "lks-service.decide"
    LKS_DOCUMENT_UPLOAD = "lks-document.upload"
    AID_PROPOSAL_SUBMIT = "aid-proposal.submit"
    """Submit an aid proposal, or correct a returned one."""
    AID_PROPOSAL_READ = "aid-proposal.read"
    AID_PROPOSAL_REVIEW = "aid-proposal.review"
    """Pass up, return for correction, or (the directorate general) approve or reject."""
    MONITORING_REPORT_SUBMIT = "monitoring-report.submit"
    """Report on approved aid (monitoring and evaluation), or correct a returned report."""
    MONITORING_REPORT_READ = "monitoring-report.read"
    MONITORING_REPORT_REVIEW = "monitoring-report.review"
    AUDIT_READ = "audit.read"
    """Who read or changed a person's data, and when (the audit trail)."""
    LKS_RECAP_READ = "lks-recap.read"
    """Amounts approved and reported per region, with mismatches flagged; PPKS verification progress."""
    PPKS_LIST = "ppks.list"
    """Put PPKS records on a regency/city office's prelist to verify."""
    PPKS_READ = "ppks.read"
    PPKS_VERIFY = "ppks.verify"
    # eligibility: programme eligibility, quotas and waiting lists (a projection of the registry)
    ELIGIBILITY_READ = "eligibility.read"
    """A household's or person's decisions with their explanation, the eligible per region, waiting lists, status."""
    ELIGIBILITY_SIMULATE = "eligibility.simulate"
    """Count who proposed decile limits would add and drop (reads the live projection, changes nothing)."""


_OFFICES = {Role.DISTRICT_OFFICE, Role.PROVINCE_OFFICE, Role.MINISTRY}
_REGISTRY_WRITERS = {Role.VILLAGE_OPERATOR, Role.SYSTEM} | _OFFICES
_REGISTRY_READERS = _REGISTRY_WRITERS | {Role.ENUMERATOR, Role.SUPERVISOR, Role.AUDITOR}
_LKS_OFFICES = {Role.DISTRICT_OFFICE, Role.PROVINCE_OFFICE, Role.DIRECTORATE_LKS}
"""The three levels an institution's registration and aid proposals go through (regency, province, directorate)."""
_LKS_READERS = _LKS_OFFICES | {Role.LKS, Role.MINISTRY, Role.AUDITOR}

PERMISSIONS: dict[Operation, frozenset[Role]] = {
    Operation.HOUSEHOLD_REGISTER: frozenset(_REGISTRY_WRITERS),
    Operation.HOUSEHOLD_READ: frozenset(_REGISTRY_READERS),
    Operation.HOUSEHOLD_CHANGE: frozenset(_REGISTRY_WRITERS),
    Operation.PERSON_READ: frozenset(_REGISTRY_READERS),
    Operation.ENROLMENT_CHANGE: frozenset(_REGISTRY_WRITERS),
    Operation.STATEMENT_LETTER_ISSUE: frozenset(_REGISTRY_WRITERS),
    Operation.DCI_SEARCH: frozenset({Role.DCI_PARTNER, Role.SYSTEM}),
    Operation.DCI_SUBSCRIBE: frozenset({Role.DCI_PARTNER, Role.SYSTEM}),
    Operation.DCI_NOTIFY: frozenset({Role.DCI_PARTNER, Role.SYSTEM}),
    Operation.DCI_TXN_STATUS: frozenset({Role.DCI_PARTNER, Role.SYSTEM}),
    Operation.DCI_PARTNER_REGISTER: frozenset({Role.MINISTRY, Role.SYSTEM}),
    # System accounts call only their own endpoints: Dukcapil sends and follows its reports, BPJS follows
    # its notifications and subscribes; neither reads DTKS directly.
    Operation.DUKCAPIL_REPORT_SUBMIT: frozenset({Role.DUKCAPIL, Role.SYSTEM}),
    Operation.DUKCAPIL_REPORT_READ: frozenset({Role.DUKCAPIL, Role.SYSTEM, Role.AUDITOR} | _OFFICES),
    Operation.NIK_CHECK: frozenset(
        {Role.SYSTEM, Role.VILLAGE_OPERATOR, Role.ENUMERATOR, Role.SUPERVISOR, Role.LKS, Role.DIRECTORATE_LKS}
        | _OFFICES),
    Operation.SUBSCRIPTION_CREATE: frozenset({Role.SYSTEM, Role.MINISTRY, Role.BPJS, Role.DCI_PARTNER}),
    Operation.DELIVERY_READ: frozenset({Role.SYSTEM, Role.MINISTRY, Role.BPJS, Role.DCI_PARTNER, Role.AUDITOR}),
    Operation.SUBSCRIPTION_READ: frozenset({Role.SYSTEM, Role.MINISTRY, Role.BPJS, Role.DCI_PARTNER, Role.AUDITOR}),
    Operation.BPJS_NOTIFICATION_READ: frozenset({Role.BPJS, Role.SYSTEM, Role.MINISTRY, Role.AUDITOR}),
    Operation.PROPOSAL_DRAFT: frozenset({Role.VILLAGE_OPERATOR}),
    Operation.PROPOSAL_CORRECT: frozenset({Role.VILLAGE_OPERATOR}),
    Operation.PROPOSAL_SUBMIT: frozenset({Role.VILLAGE_OPERATOR}),
    Operation.PROPOSAL_WITHDRAW: frozenset({Role.VILLAGE_OPERATOR}),
    Operation.PROPOSAL_DECIDE: frozenset({Role.DISTRICT_OFFICE}),
    Operation.PROPOSAL_READ: frozenset(
        {Role.VILLAGE_OPERATOR, Role.ENUMERATOR, Role.SUPERVISOR, Role.AUDITOR} | _OFFICES),
    Operation.PERIOD_CLOSE: frozenset({Role.DISTRICT_OFFICE}),
    Operation.PRELIST_READ: frozenset({Role.VILLAGE_OPERATOR, Role.ENUMERATOR, Role.SUPERVISOR, Role.AUDITOR} | _OFFICES),
    Operation.PRELIST_ASSIGN: frozenset({Role.SUPERVISOR}),
    Operation.VISIT_UPLOAD: frozenset({Role.ENUMERATOR}),
    Operation.VISIT_READ: frozenset({Role.ENUMERATOR, Role.SUPERVISOR, Role.AUDITOR} | _OFFICES),
    Operation.VISIT_REVIEW: frozenset({Role.SUPERVISOR}),
    Operation.LKS_REGISTER: frozenset({Role.LKS}),
    Operation.LKS_READ: frozenset(_LKS_READERS),
    Operation.LKS_DECIDE: frozenset(_LKS_OFFICES),
    Operation.LKS_SERVICE_DECIDE: frozenset({Role.DIRECTORATE_LKS}),
    Operation.LKS_DOCUMENT_UPLOAD: frozenset({Role.LKS}),
    Operation.AID_PROPOSAL_SUBMIT: frozenset({Role.LKS}),
    Operation.AID_PROPOSAL_READ: frozenset(_LKS_READERS),
    Operation.AID_PROPOSAL_REVIEW: frozenset(_LKS_OFFICES),
    Operation.MONITORING_REPORT_SUBMIT: frozenset({Role.LKS}),
    Operation.MONITORING_REPORT_READ: frozenset(_LKS_READERS),
    Operation.MONITORING_REPORT_REVIEW: frozenset(_LKS_OFFICES),
    Operation.AUDIT_READ: frozenset({Role.AUDITOR, Role.MINISTRY}),
    Operation.LKS_RECAP_READ: frozenset(_LKS_OFFICES | {Role.MINISTRY, Role.AUDITOR}),
    Operation.PPKS_LIST: frozenset({Role.DISTRICT_OFFICE, Role.PROVINCE_OFFICE, Role.DIRECTORATE_LKS}),
    Operation.PPKS_READ: frozenset(_LKS_OFFICES | {Role.MINISTRY, Role.AUDITOR}),
    Operation.PPKS_VERIFY: frozenset({Role.DISTRICT_OFFICE}),
    Operation.ELIGIBILITY_READ: frozenset(_REGISTRY_READERS),
    Operation.ELIGIBILITY_SIMULATE: frozenset(_OFFICES),
}


RECORD_NO_EVENT = frozenset({
    Operation.ELIGIBILITY_READ, Operation.ELIGIBILITY_SIMULATE,
    Operation.PROPOSAL_READ, Operation.PRELIST_READ, Operation.VISIT_READ, Operation.HOUSEHOLD_READ,
    Operation.PERSON_READ, Operation.DUKCAPIL_REPORT_READ, Operation.NIK_CHECK, Operation.DELIVERY_READ,
    Operation.SUBSCRIPTION_READ, Operation.BPJS_NOTIFICATION_READ, Operation.SUBSCRIPTION_CREATE, Operation.LKS_READ,
    Operation.AID_PROPOSAL_READ, Operation.LKS_DOCUMENT_UPLOAD, Operation.MONITORING_REPORT_READ,
    Operation.LKS_RECAP_READ, Operation.PPKS_READ, Operation.AUDIT_READ, Operation.DCI_SEARCH, Operation.DCI_SUBSCRIBE,
    Operation.DCI_NOTIFY, Operation.DCI_TXN_STATUS, Operation.DCI_PARTNER_REGISTER})
"""Reads, and writes kept outside any event store (a subscription is a row of the integration service)."""

EMITTING_ROLES: frozenset[Role] = frozenset({Role.SYSTEM}).union(
    *(roles for operation, roles in PERMISSIONS.items() if operation not in RECORD_NO_EVENT))
"""Roles whose requests can cause an event (directly, or through a consumer that records the same actor)."""


class OperationNotAllowed(Forbidden):
    """The actor's role may not perform this operation."""

    code = "operation-not-allowed"


class NotAccessible(Forbidden):
    """The record is not accessible to this actor (outside their region, or no such record)."""

    code = "not-accessible"


class NoSuchObject(NotFound):
    """No such record (said only to an actor of national scope, for whom it reveals nothing more)."""

    code = "not-found"


def allowed(role: Role, operation: Operation) -> bool:
    return role in PERMISSIONS[operation]


def authorized(operation: Operation) -> Callable[..., Awaitable[Actor]]:
    """A dependency: the verified actor, if the permission table lets their role perform `operation`.

    The operation is kept on the dependency, so `route_operations` can read it back from the route.
    """

    async def check(actor: CurrentActor) -> Actor:
        return authorize(actor, operation)

    check.operation = operation  # type: ignore[attr-defined]
    return check


def allowed_to(operation: Operation) -> Any:
    """A dependency type for a route's signature: the actor `authorized` to perform `operation`."""
    return Annotated[Actor, Depends(authorized(operation))]


RegionOf = Callable[[Request, str], Awaitable[str | None]]
"""The region code of the object a path names: "" for national data, None when there is no such object."""


def scoped(operation: Operation, kind: str, path_parameter: str, region_of: RegionOf) -> Any:
    """A dependency type: the actor `authorized` to perform `operation`, if the object the path names is in their region.

    It runs before the request body is read, so an outsider learns nothing beyond the one 403 of `require_access`.
    """

    async def check(request: Request, actor: Actor = Depends(authorized(operation))) -> Actor:
        object_id = request.path_params[path_parameter]
        require_access(actor, kind, object_id, await region_of(request, object_id))
        return actor

    return Annotated[Actor, Depends(check)]


async def named_region(request: Request, region_code: str) -> str:
    """`RegionOf` for a path that names a region itself (a village, a regency)."""
    return region_code


EXEMPT_PATHS = ("/healthz", "/readyz", "/metrics", "/openapi.json", "/asyncapi.json", "/docs", "/redoc", "/v1/whoami",
                "/v1/public/", "/v1/simulators/", "/.well-known/")
"""Routes that declare no operation: health, the API documents, the token's own claims (`whoami`), the citizen
self-check and letter verification, published public keys (`/.well-known/jwks.json`), and stand-ins for partners
(mounted only on the embedded stack)."""


def exempt(path: str) -> bool:
    return any(path == p or (p.endswith("/") and path.startswith(p)) or path.startswith(p + "/")
               for p in EXEMPT_PATHS)


def _operations(dependant) -> Iterator[Operation]:
    for dependency in dependant.dependencies:
        operation = getattr(dependency.call, "operation", None)
        if isinstance(operation, Operation):
            yield operation
        yield from _operations(dependency)


def route_operations(app: FastAPI) -> Iterator[tuple[str, str, frozenset[Operation]]]:
    """Each (method, path) the app serves with the operations its route declared (empty when none)."""
    for context in iter_route_contexts(app.routes):
        route = context.original_route
        dependant = getattr(route, "dependant", None)
        operations = frozenset(_operations(dependant)) if dependant is not None else frozenset()
        for method in sorted(getattr(context, "methods", None) or getattr(route, "methods", None) or {"*"}):
            yield method, context.path or "", operations


def authorize(actor: Actor, operation: Operation) -> Actor:
    """The actor, if their role may perform `operation`; OperationNotAllowed otherwise."""
    if not allowed(actor.role, operation):
        raise OperationNotAllowed(f"role {actor.role.value} may not perform {operation.value}")
    return actor


def require_access(actor: Actor, kind: str, object_id: str, region_code: str | None) -> None:
    """Raise NotAccessible unless the object exists (`region_code` is not None) inside the actor's region.

    The message names neither the object nor its region, so the body is the same for any object of a kind.
    `region_code` "" marks national data: only a national-scope actor reaches it. A national-scope actor
    is told that an object does not exist (NoSuchObject, 404): nothing lies outside their region.
    """
    if region_code is None and actor.region == "":
        raise NoSuchObject(f"there is no such {kind}")
    if region_code is None or not actor.covers(region_code):
        raise NotAccessible(f"this {kind} is not accessible to you")
