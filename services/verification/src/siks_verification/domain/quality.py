"""Automatic quality flags (pemeriksaan kualitas) computed when a visit arrives: pure functions, robust statistics.

Medians and the median absolute deviation (MAD) stand in for mean and standard deviation, so the
few bad visits a check is looking for cannot drag the yardstick towards themselves.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from siks_events.catalog.registry import Location
from siks_events.catalog.verification import Position, QualityFlag

EARTH_RADIUS_M = 6_371_000.0
MAD_TO_SIGMA = 1.4826
"""Scales a MAD to a standard deviation's size for normally distributed data."""

HOUSEHOLD_RADIUS_M = 150.0
"""A house lies within a few dozen metres of its recorded point; 150 m beyond the phone's own accuracy
leaves room for a badly placed pin while a visit made from the next hamlet still stands out."""

MIN_PEERS = 5
"""Fewer visits than this give no yardstick worth trusting: the statistical checks stay silent."""

VILLAGE_CUTOFF = 5.0
"""Robust z-score beyond which a visit lies outside the area the village's other visits cover."""
VILLAGE_MIN_RADIUS_M = 1_000.0
"""Below this nobody is flagged, however tightly the other visits cluster (a dense kampung)."""

DURATION_CUTOFF = 3.5
"""Iglewicz and Hoaglin's cut-off for the modified z-score, here on log durations."""
DURATION_MIN_SPREAD = 0.15
"""Lower bound of the log-duration spread (about 15 %): peers who all took exactly as long must not make
a one-minute difference an outlier."""
DURATION_MIN_FACTOR = 2.0
"""Only "much longer or much shorter" counts (the seeds' words): at least twice or at most half the peers' median."""
SHORTEST_COUNTED_S = 30
"""Durations below this count as 30 s, so a zero-length interview has a logarithm (and stands out)."""


@dataclass(frozen=True)
class PeerVisit:
    """Another visit in the same village, as the checks see it."""

    visit_id: str
    enumerator: str
    household_key: str
    duration_seconds: int
    lat: float
    lon: float


@dataclass(frozen=True)
class VisitFacts:
    """What the checks need of the visit that just arrived."""

    enumerator: str
    household_key: str
    duration_seconds: int
    position: Position
    photo_hashes: tuple[str, ...] = ()
    nik_entered: str | None = None


@dataclass(frozen=True)
class Yardstick:
    """What the visit is compared with: the household as proposed and the village's other visits."""

    household_location: Location | None = None
    proposal_niks: tuple[str, ...] = ()
    peers: tuple[PeerVisit, ...] = ()
    photo_households: Mapping[str, frozenset[str]] | None = None
    """For each photo hash already stored with a visit: the households those visits were to."""


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle (haversine) distance in metres."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi, dlmb = phi2 - phi1, math.radians(lon2 - lon1)
    h = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlmb / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(h)))


def mad(values: Sequence[float]) -> float:
    """Median absolute deviation from the median."""
    centre = statistics.median(values)
    return statistics.median(abs(v - centre) for v in values)


def robust_z(value: float, sample: Sequence[float], *, min_spread: float = 0.0) -> float:
    """How many robust standard deviations (scaled MAD, at least `min_spread`) `value` lies from the sample's median."""
    spread = max(MAD_TO_SIGMA * mad(sample), min_spread)
    deviation = value - statistics.median(sample)
    if spread == 0:
        return 0.0 if deviation == 0 else math.copysign(math.inf, deviation)
    return deviation / spread


def far_from_household(visit: VisitFacts, household: Location | None) -> bool:
    """The phone was farther from the household's last known position than its accuracy and a margin allow."""
    if household is None:
        return False
    away = distance_m(visit.position.lat, visit.position.lon, household.lat, household.lon)
    return away > HOUSEHOLD_RADIUS_M + visit.position.accuracy_m


def far_from_village(visit: VisitFacts, peers: Sequence[PeerVisit]) -> bool:
    """The visit lies far outside the area the village's other visits cover (distance from their median point)."""
    if len(peers) < MIN_PEERS:
        return False
    lat = statistics.median(p.lat for p in peers)
    lon = statistics.median(p.lon for p in peers)
    spread = [distance_m(p.lat, p.lon, lat, lon) for p in peers]
    away = distance_m(visit.position.lat, visit.position.lon, lat, lon) - visit.position.accuracy_m
    limit = max(statistics.median(spread) + VILLAGE_CUTOFF * MAD_TO_SIGMA * mad(spread), VILLAGE_MIN_RADIUS_M)
    return away > limit


def _log_duration(seconds: int) -> float:
    return math.log(max(seconds, SHORTEST_COUNTED_S))


def duration_outlier(visit: VisitFacts, peers: Sequence[PeerVisit]) -> bool:
    """The interview took much longer or much shorter than other enumerators' interviews in the same village."""
    others = [_log_duration(p.duration_seconds) for p in peers if p.enumerator != visit.enumerator]
    if len(others) < MIN_PEERS:
        return False
    own = _log_duration(visit.duration_seconds)
    z = robust_z(own, others, min_spread=DURATION_MIN_SPREAD)
    return abs(z) > DURATION_CUTOFF and abs(own - statistics.median(others)) >= math.log(DURATION_MIN_FACTOR)


def photo_reused(visit: VisitFacts, photo_households: Mapping[str, Iterable[str]] | None) -> bool:
    """A photo of this visit is already stored with a visit to another household."""
    owners = photo_households or {}
    return any(set(owners.get(h, ())) - {visit.household_key} for h in visit.photo_hashes)


def nik_mismatch(visit: VisitFacts, proposal_niks: Sequence[str]) -> bool:
    """The NIK typed from the ID card is none of the NIKs the proposal concerns."""
    return bool(visit.nik_entered and proposal_niks and visit.nik_entered not in proposal_niks)


def quality_flags(visit: VisitFacts, yardstick: Yardstick) -> tuple[QualityFlag, ...]:
    """Every flag the visit earns, in a stable order."""
    checks = [
        (QualityFlag.FAR_FROM_HOUSEHOLD, far_from_household(visit, yardstick.household_location)),
        (QualityFlag.FAR_FROM_VILLAGE, far_from_village(visit, yardstick.peers)),
        (QualityFlag.DURATION_OUTLIER, duration_outlier(visit, yardstick.peers)),
        (QualityFlag.PHOTO_REUSED, photo_reused(visit, yardstick.photo_households)),
        (QualityFlag.NIK_MISMATCH, nik_mismatch(visit, yardstick.proposal_niks)),
    ]
    return tuple(flag for flag, raised in checks if raised)
