"""The nonsmooth lab: what gradient methods do on nonsmooth losses, next to the proximal fix.

Experiments after Kumar, "GD doesn't make the cut: three ways that
non-differentiability affects neural network training", and the other seeds
(Cohen et al.'s edge of stability, Le's stochastic dynamics, implicit layers).
Each is a function returning a record of NumPy arrays (seeded, every parameter
exposed, defaults that run in seconds) with ``.summary()`` and ``.plot(out)``;
the numbers come from the library's own native solvers (:func:`nonsmooth.train`,
:mod:`nonsmooth.optim`, :class:`nonsmooth.Lasso`, :func:`nonsmooth.minimize`,
:mod:`nonsmooth.prox`, :mod:`nonsmooth.implicit`).

=====================  ================================================================
``toy_l1``             λ‖β‖₁ at constant step: two-point cycles, larger λ → larger ‖β‖₁
``lasso``              a 20 × 500 Lasso: NDGMs vs coordinate descent / FISTA / proximal SGD
``relu_regression``    a convex ReLU regression: loss down, ‖β‖∞ up
``huber``              Huber at steps 0.1 and 10: bounded oscillation vs quadratic divergence
``activations``        MLPs with ReLU vs GELU/softplus, same data and init
``pruning``            ℓ1 pruning of a digits MLP: SGD, RMSProp, Adam vs proximal SGD
``edge_of_stability``  sharpness along GD, least squares vs Huber, against 2/α
``le_dynamics``        stochastic subgradient / heavy ball avoid artificial critical points
``le_bilevel``         a pseudo-inverse hypergradient cycles and turns chaotic where X_EᵀX_E is singular
``deq``                a deep-equilibrium layer trained by implicit differentiation
``pruning_methods``    ℓ1, group Lasso, iterative magnitude pruning, ℓ0 gates on one MLP
``cnn_depth``          Kumar Fig. 2 on digits CNNs: ReLU vs GELU, ± batch norm, by depth
``cnn_pruning``        Kumar Fig. 3 / Table 2 on digits CNNs: small weights by optimizer and λ
=====================  ================================================================

>>> from nonsmooth import lab
>>> result = lab.toy_l1(lam=2.0, lr=0.01)          # doctest: +SKIP
>>> print(result.summary()); result.plot("toy_l1.png")   # doctest: +SKIP

From the shell: ``python -m nonsmooth lab`` lists them, ``python -m nonsmooth
lab toy_l1 --lam 2 --out toy.png`` runs one.
"""
from typing import Any, Callable

from .edge_of_stability import EdgeOfStabilityResult, edge_of_stability, plot_edge_of_stability, sharpness
from .activations import ActivationsResult, activations, plot_activations, teacher_data
from .cnn import CNNDepthResult, CNNPruningResult, cnn_depth, cnn_pruning, plot_cnn_depth, plot_cnn_pruning
from .deq import DEQResult, deq, equilibrium, plot_deq
from .pruning_methods import PruningMethodsResult, hard_concrete_gates, plot_pruning_methods, pruning_methods
from .le_dynamics import LeDynamicsResult, le_dynamics, plot_le_dynamics
from .le_bilevel import LeBilevelResult, le_bilevel, plot_le_bilevel
from .huber import HuberResult, huber, plot_huber
from .lasso import LassoResult, lasso, plot_lasso, wide_design
from .pruning import PruningResult, digits_split, plot_pruning, pruning
from .relu_regression import ReluRegressionResult, plot_relu_regression, relu_regression
from .toy_l1 import ToyL1Result, plot_toy_l1, toy_l1, two_point_cycle

#: name → (experiment function, plotting function), in the order of the issue.
EXPERIMENTS: dict[str, tuple[Callable[..., Any], Callable[..., Any]]] = {
    "toy_l1": (toy_l1, plot_toy_l1),
    "lasso": (lasso, plot_lasso),
    "relu_regression": (relu_regression, plot_relu_regression),
    "huber": (huber, plot_huber),
    "activations": (activations, plot_activations),
    "pruning": (pruning, plot_pruning),
    "edge_of_stability": (edge_of_stability, plot_edge_of_stability),
    "le_dynamics": (le_dynamics, plot_le_dynamics),
    "le_bilevel": (le_bilevel, plot_le_bilevel),
    "deq": (deq, plot_deq),
    "pruning_methods": (pruning_methods, plot_pruning_methods),
    "cnn_depth": (cnn_depth, plot_cnn_depth),
    "cnn_pruning": (cnn_pruning, plot_cnn_pruning),
}

__all__ = ["EXPERIMENTS", "ActivationsResult", "EdgeOfStabilityResult", "edge_of_stability", "plot_edge_of_stability",
           "sharpness", "LeDynamicsResult", "le_dynamics", "plot_le_dynamics",
           "LeBilevelResult", "le_bilevel", "plot_le_bilevel",
           "DEQResult", "deq", "equilibrium", "plot_deq", "PruningMethodsResult", "plot_pruning_methods",
           "pruning_methods", "hard_concrete_gates", "CNNDepthResult", "CNNPruningResult", "cnn_depth",
           "cnn_pruning", "plot_cnn_depth", "plot_cnn_pruning", "HuberResult", "LassoResult", "PruningResult", "ReluRegressionResult",
           "ToyL1Result", "activations", "digits_split", "huber", "lasso", "plot_activations", "plot_huber",
           "plot_lasso", "plot_pruning", "plot_relu_regression", "plot_toy_l1", "pruning", "relu_regression",
           "teacher_data", "toy_l1", "two_point_cycle", "wide_design"]
