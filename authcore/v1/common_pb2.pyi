import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class Channel(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    CHANNEL_UNSPECIFIED: _ClassVar[Channel]
    CHANNEL_WALLET: _ClassVar[Channel]
    CHANNEL_SCAN_TO_PAY: _ClassVar[Channel]
    CHANNEL_QUICK_PAY: _ClassVar[Channel]

class Decision(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    DECISION_UNSPECIFIED: _ClassVar[Decision]
    DECISION_APPROVED: _ClassVar[Decision]
    DECISION_DECLINED: _ClassVar[Decision]
    DECISION_CHALLENGE: _ClassVar[Decision]

class Reason(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    REASON_UNSPECIFIED: _ClassVar[Reason]
    REASON_APPROVED: _ClassVar[Reason]
    REASON_ACCOUNT_CLOSED: _ClassVar[Reason]
    REASON_ACCOUNT_FROZEN: _ClassVar[Reason]
    REASON_ACCOUNT_FROZEN_OVERDUE: _ClassVar[Reason]
    REASON_CHANNEL_NOT_ALLOWED: _ClassVar[Reason]
    REASON_CURRENCY_NOT_SUPPORTED: _ClassVar[Reason]
    REASON_INSUFFICIENT_CREDIT: _ClassVar[Reason]
    REASON_TRANSACTION_LIMIT_EXCEEDED: _ClassVar[Reason]
    REASON_DAILY_AMOUNT_LIMIT_EXCEEDED: _ClassVar[Reason]
    REASON_DAILY_COUNT_LIMIT_EXCEEDED: _ClassVar[Reason]
    REASON_MONTHLY_AMOUNT_LIMIT_EXCEEDED: _ClassVar[Reason]
    REASON_MONTHLY_COUNT_LIMIT_EXCEEDED: _ClassVar[Reason]
    REASON_CHANNEL_TRANSACTION_LIMIT_EXCEEDED: _ClassVar[Reason]
    REASON_CHANNEL_DAILY_AMOUNT_LIMIT_EXCEEDED: _ClassVar[Reason]
    REASON_CHANNEL_DAILY_COUNT_LIMIT_EXCEEDED: _ClassVar[Reason]
    REASON_CHANNEL_MONTHLY_AMOUNT_LIMIT_EXCEEDED: _ClassVar[Reason]
    REASON_CHANNEL_MONTHLY_COUNT_LIMIT_EXCEEDED: _ClassVar[Reason]
    REASON_SCAN_STATIC_QR_DAILY_LIMIT_EXCEEDED: _ClassVar[Reason]
    REASON_SCAN_DYNAMIC_QR_DAILY_LIMIT_EXCEEDED: _ClassVar[Reason]
    REASON_MERCHANT_CATEGORY_BLOCKED: _ClassVar[Reason]
    REASON_MERCHANT_COUNTRY_BLOCKED: _ClassVar[Reason]
    REASON_VELOCITY_LIMIT_EXCEEDED: _ClassVar[Reason]
    REASON_IMPOSSIBLE_TRAVEL: _ClassVar[Reason]
    REASON_SUSPECTED_FRAUD: _ClassVar[Reason]
    REASON_STAND_IN_LIMIT_EXCEEDED: _ClassVar[Reason]
    REASON_INSTALLMENT_NOT_AVAILABLE: _ClassVar[Reason]
    REASON_SCAN_QR_VERIFICATION_REQUIRED: _ClassVar[Reason]
    REASON_QUICK_PAY_VERIFICATION_REQUIRED: _ClassVar[Reason]
    REASON_NEW_DEVICE_VERIFICATION_REQUIRED: _ClassVar[Reason]
    REASON_RISK_VERIFICATION_REQUIRED: _ClassVar[Reason]

class RetryCategory(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    RETRY_CATEGORY_UNSPECIFIED: _ClassVar[RetryCategory]
    RETRY_CATEGORY_NEVER: _ClassVar[RetryCategory]
    RETRY_CATEGORY_LATER: _ClassVar[RetryCategory]
    RETRY_CATEGORY_FIX_AND_RETRY: _ClassVar[RetryCategory]

class AccountStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    ACCOUNT_STATUS_UNSPECIFIED: _ClassVar[AccountStatus]
    ACCOUNT_STATUS_ACTIVE: _ClassVar[AccountStatus]
    ACCOUNT_STATUS_FROZEN: _ClassVar[AccountStatus]
    ACCOUNT_STATUS_CLOSED: _ClassVar[AccountStatus]

class Tier(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    TIER_UNSPECIFIED: _ClassVar[Tier]
    TIER_NEW: _ClassVar[Tier]
    TIER_STANDARD: _ClassVar[Tier]
    TIER_PREMIUM: _ClassVar[Tier]

class QrCodeType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    QR_CODE_TYPE_UNSPECIFIED: _ClassVar[QrCodeType]
    QR_CODE_TYPE_STATIC: _ClassVar[QrCodeType]
    QR_CODE_TYPE_DYNAMIC: _ClassVar[QrCodeType]

class VerificationFactor(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    VERIFICATION_FACTOR_UNSPECIFIED: _ClassVar[VerificationFactor]
    VERIFICATION_FACTOR_PASSWORD: _ClassVar[VerificationFactor]
    VERIFICATION_FACTOR_BIOMETRIC: _ClassVar[VerificationFactor]
    VERIFICATION_FACTOR_SMS_OTP: _ClassVar[VerificationFactor]
    VERIFICATION_FACTOR_DIGITAL_CERTIFICATE: _ClassVar[VerificationFactor]

class LimitUnit(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    LIMIT_UNIT_UNSPECIFIED: _ClassVar[LimitUnit]
    LIMIT_UNIT_MINOR: _ClassVar[LimitUnit]
    LIMIT_UNIT_COUNT: _ClassVar[LimitUnit]

class LimitPeriod(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    LIMIT_PERIOD_UNSPECIFIED: _ClassVar[LimitPeriod]
    LIMIT_PERIOD_TRANSACTION: _ClassVar[LimitPeriod]
    LIMIT_PERIOD_DAY: _ClassVar[LimitPeriod]
    LIMIT_PERIOD_MONTH: _ClassVar[LimitPeriod]

class LimitScope(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    LIMIT_SCOPE_UNSPECIFIED: _ClassVar[LimitScope]
    LIMIT_SCOPE_ACCOUNT: _ClassVar[LimitScope]
    LIMIT_SCOPE_CHANNEL: _ClassVar[LimitScope]
    LIMIT_SCOPE_SCAN_STATIC_QR: _ClassVar[LimitScope]
    LIMIT_SCOPE_SCAN_DYNAMIC_QR_LEVEL_C: _ClassVar[LimitScope]
    LIMIT_SCOPE_SCAN_DYNAMIC_QR_LEVEL_B: _ClassVar[LimitScope]
    LIMIT_SCOPE_SCAN_DYNAMIC_QR_LEVEL_A: _ClassVar[LimitScope]
    LIMIT_SCOPE_QUICK_PAY_NO_VERIFICATION: _ClassVar[LimitScope]
CHANNEL_UNSPECIFIED: Channel
CHANNEL_WALLET: Channel
CHANNEL_SCAN_TO_PAY: Channel
CHANNEL_QUICK_PAY: Channel
DECISION_UNSPECIFIED: Decision
DECISION_APPROVED: Decision
DECISION_DECLINED: Decision
DECISION_CHALLENGE: Decision
REASON_UNSPECIFIED: Reason
REASON_APPROVED: Reason
REASON_ACCOUNT_CLOSED: Reason
REASON_ACCOUNT_FROZEN: Reason
REASON_ACCOUNT_FROZEN_OVERDUE: Reason
REASON_CHANNEL_NOT_ALLOWED: Reason
REASON_CURRENCY_NOT_SUPPORTED: Reason
REASON_INSUFFICIENT_CREDIT: Reason
REASON_TRANSACTION_LIMIT_EXCEEDED: Reason
REASON_DAILY_AMOUNT_LIMIT_EXCEEDED: Reason
REASON_DAILY_COUNT_LIMIT_EXCEEDED: Reason
REASON_MONTHLY_AMOUNT_LIMIT_EXCEEDED: Reason
REASON_MONTHLY_COUNT_LIMIT_EXCEEDED: Reason
REASON_CHANNEL_TRANSACTION_LIMIT_EXCEEDED: Reason
REASON_CHANNEL_DAILY_AMOUNT_LIMIT_EXCEEDED: Reason
REASON_CHANNEL_DAILY_COUNT_LIMIT_EXCEEDED: Reason
REASON_CHANNEL_MONTHLY_AMOUNT_LIMIT_EXCEEDED: Reason
REASON_CHANNEL_MONTHLY_COUNT_LIMIT_EXCEEDED: Reason
REASON_SCAN_STATIC_QR_DAILY_LIMIT_EXCEEDED: Reason
REASON_SCAN_DYNAMIC_QR_DAILY_LIMIT_EXCEEDED: Reason
REASON_MERCHANT_CATEGORY_BLOCKED: Reason
REASON_MERCHANT_COUNTRY_BLOCKED: Reason
REASON_VELOCITY_LIMIT_EXCEEDED: Reason
REASON_IMPOSSIBLE_TRAVEL: Reason
REASON_SUSPECTED_FRAUD: Reason
REASON_STAND_IN_LIMIT_EXCEEDED: Reason
REASON_INSTALLMENT_NOT_AVAILABLE: Reason
REASON_SCAN_QR_VERIFICATION_REQUIRED: Reason
REASON_QUICK_PAY_VERIFICATION_REQUIRED: Reason
REASON_NEW_DEVICE_VERIFICATION_REQUIRED: Reason
REASON_RISK_VERIFICATION_REQUIRED: Reason
RETRY_CATEGORY_UNSPECIFIED: RetryCategory
RETRY_CATEGORY_NEVER: RetryCategory
RETRY_CATEGORY_LATER: RetryCategory
RETRY_CATEGORY_FIX_AND_RETRY: RetryCategory
ACCOUNT_STATUS_UNSPECIFIED: AccountStatus
ACCOUNT_STATUS_ACTIVE: AccountStatus
ACCOUNT_STATUS_FROZEN: AccountStatus
ACCOUNT_STATUS_CLOSED: AccountStatus
TIER_UNSPECIFIED: Tier
TIER_NEW: Tier
TIER_STANDARD: Tier
TIER_PREMIUM: Tier
QR_CODE_TYPE_UNSPECIFIED: QrCodeType
QR_CODE_TYPE_STATIC: QrCodeType
QR_CODE_TYPE_DYNAMIC: QrCodeType
VERIFICATION_FACTOR_UNSPECIFIED: VerificationFactor
VERIFICATION_FACTOR_PASSWORD: VerificationFactor
VERIFICATION_FACTOR_BIOMETRIC: VerificationFactor
VERIFICATION_FACTOR_SMS_OTP: VerificationFactor
VERIFICATION_FACTOR_DIGITAL_CERTIFICATE: VerificationFactor
LIMIT_UNIT_UNSPECIFIED: LimitUnit
LIMIT_UNIT_MINOR: LimitUnit
LIMIT_UNIT_COUNT: LimitUnit
LIMIT_PERIOD_UNSPECIFIED: LimitPeriod
LIMIT_PERIOD_TRANSACTION: LimitPeriod
LIMIT_PERIOD_DAY: LimitPeriod
LIMIT_PERIOD_MONTH: LimitPeriod
LIMIT_SCOPE_UNSPECIFIED: LimitScope
LIMIT_SCOPE_ACCOUNT: LimitScope
LIMIT_SCOPE_CHANNEL: LimitScope
LIMIT_SCOPE_SCAN_STATIC_QR: LimitScope
LIMIT_SCOPE_SCAN_DYNAMIC_QR_LEVEL_C: LimitScope
LIMIT_SCOPE_SCAN_DYNAMIC_QR_LEVEL_B: LimitScope
LIMIT_SCOPE_SCAN_DYNAMIC_QR_LEVEL_A: LimitScope
LIMIT_SCOPE_QUICK_PAY_NO_VERIFICATION: LimitScope

class LimitWindow(_message.Message):
    __slots__ = ("scope", "channel", "period", "unit", "limit", "used", "remaining", "resets_at")
    SCOPE_FIELD_NUMBER: _ClassVar[int]
    CHANNEL_FIELD_NUMBER: _ClassVar[int]
    PERIOD_FIELD_NUMBER: _ClassVar[int]
    UNIT_FIELD_NUMBER: _ClassVar[int]
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    USED_FIELD_NUMBER: _ClassVar[int]
    REMAINING_FIELD_NUMBER: _ClassVar[int]
    RESETS_AT_FIELD_NUMBER: _ClassVar[int]
    scope: LimitScope
    channel: Channel
    period: LimitPeriod
    unit: LimitUnit
    limit: int
    used: int
    remaining: int
    resets_at: _timestamp_pb2.Timestamp
    def __init__(self, scope: _Optional[_Union[LimitScope, str]] = ..., channel: _Optional[_Union[Channel, str]] = ..., period: _Optional[_Union[LimitPeriod, str]] = ..., unit: _Optional[_Union[LimitUnit, str]] = ..., limit: _Optional[int] = ..., used: _Optional[int] = ..., remaining: _Optional[int] = ..., resets_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ReasonDetail(_message.Message):
    __slots__ = ("reason", "iso8583_code", "retry_category", "message_zh", "message_en", "hint_zh", "hint_en", "window")
    REASON_FIELD_NUMBER: _ClassVar[int]
    ISO8583_CODE_FIELD_NUMBER: _ClassVar[int]
    RETRY_CATEGORY_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_ZH_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_EN_FIELD_NUMBER: _ClassVar[int]
    HINT_ZH_FIELD_NUMBER: _ClassVar[int]
    HINT_EN_FIELD_NUMBER: _ClassVar[int]
    WINDOW_FIELD_NUMBER: _ClassVar[int]
    reason: Reason
    iso8583_code: str
    retry_category: RetryCategory
    message_zh: str
    message_en: str
    hint_zh: str
    hint_en: str
    window: LimitWindow
    def __init__(self, reason: _Optional[_Union[Reason, str]] = ..., iso8583_code: _Optional[str] = ..., retry_category: _Optional[_Union[RetryCategory, str]] = ..., message_zh: _Optional[str] = ..., message_en: _Optional[str] = ..., hint_zh: _Optional[str] = ..., hint_en: _Optional[str] = ..., window: _Optional[_Union[LimitWindow, _Mapping]] = ...) -> None: ...

class LimitProfile(_message.Message):
    __slots__ = ("per_transaction_minor", "daily_amount_minor", "daily_count", "monthly_amount_minor", "monthly_count", "channels", "scan_static_qr_daily_minor", "scan_dynamic_qr_level_c_daily_minor", "scan_dynamic_qr_level_b_daily_minor", "scan_dynamic_qr_level_a_daily_minor", "quick_pay_no_verification_per_transaction_minor", "quick_pay_no_verification_daily_minor")
    PER_TRANSACTION_MINOR_FIELD_NUMBER: _ClassVar[int]
    DAILY_AMOUNT_MINOR_FIELD_NUMBER: _ClassVar[int]
    DAILY_COUNT_FIELD_NUMBER: _ClassVar[int]
    MONTHLY_AMOUNT_MINOR_FIELD_NUMBER: _ClassVar[int]
    MONTHLY_COUNT_FIELD_NUMBER: _ClassVar[int]
    CHANNELS_FIELD_NUMBER: _ClassVar[int]
    SCAN_STATIC_QR_DAILY_MINOR_FIELD_NUMBER: _ClassVar[int]
    SCAN_DYNAMIC_QR_LEVEL_C_DAILY_MINOR_FIELD_NUMBER: _ClassVar[int]
    SCAN_DYNAMIC_QR_LEVEL_B_DAILY_MINOR_FIELD_NUMBER: _ClassVar[int]
    SCAN_DYNAMIC_QR_LEVEL_A_DAILY_MINOR_FIELD_NUMBER: _ClassVar[int]
    QUICK_PAY_NO_VERIFICATION_PER_TRANSACTION_MINOR_FIELD_NUMBER: _ClassVar[int]
    QUICK_PAY_NO_VERIFICATION_DAILY_MINOR_FIELD_NUMBER: _ClassVar[int]
    per_transaction_minor: int
    daily_amount_minor: int
    daily_count: int
    monthly_amount_minor: int
    monthly_count: int
    channels: _containers.RepeatedCompositeFieldContainer[ChannelLimits]
    scan_static_qr_daily_minor: int
    scan_dynamic_qr_level_c_daily_minor: int
    scan_dynamic_qr_level_b_daily_minor: int
    scan_dynamic_qr_level_a_daily_minor: int
    quick_pay_no_verification_per_transaction_minor: int
    quick_pay_no_verification_daily_minor: int
    def __init__(self, per_transaction_minor: _Optional[int] = ..., daily_amount_minor: _Optional[int] = ..., daily_count: _Optional[int] = ..., monthly_amount_minor: _Optional[int] = ..., monthly_count: _Optional[int] = ..., channels: _Optional[_Iterable[_Union[ChannelLimits, _Mapping]]] = ..., scan_static_qr_daily_minor: _Optional[int] = ..., scan_dynamic_qr_level_c_daily_minor: _Optional[int] = ..., scan_dynamic_qr_level_b_daily_minor: _Optional[int] = ..., scan_dynamic_qr_level_a_daily_minor: _Optional[int] = ..., quick_pay_no_verification_per_transaction_minor: _Optional[int] = ..., quick_pay_no_verification_daily_minor: _Optional[int] = ...) -> None: ...

class ChannelLimits(_message.Message):
    __slots__ = ("channel", "allowed", "per_transaction_minor", "daily_amount_minor", "daily_count", "monthly_amount_minor", "monthly_count")
    CHANNEL_FIELD_NUMBER: _ClassVar[int]
    ALLOWED_FIELD_NUMBER: _ClassVar[int]
    PER_TRANSACTION_MINOR_FIELD_NUMBER: _ClassVar[int]
    DAILY_AMOUNT_MINOR_FIELD_NUMBER: _ClassVar[int]
    DAILY_COUNT_FIELD_NUMBER: _ClassVar[int]
    MONTHLY_AMOUNT_MINOR_FIELD_NUMBER: _ClassVar[int]
    MONTHLY_COUNT_FIELD_NUMBER: _ClassVar[int]
    channel: Channel
    allowed: bool
    per_transaction_minor: int
    daily_amount_minor: int
    daily_count: int
    monthly_amount_minor: int
    monthly_count: int
    def __init__(self, channel: _Optional[_Union[Channel, str]] = ..., allowed: _Optional[bool] = ..., per_transaction_minor: _Optional[int] = ..., daily_amount_minor: _Optional[int] = ..., daily_count: _Optional[int] = ..., monthly_amount_minor: _Optional[int] = ..., monthly_count: _Optional[int] = ...) -> None: ...
