"""In-memory state: the account, behaviour and limit-profile rows the kernels read and the holds
(ledger), the request_id index (idempotency), and the locks (locks). The ledger changes through
one method per effect, both when a request is served and when the journal is replayed.

It never imports authcore.api, authcore.cluster, authcore.tools or authcore.engine.
See docs/architecture.md.
"""
