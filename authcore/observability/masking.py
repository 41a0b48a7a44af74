"""What a log line may never carry in full: account ids, mobile numbers, ID-card numbers and card
numbers. Every log record passes through mask_record_fields and mask_text (authcore.observability.logs).

Two layers, because neither suffices alone:
  by field  - account ids in authcore are arbitrary strings ("acct-000123", "u_5f3a..."), which no
              pattern can recognise. The server logs them only in named fields (account_id,
              applicant_id, ...): those are masked, and every other occurrence of the same value
              in the record (the message, other fields, a traceback) is replaced by its mask.
  by shape  - a CN mobile number (1[3-9] and 9 digits, with or without +86), an ID-card number
              (18 characters with an X check digit allowed, or 15 digits) and a Luhn-valid card
              number of 13 to 19 digits (spaces or dashes allowed) are masked wherever they appear.
A mask keeps the last 4 digits or characters at most (fewer of a short id), enough to tell two
customers apart in an incident, not enough to find one.
"""

from __future__ import annotations

import re

# Log fields that carry an account or person identifier, masked whatever their content.
MASKED_FIELDS = frozenset({"account_id", "account_ids", "applicant_id", "customer_id", "phone", "mobile",
                           "id_card", "id_number", "card_number", "pan"})
KEEP_CHARS = 4
# A list field (account_ids of a bulk chunk) is masked up to this many items, then summarised.
MAX_LISTED_IDS = 16

_MOBILE = re.compile(r"(?<!\d)((?:\+|00)?86[ -]?)?(1[3-9]\d(?:[ -]?\d){8})(?!\d)")
# 18 characters: 17 digits and a digit or X check digit; or the 15-digit cards issued before 1999.
_ID_CARD = re.compile(r"(?<!\d)(?:\d{17}[\dXx]|\d{15})(?![\dXx])")
# 13 to 19 digits, optionally grouped by single spaces or dashes.
_CARD = re.compile(r"(?<!\d)\d(?:[ -]?\d){12,18}(?!\d)")


def luhn_valid(digits: str) -> bool:
    """The Luhn (mod 10) check of a string of digits."""
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = ord(ch) - 48
        if i % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def _mask_digits(text: str) -> str:
    """Every digit (or X check digit) but the last KEEP_CHARS becomes '*'; separators stay."""
    keep = KEEP_CHARS
    out = []
    for ch in reversed(text):
        if not (ch.isdigit() or ch in "Xx"):
            out.append(ch)
        elif keep:
            out.append(ch)
            keep -= 1
        else:
            out.append("*")
    return "".join(reversed(out))


def _mask_card(match: re.Match) -> str:
    text = match.group(0)
    digits = text.replace(" ", "").replace("-", "")
    if 13 <= len(digits) <= 19 and luhn_valid(digits):
        return _mask_digits(text)
    return text


def mask_text(text: str) -> str:
    """text with every mobile, ID-card and Luhn-valid card number masked."""
    if not any(ch.isdigit() for ch in text):
        return text  # most log text: no number to look at
    text = _ID_CARD.sub(lambda m: _mask_digits(m.group(0)), text)
    text = _MOBILE.sub(lambda m: (m.group(1) or "") + _mask_digits(m.group(2)), text)
    return _CARD.sub(_mask_card, text)


def mask_id(value: str) -> str:
    """An identifier reduced to '***' and its last characters: 4 of an id of 8 or more, less than
    half of a shorter one (none of one or two characters)."""
    value = str(value)
    keep = KEEP_CHARS if len(value) >= 2 * KEEP_CHARS else (len(value) - 1) // 2
    return "***" + value[len(value) - keep:] if keep else "***"


def mask_field(value):
    """The mask of a MASKED_FIELDS value: a string, or a list of them (at most MAX_LISTED_IDS shown)."""
    if isinstance(value, (list, tuple)):
        shown = [mask_id(v) for v in value[:MAX_LISTED_IDS]]
        if len(value) > MAX_LISTED_IDS:
            shown.append(f"... {len(value) - MAX_LISTED_IDS} more")
        return shown
    return None if value is None else mask_id(value)


def identifiers(fields: dict) -> list[tuple[str, str]]:
    """(raw, masked) of every identifier in fields' MASKED_FIELDS, longest first, so that the
    same value elsewhere in the record can be replaced by its mask."""
    pairs = {}
    for key in MASKED_FIELDS.intersection(fields):
        value = fields[key]
        for raw in value if isinstance(value, (list, tuple)) else (value,):
            raw = str(raw) if raw is not None else ""
            if len(raw) >= 3:  # shorter values would mangle ordinary words
                pairs[raw] = mask_id(raw)
    return sorted(pairs.items(), key=lambda pair: -len(pair[0]))


def scrub(text: str, known: list[tuple[str, str]]) -> str:
    """text with every known identifier replaced by its mask, then mask_text."""
    for raw, masked in known:
        if raw in text:
            text = text.replace(raw, masked)
    return mask_text(text)
