"""The documents partners read (docs/asyncapi.json and docs/openapi/<service>.json) are what the code says now."""

from __future__ import annotations

from pathlib import Path

from siks_events import published

DOCS = Path(__file__).resolve().parents[2] / "docs"


def test_the_published_catalogue_and_api_documents_are_current():
    assert published.stale(DOCS) == [], "run `.venv/bin/siks docs` and commit docs/"


def test_each_service_serves_its_own_part_of_the_event_catalogue():
    from fastapi.testclient import TestClient
    from siks_registry.main import create_app

    with_routes = create_app(published._settings("registry"))
    document = TestClient(with_routes).get("/asyncapi.json").json()
    addresses = {channel["address"] for channel in document["channels"].values()}
    # what the registry publishes and what its consumers read, and nothing else
    assert addresses == {"siks.registry.events", "siks.integration.events", "siks.proposals.events"}
    assert "MemberDeceased" in document["components"]["messages"]
    assert "VisitAccepted" not in document["components"]["messages"]


def test_the_documents_do_not_change_when_the_librarys_test_samples_are_registered():
    import siks_events.testing  # noqa: F401  (registers siks.testing.* types, as the test suite does)

    assert published.stale(DOCS) == []
