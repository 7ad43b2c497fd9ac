"""The projection's stream processor: one faust-streaming app per projection version, its agent applying the
registry's events in batches to the version's PostgreSQL rows.

faust runs the stream: the consumer group (named after the version, so a rebuild reads the log from the
beginning while the served version's app goes on), partition assignment across workers, fetching, batching
(`take_events`) and committing offsets once a batch is applied. The state stays in PostgreSQL, not in faust
tables: ranking a regency is an aggregate over every household of it, across partitions, and the API's
two-clock answers, the simulation and the backtest read the kept histories in SQL; a faust table keyed by
household would hold the same histories a second time.

Exactly once in effect: a batch is applied by the library's `BatchApplier`, whose one transaction writes the
effects, the inbox rows and each partition's position. faust acknowledges a batch's events
(and so may commit their offsets) only after the agent is done with it, so Kafka's committed offsets never pass
PostgreSQL's; before the app starts, the positions kept in PostgreSQL are committed for its group, so a worker
resumes where the effects end, and the inbox makes a record delivered twice change nothing.
"""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from collections.abc import Sequence

import asyncpg
import faust
from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.errors import KafkaError
from aiokafka.structs import ConsumerRecord, OffsetAndMetadata
from faust.transport.drivers import aiokafka as faust_aiokafka
from faust.types.auth import CredentialsT
from siks_events import kafka
from siks_events.consumer import BatchHandler, positions
from siks_events.consumer.batch import BatchApplier, until_done
from siks_events.consumer.dead_letters import DeadLetterSender
from siks_events.uow import PostgresUnitOfWork

log = logging.getLogger("siks.eligibility.stream")


class ProjectionStream:
    """A version's faust app: its group (`group`) reads `topic` and the agent applies each batch with `handler`."""

    def __init__(self, *, name: str, pool: asyncpg.Pool, bootstrap_servers: str, topic: str, handler: BatchHandler,
                 topic_prefix: str = "", partitions: int = kafka.DEFAULT_PARTITIONS, batch_size: int = 500,
                 within: float = 0.01, session_timeout_ms: int = 10_000, max_backoff: float = 10.0) -> None:
        self.name = name
        self.group = topic_prefix + name  # as the library's consumers: environments' groups never meet
        self.pool = pool
        self.bootstrap_servers = bootstrap_servers
        self.topic = topic
        self.partitions = partitions
        self.batch_size = batch_size
        self.within = within
        self.session_timeout_ms = session_timeout_ms
        self.max_backoff = max_backoff
        self.applier = BatchApplier(consumer=name, pool=pool, handler=handler, topic_prefix=topic_prefix,
                                    uow_factory=lambda cause: PostgresUnitOfWork(pool, cause))
        self.dead_letter_sender = DeadLetterSender(pool, name, bootstrap_servers)
        self.applied = 0
        self.duplicates = 0
        self.batches = 0

    async def run(self) -> None:
        """Apply the topic's events until cancelled."""
        await kafka.ensure_topics(self.bootstrap_servers, [self.topic], partitions=self.partitions, with_dlq=True)
        await self._resume_from_postgres()
        app = self._app()
        sender = asyncio.create_task(self.dead_letter_sender.run(), name=f"{self.name} dead letters")
        try:
            await app.start()
            await app.wait_until_stopped()
            raise RuntimeError(f"the faust app of {self.name} stopped")
        finally:
            sender.cancel()
            await _stop(app, self.name)
            await asyncio.gather(sender, return_exceptions=True)

    def _app(self) -> faust.App:
        app = faust_app(self.group, bootstrap_servers=self.bootstrap_servers, partitions=self.partitions,
                        batch_size=self.batch_size, session_timeout_ms=self.session_timeout_ms)
        source = app.topic(self.topic, key_type=bytes, value_type=bytes, key_serializer="raw", value_serializer="raw")

        async def project(stream: faust.StreamT) -> None:
            async for events in stream.take_events(self.batch_size, within=self.within):
                await self.apply([_record(event.message) for event in events])

        app.agent(source, name=f"{self.group}.project")(project)
        app.finalize()
        return app

    async def apply(self, records: Sequence[ConsumerRecord]) -> None:
        """Apply one batch in one transaction, each partition's records in offset order: a regency touched from
        several partitions is ranked once per batch, and the partitions never queue on each other's locks."""
        by_partition: dict[TopicPartition, list[ConsumerRecord]] = defaultdict(list)
        for record in sorted(records, key=lambda r: (r.partition, r.offset)):
            by_partition[TopicPartition(record.topic, record.partition)].append(record)
        outcomes = await until_done(lambda: self.applier.apply_partitions(by_partition), consumer=self.name,
                                    max_backoff=self.max_backoff)
        for outcome in outcomes.values():
            self.applied += outcome.applied
            self.duplicates += outcome.duplicates
            if outcome.dead_letters:
                self.dead_letter_sender.wake()
        self.batches += 1

    async def _resume_from_postgres(self) -> None:
        """Commit the positions kept beside the effects as the group's offsets: faust starts from those."""
        stored = {tp: p.next_offset for tp, p in (await positions.load(self.pool, self.name)).items()
                  if tp.topic == self.topic and p.next_offset > 0}
        if not stored:
            return
        client = AIOKafkaConsumer(**kafka.connection(self.bootstrap_servers), group_id=self.group,
                                  enable_auto_commit=False)
        await client.start()
        try:
            client.assign(list(stored))
            await client.commit({tp: OffsetAndMetadata(offset, "") for tp, offset in stored.items()})
        except KafkaError as exc:
            # A member of the group is still known to the broker (one that stopped a moment ago): faust resumes
            # from the offsets committed for it, never past PostgreSQL's, and the inbox drops what repeats.
            log.info("positions not committed for the group", extra={"consumer": self.name, "error": repr(exc)})
        finally:
            await kafka.stop_quietly(client)


async def _stop(app: faust.App, name: str, timeout: float = 30.0) -> None:
    """Stop the app, waiting at most `timeout`: mode's services swallow a cancellation while they stop and go on
    waiting (`asyncio.wait_for` would then wait with them), so the stop runs as a task of its own and is left
    behind, logged, if it outlasts the timeout."""
    stopping = asyncio.ensure_future(app.stop())
    done, _ = await asyncio.wait({stopping}, timeout=timeout)
    if not done:
        log.warning("faust app still stopping; left behind", extra={"consumer": name, "seconds": timeout})
    elif not stopping.cancelled() and stopping.exception() is not None:
        log.warning("faust app stopped with an error", extra={"consumer": name, "error": repr(stopping.exception())})


class _ConsumerThread(faust_aiokafka.AIOKafkaConsumerThread):
    def _create_worker_consumer(self, transport) -> AIOKafkaConsumer:
        consumer = super()._create_worker_consumer(transport)
        # faust fixes the fetch wait at 1500 ms, which Tansu turns into up to 750 ms of delay per record; aiokafka reads
        # the setting when the consumer starts, which is after this
        consumer._fetch_max_wait_ms = kafka.FETCH_MAX_WAIT_MS
        return consumer


class _Consumer(faust_aiokafka.Consumer):
    def _new_consumer_thread(self) -> _ConsumerThread:
        return _ConsumerThread(self, loop=self.loop, beacon=self.beacon)


class _Transport(faust_aiokafka.Transport):
    Consumer = _Consumer


class _App(faust.App):
    """faust's app on its aiokafka transport, with the library's fetch wait (`kafka.FETCH_MAX_WAIT_MS`)."""

    def _new_transport(self) -> _Transport:
        return _Transport(self.conf.broker_consumer, self)


def faust_app(group: str, *, bootstrap_servers: str, partitions: int, batch_size: int,
              session_timeout_ms: int) -> faust.App:
    """A faust app whose group `group` reads from the earliest offset it has not committed, logged in as the service,
    with nothing of faust's own but the consumer and its producer (no web server, leader topic or table)."""
    for chatty in ("faust", "mode"):  # they narrate every start and stop at INFO: operators need their warnings
        logging.getLogger(chatty).setLevel(logging.WARNING)
    seconds = session_timeout_ms / 1000
    return _App(
        group,
        broker=";".join(f"kafka://{server}" for server in bootstrap_servers.split(",")),
        broker_credentials=_credentials(kafka.connection(bootstrap_servers)),
        store="memory://",
        web_enabled=False,
        topic_partitions=partitions,
        topic_disable_leader=True,
        consumer_auto_offset_reset="earliest",
        broker_session_timeout=seconds,
        broker_heartbeat_interval=max(0.1, seconds / 4),
        broker_rebalance_timeout=seconds,
        broker_commit_interval=1.0,
        stream_buffer_maxsize=batch_size * 4,
        broker_max_poll_records=batch_size * 4,
    )


def _record(message) -> ConsumerRecord:
    """faust's message as the aiokafka record the library's applier reads."""
    return ConsumerRecord(
        topic=message.topic, partition=message.partition, offset=message.offset, timestamp=message.timestamp,
        timestamp_type=message.timestamp_type, key=message.key, value=message.value, checksum=message.checksum,
        serialized_key_size=message.serialized_key_size, serialized_value_size=message.serialized_value_size,
        headers=tuple(message.headers.items()) if isinstance(message.headers, dict) else tuple(message.headers or ()))


def _credentials(options: dict) -> CredentialsT | None:
    """The service's Kafka login (SIKS_KAFKA_*), as faust takes it."""
    protocol = options.get("security_protocol", "PLAINTEXT")
    if protocol.startswith("SASL"):
        return faust.SASLCredentials(username=options["sasl_plain_username"], password=options["sasl_plain_password"],
                                     ssl_context=options.get("ssl_context"), mechanism=options["sasl_mechanism"])
    if protocol == "SSL":
        return faust.SSLCredentials(options["ssl_context"])
    return None
