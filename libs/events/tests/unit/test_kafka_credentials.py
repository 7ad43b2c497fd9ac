"""Who a service is to the brokers: nothing to prove on the embedded broker, its KafkaUser's SCRAM login on Strimzi."""

from __future__ import annotations

import ssl

import pytest
from aiokafka import AIOKafkaConsumer
from siks_events.kafka import KafkaCredentials, connection


def test_by_default_the_clients_connect_in_plain_text_without_a_login():
    assert KafkaCredentials().options() == {"security_protocol": "PLAINTEXT"}
    assert connection("broker:9092") == {"bootstrap_servers": "broker:9092", "security_protocol": "PLAINTEXT"}


async def test_a_scram_login_over_tls_takes_the_users_name_password_and_the_cluster_ca(monkeypatch):
    monkeypatch.setenv("SIKS_KAFKA_SECURITY_PROTOCOL", "SASL_SSL")
    monkeypatch.setenv("SIKS_KAFKA_USERNAME", "siks-registry")
    monkeypatch.setenv("SIKS_KAFKA_PASSWORD", "from-the-kafkauser-secret")
    options = KafkaCredentials().options()
    assert options["security_protocol"] == "SASL_SSL"
    assert (options["sasl_mechanism"], options["sasl_plain_username"], options["sasl_plain_password"]) == (
        "SCRAM-SHA-512", "siks-registry", "from-the-kafkauser-secret")
    assert isinstance(options["ssl_context"], ssl.SSLContext)
    client = AIOKafkaConsumer(bootstrap_servers="siks-kafka-kafka-bootstrap:9094", **options)  # aiokafka takes them
    assert client._client._security_protocol == "SASL_SSL"


def test_a_login_without_a_password_is_refused_before_any_connection(monkeypatch):
    monkeypatch.setenv("SIKS_KAFKA_SECURITY_PROTOCOL", "SASL_PLAINTEXT")
    monkeypatch.setenv("SIKS_KAFKA_USERNAME", "siks-registry")
    with pytest.raises(ValueError, match="SIKS_KAFKA_PASSWORD"):
        KafkaCredentials().options()


def test_the_password_never_shows_in_the_settings_repr(monkeypatch):
    monkeypatch.setenv("SIKS_KAFKA_PASSWORD", "from-the-kafkauser-secret")
    assert "from-the-kafkauser-secret" not in repr(KafkaCredentials())
