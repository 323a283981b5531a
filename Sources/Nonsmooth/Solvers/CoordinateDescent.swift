/// Coordinate descent for the elastic net family (Lasso, elastic net, weighted
/// Lasso with unpenalized features, non-negative Lasso), in scikit-learn's
/// scaling so that `alpha` and `tolerance` mean what they mean there:
///
///     min_{β, b}  (1/2n)‖y − Xβ − b·1‖² + α Σ_j w_j (ρ|β_j| + (1 − ρ)/2 β_j²)   [β ≥ 0 if positive]
///
/// with per-feature weights w_j ≥ 0 (w_j = 0: unpenalized), ρ = `l1Ratio` ∈ (0, 1]
/// (ρ = 1 is the Lasso) and an optional unpenalized intercept b.
///
/// Every answer carries a certificate: the duality gap P(β) − D(θ) of a dual
/// feasible point θ (see `CoordinateDescentResult.dualityGap`). The solver stops
/// when the gap is at most `tolerance·‖y‖²/n` (y centred when an intercept is
/// fitted), which is scikit-learn's rule.
///
/// Algorithm (the techniques of celer and skglm, written for this library):
/// - working sets: the subproblem restricted to a few features, ranked by their
///   distance to the dual constraint, is solved to a fraction of the current gap;
///   the set is rebuilt from the full gap (size max(min(50, max(10, p/10)), 2·|support|));
/// - Anderson extrapolation of the primal iterates every 5 epochs, kept only when
///   it lowers the objective (Bertrand & Massias, AISTATS 2021), and Anderson
///   extrapolation of the residuals as a second dual candidate (Massias, Gramfort
///   & Salmon, ICML 2018);
/// - Gap Safe screening (Ndiaye, Fercoq, Gramfort & Salmon, JMLR 2017), which
///   discards features for good;
/// - support polishing: when the support and signs of β change, the exact
///   minimiser of the objective on that orthant face (one Cholesky solve of
///   size |support|) is approached up to the first sign change — an
///   active-set step that is kept only when it lowers the objective, and that
///   gives the exact solution (and an exactly optimal dual point) once the
///   support is identified. When the support has more features than samples
///   (small λ, p ≫ n: the interpolation regime where cyclic CD crawls) the
///   face is singular and the step instead moves along its null space, at a
///   fixed fit, until a feature leaves the support (`supportPolishingStep`).
///   Its cost is amortised against the epochs run (at most about as much time
///   as the epochs themselves);
/// - Gram-form subproblems for n ≫ |working set|: coordinate descent on
///   X_WᵀX_W for the working set W (entries formed as W grows), or on the
///   whole XᵀX, bought once the epochs and evaluations run so far have cost as
///   much (see CoordinateDescentWorkingSetGram.swift); the certificate is
///   always computed from the explicit residual.
///
/// The intercept is eliminated exactly rather than updated as a coordinate: the
/// solver works on the implicitly centred design X − 1x̄ᵀ and target y − ȳ
/// (no copy; sparse input stays sparse) and returns b = ȳ − x̄ᵀβ.

/// The penalty α Σ_j w_j (ρ|β_j| + (1 − ρ)/2 β_j²), optionally with β ≥ 0.
public struct ElasticNetPenalty {
    /// α ≥ 0. α = 0 leaves every feature unpenalized (least squares).
    public var alpha: Double
    /// ρ ∈ (0, 1]; 1 is the Lasso.
    public var l1Ratio: Double
    /// Per-feature weights w_j ≥ 0 (nil: all 1). A zero weight leaves the
    /// feature unpenalized (neither ℓ1 nor ℓ2 term).
    public var weights: [Double]?
    /// Constrain every coefficient (penalized or not, not the intercept) to be ≥ 0.
    public var positive: Bool

    /// Throws `invalidArgument` when α is negative or not finite, ρ ∉ (0, 1],
    /// or a weight is negative or not finite.
    public init(alpha: Double, l1Ratio: Double = 1, weights: [Double]? = nil, positive: Bool = false) throws {
        try requireNonnegative(alpha, "alpha")
        try require(l1Ratio > 0 && l1Ratio <= 1, "l1Ratio", "must lie in (0, 1], got \(l1Ratio)")
        if let w = weights { try requireNonnegative(w, "weights") }
        self.alpha = alpha
        self.l1Ratio = l1Ratio
        self.weights = weights
        self.positive = positive
    }
}

public struct CoordinateDescentOptions {
    /// Stop when the duality gap is ≤ tolerance·‖y‖²/n (scikit-learn's `tol`).
    public var tolerance: Double = 1e-4
    /// Budget of coordinate descent epochs (passes over the current working
    /// set, or over all features in the Gram variant), across all working sets.
    public var maxIterations: Int = 1000
    public var fitIntercept: Bool = false
    public var useWorkingSets: Bool = true
    public var useScreening: Bool = true
    /// Anderson extrapolation of the primal iterates and of the residuals
    /// (dual), and support polishing. false gives plain cyclic coordinate
    /// descent (with working sets and screening if enabled).
    public var useExtrapolation: Bool = true
    /// The progress observer is called every `progressEvery` epochs (its own
    /// `every` field is not used here).
    public var progressEvery: Int = 10
    /// Coordinate descent on the Gram matrix XᵀX: true forces it (p ≤ 8192),
    /// false never uses it, nil decides automatically: on a dense design with
    /// n ≥ 4·|working set|, a subproblem switches to the Gram form of its
    /// working set (or of all features) once the epochs and evaluations run so
    /// far have cost as much as those Gram entries (see
    /// CoordinateDescentWorkingSetGram.swift).
    public var useGram: Bool? = nil
    /// With `useGram == nil`: buy Gram entries by price (the default) or, for
    /// tests, at every eligible subproblem.
    var gramPurchases: GramPurchasePolicy = .priced

    enum GramPurchasePolicy {
        case priced
        /// The working set's entries, at every eligible subproblem.
        case workingSet
        /// The whole matrix, at the first eligible subproblem.
        case whole
    }

    public init(tolerance: Double = 1e-4, maxIterations: Int = 1000, fitIntercept: Bool = false,
                useWorkingSets: Bool = true, useScreening: Bool = true, useExtrapolation: Bool = true,
                progressEvery: Int = 10, useGram: Bool? = nil) {
        self.tolerance = tolerance
        self.maxIterations = maxIterations
        self.fitIntercept = fitIntercept
        self.useWorkingSets = useWorkingSets
        self.useScreening = useScreening
        self.useExtrapolation = useExtrapolation
        self.progressEvery = progressEvery
        self.useGram = useGram
    }
}

/// Why an iterative solver stopped; shared by every solver of the library.
public enum StopReason: Equatable {
    /// The solver's certificate reached its tolerance: for coordinate descent the
    /// duality gap reached `gapTolerance` (or the rounding level of its own
    /// computation, 1e-13 relative to the objective, whichever is larger); for the
    /// generic solvers the prox-gradient mapping norm or the ADMM residuals.
    case converged
    /// The epoch budget ran out first; the result holds the last iterate and its gap.
    case maxIterations
    /// The progress observer returned false; the result holds the last iterate and its gap.
    case cancelled
}

public struct CoordinateDescentResult {
    public var coefficients: [Double]
    /// b = ȳ − x̄ᵀβ when an intercept is fitted, 0 otherwise.
    public var intercept: Double
    /// P(β) − D(θ) ≥ P(β) − min P for the returned coefficients, in the scaling
    /// of the objective above (scikit-learn's `dual_gap_`).
    public var dualityGap: Double
    /// tolerance·‖y‖²/n (y centred when an intercept is fitted).
    public var gapTolerance: Double
    /// Number of coordinate descent epochs run.
    public var epochs: Int
    public var stopReason: StopReason
    /// The full-problem duality gap at each working-set update: (epochs so far, gap).
    public var gapHistory: [(epoch: Int, gap: Double)]
    /// Whether the Gram variant was used (the certificate is still computed
    /// from the explicit residual).
    public var usedGram: Bool
    /// Features discarded by Gap Safe screening (their coefficient is provably 0).
    public var screenedFeatures: Int
    /// The dual point θ ∈ ℝⁿ behind `dualityGap`, so that the certificate can be
    /// checked independently. With r = y_c − X_cβ (y_c, X_c centred when an
    /// intercept is fitted), s = `dualScale`, λ1_j = nαρw_j, λ2_j = nα(1−ρ)w_j:
    ///   feasibility  |x_{c,j}ᵀθ − s·λ2_j·β_j| ≤ λ1_j for w_j > 0 (no |·| when
    ///                positive), x_{c,j}ᵀθ = 0 for w_j = 0 (≤ 0 if positive and
    ///                β_j = 0), Σθ = 0 with an intercept — all up to rounding;
    ///   dual value   D = (y_cᵀθ − ½‖θ‖² − ½s²Σ_j λ2_jβ_j²)/n;
    ///   dualityGap = P(β) − D with P the objective at the top of this file.
    /// For the Lasso with unit weights, θ/(nα) is the dual point in celer's
    /// scaling (‖X_cᵀθ/(nα)‖∞ ≤ 1).
    public var dualPoint: [Double]
    public var dualScale: Double
}

/// Solves the problem above (see the top of this file).
///
/// - `target` has `design.rows` entries; `warmStart`, when given, has
///   `design.columns` entries (negative entries are clipped to 0 when
///   `positive`). The intercept is eliminated exactly (b = ȳ − x̄ᵀβ), so only
///   β is warm-started.
/// - The observer is called every `options.progressEvery` epochs with the
///   latest full-problem duality gap (recomputed at each working-set update);
///   returning false stops the solve, which then returns the current iterate
///   with `stopReason == .cancelled` (it does not throw).
/// - Unpenalized features (w_j = 0 or α = 0) are certified by projecting the
///   residual onto the orthogonal complement of their span (the dual
///   constraint X_Uᵀθ = 0); there may be at most 2048 of them.
///
/// Throws `invalidArgument` for inconsistent lengths, non-finite data or
/// parameters, an empty design, and `numericalError` if an eigendecomposition
/// (unpenalized features only) fails.
public func solveElasticNet<X: DesignMatrix>(
    design: X, target y: UnsafeBufferPointer<Double>, penalty: ElasticNetPenalty,
    options: CoordinateDescentOptions = CoordinateDescentOptions(),
    warmStart: UnsafeBufferPointer<Double>? = nil, progress: ProgressObserver = .silent
) throws -> CoordinateDescentResult {
    // Dispatch to concrete types so the hot loops are specialized.
    switch design {
    case let d as DenseColumnMajor:
        return try solveElasticNetSpecialized(d, y, penalty, options, warmStart, progress)
    case let s as SparseCSC:
        return try solveElasticNetSpecialized(s, y, penalty, options, warmStart, progress)
    case let d as DenseRowMajor:
        return try solveElasticNetSpecialized(d, y, penalty, options, warmStart, progress)
    case let d as WeightedDesign<DenseColumnMajor>:
        return try solveElasticNetSpecialized(d, y, penalty, options, warmStart, progress)
    case let d as WeightedDesign<DenseRowMajor>:
        return try solveElasticNetSpecialized(d, y, penalty, options, warmStart, progress)
    case let d as WeightedDesign<SparseCSC>:
        return try solveElasticNetSpecialized(d, y, penalty, options, warmStart, progress)
    default:
        return try solveElasticNetSpecialized(design, y, penalty, options, warmStart, progress)
    }
}

/// Array convenience for Swift callers: `x` column-major n×p.
public func solveElasticNet(
    columnMajor x: [Double], rows: Int, columns: Int, target y: [Double], penalty: ElasticNetPenalty,
    options: CoordinateDescentOptions = CoordinateDescentOptions(), warmStart: [Double]? = nil,
    progress: ProgressObserver = .silent
) throws -> CoordinateDescentResult {
    try withArrayProblem(x, rows, columns, y, warmStart) { design, yb, wb in
        try solveElasticNet(design: design, target: yb, penalty: penalty, options: options, warmStart: wb,
                            progress: progress)
    }
}

/// Shared plumbing of the array conveniences: a column-major design over `x`
/// (validated against rows×columns), and buffers over y and the optional warm start.
func withArrayProblem<R>(
    _ x: [Double], _ rows: Int, _ columns: Int, _ y: [Double], _ warmStart: [Double]?,
    _ body: (DenseColumnMajor, UnsafeBufferPointer<Double>, UnsafeBufferPointer<Double>?) throws -> R
) throws -> R {
    try require(rows >= 0 && columns >= 0 && !rows.multipliedReportingOverflow(by: columns).overflow
                && rows * columns == x.count, "x", "has \(x.count) entries, expected \(rows)×\(columns)")
    return try x.withUnsafeBufferPointer { xb in
        guard let base = xb.baseAddress else {
            throw NonsmoothError.invalidArgument(name: "x", reason: "must not be empty")
        }
        let design = try DenseColumnMajor(base: base, rows: rows, columns: columns, leadingDimension: max(rows, 1))
        return try y.withUnsafeBufferPointer { yb in
            guard let w = warmStart else { return try body(design, yb, nil) }
            return try w.withUnsafeBufferPointer { try body(design, yb, $0) }
        }
    }
}

/// The smallest α for which β = 0 on every penalized feature is optimal:
///
///     α_max = max_{j : w_j > 0} |x_jᵀ r₀| / (n ρ w_j)     (x_jᵀ r₀ without |·| when positive),
///
/// where r₀ is the residual after fitting the unpenalized part of the model
/// at β_penalized = 0: the intercept (r₀ = y − ȳ) and the features with
/// w_j = 0 (least squares, non-negative least squares when `positive`).
/// Columns are centred when `fitIntercept`. Returns 0 when no feature is
/// penalized or when the residual is orthogonal to all of them.
public func lambdaMax<X: DesignMatrix>(
    design: X, target: UnsafeBufferPointer<Double>, l1Ratio: Double = 1, weights: [Double]? = nil,
    fitIntercept: Bool = false, positive: Bool = false
) throws -> Double {
    switch design {
    case let d as DenseColumnMajor:
        return try lambdaMaxSpecialized(d, target, l1Ratio, weights, fitIntercept, positive)
    case let s as SparseCSC:
        return try lambdaMaxSpecialized(s, target, l1Ratio, weights, fitIntercept, positive)
    case let d as DenseRowMajor:
        return try lambdaMaxSpecialized(d, target, l1Ratio, weights, fitIntercept, positive)
    case let d as WeightedDesign<DenseColumnMajor>:
        return try lambdaMaxSpecialized(d, target, l1Ratio, weights, fitIntercept, positive)
    case let d as WeightedDesign<DenseRowMajor>:
        return try lambdaMaxSpecialized(d, target, l1Ratio, weights, fitIntercept, positive)
    case let d as WeightedDesign<SparseCSC>:
        return try lambdaMaxSpecialized(d, target, l1Ratio, weights, fitIntercept, positive)
    default:
        return try lambdaMaxSpecialized(design, target, l1Ratio, weights, fitIntercept, positive)
    }
}
