from authcore.v1 import common_pb2 as _common_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class Policy(_message.Message):
    __slots__ = ("version", "hold_ttl_seconds", "tiers")
    VERSION_FIELD_NUMBER: _ClassVar[int]
    HOLD_TTL_SECONDS_FIELD_NUMBER: _ClassVar[int]
    TIERS_FIELD_NUMBER: _ClassVar[int]
    version: str
    hold_ttl_seconds: int
    tiers: _containers.RepeatedCompositeFieldContainer[TierPolicy]
    def __init__(self, version: _Optional[str] = ..., hold_ttl_seconds: _Optional[int] = ..., tiers: _Optional[_Iterable[_Union[TierPolicy, _Mapping]]] = ...) -> None: ...

class TierPolicy(_message.Message):
    __slots__ = ("tier", "limits")
    TIER_FIELD_NUMBER: _ClassVar[int]
    LIMITS_FIELD_NUMBER: _ClassVar[int]
    tier: _common_pb2.Tier
    limits: _common_pb2.LimitProfile
    def __init__(self, tier: _Optional[_Union[_common_pb2.Tier, str]] = ..., limits: _Optional[_Union[_common_pb2.LimitProfile, _Mapping]] = ...) -> None: ...
