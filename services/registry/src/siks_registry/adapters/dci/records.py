"""DTKS households and persons as the DCI social registry's Group and Member records.

What a partner sees is bounded twice: only persons inside its region (a member who moved away is left
out of the household it left), and only the kinds of data its onboarding lists in `disclose`
(`welfare`: the welfare decile as `poverty_score` and a member's disability, education and occupation;
`programmes`: programme memberships). Identity and demographics (NIK, name, sex, birth date, marital
status, relationship, status) are what every partner gets.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

CONTEXT = {"@vocab": "https://schema.spdci.org/extensions/social/v1/", "common": "https://schema.spdci.org/common/v1/"}
WELFARE = "welfare"
PROGRAMMES = "programmes"
DISCLOSURES = frozenset({WELFARE, PROGRAMMES})


def _identifier(kind: str, value: str) -> dict[str, str]:
    return {"@type": "Identifier", "identifier_type": kind, "identifier_value": value}


def _iso(value: date | datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def member(person: dict[str, Any], disclose: Iterable[str] = ()) -> dict[str, Any]:
    """A person (anggota rumah tangga) as a DCI `Member`."""
    deceased = person["status"] == "deceased"
    details = person.get("details") or {}
    record: dict[str, Any] = {
        "@type": "Member",
        "member_identifier": [_identifier("NIK", person["nik"])],
        "demographic_info": {
            "@type": "SRPerson",
            "identifier": [_identifier("NIK", person["nik"])],
            "name": {"@type": "Name", "given_name": person["full_name"]},
            "sex": person["sex"],
            "birth_date": _iso(person["birth_date"]),
        },
        "relationship_head": person["relationship"],
        "marital_status": details.get("marital_status"),
        "is_deceased": deceased,
        "additional_attributes": [
            {"name": "member_status", "value": person["status"]},
            {"name": "household_id", "value": person["household_id"]},
            {"name": "region_code", "value": person["region_code"]},
        ],
    }
    if deceased and person.get("status_since"):
        record["death_date"] = _iso(person["status_since"])
    if person.get("status_since"):
        record["additional_attributes"].append({"name": "status_since", "value": _iso(person["status_since"])})
    if WELFARE in disclose and details:
        record["is_disabled"] = bool(details.get("disability"))
        record["education_level"] = details.get("education")
        record["occupation"] = details.get("occupation") or None
    if PROGRAMMES in disclose:
        record["additional_attributes"].append({"name": "programmes", "value": person.get("programs") or []})
    return {k: v for k, v in record.items() if v is not None}


def group(household: dict[str, Any], persons: Iterable[dict[str, Any]], *, region: str,
          disclose: Iterable[str] = ()) -> dict[str, Any]:
    """A household (rumah tangga) as a DCI `Group`, with the members the partner's region covers."""
    disclose = frozenset(disclose)
    visible = sorted((p for p in persons if p["region_code"].startswith(region)), key=lambda p: p["nik"])
    head = next((p for p in visible if p["nik"] == household.get("head_nik")), None)
    record: dict[str, Any] = {
        "@context": CONTEXT,
        "@type": "Group",
        "@id": f"urn:siks-ng:household:{household['household_id']}",
        "group_identifier": [_identifier("DTKS_HOUSEHOLD_ID", household["household_id"]),
                             _identifier("KK", household["kk_number"])],
        "group_type": "household",
        "place": {"@type": "Place", "address": household["address"], "region_code": household["region_code"]},
        "group_size": household["active_members"],
        "group_head_info": member(head, disclose) if head else None,
        "member_list": [member(p, disclose) for p in visible],
        "last_updated": _iso(household.get("updated_at")),
    }
    if WELFARE in disclose and household.get("welfare_decile") is not None:
        record["poverty_score"] = household["welfare_decile"]
        record["poverty_score_type"] = "dtks-welfare-decile"
    return {k: v for k, v in record.items() if v is not None}


def removed_member(nik: str, household_id: str, region_code: str, reason: str | None) -> dict[str, Any]:
    """A person removed from a household (no longer in DTKS there): who, from where, and why."""
    attributes = [{"name": "member_status", "value": "removed"}, {"name": "household_id", "value": household_id},
                  {"name": "region_code", "value": region_code}]
    if reason:
        attributes.append({"name": "removal_reason", "value": reason})
    return {"@context": CONTEXT, "@type": "Member", "member_identifier": [_identifier("NIK", nik)],
            "additional_attributes": attributes}


def member_record(person: dict[str, Any], disclose: Iterable[str] = ()) -> dict[str, Any]:
    """A person found by a Member search: the Member with the JSON-LD context and the family card it is on."""
    record = {"@context": CONTEXT, **member(person, disclose)}
    if person.get("kk_number"):
        record["additional_attributes"].append({"name": "kk_number", "value": person["kk_number"]})
    return record
