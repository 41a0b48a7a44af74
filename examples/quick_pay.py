"""A quick-pay (快捷支付) client, written with asyncio: a payment above the no-PIN limit is
challenged and passes with the PIN; a few payments sent at once, each one the risk model
challenges verified and sent again; then a capture.

    python examples/quick_pay.py [--target 127.0.0.1:50051] [--tls-dir certs] [--lang zh-CN]"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Awaitable

from authcore.client import AsyncClient
from authcore.decision.money import format_minor
from authcore.v1 import authorization_pb2 as authz, common_pb2 as c

from _common import open_account, parse_args, run_cli, show, tls_of  # examples/_common.py, beside this file

SHOP = authz.Merchant(merchant_id="example-online-042", mcc="5732", country="CN")
PIN = c.VERIFICATION_FACTOR_PASSWORD
FINGERPRINT = c.VERIFICATION_FACTOR_BIOMETRIC


async def run(ns: argparse.Namespace, account_id: str) -> None:
    async with AsyncClient(ns.target, tls=tls_of(ns, "quick-pay")) as quick:
        def pay(amount_minor: int, *factors: c.VerificationFactor.ValueType) -> Awaitable[authz.AuthorizeResponse]:
            return quick.authorize(account_id=account_id, channel=c.CHANNEL_QUICK_PAY, amount_minor=amount_minor,
                                   currency="CNY", merchant=SHOP, verification=authz.Verification(factors=factors))

        show("quick-pay ¥1,200.00", await pay(120_000), ns.lang)
        headphones = await pay(120_000, PIN)
        show("quick-pay ¥1,200.00 + PIN", headphones, ns.lang)
        amounts = (9_900, 4_500, 2_300)
        several = await asyncio.gather(*(pay(amount) for amount in amounts))
        for amount, answer in zip(amounts, several):
            show(f"quick-pay {format_minor(amount)} (sent at once)", answer, ns.lang)
        # Several payments within a second raise the risk score, and how far depends on the account's
        # history and the hour of day: a payment the model challenges passes once the customer verifies
        # with two factors (a new request: the challenged one stays answered as it was).
        for amount, answer in zip(amounts, several):
            if answer.reason == c.REASON_RISK_VERIFICATION_REQUIRED:
                show(f"quick-pay {format_minor(amount)} (verified)", await pay(amount, PIN, FINGERPRINT), ns.lang)
        captured = await quick.capture(authorization_id=headphones.authorization_id, currency="CNY")
        print(f"captured {format_minor(captured.captured_minor)}: available "
              f"{format_minor(captured.available_credit_minor)}")


def main(argv: list[str] | None = None) -> int:
    ns = parse_args(__doc__.splitlines()[0], argv)
    account_id = open_account(ns, "quick", 1_000_000)
    asyncio.run(run(ns, account_id))
    return 0


if __name__ == "__main__":
    sys.exit(run_cli(main))
