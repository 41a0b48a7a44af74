from collections.abc import Callable, Iterable
from typing import Any

from typing_extensions import disjoint_base

import numpy as np
import numpy.typing as npt

LIMITS: dict[str, int]

def identifiers_valid(values: Iterable[str], max_len: int) -> bool: ...
def text_hashes(values: Iterable[str], hash64: Callable[[bytes], int] | None, n: int) -> npt.NDArray[np.int64]: ...
def network_hashes(values: Iterable[str], hash64: Callable[[bytes], int] | None, n: int
                   ) -> tuple[npt.NDArray[np.int64], list[int]]: ...
def top_features(contributions: npt.NDArray[np.float64]) -> list[int]: ...

@disjoint_base
class AuthorizePath:
    def __init__(self, core: Any, requests: Any, payments: Any, applier: Any, *, validate: Any, hash64: Any,
                 currency_numeric: Any, is_country: Any, approved: Any, authorized: Any, feature_names: list[str],
                 feature_schema: str, approved_detail: bytes, audit_prefix: bytes) -> None: ...
    def authorize(self, req: Any, deadline_s: float | None = None) -> tuple[bytes, Any, bool]: ...
