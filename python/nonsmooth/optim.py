"""Optimizers and learning-rate schedules for :func:`nonsmooth.train` and for
your own loops (``opt.step(params, grads)`` updates NumPy arrays in place).

>>> import numpy as np
>>> from nonsmooth.optim import Adam, cosine
>>> opt = Adam(cosine(1e-2, minimum=1e-4, steps=100))
>>> w = np.ones(3)
>>> opt.step(w, np.array([1.0, -1.0, 0.0]))
>>> w
array([0.99, 1.01, 1.  ])
"""
from .training._optimizers import AdaGrad, Adam, Momentum, Nesterov, Optimizer, RMSProp, SGD
from .training._schedules import OneMinus, Schedule, constant, cosine, diminishing, one_minus, step_decay

__all__ = ["AdaGrad", "Adam", "Momentum", "Nesterov", "Optimizer", "RMSProp", "SGD", "Schedule", "constant",
           "cosine", "diminishing", "one_minus", "OneMinus", "step_decay"]
