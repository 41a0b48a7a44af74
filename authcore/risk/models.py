"""Loading transaction models into the compiled evaluators of authcore/_fast/models.pyx.

Formats, detected from the content:
  - LightGBM text (Booster.model_to_string / save_model) and JSON (Booster.dump_model);
  - XGBoost JSON (Booster.save_model("model.json")), gbtree;
  - logistic regression as authcore JSON: {"format": "authcore-linear-v1", "features": [...],
    "coefficients": [...], "intercept": x, "fill_values": [...]} (see linear_from_sklearn).
Binary classification only. Numeric splits only: a categorical split is refused. Features are
matched to the schema by name; models trained without names (Column_0, f0, ...) must use the
schema's order.
"""

from __future__ import annotations

import collections
import hashlib
import json
import math
import re

import numpy as np

from authcore._fast.models import NODE_DTYPE, LinearModel, Scorer, TreeEnsemble, logistic_margin_f32

NF_DEFAULT_LEFT, NF_MISSING_ZERO, NF_MISSING_NAN, NF_STRICT_LESS, NF_NAN_LEFT, NF_LEAF = 1, 2, 4, 8, 16, 32
LINK_SIGMOID, LINK_SIGMOID_F32 = 1, 2
MAX_MODEL_BYTES = 8 * 1024 * 1024
MAX_NODES = 2_000_000
GENERIC_NAME = re.compile(r"(Column_|f)\d+")
LINEAR_FORMAT = "authcore-linear-v1"


class ModelError(ValueError):
    """The model file cannot be loaded; the message says why."""


# What load_model reads, for a content that is none of it.
EXPECTED = ("LightGBM text (Booster.save_model or model_to_string), LightGBM JSON (Booster.dump_model), "
            "XGBoost JSON (Booster.save_model(\"model.json\")) or authcore-linear-v1 JSON")


class NotAModel(ModelError):
    """A content that is none of the formats load_model reads (rather than one of them that is
    wrong): the message names the content (source), what it was found to be and what is expected."""

    def __init__(self, source: str, found: str):
        super().__init__(f"{source} is not a LightGBM or XGBoost model dump: {found}, expected {EXPECTED}")
        self.found = found


def _text_start(text: str) -> str:
    first = text.strip().splitlines()[0] if text.strip() else ""
    return repr(first[:40] + ("..." if len(first) > 40 else ""))


def _json_kind(value) -> str:
    return {list: "array", str: "string", bool: "boolean", type(None): "null"}.get(type(value), "number")


def _version(content: bytes) -> str:
    return "sha256:" + hashlib.sha256(content).hexdigest()[:16]


def _feature_map(model_names: list[str], n_model: int, schema: list[str] | None) -> tuple[list[int], int]:
    """Schema index of each model feature, and the schema's width."""
    if schema is None:
        return list(range(n_model)), n_model
    if not model_names or all(GENERIC_NAME.fullmatch(n) for n in model_names):
        if n_model != len(schema):
            raise ModelError(f"the model has {n_model} unnamed features; the schema has {len(schema)}")
        return list(range(n_model)), len(schema)
    missing = [n for n in model_names if n not in schema]
    if missing:
        raise ModelError(f"features not in the schema: {', '.join(missing[:5])}")
    return [schema.index(n) for n in model_names], len(schema)


def _split_feature(fmap: list[int], index) -> int:
    """The schema index of the model's feature number index (a negative number would wrap)."""
    if type(index) is not int or not 0 <= index < len(fmap):
        raise ModelError(f"a split uses feature {index!r}; the model has {len(fmap)} features")
    return fmap[index]


class _Builder:
    """Accumulates trees into flat arrays; node means are hessian-weighted child means."""

    def __init__(self):
        self.feature, self.threshold, self.left, self.right = [], [], [], []
        self.flags, self.value, self.weight, self.roots = [], [], [], []

    def node(self, feature: int, threshold: float, flags: int, value: float, weight: float) -> int:
        if feature < 0 and not math.isfinite(value):
            raise ModelError(f"leaf value {value} is not finite")
        self.feature.append(feature)
        self.threshold.append(threshold)
        self.left.append(-1)
        self.right.append(-1)
        self.flags.append(flags)
        self.value.append(value)
        self.weight.append(weight)
        if len(self.feature) > MAX_NODES:
            raise ModelError(f"more than {MAX_NODES} nodes")
        return len(self.feature) - 1

    def _check_trees(self) -> None:
        """Every tree a tree: each child inside the node list and after its parent (the backward
        pass below relies on it), no node the child of two parents and no root a child. A cycle
        or a shared subtree would otherwise make the layout below run without end."""
        feature, left, right = self.feature, self.left, self.right
        n = len(feature)
        is_child = bytearray(n)
        for i in range(n):
            if feature[i] < 0:
                continue
            for child in (left[i], right[i]):
                if not i < child < n:
                    raise ModelError(f"node {i} has child {child}: children must follow their parent in the tree")
                if is_child[child]:
                    raise ModelError(f"node {child} is the child of two nodes")
                is_child[child] = 1
        if any(is_child[root] for root in self.roots):
            raise ModelError("a tree's root is another node's child")

    def build(self, base_margin: float, link: int, scale: float, n_features: int, float32: bool,
              version: str) -> TreeEnsemble:
        self._check_trees()
        feature, left, right = self.feature, self.left, self.right
        weight = list(self.weight)
        mean = list(self.value)
        # Children follow parents, so one backward pass computes every internal mean.
        for i in range(len(feature) - 1, -1, -1):
            if feature[i] >= 0:
                wl, wr = weight[left[i]], weight[right[i]]
                total = wl + wr
                mean[i] = ((wl * mean[left[i]] + wr * mean[right[i]]) / total if total > 0
                           else (mean[left[i]] + mean[right[i]]) / 2)
                weight[i] = total
        # Lay each tree out breadth first with siblings adjacent: the evaluator finds the right
        # child at left + 1 and reads one 16-byte node per level.
        nodes, means, roots, depths = [], [], [], []
        for root in self.roots:
            new_index = {root: len(nodes)}
            level = {root: 0}
            nodes.append(None)
            means.append(0.0)
            roots.append(new_index[root])
            depths.append(0)
            queue = collections.deque([root])
            while queue:
                old = queue.popleft()
                i = new_index[old]
                means[i] = mean[old]
                if feature[old] < 0:
                    # A leaf is its own child; its value is its mean.
                    nodes[i] = (math.inf, i, 0, NF_LEAF | NF_NAN_LEFT, 1)
                    depths[-1] = max(depths[-1], level[old])
                    continue
                level[left[old]] = level[right[old]] = level[old] + 1
                new_index[left[old]], new_index[right[old]] = len(nodes), len(nodes) + 1
                nodes.extend((None, None))
                means.extend((0.0, 0.0))
                nan_left = _nan_goes_left(self.flags[old], self.threshold[old])
                nodes[i] = (self.threshold[old], new_index[left[old]], feature[old],
                            self.flags[old] | (NF_NAN_LEFT if nan_left else 0), int(nan_left))
                queue.extend((left[old], right[old]))
        array = np.array(nodes, dtype=NODE_DTYPE)
        return TreeEnsemble(array, means, roots, depths, base_margin, link, scale, n_features, float32, version)


def _nan_goes_left(flags: int, threshold: float) -> bool:
    """Where the library sends a NaN at a node: XGBoost and LightGBM missing_type NaN by the
    default direction; LightGBM missing_type None treats NaN as 0.0 and compares."""
    if flags & (NF_STRICT_LESS | NF_MISSING_NAN):
        return bool(flags & NF_DEFAULT_LEFT)
    return 0.0 <= threshold


def _sigmoid_scale(objective: str) -> float:
    parts = objective.split()
    if not parts or parts[0] not in ("binary", "cross_entropy", "xentropy"):
        raise ModelError(f"only binary objectives are supported, not {objective!r}")
    for part in parts[1:]:
        if part.startswith("sigmoid:"):
            return float(part.split(":", 1)[1])
    return 1.0


def _lightgbm_text(text: str, schema, version: str, source: str) -> TreeEnsemble:
    header, _, body = text.partition("\nTree=")
    meta = dict(line.split("=", 1) for line in header.splitlines() if "=" in line)
    if "objective" not in meta:
        raise NotAModel(source, "text starting 'tree' without an objective= line")
    if int(meta.get("num_class", 1)) != 1:
        raise ModelError("multiclass models are not supported")
    scale = _sigmoid_scale(meta.get("objective", ""))
    names = meta.get("feature_names", "").split()
    n_model = int(meta["max_feature_idx"]) + 1
    fmap, width = _feature_map(names, n_model, schema)
    b = _Builder()
    for block in ("Tree=" + body).split("\nTree=")[0:]:
        block = block.split("end of trees")[0]
        fields = dict(line.split("=", 1) for line in block.splitlines() if "=" in line and not line.startswith("Tree"))
        if "num_leaves" not in fields:
            continue
        n_leaves = int(fields["num_leaves"])
        if not 1 <= n_leaves <= MAX_NODES:
            raise ModelError(f"num_leaves must be between 1 and {MAX_NODES}")
        if int(fields.get("num_cat", 0)) > 0:
            raise ModelError("categorical splits are not supported")
        leaf_value = [float(v) for v in fields["leaf_value"].split()]
        leaf_weight = [float(v) for v in fields.get("leaf_weight", "").split()] or [1.0] * n_leaves
        if n_leaves == 1:
            b.roots.append(b.node(-1, 0.0, 0, leaf_value[0], leaf_weight[0]))
            continue
        split_feature = [int(v) for v in fields["split_feature"].split()]
        threshold = [float(v) for v in fields["threshold"].split()]
        decision = [int(v) for v in fields["decision_type"].split()]
        left = [int(v) for v in fields["left_child"].split()]
        right = [int(v) for v in fields["right_child"].split()]
        base = len(b.feature)
        n_internal = n_leaves - 1
        for i in range(n_internal):
            if decision[i] & 1:
                raise ModelError("categorical splits are not supported")
            missing = (decision[i] >> 2) & 3
            flags = (NF_DEFAULT_LEFT if decision[i] & 2 else 0) | (NF_MISSING_ZERO if missing == 1 else 0) | (
                NF_MISSING_NAN if missing == 2 else 0)
            b.node(_split_feature(fmap, split_feature[i]), threshold[i], flags, 0.0, 0.0)
        for j in range(n_leaves):
            b.node(-1, 0.0, 0, leaf_value[j], leaf_weight[j])
        child = lambda c, base=base, n_internal=n_internal: base + c if c >= 0 else base + n_internal + ~c  # noqa: E731
        for i in range(n_internal):
            b.left[base + i], b.right[base + i] = child(left[i]), child(right[i])
        b.roots.append(base)
    if not b.roots:
        raise ModelError("no trees in the LightGBM model")
    return b.build(0.0, LINK_SIGMOID, scale, width, False, version)


def _lightgbm_json(model: dict, schema, version: str) -> TreeEnsemble:
    if model.get("num_class", 1) != 1:
        raise ModelError("multiclass models are not supported")
    scale = _sigmoid_scale(model.get("objective", ""))
    names = model.get("feature_names", [])
    fmap, width = _feature_map(names, model["max_feature_idx"] + 1, schema)
    b = _Builder()
    missing_flags = {"None": 0, "Zero": NF_MISSING_ZERO, "NaN": NF_MISSING_NAN}

    def add(node: dict) -> int:
        if "leaf_value" in node:
            return b.node(-1, 0.0, 0, float(node["leaf_value"]), float(node.get("leaf_weight", 1.0)))
        if node.get("decision_type") != "<=":
            raise ModelError("categorical splits are not supported")
        flags = (NF_DEFAULT_LEFT if node.get("default_left") else 0) | missing_flags[node.get("missing_type", "None")]
        i = b.node(_split_feature(fmap, node["split_feature"]), float(node["threshold"]), flags, 0.0, 0.0)
        b.left[i] = add(node["left_child"])
        b.right[i] = add(node["right_child"])
        return i

    for tree in model["tree_info"]:
        b.roots.append(add(tree["tree_structure"]))
    return b.build(0.0, LINK_SIGMOID, scale, width, False, version)


def _xgboost_json(model: dict, schema, version: str) -> TreeEnsemble:
    learner = model["learner"]
    objective = learner["objective"]["name"]
    if objective not in ("binary:logistic", "reg:logistic"):
        raise ModelError(f"only binary:logistic XGBoost models are supported, not {objective!r}")
    booster = learner["gradient_booster"]
    if booster["name"] != "gbtree":
        raise ModelError(f"only gbtree boosters are supported, not {booster['name']!r}")
    param = learner["learner_model_param"]
    if int(param.get("num_class", "0")) > 1 or int(param.get("num_target", "1")) > 1:
        raise ModelError("multiclass and multi-target models are not supported")
    base_margin = logistic_margin_f32(float(param["base_score"].strip("[]")))
    trees = booster["model"]["trees"]
    n_model = int(param["num_feature"])
    fmap, width = _feature_map(learner.get("feature_names") or [], n_model, schema)
    b = _Builder()
    for tree in trees:
        if any(tree.get("split_type", [])):
            raise ModelError("categorical splits are not supported")
        left, right = tree["left_children"], tree["right_children"]
        base = len(b.feature)
        hess = tree.get("sum_hessian") or [1.0] * len(left)
        for i in range(len(left)):
            if left[i] == -1:
                b.node(-1, 0.0, 0, float(np.float32(tree["split_conditions"][i])), float(hess[i]))
            else:
                flags = NF_STRICT_LESS | (NF_DEFAULT_LEFT if tree["default_left"][i] else 0)
                b.node(_split_feature(fmap, tree["split_indices"][i]), float(np.float32(tree["split_conditions"][i])),
                       flags, 0.0, float(hess[i]))
                b.left[base + i], b.right[base + i] = base + left[i], base + right[i]
        b.roots.append(base)
    return b.build(base_margin, LINK_SIGMOID_F32, 1.0, width, True, version)


def _linear(model: dict, schema, version: str) -> LinearModel:
    names = list(model["features"])
    coef = [float(v) for v in model["coefficients"]]
    fill = [float(v) for v in model.get("fill_values", [0.0] * len(coef))]
    if not (len(names) == len(coef) == len(fill)):
        raise ModelError("features, coefficients and fill_values must have the same length")
    if not all(math.isfinite(v) for v in coef + fill + [float(model["intercept"])]):
        raise ModelError("coefficients must be finite")
    fmap, width = _feature_map(names, len(names), schema)
    full_coef, full_fill = np.zeros(width), np.zeros(width)
    for i, j in enumerate(fmap):
        full_coef[j], full_fill[j] = coef[i], fill[i]
    return LinearModel(full_coef, full_fill, float(model["intercept"]), version)


def load_model(content: bytes | str, schema: list[str] | None = None, version: str | None = None,
               source: str = "the content") -> Scorer:
    """A compiled scorer from a model file's content. schema: the feature names the scorer
    reads, in order (None: the model's own feature order). source: how a refusal names the
    content ("model file my_model.txt")."""
    data = content.encode() if isinstance(content, str) else bytes(content)
    if len(data) > MAX_MODEL_BYTES:
        raise ModelError(f"model larger than {MAX_MODEL_BYTES} bytes")
    version = version or _version(data)
    if not data.strip():
        raise NotAModel(source, "it is empty")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise NotAModel(source, "binary data, not UTF-8 text (a pickled or joblib model? "
                                "save the booster to a file instead)") from None
    try:
        if text.startswith("tree\n"):
            return _lightgbm_text(text, schema, version, source)
        if text.lstrip()[:1] not in ("{", "["):
            raise NotAModel(source, f"text starting {_text_start(text)}")
        model = json.loads(text)
        if not isinstance(model, dict):
            raise NotAModel(source, f"a JSON {_json_kind(model)}, not an object")
        if "tree_info" in model:
            return _lightgbm_json(model, schema, version)
        if "learner" in model:
            return _xgboost_json(model, schema, version)
        if model.get("format") == LINEAR_FORMAT:
            return _linear(model, schema, version)
    except ModelError:
        raise
    except RecursionError:
        raise ModelError("malformed model file: nested too deeply") from None
    except (KeyError, ValueError, TypeError, IndexError, AttributeError, ArithmeticError) as exc:
        # AttributeError: a JSON value of another type than the format's (a list for an object).
        raise ModelError(f"malformed model file: {exc!r}") from exc
    keys = ", ".join(list(model)[:6]) + (", ..." if len(model) > 6 else "")
    raise NotAModel(source, f"a JSON object of unknown model format (keys: {keys or 'none'})")


def linear_from_sklearn(estimator, feature_names: list[str], fill_values: list[float] | None = None) -> str:
    """An authcore-linear-v1 JSON document from a fitted binary sklearn LogisticRegression."""
    coef = np.asarray(estimator.coef_, dtype=np.float64)
    if coef.shape[0] != 1:
        raise ModelError("only binary logistic regression")
    return json.dumps({"format": LINEAR_FORMAT, "features": list(feature_names),
                       "coefficients": coef[0].tolist(), "intercept": float(np.asarray(estimator.intercept_)[0]),
                       "fill_values": list(fill_values) if fill_values is not None else [0.0] * coef.shape[1]})
