"""Stored versions of the policy, the risk model and the scorecard.

Every one ever made active is kept by version in the journal's database (table `versions`),
written in the same transaction as the record that activates it, and never dropped by a
snapshot. A version names one content for good: activating other content under a stored version
is refused, activating the same content again is a rollback (or nothing, when it is the active
one). The catalog here is the in-memory index of that table; the contents stay on disk.
"""

from __future__ import annotations

import dataclasses
import hashlib

from authcore.errors import FailedPrecondition, FieldViolation, InvalidArgument, ResourceExhausted
from authcore.v1 import admin_pb2

POLICY, MODEL, SCORECARD = "policy", "model", "scorecard"
KIND_NAMES = {admin_pb2.VERSION_KIND_POLICY: POLICY, admin_pb2.VERSION_KIND_RISK_MODEL: MODEL,
              admin_pb2.VERSION_KIND_SCORECARD: SCORECARD}
KIND_VALUES = {name: value for value, name in KIND_NAMES.items()}
# The refusal reasons of other content under a stored version.
EXISTS_REASONS = {POLICY: "POLICY_VERSION_EXISTS", MODEL: "MODEL_VERSION_EXISTS", SCORECARD: "SCORECARD_VERSION_EXISTS"}
MAX_VERSIONS_PER_KIND = 10_000
DEFAULT_PAGE_SIZE = 100
MAX_PAGE_SIZE = 1_000


def content_digest(content: bytes) -> str:
    return "sha256:" + hashlib.sha256(content).hexdigest()


@dataclasses.dataclass(slots=True)
class Stored:
    kind: str
    version: str
    digest: str
    size: int
    first_activated_s: int
    activated_s: int

    def message(self, active: bool) -> admin_pb2.StoredVersion:
        out = admin_pb2.StoredVersion(kind=KIND_VALUES[self.kind], version=self.version, active=active,
                                      content_digest=self.digest, content_bytes=self.size)
        out.first_activated_at.seconds = self.first_activated_s
        out.activated_at.seconds = self.activated_s
        return out


class Catalog:
    """(kind, version) -> Stored, for every row of the versions table."""

    def __init__(self, rows: list[tuple]):
        self.stored: dict[tuple[str, str], Stored] = {(row[0], row[1]): Stored(*row) for row in rows}

    def get(self, kind: str, version: str) -> Stored | None:
        return self.stored.get((kind, version))

    def activation_rows(self, kind: str, version: str, content: bytes, now_s: int) -> list[tuple]:
        """The side rows that store an activation of content under version: a new row, or the
        stored one's activation time. Raises when the version is stored with other content."""
        digest = content_digest(content)
        stored = self.stored.get((kind, version))
        if stored is None:
            if sum(1 for k, _ in self.stored if k == kind) >= MAX_VERSIONS_PER_KIND:
                raise ResourceExhausted(f"at most {MAX_VERSIONS_PER_KIND} stored {kind} versions")
            return [("version_new", (kind, version, digest, content, now_s, now_s))]
        if stored.digest != digest:
            raise FailedPrecondition(EXISTS_REASONS[kind],
                                     f"{kind} version {version!r} is stored with other contents ({stored.digest}); "
                                     "give the new one a new version",
                                     {"version": version, "stored_digest": stored.digest})
        return [("version_activated", (now_s, kind, version))]

    def note(self, kind: str, version: str, content: bytes, at_s: int) -> None:
        """An activation applied (live or on replay): the table has it; keep the index alike."""
        stored = self.stored.get((kind, version))
        if stored is None:
            self.stored[(kind, version)] = Stored(kind, version, content_digest(content), len(content), at_s, at_s)
        else:
            stored.activated_s = max(stored.activated_s, at_s)

    def page(self, kind: str | None, page_size: int, page_token: str) -> tuple[list[Stored], str]:
        """Latest activation first; the next page's token ("" on the last page)."""
        if page_size < 0 or page_size > MAX_PAGE_SIZE:
            raise InvalidArgument([FieldViolation("page_size", f"between 0 and {MAX_PAGE_SIZE} (0: {DEFAULT_PAGE_SIZE})")])
        if page_token and not (page_token.isdigit() and len(page_token) <= 9):
            raise InvalidArgument([FieldViolation("page_token", "a next_page_token of a previous response")])
        size = page_size or DEFAULT_PAGE_SIZE
        start = int(page_token or 0)
        rows = sorted((s for s in self.stored.values() if kind is None or s.kind == kind),
                      key=lambda s: (-s.activated_s, s.kind, s.version))
        chunk = rows[start:start + size]
        return chunk, str(start + size) if start + size < len(rows) else ""
