"""Operator instances and independent mathematical references for the prox tests.

Everything here is written from the definitions of the functions (values,
subdifferentials, normal cones, support functions), not from the library's
code: the tests compare what ``nonsmooth.prox`` computes against these facts.

A :class:`Case` holds one operator instance with non-trivial parameters, the
same parameters in plain Python (``p``) for the references, the shape of the
inputs it acts on, and the steps to try.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

import nonsmooth as ns

P = ns.prox
N = 12  # length of the vectors of the vector cases

# ---- parameters shared by several cases ------------------------------------------------
WEIGHTS = np.array([0.5, 1.0, 0.0, 2.0, 1.5, 0.3, 1.0, 0.0, 0.8, 1.2, 2.5, 0.1])
LABELS = np.array([0, 0, 1, 1, 1, 2, -1, 2, 0, 3, 3, -1])           # 6 and 11 in no group
LISTS = [[0, 5, 7], [1, 2], [3, 4, 6, 8, 9]]                         # 10 and 11 in no group
LIST_WEIGHTS = np.array([1.0, 0.0, 2.5])                             # group 1 unpenalized
LOWER = np.array([-1, -0.5, -np.inf, 0, -2, -0.1, -np.inf, 0.3, -1, -1, 0, -0.7])
UPPER = np.array([1, 0.5, 0, np.inf, -1, 0.1, np.inf, 0.3, 2, -0.5, 0, np.inf])
UPPER_ONLY = np.array([0.5, np.inf, -1, 0, 2, 1, 1, np.inf, -0.3, 0, 0.2, 3])
NORMAL = np.array([0.9, -1.3, 0.4, 2.0, -0.7, 0.1, 1.1, -0.2, 0.6, -1.8, 0.5, 0.3])
SPARSE_NORMAL = np.array([0, 0, 3.0, 0, -1.0, 0, 0, 0, 0.5, 0, 0, 0])
LABELS_Y = np.array([1, -1, 2, -0.5, 0, 1, -1, 3, 1, -2, 0.25, -1])


def group_lists(groups, n: int) -> list[np.ndarray]:
    """Groups as index arrays, from an int size, an array of labels or lists."""
    if isinstance(groups, (int, np.integer)):
        return [np.arange(s, s + groups) for s in range(0, n, groups)]
    if isinstance(groups, np.ndarray):
        return [np.flatnonzero(groups == g) for g in np.unique(groups[groups >= 0])]
    return [np.asarray(g, dtype=int) for g in groups]


def group_weights(groups, weights, n: int) -> np.ndarray:
    lists = group_lists(groups, n)
    if weights is None:
        return np.sqrt([len(g) for g in lists])
    return np.asarray(weights, dtype=float)


@dataclass
class Case:
    id: str
    op: object
    kind: str
    p: dict = field(default_factory=dict)
    shape: tuple = (N,)
    steps: tuple = (0.3, 1.0, 2.5)

    @property
    def convex(self) -> bool:
        return self.kind not in NONCONVEX

    @property
    def indicator(self) -> bool:
        return self.kind in INDICATORS

    @property
    def matrix(self) -> bool:
        return self.kind in ("nuclear", "psd")

    def __repr__(self):  # pytest ids
        return self.id


NONCONVEX = {"l0", "mcp", "scad"}
INDICATORS = {"box", "nonnegative", "l2_ball", "linf_ball", "l1_ball", "simplex", "hyperplane",
              "halfspace", "psd"}


def _cases() -> list[Case]:
    c = []
    add = c.append
    add(Case("Zero", P.Zero(), "zero"))
    add(Case("L1", P.L1(0.7), "l1", dict(lam=0.7, w=np.ones(N))))
    add(Case("L1-weights", P.L1(0.5, weights=WEIGHTS), "l1", dict(lam=0.5, w=WEIGHTS)))
    add(Case("SquaredL2", P.SquaredL2(1.3), "l2_squared", dict(lam=1.3, w=np.ones(N))))
    add(Case("SquaredL2-weights", P.SquaredL2(0.8, weights=WEIGHTS), "l2_squared", dict(lam=0.8, w=WEIGHTS)))
    add(Case("L2", P.L2(0.9), "l2", dict(lam=0.9)))
    add(Case("L2-strong", P.L2(4.0), "l2", dict(lam=4.0)))
    add(Case("GroupL2-int", P.GroupL2(0.6, groups=3), "group_l2",
             dict(lam=0.6, groups=group_lists(3, N), wg=group_weights(3, None, N))))
    add(Case("GroupL2-labels", P.GroupL2(0.6, groups=LABELS), "group_l2",
             dict(lam=0.6, groups=group_lists(LABELS, N), wg=group_weights(LABELS, None, N))))
    add(Case("GroupL2-lists-weights", P.GroupL2(0.4, groups=LISTS, weights=LIST_WEIGHTS), "group_l2",
             dict(lam=0.4, groups=group_lists(LISTS, N), wg=LIST_WEIGHTS)))
    add(Case("SparseGroupL2-int", P.SparseGroupL2(0.3, 0.5, groups=4), "sparse_group",
             dict(lam1=0.3, lam2=0.5, groups=group_lists(4, N), wg=group_weights(4, None, N))))
    add(Case("SparseGroupL2-labels-weights",
             P.SparseGroupL2(0.2, 0.7, groups=LABELS, weights=[1.0, 0.5, 2.0, 0.0]), "sparse_group",
             dict(lam1=0.2, lam2=0.7, groups=group_lists(LABELS, N), wg=np.array([1.0, 0.5, 2.0, 0.0]))))
    add(Case("SparseGroupL2-lists", P.SparseGroupL2(0.4, 0.3, groups=LISTS), "sparse_group",
             dict(lam1=0.4, lam2=0.3, groups=group_lists(LISTS, N), wg=group_weights(LISTS, None, N))))
    add(Case("ElasticNet", P.ElasticNet(0.8, 0.3), "elastic_net", dict(alpha=0.8, rho=0.3, w=np.ones(N))))
    add(Case("ElasticNet-weights", P.ElasticNet(1.1, 0.7, weights=WEIGHTS), "elastic_net",
             dict(alpha=1.1, rho=0.7, w=WEIGHTS)))
    add(Case("ElasticNet-ridge", P.ElasticNet(0.5, 0.0), "elastic_net", dict(alpha=0.5, rho=0.0, w=np.ones(N))))
    add(Case("ElasticNet-lasso", P.ElasticNet(0.5, 1.0), "elastic_net", dict(alpha=0.5, rho=1.0, w=np.ones(N))))
    add(Case("Linf", P.Linf(0.9), "linf", dict(lam=0.9)))
    add(Case("Linf-strong", P.Linf(6.0), "linf", dict(lam=6.0)))
    add(Case("Box-scalar", P.Box(-0.5, 0.7), "box", dict(lower=np.full(N, -0.5), upper=np.full(N, 0.7))))
    add(Case("Box-arrays", P.Box(LOWER, UPPER), "box", dict(lower=LOWER, upper=UPPER)))
    add(Case("Box-upper-only", P.Box(upper=UPPER_ONLY), "box",
             dict(lower=np.full(N, -np.inf), upper=UPPER_ONLY)))
    add(Case("NonNegative", P.NonNegative(), "nonnegative", dict(lower=np.zeros(N), upper=np.full(N, np.inf))))
    add(Case("L2Ball", P.L2Ball(1.5), "l2_ball", dict(r=1.5)))
    add(Case("L2Ball-zero", P.L2Ball(0.0), "l2_ball", dict(r=0.0)))
    add(Case("LinfBall", P.LinfBall(0.4), "linf_ball", dict(r=0.4)))
    add(Case("L1Ball", P.L1Ball(2.0), "l1_ball", dict(r=2.0)))
    add(Case("L1Ball-small", P.L1Ball(0.3), "l1_ball", dict(r=0.3)))
    add(Case("Simplex", P.Simplex(), "simplex", dict(s=1.0)))
    add(Case("Simplex-total", P.Simplex(3.5), "simplex", dict(s=3.5)))
    add(Case("Hyperplane", P.Hyperplane(NORMAL, 1.3), "hyperplane", dict(a=NORMAL, b=1.3)))
    add(Case("Hyperplane-sparse", P.Hyperplane(SPARSE_NORMAL, -2.0), "hyperplane", dict(a=SPARSE_NORMAL, b=-2.0)))
    add(Case("Halfspace", P.Halfspace(NORMAL, 0.5), "halfspace", dict(a=NORMAL, b=0.5)))
    add(Case("Halfspace-sparse", P.Halfspace(SPARSE_NORMAL, -1.0), "halfspace", dict(a=SPARSE_NORMAL, b=-1.0)))
    add(Case("TV1D", P.TV1D(0.4), "tv1d", dict(lam=0.4)))
    add(Case("TV1D-strong", P.TV1D(2.0), "tv1d", dict(lam=2.0), shape=(40,)))
    add(Case("Huber", P.Huber(0.8, 0.5), "huber", dict(lam=0.8, delta=0.5)))
    add(Case("Huber-wide", P.Huber(2.0, 1.5), "huber", dict(lam=2.0, delta=1.5)))
    add(Case("Hinge", P.Hinge(0.7), "hinge", dict(lam=0.7, y=np.ones(N))))
    add(Case("Hinge-labels", P.Hinge(1.2, labels=LABELS_Y), "hinge", dict(lam=1.2, y=LABELS_Y)))
    add(Case("L0", P.L0(0.5), "l0", dict(lam=0.5)))
    add(Case("MCP-firm", P.MCP(1.0, 3.0), "mcp", dict(lam=1.0, gamma=3.0), steps=(0.5, 1.0, 2.9)))
    add(Case("MCP-nonconvex-step", P.MCP(1.0, 3.0), "mcp", dict(lam=1.0, gamma=3.0), steps=(3.0, 4.0, 9.0)))
    add(Case("MCP-small-gamma", P.MCP(0.7, 0.8), "mcp", dict(lam=0.7, gamma=0.8), steps=(0.5, 0.8, 2.0)))
    add(Case("SCAD", P.SCAD(1.0, 3.7), "scad", dict(lam=1.0, a=3.7), steps=(0.5, 1.0, 2.5)))
    add(Case("SCAD-large-step", P.SCAD(1.0, 3.7), "scad", dict(lam=1.0, a=3.7), steps=(2.7, 4.0, 8.0)))
    add(Case("SCAD-small-a", P.SCAD(0.6, 2.5), "scad", dict(lam=0.6, a=2.5), steps=(1.0, 1.5, 3.0)))
    add(Case("Nuclear", P.Nuclear(0.8), "nuclear", dict(lam=0.8), shape=(6, 4)))
    add(Case("Nuclear-wide", P.Nuclear(2.0), "nuclear", dict(lam=2.0), shape=(3, 7)))
    add(Case("PSD", P.PSD(), "psd", {}, shape=(5, 5)))
    add(Case("PSD-1x1", P.PSD(), "psd", {}, shape=(1, 1)))
    return c


CASES = _cases()
CONVEX_CASES = [c for c in CASES if c.convex]
NONCONVEX_CASES = [c for c in CASES if not c.convex]
INDICATOR_CASES = [c for c in CASES if c.indicator]
VECTOR_CASES = [c for c in CASES if not c.matrix]


def inputs(case: Case, rng: np.random.Generator) -> list[np.ndarray]:
    """Points to evaluate the prox at: Gaussian at several scales, a vector with
    many exact ties and zeros, and a sparse one."""
    shape = case.shape
    out = [s * rng.standard_normal(shape) for s in (0.05, 0.5, 1.5, 6.0)]
    out.append(np.round(2 * rng.standard_normal(shape)) / 2)          # ties, zeros
    sparse = rng.standard_normal(shape) * (rng.random(shape) < 0.3)
    out.append(3 * sparse)
    out.append(np.zeros(shape))
    if case.kind == "hinge":  # at and around the kinks y·v = 1
        y = case.p["y"]
        kink = np.where(y != 0, 1 / np.where(y != 0, y, 1), 0.0)
        out.append(kink)
        out.append(kink + 1e-3 * rng.standard_normal(shape))
    if case.kind == "nuclear":  # rank one, and repeated singular values
        m, n = shape
        out.append(np.outer(rng.standard_normal(m), rng.standard_normal(n)))
        q1, _ = np.linalg.qr(rng.standard_normal((m, m)))
        q2, _ = np.linalg.qr(rng.standard_normal((n, n)))
        d = np.zeros((m, n))
        np.fill_diagonal(d, 2.0)
        out.append(q1 @ d @ q2)
    if case.kind == "tv1d":  # piecewise constant plus noise
        n = shape[0]
        steps = np.repeat(rng.standard_normal(4) * 3, -(-n // 4))[:n]
        out.append(steps + 0.2 * rng.standard_normal(n))
    if case.kind == "psd":
        b = rng.standard_normal(shape)
        out.append(b @ b.T)                                           # already PSD
        out.append(-(b @ b.T))                                        # NSD
    return out


def tol_for(v: np.ndarray, t: float, rel: float = 1e-9) -> float:
    return rel * (1.0 + float(np.abs(v).max()) / min(t, 1.0))


# ---- values -----------------------------------------------------------------------------
def huber_scalar(a, delta):
    m = np.abs(a)
    return np.where(m <= delta, 0.5 * a * a, delta * (m - 0.5 * delta))


def penalty(case: Case, u: np.ndarray) -> np.ndarray:
    """Elementwise penalty of the nonconvex cases (Zhang 2010, Fan & Li 2001)."""
    p = case.p
    m = np.abs(u)
    lam = p["lam"]
    if case.kind == "l0":
        return lam * (u != 0)
    if case.kind == "mcp":
        g = p["gamma"]
        return np.where(m <= g * lam, lam * m - m * m / (2 * g), g * lam * lam / 2)
    if case.kind == "scad":
        a = p["a"]
        return np.where(m <= lam, lam * m,
                        np.where(m <= a * lam, (2 * a * lam * m - m * m - lam * lam) / (2 * (a - 1)),
                                 lam * lam * (a + 1) / 2))
    raise KeyError(case.kind)


def in_set(case: Case, x: np.ndarray, tol: float) -> bool:
    p, k = case.p, case.kind
    if k in ("box", "nonnegative"):
        return bool(np.all(x >= p["lower"] - tol) and np.all(x <= p["upper"] + tol))
    if k == "l2_ball":
        return np.linalg.norm(x) <= p["r"] + tol
    if k == "linf_ball":
        return np.abs(x).max() <= p["r"] + tol
    if k == "l1_ball":
        return np.abs(x).sum() <= p["r"] + tol
    if k == "simplex":
        return bool(np.all(x >= -tol)) and abs(x.sum() - p["s"]) <= tol
    if k == "hyperplane":
        return abs(p["a"] @ x - p["b"]) <= tol * np.linalg.norm(p["a"]) * (1 + np.abs(x).sum())
    if k == "halfspace":
        return p["a"] @ x - p["b"] <= tol * np.linalg.norm(p["a"]) * (1 + np.abs(x).sum())
    if k == "psd":
        scale = 1 + np.linalg.norm(x)
        return (np.abs(x - x.T).max() <= tol * scale
                and np.linalg.eigvalsh((x + x.T) / 2).min() >= -tol * scale)
    raise KeyError(k)


def value(case: Case, x: np.ndarray) -> float:
    """f(x) from the definition (inf outside the domain of an indicator)."""
    p, k = case.p, case.kind
    if case.indicator:
        return 0.0 if in_set(case, x, 1e-12) else np.inf
    if k == "zero":
        return 0.0
    if k == "l1":
        return p["lam"] * float(np.sum(p["w"] * np.abs(x)))
    if k == "l2_squared":
        return p["lam"] / 2 * float(np.sum(p["w"] * x * x))
    if k == "l2":
        return p["lam"] * float(np.linalg.norm(x))
    if k == "group_l2":
        return p["lam"] * sum(w * np.linalg.norm(x[g]) for g, w in zip(p["groups"], p["wg"]))
    if k == "sparse_group":
        return (p["lam1"] * np.abs(x).sum()
                + p["lam2"] * sum(w * np.linalg.norm(x[g]) for g, w in zip(p["groups"], p["wg"])))
    if k == "elastic_net":
        return p["alpha"] * float(np.sum(p["w"] * (p["rho"] * np.abs(x) + (1 - p["rho"]) / 2 * x * x)))
    if k == "linf":
        return p["lam"] * float(np.abs(x).max())
    if k == "tv1d":
        return p["lam"] * float(np.abs(np.diff(x)).sum())
    if k == "huber":
        return p["lam"] * float(huber_scalar(x, p["delta"]).sum())
    if k == "hinge":
        return p["lam"] * float(np.maximum(0, 1 - p["y"] * x).sum())
    if k in NONCONVEX:
        return float(penalty(case, x).sum())
    if k == "nuclear":
        return p["lam"] * float(np.linalg.svd(x, compute_uv=False).sum())
    raise KeyError(k)


# ---- subdifferentials -------------------------------------------------------------------
def _assert(cond, msg):
    if not cond:
        raise AssertionError(msg)


def _check_abs(x, g, c, tol, what="l1"):
    """g ∈ ∂(Σ c_i|x_i|): g_i = c_i sign(x_i) where x_i ≠ 0, |g_i| ≤ c_i at zeros."""
    nz = x != 0
    err = np.abs(g[nz] - c[nz] * np.sign(x[nz]))
    _assert(np.all(err <= tol), f"{what}: g_i != c_i sign(x_i) on the support (max err {err.max(initial=0):.3g})")
    over = np.abs(g[~nz]) - c[~nz]
    _assert(np.all(over <= tol), f"{what}: |g_i| > c_i at a zero (excess {over.max(initial=0):.3g})")


def _check_l2(x, g, c, tol, what="l2"):
    """g ∈ ∂(c‖x‖₂): c x/‖x‖ if x ≠ 0, ‖g‖ ≤ c if x = 0."""
    nx = np.linalg.norm(x)
    if nx == 0:
        _assert(np.linalg.norm(g) <= c + tol, f"{what}: ‖g‖ = {np.linalg.norm(g)} > {c} at x = 0")
    else:
        err = np.abs(g - c * x / nx).max(initial=0)
        _assert(err <= tol, f"{what}: g != c x/‖x‖ (max err {err:.3g})")


def support(case: Case, g: np.ndarray, tol: float) -> float:
    """σ_C(g) = sup_{y ∈ C} ⟨g, y⟩ (+inf when unbounded in direction g)."""
    p, k = case.p, case.kind
    if k in ("box", "nonnegative"):
        g = np.where(np.abs(g) <= tol, 0.0, g)
        lo, hi = p["lower"], p["upper"]
        with np.errstate(invalid="ignore"):
            terms = np.where(g > 0, g * hi, np.where(g < 0, g * lo, 0.0))
        return float(terms.sum())
    if k == "l2_ball":
        return p["r"] * float(np.linalg.norm(g))
    if k == "linf_ball":
        return p["r"] * float(np.abs(g).sum())
    if k == "l1_ball":
        return p["r"] * float(np.abs(g).max())
    if k == "simplex":
        return p["s"] * float(g.max())
    if k in ("hyperplane", "halfspace"):
        a, b = p["a"], p["b"]
        c = g @ a / (a @ a)
        if np.abs(g - c * a).max() > tol or (k == "halfspace" and c < -tol):
            return np.inf
        return c * b
    raise KeyError(k)


def check_subdiff(case: Case, x: np.ndarray, g: np.ndarray, tol: float) -> None:
    """Raises AssertionError unless g ∈ ∂f(x) (convex cases), up to tol."""
    p, k = case.p, case.kind
    if k == "zero":
        _assert(np.abs(g).max() <= tol, "zero: g != 0")
    elif k == "l1":
        _check_abs(x, g, p["lam"] * p["w"], tol)
    elif k == "l2_squared":
        err = np.abs(g - p["lam"] * p["w"] * x).max()
        _assert(err <= tol, f"l2_squared: g != λ w x (err {err:.3g})")
    elif k == "l2":
        _check_l2(x, g, p["lam"], tol)
    elif k == "group_l2":
        covered = np.zeros(x.size, bool)
        for grp, w in zip(p["groups"], p["wg"]):
            _check_l2(x[grp], g[grp], p["lam"] * w, tol, f"group {grp.tolist()}")
            covered[grp] = True
        _assert(np.abs(g[~covered]).max(initial=0) <= tol, "group_l2: g != 0 on ungrouped coordinates")
    elif k == "sparse_group":
        l1, l2 = p["lam1"], p["lam2"]
        covered = np.zeros(x.size, bool)
        for grp, w in zip(p["groups"], p["wg"]):
            covered[grp] = True
            xg, gg = x[grp], g[grp]
            ng = np.linalg.norm(xg)
            if ng == 0:
                # g_g ∈ λ1[-1,1]^|g| + λ2 w_g B₂: distance from g_g to the box ≤ λ2 w_g.
                dist = np.linalg.norm(gg - np.clip(gg, -l1, l1))
                _assert(dist <= l2 * w + tol, f"sparse_group: zero group {grp.tolist()}: dist {dist} > {l2 * w}")
            else:
                rest = gg - l2 * w * xg / ng
                _check_abs(xg, rest, np.full(xg.size, l1), tol, f"sparse_group group {grp.tolist()}")
        free = ~covered
        _check_abs(x[free], g[free], np.full(free.sum(), l1), tol, "sparse_group ungrouped")
    elif k == "elastic_net":
        c = p["alpha"] * p["w"]
        _check_abs(x, g - c * (1 - p["rho"]) * x, c * p["rho"], tol, "elastic_net")
    elif k == "linf":
        lam = p["lam"]
        # Norm subdifferential: ‖g‖_dual ≤ λ and ⟨g, x⟩ = λ‖x‖.
        _assert(np.abs(g).sum() <= lam + tol * x.size, f"linf: ‖g‖₁ = {np.abs(g).sum()} > λ = {lam}")
        gap = lam * np.abs(x).max() - g @ x
        _assert(abs(gap) <= tol * (1 + np.abs(x).sum()), f"linf: ⟨g, x⟩ != λ‖x‖∞ (gap {gap:.3g})")
    elif k == "tv1d":
        lam = p["lam"]
        # g = Dᵀz with (Dx)_i = x_{i+1} − x_i, so g_j = z_{j−1} − z_j and z = −cumsum(g).
        z = -np.cumsum(g)
        n = x.size
        _assert(abs(z[-1]) <= tol * n, f"tv1d: Σg = {-z[-1]} != 0 (g is not in the range of Dᵀ)")
        z = z[:-1]
        _assert(np.all(np.abs(z) <= lam + tol * n), f"tv1d: |z| max {np.abs(z).max(initial=0)} > λ = {lam}")
        d = np.diff(x)
        jump = d != 0
        err = np.abs(z[jump] - lam * np.sign(d[jump])).max(initial=0)
        _assert(err <= tol * n, f"tv1d: z_i != λ sign(x_(i+1) − x_i) at a jump (err {err:.3g})")
    elif k == "huber":
        err = np.abs(g - p["lam"] * np.clip(x, -p["delta"], p["delta"])).max()
        _assert(err <= tol, f"huber: g != λ clip(x, −δ, δ) (err {err:.3g})")
    elif k == "hinge":
        lam, y = p["lam"], p["y"]
        m = y * x
        kink = (np.abs(m - 1) <= 1e-12 * (1 + np.abs(m))) & (y != 0)
        lin = (m < 1) & ~kink & (y != 0)
        flat = ~kink & ~lin
        _assert(np.abs(g[flat]).max(initial=0) <= tol, "hinge: g != 0 where the loss is flat")
        _assert(np.abs(g[lin] + lam * y[lin]).max(initial=0) <= tol, "hinge: g != −λy where the loss is linear")
        s = -g[kink] / (lam * y[kink]) if lam > 0 else np.zeros(kink.sum())
        tol_s = tol / (lam * np.abs(y[kink]).min(initial=1) + 1e-300)
        _assert(np.all((s >= -tol_s) & (s <= 1 + tol_s)), f"hinge: g = −sλy with s = {s} outside [0, 1] at the kink")
    elif k == "nuclear":
        lam = p["lam"]
        u, s, vt = np.linalg.svd(x, full_matrices=False)
        r = int(np.sum(s > 1e-9 * max(1.0, s[0] if s.size else 0)))
        ur, vr = u[:, :r], vt[:r].T
        w = g / lam - ur @ vr.T
        _assert(np.linalg.norm(g, 2) <= lam * (1 + 1e-9) + tol, f"nuclear: ‖G‖₂ = {np.linalg.norm(g, 2)} > λ")
        _assert(np.abs(ur.T @ w).max(initial=0) <= tol, "nuclear: UᵣᵀW != 0")
        _assert(np.abs(w @ vr).max(initial=0) <= tol, "nuclear: WVᵣ != 0")
        _assert(np.linalg.norm(w, 2) <= 1 + tol, f"nuclear: ‖W‖₂ = {np.linalg.norm(w, 2)} > 1")
        gap = lam * s.sum() - np.sum(g * x)
        _assert(abs(gap) <= tol * (1 + s.sum()), f"nuclear: ⟨G, X⟩ != λ‖X‖_* (gap {gap:.3g})")
    elif k == "psd":
        scale = 1 + np.linalg.norm(x)
        _assert(in_set(case, x, tol), "psd: x is not symmetric PSD")
        # N_K(X) for K the PSD cone inside all n×n matrices: sym(G) ⪯ 0 (any skew part) and ⟨G, X⟩ = 0.
        sym = (g + g.T) / 2
        top = np.linalg.eigvalsh(sym).max()
        _assert(top <= tol * (1 + np.linalg.norm(g)), f"psd: sym(G) has eigenvalue {top} > 0")
        inner = np.sum(g * x)
        _assert(abs(inner) <= tol * scale * (1 + np.linalg.norm(g)), f"psd: ⟨G, X⟩ = {inner} != 0")
    elif case.indicator:
        _assert(in_set(case, x, tol), f"{k}: x is not in the set")
        gap = support(case, g, tol) - g @ x
        _assert(gap <= tol * (1 + np.abs(x).sum()) * (1 + np.abs(g).sum()),
                f"{k}: g is not in the normal cone (σ_C(g) − ⟨g, x⟩ = {gap:.3g})")
    else:
        raise KeyError(k)


def min_norm_subgradient(case: Case, x: np.ndarray) -> np.ndarray | None:
    """The minimal-norm element of ∂f(x) where it has a simple closed form
    (None where the test relies on membership and the norm comparison only)."""
    p, k = case.p, case.kind
    if k == "zero" or case.indicator:
        return np.zeros_like(x)
    if k == "l1":
        return p["lam"] * p["w"] * np.sign(x)
    if k == "l2_squared":
        return p["lam"] * p["w"] * x
    if k == "l2":
        nx = np.linalg.norm(x)
        return p["lam"] * x / nx if nx > 0 else np.zeros_like(x)
    if k == "group_l2":
        g = np.zeros_like(x)
        for grp, w in zip(p["groups"], p["wg"]):
            nx = np.linalg.norm(x[grp])
            if nx > 0:
                g[grp] = p["lam"] * w * x[grp] / nx
        return g
    if k == "sparse_group":
        # On a zero group: minimal-norm element of λ1[-1,1]^|g| + λ2 w_g B₂ is 0.
        g = p["lam1"] * np.sign(x)
        for grp, w in zip(p["groups"], p["wg"]):
            nx = np.linalg.norm(x[grp])
            if nx > 0:
                g[grp] += p["lam2"] * w * x[grp] / nx
        return g
    if k == "elastic_net":
        c = p["alpha"] * p["w"]
        return c * (p["rho"] * np.sign(x) + (1 - p["rho"]) * x)
    if k == "linf":
        m = np.abs(x).max()
        if m == 0:
            return np.zeros_like(x)
        at = np.abs(x) == m
        return np.where(at, p["lam"] * np.sign(x) / at.sum(), 0.0)
    if k == "huber":
        return p["lam"] * np.clip(x, -p["delta"], p["delta"])
    if k == "hinge":
        return np.where(p["y"] * x < 1, -p["lam"] * p["y"], 0.0)
    if k == "nuclear":
        u, s, vt = np.linalg.svd(x, full_matrices=False)
        r = int(np.sum(s > max(x.shape) * np.finfo(float).eps * s[0])) if s[0] > 0 else 0
        return p["lam"] * u[:, :r] @ vt[:r]
    return None


# ---- points of the sets (for variational inequalities) ----------------------------------
def set_points(case: Case, x: np.ndarray, g: np.ndarray, rng: np.random.Generator, k: int = 200):
    """Random points of the set C and its extreme points (those maximizing ⟨g, ·⟩
    among them), to test ⟨v − x, y − x⟩ ≤ 0 for all y ∈ C."""
    p, kind = case.p, case.kind
    n = x.size
    pts = []
    if kind in ("box", "nonnegative"):
        lo, hi = p["lower"], p["upper"]
        flo = np.where(np.isfinite(lo), lo, np.minimum(hi, 0) - 1e3)
        fhi = np.where(np.isfinite(hi), hi, np.maximum(lo, 0) + 1e3)
        pts += list(flo + rng.random((k, n)) * (fhi - flo))
        pts += list(np.where(rng.random((k, n)) < 0.5, flo, fhi))            # vertices (finite part)
        pts.append(np.where(g > 0, fhi, flo))                                  # maximizer of ⟨g, ·⟩
    elif kind == "l2_ball":
        d = rng.standard_normal((k, n))
        d /= np.linalg.norm(d, axis=1, keepdims=True)
        pts += list(p["r"] * d * rng.random((k, 1)) ** (1 / n))
        pts += list(p["r"] * d)
        ng = np.linalg.norm(g)
        if ng > 0:
            pts.append(p["r"] * g / ng)
    elif kind == "linf_ball":
        pts += list(p["r"] * (2 * rng.random((k, n)) - 1))
        pts += list(p["r"] * np.sign(rng.standard_normal((k, n))))
        pts.append(p["r"] * np.where(g >= 0, 1.0, -1.0))
    elif kind == "l1_ball":
        for i in range(n):
            for s in (1, -1):
                e = np.zeros(n)
                e[i] = s * p["r"]
                pts.append(e)
        d = rng.standard_normal((k, n))
        pts += list(p["r"] * d / np.abs(d).sum(axis=1, keepdims=True) * rng.random((k, 1)))
    elif kind == "simplex":
        pts += list(p["s"] * np.eye(n))
        pts += list(p["s"] * rng.dirichlet(np.ones(n), size=k))
        pts += list(p["s"] * rng.dirichlet(0.1 * np.ones(n), size=k))
    elif kind in ("hyperplane", "halfspace"):
        a, b = p["a"], p["b"]
        for scale in (1.0, 100.0):
            y = scale * rng.standard_normal((k, n))
            y = y - np.outer(y @ a - b, a) / (a @ a)                          # on the hyperplane
            if kind == "halfspace":
                y = y - np.outer(rng.random(k) * scale, a) / np.linalg.norm(a)  # inside
            pts += list(y)
    elif kind == "psd":
        m = x.shape[0]
        for _ in range(k // 4):
            b = rng.standard_normal((m, rng.integers(1, m + 1)))
            pts.append(b @ b.T)
            u = rng.standard_normal(m)
            pts.append(100 * np.outer(u, u))
        pts.append(np.zeros_like(x))
    else:
        raise KeyError(kind)
    return pts


# ---- cvxpy models -----------------------------------------------------------------------
def cvx_model(case: Case, cp, x):
    """(f(x) as a cvxpy expression, constraints) for the convex cases."""
    p, k = case.p, case.kind
    if k == "zero":
        return 0, []
    if k == "l1":
        return p["lam"] * cp.sum(cp.multiply(p["w"], cp.abs(x))), []
    if k == "l2_squared":
        return p["lam"] / 2 * cp.sum(cp.multiply(p["w"], cp.square(x))), []
    if k == "l2":
        return p["lam"] * cp.norm(x, 2), []
    if k == "group_l2":
        return p["lam"] * sum(w * cp.norm(x[g], 2) for g, w in zip(p["groups"], p["wg"])), []
    if k == "sparse_group":
        return (p["lam1"] * cp.norm(x, 1)
                + p["lam2"] * sum(w * cp.norm(x[g], 2) for g, w in zip(p["groups"], p["wg"]))), []
    if k == "elastic_net":
        w = p["alpha"] * p["w"]
        return cp.sum(cp.multiply(w * p["rho"], cp.abs(x)) + cp.multiply(w * (1 - p["rho"]) / 2, cp.square(x))), []
    if k == "linf":
        return p["lam"] * cp.norm(x, "inf"), []
    if k in ("box", "nonnegative"):
        lo, hi = p["lower"], p["upper"]
        cons = []
        if np.isfinite(lo).any():
            i = np.flatnonzero(np.isfinite(lo))
            cons.append(x[i] >= lo[i])
        if np.isfinite(hi).any():
            i = np.flatnonzero(np.isfinite(hi))
            cons.append(x[i] <= hi[i])
        return 0, cons
    if k == "l2_ball":
        return 0, [cp.norm(x, 2) <= p["r"]]
    if k == "linf_ball":
        return 0, [cp.norm(x, "inf") <= p["r"]]
    if k == "l1_ball":
        return 0, [cp.norm(x, 1) <= p["r"]]
    if k == "simplex":
        return 0, [x >= 0, cp.sum(x) == p["s"]]
    if k == "hyperplane":
        return 0, [p["a"] @ x == p["b"]]
    if k == "halfspace":
        return 0, [p["a"] @ x <= p["b"]]
    if k == "tv1d":
        return p["lam"] * cp.norm(cp.diff(x), 1), []
    if k == "huber":
        # cp.huber(x, M) = x² for |x| ≤ M, 2M|x| − M² otherwise: twice h_δ.
        return p["lam"] / 2 * cp.sum(cp.huber(x, p["delta"])), []
    if k == "hinge":
        return p["lam"] * cp.sum(cp.pos(1 - cp.multiply(p["y"], x))), []
    if k == "nuclear":
        return p["lam"] * cp.normNuc(x), []
    raise KeyError(k)
