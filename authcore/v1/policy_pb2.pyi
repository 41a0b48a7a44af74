from authcore.v1 import common_pb2 as _common_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class Policy(_message.Message):
    __slots__ = ("version", "hold_ttl_seconds", "tiers", "risk", "installments")
    VERSION_FIELD_NUMBER: _ClassVar[int]
    HOLD_TTL_SECONDS_FIELD_NUMBER: _ClassVar[int]
    TIERS_FIELD_NUMBER: _ClassVar[int]
    RISK_FIELD_NUMBER: _ClassVar[int]
    INSTALLMENTS_FIELD_NUMBER: _ClassVar[int]
    version: str
    hold_ttl_seconds: int
    tiers: _containers.RepeatedCompositeFieldContainer[TierPolicy]
    risk: RiskPolicy
    installments: InstallmentPolicy
    def __init__(self, version: _Optional[str] = ..., hold_ttl_seconds: _Optional[int] = ..., tiers: _Optional[_Iterable[_Union[TierPolicy, _Mapping]]] = ..., risk: _Optional[_Union[RiskPolicy, _Mapping]] = ..., installments: _Optional[_Union[InstallmentPolicy, _Mapping]] = ...) -> None: ...

class InstallmentPolicy(_message.Message):
    __slots__ = ("plans", "excluded_mccs", "channels", "auto_min_threshold_minor")
    PLANS_FIELD_NUMBER: _ClassVar[int]
    EXCLUDED_MCCS_FIELD_NUMBER: _ClassVar[int]
    CHANNELS_FIELD_NUMBER: _ClassVar[int]
    AUTO_MIN_THRESHOLD_MINOR_FIELD_NUMBER: _ClassVar[int]
    plans: _containers.RepeatedCompositeFieldContainer[InstallmentPlanPolicy]
    excluded_mccs: _containers.RepeatedScalarFieldContainer[str]
    channels: _containers.RepeatedScalarFieldContainer[_common_pb2.Channel]
    auto_min_threshold_minor: int
    def __init__(self, plans: _Optional[_Iterable[_Union[InstallmentPlanPolicy, _Mapping]]] = ..., excluded_mccs: _Optional[_Iterable[str]] = ..., channels: _Optional[_Iterable[_Union[_common_pb2.Channel, str]]] = ..., auto_min_threshold_minor: _Optional[int] = ...) -> None: ...

class InstallmentPlanPolicy(_message.Message):
    __slots__ = ("term_months", "monthly_rate_bps", "min_amount_minor", "tiers", "min_credit_score", "max_period_payment_minor")
    TERM_MONTHS_FIELD_NUMBER: _ClassVar[int]
    MONTHLY_RATE_BPS_FIELD_NUMBER: _ClassVar[int]
    MIN_AMOUNT_MINOR_FIELD_NUMBER: _ClassVar[int]
    TIERS_FIELD_NUMBER: _ClassVar[int]
    MIN_CREDIT_SCORE_FIELD_NUMBER: _ClassVar[int]
    MAX_PERIOD_PAYMENT_MINOR_FIELD_NUMBER: _ClassVar[int]
    term_months: int
    monthly_rate_bps: int
    min_amount_minor: int
    tiers: _containers.RepeatedScalarFieldContainer[_common_pb2.Tier]
    min_credit_score: float
    max_period_payment_minor: int
    def __init__(self, term_months: _Optional[int] = ..., monthly_rate_bps: _Optional[int] = ..., min_amount_minor: _Optional[int] = ..., tiers: _Optional[_Iterable[_Union[_common_pb2.Tier, str]]] = ..., min_credit_score: _Optional[float] = ..., max_period_payment_minor: _Optional[int] = ...) -> None: ...

class RiskPolicy(_message.Message):
    __slots__ = ("challenge_score", "decline_score", "max_payments_per_minute", "max_payments_per_hour", "max_travel_speed_kmh", "min_travel_distance_km", "new_device_challenge_minor", "blocked_mccs", "blocked_countries", "mcc_risk", "home_country", "stand_in_max_minor", "stand_in_budget_ms")
    class MccRiskEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: float
        def __init__(self, key: _Optional[str] = ..., value: _Optional[float] = ...) -> None: ...
    CHALLENGE_SCORE_FIELD_NUMBER: _ClassVar[int]
    DECLINE_SCORE_FIELD_NUMBER: _ClassVar[int]
    MAX_PAYMENTS_PER_MINUTE_FIELD_NUMBER: _ClassVar[int]
    MAX_PAYMENTS_PER_HOUR_FIELD_NUMBER: _ClassVar[int]
    MAX_TRAVEL_SPEED_KMH_FIELD_NUMBER: _ClassVar[int]
    MIN_TRAVEL_DISTANCE_KM_FIELD_NUMBER: _ClassVar[int]
    NEW_DEVICE_CHALLENGE_MINOR_FIELD_NUMBER: _ClassVar[int]
    BLOCKED_MCCS_FIELD_NUMBER: _ClassVar[int]
    BLOCKED_COUNTRIES_FIELD_NUMBER: _ClassVar[int]
    MCC_RISK_FIELD_NUMBER: _ClassVar[int]
    HOME_COUNTRY_FIELD_NUMBER: _ClassVar[int]
    STAND_IN_MAX_MINOR_FIELD_NUMBER: _ClassVar[int]
    STAND_IN_BUDGET_MS_FIELD_NUMBER: _ClassVar[int]
    challenge_score: float
    decline_score: float
    max_payments_per_minute: int
    max_payments_per_hour: int
    max_travel_speed_kmh: float
    min_travel_distance_km: float
    new_device_challenge_minor: int
    blocked_mccs: _containers.RepeatedScalarFieldContainer[str]
    blocked_countries: _containers.RepeatedScalarFieldContainer[str]
    mcc_risk: _containers.ScalarMap[str, float]
    home_country: str
    stand_in_max_minor: int
    stand_in_budget_ms: int
    def __init__(self, challenge_score: _Optional[float] = ..., decline_score: _Optional[float] = ..., max_payments_per_minute: _Optional[int] = ..., max_payments_per_hour: _Optional[int] = ..., max_travel_speed_kmh: _Optional[float] = ..., min_travel_distance_km: _Optional[float] = ..., new_device_challenge_minor: _Optional[int] = ..., blocked_mccs: _Optional[_Iterable[str]] = ..., blocked_countries: _Optional[_Iterable[str]] = ..., mcc_risk: _Optional[_Mapping[str, float]] = ..., home_country: _Optional[str] = ..., stand_in_max_minor: _Optional[int] = ..., stand_in_budget_ms: _Optional[int] = ...) -> None: ...

class TierPolicy(_message.Message):
    __slots__ = ("tier", "limits")
    TIER_FIELD_NUMBER: _ClassVar[int]
    LIMITS_FIELD_NUMBER: _ClassVar[int]
    tier: _common_pb2.Tier
    limits: _common_pb2.LimitProfile
    def __init__(self, tier: _Optional[_Union[_common_pb2.Tier, str]] = ..., limits: _Optional[_Union[_common_pb2.LimitProfile, _Mapping]] = ...) -> None: ...
