"""Idempotent consumers: apply each event once in effect, in batches, and dead-letter the rest.

`group` runs a consumer group member, `batch` applies a batch in one transaction, `failures` tells
transient from permanent, `inbox`, `positions` and `dead_letters` keep what the batch writes.
"""

from siks_events.consumer.batch import BatchHandler, Handler, UnitOfWorkFactory, cause_of
from siks_events.consumer.failures import UnexpectedEventType
from siks_events.consumer.group import IdempotentConsumer
from siks_events.consumer.inbox import inbox_key

__all__ = ["BatchHandler", "Handler", "IdempotentConsumer", "UnexpectedEventType", "UnitOfWorkFactory", "cause_of", "inbox_key"]
