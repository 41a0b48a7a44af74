"""The authorization engine: validation, idempotency, the compiled decision, the journal and
the answers, for every RPC. The gRPC servicers only hand requests to it.

Order of work for a mutating request, under its account's lock (authcore.engine.requests):
  validate -> claim the request_id -> decide (no state change yet) -> append the journal record
  (effect + response, written with whatever else is queued) -> apply the effect to memory -> answer.
Applying is the same code that replays the journal on start (authcore.engine.apply), so memory
after a restart equals memory before it. If the journal cannot be written, nothing was applied
and the caller gets UNAVAILABLE; retrying with the same request_id is safe.

Engine (authcore.engine.facade) is a facade over parts with one job each: core (the shared
state), apply, requests, payments, holds, accounts, rollout.
"""

from authcore.decision.columns import hash64
from authcore.engine.common import (
    default_model_bytes, DEFAULT_MODEL_VERSION, factor_bits, fixed_utc_offset_s, _reused_in_batch, risk_inputs,
)
from authcore.engine.facade import Engine
from authcore.journal.store import WRITE_ERRORS

__all__ = ["DEFAULT_MODEL_VERSION", "WRITE_ERRORS", "Engine", "_reused_in_batch", "default_model_bytes",
           "factor_bits", "fixed_utc_offset_s", "hash64", "risk_inputs"]
