"""Compiled kernels: state layouts (state), the decision (decide), and the ledger (ledger)."""
