"""What the three example clients share: their command line, the clients they connect with, an
example account opened through AdminService, how an answer is printed, and how a failed call is
told (one line, exit status 1)."""

from __future__ import annotations

import argparse
import os
import secrets
import sys
from collections.abc import Callable

from authcore.client import AuthcoreError, Client, Tls, Unavailable
from authcore.decision.money import format_minor
from authcore.v1 import authorization_pb2 as authz, common_pb2 as c


def parse_args(description: str, argv: list[str] | None,
               add: Callable[[argparse.ArgumentParser], None] | None = None) -> argparse.Namespace:
    """The examples' common flags, and those add() puts on the parser."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--target", default="127.0.0.1:50051", help="the server (default: %(default)s, as `make serve`)")
    parser.add_argument("--tls-dir", help="mutual TLS with the certificates of `authcore certs --out DIR`: this "
                                          "channel's for payments, admin's to open the example account")
    parser.add_argument("--lang", choices=("en", "zh", "zh-CN"), default="en",
                        help="the language customers are told in: en, or zh (also spelled zh-CN)")
    if add is not None:
        add(parser)
    return parser.parse_args(argv)


def _target(argv: list[str] | None) -> str:
    """--target of argv, whatever other flags the example has."""
    parser = argparse.ArgumentParser(add_help=False)
    parser.add_argument("--target", default="127.0.0.1:50051")
    return parser.parse_known_args(argv)[0].target


def run_cli(main: Callable[[list[str] | None], int], argv: list[str] | None = None) -> int:
    """main(argv), with a call that fails told in one line on stderr and exit status 1."""
    prog = os.path.basename(sys.argv[0])
    try:
        return main(argv)
    except Unavailable as error:
        target = _target(argv)
        print(f"{prog}: cannot reach {target} ({error.code.name}: {error.message}): is `authcore serve` running "
              "there? (`make serve` starts one; --target names another)", file=sys.stderr)
    except AuthcoreError as error:
        print(f"{prog}: a call to {_target(argv)} failed: {error.code.name} {error.reason}: "
              f"{error.message}", file=sys.stderr)
    except OSError as error:  # the certificates of --tls-dir
        print(f"{prog}: {error}", file=sys.stderr)
    return 1


def tls_of(ns: argparse.Namespace, identity: str) -> Tls | None:
    """identity's certificate from --tls-dir (None without it: plaintext, a development server on
    loopback). The development certificates name localhost, whatever address the target has."""
    return Tls.from_dir(ns.tls_dir, identity, server_name="localhost") if ns.tls_dir else None


def connect(ns: argparse.Namespace, identity: str) -> Client:
    """A client as `identity`."""
    return Client(ns.target, tls=tls_of(ns, identity))


def open_account(ns: argparse.Namespace, name: str, limit_minor: int) -> str:
    """A new account for this run, so that every run starts from a full credit line."""
    account_id = f"example-{name}-{secrets.token_hex(3)}"
    with connect(ns, "admin") as admin:
        admin.call("UpsertAccount", account_id=account_id, credit_limit_minor=limit_minor, tier=c.TIER_STANDARD)
    print(f"opened {account_id} with a credit line of {format_minor(limit_minor)}")
    return account_id


def told(answer: authz.AuthorizeResponse, lang: str) -> str:
    """What the customer is told: the first reason's message and hint, in their language."""
    if answer.decision == c.DECISION_APPROVED or not answer.reasons:
        return ""
    first = answer.reasons[0]
    if lang in ("zh", "zh-CN"):
        return f"{first.message_zh}；{first.hint_zh}" if first.hint_zh else first.message_zh
    return f"{first.message_en}. {first.hint_en}" if first.hint_en else first.message_en


def show(what: str, answer: authz.AuthorizeResponse, lang: str) -> None:
    decision = c.Decision.Name(answer.decision).removeprefix("DECISION_")
    reason = c.Reason.Name(answer.reason).removeprefix("REASON_")
    print(f"{what:<44} {decision:<10} {reason:<38} available {format_minor(answer.available_credit_minor)}")
    if told(answer, lang):
        print(f"{'':<44} customer is told: {told(answer, lang)}")
