"""The faust app logs in to Kafka as every other client of the service does (SIKS_KAFKA_*)."""

from __future__ import annotations

import ssl

import faust
from faust.types.auth import AuthProtocol, SASLMechanism
from siks_eligibility.adapters.stream import _credentials


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
