"""Registration of an institution: the office of its scope decides; a lower one has no say, a higher one
may not skip it; services are decided once the institution is approved."""

from __future__ import annotations

import pytest
from siks_events.catalog.lks import Level, Scope, ServiceKind
from siks_lks.domain.errors import AlreadyDecided, NotThisLevel, OutOfTurn, UnknownService
from siks_lks.domain.institution import Status

from ..builders import institution


def test_a_province_scope_institution_is_approved_by_its_province_office():
    lks = institution(Scope.PROVINCE, approved=False)
    lks.decide(Level.PROVINCE, approved=True)
    assert lks.status is Status.APPROVED


def test_a_regency_office_has_no_say_over_a_province_scope_institution():
    lks = institution(Scope.PROVINCE, approved=False)
    with pytest.raises(NotThisLevel):
        lks.decide(Level.REGENCY, approved=True)
    assert (lks.status, lks.pending_events) == (Status.PENDING, [])


def test_nobody_skips_the_province_office_to_the_directorate_general():
    lks = institution(Scope.PROVINCE, approved=False)
    with pytest.raises(OutOfTurn) as refused:
        lks.decide(Level.DIRECTORATE, approved=True)
    assert "province office" in refused.value.detail and lks.pending_events == []


@pytest.mark.parametrize(("scope", "approver"), [(Scope.REGENCY, Level.REGENCY), (Scope.NATIONAL, Level.DIRECTORATE)])
def test_the_approver_follows_the_scope(scope, approver):
    lks = institution(scope, approved=False)
    lks.decide(approver, approved=False, reason="no legal documents")
    assert lks.status is Status.REJECTED


def test_a_decided_registration_takes_no_second_decision():
    lks = institution(Scope.PROVINCE)
    with pytest.raises(AlreadyDecided):
        lks.decide(Level.PROVINCE, approved=False, reason="changed our mind")


def test_services_are_decided_once_each_after_the_institution_is_approved():
    pending = institution(Scope.PROVINCE, approved=False)
    with pytest.raises(OutOfTurn):
        pending.decide_service(ServiceKind.CHILD, approved=True)
    lks = institution(Scope.PROVINCE)
    lks.decide_service(ServiceKind.CHILD, approved=True)
    lks.decide_service(ServiceKind.DISABILITY, approved=False, reason="no accessible building")
    assert lks.services == {ServiceKind.CHILD: True, ServiceKind.DISABILITY: False}
    with pytest.raises(AlreadyDecided):
        lks.decide_service(ServiceKind.CHILD, approved=False)
    with pytest.raises(UnknownService):
        lks.decide_service(ServiceKind.ELDERLY, approved=True)
