"""A scripted day of payments from all three channels, sent through a real gRPC server and
printed as a table: decision, reason, what the customer is told, and the credit left."""

from __future__ import annotations

import math
import secrets
import sys
from typing import TextIO

import grpc

from grpc_status import rpc_status
from google.rpc import error_details_pb2

from authcore.engine import DEFAULT_MODEL_VERSION
from authcore.api.identity import ADMIN, CHANNEL_OF, IDENTITIES, channel_credentials
from authcore.decision.money import format_minor
from authcore.decision.policy import default_policy
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
# Chinese labels: the reason column keeps the API's reason names.
CHANNEL_LABEL_ZH = {c.CHANNEL_WALLET: "钱包", c.CHANNEL_SCAN_TO_PAY: "扫码支付", c.CHANNEL_QUICK_PAY: "快捷支付"}
QR_LABEL_ZH = {c.QR_CODE_TYPE_STATIC: " 静态码", c.QR_CODE_TYPE_DYNAMIC: " 动态码"}
FACTOR_ZH = {F.VERIFICATION_FACTOR_PASSWORD: "密码", F.VERIFICATION_FACTOR_BIOMETRIC: "指纹"}
DECISION_LABEL_ZH = {c.DECISION_APPROVED: "批准", c.DECISION_DECLINED: "拒绝", c.DECISION_CHALLENGE: "需验证"}
# The spellings of --lang: "zh" and "zh-CN" both mean Simplified Chinese.
LANGS = ("en", "zh", "zh-CN")
READY_TIMEOUT_S = 5.0


def is_chinese(lang: str) -> bool:
    """Whether lang (one of LANGS) asks for Chinese."""
    return lang in ("zh", "zh-CN")


class Unreachable(Exception):
    """No server answered at a target within READY_TIMEOUT_S."""


def wait_ready(channel: grpc.Channel, target: str, advice: str = "`make serve` starts one") -> None:
    """Return once channel to target is connected; Unreachable, saying what to check, after
    READY_TIMEOUT_S (the demo's and the bench's first call)."""
    try:
        grpc.channel_ready_future(channel).result(timeout=READY_TIMEOUT_S)
    except grpc.FutureTimeoutError:
        raise Unreachable(f"cannot reach {target} in {READY_TIMEOUT_S:g} s (is `authcore serve` running there? "
                          f"{advice})") from None


def describe_failure(error: BaseException) -> str:
    """A failed call or step as one line: the status code and its message, or the exception."""
    if isinstance(error, grpc.RpcError) and hasattr(error, "code"):
        return f"{error.code().name}: {' '.join(str(error.details() or '').split())}"
    return " ".join(f"{type(error).__name__}: {error}".split())


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
        self.zh = is_chinese(lang)
        self.decision_label = DECISION_LABEL_ZH if self.zh else DECISION_LABEL
        self.channel_label = CHANNEL_LABEL_ZH if self.zh else CHANNEL_LABEL
        self.run_id = secrets.token_hex(3)
        self.seq = 0
        self.rows: list[tuple] = []

    def t(self, en: str, zh: str) -> str:
        """The line in the demo's language."""
        return zh if self.zh else en

    def say(self, en: str, zh: str) -> None:
        print(self.t(en, zh), file=self.out)

    def skip(self, what_en: str, what_zh: str, answer: authz.AuthorizeResponse) -> None:
        """Say that a step is skipped because the payment it needs was not approved."""
        decision = self.decision_label[answer.decision]
        reason = c.Reason.Name(answer.reason).removeprefix("REASON_")
        self.say(f"skipped: {what_en}: that payment was {decision} ({reason}), not APPROVED, so there is no hold to act on",
                 f"跳过：{what_zh}：该笔支付的结果是{decision}（{reason}），未获批准，没有可操作的预授权")

    def active_versions(self) -> None:
        """Say up front when the server's active policy or risk model is not the shipped default:
        the demo's answers then follow that policy or model, and steps that need an approval may
        be skipped. The demo never changes either."""
        policy = self.admin.GetPolicy(admin_pb2.GetPolicyRequest(), timeout=5).policy.version
        model = self.admin.GetRiskModel(admin_pb2.GetRiskModelRequest(), timeout=5).model.version
        shipped_policy, shipped_model = default_policy().version, DEFAULT_MODEL_VERSION
        if policy != shipped_policy:
            self.say(f"note: the active policy is {policy!r}, not the shipped {shipped_policy!r}: the answers below "
                     "follow it, and steps that need an approved payment are skipped if it declines one",
                     f"注意：当前生效的策略是 {policy!r}，不是随附的 {shipped_policy!r}：以下结果按该策略得出，"
                     "需要已批准支付的步骤在支付未获批准时会跳过")
        if model != shipped_model:
            self.say(f"note: the active risk model is {model!r}, not the shipped {shipped_model!r}: the answers "
                     "below follow it, and steps that need an approved payment are skipped if it declines one",
                     f"注意：当前生效的风险模型是 {model!r}，不是随附的 {shipped_model!r}：以下结果按该模型得出，"
                     "需要已批准支付的步骤在支付未获批准时会跳过")

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
        if self.zh:
            verified = "+" + "+".join(FACTOR_ZH.get(f, F.Name(f)) for f in factors) if factors else ""
            channel_label = CHANNEL_LABEL_ZH[channel] + QR_LABEL_ZH.get(qr, "")
        else:
            verified = "+" + "+".join(F.Name(f).removeprefix("VERIFICATION_FACTOR_").lower() for f in factors) if factors else ""
            channel_label = CHANNEL_LABEL[channel] + QR_LABEL.get(qr, "")
        first = response.reasons[0] if response.reasons else None
        if response.decision == c.DECISION_APPROVED or first is None:
            told = ""
        else:
            told = (first.message_zh + "；" + first.hint_zh) if self.zh else (first.message_en + ". " + first.hint_en)
        self.rows.append((len(self.rows) + 1, who, channel_label + verified + note,
                          (currency + " " if currency != "CNY" else "") + format_minor(amount_minor).lstrip("¥"),
                          self.decision_label[response.decision],
                          c.Reason.Name(response.reason).removeprefix("REASON_"),
                          "-" if math.isnan(response.risk.score) else f"{response.risk.score:.1%}",
                          format_minor(response.available_credit_minor), told))
        return response

    def print_table(self) -> None:
        headers = (("#", "客户", "渠道", "金额", "结果", "原因", "风险", "可用额度", "告知客户")
                   if self.zh else ("#", "customer", "channel", "amount", "decision", "reason", "risk", "available",
                                    "what the customer is told"))
        widths = [max(len(str(r[i])) for r in [headers, *self.rows]) for i in range(len(headers) - 1)]
        line = "  ".join(f"{{:{w}}}" for w in widths) + "  {}"
        print(line.format(*headers), file=self.out)
        print("  ".join("-" * w for w in widths) + "  " + "-" * 26, file=self.out)
        for row in self.rows:
            print(line.format(*[str(v) for v in row]), file=self.out)

    def run(self) -> None:
        W, S, Q = c.CHANNEL_WALLET, c.CHANNEL_SCAN_TO_PAY, c.CHANNEL_QUICK_PAY
        self.active_versions()
        alice = self.account("alice", 2_000_000, c.TIER_STANDARD, credit_score=640)
        bob = self.account("bob", 200_000, c.TIER_NEW)
        carol = self.account("carol", 500_000, c.TIER_STANDARD)
        dave = self.account("dave", 500_000, c.TIER_STANDARD, c.ACCOUNT_STATUS_CLOSED)

        # Carol bought something last month and her repayment is now overdue.
        earlier = self.authz.Authorize(authz.AuthorizeRequest(
            request_id=self.rid(), account_id=carol, channel=W, amount_minor=80_000, currency="CNY",
            merchant=authz.Merchant(merchant_id="demo-shop-001", mcc="5411")), timeout=5)
        if earlier.decision == c.DECISION_APPROVED:
            self.authz.Capture(authz.CaptureRequest(request_id=self.rid(), authorization_id=earlier.authorization_id,
                                                    currency="CNY"), timeout=5)
            self.admin.UpsertAccount(admin_pb2.UpsertAccountRequest(
                request_id=self.rid(), account_id=carol, credit_limit_minor=500_000, overdue_minor=30_000), timeout=5)
        else:
            self.skip("capturing carol's purchase of last month and marking its repayment overdue",
                      "入账 carol 上月的消费并将其还款标记为逾期", earlier)

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
        self.pay("alice", alice, W, 8_000, mcc="7995", note=self.t(" (casino)", "（赌场）"))
        self.pay("alice", alice, W, 250_000, factors=(F.VERIFICATION_FACTOR_PASSWORD,), device=NEW_PHONE,
                 note=self.t(" (new phone)", "（新手机）"))
        self.pay("alice", alice, W, 10_000, device=BEIJING_PHONE, note=self.t(" (in Beijing)", "（在北京）"))
        self.pay("bob", bob, W, 250_000)
        self.pay("bob", bob, Q, 80_000)
        self.pay("carol", carol, W, 5_000)
        if earlier.decision == c.DECISION_APPROVED:
            self.accounts.Repay(account_pb2.RepayRequest(request_id=self.rid(), account_id=carol,
                                                         amount_minor=30_000, currency="CNY"), timeout=5)
        self.pay("carol", carol, W, 5_000)
        self.pay("dave", dave, W, 5_000)
        print(file=self.out)
        self.print_table()
        print(file=self.out)

        replay = self.pay("alice", alice, W, 19_900, request_id=first_id)
        self.rows.pop()
        same = replay.authorization_id == groceries.authorization_id
        if groceries.authorization_id:
            self.say(f"retry of request {first_id} with the same request_id: same authorization "
                     f"{replay.authorization_id} ({'no second hold' if same else 'MISMATCH'})",
                     f"用同一 request_id 重试请求 {first_id}：同一笔授权 {replay.authorization_id}"
                     f"（{'没有第二笔预授权' if same else '不一致'}）")
        else:
            decision = self.decision_label[replay.decision]
            self.say(f"retry of request {first_id} with the same request_id: the same answer, {decision}, no hold",
                     f"用同一 request_id 重试请求 {first_id}：同样的结果（{decision}），没有预授权")
        if groceries.decision == c.DECISION_APPROVED:
            captured = self.authz.Capture(authz.CaptureRequest(
                request_id=self.rid(), authorization_id=groceries.authorization_id, amount_minor=15_000,
                currency="CNY"), timeout=5)
            self.say(f"capture {format_minor(captured.captured_minor)} of the {format_minor(19_900)} hold: "
                     f"{format_minor(captured.released_minor)} released",
                     f"从 {format_minor(19_900)} 的预授权中入账 {format_minor(captured.captured_minor)}："
                     f"释放 {format_minor(captured.released_minor)}")
            refunded = self.authz.Refund(authz.RefundRequest(
                request_id=self.rid(), authorization_id=groceries.authorization_id, amount_minor=5_000,
                currency="CNY"), timeout=5)
            self.say(f"refund {format_minor(refunded.refunded_minor)}: available credit "
                     f"{format_minor(refunded.available_credit_minor)}",
                     f"退款 {format_minor(refunded.refunded_minor)}：可用额度 "
                     f"{format_minor(refunded.available_credit_minor)}")
        else:
            self.skip("the capture and refund of alice's groceries", "alice 购物款的入账和退款", groceries)
        if snack.decision == c.DECISION_APPROVED:
            voided = self.payments[c.CHANNEL_SCAN_TO_PAY].Void(
                authz.VoidRequest(request_id=self.rid(), authorization_id=snack.authorization_id), timeout=5)
            self.say(f"void the static-QR hold: {format_minor(voided.released_minor)} released",
                     f"撤销静态码预授权：释放 {format_minor(voided.released_minor)}")
        else:
            self.skip("the void of the static-QR hold", "撤销静态码预授权", snack)
        self.installment_story(self.account("erin", 3_000_000, c.TIER_STANDARD, credit_score=640), bob)
        view = self.accounts.GetAccount(account_pb2.GetAccountRequest(account_id=alice), timeout=5).account
        self.say(f"\nGetAccount {alice}: limit {format_minor(view.credit_limit_minor)}, available "
                 f"{format_minor(view.available_credit_minor)}, posted {format_minor(view.posted_balance_minor)}, "
                 f"held {format_minor(view.held_minor)} in {len(view.holds)} holds",
                 f"\nGetAccount {alice}：额度 {format_minor(view.credit_limit_minor)}，可用 "
                 f"{format_minor(view.available_credit_minor)}，已入账 {format_minor(view.posted_balance_minor)}，"
                 f"{len(view.holds)} 笔预授权共冻结 {format_minor(view.held_minor)}")
        for window in view.windows:
            if window.period == c.LIMIT_PERIOD_DAY and window.unit == c.LIMIT_UNIT_MINOR:
                scope = c.LimitScope.Name(window.scope).removeprefix("LIMIT_SCOPE_").lower()
                if window.channel:
                    scope += f" ({self.channel_label[window.channel]})"
                self.say(f"  today {scope:<32} {format_minor(window.remaining):>12} left of {format_minor(window.limit)}",
                         f"  今日 {scope:<32} 剩余 {format_minor(window.remaining):>12}，上限 {format_minor(window.limit)}")

    def refusal(self, error: grpc.RpcError) -> str:
        """A refused call's message in the demo's language (the zh-CN LocalizedMessage when the
        status carries one)."""
        if self.zh:
            status = rpc_status.from_call(error)
            for detail in status.details if status is not None else ():
                message = error_details_pb2.LocalizedMessage()
                if detail.Is(message.DESCRIPTOR) and detail.Unpack(message) and message.locale == "zh-CN":
                    return message.message
        return str(error.details())

    def installment_story(self, erin: str, bob: str) -> None:
        """A quote, an auto-installment purchase, and an enable refused with its reason."""
        quotes = self.installments.QuoteInstallments(inst.QuoteInstallmentsRequest(
            account_id=erin, amount_minor=360_000, currency="CNY", channel=c.CHANNEL_WALLET, mcc="5732"), timeout=5)
        self.say("\ninstallment quote for erin, ¥3,600.00 of electronics:", "\n分期报价：erin 购买 ¥3,600.00 的电子产品：")
        for q in quotes.quotes:
            if q.eligible:
                self.say(f"  {q.term_months:>2} months: {format_minor(q.periods[0].payment_minor)} first, then "
                         f"{format_minor(q.periods[-1].payment_minor)} a month; interest {format_minor(q.interest_minor)}, "
                         f"annualized rate {q.apr_bps / 100:.2f}% (IRR)",
                         f"  {q.term_months:>2} 期：首期 {format_minor(q.periods[0].payment_minor)}，之后每月 "
                         f"{format_minor(q.periods[-1].payment_minor)}；利息 {format_minor(q.interest_minor)}，"
                         f"年化利率 {q.apr_bps / 100:.2f}%（IRR）")
            else:
                why = q.ineligible[0]
                self.say(f"  {q.term_months:>2} months: not available: {why.message_en}. {why.hint_en}",
                         f"  {q.term_months:>2} 期：不可用：{why.message_zh}；{why.hint_zh}")
        self.installments.SetAutoInstallment(inst.SetAutoInstallmentRequest(
            request_id=self.rid(), account_id=erin,
            setting=inst.AutoInstallment(enabled=True, term_months=6, threshold_minor=100_000)), timeout=5)
        tv = self.authz.Authorize(authz.AuthorizeRequest(
            request_id=self.rid(), account_id=erin, channel=c.CHANNEL_WALLET, amount_minor=360_000, currency="CNY",
            merchant=authz.Merchant(merchant_id="demo-tv-shop", mcc="5732", country="CN"), device=HOME_PHONE,
            verification=authz.Verification(factors=(F.VERIFICATION_FACTOR_PASSWORD,
                                                     F.VERIFICATION_FACTOR_BIOMETRIC))), timeout=5)
        plan = tv.installment
        if tv.decision == c.DECISION_APPROVED and plan.eligible:
            self.say(f"auto-installment on (6 months from ¥1,000.00): a ¥3,600.00 TV is APPROVED and split into "
                     f"{plan.term_months} payments of {format_minor(plan.periods[-1].payment_minor)}, interest "
                     f"{format_minor(plan.interest_minor)}, annualized {plan.apr_bps / 100:.2f}%",
                     f"自动分期已开启（¥1,000.00 起分 6 期）：¥3,600.00 的电视获批准，分 {plan.term_months} 期，"
                     f"每期 {format_minor(plan.periods[-1].payment_minor)}，利息 {format_minor(plan.interest_minor)}，"
                     f"年化 {plan.apr_bps / 100:.2f}%")
        else:
            first = tv.reasons[0] if tv.reasons else None
            decision = self.decision_label[tv.decision]
            self.say(f"auto-installment on: the TV is {decision} ({c.Reason.Name(tv.reason)}): "
                     f"{first.message_en if first else ''}",
                     f"自动分期已开启：电视的结果是{decision}（{c.Reason.Name(tv.reason)}）："
                     f"{first.message_zh if first else ''}")
        try:
            self.installments.SetAutoInstallment(inst.SetAutoInstallmentRequest(
                request_id=self.rid(), account_id=bob,
                setting=inst.AutoInstallment(enabled=True, term_months=12, threshold_minor=100_000)), timeout=5)
        except grpc.RpcError as error:
            self.say(f"bob turns auto-installment on for 12 months: refused ({error.code().name}): {self.refusal(error)}",
                     f"bob 开启 12 期自动分期：被拒绝（{error.code().name}）：{self.refusal(error)}")


def run_demo(target: str, out: TextIO = sys.stdout, lang: str = "en", tls_dir: str | None = None) -> None:
    """Run the scripted demo against a server at target (host:port): plaintext, or mutual TLS
    with the certificates `authcore certs` wrote into tls_dir. lang: one of LANGS. The demo
    opens its own accounts (ids with this run's tag) and never changes the server's policy or
    model. Raises Unreachable when no server answers at target, grpc.RpcError when a call fails."""
    if tls_dir is None:
        plain = grpc.insecure_channel(target)
        channels = dict.fromkeys(IDENTITIES, plain)
    else:
        channels = {name: grpc.secure_channel(target, channel_credentials(tls_dir, name)) for name in IDENTITIES}
    try:
        for channel in set(channels.values()):
            wait_ready(channel, target)
        Demo(channels, out, lang).run()
    finally:
        for channel in set(channels.values()):
            channel.close()


def run_demo_beside_service(target: str, out: TextIO = sys.stdout, lang: str = "en", tls_dir: str | None = None,
                            keeps_serving: bool = True) -> bool:
    """The demo of `authcore serve --demo`: a demo that fails says so in one line on stderr, and
    the service keeps serving (keeps_serving: whether it goes on after the demo, as said in that
    line). True when the demo ran to its end."""
    try:
        run_demo(target, out, lang, tls_dir)
        return True
    except Exception as error:  # noqa: BLE001 - whatever stops the demo must not stop the service
        after = f"the server keeps serving on {target}" if keeps_serving else "the server stops (--exit-after-demo)"
        print(f"authcore: the demo stopped early ({describe_failure(error)}); {after}", file=sys.stderr, flush=True)
        return False
