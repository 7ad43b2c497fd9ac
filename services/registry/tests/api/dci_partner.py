"""A DCI partner (an SP-MIS) as tests need it: its signing key, a receiver for our callbacks, and requests
shaped like the standard's own examples (social_api_v1.0.0 sample JSONs), signed."""

from __future__ import annotations

import contextlib
import socket
from datetime import UTC, datetime

from siks_events.auth import Role
from siks_events.dci import Jwks, SigningKey, new_id, verify
from siks_events.pytest_plugin import listening
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

SENDER = "spmis.example.org"
OUR_ID = "dtks.kemensos.go.id"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Receiver:
    """The partner's callback endpoints: keeps every body it gets, by path, and answers ACK."""

    def __init__(self) -> None:
        self.port = _free_port()
        self.base = f"http://127.0.0.1:{self.port}/dci"
        self.received: list[tuple[str, dict]] = []
        self.refuse = 0
        """How many of the next callbacks to answer 503 (a partner down for a while)."""
        self.refused = 0

    async def _callback(self, request: Request) -> JSONResponse:
        if self.refuse > 0:
            self.refuse -= 1
            self.refused += 1
            return JSONResponse({"errors": [{"code": "err.service.unavailable"}]}, status_code=503)
        self.received.append((request.url.path.removeprefix("/dci"), await request.json()))
        return JSONResponse({"message": {"ack_status": "ACK", "timestamp": datetime.now(UTC).isoformat(),
                                         "correlation_id": new_id()}})

    def bodies(self, path: str) -> list[dict]:
        return [body for where, body in self.received if where == path]

    @contextlib.asynccontextmanager
    async def running(self):
        app = Starlette(routes=[Route("/dci/{path:path}", self._callback, methods=["POST"])])
        async with listening(app, self.port):
            yield self


class Partner:
    def __init__(self, client, token, key: SigningKey, region: str) -> None:
        self.client = client
        self.key = key
        self.headers = token(role=Role.DCI_PARTNER, region=region, subject=key.sender_id)

    def envelope(self, action: str, message: dict, *, sender_uri: str = "") -> dict:
        """A request as the standard's examples write it (count as a string, blanks for absent values), signed."""
        header = {"version": "1.0.0", "message_id": new_id(), "message_ts": datetime.now(UTC).isoformat(),
                  "action": action, "sender_id": self.key.sender_id, "sender_uri": sender_uri, "receiver_id": OUR_ID,
                  "total_count": "1", "is_msg_encrypted": False, "meta": ""}
        return self.key.sign_envelope({"header": header, "message": message})

    async def post(self, path: str, body: dict, headers: dict | None = None):
        return await self.client.post(f"/dci/registry/{path}", json=body,
                                      headers=self.headers if headers is None else headers)


def search_message(criteria: dict, *, transaction_id: str | None = None, reference_id: str = "r-1") -> dict:
    return {"transaction_id": transaction_id or new_id(), "search_request": [{
        "reference_id": reference_id, "timestamp": datetime.now(UTC).isoformat(),
        "search_criteria": {"version": "1.0.0", "reg_event_type": "REGISTER", "consent": "", "authorize": "",
                            **criteria},
        "locale": "eng"}]}


async def our_keys(client) -> Jwks:
    return Jwks.from_json((await client.get("/.well-known/jwks.json")).json())


async def verified(client, body: dict) -> dict:
    """The body, once its signature verifies against the registry's published keys."""
    assert verify(body["signature"], body["header"], body.get("message"), await our_keys(client))
    return body
