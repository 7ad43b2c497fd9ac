"""Institutions and proposals in Jawa Timur (35) and Kota Kediri (35.71), built by hand for the tests."""

from __future__ import annotations

from siks_events.catalog.lks import Level, Scope, ServiceKind
from siks_lks.domain.aid_proposal import AidProposal
from siks_lks.domain.institution import Institution

KEDIRI_VILLAGE = "3571011001"


def institution(scope: Scope = Scope.PROVINCE, *, approved: bool = True, lks_id: str = "lks-1") -> Institution:
    lks = Institution.register(lks_id, name="Panti Asuhan Al-Ikhlas", legal_number="AHU-0012345.AH.01.04.2020",
                               address="Jl. Mayor Bismo 20", region_code=KEDIRI_VILLAGE, scope=scope,
                               services=(ServiceKind.CHILD, ServiceKind.DISABILITY))
    if approved:
        lks.decide({Scope.REGENCY: Level.REGENCY, Scope.PROVINCE: Level.PROVINCE,
                    Scope.NATIONAL: Level.DIRECTORATE}[scope], approved=True)
    return Institution.rehydrate(lks_id, lks.collect_events())


def proposal(*steps) -> AidProposal:
    """A submitted proposal of an approved institution, after `steps` (callables on the proposal)."""
    submitted = AidProposal.submit("aid-1", institution(), amount=150_000_000, purpose="roof of the dormitory",
                                   beneficiaries=40)
    for step in steps:
        step(submitted)
    return AidProposal.rehydrate("aid-1", submitted.collect_events())
