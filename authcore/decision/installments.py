"""Installment plans: the schedule of a plan to the fen, its annualized rate by IRR, and whether
an account may have it — each refusal with its message and fix (zh-CN and en).

Rounding (documented in the README): total interest = principal x monthly rate x term, rounded
half up to the fen; principal and interest are each divided evenly by the term, rounded down,
and the first period carries what the division left over. The periods therefore add up to
principal + interest exactly. The annualized rate is the monthly internal rate of return of the
cash flows (the principal received, the payments made) times 12, in basis points, as PBOC
Announcement [2021] No. 3 asks; a flat 0.6 % a month over 12 months is 1,303 bps (13.03 %), not 720."""

from __future__ import annotations

import calendar
import dataclasses
import datetime

from authcore.v1 import common_pb2 as c, installment_pb2 as inst, policy_pb2

I = inst.InstallmentIneligibility
MAX_TERM = 60


@dataclasses.dataclass(frozen=True, slots=True)
class Schedule:
    principal: list[int]
    interest: list[int]

    @property
    def payments(self) -> list[int]:
        return [p + i for p, i in zip(self.principal, self.interest, strict=True)]


def split(principal_minor: int, term: int, monthly_rate_bps: int) -> Schedule:
    """Per-period principal and interest; the first period carries the remainders."""
    if term < 1 or principal_minor < 0 or monthly_rate_bps < 0:
        raise ValueError("term >= 1, principal and rate >= 0")
    total_interest = (principal_minor * monthly_rate_bps * term + 5_000) // 10_000
    principal = [principal_minor // term] * term
    interest = [total_interest // term] * term
    principal[0] += principal_minor - sum(principal)
    interest[0] += total_interest - sum(interest)
    return Schedule(principal, interest)


def monthly_irr(principal_minor: int, payments: list[int]) -> float:
    """The monthly rate r at which the payments are worth the principal: sum p_k / (1+r)^k = P."""
    if principal_minor <= 0:
        return 0.0

    def excess(r: float) -> float:
        return sum(p / (1 + r) ** (k + 1) for k, p in enumerate(payments)) - principal_minor

    low, high = 0.0, 1.0
    if excess(low) <= 0:
        return 0.0
    for _ in range(200):  # bisection: the present value falls as the rate rises
        mid = (low + high) / 2
        if excess(mid) > 0:
            low = mid
        else:
            high = mid
    return (low + high) / 2


def apr_bps(principal_minor: int, payments: list[int]) -> int:
    return round(monthly_irr(principal_minor, payments) * 12 * 10_000)


def add_months(day: datetime.date, months: int) -> datetime.date:
    """The same day of a later month, or that month's last day."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return datetime.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


# -- eligibility -----------------------------------------------------------------------------

MESSAGES = {
    I.INSTALLMENT_INELIGIBILITY_ACCOUNT_NOT_ACTIVE: (
        "账户当前状态不支持分期", "Installments are not available while the account is frozen or closed",
        "账户恢复正常后即可分期", "Installments return when the account is active again"),
    I.INSTALLMENT_INELIGIBILITY_ACCOUNT_OVERDUE: (
        "存在逾期未还款项，暂不支持分期", "Installments are paused while a repayment is overdue",
        "还清逾期金额{overdue}后即可分期", "Repay the overdue {overdue} to use installments again"),
    I.INSTALLMENT_INELIGIBILITY_TIER_NOT_ELIGIBLE: (
        "当前账户等级不支持{term}期分期", "{term}-month installments are not open to your account tier",
        "可选择更短的分期期数，或按时还款提升账户等级", "Choose a shorter term, or raise your tier by repaying on time"),
    I.INSTALLMENT_INELIGIBILITY_CREDIT_SCORE_TOO_LOW: (
        "信用评分未达到{term}期分期要求", "Your credit score does not reach what {term}-month installments need",
        "可选择更短的分期期数；信用评分会随按时还款提升", "Choose a shorter term; your score improves as you repay on time"),
    I.INSTALLMENT_INELIGIBILITY_TERM_NOT_OFFERED: (
        "不提供{term}期分期", "{term}-month installments are not offered",
        "请选择3、6、12或24期", "Choose one of the terms offered"),
    I.INSTALLMENT_INELIGIBILITY_MERCHANT_CATEGORY_EXCLUDED: (
        "该类商户的消费不支持分期", "Purchases at this type of merchant cannot be split",
        "请全额支付", "Pay in full"),
    I.INSTALLMENT_INELIGIBILITY_CHANNEL_NOT_SUPPORTED: (
        "该支付方式不支持分期", "This payment channel does not support installments",
        "请通过钱包或扫码支付分期", "Use the wallet or scan-to-pay to split the purchase"),
    I.INSTALLMENT_INELIGIBILITY_AMOUNT_BELOW_MINIMUM: (
        "金额低于{term}期分期最低金额{minimum}", "Below the {minimum} minimum for {term}-month installments",
        "单笔满{minimum}即可分{term}期", "Purchases of {minimum} or more can be split over {term} months"),
    I.INSTALLMENT_INELIGIBILITY_INSUFFICIENT_CREDIT: (
        "可用额度不足", "Not enough available credit for this purchase",
        "当前可用额度{available}", "Available credit is {available}"),
    I.INSTALLMENT_INELIGIBILITY_PERIOD_PAYMENT_TOO_LARGE: (
        "每期还款额超过{maximum}上限", "A period's payment would be above the {maximum} cap",
        "请选择更长的分期期数", "Choose a longer term"),
    I.INSTALLMENT_INELIGIBILITY_THRESHOLD_BELOW_MINIMUM: (
        "自动分期金额门槛不能低于{minimum}", "The auto-installment threshold cannot be below {minimum}",
        "请将门槛设为{minimum}或以上", "Set the threshold to {minimum} or more"),
}


@dataclasses.dataclass(slots=True)
class Applicant:
    """What eligibility reads of an account and a purchase."""

    status: int
    overdue_minor: int
    tier: int
    credit_score: float | None
    available_minor: int
    channel: int = c.CHANNEL_UNSPECIFIED
    mcc: str = ""


def _money(minor: int) -> str:
    from authcore.decision.money import format_minor

    return format_minor(minor)


def detail(reason: int, values: dict) -> inst.IneligibilityDetail:
    zh, en, hint_zh, hint_en = MESSAGES[reason]
    return inst.IneligibilityDetail(reason=reason, message_zh=zh.format_map(values), message_en=en.format_map(values),
                                    hint_zh=hint_zh.format_map(values), hint_en=hint_en.format_map(values))


def account_refusals(plan: policy_pb2.InstallmentPlanPolicy, who: Applicant) -> list[int]:
    """Why the account itself may not have the plan (whatever the purchase)."""
    out = []
    if who.status != c.ACCOUNT_STATUS_ACTIVE:
        out.append(I.INSTALLMENT_INELIGIBILITY_ACCOUNT_NOT_ACTIVE)
    if who.overdue_minor > 0:
        out.append(I.INSTALLMENT_INELIGIBILITY_ACCOUNT_OVERDUE)
    if plan.tiers and who.tier not in plan.tiers:
        out.append(I.INSTALLMENT_INELIGIBILITY_TIER_NOT_ELIGIBLE)
    if plan.min_credit_score and (who.credit_score is None or who.credit_score < plan.min_credit_score):
        out.append(I.INSTALLMENT_INELIGIBILITY_CREDIT_SCORE_TOO_LOW)
    return out


def quote(policy: policy_pb2.InstallmentPolicy, plan: policy_pb2.InstallmentPlanPolicy, amount_minor: int,
          who: Applicant, check_credit: bool = True) -> inst.InstallmentQuote:
    """The plan for the amount, with every reason it is not available."""
    s = split(amount_minor, plan.term_months, plan.monthly_rate_bps)
    payments = s.payments
    out = inst.InstallmentQuote(term_months=plan.term_months, principal_minor=amount_minor,
                                interest_minor=sum(s.interest), total_minor=amount_minor + sum(s.interest),
                                monthly_rate_bps=plan.monthly_rate_bps, apr_bps=apr_bps(amount_minor, payments))
    for k, (p, i) in enumerate(zip(s.principal, s.interest, strict=True)):
        out.periods.add(number=k + 1, principal_minor=p, interest_minor=i, payment_minor=p + i)
    reasons = account_refusals(plan, who)
    if who.mcc and who.mcc in policy.excluded_mccs:
        reasons.append(I.INSTALLMENT_INELIGIBILITY_MERCHANT_CATEGORY_EXCLUDED)
    if who.channel and who.channel not in policy.channels:
        reasons.append(I.INSTALLMENT_INELIGIBILITY_CHANNEL_NOT_SUPPORTED)
    if amount_minor < plan.min_amount_minor:
        reasons.append(I.INSTALLMENT_INELIGIBILITY_AMOUNT_BELOW_MINIMUM)
    if check_credit and amount_minor > who.available_minor:
        reasons.append(I.INSTALLMENT_INELIGIBILITY_INSUFFICIENT_CREDIT)
    if plan.max_period_payment_minor and max(payments) > plan.max_period_payment_minor:
        reasons.append(I.INSTALLMENT_INELIGIBILITY_PERIOD_PAYMENT_TOO_LARGE)
    values = {"term": plan.term_months, "minimum": _money(plan.min_amount_minor), "overdue": _money(who.overdue_minor),
              "available": _money(max(who.available_minor, 0)), "maximum": _money(plan.max_period_payment_minor)}
    out.eligible = not reasons
    out.ineligible.extend(detail(r, values) for r in reasons)
    return out


def plan_for(policy: policy_pb2.InstallmentPolicy, term: int) -> policy_pb2.InstallmentPlanPolicy | None:
    return next((p for p in policy.plans if p.term_months == term), None)


def term_not_offered(term: int) -> inst.InstallmentQuote:
    out = inst.InstallmentQuote(term_months=term)
    out.ineligible.append(detail(I.INSTALLMENT_INELIGIBILITY_TERM_NOT_OFFERED, {"term": term}))
    return out


def enable_refusals(policy: policy_pb2.InstallmentPolicy, setting: inst.AutoInstallment,
                    who: Applicant) -> list[inst.IneligibilityDetail]:
    """Why auto-installment cannot be turned on with this setting, in the order to fix them."""
    plan = plan_for(policy, setting.term_months)
    values = {"term": setting.term_months, "minimum": _money(policy.auto_min_threshold_minor),
              "overdue": _money(who.overdue_minor)}
    if plan is None:
        return [detail(I.INSTALLMENT_INELIGIBILITY_TERM_NOT_OFFERED, values)]
    reasons = account_refusals(plan, who)
    if setting.threshold_minor < max(policy.auto_min_threshold_minor, plan.min_amount_minor):
        values["minimum"] = _money(max(policy.auto_min_threshold_minor, plan.min_amount_minor))
        reasons.append(I.INSTALLMENT_INELIGIBILITY_THRESHOLD_BELOW_MINIMUM)
    return [detail(r, values) for r in reasons]


def schedule(principal_minor: int, plan_term: int, rate_bps: int, first_due: datetime.date) -> inst.InstallmentSchedule:
    """The repayment schedule of a captured principal, periods due monthly from first_due."""
    s = split(principal_minor, plan_term, rate_bps)
    out = inst.InstallmentSchedule(term_months=plan_term, principal_minor=principal_minor,
                                   interest_minor=sum(s.interest), apr_bps=apr_bps(principal_minor, s.payments))
    for k, (p, i) in enumerate(zip(s.principal, s.interest, strict=True)):
        out.periods.add(number=k + 1, due_date=add_months(first_due, k).isoformat(), principal_minor=p,
                        interest_minor=i, payment_minor=p + i)
    return out
