"""The commands: `authcore` (cli) and what it runs besides serving: demo, bench, crashtest,
certs, policy (policy_tool), import (importer); the help layout of the commands (helpformat) and the transaction
simulator the demo, the bench, the tests and the model training drive (simulator).

The top layer: it may import any other, and none imports it (except cluster/supervisor, which runs
tools.demo for `serve --demo`). See docs/architecture.md.
"""
