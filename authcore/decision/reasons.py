"""Every reason a decision can give: its place in the precedence order, its ISO 8583 field 39
code, its Visa retry category, and what to tell the customer (zh-CN and en) and what to do."""

from __future__ import annotations

import dataclasses

import numpy as np

from authcore.v1 import common_pb2 as c

R = c.Reason
NEVER, LATER, FIX = c.RETRY_CATEGORY_NEVER, c.RETRY_CATEGORY_LATER, c.RETRY_CATEGORY_FIX_AND_RETRY


@dataclasses.dataclass(frozen=True, slots=True)
class ReasonInfo:
    reason: int
    iso8583: str
    retry: int
    message_zh: str
    message_en: str
    # Templates over the keys of authcore.decision.explain.HintContext.
    hint_zh: str
    hint_en: str


def _info(reason, iso, retry, message_zh, message_en, hint_zh, hint_en) -> ReasonInfo:
    return ReasonInfo(reason, iso, retry, message_zh, message_en, hint_zh, hint_en)


CATALOGUE: dict[int, ReasonInfo] = {
    i.reason: i
    for i in (
        _info(R.REASON_APPROVED, "00", c.RETRY_CATEGORY_UNSPECIFIED, "支付成功", "Approved", "", ""),
        _info(R.REASON_ACCOUNT_CLOSED, "57", NEVER, "账户已关闭，无法使用白条支付", "The credit account is closed",
              "请使用其他支付方式", "Use another payment method"),
        _info(R.REASON_ACCOUNT_FROZEN, "62", LATER, "账户已被冻结，暂时无法支付", "The credit account is frozen",
              "请联系客服核实账户状态", "Contact customer service to review the account"),
        _info(R.REASON_ACCOUNT_FROZEN_OVERDUE, "62", LATER, "账户有逾期未还款项，已暂停支付",
              "Payments are paused because a repayment is overdue",
              "还清逾期金额{overdue}后即可恢复支付", "Repay the overdue {overdue} to restore payments"),
        _info(R.REASON_CHANNEL_NOT_ALLOWED, "57", NEVER, "当前账户不支持{channel_zh}支付",
              "This account cannot pay by {channel_en}",
              "请使用其他支付方式，或提升账户等级后再试", "Use another channel, or raise the account tier"),
        _info(R.REASON_CURRENCY_NOT_SUPPORTED, "57", NEVER, "账户不支持{currency}币种支付",
              "The account does not pay in {currency}",
              "请以{account_currency}支付", "Pay in {account_currency}"),
        _info(R.REASON_INSUFFICIENT_CREDIT, "51", LATER, "可用额度不足", "Not enough available credit",
              "当前可用额度{available}，请还款{shortfall}后再试或减少支付金额",
              "Available credit is {available}: repay {shortfall} or pay less"),
        _info(R.REASON_TRANSACTION_LIMIT_EXCEEDED, "61", LATER, "超出单笔支付限额", "Above the per-payment limit",
              "单笔最多可支付{limit}", "At most {limit} per payment"),
        _info(R.REASON_DAILY_AMOUNT_LIMIT_EXCEEDED, "61", LATER, "超出每日支付限额", "Above the daily spending limit",
              "今日还可支付{remaining}，限额于{zone}时间00:00重置",
              "{remaining} left today; the daily limit resets at 00:00 ({zone})"),
        _info(R.REASON_DAILY_COUNT_LIMIT_EXCEEDED, "65", LATER, "超出每日支付笔数限制", "Too many payments today",
              "每日最多{limit}笔，于{zone}时间00:00重置", "At most {limit} payments a day; resets at 00:00 ({zone})"),
        _info(R.REASON_MONTHLY_AMOUNT_LIMIT_EXCEEDED, "61", LATER, "超出每月支付限额",
              "Above the monthly spending limit",
              "本月还可支付{remaining}，下月1日重置", "{remaining} left this month; resets on the 1st"),
        _info(R.REASON_MONTHLY_COUNT_LIMIT_EXCEEDED, "65", LATER, "超出每月支付笔数限制", "Too many payments this month",
              "每月最多{limit}笔，下月1日重置", "At most {limit} payments a month; resets on the 1st"),
        _info(R.REASON_CHANNEL_TRANSACTION_LIMIT_EXCEEDED, "61", LATER, "超出{channel_zh}单笔限额",
              "Above the {channel_en} per-payment limit",
              "{channel_zh}单笔最多可支付{limit}", "At most {limit} per {channel_en} payment"),
        _info(R.REASON_CHANNEL_DAILY_AMOUNT_LIMIT_EXCEEDED, "61", LATER, "超出{channel_zh}每日限额",
              "Above the {channel_en} daily limit",
              "{channel_zh}今日还可支付{remaining}，于{zone}时间00:00重置",
              "{remaining} left today by {channel_en}; resets at 00:00 ({zone})"),
        _info(R.REASON_CHANNEL_DAILY_COUNT_LIMIT_EXCEEDED, "65", LATER, "超出{channel_zh}每日笔数限制",
              "Too many {channel_en} payments today",
              "{channel_zh}每日最多{limit}笔，于{zone}时间00:00重置",
              "At most {limit} {channel_en} payments a day; resets at 00:00 ({zone})"),
        _info(R.REASON_CHANNEL_MONTHLY_AMOUNT_LIMIT_EXCEEDED, "61", LATER, "超出{channel_zh}每月限额",
              "Above the {channel_en} monthly limit",
              "{channel_zh}本月还可支付{remaining}，下月1日重置",
              "{remaining} left this month by {channel_en}; resets on the 1st"),
        _info(R.REASON_CHANNEL_MONTHLY_COUNT_LIMIT_EXCEEDED, "65", LATER, "超出{channel_zh}每月笔数限制",
              "Too many {channel_en} payments this month",
              "{channel_zh}每月最多{limit}笔，下月1日重置",
              "At most {limit} {channel_en} payments a month; resets on the 1st"),
        _info(R.REASON_SCAN_STATIC_QR_DAILY_LIMIT_EXCEEDED, "61", LATER, "静态码支付每日累计不超过{limit}（央行条码支付规定）",
              "Static QR payments are limited to {limit} a day (PBOC barcode rules)",
              "今日静态码还可支付{remaining}；请出示付款码（动态码）支付，额度于00:00重置",
              "{remaining} left today by static code; show your payment code (dynamic QR) instead. "
              "The limit resets at 00:00 ({zone})"),
        _info(R.REASON_SCAN_DYNAMIC_QR_DAILY_LIMIT_EXCEEDED, "61", LATER, "超出扫码支付每日累计限额",
              "Above the daily scan-to-pay limit",
              "今日扫码还可支付{remaining}，额度于{zone}时间00:00重置",
              "{remaining} left today by scan-to-pay; resets at 00:00 ({zone})"),
        _info(R.REASON_MERCHANT_CATEGORY_BLOCKED, "57", NEVER, "该类商户暂不支持白条支付",
              "Credit payments are not accepted at this type of merchant",
              "请使用其他支付方式", "Use another payment method"),
        _info(R.REASON_MERCHANT_COUNTRY_BLOCKED, "57", NEVER, "暂不支持向该国家或地区的商户付款",
              "Payments to merchants in this country or region are not permitted",
              "请使用其他支付方式", "Use another payment method"),
        _info(R.REASON_VELOCITY_LIMIT_EXCEEDED, "65", LATER, "支付过于频繁", "Too many payments in a short time",
              "请稍等几分钟再试", "Wait a few minutes and try again"),
        # Fraud findings are explained to the customer without saying what gave them away.
        _info(R.REASON_IMPOSSIBLE_TRAVEL, "59", LATER, "为保障资金安全，本次支付未通过",
              "For your security this payment was not approved",
              "如为本人操作，请联系客服核实后再试", "If this was you, contact customer service to confirm, then retry"),
        _info(R.REASON_SUSPECTED_FRAUD, "59", LATER, "为保障资金安全，本次支付未通过",
              "For your security this payment was not approved",
              "如为本人操作，请联系客服核实后再试", "If this was you, contact customer service to confirm, then retry"),
        # The stand-in decides without the model (it failed, or the call's time was nearly up)
        # and approves small amounts only; a retry shortly after is decided in full.
        _info(R.REASON_STAND_IN_LIMIT_EXCEEDED, "91", LATER, "系统繁忙，暂时只能支付{stand_in_limit}以内的金额",
              "The service is busy: only payments up to {stand_in_limit} can be approved right now",
              "请稍后重试，或支付不超过{stand_in_limit}的金额",
              "Try again in a moment, or pay at most {stand_in_limit}"),
        _info(R.REASON_INSTALLMENT_NOT_AVAILABLE, "57", FIX, "该笔消费不支持所选分期", "The installment plan asked for "
              "is not available for this purchase", "请全额支付或选择其他分期期数（原因见分期详情）",
              "Pay in full or choose another term (the installment details say why)"),
        _info(R.REASON_SCAN_QR_VERIFICATION_REQUIRED, "1A", FIX, "需要进一步验证身份",
              "Additional verification required",
              "请再用一种方式验证（指纹、支付密码或短信验证码；超过{level_b}需数字证书），验证后今日扫码最多可支付{next_cap}",
              "Verify with a second factor (fingerprint, payment password or SMS code; above {level_b}, a digital "
              "certificate) to pay up to {next_cap} today by scan-to-pay"),
        _info(R.REASON_QUICK_PAY_VERIFICATION_REQUIRED, "1A", FIX, "超出免密支付额度，请验证",
              "Above the no-PIN limit: verification required",
              "请输入支付密码或验证指纹；免密单笔最多{limit}",
              "Enter your PIN or verify with fingerprint; without it at most {limit} per payment"),
        _info(R.REASON_NEW_DEVICE_VERIFICATION_REQUIRED, "1A", FIX, "在新设备上支付需要验证身份",
              "Verification required on a new device",
              "请用短信验证码加支付密码或指纹验证后重试", "Verify with an SMS code plus your payment password or "
              "fingerprint, then retry"),
        _info(R.REASON_RISK_VERIFICATION_REQUIRED, "1A", FIX, "需要进一步验证身份", "Additional verification required",
              "请用两种方式验证（如指纹和短信验证码）后重试", "Verify with two factors (e.g. fingerprint and SMS code), then retry"),
    )
}

# Bit i of the kernel's failure mask (authcore/_fast/decide.pxd) is BIT_ORDER[i].
BIT_ORDER: tuple[int, ...] = (
    R.REASON_ACCOUNT_CLOSED,
    R.REASON_ACCOUNT_FROZEN,
    R.REASON_ACCOUNT_FROZEN_OVERDUE,
    R.REASON_CHANNEL_NOT_ALLOWED,
    R.REASON_CURRENCY_NOT_SUPPORTED,
    R.REASON_INSUFFICIENT_CREDIT,
    R.REASON_TRANSACTION_LIMIT_EXCEEDED,
    R.REASON_DAILY_AMOUNT_LIMIT_EXCEEDED,
    R.REASON_DAILY_COUNT_LIMIT_EXCEEDED,
    R.REASON_MONTHLY_AMOUNT_LIMIT_EXCEEDED,
    R.REASON_MONTHLY_COUNT_LIMIT_EXCEEDED,
    R.REASON_CHANNEL_TRANSACTION_LIMIT_EXCEEDED,
    R.REASON_CHANNEL_DAILY_AMOUNT_LIMIT_EXCEEDED,
    R.REASON_CHANNEL_DAILY_COUNT_LIMIT_EXCEEDED,
    R.REASON_CHANNEL_MONTHLY_AMOUNT_LIMIT_EXCEEDED,
    R.REASON_CHANNEL_MONTHLY_COUNT_LIMIT_EXCEEDED,
    R.REASON_SCAN_STATIC_QR_DAILY_LIMIT_EXCEEDED,
    R.REASON_SCAN_DYNAMIC_QR_DAILY_LIMIT_EXCEEDED,
    R.REASON_MERCHANT_CATEGORY_BLOCKED,
    R.REASON_MERCHANT_COUNTRY_BLOCKED,
    R.REASON_VELOCITY_LIMIT_EXCEEDED,
    R.REASON_IMPOSSIBLE_TRAVEL,
    R.REASON_SUSPECTED_FRAUD,
    R.REASON_STAND_IN_LIMIT_EXCEEDED,
    R.REASON_SCAN_QR_VERIFICATION_REQUIRED,
    R.REASON_QUICK_PAY_VERIFICATION_REQUIRED,
    R.REASON_NEW_DEVICE_VERIFICATION_REQUIRED,
    R.REASON_RISK_VERIFICATION_REQUIRED,
)
CHALLENGE_REASONS = frozenset({
    R.REASON_SCAN_QR_VERIFICATION_REQUIRED, R.REASON_QUICK_PAY_VERIFICATION_REQUIRED,
    R.REASON_NEW_DEVICE_VERIFICATION_REQUIRED, R.REASON_RISK_VERIFICATION_REQUIRED,
})
# The risk rule each risk reason stands for, as named in RiskAssessment.rules_fired.
RULE_NAMES = {
    R.REASON_MERCHANT_CATEGORY_BLOCKED: "blocked_mcc",
    R.REASON_MERCHANT_COUNTRY_BLOCKED: "blocked_country",
    R.REASON_VELOCITY_LIMIT_EXCEEDED: "velocity",
    R.REASON_IMPOSSIBLE_TRAVEL: "impossible_travel",
    R.REASON_SUSPECTED_FRAUD: "model_decline",
    R.REASON_NEW_DEVICE_VERIFICATION_REQUIRED: "new_device_large_amount",
    R.REASON_RISK_VERIFICATION_REQUIRED: "model_challenge",
}


def reasons_of_mask(mask: int) -> list[int]:
    """The reasons whose bits are set, in precedence order."""
    return [reason for bit, reason in enumerate(BIT_ORDER) if mask >> bit & 1]


# The reason of each mask bit, and 0 at index -1: the lowest set bit's exponent, less one, indexes it.
_REASON_OF_BIT = np.array((*BIT_ORDER, 0), np.int64)
_KNOWN_BITS = (1 << len(BIT_ORDER)) - 1


def first_reasons(masks: np.ndarray) -> np.ndarray:
    """reasons_of_mask(mask)[0] of each failure mask of a column, 0 where no bit is set: the
    lowest set bit is the first reason (BIT_ORDER is in precedence order), found for the whole
    column at once. Its float64 exponent is exact: every bit is below 2**53."""
    known = np.asarray(masks, np.int64) & _KNOWN_BITS
    _, exponents = np.frexp((known & -known).astype(np.float64))
    return _REASON_OF_BIT[exponents - 1]


# The retry category as the tables show it: its number and what it asks of the client.
RETRY_LABELS = {NEVER: "1 never", LATER: "2 later", FIX: "3 fix / verify", c.RETRY_CATEGORY_UNSPECIFIED: "-"}


def markdown_table() -> str:
    """The reasons table of the README, generated from this catalogue."""
    retry = RETRY_LABELS
    lines = ["| precedence | reason | ISO 8583 | retry | message (en) | message (zh-CN) | hint (en) |",
             "|---|---|---|---|---|---|---|"]
    for reason in sorted(CATALOGUE):
        info = CATALOGUE[reason]
        lines.append(f"| {reason} | `{R.Name(reason)}` | {info.iso8583} | {retry[info.retry]} | {info.message_en} | "
                     f"{info.message_zh} | {info.hint_en or '-'} |")
    return "\n".join(lines)


def reference_table() -> str:
    """The full table of docs/reasons.md: every reason with both messages and both hints."""

    def cell(text: str) -> str:
        return text.replace("|", "\\|") if text else "-"

    lines = ["| precedence | reason | ISO 8583 | retry | message (zh-CN) | message (en) | hint (zh-CN) | hint (en) |",
             "|---|---|---|---|---|---|---|---|"]
    for reason in sorted(CATALOGUE):
        info = CATALOGUE[reason]
        lines.append(f"| {reason} | `{R.Name(reason)}` | {info.iso8583} | {RETRY_LABELS[info.retry]} | "
                     f"{cell(info.message_zh)} | {cell(info.message_en)} | {cell(info.hint_zh)} | "
                     f"{cell(info.hint_en)} |")
    return "\n".join(lines)


if __name__ == "__main__":
    print(markdown_table())
