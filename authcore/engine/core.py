"""The state the engine's parts share, and the lookups they all use."""

from __future__ import annotations

import itertools
import secrets
import threading
from typing import Callable

import numpy as np

from authcore.risk import features
from authcore.errors import FailedPrecondition, NotFound
from authcore.state.idempotency import IdempotencyIndex
from authcore.state.ledger import HoldRef, Ledger
from authcore.state.locks import RWLock, Stripes
from authcore.decision.money import currency_alpha
from authcore.risk.models import load_model
from authcore.risk.scorecard import CompiledScorecard
from authcore.risk.shadow import Shadow
from authcore.decision.policy import default_policy
from authcore.journal.store import GroupCommitter, Journal
from authcore.journal import versions
from authcore.v1 import admin_pb2, policy_pb2
from authcore.engine.common import _InFlight, _model_info


class Core:
    """One node's state: the ledger (accounts, holds), the active model and scorecard, the stored
    versions, the shadow candidate, the request ids remembered, the journal and its committer,
    and the locks. The parts of the engine (authcore.engine.facade) hold it; only the applier
    (authcore.engine.apply) changes what the journal rebuilds."""

    def __init__(self, journal: Journal, policy: policy_pb2.Policy | None, clock: Callable[[], float],
                 max_accounts: int, idempotency: IdempotencyIndex | None, id_tag: str, audit: bool,
                 audit_retention_s: int):
        # Requests on different accounts run side by side: each holds the shared side of `state`
        # and its account's stripe; whole-state changes hold `state` exclusively.
        self.state = RWLock()
        self.stripes = Stripes()
        self.idempotency_lock = threading.Lock()
        self.in_flight: dict[str, _InFlight] = {}
        self.journal = journal
        self.committer = GroupCommitter(journal)
        self._buffers = threading.local()
        # Ids: a random prefix per start and a counter (secrets per id costs a system call each).
        # A partition's engine puts its tag first ("au_p1x2_..."), so that the router can find
        # the owner of an id without asking anyone.
        self._id_prefix = f"{id_tag}_{secrets.token_hex(5)}" if id_tag else secrets.token_hex(5)
        self._id_counter = itertools.count()
        self.clock = clock
        self.idempotency = idempotency if idempotency is not None else IdempotencyIndex()
        self.ledger = Ledger(policy or default_policy(), max_accounts)
        self.model_info = admin_pb2.RiskModelInfo()
        self.model_source: tuple[bytes, str] | None = None
        self.scorecard: CompiledScorecard | None = None
        self.max_accounts = max_accounts
        self.snapshot_seq = 0
        self.catalog = versions.Catalog(journal.versions())
        # Work the server's sweeper runs about once a second (file watchers): callables.
        self.periodic: list[Callable[[], object]] = []
        # Every decision is recorded with its inputs, features and account state (authcore.journal.audit);
        # off only to measure what that costs.
        self.audit = audit
        self.audit_retention_s = audit_retention_s
        self._views: tuple | None = None
        # A candidate policy and/or model deciding beside the active ones (authcore.risk.shadow).
        self.shadow: Shadow | None = None

    def new_id(self, kind: str) -> str:
        return f"{kind}_{self._id_prefix}{next(self._id_counter):010x}"

    def new_ids(self, kind: str, n: int) -> list[str]:
        """n new ids of kind: what n calls of new_id give, taken from the counter at once."""
        prefix = f"{kind}_{self._id_prefix}"
        return [f"{prefix}{number:010x}" for number in itertools.islice(self._id_counter, n)]

    def now(self) -> int:
        return int(self.clock())

    def slot(self, account_id: str) -> int:
        slot = self.ledger.slot_of.get(account_id)
        if slot is None:
            raise NotFound("account", account_id)
        return slot

    def hold(self, authorization_id: str) -> HoldRef:
        hold = self.ledger.hold(authorization_id)
        if hold is None:
            raise NotFound("authorization", authorization_id)
        return hold

    def currency_of(self, slot: int) -> str:
        return currency_alpha(int(self.ledger.row(slot)["currency"]))

    def check_currency(self, slot: int, currency: str) -> None:
        expected = self.currency_of(slot)
        if currency != expected:
            raise FailedPrecondition("CURRENCY_MISMATCH", f"the account is in {expected}, not {currency}",
                                     {"account_currency": expected})

    def use_model(self, content: bytes, version: str) -> None:
        scorer = load_model(content, schema=features.NAMES, version=version)
        self.model_source = (bytes(content), version)
        self.ledger.set_scorer(scorer)
        self.model_info = _model_info(scorer)

    def feature_buffers(self) -> tuple[np.ndarray, np.ndarray]:
        """This thread's arrays for a decision's features and contributions."""
        buffers = getattr(self._buffers, "arrays", None)
        if buffers is None:
            buffers = self._buffers.arrays = (np.zeros(features.N_FEATURES), np.zeros(features.N_FEATURES))
        return buffers
