"""The few Cloud Storage operations the retrain job needs on the registry bucket, each with a
generation precondition where two jobs could race: create only if absent
(`if_generation_match=0`), replace or delete only the generation that was read. The same two
guarantees the service's ArtifactStore gives (src/storage/store.ts), so that the lock and the
requests behave as the registry's aliases do.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from .errors import PipelineError
from .gcs_output import SCHEME, _client, parse_gcs_uri


@dataclass(frozen=True)
class Stored:
    """A JSON object as read, with the generation to make a compare-and-swap on."""

    name: str  # relative to the store's prefix
    body: dict[str, Any]
    generation: int


class RegistryBucket:
    """JSON objects under gs://bucket/prefix, addressed by names relative to the prefix."""

    def __init__(self, uri: str) -> None:
        bucket_name, self.prefix = parse_gcs_uri(uri)
        self.location = f"{SCHEME}{bucket_name}/{self.prefix}"
        self._bucket = _client().bucket(bucket_name)

    def uri(self, name: str) -> str:
        return f"{self.location}/{name}"

    def _blob(self, name: str, generation: int | None = None) -> Any:
        return self._bucket.blob(f"{self.prefix}/{name}", generation=generation)

    def list(self, folder: str) -> list[str]:
        """Names of the .json objects directly in `folder`, sorted."""
        start = f"{self.prefix}/{folder}/"
        names = self._call("list", folder, lambda: list(self._bucket.list_blobs(prefix=start)))
        found = (b.name.removeprefix(f"{self.prefix}/") for b in names)
        return sorted(n for n in found if n.endswith(".json") and "/" not in n[len(folder) + 1 :])

    def read(self, name: str) -> Stored | None:
        """The object and its generation, or None when it does not exist."""
        blob = self._call("read", name, lambda: self._bucket.get_blob(f"{self.prefix}/{name}"))
        if blob is None:
            return None
        generation = int(blob.generation)
        # Read exactly that generation: a replacement in between must not pair new bytes with
        # the old generation.
        data = self._call("read", name, lambda: self._blob(name, generation).download_as_bytes())
        try:
            body = json.loads(data)
        except ValueError as e:
            raise PipelineError(f"{self.uri(name)} is not JSON: {e}") from e
        if not isinstance(body, dict):
            raise PipelineError(f"{self.uri(name)} is not a JSON object")
        return Stored(name, body, generation)

    def write(self, name: str, body: dict[str, Any], expected: int) -> int | None:
        """Writes `body` only if the object's generation is still `expected` (0: it must not
        exist yet); the new generation, or None when another writer got there first."""
        from google.api_core import exceptions

        blob = self._blob(name)
        data = json.dumps(body, indent=2) + "\n"
        try:
            self._call(
                "write",
                name,
                blob.upload_from_string,
                data,
                content_type="application/json",
                if_generation_match=expected,
            )
        except _Precondition:
            return None
        except PipelineError as e:
            if isinstance(e.__cause__, exceptions.NotFound):  # replaced object already deleted
                return None
            raise
        return int(blob.generation)

    def delete(self, name: str, expected: int) -> bool:
        """Deletes the object only at generation `expected`; False when it changed or is gone."""
        from google.api_core import exceptions

        # Addressed by generation rather than with if_generation_match: the same on Cloud
        # Storage (a generation no longer live is not found), and fake-gcs-server ignores the
        # precondition on delete.
        try:
            self._call("delete", name, self._blob(name, expected).delete)
        except _Precondition:
            return False
        except PipelineError as e:
            if isinstance(e.__cause__, exceptions.NotFound):
                return False
            raise
        return True

    def _call(self, what: str, name: str, operation: Any, *args: Any, **kwargs: Any) -> Any:
        from google.api_core import exceptions

        try:
            return operation(*args, **kwargs)
        except exceptions.PreconditionFailed as e:
            raise _Precondition() from e
        except exceptions.GoogleAPIError as e:
            raise PipelineError(f"cannot {what} {self.uri(name)}: {e}".splitlines()[0]) from e


class _Precondition(Exception):
    """A generation precondition failed: another writer won (not an error of this job)."""
