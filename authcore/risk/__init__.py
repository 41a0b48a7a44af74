"""Risk: the feature schema (features), transaction models loaded into the compiled evaluators
(models), credit scorecards (scorecard), a candidate policy and/or model deciding beside the active
ones (shadow), and the plain-Python executable spec of the risk features and rules (reference).

It never imports authcore.api, authcore.cluster, authcore.tools or authcore.engine.
See docs/architecture.md.
"""
