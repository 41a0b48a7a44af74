"""A transaction simulator: customers with homes, devices and habits paying through the three
channels, and the fraud patterns an issuer sees — account takeover (new device, location jump),
card-testing bursts, bust-out to the full limit, and QR codes swapped for a mule's.

It trains the default model (scripts/train_default_model.py), drives the demo and load tests,
and measures how much of each pattern the default policy catches (tests/test_fraud_patterns.py).
Everything is generated from one seed; times are seconds from the simulation's start."""

from __future__ import annotations

import dataclasses
import math

import numpy as np

from authcore.v1 import authorization_pb2 as authz, common_pb2 as c

NORMAL, TAKEOVER, CARD_TESTING, BUST_OUT, QR_SWAP = "normal", "account_takeover", "card_testing", "bust_out", "qr_swap"
PATTERNS = (TAKEOVER, CARD_TESTING, BUST_OUT, QR_SWAP)
F = c.VerificationFactor
CITIES = [  # (name, latitude, longitude)
    ("Beijing", 39.90, 116.40), ("Shanghai", 31.23, 121.47), ("Guangzhou", 23.13, 113.26),
    ("Shenzhen", 22.54, 114.06), ("Chengdu", 30.66, 104.07), ("Hangzhou", 30.27, 120.16),
    ("Wuhan", 30.59, 114.31), ("Xi'an", 34.34, 108.94), ("Nanjing", 32.06, 118.80), ("Chongqing", 29.56, 106.55),
]
FAR_AWAY = [("Urumqi", 43.83, 87.62), ("Harbin", 45.80, 126.53), ("Lhasa", 29.65, 91.14),
            ("Kuala Lumpur", 3.14, 101.69), ("Lagos", 6.52, 3.38)]
NORMAL_MCCS = ["5411", "5812", "5814", "4121", "5311", "5541", "5999", "5732"]
NORMAL_MCC_WEIGHTS = [0.3, 0.2, 0.15, 0.1, 0.1, 0.05, 0.05, 0.05]


@dataclasses.dataclass(frozen=True)
class Customer:
    account_id: str
    limit_minor: int
    created_s: int          # negative: before the simulation starts
    city: int
    devices: tuple[str, ...]
    ip_prefix: str          # an IPv4 /24 prefix, e.g. "10.12.7"
    median_amount_minor: int
    payments_per_day: float


@dataclasses.dataclass(frozen=True)
class Payment:
    at_s: int
    account_id: str
    channel: int
    amount_minor: int
    qr: int
    factors: tuple[int, ...]
    device_id: str
    ip: str
    lat: float
    lon: float
    mcc: str
    country: str
    merchant_id: str
    pattern: str

    @property
    def fraud(self) -> bool:
        return self.pattern != NORMAL

    def request(self, request_id: str) -> authz.AuthorizeRequest:
        """The AuthorizeRequest a channel would send for this payment."""
        return authz.AuthorizeRequest(
            request_id=request_id, account_id=self.account_id, channel=self.channel, amount_minor=self.amount_minor,
            currency="CNY", qr_code_type=self.qr, verification=authz.Verification(factors=self.factors),
            merchant=authz.Merchant(merchant_id=self.merchant_id, mcc=self.mcc, country=self.country),
            device=authz.Device(device_id=self.device_id, ip=self.ip, latitude=self.lat, longitude=self.lon))


class Simulator:
    """Customers and a stream of payments over `days`, fraud injected after `warmup_days`."""

    def __init__(self, seed: int = 0, customers: int = 1000, days: int = 28, warmup_days: int = 14,
                 fraud_events: dict[str, int] | None = None, prefix: str = "sim"):
        self.rng = np.random.default_rng(seed)
        self.days = days
        self.warmup_days = warmup_days
        self.prefix = prefix
        self.customers = [self._customer(i) for i in range(customers)]
        events = fraud_events if fraud_events is not None else {TAKEOVER: customers // 20, CARD_TESTING: customers // 40,
                                  BUST_OUT: customers // 40, QR_SWAP: customers // 10}
        payments = [p for cust in self.customers for p in self._normal(cust)]
        victims = self.rng.permutation(len(self.customers))
        start = 0
        for pattern in PATTERNS:
            for index in victims[start:start + events.get(pattern, 0)]:
                payments.extend(getattr(self, "_" + pattern)(self.customers[index]))
            start += events.get(pattern, 0)
        payments.sort(key=lambda p: p.at_s)
        self.payments = payments

    # -- customers and normal behaviour -------------------------------------------------------

    def _customer(self, i: int) -> Customer:
        rng = self.rng
        devices = tuple(f"{self.prefix}-dev-{i}-{k}" for k in range(rng.integers(1, 3)))
        return Customer(
            account_id=f"{self.prefix}-{i:06d}", limit_minor=int(rng.choice([500_000, 1_000_000, 2_000_000, 5_000_000])),
            created_s=-int(rng.integers(30, 720)) * 86400, city=int(rng.integers(len(CITIES))), devices=devices,
            ip_prefix=f"10.{rng.integers(0, 250)}.{rng.integers(0, 250)}",
            median_amount_minor=int(rng.lognormal(math.log(6_000), 0.5)),
            payments_per_day=float(rng.uniform(0.5, 3.0)))

    def _home(self, cust: Customer) -> tuple[float, float]:
        _, lat, lon = CITIES[cust.city]
        return lat + self.rng.normal(0, 0.05), lon + self.rng.normal(0, 0.05)

    def _normal_payment(self, cust: Customer, at_s: int) -> Payment:
        rng = self.rng
        channel = int(rng.choice([c.CHANNEL_WALLET, c.CHANNEL_SCAN_TO_PAY, c.CHANNEL_QUICK_PAY], p=[0.5, 0.35, 0.15]))
        amount = int(max(100, rng.lognormal(math.log(cust.median_amount_minor), 0.8)))
        qr = 0
        factors: tuple[int, ...] = (F.VERIFICATION_FACTOR_PASSWORD,)
        if channel == c.CHANNEL_SCAN_TO_PAY:
            qr = c.QR_CODE_TYPE_STATIC if rng.random() < 0.3 else c.QR_CODE_TYPE_DYNAMIC
            amount = min(amount, 40_000) if qr == c.QR_CODE_TYPE_STATIC else min(amount, 90_000)
            factors = () if rng.random() < 0.5 else (F.VERIFICATION_FACTOR_BIOMETRIC,)
        elif channel == c.CHANNEL_QUICK_PAY:
            amount = min(amount, 90_000)
            factors = () if rng.random() < 0.7 else (F.VERIFICATION_FACTOR_PASSWORD,)
        elif rng.random() < 0.4:
            factors = (F.VERIFICATION_FACTOR_PASSWORD, F.VERIFICATION_FACTOR_SMS_OTP)
        lat, lon = self._home(cust)
        mcc = str(rng.choice(NORMAL_MCCS, p=NORMAL_MCC_WEIGHTS))
        return Payment(at_s, cust.account_id, channel, amount, qr, factors, str(rng.choice(cust.devices)),
                       f"{cust.ip_prefix}.{rng.integers(2, 250)}", lat, lon, mcc, "CN",
                       f"m-{mcc}-{rng.integers(0, 500)}", NORMAL)

    def _normal(self, cust: Customer) -> list[Payment]:
        out = []
        for day in range(self.days):
            for _ in range(self.rng.poisson(cust.payments_per_day)):
                # Daytime mostly: 08:00 to 23:00 local; the simulation starts at a local midnight.
                hour = self.rng.uniform(8, 23) if self.rng.random() < 0.95 else self.rng.uniform(0, 8)
                out.append(self._normal_payment(cust, int(day * 86400 + hour * 3600)))
        return out

    def _fraud_time(self) -> int:
        return int(self.rng.integers(self.warmup_days * 86400, (self.days - 1) * 86400))

    # -- fraud patterns ---------------------------------------------------------------------

    def _account_takeover(self, cust: Customer) -> list[Payment]:
        """A stolen password on a new phone, far away: a few large purchases of resellable goods."""
        rng = self.rng
        name, lat, lon = FAR_AWAY[rng.integers(len(FAR_AWAY))]
        country = "CN" if lat > 20 else "MY"
        at = self._fraud_time()
        device = f"{self.prefix}-ato-{cust.account_id}"
        out = []
        for k in range(int(rng.integers(1, 4))):
            mcc = str(rng.choice(["5732", "5944", "5999"]))
            out.append(Payment(at + k * int(rng.integers(60, 900)), cust.account_id, c.CHANNEL_WALLET,
                               int(rng.uniform(80_000, 600_000)), 0, (F.VERIFICATION_FACTOR_PASSWORD,), device,
                               f"172.{rng.integers(16, 31)}.{rng.integers(0, 250)}.{rng.integers(2, 250)}",
                               lat, lon, mcc, country, f"m-{mcc}-ato-{rng.integers(0, 50)}", TAKEOVER))
        return out

    def _card_testing(self, cust: Customer) -> list[Payment]:
        """A burst of tiny payments to probe whether the credentials work."""
        rng = self.rng
        at = self._fraud_time()
        device = f"{self.prefix}-bot-{rng.integers(0, 20)}"
        out = []
        for k in range(int(rng.integers(8, 25))):
            mcc = str(rng.choice(["5967", "4814", "5999"]))
            out.append(Payment(at + k * int(rng.integers(3, 20)), cust.account_id, c.CHANNEL_WALLET,
                               int(rng.integers(100, 1_500)), 0, (), device, f"192.168.{rng.integers(0, 250)}.7",
                               0.0, 0.0, mcc, "CN", f"m-{mcc}-ct-{rng.integers(0, 20)}", CARD_TESTING))
        return out

    def _bust_out(self, cust: Customer) -> list[Payment]:
        """The customer's own account spent to the full limit on cash-like goods within hours."""
        rng = self.rng
        at = self._fraud_time()
        lat, lon = self._home(cust)
        remaining = cust.limit_minor
        out = []
        k = 0
        while remaining > cust.limit_minor * 0.1 and k < 6:
            amount = int(min(remaining, rng.uniform(0.2, 0.5) * cust.limit_minor))
            mcc = str(rng.choice(["4829", "6051", "5944", "5732"]))
            out.append(Payment(at + k * int(rng.integers(300, 3600)), cust.account_id, c.CHANNEL_WALLET, amount, 0,
                               (F.VERIFICATION_FACTOR_PASSWORD, F.VERIFICATION_FACTOR_SMS_OTP), cust.devices[0],
                               f"{cust.ip_prefix}.{rng.integers(2, 250)}", lat, lon, mcc, "CN",
                               f"m-{mcc}-bo-{rng.integers(0, 30)}", BUST_OUT))
            remaining -= amount
            k += 1
        return out

    def _qr_swap(self, cust: Customer) -> list[Payment]:
        """A printed code on a shop wall replaced by a mule's: the customer pays a 'transfer' merchant."""
        rng = self.rng
        lat, lon = self._home(cust)
        mcc = str(rng.choice(["4829", "6051"]))
        return [Payment(self._fraud_time(), cust.account_id, c.CHANNEL_SCAN_TO_PAY, int(rng.integers(20_000, 50_000)),
                        c.QR_CODE_TYPE_STATIC, (), str(rng.choice(cust.devices)),
                        f"{cust.ip_prefix}.{rng.integers(2, 250)}", lat, lon, mcc, "CN",
                        f"m-mule-{rng.integers(0, 40)}", QR_SWAP)]


# 2026-11-01 00:00 in Asia/Shanghai: where simulated time 0 falls.
START_S = 1_793_462_400


def drive(service, clock, sim: Simulator, start_s: int = START_S, repay: bool = True):
    """Run a simulation through an engine (in-process) or a Stubs object (over gRPC) while the
    caller's clock follows simulated time. Accounts are created at their creation times; approved
    payments are captured at once and, for normal customers, repaid (so that credit lines stay in
    use as in life). Yields (payment, response, features of the decision or None over gRPC)."""
    from authcore.v1 import account_pb2, admin_pb2

    def call(method, request):
        result = method(request)
        return result[0] if isinstance(result, tuple) else result

    ledger = getattr(service, "ledger", None)
    for cust in sorted(sim.customers, key=lambda x: x.created_s):
        clock.now_s = start_s + cust.created_s
        call(service.upsert_account, admin_pb2.UpsertAccountRequest(
            request_id=f"{cust.account_id}-open", account_id=cust.account_id, credit_limit_minor=cust.limit_minor,
            tier=c.TIER_STANDARD))
    for i, payment in enumerate(sim.payments):
        clock.now_s = start_s + payment.at_s
        response = call(service.authorize, payment.request(f"{sim.prefix}-pay-{i}"))
        features = ledger.book.features.copy() if ledger is not None else None
        if response.decision == c.DECISION_APPROVED:
            call(service.capture, authz.CaptureRequest(request_id=f"{sim.prefix}-cap-{i}",
                                                       authorization_id=response.authorization_id, currency="CNY"))
            if repay and not payment.fraud:
                call(service.repay, account_pb2.RepayRequest(request_id=f"{sim.prefix}-rep-{i}",
                                                             account_id=payment.account_id,
                                                             amount_minor=payment.amount_minor, currency="CNY"))
        yield payment, response, features


def catch_rates(results, after_s: int = 0) -> dict[str, dict[str, float]]:
    """Per pattern: payments, and the share declined or challenged. Normal payments are counted
    from after_s (the end of the warm-up), when fraud can occur."""
    counts: dict[str, list[int]] = {}
    for payment, response, _ in results:
        if payment.pattern == NORMAL and payment.at_s < after_s:
            continue
        seen = counts.setdefault(payment.pattern, [0, 0])
        seen[0] += 1
        seen[1] += response.decision != c.DECISION_APPROVED
    return {pattern: {"payments": n, "stopped": round(stopped / n, 4)} for pattern, (n, stopped) in counts.items()}
