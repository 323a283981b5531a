"""Native training of traced nonsmooth losses.

:func:`train` runs the whole loop (minibatch sampling, conservative gradients,
optimizer update, proximal step, history) in Swift; the optimizers
(:mod:`nonsmooth.optim`) are also usable step by step from Python and run the
very same native update rules.
"""
from ._optimizers import AdaGrad, Adam, Momentum, Nesterov, Optimizer, RMSProp, SGD
from ._result import History, TrainResult
from ._schedules import OneMinus, Schedule, constant, cosine, diminishing, one_minus, step_decay
from ._train import train

__all__ = ["AdaGrad", "Adam", "History", "Momentum", "Nesterov", "Optimizer", "RMSProp", "SGD", "Schedule",
           "TrainResult", "constant", "cosine", "diminishing", "one_minus", "OneMinus", "step_decay", "train"]
