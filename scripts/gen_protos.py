"""Generate the Python stubs of proto/authcore/v1 into clients/python/authcore/v1 (the
authcore-client distribution), or under another directory.

Run after changing a .proto:  python scripts/gen_protos.py
tests/test_contract_stubs.py regenerates into a temporary directory and fails when the
committed stubs drift from proto/.
"""

from __future__ import annotations

import argparse
import pathlib
import shutil
import sys

import grpc_tools
from grpc_tools import protoc

ROOT = pathlib.Path(__file__).resolve().parent.parent
PROTO_ROOT = ROOT / "proto"
THIRD_PARTY = ROOT / "third_party" / "proto"
WELL_KNOWN = pathlib.Path(grpc_tools.__file__).parent / "_proto"


def proto_files() -> list[str]:
    """The contract's .proto files, relative to proto/, in a stable order."""
    return sorted(str(p.relative_to(PROTO_ROOT)) for p in (PROTO_ROOT / "authcore" / "v1").glob("*.proto"))


def plugin(name: str) -> str:
    """mypy-protobuf's protoc plugin, beside this interpreter (a virtualenv's bin) or on PATH."""
    beside = pathlib.Path(sys.executable).parent / name
    found = str(beside) if beside.exists() else shutil.which(name)
    if not found:
        raise SystemExit(f"{name} not found: pip install mypy-protobuf (in the dev extra)")
    return found


def generate(out_dir: pathlib.Path) -> None:
    """Write *_pb2.py, *_pb2_grpc.py and their type stubs (mypy-protobuf: *_pb2.pyi,
    *_pb2_grpc.pyi) under out_dir/authcore/v1."""
    out_dir.mkdir(parents=True, exist_ok=True)
    args = [
        "grpc_tools.protoc",
        f"-I{PROTO_ROOT}",
        f"-I{THIRD_PARTY}",
        f"-I{WELL_KNOWN}",
        f"--python_out={out_dir}",
        f"--plugin=protoc-gen-mypy={plugin('protoc-gen-mypy')}",
        f"--plugin=protoc-gen-mypy_grpc={plugin('protoc-gen-mypy_grpc')}",
        f"--mypy_out={out_dir}",
        f"--mypy_grpc_out={out_dir}",
        f"--grpc_python_out={out_dir}",
        *proto_files(),
    ]
    if protoc.main(args) != 0:
        raise SystemExit("protoc failed")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=pathlib.Path, default=ROOT / "clients" / "python",
                        help="root to write authcore/v1 under")
    ns = parser.parse_args()
    generate(ns.out)
    init = ns.out / "authcore" / "v1" / "__init__.py"
    if not init.exists():
        init.write_text('"""Generated protobuf and gRPC stubs of the authcore.v1 contract."""\n')
    print(f"generated {len(proto_files())} files into {ns.out / 'authcore' / 'v1'}", file=sys.stderr)


if __name__ == "__main__":
    main()
