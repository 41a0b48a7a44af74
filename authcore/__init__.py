"""authcore: a gRPC authorization core for consumer credit-line payments."""

__version__ = "0.1.0"
