"""Hot reload of the policy file and the model file ([engine] policy_file, model_file).

The server's sweeper polls both about once a second. A file whose modification time or size
changed is read and hashed; new content is validated and made active exactly as SetPolicy or
SetRiskModel would (journaled, stored by version). A file that cannot be read, parsed or
validated is logged and the active version stays; it is tried again once it changes again.
"""

from __future__ import annotations

import hashlib
import logging
import os
import pathlib
import time

from google.protobuf import json_format

from authcore.risk import features
from authcore.engine import Engine
from authcore.risk.models import ModelError, NotAModel, load_model
from authcore.errors import AuthcoreError, FieldViolation, InvalidArgument
from authcore.v1 import admin_pb2, policy_pb2

log = logging.getLogger("authcore.reload")


class FileWatcher:
    """Activates the policy file's and the model file's content when it changes."""

    def __init__(self, engine: Engine, policy_file: str | None = None, model_file: str | None = None):
        self.engine = engine
        self.files = [(kind, pathlib.Path(path)) for kind, path in (("policy", policy_file), ("model", model_file))
                      if path]
        # path -> (mtime_ns, size, content digest) of the last content looked at.
        self._seen: dict[pathlib.Path, tuple[int, int, str]] = {}

    def poll(self, strict: bool = False) -> list[str]:
        """Look at each file once; returns the versions activated. strict (at start): raise
        instead of logging when a file cannot be made active."""
        activated = []
        for kind, path in self.files:
            try:
                version = self._check(kind, path)
            except (OSError, ValueError, json_format.Error, AuthcoreError) as exc:
                if strict:
                    raise
                log.error("%s file %s not activated, the active %s stays: %s", kind, path, kind, exc)
                continue
            if version is not None:
                log.info("%s file %s activated: version %s", kind, path, version)
                activated.append(version)
        return activated

    def _check(self, kind: str, path: pathlib.Path) -> str | None:
        stat = os.stat(path)
        seen = self._seen.get(path)
        if seen is not None and seen[:2] == (stat.st_mtime_ns, stat.st_size):
            return None
        content = path.read_bytes()
        digest = hashlib.sha256(content).hexdigest()
        # Remembered before activating: a bad file is reported once, not every second.
        self._seen[path] = (stat.st_mtime_ns, stat.st_size, digest)
        if seen is not None and seen[2] == digest:
            return None
        if kind == "policy":
            return self._policy(content, digest)
        return self._model(path, content, digest)

    def _request_id(self, kind: str, digest: str) -> str:
        # Unique per activation: the same content may come back after another one.
        return f"{kind}-file-{digest[:24]}-{time.time_ns()}"

    def _policy(self, content: bytes, digest: str) -> str | None:
        policy = json_format.Parse(content.decode(), policy_pb2.Policy())
        with self.engine.state.shared():
            active = self.engine.ledger.policy
        if policy == active:
            return None
        self.engine.set_policy(admin_pb2.SetPolicyRequest(request_id=self._request_id("policy", digest), policy=policy))
        return policy.version

    def _model(self, path: pathlib.Path, content: bytes, digest: str) -> str | None:
        with self.engine.state.shared():
            source = self.engine.model_source
        if source is not None and source[0] == content:
            return None
        # Read here first so that a refusal names the file (SetRiskModel reads it again).
        try:
            load_model(content, schema=features.NAMES, source=f"model file {path}")
        except NotAModel as exc:
            raise InvalidArgument([FieldViolation("model_file", str(exc))]) from None
        except ModelError as exc:
            raise InvalidArgument([FieldViolation("model_file", f"model file {path}: {exc}")]) from None
        response, _ = self.engine.set_risk_model(admin_pb2.SetRiskModelRequest(
            request_id=self._request_id("model", digest), model=content))
        return response.model.version
