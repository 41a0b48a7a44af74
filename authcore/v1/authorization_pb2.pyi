import datetime

from authcore.v1 import common_pb2 as _common_pb2
from authcore.v1 import installment_pb2 as _installment_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.rpc import status_pb2 as _status_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class StandInCause(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    STAND_IN_CAUSE_UNSPECIFIED: _ClassVar[StandInCause]
    STAND_IN_CAUSE_MODEL_FAILED: _ClassVar[StandInCause]
    STAND_IN_CAUSE_DEADLINE: _ClassVar[StandInCause]
STAND_IN_CAUSE_UNSPECIFIED: StandInCause
STAND_IN_CAUSE_MODEL_FAILED: StandInCause
STAND_IN_CAUSE_DEADLINE: StandInCause

class Merchant(_message.Message):
    __slots__ = ("merchant_id", "mcc", "country")
    MERCHANT_ID_FIELD_NUMBER: _ClassVar[int]
    MCC_FIELD_NUMBER: _ClassVar[int]
    COUNTRY_FIELD_NUMBER: _ClassVar[int]
    merchant_id: str
    mcc: str
    country: str
    def __init__(self, merchant_id: _Optional[str] = ..., mcc: _Optional[str] = ..., country: _Optional[str] = ...) -> None: ...

class Verification(_message.Message):
    __slots__ = ("factors",)
    FACTORS_FIELD_NUMBER: _ClassVar[int]
    factors: _containers.RepeatedScalarFieldContainer[_common_pb2.VerificationFactor]
    def __init__(self, factors: _Optional[_Iterable[_Union[_common_pb2.VerificationFactor, str]]] = ...) -> None: ...

class Device(_message.Message):
    __slots__ = ("device_id", "ip", "latitude", "longitude")
    DEVICE_ID_FIELD_NUMBER: _ClassVar[int]
    IP_FIELD_NUMBER: _ClassVar[int]
    LATITUDE_FIELD_NUMBER: _ClassVar[int]
    LONGITUDE_FIELD_NUMBER: _ClassVar[int]
    device_id: str
    ip: str
    latitude: float
    longitude: float
    def __init__(self, device_id: _Optional[str] = ..., ip: _Optional[str] = ..., latitude: _Optional[float] = ..., longitude: _Optional[float] = ...) -> None: ...

class AuthorizeRequest(_message.Message):
    __slots__ = ("request_id", "account_id", "channel", "amount_minor", "currency", "merchant", "qr_code_type", "verification", "device", "occurred_at", "installment_term_months")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    CHANNEL_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_MINOR_FIELD_NUMBER: _ClassVar[int]
    CURRENCY_FIELD_NUMBER: _ClassVar[int]
    MERCHANT_FIELD_NUMBER: _ClassVar[int]
    QR_CODE_TYPE_FIELD_NUMBER: _ClassVar[int]
    VERIFICATION_FIELD_NUMBER: _ClassVar[int]
    DEVICE_FIELD_NUMBER: _ClassVar[int]
    OCCURRED_AT_FIELD_NUMBER: _ClassVar[int]
    INSTALLMENT_TERM_MONTHS_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    account_id: str
    channel: _common_pb2.Channel
    amount_minor: int
    currency: str
    merchant: Merchant
    qr_code_type: _common_pb2.QrCodeType
    verification: Verification
    device: Device
    occurred_at: _timestamp_pb2.Timestamp
    installment_term_months: int
    def __init__(self, request_id: _Optional[str] = ..., account_id: _Optional[str] = ..., channel: _Optional[_Union[_common_pb2.Channel, str]] = ..., amount_minor: _Optional[int] = ..., currency: _Optional[str] = ..., merchant: _Optional[_Union[Merchant, _Mapping]] = ..., qr_code_type: _Optional[_Union[_common_pb2.QrCodeType, str]] = ..., verification: _Optional[_Union[Verification, _Mapping]] = ..., device: _Optional[_Union[Device, _Mapping]] = ..., occurred_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., installment_term_months: _Optional[int] = ...) -> None: ...

class AuthorizeResponse(_message.Message):
    __slots__ = ("decision", "authorization_id", "reason", "reasons", "available_credit_minor", "policy_version", "max_approvable_minor", "hold_expires_at", "risk", "installment", "stand_in")
    DECISION_FIELD_NUMBER: _ClassVar[int]
    AUTHORIZATION_ID_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    REASONS_FIELD_NUMBER: _ClassVar[int]
    AVAILABLE_CREDIT_MINOR_FIELD_NUMBER: _ClassVar[int]
    POLICY_VERSION_FIELD_NUMBER: _ClassVar[int]
    MAX_APPROVABLE_MINOR_FIELD_NUMBER: _ClassVar[int]
    HOLD_EXPIRES_AT_FIELD_NUMBER: _ClassVar[int]
    RISK_FIELD_NUMBER: _ClassVar[int]
    INSTALLMENT_FIELD_NUMBER: _ClassVar[int]
    STAND_IN_FIELD_NUMBER: _ClassVar[int]
    decision: _common_pb2.Decision
    authorization_id: str
    reason: _common_pb2.Reason
    reasons: _containers.RepeatedCompositeFieldContainer[_common_pb2.ReasonDetail]
    available_credit_minor: int
    policy_version: str
    max_approvable_minor: int
    hold_expires_at: _timestamp_pb2.Timestamp
    risk: RiskAssessment
    installment: _installment_pb2.InstallmentQuote
    stand_in: StandInCause
    def __init__(self, decision: _Optional[_Union[_common_pb2.Decision, str]] = ..., authorization_id: _Optional[str] = ..., reason: _Optional[_Union[_common_pb2.Reason, str]] = ..., reasons: _Optional[_Iterable[_Union[_common_pb2.ReasonDetail, _Mapping]]] = ..., available_credit_minor: _Optional[int] = ..., policy_version: _Optional[str] = ..., max_approvable_minor: _Optional[int] = ..., hold_expires_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., risk: _Optional[_Union[RiskAssessment, _Mapping]] = ..., installment: _Optional[_Union[_installment_pb2.InstallmentQuote, _Mapping]] = ..., stand_in: _Optional[_Union[StandInCause, str]] = ...) -> None: ...

class RiskAssessment(_message.Message):
    __slots__ = ("score", "model_version", "feature_schema", "rules_fired", "top_features")
    SCORE_FIELD_NUMBER: _ClassVar[int]
    MODEL_VERSION_FIELD_NUMBER: _ClassVar[int]
    FEATURE_SCHEMA_FIELD_NUMBER: _ClassVar[int]
    RULES_FIRED_FIELD_NUMBER: _ClassVar[int]
    TOP_FEATURES_FIELD_NUMBER: _ClassVar[int]
    score: float
    model_version: str
    feature_schema: str
    rules_fired: _containers.RepeatedScalarFieldContainer[str]
    top_features: _containers.RepeatedCompositeFieldContainer[FeatureContribution]
    def __init__(self, score: _Optional[float] = ..., model_version: _Optional[str] = ..., feature_schema: _Optional[str] = ..., rules_fired: _Optional[_Iterable[str]] = ..., top_features: _Optional[_Iterable[_Union[FeatureContribution, _Mapping]]] = ...) -> None: ...

class FeatureContribution(_message.Message):
    __slots__ = ("feature", "value", "contribution")
    FEATURE_FIELD_NUMBER: _ClassVar[int]
    VALUE_FIELD_NUMBER: _ClassVar[int]
    CONTRIBUTION_FIELD_NUMBER: _ClassVar[int]
    feature: str
    value: float
    contribution: float
    def __init__(self, feature: _Optional[str] = ..., value: _Optional[float] = ..., contribution: _Optional[float] = ...) -> None: ...

class AuthorizeBatchRequest(_message.Message):
    __slots__ = ("requests",)
    REQUESTS_FIELD_NUMBER: _ClassVar[int]
    requests: _containers.RepeatedCompositeFieldContainer[AuthorizeRequest]
    def __init__(self, requests: _Optional[_Iterable[_Union[AuthorizeRequest, _Mapping]]] = ...) -> None: ...

class AuthorizeBatchResponse(_message.Message):
    __slots__ = ("results",)
    RESULTS_FIELD_NUMBER: _ClassVar[int]
    results: _containers.RepeatedCompositeFieldContainer[AuthorizeBatchResult]
    def __init__(self, results: _Optional[_Iterable[_Union[AuthorizeBatchResult, _Mapping]]] = ...) -> None: ...

class AuthorizeBatchResult(_message.Message):
    __slots__ = ("response", "error")
    RESPONSE_FIELD_NUMBER: _ClassVar[int]
    ERROR_FIELD_NUMBER: _ClassVar[int]
    response: AuthorizeResponse
    error: _status_pb2.Status
    def __init__(self, response: _Optional[_Union[AuthorizeResponse, _Mapping]] = ..., error: _Optional[_Union[_status_pb2.Status, _Mapping]] = ...) -> None: ...

class AuthorizeBulkRequest(_message.Message):
    __slots__ = ("request_id", "account_ids", "amounts_minor", "currency", "channels", "qr_code_types", "verification_factor_bits", "merchant_ids", "mccs", "merchant_countries", "device_ids", "ips", "latitudes", "longitudes")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    ACCOUNT_IDS_FIELD_NUMBER: _ClassVar[int]
    AMOUNTS_MINOR_FIELD_NUMBER: _ClassVar[int]
    CURRENCY_FIELD_NUMBER: _ClassVar[int]
    CHANNELS_FIELD_NUMBER: _ClassVar[int]
    QR_CODE_TYPES_FIELD_NUMBER: _ClassVar[int]
    VERIFICATION_FACTOR_BITS_FIELD_NUMBER: _ClassVar[int]
    MERCHANT_IDS_FIELD_NUMBER: _ClassVar[int]
    MCCS_FIELD_NUMBER: _ClassVar[int]
    MERCHANT_COUNTRIES_FIELD_NUMBER: _ClassVar[int]
    DEVICE_IDS_FIELD_NUMBER: _ClassVar[int]
    IPS_FIELD_NUMBER: _ClassVar[int]
    LATITUDES_FIELD_NUMBER: _ClassVar[int]
    LONGITUDES_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    account_ids: _containers.RepeatedScalarFieldContainer[str]
    amounts_minor: _containers.RepeatedScalarFieldContainer[int]
    currency: str
    channels: _containers.RepeatedScalarFieldContainer[_common_pb2.Channel]
    qr_code_types: _containers.RepeatedScalarFieldContainer[_common_pb2.QrCodeType]
    verification_factor_bits: _containers.RepeatedScalarFieldContainer[int]
    merchant_ids: _containers.RepeatedScalarFieldContainer[str]
    mccs: _containers.RepeatedScalarFieldContainer[str]
    merchant_countries: _containers.RepeatedScalarFieldContainer[str]
    device_ids: _containers.RepeatedScalarFieldContainer[str]
    ips: _containers.RepeatedScalarFieldContainer[str]
    latitudes: _containers.RepeatedScalarFieldContainer[float]
    longitudes: _containers.RepeatedScalarFieldContainer[float]
    def __init__(self, request_id: _Optional[str] = ..., account_ids: _Optional[_Iterable[str]] = ..., amounts_minor: _Optional[_Iterable[int]] = ..., currency: _Optional[str] = ..., channels: _Optional[_Iterable[_Union[_common_pb2.Channel, str]]] = ..., qr_code_types: _Optional[_Iterable[_Union[_common_pb2.QrCodeType, str]]] = ..., verification_factor_bits: _Optional[_Iterable[int]] = ..., merchant_ids: _Optional[_Iterable[str]] = ..., mccs: _Optional[_Iterable[str]] = ..., merchant_countries: _Optional[_Iterable[str]] = ..., device_ids: _Optional[_Iterable[str]] = ..., ips: _Optional[_Iterable[str]] = ..., latitudes: _Optional[_Iterable[float]] = ..., longitudes: _Optional[_Iterable[float]] = ...) -> None: ...

class AuthorizeBulkResponse(_message.Message):
    __slots__ = ("request_id", "decisions", "reasons", "authorization_ids", "available_credit_minor", "max_approvable_minor", "risk_scores", "installment_terms", "errors", "hold_expires_at", "policy_version", "model_version", "stand_in")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    DECISIONS_FIELD_NUMBER: _ClassVar[int]
    REASONS_FIELD_NUMBER: _ClassVar[int]
    AUTHORIZATION_IDS_FIELD_NUMBER: _ClassVar[int]
    AVAILABLE_CREDIT_MINOR_FIELD_NUMBER: _ClassVar[int]
    MAX_APPROVABLE_MINOR_FIELD_NUMBER: _ClassVar[int]
    RISK_SCORES_FIELD_NUMBER: _ClassVar[int]
    INSTALLMENT_TERMS_FIELD_NUMBER: _ClassVar[int]
    ERRORS_FIELD_NUMBER: _ClassVar[int]
    HOLD_EXPIRES_AT_FIELD_NUMBER: _ClassVar[int]
    POLICY_VERSION_FIELD_NUMBER: _ClassVar[int]
    MODEL_VERSION_FIELD_NUMBER: _ClassVar[int]
    STAND_IN_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    decisions: _containers.RepeatedScalarFieldContainer[_common_pb2.Decision]
    reasons: _containers.RepeatedScalarFieldContainer[_common_pb2.Reason]
    authorization_ids: _containers.RepeatedScalarFieldContainer[str]
    available_credit_minor: _containers.RepeatedScalarFieldContainer[int]
    max_approvable_minor: _containers.RepeatedScalarFieldContainer[int]
    risk_scores: _containers.RepeatedScalarFieldContainer[float]
    installment_terms: _containers.RepeatedScalarFieldContainer[int]
    errors: _containers.RepeatedCompositeFieldContainer[BulkItemError]
    hold_expires_at: _timestamp_pb2.Timestamp
    policy_version: str
    model_version: str
    stand_in: _containers.RepeatedScalarFieldContainer[StandInCause]
    def __init__(self, request_id: _Optional[str] = ..., decisions: _Optional[_Iterable[_Union[_common_pb2.Decision, str]]] = ..., reasons: _Optional[_Iterable[_Union[_common_pb2.Reason, str]]] = ..., authorization_ids: _Optional[_Iterable[str]] = ..., available_credit_minor: _Optional[_Iterable[int]] = ..., max_approvable_minor: _Optional[_Iterable[int]] = ..., risk_scores: _Optional[_Iterable[float]] = ..., installment_terms: _Optional[_Iterable[int]] = ..., errors: _Optional[_Iterable[_Union[BulkItemError, _Mapping]]] = ..., hold_expires_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., policy_version: _Optional[str] = ..., model_version: _Optional[str] = ..., stand_in: _Optional[_Iterable[_Union[StandInCause, str]]] = ...) -> None: ...

class AuthorizeStreamRequest(_message.Message):
    __slots__ = ("chunk",)
    CHUNK_FIELD_NUMBER: _ClassVar[int]
    chunk: AuthorizeBulkRequest
    def __init__(self, chunk: _Optional[_Union[AuthorizeBulkRequest, _Mapping]] = ...) -> None: ...

class AuthorizeStreamResponse(_message.Message):
    __slots__ = ("chunk",)
    CHUNK_FIELD_NUMBER: _ClassVar[int]
    chunk: AuthorizeBulkResponse
    def __init__(self, chunk: _Optional[_Union[AuthorizeBulkResponse, _Mapping]] = ...) -> None: ...

class BulkItemError(_message.Message):
    __slots__ = ("index", "status")
    INDEX_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    index: int
    status: _status_pb2.Status
    def __init__(self, index: _Optional[int] = ..., status: _Optional[_Union[_status_pb2.Status, _Mapping]] = ...) -> None: ...

class CaptureRequest(_message.Message):
    __slots__ = ("request_id", "authorization_id", "amount_minor", "currency")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    AUTHORIZATION_ID_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_MINOR_FIELD_NUMBER: _ClassVar[int]
    CURRENCY_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    authorization_id: str
    amount_minor: int
    currency: str
    def __init__(self, request_id: _Optional[str] = ..., authorization_id: _Optional[str] = ..., amount_minor: _Optional[int] = ..., currency: _Optional[str] = ...) -> None: ...

class CaptureResponse(_message.Message):
    __slots__ = ("authorization_id", "captured_minor", "released_minor", "available_credit_minor")
    AUTHORIZATION_ID_FIELD_NUMBER: _ClassVar[int]
    CAPTURED_MINOR_FIELD_NUMBER: _ClassVar[int]
    RELEASED_MINOR_FIELD_NUMBER: _ClassVar[int]
    AVAILABLE_CREDIT_MINOR_FIELD_NUMBER: _ClassVar[int]
    authorization_id: str
    captured_minor: int
    released_minor: int
    available_credit_minor: int
    def __init__(self, authorization_id: _Optional[str] = ..., captured_minor: _Optional[int] = ..., released_minor: _Optional[int] = ..., available_credit_minor: _Optional[int] = ...) -> None: ...

class VoidRequest(_message.Message):
    __slots__ = ("request_id", "authorization_id")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    AUTHORIZATION_ID_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    authorization_id: str
    def __init__(self, request_id: _Optional[str] = ..., authorization_id: _Optional[str] = ...) -> None: ...

class VoidResponse(_message.Message):
    __slots__ = ("authorization_id", "released_minor", "available_credit_minor")
    AUTHORIZATION_ID_FIELD_NUMBER: _ClassVar[int]
    RELEASED_MINOR_FIELD_NUMBER: _ClassVar[int]
    AVAILABLE_CREDIT_MINOR_FIELD_NUMBER: _ClassVar[int]
    authorization_id: str
    released_minor: int
    available_credit_minor: int
    def __init__(self, authorization_id: _Optional[str] = ..., released_minor: _Optional[int] = ..., available_credit_minor: _Optional[int] = ...) -> None: ...

class RefundRequest(_message.Message):
    __slots__ = ("request_id", "authorization_id", "amount_minor", "currency")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    AUTHORIZATION_ID_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_MINOR_FIELD_NUMBER: _ClassVar[int]
    CURRENCY_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    authorization_id: str
    amount_minor: int
    currency: str
    def __init__(self, request_id: _Optional[str] = ..., authorization_id: _Optional[str] = ..., amount_minor: _Optional[int] = ..., currency: _Optional[str] = ...) -> None: ...

class RefundResponse(_message.Message):
    __slots__ = ("authorization_id", "refund_id", "refunded_minor", "refunded_total_minor", "available_credit_minor")
    AUTHORIZATION_ID_FIELD_NUMBER: _ClassVar[int]
    REFUND_ID_FIELD_NUMBER: _ClassVar[int]
    REFUNDED_MINOR_FIELD_NUMBER: _ClassVar[int]
    REFUNDED_TOTAL_MINOR_FIELD_NUMBER: _ClassVar[int]
    AVAILABLE_CREDIT_MINOR_FIELD_NUMBER: _ClassVar[int]
    authorization_id: str
    refund_id: str
    refunded_minor: int
    refunded_total_minor: int
    available_credit_minor: int
    def __init__(self, authorization_id: _Optional[str] = ..., refund_id: _Optional[str] = ..., refunded_minor: _Optional[int] = ..., refunded_total_minor: _Optional[int] = ..., available_credit_minor: _Optional[int] = ...) -> None: ...
