import COpenBLAS

/// A contiguous buffer of doubles owned by a class, so solver state can be
/// reached through plain pointers in the hot loops (no copy-on-write or
/// exclusivity checks).
final class DoubleBuffer {
    let base: UnsafeMutablePointer<Double>
    let count: Int

    init(_ count: Int, repeating value: Double = 0) {
        self.count = count
        base = .allocate(capacity: max(count, 1))
        base.initialize(repeating: value, count: max(count, 1))
    }

    deinit { base.deallocate() }

    @inline(__always)
    subscript(i: Int) -> Double {
        get { base[i] }
        set { base[i] = newValue }
    }
}

/// The elastic net problem after validation, in unnormalised units (the
/// objective multiplied by n, as scikit-learn's compiled loop does):
///
///     P(β) = ½‖r‖² + Σ_j λ1_j |β_j| + ½ λ2_j β_j²,   r = y_c − X_c β,
///     λ1_j = n α ρ w_j,   λ2_j = n α (1 − ρ) w_j,
///
/// where X_c, y_c are centred when an intercept is fitted (X_c is never
/// formed: x_{c,j}ᵀv = x_jᵀv − x̄_j Σv). Its dual is the Lasso dual of the
/// augmented design [X_c; diag(√λ2)]:
///
///     D(θ̃) = y_cᵀθ − ½‖θ̃‖²,  θ̃ = (θ, θ_aug),
///     |x_{c,j}ᵀθ + √λ2_j θ_aug,j| ≤ λ1_j  (≤ only, without |·|, when positive),
///     X_{c,U}ᵀθ = 0 for the unpenalized features U (≤ 0 for those at 0 when positive),
///
/// and 1ᵀθ = 0 when an intercept is fitted. The solvers build θ̃ = s·(P⊥r, −√λ2 β)
/// with P⊥ the projection that enforces the U constraints and s the best
/// feasible scaling.
final class ElasticNetModel<X: DesignMatrix> {
    let design: X
    let n: Int
    let p: Int
    let fitIntercept: Bool
    let positive: Bool
    let yMean: Double
    /// y_c (centred when fitting an intercept).
    let y: DoubleBuffer
    let yNorm2: Double
    /// x̄_j, or 0 without intercept.
    let means: DoubleBuffer
    /// Σ_i x_ij, or 0 without intercept (for the lazily shifted residual).
    let sums: DoubleBuffer
    /// ‖x_{c,j}‖².
    let norm2: DoubleBuffer
    let lambda1: DoubleBuffer
    let lambda2: DoubleBuffer
    /// 1/(‖x_{c,j}‖² + λ2_j), 0 for a zero column.
    let inverseLipschitz: DoubleBuffer
    /// ‖x̃_j‖ = √(‖x_{c,j}‖² + λ2_j), the norm of the augmented column.
    let augmentedNorm: DoubleBuffer
    /// Columns that are zero (after centring): their coefficient is 0.
    let inert: [Bool]
    /// Features with λ1_j = 0 that are not inert.
    let unpenalized: [Int]
    let isUnpenalized: [Bool]
    /// Penalized, non-inert features.
    let penalized: [Int]

    static var maxUnpenalized: Int { 2048 }

    init(design: X, y target: UnsafeBufferPointer<Double>, penalty: ElasticNetPenalty, fitIntercept: Bool) throws {
        let n = design.rows, p = design.columns
        try require(n >= 1, "X", "must have at least one row")
        try require(p >= 1, "X", "must have at least one column")
        try require(target.count == n, "y", "has length \(target.count) but X has \(n) rows")
        try requireNonnegative(penalty.alpha, "alpha")
        try require(penalty.l1Ratio > 0 && penalty.l1Ratio <= 1, "l1Ratio", "must lie in (0, 1], got \(penalty.l1Ratio)")
        if let w = penalty.weights {
            try require(w.count == p, "weights", "has length \(w.count) but X has \(p) columns")
            try requireNonnegative(w, "weights")
        }
        self.design = design
        self.n = n
        self.p = p
        self.fitIntercept = fitIntercept
        self.positive = penalty.positive

        let y = DoubleBuffer(n)
        var total = 0.0
        for i in 0..<n {
            let v = target[i]
            guard v.isFinite else {
                throw NonsmoothError.invalidArgument(name: "y", reason: "must be finite, entry \(i) is \(v)")
            }
            y[i] = v
            total += v
        }
        let mean = fitIntercept ? total / Double(n) : 0
        var yy = 0.0
        for i in 0..<n {
            y[i] -= mean
            yy += y[i] * y[i]
        }
        try require(yy.isFinite, "y", "its squared norm overflows")
        self.y = y
        self.yMean = mean
        self.yNorm2 = yy

        let nd = Double(n)
        let alpha = penalty.alpha, rho = penalty.l1Ratio
        let means = DoubleBuffer(p), sums = DoubleBuffer(p), norm2 = DoubleBuffer(p)
        let l1 = DoubleBuffer(p), l2 = DoubleBuffer(p), invL = DoubleBuffer(p), augNorm = DoubleBuffer(p)
        var inert = [Bool](repeating: false, count: p)
        var isUnpen = [Bool](repeating: false, count: p)
        var unpen: [Int] = [], pen: [Int] = []
        // One pass over X for every column statistic; it is also the pass that
        // finds non-finite entries (a NaN or ±∞ makes its column's sums non-finite).
        let rawSquares = DoubleBuffer(p), centred = DoubleBuffer(fitIntercept ? p : 0)
        design.columnMoments(sums: sums.base, squares: rawSquares.base, centred: fitIntercept ? centred.base : nil)
        for j in 0..<p {
            var s2: Double
            let raw = rawSquares[j]
            guard sums[j].isFinite, raw.isFinite else {
                throw NonsmoothError.invalidArgument(
                    name: "X", reason: "contains NaN or infinity, or its squared norm overflows (column \(j))")
            }
            if fitIntercept {
                means[j] = sums[j] / nd
                s2 = centred[j]
                // A constant column centres to rounding noise, not to exact zeros.
                if s2 <= 1e-26 * raw { s2 = 0 }
            } else {
                sums[j] = 0
                s2 = raw
            }
            norm2[j] = s2
            let w = penalty.weights?[j] ?? 1
            let a = nd * alpha * w
            l1[j] = a * rho
            l2[j] = a * (1 - rho)
            guard l1[j].isFinite, l2[j].isFinite else {
                throw NonsmoothError.invalidArgument(name: "alpha", reason: "n·alpha·weight overflows (alpha = \(alpha))")
            }
            let lip = s2 + l2[j]
            invL[j] = s2 > 0 ? 1 / lip : 0
            augNorm[j] = lip.squareRoot()
            if s2 == 0 {
                inert[j] = true
            } else if l1[j] == 0 {
                isUnpen[j] = true
                unpen.append(j)
            } else {
                pen.append(j)
            }
        }
        try require(unpen.count <= Self.maxUnpenalized, "weights",
                    "\(unpen.count) unpenalized features (zero weight or alpha = 0); at most \(Self.maxUnpenalized) are supported")
        self.means = means
        self.sums = sums
        self.norm2 = norm2
        self.lambda1 = l1
        self.lambda2 = l2
        self.inverseLipschitz = invL
        self.augmentedNorm = augNorm
        self.inert = inert
        self.unpenalized = unpen
        self.isUnpenalized = isUnpen
        self.penalized = pen
    }

    /// Σ_j λ1_j|β_j| + ½λ2_jβ_j² over `features` (nil: all), or +∞ when
    /// `positive` and some β_j < 0.
    func penaltyValue(_ beta: UnsafePointer<Double>, over features: UnsafeBufferPointer<Int>? = nil) -> Double {
        var s = 0.0
        @inline(__always) func add(_ j: Int) {
            let b = beta[j]
            if b != 0 { s += lambda1[j] * abs(b) + 0.5 * lambda2[j] * b * b }
            if positive && b < 0 { s = .infinity }
        }
        if let f = features { for j in f { add(j) } } else { for j in 0..<p { add(j) } }
        return s
    }

    /// Σ_j λ2_j β_j² (the squared norm of the augmented part of the residual).
    func augmentedSquare(_ beta: UnsafePointer<Double>, over features: UnsafeBufferPointer<Int>? = nil) -> Double {
        var s = 0.0
        if let f = features {
            for j in f where beta[j] != 0 { s += lambda2[j] * beta[j] * beta[j] }
        } else {
            for j in 0..<p where beta[j] != 0 { s += lambda2[j] * beta[j] * beta[j] }
        }
        return s
    }

    /// The best dual value along the ray s·θ̃₀, s ∈ [0, 1/dualNorm], where
    /// dualNorm = max_j |x̃_jᵀθ̃₀|/λ1_j over the constrained features,
    /// yθ = y_cᵀθ₀ and θθ = ‖θ̃₀‖². Returns (D, s).
    @inline(__always)
    func bestScaling(dualNorm: Double, yTheta: Double, thetaSquare: Double) -> (value: Double, scale: Double) {
        let sMax = dualNorm > 0 ? 1 / dualNorm : Double.infinity
        guard yTheta > 0 else { return (0, 0) }
        var s: Double
        if thetaSquare > 0 {
            s = min(yTheta / thetaSquare, sMax)
        } else {
            s = sMax
        }
        if !s.isFinite { return (0, 0) }   // θ̃₀ = 0 and no constraint: D = 0 at s = 0.
        let value = s * yTheta - 0.5 * s * s * thetaSquare
        return (value, s)
    }

    /// Rounding floor of the gap: a computed gap below 1e-13 of the objective
    /// cannot be told from 0.
    @inline(__always)
    func converged(gap: Double, primal: Double, tolerance: Double) -> Bool {
        gap <= max(tolerance * yNorm2, 1e-13 * max(primal, 0))
    }
}

// MARK: - Unpenalized features

/// Moore–Penrose pseudo-inverse of a symmetric positive semi-definite k×k
/// matrix (column-major), through its eigendecomposition (LAPACK dsyevd);
/// eigenvalues below `relativeCutoff·λ_max` are treated as 0.
func symmetricPseudoInverse(_ a: [Double], _ k: Int, relativeCutoff: Double = 1e-11) throws -> [Double] {
    if k == 0 { return [] }
    var m = a
    var w = [Double](repeating: 0, count: k)
    try m.withUnsafeMutableBufferPointer { mb in
        try w.withUnsafeMutableBufferPointer { wb in try symmetricEigen(mb, wb, k, vectors: true, upper: true) }
    }
    let top = w.max() ?? 0
    var out = [Double](repeating: 0, count: k * k)
    for e in 0..<k where w[e] > 0 && w[e] > relativeCutoff * top {
        let inv = 1 / w[e], v = e * k
        for b in 0..<k {
            let vb = m[v + b] * inv
            if vb == 0 { continue }
            for a in 0..<k { out[b * k + a] += m[v + a] * vb }
        }
    }
    return out
}

/// Pseudo-inverses of principal submatrices G_AA of the Gram matrix G of the
/// unpenalized features, cached for the last subset (the subset changes only
/// with positivity constraints).
final class UnpenalizedGram {
    let indices: [Int]
    /// |U|×|U| column-major.
    let gram: [Double]
    private var cachedSubset: [Int] = []
    private var cachedInverse: [Double] = []
    private var hasCache = false

    init(indices: [Int], gram: [Double]) {
        self.indices = indices
        self.gram = gram
    }

    /// `subset` holds positions in `indices` (sorted).
    func pseudoInverse(_ subset: [Int]) throws -> [Double] {
        if hasCache && subset == cachedSubset { return cachedInverse }
        let k = subset.count, u = indices.count
        var g = [Double](repeating: 0, count: k * k)
        for b in 0..<k {
            for a in 0..<k { g[b * k + a] = gram[subset[b] * u + subset[a]] }
        }
        cachedInverse = try symmetricPseudoInverse(g, k)
        cachedSubset = subset
        hasCache = true
        return cachedInverse
    }

    /// The centred Gram matrix of the unpenalized columns, computed from the design.
    static func from<X>(_ model: ElasticNetModel<X>) -> UnpenalizedGram {
        let u = model.unpenalized, k = u.count, n = model.n
        var g = [Double](repeating: 0, count: k * k)
        let dense = DoubleBuffer(n)
        for b in 0..<k {
            model.design.columnAxpy(u[b], 1, dense.base)
            for a in 0...b {
                var v = model.design.columnDot(u[a], dense.base)
                if model.fitIntercept { v -= Double(n) * model.means[u[a]] * model.means[u[b]] }
                g[b * k + a] = v
                g[a * k + b] = v
            }
            model.design.columnAxpy(u[b], -1, dense.base)
        }
        return UnpenalizedGram(indices: u, gram: g)
    }
}
