"""A scan-to-pay (扫码支付) client: static QR codes within the PBOC daily cap, a dynamic code that
asks for a second factor and passes with it, and a void of a hold the shop gave up.

    python examples/scan_to_pay.py [--target 127.0.0.1:50051] [--tls-dir certs] [--lang zh-CN]"""

from __future__ import annotations

import sys

from authcore.decision.money import format_minor
from authcore.v1 import authorization_pb2 as authz, common_pb2 as c

from _common import connect, open_account, parse_args, run_cli, show  # examples/_common.py, beside this file

STALL = authz.Merchant(merchant_id="example-noodles-007", mcc="5812", country="CN")
F = c.VerificationFactor


def main(argv: list[str] | None = None) -> int:
    ns = parse_args(__doc__.splitlines()[0], argv)
    account_id = open_account(ns, "scan", 2_000_000)
    with connect(ns, "scan-to-pay") as scan:
        def pay(amount_minor: int, qr: c.QrCodeType.ValueType, *factors: c.VerificationFactor.ValueType) -> authz.AuthorizeResponse:
            return scan.authorize(account_id=account_id, channel=c.CHANNEL_SCAN_TO_PAY, amount_minor=amount_minor,
                                  currency="CNY", merchant=STALL, qr_code_type=qr,
                                  verification=authz.Verification(factors=factors))

        lunch = pay(30_000, c.QR_CODE_TYPE_STATIC)
        show("static QR ¥300.00", lunch, ns.lang)
        show("static QR ¥250.00 (over the ¥500 daily cap)", pay(25_000, c.QR_CODE_TYPE_STATIC), ns.lang)
        challenged = pay(80_000, c.QR_CODE_TYPE_DYNAMIC)
        show("dynamic QR ¥800.00", challenged, ns.lang)
        if challenged.decision == c.DECISION_CHALLENGE:
            # A challenge is retried with a new request_id (the client makes one) and the factors.
            show("dynamic QR ¥800.00 + password + fingerprint",
                 pay(80_000, c.QR_CODE_TYPE_DYNAMIC, F.VERIFICATION_FACTOR_PASSWORD, F.VERIFICATION_FACTOR_BIOMETRIC),
                 ns.lang)
        voided = scan.void(authorization_id=lunch.authorization_id)
        print(f"the stall cancelled lunch: void released {format_minor(voided.released_minor)}")
    return 0


if __name__ == "__main__":
    sys.exit(run_cli(main))
