"""The faust app logs in to Kafka as every other client of the service does (SIKS_KAFKA_*), and fetches as they do."""

from __future__ import annotations

import ssl

import faust
from faust.types.auth import AuthProtocol, SASLMechanism
from siks_eligibility.adapters.stream import _credentials, faust_app
from siks_events import kafka


def test_scram_over_tls_becomes_faust_sasl_credentials_with_the_tls_context():
    context = ssl.create_default_context()
    credentials = _credentials({"security_protocol": "SASL_SSL", "sasl_mechanism": "SCRAM-SHA-512",
                                "sasl_plain_username": "eligibility", "sasl_plain_password": "secret",
                                "ssl_context": context})
    assert isinstance(credentials, faust.SASLCredentials)
    assert (credentials.username, credentials.password) == ("eligibility", "secret")
    assert credentials.mechanism is SASLMechanism.SCRAM_SHA_512
    assert credentials.protocol is AuthProtocol.SASL_SSL and credentials.ssl_context is context


def test_tls_alone_becomes_faust_ssl_credentials_and_plaintext_none():
    context = ssl.create_default_context()
    credentials = _credentials({"security_protocol": "SSL", "ssl_context": context})
    assert isinstance(credentials, faust.SSLCredentials) and credentials.context is context
    assert _credentials({"security_protocol": "PLAINTEXT"}) is None


async def test_the_faust_worker_consumer_waits_at_the_broker_no_longer_than_the_librarys_consumers():
    # faust fixes the wait at 1500 ms, which the embedded broker turns into up to 750 ms of delay per record
    app = faust_app("eligibility-v1", bootstrap_servers="127.0.0.1:9", partitions=3, batch_size=10,
                    session_timeout_ms=2_000)
    consumer = app.consumer._thread._create_worker_consumer(app.transport)  # built, not started: no connection
    assert consumer._fetch_max_wait_ms == kafka.FETCH_MAX_WAIT_MS == 100
    await consumer.stop()
