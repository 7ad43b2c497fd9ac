"""The merge of a verified visit's findings into the change the registry is to run."""

from __future__ import annotations

from siks_events.catalog.proposals import RemovedMember
from siks_events.catalog.registry import Assets, Housing, Location
from siks_events.catalog.verification import Findings
from siks_proposals.domain.findings import merged

from ..builders import ANI, BUDI, NEW_BABY, SITI, add_household, enrol, remove_household, update_household

FOUND_HOUSING = Housing(roof_material="asbestos", floor_material="earth", floor_area_m2=24)
FOUND_AT = Location(lat=-7.8166, lon=112.0119)


def test_a_new_household_takes_the_members_housing_and_location_as_found():
    found = Findings(household_found=True, members=(BUDI, SITI), housing=FOUND_HOUSING, location=FOUND_AT)
    change = merged(add_household(), found)
    assert (change.members, change.housing, change.location) == ((BUDI, SITI), FOUND_HOUSING, FOUND_AT)


def test_a_new_household_keeps_what_the_visit_did_not_record():
    proposed = add_household()
    change = merged(proposed, Findings(household_found=True))
    assert change == proposed


def test_an_update_takes_the_found_data_of_the_people_it_names_and_nobody_else():
    older_baby = NEW_BABY.model_copy(update={"full_name": "Bayu Santoso Putra"})
    proposed = update_household(members_added=(NEW_BABY,), members_removed=(RemovedMember(nik=ANI.nik, reason="married"),))
    found = Findings(household_found=True, members=(BUDI, older_baby), assets=Assets(land_owned=False))
    change = merged(proposed, found)
    assert change.members_added == (older_baby,)
    assert change.members_updated == () and change.members_removed == proposed.members_removed
    assert change.assets == Assets(land_owned=False) and change.housing is None


def test_a_removal_and_a_programme_change_are_not_changed_by_findings():
    found = Findings(household_found=True, housing=FOUND_HOUSING)
    assert merged(remove_household(), found) == remove_household()
    assert merged(enrol(), found) == enrol()
