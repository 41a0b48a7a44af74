"""The risk feature schema: what each element of the float64 feature vector means. The vector is
assembled by authcore/_fast/risk.pyx (spec: authcore/risk/reference.py). Models are trained on and
loaded against these names; the schema version is stamped on every risk assessment."""

from __future__ import annotations

SCHEMA_VERSION = "authcore-features-v1"

# (name, meaning). NaN means "not known" (no previous payment, no location, no device ...).
FEATURES: tuple[tuple[str, str], ...] = (
    ("amount", "payment amount in yuan"),
    ("log_amount", "ln(1 + amount in yuan)"),
    ("amount_zscore", "(amount - customer's mean) / standard deviation of approved amounts; NaN before 2 payments"),
    ("amount_to_mean", "amount / customer's mean approved amount; NaN before the first payment"),
    ("count_1m", "approved payments in the last minute (sliding-window counter)"),
    ("amount_1m", "yuan approved in the last minute"),
    ("count_1h", "approved payments in the last hour"),
    ("amount_1h", "yuan approved in the last hour"),
    ("count_24h", "approved payments in the last 24 hours"),
    ("amount_24h", "yuan approved in the last 24 hours"),
    ("seconds_since_last", "seconds since the last approved payment; NaN before the first"),
    ("distance_km", "haversine distance from the last payment's location; NaN when either is unknown"),
    ("speed_kmh", "distance / time since the last payment (at least one second)"),
    ("new_device", "1 when the device is not among the account's last 4 devices (0 for the first); NaN without device"),
    ("new_ip_network", "1 when the /24 (IPv4) or /48 (IPv6) network is not among the last 4; NaN without IP"),
    ("device_changes_24h", "switches to a different device in the last 24 hours"),
    ("ip_changes_24h", "switches to a different IP network in the last 24 hours"),
    ("mcc_risk", "risk weight of the merchant category from the policy (0 when not listed)"),
    ("local_hour", "hour of day in the account's time zone"),
    ("channel", "1 wallet, 2 scan-to-pay, 3 quick-pay"),
    ("qr_type", "0 none, 1 static, 2 dynamic"),
    ("verification_strength", "number of distinct verification factors passed"),
    ("account_age_days", "days since the account was created"),
    ("credit_utilisation", "(posted + held) / credit limit; NaN for a zero limit"),
    ("overdue_events", "times the account became overdue"),
    ("foreign_merchant", "1 when the merchant's country differs from the home country; NaN when not given"),
)
NAMES: list[str] = [name for name, _ in FEATURES]
N_FEATURES = len(FEATURES)
INDEX = {name: i for i, name in enumerate(NAMES)}


def markdown_table() -> str:
    """The feature table of the README, generated from this schema."""
    lines = [f"Schema `{SCHEMA_VERSION}`:", "", "| # | feature | meaning |", "|---|---|---|"]
    lines += [f"| {i} | `{name}` | {meaning} |" for i, (name, meaning) in enumerate(FEATURES)]
    return "\n".join(lines)


if __name__ == "__main__":
    print(markdown_table())
