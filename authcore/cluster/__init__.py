"""Multi-process serving: which partition owns an account and the data dir's manifest
(partitions), the public port that routes each call to its owner (router), and the supervisor
with its worker processes (supervisor).

It builds on authcore.api (a worker serves api's servicers, the router forwards through api's gate)
and the engine. No layer below it imports it (api/config takes one constant from partitions). It
imports authcore.tools only where the supervisor runs the demo beside the service (`serve --demo`).
See docs/architecture.md.
"""
