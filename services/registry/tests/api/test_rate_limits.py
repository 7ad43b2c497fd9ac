"""The public endpoints' rate limits: where the limit falls, how a bucket refills, and whose bucket it is.

The limiter's clock is the test's, so refilling is exact and takes no time.
"""

from __future__ import annotations

import contextlib

import httpx
import pytest
from siks_registry.adapters.api import public
from siks_registry.main import create_app

PEER = "198.51.100.7"  # the address the connection comes from (a client, or a proxy of ours)
OTHER_PEER = "198.51.100.8"
PUBLIC_CALLS = {  # each public endpoint: its limiter and one request to it
    "self-check": (public.self_check_limit, "POST", "/v1/public/dtks-check", {"nik": "3571010101010001", "name": "x"}),
    "letter check": (public.letter_check_limit, "GET", "/v1/public/statement-letters/SKT-0000-0000", None),
}


class Clock:
    def __init__(self) -> None:
        self.now = 1_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch) -> Clock:
    clock = Clock()
    for limit, *_ in PUBLIC_CALLS.values():
        monkeypatch.setattr(limit, "clock", clock)
    return clock


@pytest.fixture
def registry(service_settings):
    """The registry with the given settings; a client per peer address."""

    @contextlib.asynccontextmanager
    async def start(**settings):
        app = create_app(service_settings("registry", consumers_enabled=False, relay_enabled=False, **settings))
        async with app.router.lifespan_context(app), contextlib.AsyncExitStack() as clients:
            async def client(peer: str) -> httpx.AsyncClient:
                transport = httpx.ASGITransport(app=app, client=(peer, 50_000))
                return await clients.enter_async_context(httpx.AsyncClient(transport=transport, base_url="http://registry"))

            yield client

    return start


async def ask(client: httpx.AsyncClient, endpoint: str, times: int = 1, **headers) -> list[int]:
    _, method, url, body = PUBLIC_CALLS[endpoint]
    return [(await client.request(method, url, json=body, headers=headers)).status_code for _ in range(times)]


@pytest.mark.parametrize("endpoint", PUBLIC_CALLS)
async def test_the_limit_falls_after_capacity_requests_and_the_429_says_when_to_come_back(registry, clock, endpoint):
    limit = PUBLIC_CALLS[endpoint][0]
    async with registry() as client_at:
        client = await client_at(PEER)
        answered = await ask(client, endpoint, limit.capacity)
        assert 429 not in answered and len(answered) == limit.capacity
        _, method, url, body = PUBLIC_CALLS[endpoint]
        refused = await client.request(method, url, json=body)
    assert refused.status_code == 429
    assert refused.headers["content-type"] == "application/problem+json"
    assert refused.json()["type"].endswith("too-many-requests")
    # One request's worth of refill: per_seconds / capacity (6 s for 10 a minute, 2 s for 30 a minute).
    assert refused.headers["retry-after"] == str(round(limit.per_seconds / limit.capacity))


@pytest.mark.parametrize("endpoint", PUBLIC_CALLS)
async def test_a_bucket_refills_one_request_per_interval_and_never_above_its_capacity(registry, clock, endpoint):
    limit = PUBLIC_CALLS[endpoint][0]
    interval = limit.per_seconds / limit.capacity
    async with registry() as client_at:
        client = await client_at(PEER)
        await ask(client, endpoint, limit.capacity)
        clock.now += interval * 0.9
        assert await ask(client, endpoint) == [429]  # not yet a whole request's worth
        clock.now += interval * 0.2  # refusals do not push the refill back
        assert 429 not in await ask(client, endpoint)
        assert await ask(client, endpoint) == [429]
        clock.now += limit.per_seconds * 10  # a long rest fills the bucket, but only up to its capacity
        answers = await ask(client, endpoint, limit.capacity + 1)
    assert 429 not in answers[:-1] and answers[-1] == 429


async def test_clients_are_kept_apart_and_the_two_public_endpoints_count_separately(registry, clock):
    async with registry() as client_at:
        one, other = await client_at(PEER), await client_at(OTHER_PEER)
        await ask(one, "self-check", public.self_check_limit.capacity)
        assert await ask(one, "self-check") == [429]
        assert 429 not in await ask(other, "self-check")
        assert 429 not in await ask(one, "letter check")


async def test_by_default_no_forwarded_header_is_believed(registry, clock):
    async with registry() as client_at:
        client = await client_at(PEER)
        await ask(client, "self-check", public.self_check_limit.capacity)
        # A client that makes up addresses in headers still counts as the peer it connects from.
        for header in ("X-Forwarded-For", "X-Real-IP", "Forwarded"):
            assert await ask(client, "self-check", **{header: "203.0.113.50"}) == [429]


async def test_behind_our_proxy_the_configured_header_tells_clients_apart_and_a_forged_hop_is_ignored(registry, clock):
    capacity = public.self_check_limit.capacity
    async with registry(client_address_header="X-Forwarded-For") as client_at:
        proxy = await client_at(PEER)  # every client arrives through one proxy of ours
        await ask(proxy, "self-check", capacity, **{"X-Forwarded-For": "203.0.113.1"})
        assert await ask(proxy, "self-check", **{"X-Forwarded-For": "203.0.113.1"}) == [429]
        assert 429 not in await ask(proxy, "self-check", **{"X-Forwarded-For": "203.0.113.2"})
        # The client wrote the left entry itself; our proxy appended the address it saw on the right.
        assert await ask(proxy, "self-check", **{"X-Forwarded-For": "192.0.2.99, 203.0.113.1"}) == [429]

    async with registry(client_address_header="X-Forwarded-For", client_address_proxies=2) as client_at:
        proxy = await client_at(PEER)  # a load balancer, then an ingress: the caller is second from the right
        await ask(proxy, "self-check", capacity, **{"X-Forwarded-For": "203.0.113.1, 10.0.0.5"})
        assert await ask(proxy, "self-check", **{"X-Forwarded-For": "192.0.2.1, 203.0.113.1, 10.0.0.6"}) == [429]
        # Fewer hops than our proxies add: nobody of ours wrote it, so the peer is the client.
        assert 429 not in await ask(proxy, "self-check", **{"X-Forwarded-For": "203.0.113.1"})


async def test_x_real_ip_can_be_the_trusted_header_instead(registry, clock):
    async with registry(client_address_header="X-Real-IP") as client_at:
        proxy = await client_at(PEER)
        await ask(proxy, "self-check", public.self_check_limit.capacity, **{"X-Real-IP": "203.0.113.1"})
        assert await ask(proxy, "self-check", **{"X-Real-IP": "203.0.113.1"}) == [429]
        assert 429 not in await ask(proxy, "self-check", **{"X-Real-IP": "203.0.113.2"})
        assert 429 not in await ask(proxy, "self-check", **{"X-Forwarded-For": "203.0.113.1"})  # not the header we trust
