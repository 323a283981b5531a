"""Consensus ADMM on a Dask cluster for the elastic net (Boyd, Parikh, Chu,
Peleato & Eckstein, "Distributed optimization and statistical learning via the
alternating direction method of multipliers", 2011, §7.1 and §8.2).

With the rows split into N shards (one per worker),

    min Σ_i f_i(x_i) + g(z)   s.t.  x_i = z,    f_i(x) = (1/2n)‖y_i − X_i x‖²,

the iteration is

    x_i⁺ = argmin f_i(x) + (ρ/2)‖x − z + u_i‖²                (on worker i)
    x̂_i  = a·x_i⁺ + (1 − a)·z                                  (over-relaxation)
    z⁺   = prox_{g/(Nρ)}(mean_i(x̂_i + u_i))                    (on the driver)
    u_i⁺ = u_i + x̂_i − z⁺.

The driver keeps z, every u_i and x_i (N p-vectors): a worker holds only its
shard and the cached factorization, so a lost worker costs a recomputation of
its shard, never the ADMM state. Per iteration one message of 2p floats goes
to each worker (v_i = z − u_i and z) and one of 2p comes back (x_i⁺ and G_i z,
which gives the duality gap at z for free).
"""
from __future__ import annotations

from collections import defaultdict

import numpy as np

from .. import prox as _prox
from . import _shards
from ._actors import ActorGroup


class Penalty:
    """g(z) = α Σ_j w_j (ρ_1|z_j| + (1 − ρ_1)/2 z_j²), optionally with z ≥ 0."""

    def __init__(self, alpha, l1_ratio, weights, positive, p):
        self.alpha, self.l1_ratio, self.positive = alpha, l1_ratio, positive
        self.weights = np.ones(p) if weights is None else weights
        self.l1 = alpha * l1_ratio * self.weights
        self.l2 = alpha * (1 - l1_ratio) * self.weights

    def prox(self, v, step):
        z = _prox.elastic_net(v, step * self.alpha, self.l1_ratio, self.weights)
        return np.maximum(z, 0.0) if self.positive else z

    def value(self, beta):
        if self.positive and (beta < 0).any():
            return np.inf
        return float(self.l1 @ np.abs(beta) + 0.5 * self.l2 @ (beta * beta))


class Unpenalized:
    """The features U with zero penalty weight and their Gram columns G_{:,U}:
    the dual point must satisfy X_Uᵀθ = 0, so the residual is projected onto
    the orthogonal complement of span(X_U), P⊥r = r − X_U c with
    c = G_UU⁺ X_Uᵀr (the certificate of the coordinate-descent core). All the
    summaries of P⊥r follow from those of r and p×|U| numbers:
    ‖P⊥r‖² = ‖r‖² − (X_Uᵀr)ᵀc, y_cᵀP⊥r = y_cᵀr − b_Uᵀc, X_cᵀP⊥r = X_cᵀr − G_{:,U}c
    (X_U is centred, so the intercept column's projection is unaffected)."""

    def __init__(self, index, columns, b):
        self.index, self.columns, self.b = index, columns, b
        values, vectors = np.linalg.eigh(columns[index])
        keep = values > 1e-12 * max(float(values.max()), 1e-300)
        self.pinv = (vectors[:, keep] / values[keep]) @ vectors[:, keep].T

    def project(self, rr, yr, g):
        c = self.pinv @ g[self.index]
        return max(rr - float(g[self.index] @ c), 0.0), yr - float(self.b[self.index] @ c), g - self.columns @ c


def duality_gap(beta, rr, yr, sr, g, yy, n, penalty, fit_intercept, inert, unpenalized=None):
    """The elastic net duality gap of coordinate descent (``ns.ElasticNet``'s
    certificate), from the residual r = y_c − X_cβ summarized as ‖r‖², y_cᵀr,
    √sᵀr and X_cᵀr. The dual point is θ̃ = t·(θ₀, −√λ₂β) with θ₀ = r projected
    orthogonally to the intercept column √s and to the unpenalized features
    (:class:`Unpenalized`), t the best feasible scaling.

    Returns (gap, primal), both divided by n (scikit-learn's scaling).
    """
    lam1, lam2 = n * penalty.l1, n * penalty.l2
    primal = 0.5 * rr + n * penalty.value(beta)
    if unpenalized is not None:
        rr, yr, g = unpenalized.project(rr, yr, g)
    theta2 = rr - (sr * sr / n if fit_intercept else 0.0) + float(lam2 @ (beta * beta))
    a = g - lam2 * beta
    constrained = (lam1 > 0) & ~inert
    ratio = (a if penalty.positive else np.abs(a))[constrained] / lam1[constrained]
    dual_norm = max(float(ratio.max()), 0.0) if ratio.size else 0.0
    if not np.isfinite(dual_norm) or not np.isfinite(primal):
        return np.inf, primal / n
    if yr <= 0:
        return primal / n, primal / n
    t = yr / theta2 if theta2 > 0 else np.inf
    if dual_norm > 0:
        t = min(t, 1.0 / dual_norm)
    dual = 0.0 if not np.isfinite(t) else t * yr - 0.5 * t * t * theta2
    return (primal - dual) / n, primal / n


class ShardedProblem(ActorGroup):
    """Shards held by Dask futures, one actor per shard answering ADMM's
    x-updates; a shard whose worker dies is rebuilt from its graph."""

    def _start_actors(self, client, shards, *actor_args):
        self.shards, self._shard_args = shards, actor_args
        self.n_shards = len(shards)
        self.start_actors(client, len(shards))

    @property
    def n_blocks(self):
        """N of consensus ADMM: the number of x-updates per iteration."""
        return len(self.actors)

    def actor_args(self, i):
        return (self.shards[i], *self._shard_args)

    def _call_all(self, rho, V, z):
        """One actor call per shard: (the stacked first p entries of each
        answer, the sum of the rest)."""
        out = self.call_actors("step", lambda i: (rho, V[i], z))
        k = V.shape[1]
        return np.array([o[:k] for o in out]), sum(o[k:] for o in out)

    def close(self):
        shards, self.shards = self.shards, []
        self.close_actors(*shards)

    def factorizations(self):
        return sum(a.count_factorizations().result() for a in self.actors)


def shards_by_worker(client, futures, make, *args):
    """One `make(*args, *futures of a worker)` task per worker holding some of
    `futures`, placed there (other workers allowed if it dies)."""
    groups = defaultdict(list)
    for key, holders in client.who_has(futures).items():
        groups[holders[0] if holders else None].append(key)
    by_key = {f.key: f for f in futures}
    return [client.submit(make, *args, *[by_key[k] for k in sorted(keys, key=str)],
                          workers=None if w is None else [w], allow_other_workers=True, pure=False)
            for w, keys in groups.items()]


class DistributedProblem(ShardedProblem):
    """The least-squares shards of one fit on the cluster and the driver's
    global summaries.

    Building it costs one pass over the data: each row chunk is reduced to its
    centred statistics where it lives, the driver combines the (rows, Σs, Σs·x,
    Σs·y) of every chunk into the global means, and the chunks of each worker
    are merged into one shard there (a Gram matrix, or the rows themselves when
    the shard has fewer rows than columns).

    Then either (``solver="gram"``) the shards' Gram matrices are summed by a
    tree reduction, the shards released, and the ADMM x-update runs on the
    driver (N = 1, no message per iteration), or (``"consensus"``) each shard
    stays with a Dask actor that keeps its factorization (consensus over N
    shards, one round trip per iteration).
    """

    actor_class = _shards.ShardSolver

    def __init__(self, client, data, fit_intercept, solver="auto"):
        from dask import delayed

        self.data, self.fit_intercept = data, fit_intercept
        chunks = data.delayed()
        stats = client.compute([delayed(_shards.chunk_stats, pure=False)(x, y, s, fit_intercept, i)
                                for i, (x, y, s) in enumerate(chunks)])
        summaries = client.gather(client.map(_shards.chunk_summary, stats, pure=False))
        n = sum(s[0] for s in summaries)
        weight = sum(s[1] for s in summaries)
        if not weight > 0:
            raise ValueError("sample_weight: all weights are zero; at least one must be positive")
        p = data.n_features
        self.p = p
        self.mean = sum(s[2] for s in summaries) / weight if fit_intercept else np.zeros(p)
        self.ymean = sum(s[3] for s in summaries) / weight if fit_intercept else 0.0
        self.scale = n / weight  # scikit-learn normalizes the weights to sum to n
        shards = shards_by_worker(client, stats, _shards.make_shard, self.mean, self.ymean, self.scale)
        del stats
        parts = client.gather(client.map(_shards.shard_summary, shards, pure=False))
        self.b = sum(q[0] for q in parts)
        self.yy = float(sum(q[1] for q in parts))
        self.diag = sum(q[2] for q in parts)
        self.inert = self.diag <= 1e-26 * max(float(self.diag.max()), 1e-300)
        self.n = n
        self.local = None
        kernel = any(q[3] for q in parts)
        if solver == "gram" and kernel:
            raise ValueError("solver: 'gram' needs every shard to have at least n_features rows; use 'auto'")
        if solver == "gram" or (solver == "auto" and not kernel and p <= GRAM_ON_DRIVER_MAX_FEATURES):
            G = client.gather(_tree_sum(client, [client.submit(_shards.shard_gram, f, pure=False) for f in shards]))
            client.cancel(shards)  # their memory is free for the certifying pass
            self.local = _shards.ShardSolver(_shards.GramShard(G, self.b), n)
            self.n_shards = len(shards)
            self.client, self.shards, self.actors, self._actor_futures, self.recoveries = client, [], [], [], 0
            return
        self._start_actors(client, shards, n)

    @property
    def n_blocks(self):
        return 1 if self.local is not None else len(self.actors)

    def call_actors(self, method, args_of):
        if self.local is not None:  # the summed Gram matrix, on the driver
            return [getattr(self.local, method)(*args_of(0))]
        return super().call_actors(method, args_of)

    def tolerance(self, tol):
        return tol * self.yy / self.n

    def step(self, rho, V, z, penalty):
        """x-updates of every shard at v_i = V[i], and the duality gap at z
        from the shards' G_i z: (X, (gap, primal))."""
        X, Gz = self._call_all(rho, V, z)
        return X, self.gram_gap(z, Gz, penalty)

    def certify(self, z, penalty, estimate, polish=True):
        """The certified point: z, or the polished point on its support when its
        gap is smaller, both certified by one pass over the rows (the estimate
        from the Gram summaries cancels, so it only decides when to try).
        Returns (β, (gap, primal))."""
        del estimate
        candidate = self.polished(z, penalty) if polish else None
        if candidate is None:
            return z, self.data_gaps([z], penalty)[0]
        at_z, at_candidate = self.data_gaps([z, candidate], penalty)
        return (candidate, at_candidate) if at_candidate[0] < at_z[0] else (z, at_z)

    def gram_gap(self, beta, Gz, penalty):
        """Duality gap at β from the Gram summaries (no pass over the data):
        ‖r‖² = ‖y‖² − 2bᵀβ + βᵀGβ, y_cᵀr = ‖y‖² − bᵀβ, X_cᵀr = b − Gβ."""
        bb = float(self.b @ beta)
        rr = max(self.yy - 2 * bb + float(beta @ Gz), 0.0)
        return duality_gap(beta, rr, self.yy - bb, 0.0, self.b - Gz, self.yy, self.n, penalty,
                           self.fit_intercept, self.inert, self.unpenalized(penalty))

    def data_gaps(self, betas, penalty):
        """The certificate: the duality gap at each β of `betas` from one
        map-reduce over the rows (the residual of each chunk and its
        correlations X_cᵀr, for all β in the same read)."""
        from dask import delayed

        B = np.column_stack(betas)
        parts = [delayed(_shards.chunk_gap, pure=False)(x, y, s, B, self.mean, self.ymean, self.scale,
                                                       self.fit_intercept)
                 for x, y, s in self.data.delayed()]
        total = self.client.compute(delayed(_sum)(*parts)).result()
        unpenalized = self.unpenalized(penalty)
        return [duality_gap(beta, float(t[0]), float(t[1]), float(t[2]), t[3:], self.yy, self.n, penalty,
                            self.fit_intercept, self.inert, unpenalized) for beta, t in zip(betas, total.T)]

    def unpenalized(self, penalty):
        """The :class:`Unpenalized` features of `penalty` (None when every
        feature is penalized), their Gram columns summed from the shards once."""
        index = np.flatnonzero((penalty.l1 == 0) & ~self.inert)
        if index.size == 0:
            return None
        cached = getattr(self, "_unpenalized", None)
        if cached is None or not np.array_equal(cached.index, index):
            columns = sum(self.call_actors("gram_columns", lambda i: (index,)))
            self._unpenalized = Unpenalized(index, columns, self.b)
        return self._unpenalized

    def polished(self, z, penalty):
        """Support polishing: the exact minimizer on the support S of z with
        the signs of z fixed, (G_SS + λ₂) β_S = b_S − λ₁ sign(z_S) (one round
        trip of |S|² floats per shard, none with the Gram on the driver), or
        None when its signs disagree (the caller keeps it if certified better)."""
        support = np.flatnonzero(z)
        if support.size == 0 or support.size > 2000:
            return None
        G = sum(self.call_actors("gram_block", lambda i: (support,)))
        sign = np.sign(z[support])
        lam1, lam2 = self.n * penalty.l1[support], self.n * penalty.l2[support]
        G[np.diag_indices_from(G)] += lam2
        try:
            beta_s = np.linalg.solve(G, self.b[support] - lam1 * sign)
        except np.linalg.LinAlgError:
            return None
        penalized = lam1 > 0  # an unpenalized coefficient may take any sign
        if not np.isfinite(beta_s).all() or (np.sign(beta_s[penalized]) != sign[penalized]).any():
            return None
        beta = np.zeros_like(z)
        beta[support] = beta_s
        return beta

    def intercept(self, beta):
        return float(self.ymean - self.mean @ beta) if self.fit_intercept else 0.0


def _sum(*parts):
    return np.sum(parts, axis=0)


#: Largest p for which the shards' Gram matrices are summed on the driver
#: (p² floats: 128 MiB at 4096) rather than kept on the workers.
GRAM_ON_DRIVER_MAX_FEATURES = 4096


def _tree_sum(client, futures):
    """The sum of `futures` by pairwise tasks (depth log₂ N, no worker
    receives more than two operands at a time)."""
    while len(futures) > 1:
        pairs = [client.submit(_sum, a, b, pure=False) for a, b in zip(futures[::2], futures[1::2])]
        futures = pairs + ([futures[-1]] if len(futures) % 2 else [])
    return futures[0]


class ADMMState:
    """z, u_i, x_i and ρ of a consensus ADMM run, kept by the driver."""

    def __init__(self, z0, n_shards, rho):
        p = z0.shape[0]
        self.z = z0.copy()
        self.U = np.zeros((n_shards, p))
        self.X = np.tile(z0, (n_shards, 1))
        self.rho = rho
        self.updates = 0


def consensus_admm(problem, penalty, state, *, tol, max_iter, relaxation, balancing=True,
                   threshold=10.0, factor=2.0, interval=5, max_updates=30, report=None, polish=True):
    """Run until the duality gap at z is at most ``problem.tolerance(tol)``
    (the problem's per-iteration estimate, confirmed by ``problem.certify``)
    or max_iter iterations.

    When the estimate says converged, ``problem.certify`` may replace z by the
    exact minimizer on its support (kept only when certified better). Returns a dict with the
    certified gap, the history and the stop reason.
    Residual balancing follows ``ns.admm``'s core: every `interval`
    iterations ρ is multiplied (divided) by `factor` when the relative primal
    residual exceeds `threshold` times the relative dual residual (or the
    reverse), at most `max_updates` times; u is rescaled so ρu is unchanged.
    """
    N, p = state.U.shape
    tolerance = problem.tolerance(tol)
    floor_tol = lambda primal: max(tolerance, 1e-13 * primal)  # noqa: E731  (rounding floor, as the core)
    gaps, residuals = [], []
    certified = None
    reason = "max_iter"
    certifications = 0
    it = 0
    a = relaxation
    while True:
        z = state.z
        V = z[None, :] - state.U
        Xn, (gap, primal) = problem.step(state.rho, V, z, penalty)
        gaps.append((it, gap))
        if report is not None and report(it, gap) is False:
            reason = "callback"
            break
        if gap <= floor_tol(primal):
            beta, certified = problem.certify(z, penalty, (gap, primal), polish)
            certifications += 1
            if certified[0] <= floor_tol(certified[1]):
                state.z = beta
                reason = "converged"
                break
            if certifications >= 3:  # rounding in the Gram summaries, not progress: stop and warn
                reason = "max_iter"
                break
            certified = None
        if it >= max_iter:
            break
        it += 1
        state.X = Xn
        Xhat = a * Xn + (1 - a) * z[None, :]
        z_new = penalty.prox(np.mean(Xhat + state.U, axis=0), 1.0 / (N * state.rho))
        z_new[problem.inert] = 0.0
        state.U += Xhat - z_new[None, :]
        r = float(np.sqrt(((Xn - z_new[None, :]) ** 2).sum()))
        s = state.rho * np.sqrt(N) * float(np.linalg.norm(z_new - z))
        x_scale = max(float(np.sqrt((Xn ** 2).sum())), np.sqrt(N) * float(np.linalg.norm(z_new)))
        u_scale = state.rho * float(np.sqrt((state.U ** 2).sum()))
        residuals.append((it, r, s))
        state.z = z_new
        if not np.isfinite(z_new).all():
            raise FloatingPointError("nonsmooth.distributed: the ADMM iterates stopped being finite")
        if balancing and it % interval == 0 and state.updates < max_updates:
            rel_r = r / max(x_scale, 1e-300)
            rel_s = s / max(u_scale, 1e-300)
            change = factor if rel_r > threshold * rel_s else (1 / factor if rel_s > threshold * rel_r else 1.0)
            if change != 1.0:
                state.rho *= change
                state.U /= change
                state.updates += 1
    if certified is None:
        _, certified = problem.certify(state.z, penalty, None, polish=False)
    # A duality gap is ≥ 0 by weak duality; a negative value is the rounding of
    # the distributed sums (as the local solvers do, report 0; NaN stays NaN).
    gap = certified[0] if not certified[0] < 0 else 0.0
    return {"gap": gap, "primal": certified[1], "tolerance": tolerance, "iterations": it,
            "reason": reason, "gaps": gaps, "residuals": residuals}
