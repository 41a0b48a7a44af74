from typing_extensions import disjoint_base

import numpy as np
import numpy.typing as npt

NODE_DTYPE: np.dtype

def logistic_margin_f32(base_score: float) -> float: ...

@disjoint_base  # a Cython extension type
class Scorer:
    n_features: int
    version: str
    def predict(self, X: npt.NDArray[np.float64], raw: bool = ...) -> npt.NDArray[np.float64]: ...
    def score(self, x: npt.NDArray[np.float64]) -> float: ...
    def explain(self, x: npt.NDArray[np.float64]) -> tuple[float, npt.NDArray[np.float64]]: ...

@disjoint_base  # a Cython extension type
class TreeEnsemble(Scorer):
    def __init__(self, nodes: npt.ArrayLike, mean: npt.ArrayLike, roots: npt.ArrayLike, depths: npt.ArrayLike,
                 base_margin: float, link: int, sigmoid_scale: float, n_features: int, float32: bool,
                 version: str) -> None: ...
    @property
    def n_trees(self) -> int: ...
    @property
    def n_nodes(self) -> int: ...
    def root_means(self) -> float: ...

@disjoint_base  # a Cython extension type
class LinearModel(Scorer):
    def __init__(self, coef: npt.ArrayLike, fill: npt.ArrayLike, intercept: float, version: str) -> None: ...
