"""Restarted GMRES on a matrix-free operator (Saad & Schultz 1986).

The implicit function theorem needs solves with ∂F/∂x, which is available only
through the autodiff's Jacobian-vector or vector-Jacobian products and is not
symmetric in general, so CG does not apply.
"""
from __future__ import annotations

from typing import Callable

import numpy as np


def gmres(matvec: Callable[[np.ndarray], np.ndarray], b: np.ndarray, *, tol: float = 1e-10,
          restart: int = 50, maxiter: int = 1000) -> tuple[np.ndarray, float, int]:
    """Solve A x = b; returns (x, relative residual ‖b − Ax‖/‖b‖, matvecs used).

    Arnoldi with modified Gram–Schmidt (and one re-orthogonalisation pass) and
    Givens rotations on the Hessenberg matrix; restarts every `restart` steps.
    """
    n = b.size
    x = np.zeros(n)
    bnorm = float(np.linalg.norm(b))
    if bnorm == 0.0:
        return x, 0.0, 0
    restart = max(1, min(restart, n))
    used = 0
    r = b.copy()
    rel = 1.0
    while used < maxiter:
        beta = float(np.linalg.norm(r))
        rel = beta / bnorm
        if rel <= tol:
            break
        V = np.zeros((restart + 1, n))
        H = np.zeros((restart + 1, restart))
        cs, sn = np.zeros(restart), np.zeros(restart)
        g = np.zeros(restart + 1)
        g[0] = beta
        V[0] = r / beta
        k = 0
        for k in range(restart):
            w = matvec(V[k])
            used += 1
            for _ in range(2):  # modified Gram–Schmidt, twice for stability
                for i in range(k + 1):
                    h = float(V[i] @ w)
                    H[i, k] += h
                    w = w - h * V[i]
            H[k + 1, k] = float(np.linalg.norm(w))
            if H[k + 1, k] > 0:
                V[k + 1] = w / H[k + 1, k]
            for i in range(k):  # apply the previous rotations to the new column
                t = cs[i] * H[i, k] + sn[i] * H[i + 1, k]
                H[i + 1, k] = -sn[i] * H[i, k] + cs[i] * H[i + 1, k]
                H[i, k] = t
            d = np.hypot(H[k, k], H[k + 1, k])
            cs[k], sn[k] = (1.0, 0.0) if d == 0 else (H[k, k] / d, H[k + 1, k] / d)
            H[k, k] = d
            H[k + 1, k] = 0.0
            g[k + 1] = -sn[k] * g[k]
            g[k] = cs[k] * g[k]
            if abs(g[k + 1]) / bnorm <= tol or H[k, k] == 0 or used >= maxiter:
                break
        m = k + 1
        diag = np.abs(np.diag(H[:m, :m]))
        if np.any(diag == 0):
            m = int(np.argmax(diag == 0))
            if m == 0:
                break  # breakdown at the first step: A is singular on this Krylov space
        y = np.linalg.solve(np.triu(H[:m, :m]), g[:m])
        x = x + V[:m].T @ y
        r = b - matvec(x)
        used += 1
        rel = float(np.linalg.norm(r)) / bnorm
        if rel <= tol:
            break
    return x, rel, used
