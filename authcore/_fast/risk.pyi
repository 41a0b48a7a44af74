# The risk features and rules are C-level functions only (risk.pxd), used by the ledger kernel;
# the module has no Python API.
