"""authcore policy show: a policy as proto3 JSON, the form `[engine] policy_file` reads and
SetPolicy takes: the default policy a new store starts with, or the active policy of a running
server (GetPolicy). Edit it, give it a new `version`, and load it with either."""

from __future__ import annotations

import argparse
import sys

from google.protobuf import json_format

from authcore.client import AuthcoreError, Client, Tls
from authcore.decision.policy import default_policy


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="authcore policy", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    actions = parser.add_subparsers(dest="action", required=True)
    show = actions.add_parser("show", help="print a policy as JSON on stdout (authcore policy show > policy.json)")
    show.add_argument("--target", help="host:port of a running server: its active policy (default: the policy a "
                                       "new store starts with, no server needed)")
    show.add_argument("--tls-dir", help="with --target: mutual TLS with admin's certificate from the directory of "
                                        "`authcore certs --out DIR`")
    ns = parser.parse_args(argv)
    if ns.target is None:
        policy = default_policy()
    else:
        tls = Tls.from_dir(ns.tls_dir, "admin", server_name="localhost") if ns.tls_dir else None
        try:
            with Client(ns.target, tls=tls) as client:
                policy = client.call("GetPolicy").policy
        except (AuthcoreError, OSError) as exc:
            print(f"authcore policy show: GetPolicy on {ns.target} failed: {exc}", file=sys.stderr)
            return 1
    print(json_format.MessageToJson(policy))
    return 0


if __name__ == "__main__":
    sys.exit(main())
