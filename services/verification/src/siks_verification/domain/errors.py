"""What the verification service refuses, each with a stable code and, where one input is at fault, its field."""

from __future__ import annotations

from siks_events.model import Conflict, NotFound, RuleViolated


class EntryNotFound(NotFound):
    """No prelist entry with this id."""

    code = "prelist-entry-not-found"


class VisitNotFound(NotFound):
    """No visit with this id."""

    code = "visit-not-found"


class EntryNotInState(Conflict):
    """The prelist entry is not in a state that allows this step."""

    code = "prelist-entry-state"


class VisitAlreadyReviewed(Conflict):
    """A supervisor already accepted or rejected this visit."""

    code = "visit-already-reviewed"


class NotAssignedToYou(Conflict):
    """The prelist entry is assigned to another enumerator (or to nobody yet)."""

    code = "not-assigned-to-you"
    field = "entry_id"


class InterviewTimesInvalid(RuleViolated):
    """The interview ends before it starts."""

    code = "interview-times-invalid"
    field = "ended_at"


class PhotoNotStored(RuleViolated):
    """A photo the visit names has not been uploaded (or its size or type differ from the stored one)."""

    code = "photo-not-stored"
    field = "photos"


class IdentityNotConfirmed(RuleViolated):
    """A visit that found the household is accepted only once NIK and name are confirmed against the ID card photo."""

    code = "identity-not-confirmed"
    field = "identity_confirmed"


class ReasonRequired(RuleViolated):
    """A rejection needs a reason the enumerator can act on."""

    code = "reason-required"
    field = "reason"
