"""Bilevel tuning of Lasso-type models by nonsmooth implicit differentiation.

Hyperparameters (the Lasso's α, the elastic net's two strengths, or one
strength per feature) are chosen by gradient descent on a validation
criterion — K-fold CV, held-out MSE, SURE — instead of a grid search. The
hypergradient comes from the optimality condition of the inner problem on the
support of its solution (Bertrand et al., JMLR 2022), computed natively, with
diagnostics of the implicit-function conditions (support, equicorrelation set,
invertibility) and documented fallbacks where they fail (Bolte, Le, Pauwels &
Silveti-Falls, NeurIPS 2021).

>>> import nonsmooth as ns
>>> model = ns.LassoTuned(criterion="cv", cv=5).fit(X, y)          # doctest: +SKIP
>>> model.alpha_, model.criterion_, model.history_[-1]                # doctest: +SKIP
"""
from ._criteria import SURE, CrossVal, Criterion, FiniteDifferenceSURE, HeldOut
from ._estimators import ElasticNetTuned, LassoTuned, WeightedLassoTuned, lasso_criterion_path
from ._hypergradient import Diagnostics, ImplicitDifferentiationWarning, hypergradient
from ._optimizers import LBFGS, Adam, FirstOrder, GradientDescent  # Adam: deprecated, not in __all__

__all__ = [
    "Criterion",
    "CrossVal",
    "Diagnostics",
    "ElasticNetTuned",
    "FiniteDifferenceSURE",
    "FirstOrder",
    "GradientDescent",
    "HeldOut",
    "ImplicitDifferentiationWarning",
    "LBFGS",
    "LassoTuned",
    "SURE",
    "WeightedLassoTuned",
    "hypergradient",
    "lasso_criterion_path",
]
