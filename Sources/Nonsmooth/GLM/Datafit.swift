/// The smooth part F(η) of a generalized linear model min_β F(Xβ + b·1) + Σⱼ pⱼ(βⱼ),
/// seen through the per-sample quantities coordinate descent needs.
///
/// The engine keeps two vectors of n entries, the linear predictor η = Xβ + b
/// and the gradient g = ∇F(η); the datafit says how a move of one coefficient
/// changes them (`step`, `shift`). A datafit whose gradient is affine in η
/// (the quadratic) may leave η stale during the epochs: it must then read only
/// g in `value`, and the engine recomputes η from β before calling `gradient`.
///
/// Duality gaps use the Fenchel conjugate F*: for any θ in its domain with
/// Σθ = 0 when an intercept is fitted, −F*(θ) − Σⱼ pⱼ*(−x_jᵀθ) is a lower
/// bound of the optimal value. The natural candidate is θ = g, which
/// `centerDual` makes orthogonal to 1 without leaving dom F*.
public protocol Datafit {
    /// n, the number of samples.
    var samples: Int { get }
    /// g = ∇F(η).
    func gradient(_ eta: UnsafePointer<Double>, into g: UnsafeMutablePointer<Double>)
    /// F at a consistent state (η, g) (η may be stale, see above).
    func value(eta: UnsafePointer<Double>, gradient g: UnsafePointer<Double>) -> Double
    /// F at a predictor η, from scratch (used to judge extrapolated points).
    func value(_ eta: UnsafePointer<Double>) -> Double
    /// hᵢ ≥ ∂²F/∂ηᵢ² for every η: coordinate j has Lipschitz constant Σᵢ hᵢ x_ij².
    func curvatureBound(into h: UnsafeMutablePointer<Double>)
    /// The common value of the bounds hᵢ when they are all equal (unweighted data), else nil.
    var uniformCurvatureBound: Double? { get }
    /// The state after βⱼ ← βⱼ + δ.
    func step<X: EntryDesign>(_ design: X, column j: Int, by delta: Double,
                              eta: UnsafeMutablePointer<Double>, gradient g: UnsafeMutablePointer<Double>)
    /// The state after b ← b + δ.
    func shift(by delta: Double, eta: UnsafeMutablePointer<Double>, gradient g: UnsafeMutablePointer<Double>)
    /// F*(θ), +∞ outside its domain.
    func conjugate(_ theta: UnsafePointer<Double>) -> Double
    /// Moves θ (a scaled gradient) to Σθ = 0, staying in dom F*, so that the
    /// intercept's dual constraint holds.
    func centerDual(_ theta: UnsafeMutablePointer<Double>)
    /// Whether `step` keeps η up to date (false: η is recomputed before `gradient`).
    var maintainsPredictor: Bool { get }
    /// hᵢ = ∂²F/∂ηᵢ² at η, for proximal Newton steps; false when the datafit
    /// has none worth using (its coordinate steps are already exact).
    func curvature(_ eta: UnsafePointer<Double>, into h: UnsafeMutablePointer<Double>) -> Bool
    /// Whether `curvatureBound` holds for every η. A datafit without a global
    /// bound (Poisson) gives local values instead: the engine then backtracks
    /// every coordinate step (`coordinateCurvature`, `coordinateChange`) and
    /// skips Gap Safe screening, whose sphere needs the bound.
    var hasCurvatureBound: Bool { get }
    /// Σᵢ hᵢ(η) x_ij², the curvature of F along coordinate j at the current state.
    func coordinateCurvature<X: EntryDesign>(_ design: X, column j: Int, eta: UnsafePointer<Double>,
                                             gradient g: UnsafePointer<Double>) -> Double
    /// F(η + δ x_j) − F(η), computed over the stored entries of column j.
    func coordinateChange<X: EntryDesign>(_ design: X, column j: Int, by delta: Double,
                                          eta: UnsafePointer<Double>) -> Double
}

extension Datafit {
    public func curvature(_ eta: UnsafePointer<Double>, into h: UnsafeMutablePointer<Double>) -> Bool { false }
    public var hasCurvatureBound: Bool { true }
    /// With a global bound, the bound's column norm.
    public func coordinateCurvature<X: EntryDesign>(_ design: X, column j: Int, eta: UnsafePointer<Double>,
                                                    gradient g: UnsafePointer<Double>) -> Double {
        let h = UnsafeMutablePointer<Double>.allocate(capacity: max(samples, 1))
        defer { h.deallocate() }
        curvatureBound(into: h)
        return design.weightedColumnSquaredNorm(j, h)
    }
    /// From two evaluations of F (only datafits without a curvature bound need it, and they override it).
    public func coordinateChange<X: EntryDesign>(_ design: X, column j: Int, by delta: Double,
                                                 eta: UnsafePointer<Double>) -> Double {
        let e = UnsafeMutablePointer<Double>.allocate(capacity: max(samples, 1))
        defer { e.deallocate() }
        e.update(from: eta, count: samples)
        design.columnAxpy(j, delta, e)
        return value(e) - value(eta)
    }
}

/// Namespace of the datafits the engine runs (`Datafits.Quadratic`, `.Logistic`, `.Huber`, `.Poisson`).
public enum Datafits {}

/// Per-sample weights sᵢ (all 1 when none are given) and their sum S.
struct SampleWeights {
    let values: [Double]
    let total: Double
    /// All weights equal: updates may use one BLAS axpy instead of a weighted loop.
    let uniform: Bool

    /// Weights must be finite, ≥ 0, n of them, with a positive sum.
    init(_ weights: [Double]?, samples n: Int) throws {
        guard let w = weights else {
            values = [Double](repeating: 1, count: n)
            total = Double(n)
            uniform = true
            try require(n > 0, "y", "must hold at least one sample")
            return
        }
        try require(w.count == n, "sample_weight", "has \(w.count) entries for \(n) samples")
        var s = 0.0
        for (i, v) in w.enumerated() {
            try require(v.isFinite && v >= 0, "sample_weight", "entry \(i) is \(v); weights must be finite and ≥ 0")
            s += v
        }
        try require(s > 0 && s.isFinite, "sample_weight", "must have a positive finite sum, got \(s)")
        values = w
        total = s
        let first = w.first ?? 1
        uniform = w.allSatisfy { $0 == first }
    }
}

/// F(η) = Σᵢ (sᵢ/S) φᵢ(ηᵢ) with η kept up to date: the gradient, the state
/// after a move and the sums over samples follow from the per-sample
/// derivative φᵢ′ (Huber, Poisson).
public protocol PointwiseDatafit: Datafit {
    /// sᵢ (all 1 without sample weights).
    var weights: [Double] { get }
    /// S = Σᵢ sᵢ.
    var totalWeight: Double { get }
    /// φᵢ′(e).
    func derivative(_ i: Int, _ e: Double) -> Double
}

extension PointwiseDatafit {
    public var maintainsPredictor: Bool { true }

    public func gradient(_ eta: UnsafePointer<Double>, into g: UnsafeMutablePointer<Double>) {
        let inv = 1 / totalWeight
        weights.withUnsafeBufferPointer { w in
            for i in 0..<samples { g[i] = w[i] * inv * derivative(i, eta[i]) }
        }
    }

    public func value(eta: UnsafePointer<Double>, gradient g: UnsafePointer<Double>) -> Double { value(eta) }

    @inline(__always)
    public func step<X: EntryDesign>(_ design: X, column j: Int, by delta: Double,
                                     eta: UnsafeMutablePointer<Double>, gradient g: UnsafeMutablePointer<Double>) {
        let inv = 1 / totalWeight
        weights.withUnsafeBufferPointer { w in
            design.forEachEntry(j) { i, x in
                let e = eta[i] + delta * x
                eta[i] = e
                g[i] = w[i] * inv * derivative(i, e)
            }
        }
    }

    public func shift(by delta: Double, eta: UnsafeMutablePointer<Double>, gradient g: UnsafeMutablePointer<Double>) {
        for i in 0..<samples { eta[i] += delta }
        gradient(eta, into: g)
    }

    /// Σᵢ term(i, sᵢ, θᵢ) over the samples of positive weight; +∞ when θᵢ ≠ 0
    /// where sᵢ = 0 (F* is finite only with θᵢ = 0 there) or when a term is.
    func conjugateSum(_ theta: UnsafePointer<Double>, _ term: (_ i: Int, _ s: Double, _ t: Double) -> Double) -> Double {
        var sum = 0.0
        for i in 0..<samples {
            let w = weights[i], t = theta[i]
            if w == 0 {
                if t != 0 { return .infinity }
                continue
            }
            sum += term(i, w, t)
        }
        return sum
    }
}
