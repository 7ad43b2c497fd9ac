"""Kafka clients as every service uses them; only the Kafka protocol, no broker quirks."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import hashlib
import logging
from pathlib import Path
from typing import Literal

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import KafkaError, OffsetOutOfRangeError, TopicAlreadyExistsError
from aiokafka.helpers import create_ssl_context
from pydantic import SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

log = logging.getLogger("siks.kafka")

DEFAULT_PARTITIONS = 6
DLQ_SUFFIX = ".dlq"
FETCH_MAX_WAIT_MS = 100
"""How long a long-lived consumer's fetch may wait at the broker for records. Kafka answers as soon as a record
arrives, whatever the wait; Tansu (the embedded broker) holds a fetch for about half of it, so its delivery delay
follows this (measured at 200 records/s: p99 57 ms at 100, 255 ms at aiokafka's default of 500, 750 ms at
faust's fixed 1500). On Kafka a shorter wait only means more fetches while idle."""


def dlq_topic(topic: str) -> str:
    return topic + DLQ_SUFFIX


class KafkaCredentials(BaseSettings):
    """How the service proves who it is to the brokers: nothing on the embedded broker, SCRAM over TLS on
    Strimzi, where the service's KafkaUser (and its ACLs: which topics it may write and read) is the user."""

    model_config = SettingsConfigDict(env_prefix="SIKS_KAFKA_", extra="ignore")

    security_protocol: Literal["PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"] = "PLAINTEXT"
    sasl_mechanism: Literal["SCRAM-SHA-512", "SCRAM-SHA-256", "PLAIN"] = "SCRAM-SHA-512"
    username: str | None = None
    password: SecretStr | None = None
    ca_file: Path | None = None  # the cluster CA (Strimzi: the <cluster>-cluster-ca-cert Secret's ca.crt)

    def options(self) -> dict:
        """What every aiokafka client of the service is given besides its bootstrap servers."""
        options: dict = {"security_protocol": self.security_protocol}
        if self.security_protocol.startswith("SASL"):
            if not self.username or self.password is None:
                raise ValueError(f"SIKS_KAFKA_SECURITY_PROTOCOL={self.security_protocol} needs SIKS_KAFKA_USERNAME"
                                 " and SIKS_KAFKA_PASSWORD")
            options.update(sasl_mechanism=self.sasl_mechanism, sasl_plain_username=self.username,
                           sasl_plain_password=self.password.get_secret_value())
        if self.security_protocol.endswith("SSL"):
            options["ssl_context"] = create_ssl_context(cafile=str(self.ca_file) if self.ca_file else None)
        return options


@functools.cache
def _credentials_options() -> dict:
    return KafkaCredentials().options()


def connection(bootstrap_servers: str) -> dict:
    """The keyword arguments that point an aiokafka client at the brokers as this service (address and credentials)."""
    return {"bootstrap_servers": bootstrap_servers, **_credentials_options()}


def new_producer(bootstrap_servers: str, **overrides) -> AIOKafkaProducer:
    """A producer that waits for every replica: acks=all. Not idempotent: Tansu lacks InitProducerId."""
    options = dict(
        **connection(bootstrap_servers),
        acks="all",
        linger_ms=5,
        # A CloudEvent with its ce_* headers is about 0.5 kB: the default 16 kB batch would cut a relay
        # batch into dozens of produce requests per partition, each a round trip before the next.
        max_batch_size=262_144,
        request_timeout_ms=15_000,
        retry_backoff_ms=200,
        max_request_size=2_097_152,
    )
    options.update(overrides)
    return AIOKafkaProducer(**options)


async def ensure_topics(
    bootstrap_servers: str,
    topics: list[str],
    *,
    partitions: int = DEFAULT_PARTITIONS,
    replication_factor: int = 1,
    with_dlq: bool = False,
) -> None:
    """Create the topics that do not exist yet (and their dead-letter topics when asked)."""
    wanted = list(dict.fromkeys(topics + ([dlq_topic(t) for t in topics] if with_dlq else [])))
    admin = AIOKafkaAdminClient(**connection(bootstrap_servers), request_timeout_ms=10_000)
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        missing = [t for t in wanted if t not in existing]
        if missing:
            # another process may create one between our list and our create
            with contextlib.suppress(TopicAlreadyExistsError):
                await admin.create_topics(
                    [NewTopic(name=t, num_partitions=partitions, replication_factor=replication_factor) for t in missing]
                )
            log.info("created topics", extra={"topics": missing})
    finally:
        await _close_quietly(admin)


async def wait_for_broker(bootstrap_servers: str, timeout: float = 30.0) -> None:
    """Block until the broker answers metadata requests, or raise TimeoutError."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        admin = AIOKafkaAdminClient(**connection(bootstrap_servers), request_timeout_ms=2_000)
        try:
            await admin.start()
            await admin.list_topics()
            return
        except (KafkaError, OSError):
            if asyncio.get_running_loop().time() > deadline:
                raise TimeoutError(f"no Kafka broker answered at {bootstrap_servers}") from None
            await asyncio.sleep(0.3)
        finally:
            await _close_quietly(admin)


class Probe:
    """What a partition holds at one offset: the fingerprint of the record there, or that it is gone."""

    GONE = "gone"
    """The partition ends at or before the offset (or does not exist): the broker lost the record."""
    RETAINED = "retained"
    """The offset is below the partition's log start: retention (or delete_records) removed it on purpose."""
    UNKNOWN = "unknown"
    """The broker did not answer in time."""

PROBE_CONCURRENCY = 8
"""Probes at once: each is a short-lived client, so a few in parallel, not one per partition of a big topic."""


def fingerprint(key: bytes | None, value: bytes | None, headers) -> str:
    """Identifies a record: its CloudEvents id where it has one, else a digest of its bytes."""
    for name, raw in headers or ():
        if name == "ce_id" and raw:
            return raw.decode(errors="replace")
    return "sha256:" + hashlib.sha256((key or b"") + b"\x00" + (value or b"")).hexdigest()


async def probe_many(
    bootstrap_servers: str, offsets: dict[TopicPartition, int], *, concurrency: int = PROBE_CONCURRENCY
) -> dict[TopicPartition, str]:
    """`probe` of each partition's offset, side by side: after a broker restart, every partition of
    every topic needs a look, and one after another that took ~3 s each."""
    gate = asyncio.Semaphore(concurrency)

    async def one(tp: TopicPartition, offset: int) -> str:
        async with gate:
            return await probe(bootstrap_servers, tp, offset)

    found = await asyncio.gather(*(one(tp, offset) for tp, offset in offsets.items()))
    return dict(zip(offsets, found, strict=True))


async def probe(bootstrap_servers: str, tp: TopicPartition, offset: int, timeout: float = 3.0) -> str:
    """The fingerprint of the record at `offset`, `Probe.GONE` if the partition no longer has it,
    `Probe.RETAINED` if retention removed it, or `Probe.UNKNOWN` if the broker did not say in time.
    Reading a record is the one check that holds on every Kafka-protocol broker (the embedded one
    reports end offsets per batch, not per record)."""
    client = AIOKafkaConsumer(**connection(bootstrap_servers), enable_auto_commit=False,
                              auto_offset_reset="none", request_timeout_ms=int(timeout * 1000) + 2000)
    try:
        return await asyncio.wait_for(_read_at(client, tp, offset, timeout), timeout * 3 + 5)
    except (KafkaError, TimeoutError):
        return Probe.UNKNOWN
    finally:
        await stop_quietly(client)


async def _read_at(client: AIOKafkaConsumer, tp: TopicPartition, offset: int, timeout: float) -> str:
    await client.start()
    if tp.topic not in await client.topics() or tp.partition not in (client.partitions_for_topic(tp.topic) or ()):
        return Probe.GONE
    client.assign([tp])
    if offset < await _log_start(client, tp):
        return Probe.RETAINED
    client.seek(tp, offset)
    try:
        batches = await client.getmany(tp, timeout_ms=int(timeout * 1000), max_records=1)
    except OffsetOutOfRangeError:
        # retention may have moved the log start past the offset since we asked
        return Probe.RETAINED if offset < await _log_start(client, tp) else Probe.GONE
    for record in batches.get(tp, []):
        return fingerprint(record.key, record.value, record.headers) if record.offset == offset else Probe.GONE
    # Nothing came back: a partition that ends at or before the offset has lost the record.
    end = (await client.end_offsets([tp]))[tp]
    return Probe.GONE if end <= offset else Probe.UNKNOWN


async def last_offsets(client: AIOKafkaConsumer, partitions: list[TopicPartition], timeout: float = 3.0
                       ) -> dict[TopicPartition, int]:
    """Each partition's end offset (its last record's offset + 1) read from the last record itself.

    The embedded broker answers ListOffsets with the end of the last record batch's first record, so a
    batch of 500 looks like one: the lag it implies is short by up to a batch. Fetching from that offset
    returns the whole batch, whose last record gives the true end; on Kafka it returns that last record.
    `client` is a group-less consumer of the caller's own (this reassigns it)."""
    if not partitions:
        return {}
    reported = await client.end_offsets(partitions)
    ends = dict(reported)
    pending = {tp for tp in partitions if reported[tp] > 0}
    client.assign(list(pending))
    for tp in pending:
        client.seek(tp, reported[tp] - 1)
    deadline = asyncio.get_running_loop().time() + timeout
    while pending:
        left = deadline - asyncio.get_running_loop().time()
        if left <= 0:
            break  # a partition that answered nothing keeps the reported end
        try:
            fetched = await client.getmany(*pending, timeout_ms=int(left * 1000))
        except OffsetOutOfRangeError:
            break  # retention moved the start past it meanwhile: the reported end is as good as any
        for tp, records in fetched.items():
            if records:
                ends[tp] = max(ends[tp], records[-1].offset + 1)
                pending.discard(tp)
    # An assigned partition is fetched on in the background (long polls, prefetched records): not until next time.
    client.pause(*client.assignment())
    return ends


async def _log_start(client: AIOKafkaConsumer, tp: TopicPartition) -> int:
    """The partition's first offset still held (Kafka's log start offset); retention moves it forward."""
    return (await client.beginning_offsets([tp]))[tp]


async def _close_quietly(admin: AIOKafkaAdminClient) -> None:
    with contextlib.suppress(Exception):
        await asyncio.wait_for(admin.close(), 5)


async def stop_quietly(client) -> None:
    """Stop a short-lived client without letting a slow or failing broker hold the caller up.

    aiokafka can end a group-less consumer's stop with a stray CancelledError of its own background
    task; only a cancellation of *our* task may pass."""
    try:
        await asyncio.wait_for(client.stop(), 5)
    except asyncio.CancelledError:
        task = asyncio.current_task()
        if task is not None and task.cancelling():
            raise
    except Exception:  # noqa: BLE001 - a client that will not stop cleanly is dropped all the same
        log.info("a short-lived Kafka client did not stop cleanly")


def stop_if_cancelled() -> None:
    """Raise CancelledError if this task was asked to stop and the request got lost on the way: aiokafka can
    catch a CancelledError inside its calls (and raise a KafkaError or nothing instead), and a loop that
    carries on after that holds up its service's shutdown for the full 20 s. Call it once per round."""
    task = asyncio.current_task()
    if task is not None and task.cancelling() > 0:
        raise asyncio.CancelledError
