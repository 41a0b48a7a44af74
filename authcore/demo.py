"""A scripted day of payments from all three channels, sent through a real gRPC server and
printed as a table: decision, reason, what the customer is told, and the credit left."""

from __future__ import annotations

import math
import secrets
import sys
from typing import TextIO

import grpc

from authcore.identity import ADMIN, CHANNEL_OF, IDENTITIES, channel_credentials
from authcore.money import format_minor
from authcore.v1 import (
    account_pb2, account_pb2_grpc, admin_pb2, admin_pb2_grpc, authorization_pb2 as authz,
    authorization_pb2_grpc, common_pb2 as c, installment_pb2 as inst, installment_pb2_grpc,
)

F = c.VerificationFactor
CHANNEL_LABEL = {c.CHANNEL_WALLET: "wallet", c.CHANNEL_SCAN_TO_PAY: "scan-to-pay", c.CHANNEL_QUICK_PAY: "quick-pay"}
QR_LABEL = {c.QR_CODE_TYPE_STATIC: " static", c.QR_CODE_TYPE_DYNAMIC: " dynamic"}
HOME_PHONE = authz.Device(device_id="demo-phone", ip="10.0.0.8", latitude=31.23, longitude=121.47)
NEW_PHONE = authz.Device(device_id="demo-new-phone", ip="10.0.0.8", latitude=31.23, longitude=121.47)
BEIJING_PHONE = authz.Device(device_id="demo-phone", ip="10.9.0.8", latitude=39.90, longitude=116.40)
DECISION_LABEL = {c.DECISION_APPROVED: "APPROVED", c.DECISION_DECLINED: "DECLINED", c.DECISION_CHALLENGE: "CHALLENGE"}


class Demo:
    """channels: a gRPC channel per identity (wallet, scan-to-pay, quick-pay, admin): with mutual
    TLS each payment goes through its own channel's certificate and the set-up through admin's."""

    def __init__(self, channels: dict[str, grpc.Channel], out: TextIO, lang: str):
        self.payments = {CHANNEL_OF[name]: authorization_pb2_grpc.AuthorizationServiceStub(ch)
                         for name, ch in channels.items() if name in CHANNEL_OF}
        self.authz = self.payments[c.CHANNEL_WALLET]
        self.accounts = account_pb2_grpc.AccountServiceStub(channels["wallet"])
        self.admin = admin_pb2_grpc.AdminServiceStub(channels[ADMIN])
        self.installments = installment_pb2_grpc.InstallmentServiceStub(channels["wallet"])
        self.out = out
        self.lang = lang
        self.run_id = secrets.token_hex(3)
        self.seq = 0
        self.rows: list[tuple] = []

    def rid(self) -> str:
        self.seq += 1
        return f"demo-{self.run_id}-{self.seq}"

    def account(self, name: str, limit_minor: int, tier: int, status: int = c.ACCOUNT_STATUS_ACTIVE,
                credit_score: float | None = None) -> str:
        account_id = f"demo-{name}-{self.run_id}"
        request = admin_pb2.UpsertAccountRequest(request_id=self.rid(), account_id=account_id,
                                                 credit_limit_minor=limit_minor, tier=tier, status=status)
        if credit_score is not None:
            request.credit_score = credit_score
        self.admin.UpsertAccount(request)
        return account_id

    def pay(self, who: str, account_id: str, channel: int, amount_minor: int, *, qr: int = 0,
            factors: tuple = (), currency: str = "CNY", request_id: str | None = None, mcc: str = "5411",
            device: authz.Device = HOME_PHONE, note: str = "") -> authz.AuthorizeResponse:
        request = authz.AuthorizeRequest(
            request_id=request_id or self.rid(), account_id=account_id, channel=channel, amount_minor=amount_minor,
            currency=currency, qr_code_type=qr, verification=authz.Verification(factors=factors),
            merchant=authz.Merchant(merchant_id="demo-shop-001", mcc=mcc, country="CN"), device=device)
        response = self.payments[channel].Authorize(request, timeout=5)
        verified = "+" + "+".join(F.Name(f).removeprefix("VERIFICATION_FACTOR_").lower() for f in factors) if factors else ""
        first = response.reasons[0]
        if response.decision == c.DECISION_APPROVED:
            told = ""
        else:
            told = (first.message_zh + "；" + first.hint_zh) if self.lang == "zh" else (first.message_en + ". " + first.hint_en)
        self.rows.append((len(self.rows) + 1, who, CHANNEL_LABEL[channel] + QR_LABEL.get(qr, "") + verified + note,
                          (currency + " " if currency != "CNY" else "") + format_minor(amount_minor).lstrip("¥"),
                          DECISION_LABEL[response.decision], c.Reason.Name(response.reason).removeprefix("REASON_"),
                          "-" if math.isnan(response.risk.score) else f"{response.risk.score:.1%}",
                          format_minor(response.available_credit_minor), told))
        return response

    def print_table(self) -> None:
        headers = ("#", "customer", "channel", "amount", "decision", "reason", "risk", "available",
                   "what the customer is told")
        widths = [max(len(str(r[i])) for r in [headers, *self.rows]) for i in range(len(headers) - 1)]
        line = "  ".join(f"{{:{w}}}" for w in widths) + "  {}"
        print(line.format(*headers), file=self.out)
        print("  ".join("-" * w for w in widths) + "  " + "-" * 26, file=self.out)
        for row in self.rows:
            print(line.format(*[str(v) for v in row]), file=self.out)

    def run(self) -> None:
        W, S, Q = c.CHANNEL_WALLET, c.CHANNEL_SCAN_TO_PAY, c.CHANNEL_QUICK_PAY
        alice = self.account("alice", 2_000_000, c.TIER_STANDARD, credit_score=640)
        bob = self.account("bob", 200_000, c.TIER_NEW)
        carol = self.account("carol", 500_000, c.TIER_STANDARD)
        dave = self.account("dave", 500_000, c.TIER_STANDARD, c.ACCOUNT_STATUS_CLOSED)

        # Carol bought something last month and her repayment is now overdue.
        earlier = self.authz.Authorize(authz.AuthorizeRequest(
            request_id=self.rid(), account_id=carol, channel=W, amount_minor=80_000, currency="CNY",
            merchant=authz.Merchant(merchant_id="demo-shop-001", mcc="5411")))
        self.authz.Capture(authz.CaptureRequest(request_id=self.rid(), authorization_id=earlier.authorization_id,
                                                currency="CNY"))
        self.admin.UpsertAccount(admin_pb2.UpsertAccountRequest(
            request_id=self.rid(), account_id=carol, credit_limit_minor=500_000, overdue_minor=30_000))

        first_id = self.rid()
        groceries = self.pay("alice", alice, W, 19_900, request_id=first_id)
        snack = self.pay("alice", alice, S, 30_000, qr=c.QR_CODE_TYPE_STATIC)
        self.pay("alice", alice, S, 25_000, qr=c.QR_CODE_TYPE_STATIC)
        self.pay("alice", alice, S, 80_000, qr=c.QR_CODE_TYPE_DYNAMIC)
        self.pay("alice", alice, S, 80_000, qr=c.QR_CODE_TYPE_DYNAMIC,
                 factors=(F.VERIFICATION_FACTOR_PASSWORD, F.VERIFICATION_FACTOR_BIOMETRIC))
        self.pay("alice", alice, Q, 120_000)
        self.pay("alice", alice, Q, 120_000, factors=(F.VERIFICATION_FACTOR_PASSWORD,))
        self.pay("alice", alice, W, 6_000_000)
        self.pay("alice", alice, W, 1_000, currency="USD")
        self.pay("alice", alice, W, 8_000, mcc="7995", note=" (casino)")
        self.pay("alice", alice, W, 250_000, factors=(F.VERIFICATION_FACTOR_PASSWORD,), device=NEW_PHONE,
                 note=" (new phone)")
        self.pay("alice", alice, W, 10_000, device=BEIJING_PHONE, note=" (in Beijing)")
        self.pay("bob", bob, W, 250_000)
        self.pay("bob", bob, Q, 80_000)
        self.pay("carol", carol, W, 5_000)
        self.accounts.Repay(account_pb2.RepayRequest(request_id=self.rid(), account_id=carol, amount_minor=30_000,
                                                     currency="CNY"))
        self.pay("carol", carol, W, 5_000)
        self.pay("dave", dave, W, 5_000)
        print(file=self.out)
        self.print_table()
        print(file=self.out)

        replay = self.pay("alice", alice, W, 19_900, request_id=first_id)
        self.rows.pop()
        same = replay.authorization_id == groceries.authorization_id
        print(f"retry of request {first_id} with the same request_id: same authorization "
              f"{replay.authorization_id} ({'no second hold' if same else 'MISMATCH'})", file=self.out)
        captured = self.authz.Capture(authz.CaptureRequest(
            request_id=self.rid(), authorization_id=groceries.authorization_id, amount_minor=15_000, currency="CNY"))
        print(f"capture {format_minor(captured.captured_minor)} of the {format_minor(19_900)} hold: "
              f"{format_minor(captured.released_minor)} released", file=self.out)
        refunded = self.authz.Refund(authz.RefundRequest(
            request_id=self.rid(), authorization_id=groceries.authorization_id, amount_minor=5_000, currency="CNY"))
        print(f"refund {format_minor(refunded.refunded_minor)}: available credit "
              f"{format_minor(refunded.available_credit_minor)}", file=self.out)
        voided = self.payments[c.CHANNEL_SCAN_TO_PAY].Void(authz.VoidRequest(request_id=self.rid(), authorization_id=snack.authorization_id))
        print(f"void the static-QR hold: {format_minor(voided.released_minor)} released", file=self.out)
        self.installment_story(self.account("erin", 3_000_000, c.TIER_STANDARD, credit_score=640), bob)
        view = self.accounts.GetAccount(account_pb2.GetAccountRequest(account_id=alice)).account
        print(f"\nGetAccount {alice}: limit {format_minor(view.credit_limit_minor)}, available "
              f"{format_minor(view.available_credit_minor)}, posted {format_minor(view.posted_balance_minor)}, "
              f"held {format_minor(view.held_minor)} in {len(view.holds)} holds", file=self.out)
        for window in view.windows:
            if window.period == c.LIMIT_PERIOD_DAY and window.unit == c.LIMIT_UNIT_MINOR:
                scope = c.LimitScope.Name(window.scope).removeprefix("LIMIT_SCOPE_").lower()
                if window.channel:
                    scope += f" ({CHANNEL_LABEL[window.channel]})"
                print(f"  today {scope:<32} {format_minor(window.remaining):>12} left of "
                      f"{format_minor(window.limit)}", file=self.out)


    def installment_story(self, erin: str, bob: str) -> None:
        """A quote, an auto-installment purchase, and an enable refused with its reason."""
        out = self.out
        quotes = self.installments.QuoteInstallments(inst.QuoteInstallmentsRequest(
            account_id=erin, amount_minor=360_000, currency="CNY", channel=c.CHANNEL_WALLET, mcc="5732"))
        print("\ninstallment quote for erin, ¥3,600.00 of electronics:", file=out)
        for q in quotes.quotes:
            if q.eligible:
                print(f"  {q.term_months:>2} months: {format_minor(q.periods[0].payment_minor)} first, then "
                      f"{format_minor(q.periods[-1].payment_minor)} a month; interest {format_minor(q.interest_minor)}, "
                      f"annualized rate {q.apr_bps / 100:.2f}% (IRR)", file=out)
            else:
                print(f"  {q.term_months:>2} months: not available: {q.ineligible[0].message_en}. "
                      f"{q.ineligible[0].hint_en}", file=out)
        self.installments.SetAutoInstallment(inst.SetAutoInstallmentRequest(
            request_id=self.rid(), account_id=erin,
            setting=inst.AutoInstallment(enabled=True, term_months=6, threshold_minor=100_000)))
        tv = self.authz.Authorize(authz.AuthorizeRequest(
            request_id=self.rid(), account_id=erin, channel=c.CHANNEL_WALLET, amount_minor=360_000, currency="CNY",
            merchant=authz.Merchant(merchant_id="demo-tv-shop", mcc="5732", country="CN"), device=HOME_PHONE,
            verification=authz.Verification(factors=(F.VERIFICATION_FACTOR_PASSWORD,
                                                     F.VERIFICATION_FACTOR_BIOMETRIC))))
        plan = tv.installment
        if tv.decision == c.DECISION_APPROVED and plan.eligible:
            print(f"auto-installment on (6 months from ¥1,000.00): a ¥3,600.00 TV is APPROVED and split into "
                  f"{plan.term_months} payments of {format_minor(plan.periods[-1].payment_minor)}, interest "
                  f"{format_minor(plan.interest_minor)}, annualized {plan.apr_bps / 100:.2f}%", file=out)
        else:
            print(f"auto-installment on: the TV is {DECISION_LABEL[tv.decision]} "
                  f"({c.Reason.Name(tv.reason)}): {tv.reasons[0].message_en}", file=out)
        try:
            self.installments.SetAutoInstallment(inst.SetAutoInstallmentRequest(
                request_id=self.rid(), account_id=bob,
                setting=inst.AutoInstallment(enabled=True, term_months=12, threshold_minor=100_000)))
        except grpc.RpcError as error:
            print(f"bob turns auto-installment on for 12 months: refused ({error.code().name}): {error.details()}",
                  file=out)


def run_demo(target: str, out: TextIO = sys.stdout, lang: str = "en", tls_dir: str | None = None) -> None:
    """Run the scripted demo against a server at target (host:port): plaintext, or mutual TLS
    with the certificates `authcore certs` wrote into tls_dir."""
    if tls_dir is None:
        plain = grpc.insecure_channel(target)
        channels = dict.fromkeys(IDENTITIES, plain)
    else:
        channels = {name: grpc.secure_channel(target, channel_credentials(tls_dir, name)) for name in IDENTITIES}
    try:
        for channel in set(channels.values()):
            grpc.channel_ready_future(channel).result(timeout=10)
        Demo(channels, out, lang).run()
    finally:
        for channel in set(channels.values()):
            channel.close()
