/// Which quantity certifies a fit of the engine.
public enum CertificateKind: Int32 {
    /// P(β) − D(θ): a bound on the suboptimality (convex pairs whose conjugates allow it).
    case dualityGap = 0
    /// maxⱼ dist(−∂F/∂βⱼ, ∂pⱼ(βⱼ)) (and |∂F/∂b| with an intercept): stationarity,
    /// for nonconvex penalties and for convex ones without a usable dual
    /// (unpenalized features, unbounded boxes). Off the generalized support it
    /// also counts the coordinate's proximal step Lⱼ|prox_{pⱼ/Lⱼ}(βⱼ − gⱼ/Lⱼ) − βⱼ|,
    /// so that a certified L0 point is a coordinate-wise minimum.
    case kktViolation = 1
}

/// How a fit of the engine ended.
public enum GLMStatus: Int32 {
    /// The certificate met the tolerance.
    case converged = 0
    /// The epoch budget ran out first; the result holds the certificate reached.
    case notConverged = 1
    /// The progress observer asked to stop; the result holds the state reached.
    case cancelled = 2
}

/// Options of `solveGLM`.
public struct GLMOptions {
    /// The fit stops when its certificate is ≤ tol (absolute, in the units of the objective).
    public var tolerance: Double = 1e-6
    /// Budget of coordinate-descent epochs (over the working sets), in total.
    public var maxEpochs: Int = 10_000
    /// Fit an unpenalized intercept b (updated in the loop like a coefficient).
    public var fitIntercept: Bool = false
    /// Solve subproblems on working sets grown by the KKT scores (false: every epoch visits every feature).
    public var workingSets: Bool = true
    /// Depth K of Anderson extrapolation (0 disables it).
    public var andersonDepth: Int = 5
    /// The smallest working set.
    public var initialWorkingSet: Int = 10
    /// Solve subproblems by proximal Newton steps when the datafit has a curvature (logistic).
    public var proxNewton: Bool = true
    /// Gap Safe screening (convex pairs certified by a duality gap, datafits with a curvature bound).
    public var screening: Bool = true
    /// A subproblem is solved until its KKT violation is this fraction of the full one.
    public var innerRatio: Double = 0.3

    public init(tolerance: Double = 1e-6, maxEpochs: Int = 10_000, fitIntercept: Bool = false) {
        self.tolerance = tolerance
        self.maxEpochs = maxEpochs
        self.fitIntercept = fitIntercept
    }

    func validate() throws {
        try requireNonnegative(tolerance, "tol")
        try require(maxEpochs >= 0, "max_iter", "must be ≥ 0, got \(maxEpochs)")
        try require(andersonDepth >= 0 && andersonDepth <= 20, "anderson_depth", "must lie in [0, 20], got \(andersonDepth)")
        try require(initialWorkingSet >= 1, "initial_working_set", "must be ≥ 1, got \(initialWorkingSet)")
        try require(innerRatio > 0 && innerRatio < 1, "inner_ratio", "must lie in (0, 1), got \(innerRatio)")
    }
}

/// The outcome of `solveGLM`.
public struct GLMResult {
    public var coefficients: [Double]
    public var intercept: Double
    public var status: GLMStatus
    public var certificateKind: CertificateKind
    /// The duality gap or the KKT violation (see `certificateKind`) at the returned point.
    public var certificate: Double
    /// The KKT violation at the returned point (whatever the certificate kind).
    public var kktViolation: Double
    /// P(β, b) = F(Xβ + b) + Σⱼ pⱼ(βⱼ).
    public var objective: Double
    /// The best dual objective found (−∞ when the certificate is the KKT violation).
    public var dualObjective: Double
    public var epochs: Int
    /// Features Gap Safe screening removed (proved 0 at every optimum); the
    /// KKT violation above is over the others.
    public var screened: Int = 0
    /// (epoch, certificate) at every full evaluation, the last one at the returned point.
    public var history: [(epoch: Int, certificate: Double)]
}
