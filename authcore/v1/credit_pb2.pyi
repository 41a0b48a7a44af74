from authcore.v1 import common_pb2 as _common_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class ApplicantAttribute(_message.Message):
    __slots__ = ("name", "number", "category")
    NAME_FIELD_NUMBER: _ClassVar[int]
    NUMBER_FIELD_NUMBER: _ClassVar[int]
    CATEGORY_FIELD_NUMBER: _ClassVar[int]
    name: str
    number: float
    category: str
    def __init__(self, name: _Optional[str] = ..., number: _Optional[float] = ..., category: _Optional[str] = ...) -> None: ...

class AssessCreditRequest(_message.Message):
    __slots__ = ("applicant_id", "attributes")
    APPLICANT_ID_FIELD_NUMBER: _ClassVar[int]
    ATTRIBUTES_FIELD_NUMBER: _ClassVar[int]
    applicant_id: str
    attributes: _containers.RepeatedCompositeFieldContainer[ApplicantAttribute]
    def __init__(self, applicant_id: _Optional[str] = ..., attributes: _Optional[_Iterable[_Union[ApplicantAttribute, _Mapping]]] = ...) -> None: ...

class AssessCreditResponse(_message.Message):
    __slots__ = ("applicant_id", "score", "approved", "tier", "recommended_credit_limit_minor", "factors", "scorecard_version")
    APPLICANT_ID_FIELD_NUMBER: _ClassVar[int]
    SCORE_FIELD_NUMBER: _ClassVar[int]
    APPROVED_FIELD_NUMBER: _ClassVar[int]
    TIER_FIELD_NUMBER: _ClassVar[int]
    RECOMMENDED_CREDIT_LIMIT_MINOR_FIELD_NUMBER: _ClassVar[int]
    FACTORS_FIELD_NUMBER: _ClassVar[int]
    SCORECARD_VERSION_FIELD_NUMBER: _ClassVar[int]
    applicant_id: str
    score: float
    approved: bool
    tier: _common_pb2.Tier
    recommended_credit_limit_minor: int
    factors: _containers.RepeatedCompositeFieldContainer[ScoreFactor]
    scorecard_version: str
    def __init__(self, applicant_id: _Optional[str] = ..., score: _Optional[float] = ..., approved: _Optional[bool] = ..., tier: _Optional[_Union[_common_pb2.Tier, str]] = ..., recommended_credit_limit_minor: _Optional[int] = ..., factors: _Optional[_Iterable[_Union[ScoreFactor, _Mapping]]] = ..., scorecard_version: _Optional[str] = ...) -> None: ...

class ScoreFactor(_message.Message):
    __slots__ = ("variable", "bin", "points", "points_lost")
    VARIABLE_FIELD_NUMBER: _ClassVar[int]
    BIN_FIELD_NUMBER: _ClassVar[int]
    POINTS_FIELD_NUMBER: _ClassVar[int]
    POINTS_LOST_FIELD_NUMBER: _ClassVar[int]
    variable: str
    bin: str
    points: float
    points_lost: float
    def __init__(self, variable: _Optional[str] = ..., bin: _Optional[str] = ..., points: _Optional[float] = ..., points_lost: _Optional[float] = ...) -> None: ...

class Scorecard(_message.Message):
    __slots__ = ("version", "base_points", "variables", "bands")
    VERSION_FIELD_NUMBER: _ClassVar[int]
    BASE_POINTS_FIELD_NUMBER: _ClassVar[int]
    VARIABLES_FIELD_NUMBER: _ClassVar[int]
    BANDS_FIELD_NUMBER: _ClassVar[int]
    version: str
    base_points: float
    variables: _containers.RepeatedCompositeFieldContainer[ScorecardVariable]
    bands: _containers.RepeatedCompositeFieldContainer[CreditBand]
    def __init__(self, version: _Optional[str] = ..., base_points: _Optional[float] = ..., variables: _Optional[_Iterable[_Union[ScorecardVariable, _Mapping]]] = ..., bands: _Optional[_Iterable[_Union[CreditBand, _Mapping]]] = ...) -> None: ...

class ScorecardVariable(_message.Message):
    __slots__ = ("name", "bins")
    NAME_FIELD_NUMBER: _ClassVar[int]
    BINS_FIELD_NUMBER: _ClassVar[int]
    name: str
    bins: _containers.RepeatedCompositeFieldContainer[ScorecardBin]
    def __init__(self, name: _Optional[str] = ..., bins: _Optional[_Iterable[_Union[ScorecardBin, _Mapping]]] = ...) -> None: ...

class ScorecardBin(_message.Message):
    __slots__ = ("label", "ranges", "categories", "missing", "points")
    LABEL_FIELD_NUMBER: _ClassVar[int]
    RANGES_FIELD_NUMBER: _ClassVar[int]
    CATEGORIES_FIELD_NUMBER: _ClassVar[int]
    MISSING_FIELD_NUMBER: _ClassVar[int]
    POINTS_FIELD_NUMBER: _ClassVar[int]
    label: str
    ranges: _containers.RepeatedCompositeFieldContainer[NumericRange]
    categories: _containers.RepeatedScalarFieldContainer[str]
    missing: bool
    points: float
    def __init__(self, label: _Optional[str] = ..., ranges: _Optional[_Iterable[_Union[NumericRange, _Mapping]]] = ..., categories: _Optional[_Iterable[str]] = ..., missing: _Optional[bool] = ..., points: _Optional[float] = ...) -> None: ...

class NumericRange(_message.Message):
    __slots__ = ("lower", "upper")
    LOWER_FIELD_NUMBER: _ClassVar[int]
    UPPER_FIELD_NUMBER: _ClassVar[int]
    lower: float
    upper: float
    def __init__(self, lower: _Optional[float] = ..., upper: _Optional[float] = ...) -> None: ...

class CreditBand(_message.Message):
    __slots__ = ("min_score", "tier", "credit_limit_minor")
    MIN_SCORE_FIELD_NUMBER: _ClassVar[int]
    TIER_FIELD_NUMBER: _ClassVar[int]
    CREDIT_LIMIT_MINOR_FIELD_NUMBER: _ClassVar[int]
    min_score: float
    tier: _common_pb2.Tier
    credit_limit_minor: int
    def __init__(self, min_score: _Optional[float] = ..., tier: _Optional[_Union[_common_pb2.Tier, str]] = ..., credit_limit_minor: _Optional[int] = ...) -> None: ...
