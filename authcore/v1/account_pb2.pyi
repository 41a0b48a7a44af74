import datetime

from authcore.v1 import common_pb2 as _common_pb2
from authcore.v1 import installment_pb2 as _installment_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class Account(_message.Message):
    __slots__ = ("account_id", "status", "tier", "currency", "time_zone", "credit_limit_minor", "available_credit_minor", "posted_balance_minor", "held_minor", "overdue_minor", "blocking_reasons", "windows", "holds", "limit_overrides", "open_hold_count", "installments", "credit_score", "auto_installment")
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    TIER_FIELD_NUMBER: _ClassVar[int]
    CURRENCY_FIELD_NUMBER: _ClassVar[int]
    TIME_ZONE_FIELD_NUMBER: _ClassVar[int]
    CREDIT_LIMIT_MINOR_FIELD_NUMBER: _ClassVar[int]
    AVAILABLE_CREDIT_MINOR_FIELD_NUMBER: _ClassVar[int]
    POSTED_BALANCE_MINOR_FIELD_NUMBER: _ClassVar[int]
    HELD_MINOR_FIELD_NUMBER: _ClassVar[int]
    OVERDUE_MINOR_FIELD_NUMBER: _ClassVar[int]
    BLOCKING_REASONS_FIELD_NUMBER: _ClassVar[int]
    WINDOWS_FIELD_NUMBER: _ClassVar[int]
    HOLDS_FIELD_NUMBER: _ClassVar[int]
    LIMIT_OVERRIDES_FIELD_NUMBER: _ClassVar[int]
    OPEN_HOLD_COUNT_FIELD_NUMBER: _ClassVar[int]
    INSTALLMENTS_FIELD_NUMBER: _ClassVar[int]
    CREDIT_SCORE_FIELD_NUMBER: _ClassVar[int]
    AUTO_INSTALLMENT_FIELD_NUMBER: _ClassVar[int]
    account_id: str
    status: _common_pb2.AccountStatus
    tier: _common_pb2.Tier
    currency: str
    time_zone: str
    credit_limit_minor: int
    available_credit_minor: int
    posted_balance_minor: int
    held_minor: int
    overdue_minor: int
    blocking_reasons: _containers.RepeatedCompositeFieldContainer[_common_pb2.ReasonDetail]
    windows: _containers.RepeatedCompositeFieldContainer[_common_pb2.LimitWindow]
    holds: _containers.RepeatedCompositeFieldContainer[Hold]
    limit_overrides: _common_pb2.LimitProfile
    open_hold_count: int
    installments: _containers.RepeatedCompositeFieldContainer[_installment_pb2.InstallmentSchedule]
    credit_score: float
    auto_installment: _installment_pb2.AutoInstallment
    def __init__(self, account_id: _Optional[str] = ..., status: _Optional[_Union[_common_pb2.AccountStatus, str]] = ..., tier: _Optional[_Union[_common_pb2.Tier, str]] = ..., currency: _Optional[str] = ..., time_zone: _Optional[str] = ..., credit_limit_minor: _Optional[int] = ..., available_credit_minor: _Optional[int] = ..., posted_balance_minor: _Optional[int] = ..., held_minor: _Optional[int] = ..., overdue_minor: _Optional[int] = ..., blocking_reasons: _Optional[_Iterable[_Union[_common_pb2.ReasonDetail, _Mapping]]] = ..., windows: _Optional[_Iterable[_Union[_common_pb2.LimitWindow, _Mapping]]] = ..., holds: _Optional[_Iterable[_Union[Hold, _Mapping]]] = ..., limit_overrides: _Optional[_Union[_common_pb2.LimitProfile, _Mapping]] = ..., open_hold_count: _Optional[int] = ..., installments: _Optional[_Iterable[_Union[_installment_pb2.InstallmentSchedule, _Mapping]]] = ..., credit_score: _Optional[float] = ..., auto_installment: _Optional[_Union[_installment_pb2.AutoInstallment, _Mapping]] = ...) -> None: ...

class Hold(_message.Message):
    __slots__ = ("authorization_id", "channel", "amount_minor", "merchant_id", "created_at", "expires_at")
    AUTHORIZATION_ID_FIELD_NUMBER: _ClassVar[int]
    CHANNEL_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_MINOR_FIELD_NUMBER: _ClassVar[int]
    MERCHANT_ID_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    EXPIRES_AT_FIELD_NUMBER: _ClassVar[int]
    authorization_id: str
    channel: _common_pb2.Channel
    amount_minor: int
    merchant_id: str
    created_at: _timestamp_pb2.Timestamp
    expires_at: _timestamp_pb2.Timestamp
    def __init__(self, authorization_id: _Optional[str] = ..., channel: _Optional[_Union[_common_pb2.Channel, str]] = ..., amount_minor: _Optional[int] = ..., merchant_id: _Optional[str] = ..., created_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., expires_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class GetAccountRequest(_message.Message):
    __slots__ = ("account_id",)
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    account_id: str
    def __init__(self, account_id: _Optional[str] = ...) -> None: ...

class GetAccountResponse(_message.Message):
    __slots__ = ("account", "policy_version")
    ACCOUNT_FIELD_NUMBER: _ClassVar[int]
    POLICY_VERSION_FIELD_NUMBER: _ClassVar[int]
    account: Account
    policy_version: str
    def __init__(self, account: _Optional[_Union[Account, _Mapping]] = ..., policy_version: _Optional[str] = ...) -> None: ...

class RepayRequest(_message.Message):
    __slots__ = ("request_id", "account_id", "amount_minor", "currency")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_MINOR_FIELD_NUMBER: _ClassVar[int]
    CURRENCY_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    account_id: str
    amount_minor: int
    currency: str
    def __init__(self, request_id: _Optional[str] = ..., account_id: _Optional[str] = ..., amount_minor: _Optional[int] = ..., currency: _Optional[str] = ...) -> None: ...

class RepayResponse(_message.Message):
    __slots__ = ("repayment_id", "repaid_minor", "posted_balance_minor", "overdue_minor", "available_credit_minor", "status")
    REPAYMENT_ID_FIELD_NUMBER: _ClassVar[int]
    REPAID_MINOR_FIELD_NUMBER: _ClassVar[int]
    POSTED_BALANCE_MINOR_FIELD_NUMBER: _ClassVar[int]
    OVERDUE_MINOR_FIELD_NUMBER: _ClassVar[int]
    AVAILABLE_CREDIT_MINOR_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    repayment_id: str
    repaid_minor: int
    posted_balance_minor: int
    overdue_minor: int
    available_credit_minor: int
    status: _common_pb2.AccountStatus
    def __init__(self, repayment_id: _Optional[str] = ..., repaid_minor: _Optional[int] = ..., posted_balance_minor: _Optional[int] = ..., overdue_minor: _Optional[int] = ..., available_credit_minor: _Optional[int] = ..., status: _Optional[_Union[_common_pb2.AccountStatus, str]] = ...) -> None: ...
