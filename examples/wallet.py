"""A wallet (钱包) client: pay a shop on credit, retry safely, capture part of the hold, refund
part of the capture, and learn why a payment above the credit line is declined.

    python examples/wallet.py [--target 127.0.0.1:50051] [--tls-dir certs] [--lang zh-CN]"""

from __future__ import annotations

import sys

from authcore.client import AuthcoreError
from authcore.decision.money import format_minor
from authcore.v1 import authorization_pb2 as authz, common_pb2 as c

from _common import connect, open_account, parse_args, run_cli, show  # examples/_common.py, beside this file

SHOP = authz.Merchant(merchant_id="example-grocer-001", mcc="5411", country="CN")


def main(argv: list[str] | None = None) -> int:
    ns = parse_args(__doc__.splitlines()[0], argv)
    account_id = open_account(ns, "wallet", 500_000)
    with connect(ns, "wallet") as wallet:
        payment = authz.AuthorizeRequest(request_id=f"{account_id}-groceries", account_id=account_id,
                                         channel=c.CHANNEL_WALLET, amount_minor=19_900, currency="CNY",
                                         merchant=SHOP)
        answer = wallet.authorize(payment)
        show("wallet ¥199.00 at the grocer", answer, ns.lang)
        # The network dropped the answer? Send it again with the same request_id: same authorization.
        again = wallet.authorize(payment)
        print(f"retried with the same request_id: {'same' if again.authorization_id == answer.authorization_id else 'ANOTHER'}"
              f" authorization {again.authorization_id}, no second hold")
        captured = wallet.capture(authorization_id=answer.authorization_id, amount_minor=15_000, currency="CNY")
        print(f"captured {format_minor(captured.captured_minor)}, {format_minor(captured.released_minor)} of the hold "
              f"released")
        refunded = wallet.refund(authorization_id=answer.authorization_id, amount_minor=5_000, currency="CNY")
        print(f"refunded {format_minor(refunded.refunded_minor)}: available {format_minor(refunded.available_credit_minor)}")
        show("wallet ¥6,000.00 (above the credit line)",
             wallet.authorize(account_id=account_id, channel=c.CHANNEL_WALLET, amount_minor=600_000, currency="CNY",
                              merchant=SHOP), ns.lang)
        try:
            wallet.authorize(account_id=account_id, channel=c.CHANNEL_WALLET, amount_minor=-1, currency="CNY",
                             merchant=SHOP)
        except AuthcoreError as error:  # InvalidArgument: nothing was changed
            print(f"a negative amount is refused: {error.reason}, "
                  + "; ".join(f"{v.field}: {v.description}" for v in error.field_violations))
        account = wallet.get_account(account_id=account_id).account
        print(f"{account_id}: available {format_minor(account.available_credit_minor)} of "
              f"{format_minor(account.credit_limit_minor)}, posted {format_minor(account.posted_balance_minor)}")
    return 0


if __name__ == "__main__":
    sys.exit(run_cli(main))
