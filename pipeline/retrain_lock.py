"""The retrain job's lock: `<model>/retrain/lock.json` in the registry bucket, so that two
retrain jobs that start at once do not both train and publish.

Taking it is creating the object only if absent (`if_generation_match=0`): Cloud Storage lets
exactly one of two racing creates succeed. The object says until when it holds; a job that
finds an expired lock (its holder crashed) takes it over with a compare-and-swap on the
generation it read, so of two jobs taking over at once one wins too. The holder checks that the
generation is still its own right before it publishes, and deletes only its own generation.

While the job works, a Heartbeat renews the lock (the same compare-and-swap on the generation it
holds, with a new expiry) every third of its TTL: a training longer than the TTL keeps it,
while a crashed job's lock still expires one TTL after its last beat. A renewal that finds
another generation means another job took the lock over: the heartbeat stops and the job must
not publish.
"""

from __future__ import annotations

import os
import socket
import sys
import threading
import uuid
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

from .errors import PipelineError
from .retrain_store import RegistryBucket


@dataclass(frozen=True)
class Held:
    """A lock this job holds."""

    name: str
    generation: int
    owner: str
    expires_at: datetime
    body: dict[str, object]  # as written: a renewal rewrites it with a new expiry


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
        return Held(name, generation, owner, expires_at, body)
    current = store.read(name)
    if current is None:  # released in between: one more try, then let the next run retry
        generation = store.write(name, body, expected=0)
        if generation is not None:
            return Held(name, generation, owner, expires_at, body)
        return Busy("another retrain job", "unknown")
    expiry = _expiry(current.body)
    if expiry is not None and expiry > now:
        return Busy(str(current.body.get("owner", "unknown")), expiry.isoformat())
    body = {**body, "took_over_from": current.body}
    generation = store.write(name, body, current.generation)
    if generation is not None:
        return Held(name, generation, owner, expires_at, body)
    return Busy("another retrain job (took the expired lock over first)", "unknown")


def renew(
    store: RegistryBucket, held: Held, ttl: timedelta, now: datetime | None = None
) -> Held | None:
    """Moves the expiry to `now + ttl` if the lock is still at this job's generation; None when
    another job has taken it over (or it is gone)."""
    now = now or datetime.now(UTC)
    expires_at = now + ttl
    body = {**held.body, "expires_at": expires_at.isoformat(), "renewed_at": now.isoformat()}
    generation = store.write(held.name, body, held.generation)
    if generation is None:
        return None
    return replace(held, generation=generation, expires_at=expires_at, body=body)


class Heartbeat:
    """Renews a held lock every `ttl / 3` on a thread of its own while the job works.

    `held` is the lock as last renewed. A renewal that finds another generation stops the
    heartbeat: the lock is lost. One that fails for another reason (Cloud Storage unavailable)
    is reported and retried at the next beat: the lock is still this job's until it expires,
    which `lost()` checks."""

    def __init__(self, store: RegistryBucket, held: Held, ttl: timedelta) -> None:
        # A client of its own: the job's thread uses the other meanwhile, and a Cloud Storage
        # client's HTTP session is not made to be shared between threads.
        self._store = RegistryBucket(store.location)
        self._ttl = ttl
        self._held = held
        self._lost: str | None = None
        # Renewals and checks take turns: a check must not read the object between a renewal's
        # write and its record of the new generation.
        self._mutex = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(
            target=self._beat, name="retrain-lock-heartbeat", daemon=True
        )

    @property
    def held(self) -> Held:
        with self._mutex:
            return self._held

    def start(self) -> Heartbeat:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()

    def _beat(self) -> None:
        while not self._stop.wait(self._ttl.total_seconds() / 3):
            with self._mutex:
                try:
                    renewed = renew(self._store, self._held, self._ttl)
                except PipelineError as e:
                    print(f"warning: retrain lock not renewed, retrying: {e}", file=sys.stderr)
                    continue
                if renewed is None:
                    self._lost = self._taken_over()
                    return
                self._held = renewed

    def lost(self) -> str | None:
        """None while the lock is still this job's and unexpired (checked right before
        publishing); otherwise why it is not."""
        with self._mutex:
            if self._lost is None:
                current = self._store.read(self._held.name)
                if current is None or current.generation != self._held.generation:
                    self._lost = self._taken_over()
                elif self._held.expires_at <= datetime.now(UTC):
                    self._lost = (
                        f"the retrain lock {self._store.uri(self._held.name)} expired: it was not "
                        "renewed in time (is Cloud Storage reachable?)"
                    )
            return self._lost

    def _taken_over(self) -> str:
        uri = self._store.uri(self._held.name)
        return f"another job took the retrain lock {uri} over while this one worked"


def release(store: RegistryBucket, held: Held) -> None:
    """Deletes the lock if it is still this job's generation (never another job's)."""
    store.delete(held.name, held.generation)
