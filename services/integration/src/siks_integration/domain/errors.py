"""What the integration service refuses."""

from __future__ import annotations

from siks_events.model import Conflict, NotFound, RuleViolated


class ReportMismatch(Conflict):
    """The certificate number or move id was already reported with other details."""

    code = "report-mismatch"


class ReportNotFound(NotFound):
    """No Dukcapil report with this id."""

    code = "report-not-found"
    field = "report_id"


class SubscriptionNotFound(NotFound):
    """No subscription with this id."""

    code = "subscription-not-found"
    field = "subscription_id"


class MissingStreamPosition(RuleViolated):
    """A registry event without its stream id and version cannot be ordered against the copy of DTKS."""

    code = "missing-stream-position"
