"""Builds the Cython extensions in authcore/_fast.

AUTHCORE_DEBUG=1 builds them with bounds checks, wraparound and line tracing back on."""

import os

from Cython.Build import cythonize
from setuptools import Extension, setup

DEBUG = os.environ.get("AUTHCORE_DEBUG") == "1"

directives = {
    "language_level": "3",
    "boundscheck": DEBUG,
    "wraparound": DEBUG,
    "initializedcheck": DEBUG,
    "cdivision": True,
    "linetrace": DEBUG,
}

extensions = [
    Extension(
        f"authcore._fast.{name}",
        [f"authcore/_fast/{name}.pyx"],
        extra_compile_args=["-O0", "-g"] if DEBUG else ["-O3"],
        define_macros=[("CYTHON_TRACE_NOGIL", "1")] if DEBUG else [],
        # wire reads the segment files' frames, checked with zlib's CRC-32.
        libraries=["z"] if name == "wire" else [],
    )
    for name in ("state", "decide", "models", "risk", "ledger", "holds", "wire", "path", "locks", "index", "requests")
]

setup(ext_modules=cythonize(extensions, compiler_directives=directives, include_path=["."]))
