"""Currencies and amounts: ISO 4217 codes, bounds on minor-unit integers, display."""

from __future__ import annotations

import functools

import pycountry

# No single amount, limit or balance may exceed this (10 trillion CNY in fen): far above any
# real credit line, and far enough below 2**63 that no sum of them can overflow.
MAX_AMOUNT_MINOR = 10**15
# Counts of payments in a window.
MAX_COUNT = 10**9


@functools.lru_cache(maxsize=512)
def currency_numeric(alpha: str) -> int | None:
    """The ISO 4217 numeric code of an alphabetic code, or None if it is not a currency."""
    if len(alpha) != 3 or not alpha.isascii() or not alpha.isupper():
        return None
    found = pycountry.currencies.get(alpha_3=alpha)
    return int(found.numeric) if found is not None else None


@functools.lru_cache(maxsize=512)
def currency_alpha(numeric: int) -> str:
    found = pycountry.currencies.get(numeric=f"{numeric:03d}")
    return found.alpha_3 if found is not None else f"{numeric:03d}"


@functools.lru_cache(maxsize=512)
def is_country(alpha2: str) -> bool:
    return len(alpha2) == 2 and alpha2.isupper() and pycountry.countries.get(alpha_2=alpha2) is not None


SYMBOLS = {"CNY": "¥", "USD": "$", "EUR": "€", "HKD": "HK$", "JPY": "¥"}


def format_minor(amount_minor: int, currency: str = "CNY") -> str:
    """¥1,234.56 for 123456 fen. Two decimals: the account currencies have two minor digits."""
    sign = "-" if amount_minor < 0 else ""
    whole, frac = divmod(abs(amount_minor), 100)
    return f"{sign}{SYMBOLS.get(currency, currency + ' ')}{whole:,}.{frac:02d}"
