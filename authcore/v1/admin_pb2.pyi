import datetime

from authcore.v1 import account_pb2 as _account_pb2
from authcore.v1 import common_pb2 as _common_pb2
from authcore.v1 import credit_pb2 as _credit_pb2
from authcore.v1 import policy_pb2 as _policy_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class VersionKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    VERSION_KIND_UNSPECIFIED: _ClassVar[VersionKind]
    VERSION_KIND_POLICY: _ClassVar[VersionKind]
    VERSION_KIND_RISK_MODEL: _ClassVar[VersionKind]
    VERSION_KIND_SCORECARD: _ClassVar[VersionKind]
VERSION_KIND_UNSPECIFIED: VersionKind
VERSION_KIND_POLICY: VersionKind
VERSION_KIND_RISK_MODEL: VersionKind
VERSION_KIND_SCORECARD: VersionKind

class SetShadowRequest(_message.Message):
    __slots__ = ("policy", "policy_version", "model", "model_version")
    POLICY_FIELD_NUMBER: _ClassVar[int]
    POLICY_VERSION_FIELD_NUMBER: _ClassVar[int]
    MODEL_FIELD_NUMBER: _ClassVar[int]
    MODEL_VERSION_FIELD_NUMBER: _ClassVar[int]
    policy: _policy_pb2.Policy
    policy_version: str
    model: ShadowModel
    model_version: str
    def __init__(self, policy: _Optional[_Union[_policy_pb2.Policy, _Mapping]] = ..., policy_version: _Optional[str] = ..., model: _Optional[_Union[ShadowModel, _Mapping]] = ..., model_version: _Optional[str] = ...) -> None: ...

class ShadowModel(_message.Message):
    __slots__ = ("model", "version")
    MODEL_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    model: bytes
    version: str
    def __init__(self, model: _Optional[bytes] = ..., version: _Optional[str] = ...) -> None: ...

class SetShadowResponse(_message.Message):
    __slots__ = ("report",)
    REPORT_FIELD_NUMBER: _ClassVar[int]
    report: ShadowReport
    def __init__(self, report: _Optional[_Union[ShadowReport, _Mapping]] = ...) -> None: ...

class ClearShadowRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ClearShadowResponse(_message.Message):
    __slots__ = ("report",)
    REPORT_FIELD_NUMBER: _ClassVar[int]
    report: ShadowReport
    def __init__(self, report: _Optional[_Union[ShadowReport, _Mapping]] = ...) -> None: ...

class GetShadowReportRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class GetShadowReportResponse(_message.Message):
    __slots__ = ("report",)
    REPORT_FIELD_NUMBER: _ClassVar[int]
    report: ShadowReport
    def __init__(self, report: _Optional[_Union[ShadowReport, _Mapping]] = ...) -> None: ...

class ShadowReport(_message.Message):
    __slots__ = ("active", "policy_version", "model_version", "since", "decisions", "agreements", "counts", "disagreements")
    ACTIVE_FIELD_NUMBER: _ClassVar[int]
    POLICY_VERSION_FIELD_NUMBER: _ClassVar[int]
    MODEL_VERSION_FIELD_NUMBER: _ClassVar[int]
    SINCE_FIELD_NUMBER: _ClassVar[int]
    DECISIONS_FIELD_NUMBER: _ClassVar[int]
    AGREEMENTS_FIELD_NUMBER: _ClassVar[int]
    COUNTS_FIELD_NUMBER: _ClassVar[int]
    DISAGREEMENTS_FIELD_NUMBER: _ClassVar[int]
    active: bool
    policy_version: str
    model_version: str
    since: _timestamp_pb2.Timestamp
    decisions: int
    agreements: int
    counts: _containers.RepeatedCompositeFieldContainer[ShadowCount]
    disagreements: _containers.RepeatedCompositeFieldContainer[ShadowDisagreement]
    def __init__(self, active: _Optional[bool] = ..., policy_version: _Optional[str] = ..., model_version: _Optional[str] = ..., since: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., decisions: _Optional[int] = ..., agreements: _Optional[int] = ..., counts: _Optional[_Iterable[_Union[ShadowCount, _Mapping]]] = ..., disagreements: _Optional[_Iterable[_Union[ShadowDisagreement, _Mapping]]] = ...) -> None: ...

class ShadowCount(_message.Message):
    __slots__ = ("active", "shadow", "count")
    ACTIVE_FIELD_NUMBER: _ClassVar[int]
    SHADOW_FIELD_NUMBER: _ClassVar[int]
    COUNT_FIELD_NUMBER: _ClassVar[int]
    active: _common_pb2.Decision
    shadow: _common_pb2.Decision
    count: int
    def __init__(self, active: _Optional[_Union[_common_pb2.Decision, str]] = ..., shadow: _Optional[_Union[_common_pb2.Decision, str]] = ..., count: _Optional[int] = ...) -> None: ...

class ShadowDisagreement(_message.Message):
    __slots__ = ("request_id", "item", "account_id", "amount_minor", "decided_at", "active", "shadow")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    ITEM_FIELD_NUMBER: _ClassVar[int]
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_MINOR_FIELD_NUMBER: _ClassVar[int]
    DECIDED_AT_FIELD_NUMBER: _ClassVar[int]
    ACTIVE_FIELD_NUMBER: _ClassVar[int]
    SHADOW_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    item: int
    account_id: str
    amount_minor: int
    decided_at: _timestamp_pb2.Timestamp
    active: ShadowOutcome
    shadow: ShadowOutcome
    def __init__(self, request_id: _Optional[str] = ..., item: _Optional[int] = ..., account_id: _Optional[str] = ..., amount_minor: _Optional[int] = ..., decided_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., active: _Optional[_Union[ShadowOutcome, _Mapping]] = ..., shadow: _Optional[_Union[ShadowOutcome, _Mapping]] = ...) -> None: ...

class ShadowOutcome(_message.Message):
    __slots__ = ("decision", "reasons", "score", "max_approvable_minor")
    DECISION_FIELD_NUMBER: _ClassVar[int]
    REASONS_FIELD_NUMBER: _ClassVar[int]
    SCORE_FIELD_NUMBER: _ClassVar[int]
    MAX_APPROVABLE_MINOR_FIELD_NUMBER: _ClassVar[int]
    decision: _common_pb2.Decision
    reasons: _containers.RepeatedScalarFieldContainer[_common_pb2.Reason]
    score: float
    max_approvable_minor: int
    def __init__(self, decision: _Optional[_Union[_common_pb2.Decision, str]] = ..., reasons: _Optional[_Iterable[_Union[_common_pb2.Reason, str]]] = ..., score: _Optional[float] = ..., max_approvable_minor: _Optional[int] = ...) -> None: ...

class StoredVersion(_message.Message):
    __slots__ = ("kind", "version", "first_activated_at", "activated_at", "active", "content_digest", "content_bytes")
    KIND_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    FIRST_ACTIVATED_AT_FIELD_NUMBER: _ClassVar[int]
    ACTIVATED_AT_FIELD_NUMBER: _ClassVar[int]
    ACTIVE_FIELD_NUMBER: _ClassVar[int]
    CONTENT_DIGEST_FIELD_NUMBER: _ClassVar[int]
    CONTENT_BYTES_FIELD_NUMBER: _ClassVar[int]
    kind: VersionKind
    version: str
    first_activated_at: _timestamp_pb2.Timestamp
    activated_at: _timestamp_pb2.Timestamp
    active: bool
    content_digest: str
    content_bytes: int
    def __init__(self, kind: _Optional[_Union[VersionKind, str]] = ..., version: _Optional[str] = ..., first_activated_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., activated_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., active: _Optional[bool] = ..., content_digest: _Optional[str] = ..., content_bytes: _Optional[int] = ...) -> None: ...

class ListVersionsRequest(_message.Message):
    __slots__ = ("kind", "page_size", "page_token")
    KIND_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    kind: VersionKind
    page_size: int
    page_token: str
    def __init__(self, kind: _Optional[_Union[VersionKind, str]] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListVersionsResponse(_message.Message):
    __slots__ = ("versions", "next_page_token")
    VERSIONS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    versions: _containers.RepeatedCompositeFieldContainer[StoredVersion]
    next_page_token: str
    def __init__(self, versions: _Optional[_Iterable[_Union[StoredVersion, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class GetVersionRequest(_message.Message):
    __slots__ = ("kind", "version")
    KIND_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    kind: VersionKind
    version: str
    def __init__(self, kind: _Optional[_Union[VersionKind, str]] = ..., version: _Optional[str] = ...) -> None: ...

class GetVersionResponse(_message.Message):
    __slots__ = ("version", "policy", "risk_model", "scorecard")
    VERSION_FIELD_NUMBER: _ClassVar[int]
    POLICY_FIELD_NUMBER: _ClassVar[int]
    RISK_MODEL_FIELD_NUMBER: _ClassVar[int]
    SCORECARD_FIELD_NUMBER: _ClassVar[int]
    version: StoredVersion
    policy: _policy_pb2.Policy
    risk_model: bytes
    scorecard: _credit_pb2.Scorecard
    def __init__(self, version: _Optional[_Union[StoredVersion, _Mapping]] = ..., policy: _Optional[_Union[_policy_pb2.Policy, _Mapping]] = ..., risk_model: _Optional[bytes] = ..., scorecard: _Optional[_Union[_credit_pb2.Scorecard, _Mapping]] = ...) -> None: ...

class ActivateVersionRequest(_message.Message):
    __slots__ = ("request_id", "kind", "version")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    kind: VersionKind
    version: str
    def __init__(self, request_id: _Optional[str] = ..., kind: _Optional[_Union[VersionKind, str]] = ..., version: _Optional[str] = ...) -> None: ...

class ActivateVersionResponse(_message.Message):
    __slots__ = ("version",)
    VERSION_FIELD_NUMBER: _ClassVar[int]
    version: StoredVersion
    def __init__(self, version: _Optional[_Union[StoredVersion, _Mapping]] = ...) -> None: ...

class SetScorecardRequest(_message.Message):
    __slots__ = ("request_id", "scorecard")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    SCORECARD_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    scorecard: _credit_pb2.Scorecard
    def __init__(self, request_id: _Optional[str] = ..., scorecard: _Optional[_Union[_credit_pb2.Scorecard, _Mapping]] = ...) -> None: ...

class SetScorecardResponse(_message.Message):
    __slots__ = ("scorecard",)
    SCORECARD_FIELD_NUMBER: _ClassVar[int]
    scorecard: _credit_pb2.Scorecard
    def __init__(self, scorecard: _Optional[_Union[_credit_pb2.Scorecard, _Mapping]] = ...) -> None: ...

class GetScorecardRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class GetScorecardResponse(_message.Message):
    __slots__ = ("scorecard",)
    SCORECARD_FIELD_NUMBER: _ClassVar[int]
    scorecard: _credit_pb2.Scorecard
    def __init__(self, scorecard: _Optional[_Union[_credit_pb2.Scorecard, _Mapping]] = ...) -> None: ...

class SetRiskModelRequest(_message.Message):
    __slots__ = ("request_id", "model", "version")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    MODEL_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    model: bytes
    version: str
    def __init__(self, request_id: _Optional[str] = ..., model: _Optional[bytes] = ..., version: _Optional[str] = ...) -> None: ...

class SetRiskModelResponse(_message.Message):
    __slots__ = ("model",)
    MODEL_FIELD_NUMBER: _ClassVar[int]
    model: RiskModelInfo
    def __init__(self, model: _Optional[_Union[RiskModelInfo, _Mapping]] = ...) -> None: ...

class GetRiskModelRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class GetRiskModelResponse(_message.Message):
    __slots__ = ("model",)
    MODEL_FIELD_NUMBER: _ClassVar[int]
    model: RiskModelInfo
    def __init__(self, model: _Optional[_Union[RiskModelInfo, _Mapping]] = ...) -> None: ...

class RiskModelInfo(_message.Message):
    __slots__ = ("version", "feature_schema", "kind", "trees", "features")
    VERSION_FIELD_NUMBER: _ClassVar[int]
    FEATURE_SCHEMA_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    TREES_FIELD_NUMBER: _ClassVar[int]
    FEATURES_FIELD_NUMBER: _ClassVar[int]
    version: str
    feature_schema: str
    kind: str
    trees: int
    features: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, version: _Optional[str] = ..., feature_schema: _Optional[str] = ..., kind: _Optional[str] = ..., trees: _Optional[int] = ..., features: _Optional[_Iterable[str]] = ...) -> None: ...

class UpsertAccountRequest(_message.Message):
    __slots__ = ("request_id", "account_id", "credit_limit_minor", "status", "tier", "limit_overrides", "overdue_minor", "currency", "time_zone", "credit_score")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    CREDIT_LIMIT_MINOR_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    TIER_FIELD_NUMBER: _ClassVar[int]
    LIMIT_OVERRIDES_FIELD_NUMBER: _ClassVar[int]
    OVERDUE_MINOR_FIELD_NUMBER: _ClassVar[int]
    CURRENCY_FIELD_NUMBER: _ClassVar[int]
    TIME_ZONE_FIELD_NUMBER: _ClassVar[int]
    CREDIT_SCORE_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    account_id: str
    credit_limit_minor: int
    status: _common_pb2.AccountStatus
    tier: _common_pb2.Tier
    limit_overrides: _common_pb2.LimitProfile
    overdue_minor: int
    currency: str
    time_zone: str
    credit_score: float
    def __init__(self, request_id: _Optional[str] = ..., account_id: _Optional[str] = ..., credit_limit_minor: _Optional[int] = ..., status: _Optional[_Union[_common_pb2.AccountStatus, str]] = ..., tier: _Optional[_Union[_common_pb2.Tier, str]] = ..., limit_overrides: _Optional[_Union[_common_pb2.LimitProfile, _Mapping]] = ..., overdue_minor: _Optional[int] = ..., currency: _Optional[str] = ..., time_zone: _Optional[str] = ..., credit_score: _Optional[float] = ...) -> None: ...

class UpsertAccountResponse(_message.Message):
    __slots__ = ("account", "created")
    ACCOUNT_FIELD_NUMBER: _ClassVar[int]
    CREATED_FIELD_NUMBER: _ClassVar[int]
    account: _account_pb2.Account
    created: bool
    def __init__(self, account: _Optional[_Union[_account_pb2.Account, _Mapping]] = ..., created: _Optional[bool] = ...) -> None: ...

class GetPolicyRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class GetPolicyResponse(_message.Message):
    __slots__ = ("policy",)
    POLICY_FIELD_NUMBER: _ClassVar[int]
    policy: _policy_pb2.Policy
    def __init__(self, policy: _Optional[_Union[_policy_pb2.Policy, _Mapping]] = ...) -> None: ...

class SetPolicyRequest(_message.Message):
    __slots__ = ("request_id", "policy")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    POLICY_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    policy: _policy_pb2.Policy
    def __init__(self, request_id: _Optional[str] = ..., policy: _Optional[_Union[_policy_pb2.Policy, _Mapping]] = ...) -> None: ...

class SetPolicyResponse(_message.Message):
    __slots__ = ("policy",)
    POLICY_FIELD_NUMBER: _ClassVar[int]
    policy: _policy_pb2.Policy
    def __init__(self, policy: _Optional[_Union[_policy_pb2.Policy, _Mapping]] = ...) -> None: ...
