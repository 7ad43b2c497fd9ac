"""A CRVS registry's notified vital events become Dukcapil's own reports, or are refused with the reason."""

from __future__ import annotations

import copy
from datetime import date

import pytest
from siks_events.catalog.dukcapil import DukcapilDeathRecorded, DukcapilDomicileMoveRecorded
from siks_events.dci import NotifyEventRequest
from siks_integration.adapters.dci_crvs.vital_events import Untranslatable, translate, vital_event

NIK = "3571014302840002"

# Shaped like the standard's NotifyEventRequest and its CRVS person example (blanks included).
DEATH = {
    "transaction_id": "0123456789",
    "notify_event": [{
        "reference_id": "12345678901234567890",
        "timestamp": "2026-10-05T08:15:00+07:00",
        "data": {
            "version": "1.0.0",
            "reg_type": "ns:org:RegistryType:Civil",
            "reg_event_type": "spdci-common:RegistryEventType:Death",
            "reg_record_type": "spdci-extensions-dci:Person",
            "reg_records": {
                "@context": {"@vocab": "https://schema.spdci.org/core/v1"},
                "@id": "CRVS_Person_3",
                "@type": "CRVS_Person",
                "identifier": [{"@id": "Identifier", "@type": "Identifier", "identifier_type": "UIN",
                                "identifier_value": NIK},
                               {"@type": "Identifier", "identifier_type": "DRN", "identifier_value": "3571-KM-0001"}],
                "name": {"@type": "Name", "surname": "", "given_name": "Siti Aminah", "second_name": "",
                         "prefix": "", "suffix": ""},
                "phone_number": [""],
                "sex": "female",
                "birth_date": "1984-02-03T00:00:00",
                "death_date": "2026-10-02T04:30:00",
                "death_place": {"name": "RSUD Gambiran", "address_line": ""},
                "address": {"@type": "Address", "region_code": "3571011001", "country_code": "ID"},
                "marital_status": "M",
                "marriage_date": "",
            },
        },
        "locale": "ind",
    }],
}


def notified(request: dict) -> object:
    return NotifyEventRequest.model_validate(request).notify_event[0]


def death_with(**record) -> dict:
    request = copy.deepcopy(DEATH)
    request["notify_event"][0]["data"]["reg_records"].update(record)
    return request


def test_a_notified_death_is_dukcapils_death_report_keyed_by_its_registration_number():
    assert translate(notified(DEATH)) == DukcapilDeathRecorded(
        nik=NIK, name="Siti Aminah", died_on=date(2026, 10, 2), certificate_number="3571-KM-0001",
        place_of_death="RSUD Gambiran")


def test_event_types_are_read_without_case_or_namespace():
    assert [vital_event(t) for t in ("death", "DEATH_REGISTERED", "spdci-common:RegistryEventType:Death",
                                     "change_of_address", "ChangeOfAddress")] == [
        "death", "death", "death", "change_of_address", "change_of_address"]
    assert vital_event("live_birth") is None


def test_a_change_of_address_is_a_move_between_villages_keyed_by_its_moving_certificate():
    request = copy.deepcopy(DEATH)
    data = request["notify_event"][0]["data"]
    data["reg_event_type"] = "change_of_address"
    data["reg_records"] = {"identifier": [{"identifier_type": "NIK", "identifier_value": NIK},
                                          {"identifier_type": "SKPWNI", "identifier_value": "SKPWNI-0001"}],
                           "address": [{"region_code": "35.71.02.1001"}],
                           "previous_address": {"region_code": "3571011001"}}
    assert translate(notified(request)) == DukcapilDomicileMoveRecorded(
        move_id="SKPWNI-0001", nik=NIK, from_region="3571011001", to_region="3571021001", moved_on=date(2026, 10, 5))


@pytest.mark.parametrize(("request_", "reason"), [
    (death_with(identifier=[{"identifier_type": "DRN", "identifier_value": "X"}]), "no NIK"),
    (death_with(identifier=[{"identifier_type": "UIN", "identifier_value": NIK}]), "no death registration number"),
    (death_with(identifier=[{"identifier_type": "UIN", "identifier_value": "3571010000000000"},
                            {"identifier_type": "DRN", "identifier_value": "X"}]), "the NIK is invalid"),
    (death_with(death_date=""), "needs the date of death"),
    (death_with(death_date="yesterday"), "death_date"),
    (death_with(name={"given_name": ""}), "not named"),
])
def test_a_death_missing_what_a_report_needs_is_refused_with_the_reason(request_, reason):
    with pytest.raises(Untranslatable, match=reason) as refused:
        translate(notified(request_))
    assert refused.value.reference_id == "12345678901234567890"


def test_a_birth_is_refused_because_no_domain_event_takes_it():
    request = copy.deepcopy(DEATH)
    request["notify_event"][0]["data"]["reg_event_type"] = "live_birth"
    with pytest.raises(Untranslatable, match="'live_birth' is not taken here"):
        translate(notified(request))


def test_a_notified_event_names_one_person():
    request = copy.deepcopy(DEATH)
    record = request["notify_event"][0]["data"]["reg_records"]
    request["notify_event"][0]["data"]["reg_records"] = [record, record]
    with pytest.raises(Untranslatable, match="one person per notified event, not 2"):
        translate(notified(request))
