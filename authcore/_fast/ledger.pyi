from typing_extensions import disjoint_base

import numpy as np
import numpy.typing as npt

from authcore._fast.models import Scorer

ACCOUNT_DTYPE: np.dtype
PROFILE_DTYPE: np.dtype
BEHAVIOUR_DTYPE: np.dtype

# The hold flag of a stand-in approval.
FLAG_STAND_IN: int

# Columns of authorize_batch's requests (IN_*), locations (IN_LAT, IN_LON) and out (OUT_*).
IN_SLOT: int
IN_CHANNEL: int
IN_AMOUNT: int
IN_CURRENCY: int
IN_QR: int
IN_FACTORS: int
IN_DEVICE: int
IN_IPNET: int
IN_MCC: int
IN_COUNTRY: int
IN_LAT: int
IN_LON: int
OUT_DECISION: int
OUT_FAILED: int
OUT_MAX_APPROVABLE: int
OUT_AVAILABLE: int
OUT_DAY: int
OUT_MONTH: int
OUT_FLAGS: int

FEATURE_COUNT: int
MCC_COUNT: int
COUNTRY_COUNT: int

def day_and_month(now_s: int, utc_offset_s: int) -> tuple[int, int]: ...

@disjoint_base  # a Cython extension type
class Book:
    @property
    def accounts(self) -> np.ndarray: ...
    @property
    def profiles(self) -> np.ndarray: ...
    @property
    def behaviour(self) -> np.ndarray: ...
    @property
    def scorer(self) -> Scorer | None: ...
    @property
    def features(self) -> npt.NDArray[np.float64]: ...
    @property
    def contributions(self) -> npt.NDArray[np.float64]: ...
    def bind(self, accounts: np.ndarray, profiles: np.ndarray, behaviour: np.ndarray) -> None: ...
    def set_risk(self, mcc_risk: npt.ArrayLike, mcc_blocked: npt.ArrayLike, country_blocked: npt.ArrayLike,
                 challenge_score: float, decline_score: float, max_speed_kmh: float, min_distance_km: float,
                 new_device_challenge_minor: int, max_per_minute: int, max_per_hour: int, home_country: int,
                 stand_in_max_minor: int = ...) -> None: ...
    def set_scorer(self, scorer: Scorer | None) -> None: ...
    def over(self, accounts: np.ndarray, behaviour: np.ndarray) -> Book: ...
    def authorize(self, slot: int, channel: int, amount: int, currency: int, qr: int, factors: int, now_s: int,
                  device: int = ..., ipnet: int = ..., lat: float = ..., lon: float = ..., mcc: int = ...,
                  country: int = ..., book: bool = ..., features_out: npt.NDArray[np.float64] | None = ...,
                  contributions_out: npt.NDArray[np.float64] | None = ...,
                  stand_in: int = ...) -> tuple[int, int, int, int, int, int, int, float]: ...
    def authorize_batch(self, requests: npt.NDArray[np.int64], locations: npt.NDArray[np.float64], now_s: int,
                        out: npt.NDArray[np.int64], scores: npt.NDArray[np.float64],
                        features_out: npt.NDArray[np.float64] | None = ..., accounts_out: npt.NDArray[np.uint8] | None = ...,
                        behaviour_out: npt.NDArray[np.uint8] | None = ..., shadow: Book | None = ...,
                        shadow_out: npt.NDArray[np.int64] | None = ...,
                        shadow_scores: npt.NDArray[np.float64] | None = ...) -> None: ...
    def book_hold(self, slot: int, channel: int, amount: int, flags: int, now_s: int, device: int = ...,
                  ipnet: int = ..., lat: float = ..., lon: float = ...) -> tuple[int, int]: ...
    def void_hold(self, slot: int, channel: int, amount: int, flags: int, day_index: int, month_index: int) -> None: ...
    def capture_hold(self, slot: int, channel: int, amount: int, captured: int, flags: int, day_index: int,
                     month_index: int) -> None: ...
    def refund(self, slot: int, amount: int) -> None: ...
    def repay(self, slot: int, amount: int) -> int: ...
