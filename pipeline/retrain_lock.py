"""The retrain job's lock: `<model>/retrain/lock.json` in the registry bucket, so that two
retrain jobs that start at once do not both train and publish.

Taking it is creating the object only if absent (`if_generation_match=0`): Cloud Storage lets
exactly one of two racing creates succeed. The object says until when it holds; a job that
finds an expired lock (its holder crashed) takes it over with a compare-and-swap on the
generation it read, so of two jobs taking over at once one wins too. The holder checks that the
generation is still its own right before it publishes, and deletes only its own generation.
"""

from __future__ import annotations

import os
import socket
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from .retrain_store import RegistryBucket


@dataclass(frozen=True)
class Held:
    """A lock this job holds."""

    name: str
    generation: int
    owner: str
    expires_at: datetime


@dataclass(frozen=True)
class Busy:
    """Another job holds the lock."""

    owner: str
    expires_at: str


def lock_name(model: str) -> str:
    return f"{model}/retrain/lock.json"


def _owner() -> str:
    # Pod name (the hostname on Kubernetes) and pid: who to look for when a lock lingers.
    return f"{socket.gethostname()}/{os.getpid()}/{uuid.uuid4().hex[:8]}"


def _expiry(body: dict[str, object]) -> datetime | None:
    try:
        return datetime.fromisoformat(str(body["expires_at"]))
    except (KeyError, ValueError):
        return None  # unreadable: treated as expired, or a broken object would block forever


def acquire(
    store: RegistryBucket, model: str, ttl: timedelta, now: datetime | None = None
) -> Held | Busy:
    """Takes the lock (or an expired one over), or says who holds it."""
    now = now or datetime.now(UTC)
    name = lock_name(model)
    owner = _owner()
    expires_at = now + ttl
    body = {
        "owner": owner,
        "acquired_at": now.isoformat(),
        "expires_at": expires_at.isoformat(),
    }
    generation = store.write(name, body, expected=0)
    if generation is not None:
        return Held(name, generation, owner, expires_at)
    current = store.read(name)
    if current is None:  # released in between: one more try, then let the next run retry
        generation = store.write(name, body, expected=0)
        if generation is not None:
            return Held(name, generation, owner, expires_at)
        return Busy("another retrain job", "unknown")
    expiry = _expiry(current.body)
    if expiry is not None and expiry > now:
        return Busy(str(current.body.get("owner", "unknown")), expiry.isoformat())
    generation = store.write(name, {**body, "took_over_from": current.body}, current.generation)
    if generation is not None:
        return Held(name, generation, owner, expires_at)
    return Busy("another retrain job (took the expired lock over first)", "unknown")


def still_held(store: RegistryBucket, held: Held, now: datetime | None = None) -> bool:
    """Whether the lock is still this job's and unexpired: checked right before publishing."""
    current = store.read(held.name)
    now = now or datetime.now(UTC)
    return current is not None and current.generation == held.generation and held.expires_at > now


def release(store: RegistryBucket, held: Held) -> None:
    """Deletes the lock if it is still this job's generation (never another job's)."""
    store.delete(held.name, held.generation)
