"""Fixtures of the registry's API tests: a DCI partner onboarded, and its callback receiver."""

from __future__ import annotations

import pytest
from siks_events.auth import Role
from siks_events.dci import SigningKey

from .dci_partner import SENDER, Partner, Receiver


@pytest.fixture
async def receiver():
    async with Receiver().running() as running:
        yield running


@pytest.fixture
async def onboard(registry_app, token, receiver):
    """`await onboard(region=..., disclose=[...])`: a partner registered by the ministry, with its own key."""

    async def make(region: str = "3571", disclose: list[str] | None = None, sender: str = SENDER) -> Partner:
        key = SigningKey.generate(sender)
        answer = await registry_app.put(
            "/v1/dci/partners", headers=token(role=Role.MINISTRY, region="", subject="pusdatin"),
            json={"sender_id": sender, "callback_base": receiver.base, "jwks": key.jwks(), "disclose": disclose or []})
        assert answer.status_code == 204, answer.text
        return Partner(registry_app, token, key, region)

    return make
