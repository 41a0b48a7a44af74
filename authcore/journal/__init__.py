"""Durability: the journal in SQLite with its digest chain, snapshots and group commit (store),
the records' effects (effects), the stored versions of the policy, model and scorecard (versions),
and the decision audit (audit).

It never imports authcore.api, authcore.cluster, authcore.tools or authcore.engine.
See docs/architecture.md.
"""
