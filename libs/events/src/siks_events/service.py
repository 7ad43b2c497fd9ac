"""A service's runtime: FastAPI app, migrations at start-up, its outbox relay and its consumers.

A service's `main.py` describes itself with a `ServiceDefinition`; `build_app` does the rest.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

import asyncpg
from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import JSONResponse, Response

from siks_events import asyncapi, chain, checkpoints, dead_letters, http, kafka, metrics, migrations, openapi, telemetry
from siks_events.auth import CurrentActor, TokenVerifier
from siks_events.consumer import BatchHandler, Handler, IdempotentConsumer
from siks_events.database import create_pool
from siks_events.model import Cause
from siks_events.relay import OutboxRelay
from siks_events.relay import backlog_of as relay_backlog_of
from siks_events.sealing import SecretSealer
from siks_events.settings import Settings
from siks_events.uow import PostgresUnitOfWork

log = logging.getLogger("siks.service")


@dataclass(frozen=True)
class ConsumerDefinition:
    """One consumer group of a service: the topics it reads and the handler that applies them."""

    name: str
    topics: list[str]
    handler: Handler | BatchHandler
    unit_of_work: Callable[[asyncpg.Pool, Cause], PostgresUnitOfWork] | None = None
    """Builds the unit of work the handler receives; the library's plain one by default."""


@dataclass(frozen=True)
class ServiceDefinition:
    """What makes a service itself; everything else is shared."""

    name: str
    title: str
    description: str
    migrations: Path
    routers: list[APIRouter] = field(default_factory=list)
    simulator_routers: list[APIRouter] = field(default_factory=list)
    """Stand-ins for partners, mounted only with `SIKS_SIMULATORS=1` (the embedded stack sets it)."""
    consumers: list[ConsumerDefinition] = field(default_factory=list)
    topics: list[str] = field(default_factory=list)
    """Topics the service publishes to; created at start-up so consumers can subscribe early."""
    workers: list[Callable[[Runtime], Awaitable[None]]] = field(default_factory=list)
    """Other background loops (outbound deliveries, ...), started after the relay and consumers."""
    gauges: list[Callable[[Runtime], Awaitable[None]]] = field(default_factory=list)
    """The service's own gauges (proposals by status, ...), set each time /metrics is read."""
    keeps_secrets: bool = False
    """It stores secrets sealed (`siks_events.sealing`), so it needs `SIKS_SECRETS_KEYS` to start."""

    @property
    def event_topics(self) -> list[str]:
        """The topics it publishes to and those its consumers read: its part of the event catalogue."""
        return sorted({*self.topics, *(topic for consumer in self.consumers for topic in consumer.topics)})


class Runtime:
    """The live parts of a running service, reachable from routes as `request.app.state.runtime`."""

    def __init__(self, definition: ServiceDefinition, settings: Settings) -> None:
        self.definition = definition
        self.settings = settings
        self.pool: asyncpg.Pool | None = None
        self.relay: OutboxRelay | None = None
        self.consumers: list[IdempotentConsumer] = []
        self._tasks: list[asyncio.Task] = []
        self._gauges = metrics.LabelledGauges()

    async def start(self) -> None:
        s, d = self.settings, self.definition
        # A service that keeps secrets refuses to start without the key that seals them, not at its first secret.
        sealer = SecretSealer.from_settings(s) if s.secrets_keys or d.keeps_secrets else None
        await asyncio.to_thread(migrations.upgrade, d.migrations, s.database_url, s.schema_name, sealer=sealer)
        self.pool = await create_pool(s.database_url, s.schema_name, min_size=s.db_pool_min_size,
                                      max_size=s.db_pool_max_size)
        # Every unit of work of this process waits this long for a connection, then answers 503.
        PostgresUnitOfWork.acquire_timeout = s.db_acquire_timeout_seconds
        with contextlib.suppress(Exception):  # a missing broker must not stop the API; readyz reports it
            await asyncio.wait_for(
                kafka.ensure_topics(
                    s.kafka_bootstrap_servers, [s.topic_prefix + t for t in d.topics], partitions=s.kafka_partitions,
                    replication_factor=s.kafka_replication_factor,
                ),
                10,
            )
        if s.relay_enabled:
            self.relay = OutboxRelay(
                self.pool,
                bootstrap_servers=s.kafka_bootstrap_servers,
                source=s.source,
                topic_prefix=s.topic_prefix,
                partitions=s.kafka_partitions,
                replication_factor=s.kafka_replication_factor,
            )
            self._spawn(self.relay.run, "relay")
            self._spawn(lambda: chain.run_sealer(self.pool), "chain sealer")
            if (signer := checkpoints.CheckpointSigner.from_settings(s)) is not None:
                self._spawn(lambda: checkpoints.run_checkpointer(self.pool, signer, s.chain_checkpoint_seconds),
                            "chain checkpointer")
        if s.consumers_enabled:
            for spec in d.consumers:
                consumer = IdempotentConsumer(
                    name=f"{d.name}.{spec.name}",
                    pool=self.pool,
                    bootstrap_servers=s.kafka_bootstrap_servers,
                    topics=spec.topics,
                    handler=spec.handler,
                    uow_factory=(lambda cause, make=spec.unit_of_work, pool=self.pool: make(pool, cause))
                    if spec.unit_of_work else None,
                    topic_prefix=s.topic_prefix,
                    partitions=s.kafka_partitions,
                    replication_factor=s.kafka_replication_factor,
                    batch_size=s.consumer_batch_size,
                    session_timeout_ms=s.kafka_session_timeout_ms,
                    inbox_retention=timedelta(days=s.inbox_retention_days) if s.inbox_retention_days else None,
                )
                self.consumers.append(consumer)
                self._spawn(consumer.run, f"consumer {consumer.name}")
        for worker in d.workers if s.consumers_enabled else []:
            self._spawn(lambda worker=worker: worker(self), getattr(worker, "__name__", "worker"))

    def _spawn(self, start: Callable, what: str) -> None:
        task = asyncio.create_task(_supervised(start, what, self.definition.name), name=what)
        self._tasks.append(task)

    async def refresh_metrics(self, timeout: float = 5.0) -> None:
        """Set the gauges that describe state elsewhere: the relay's backlog, consumer lag, dead letters, and
        the service's own. A part that fails or takes too long keeps its last values; /metrics answers anyway."""
        parts = [self._pool_gauges(), self._relay_gauges(), self._dead_letter_gauges(), self._consumer_gauges(),
                 *(gauge(self) for gauge in self.definition.gauges)]
        results = await asyncio.gather(*(asyncio.wait_for(part, timeout) for part in parts), return_exceptions=True)
        for failed in (r for r in results if isinstance(r, BaseException)):
            log.info("a gauge could not be refreshed", extra={"error": repr(failed)})

    async def _pool_gauges(self) -> None:
        if self.pool is None:
            return
        size, idle = self.pool.get_size(), self.pool.get_idle_size()
        for state, connections in (("in_use", size - idle), ("idle", idle), ("max", self.pool.get_max_size())):
            metrics.db_pool_connections.labels(self.definition.name, state).set(connections)

    async def _relay_gauges(self) -> None:
        if self.relay is None or self.pool is None:
            return
        name = self.definition.name
        backlog = await relay_backlog_of(self.pool, self.relay.name)
        metrics.relay_backlog.labels(name).set(backlog.events)
        metrics.relay_backlog_oldest.labels(name).set(backlog.oldest_seconds)
        metrics.relay_published.labels(name).set(backlog.published)

    async def _dead_letter_gauges(self) -> None:
        if self.pool is None:
            return
        waiting = await dead_letters.unreplayed(self.pool)
        self._gauges.publish(metrics.dead_letters_unreplayed,
                             {(self.definition.name, topic, reason): n for (topic, reason), n in waiting.items()})

    async def _consumer_gauges(self) -> None:
        if not self.consumers:
            return
        measured = await asyncio.gather(*(consumer.lag() for consumer in self.consumers))
        self._gauges.publish(metrics.consumer_lag, {
            (self.definition.name, consumer.group, tp.topic, str(tp.partition)): lag
            for consumer, lags in zip(self.consumers, measured, strict=True) for tp, lag in lags.items()})

    async def stop(self) -> None:
        self._gauges.forget()
        for task in self._tasks:
            task.cancel()
        if self._tasks:
            _, stuck = await asyncio.wait(self._tasks, timeout=20)
            for task in stuck:
                where = _awaiting(task.get_coro())
                log.error("background task did not stop in time", extra={"task": task.get_name(), "where": where})
        if self.pool is not None:
            try:
                await asyncio.wait_for(self.pool.close(), 10)
            except TimeoutError:
                log.error("database connections still in use at shutdown; closing them anyway")
                self.pool.terminate()

    async def readiness(self) -> dict[str, str]:
        checks = {"database": "ok", "broker": "ok"}
        try:
            assert self.pool is not None
            await asyncio.wait_for(self.pool.fetchval("SELECT 1"), 2)
        except Exception as exc:  # noqa: BLE001 - any failure means not ready; the reason is reported
            checks["database"] = f"unreachable: {exc!r}"
        try:
            await kafka.wait_for_broker(self.settings.kafka_bootstrap_servers, timeout=2)
        except Exception as exc:  # noqa: BLE001
            checks["broker"] = f"unreachable: {exc!r}"
        return checks


def _awaiting(coroutine) -> str:
    """Where a stuck coroutine waits: the chain of frames it is awaiting, outermost first."""
    frames = []
    while coroutine is not None and len(frames) < 20:
        frame = getattr(coroutine, "cr_frame", None) or getattr(coroutine, "gi_frame", None)
        if frame is None:
            frames.append(type(coroutine).__name__)
            break
        frames.append(f"{frame.f_code.co_name}:{frame.f_lineno}")
        coroutine = getattr(coroutine, "cr_await", None) or getattr(coroutine, "gi_yieldfrom", None)
    return " > ".join(frames)


async def _supervised(start: Callable, what: str, service: str) -> None:
    """Run a background loop; if it dies of an unexpected fault, log it and start it again."""
    metrics.service_name.set(service)  # the loop's own context: what it counts, it counts for its service
    coroutine = start()
    while True:
        try:
            await coroutine
            return
        except asyncio.CancelledError:
            raise
        except Exception:  # noqa: BLE001 - a crashed loop restarts instead of silently stopping
            log.exception("background task crashed; restarting", extra={"task": what})
            await asyncio.sleep(1.0)
            coroutine = start()


def build_app(definition: ServiceDefinition, settings: Settings | None = None) -> FastAPI:
    """The service's FastAPI app; settings come from the environment unless given."""
    settings = settings or Settings.for_service(definition.name)
    runtime = Runtime(definition, settings)

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        telemetry.configure_logging(definition.name, settings.log_level)
        telemetry.configure_tracing(definition.name)
        await runtime.start()
        log.info("service started", extra={"schema": settings.schema_name})
        try:
            yield
        finally:
            await runtime.stop()

    app = FastAPI(title=definition.title, description=definition.description, version="0.1.0", lifespan=lifespan,
                  telemetry=http.FASTAPI_TELEMETRY)
    app.state.runtime = runtime
    app.state.settings = settings
    app.state.token_verifier = TokenVerifier.from_settings(settings)
    http.install(app, problem_base_uri=settings.problem_base_uri, max_body_bytes=settings.max_body_bytes,
                 cors_origins=settings.cors_origin_list, service=definition.name)
    openapi.document_problems(app)

    @app.get("/healthz", tags=["health"], summary="The process is alive")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/readyz", tags=["health"], summary="The database and the broker are reachable")
    async def readyz(request: Request) -> JSONResponse:
        checks = await runtime.readiness()
        ready = all(v == "ok" for v in checks.values())
        return JSONResponse({"status": "ready" if ready else "not-ready", "checks": checks},
                            status_code=200 if ready else 503)

    @app.get("/metrics", tags=["health"], summary="Prometheus metrics of this process (text format, no token)",
             response_class=Response, responses={200: {"description": "Every series in the Prometheus text format",
                                                       "content": {"text/plain": {"schema": {"type": "string"}}}}})
    async def prometheus_metrics() -> Response:
        await runtime.refresh_metrics()
        return Response(metrics.render(), media_type=metrics.CONTENT_TYPE)

    @app.get("/asyncapi.json", tags=["catalogue"], summary="The events this service publishes and consumes (AsyncAPI 3.0)")
    async def asyncapi_document() -> dict:
        return asyncapi.document(definition.event_topics, title=f"{definition.title}: events")

    @app.get("/v1/whoami", tags=["identity"], summary="The actor the bearer token names")
    async def whoami(actor: CurrentActor) -> dict[str, str]:
        return {"subject": actor.subject, "role": actor.role.value, "region": actor.region}

    for router in definition.routers + (definition.simulator_routers if settings.simulators else []):
        app.include_router(router)
    return app


def serve(definition: ServiceDefinition) -> tuple[Callable[..., FastAPI], Callable[[str], FastAPI]]:
    """A service module's `create_app` and module `__getattr__`, so `uvicorn siks_x.main:app` works
    while importing the module needs no environment (the app is built on first access)."""

    def create_app(settings: Settings | None = None) -> FastAPI:
        return build_app(definition, settings)

    def module_getattr(attribute: str) -> FastAPI:
        if attribute == "app":
            return create_app()
        raise AttributeError(attribute)

    return create_app, module_getattr
