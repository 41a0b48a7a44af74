import numpy as np
import numpy.typing as npt

IN_SLOT: int
IN_CHANNEL: int
IN_AMOUNT: int
IN_CURRENCY: int
IN_QR: int
IN_FACTORS: int
OUT_DECISION: int
OUT_FAILED: int
OUT_MAX_APPROVABLE: int
OUT_AVAILABLE: int
OUT_DAY: int
OUT_MONTH: int
OUT_FLAGS: int

def day_and_month(now_s: int, utc_offset_s: int) -> tuple[int, int]: ...

class Book:
    accounts: np.ndarray
    profiles: np.ndarray
    def bind(self, accounts: np.ndarray, profiles: np.ndarray) -> None: ...
    def authorize(self, slot: int, channel: int, amount: int, currency: int, qr: int, factors: int, now_s: int,
                  book: bool = ...) -> tuple[int, int, int, int, int, int, int]: ...
    def authorize_batch(self, requests: npt.NDArray[np.int64], locations: npt.NDArray[np.float64], now_s: int,
                        out: npt.NDArray[np.int64], scores: npt.NDArray[np.float64],
                        features_out: npt.NDArray[np.float64] | None = ..., accounts_out: npt.NDArray[np.uint8] | None = ...,
                        behaviour_out: npt.NDArray[np.uint8] | None = ..., shadow: Book | None = ...,
                        shadow_out: npt.NDArray[np.int64] | None = ...,
                        shadow_scores: npt.NDArray[np.float64] | None = ...) -> None: ...
    def book_hold(self, slot: int, channel: int, amount: int, flags: int, now_s: int) -> tuple[int, int]: ...
    def void_hold(self, slot: int, channel: int, amount: int, flags: int, day_index: int, month_index: int) -> None: ...
    def capture_hold(self, slot: int, channel: int, amount: int, captured: int, flags: int, day_index: int,
                     month_index: int) -> None: ...
    def refund(self, slot: int, amount: int) -> None: ...
    def repay(self, slot: int, amount: int) -> int: ...
