from authcore.v1 import common_pb2 as _common_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class InstallmentIneligibility(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    INSTALLMENT_INELIGIBILITY_UNSPECIFIED: _ClassVar[InstallmentIneligibility]
    INSTALLMENT_INELIGIBILITY_ACCOUNT_NOT_ACTIVE: _ClassVar[InstallmentIneligibility]
    INSTALLMENT_INELIGIBILITY_ACCOUNT_OVERDUE: _ClassVar[InstallmentIneligibility]
    INSTALLMENT_INELIGIBILITY_TIER_NOT_ELIGIBLE: _ClassVar[InstallmentIneligibility]
    INSTALLMENT_INELIGIBILITY_CREDIT_SCORE_TOO_LOW: _ClassVar[InstallmentIneligibility]
    INSTALLMENT_INELIGIBILITY_TERM_NOT_OFFERED: _ClassVar[InstallmentIneligibility]
    INSTALLMENT_INELIGIBILITY_MERCHANT_CATEGORY_EXCLUDED: _ClassVar[InstallmentIneligibility]
    INSTALLMENT_INELIGIBILITY_CHANNEL_NOT_SUPPORTED: _ClassVar[InstallmentIneligibility]
    INSTALLMENT_INELIGIBILITY_AMOUNT_BELOW_MINIMUM: _ClassVar[InstallmentIneligibility]
    INSTALLMENT_INELIGIBILITY_INSUFFICIENT_CREDIT: _ClassVar[InstallmentIneligibility]
    INSTALLMENT_INELIGIBILITY_PERIOD_PAYMENT_TOO_LARGE: _ClassVar[InstallmentIneligibility]
    INSTALLMENT_INELIGIBILITY_THRESHOLD_BELOW_MINIMUM: _ClassVar[InstallmentIneligibility]
INSTALLMENT_INELIGIBILITY_UNSPECIFIED: InstallmentIneligibility
INSTALLMENT_INELIGIBILITY_ACCOUNT_NOT_ACTIVE: InstallmentIneligibility
INSTALLMENT_INELIGIBILITY_ACCOUNT_OVERDUE: InstallmentIneligibility
INSTALLMENT_INELIGIBILITY_TIER_NOT_ELIGIBLE: InstallmentIneligibility
INSTALLMENT_INELIGIBILITY_CREDIT_SCORE_TOO_LOW: InstallmentIneligibility
INSTALLMENT_INELIGIBILITY_TERM_NOT_OFFERED: InstallmentIneligibility
INSTALLMENT_INELIGIBILITY_MERCHANT_CATEGORY_EXCLUDED: InstallmentIneligibility
INSTALLMENT_INELIGIBILITY_CHANNEL_NOT_SUPPORTED: InstallmentIneligibility
INSTALLMENT_INELIGIBILITY_AMOUNT_BELOW_MINIMUM: InstallmentIneligibility
INSTALLMENT_INELIGIBILITY_INSUFFICIENT_CREDIT: InstallmentIneligibility
INSTALLMENT_INELIGIBILITY_PERIOD_PAYMENT_TOO_LARGE: InstallmentIneligibility
INSTALLMENT_INELIGIBILITY_THRESHOLD_BELOW_MINIMUM: InstallmentIneligibility

class IneligibilityDetail(_message.Message):
    __slots__ = ("reason", "message_zh", "message_en", "hint_zh", "hint_en")
    REASON_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_ZH_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_EN_FIELD_NUMBER: _ClassVar[int]
    HINT_ZH_FIELD_NUMBER: _ClassVar[int]
    HINT_EN_FIELD_NUMBER: _ClassVar[int]
    reason: InstallmentIneligibility
    message_zh: str
    message_en: str
    hint_zh: str
    hint_en: str
    def __init__(self, reason: _Optional[_Union[InstallmentIneligibility, str]] = ..., message_zh: _Optional[str] = ..., message_en: _Optional[str] = ..., hint_zh: _Optional[str] = ..., hint_en: _Optional[str] = ...) -> None: ...

class InstallmentPeriod(_message.Message):
    __slots__ = ("number", "due_date", "principal_minor", "interest_minor", "payment_minor")
    NUMBER_FIELD_NUMBER: _ClassVar[int]
    DUE_DATE_FIELD_NUMBER: _ClassVar[int]
    PRINCIPAL_MINOR_FIELD_NUMBER: _ClassVar[int]
    INTEREST_MINOR_FIELD_NUMBER: _ClassVar[int]
    PAYMENT_MINOR_FIELD_NUMBER: _ClassVar[int]
    number: int
    due_date: str
    principal_minor: int
    interest_minor: int
    payment_minor: int
    def __init__(self, number: _Optional[int] = ..., due_date: _Optional[str] = ..., principal_minor: _Optional[int] = ..., interest_minor: _Optional[int] = ..., payment_minor: _Optional[int] = ...) -> None: ...

class InstallmentQuote(_message.Message):
    __slots__ = ("term_months", "eligible", "ineligible", "principal_minor", "interest_minor", "total_minor", "monthly_rate_bps", "apr_bps", "periods")
    TERM_MONTHS_FIELD_NUMBER: _ClassVar[int]
    ELIGIBLE_FIELD_NUMBER: _ClassVar[int]
    INELIGIBLE_FIELD_NUMBER: _ClassVar[int]
    PRINCIPAL_MINOR_FIELD_NUMBER: _ClassVar[int]
    INTEREST_MINOR_FIELD_NUMBER: _ClassVar[int]
    TOTAL_MINOR_FIELD_NUMBER: _ClassVar[int]
    MONTHLY_RATE_BPS_FIELD_NUMBER: _ClassVar[int]
    APR_BPS_FIELD_NUMBER: _ClassVar[int]
    PERIODS_FIELD_NUMBER: _ClassVar[int]
    term_months: int
    eligible: bool
    ineligible: _containers.RepeatedCompositeFieldContainer[IneligibilityDetail]
    principal_minor: int
    interest_minor: int
    total_minor: int
    monthly_rate_bps: int
    apr_bps: int
    periods: _containers.RepeatedCompositeFieldContainer[InstallmentPeriod]
    def __init__(self, term_months: _Optional[int] = ..., eligible: _Optional[bool] = ..., ineligible: _Optional[_Iterable[_Union[IneligibilityDetail, _Mapping]]] = ..., principal_minor: _Optional[int] = ..., interest_minor: _Optional[int] = ..., total_minor: _Optional[int] = ..., monthly_rate_bps: _Optional[int] = ..., apr_bps: _Optional[int] = ..., periods: _Optional[_Iterable[_Union[InstallmentPeriod, _Mapping]]] = ...) -> None: ...

class QuoteInstallmentsRequest(_message.Message):
    __slots__ = ("account_id", "amount_minor", "currency", "channel", "mcc")
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_MINOR_FIELD_NUMBER: _ClassVar[int]
    CURRENCY_FIELD_NUMBER: _ClassVar[int]
    CHANNEL_FIELD_NUMBER: _ClassVar[int]
    MCC_FIELD_NUMBER: _ClassVar[int]
    account_id: str
    amount_minor: int
    currency: str
    channel: _common_pb2.Channel
    mcc: str
    def __init__(self, account_id: _Optional[str] = ..., amount_minor: _Optional[int] = ..., currency: _Optional[str] = ..., channel: _Optional[_Union[_common_pb2.Channel, str]] = ..., mcc: _Optional[str] = ...) -> None: ...

class QuoteInstallmentsResponse(_message.Message):
    __slots__ = ("quotes", "policy_version")
    QUOTES_FIELD_NUMBER: _ClassVar[int]
    POLICY_VERSION_FIELD_NUMBER: _ClassVar[int]
    quotes: _containers.RepeatedCompositeFieldContainer[InstallmentQuote]
    policy_version: str
    def __init__(self, quotes: _Optional[_Iterable[_Union[InstallmentQuote, _Mapping]]] = ..., policy_version: _Optional[str] = ...) -> None: ...

class AutoInstallment(_message.Message):
    __slots__ = ("enabled", "term_months", "threshold_minor")
    ENABLED_FIELD_NUMBER: _ClassVar[int]
    TERM_MONTHS_FIELD_NUMBER: _ClassVar[int]
    THRESHOLD_MINOR_FIELD_NUMBER: _ClassVar[int]
    enabled: bool
    term_months: int
    threshold_minor: int
    def __init__(self, enabled: _Optional[bool] = ..., term_months: _Optional[int] = ..., threshold_minor: _Optional[int] = ...) -> None: ...

class SetAutoInstallmentRequest(_message.Message):
    __slots__ = ("request_id", "account_id", "setting")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    SETTING_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    account_id: str
    setting: AutoInstallment
    def __init__(self, request_id: _Optional[str] = ..., account_id: _Optional[str] = ..., setting: _Optional[_Union[AutoInstallment, _Mapping]] = ...) -> None: ...

class SetAutoInstallmentResponse(_message.Message):
    __slots__ = ("setting",)
    SETTING_FIELD_NUMBER: _ClassVar[int]
    setting: AutoInstallment
    def __init__(self, setting: _Optional[_Union[AutoInstallment, _Mapping]] = ...) -> None: ...

class GetAutoInstallmentRequest(_message.Message):
    __slots__ = ("account_id",)
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    account_id: str
    def __init__(self, account_id: _Optional[str] = ...) -> None: ...

class GetAutoInstallmentResponse(_message.Message):
    __slots__ = ("setting",)
    SETTING_FIELD_NUMBER: _ClassVar[int]
    setting: AutoInstallment
    def __init__(self, setting: _Optional[_Union[AutoInstallment, _Mapping]] = ...) -> None: ...

class InstallmentSchedule(_message.Message):
    __slots__ = ("authorization_id", "term_months", "principal_minor", "interest_minor", "apr_bps", "periods")
    AUTHORIZATION_ID_FIELD_NUMBER: _ClassVar[int]
    TERM_MONTHS_FIELD_NUMBER: _ClassVar[int]
    PRINCIPAL_MINOR_FIELD_NUMBER: _ClassVar[int]
    INTEREST_MINOR_FIELD_NUMBER: _ClassVar[int]
    APR_BPS_FIELD_NUMBER: _ClassVar[int]
    PERIODS_FIELD_NUMBER: _ClassVar[int]
    authorization_id: str
    term_months: int
    principal_minor: int
    interest_minor: int
    apr_bps: int
    periods: _containers.RepeatedCompositeFieldContainer[InstallmentPeriod]
    def __init__(self, authorization_id: _Optional[str] = ..., term_months: _Optional[int] = ..., principal_minor: _Optional[int] = ..., interest_minor: _Optional[int] = ..., apr_bps: _Optional[int] = ..., periods: _Optional[_Iterable[_Union[InstallmentPeriod, _Mapping]]] = ...) -> None: ...
