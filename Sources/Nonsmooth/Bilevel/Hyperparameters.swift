/// Bilevel tuning of Lasso-type models: the derivative of a criterion
/// θ ↦ C(β̂(θ)) of the inner solution with respect to hyperparameters in log-space.
///
/// Inner problem (scikit-learn's scaling, optionally on implicitly centred columns
/// X_c = X − 1·mᵀ when an intercept is fitted):
///
///     β̂(θ) = argmin_β (1/2n)‖y − X_c β‖² + Σ_j λ1_j |β_j| + (λ2/2)‖β‖²
///
/// Models and their hyperparameters θ (log-space, so every hyperparameter stays positive):
/// - Lasso:          λ1_j = e^θ w_j (fixed weights w_j ≥ 0), λ2 fixed (0 for the Lasso): θ ∈ ℝ.
/// - Elastic net:    λ1_j = e^θ₁ w_j, λ2 = e^θ₂: θ ∈ ℝ². In scikit-learn's terms
///                   α = λ1 + λ2 and l1_ratio = λ1/(λ1 + λ2) (weights 1).
/// - Weighted Lasso: λ1_j = e^θ_j, one hyperparameter per feature: θ ∈ ℝᵖ.
///
/// On the support S = {j : β̂_j ≠ 0} with signs s = sign(β̂_S), the optimality
/// condition X_c,Sᵀ(X_c,S β_S − y)/n + λ1_S ⊙ s + λ2 β_S = 0 holds on a neighbourhood
/// of θ whenever no zero coefficient sits at its threshold (the equicorrelation set
/// E = {j : |x_c,jᵀ r|/n = λ1_j} equals S) and A = X_c,SᵀX_c,S/n + λ2 I is
/// invertible. Differentiating it gives the Jacobian of β̂ on S (zero elsewhere):
///
///     A · ∂β̂_S/∂θ = −B,   B = λ1_S ⊙ s  (Lasso),  [λ1_S ⊙ s, λ2 β_S] (elastic net),
///                          diag(λ1_S ⊙ s) (weighted Lasso, columns of S only),
///
/// and the hypergradient ∇_θ C = −Bᵀ A⁻¹ ∇_β C_S needs one linear solve of size |S|
/// (never p). Where E ≠ S the solution map is not differentiable; the same formula
/// is then one element of its conservative Jacobian (Bolte, Le, Pauwels &
/// Silveti-Falls, "Nonsmooth implicit differentiation for machine learning and
/// optimization", NeurIPS 2021): the one of the side where the features of E \ S
/// stay at zero. The methods and their diagnostics follow Bertrand, Klopfenstein,
/// Massias, Blondel, Vaiter, Gramfort & Salmon, "Implicit differentiation for fast
/// hyperparameter selection in non-smooth convex learning", JMLR 2022 (ICML 2020
/// for the Lasso).

/// Which hyperparameters θ parametrize the inner problem (see the top of this file).
public enum HyperparameterModel: Int32, CaseIterable {
    /// θ = log α: one hyperparameter.
    case lasso = 0
    /// θ = (log λ1, log λ2): two hyperparameters.
    case elasticNet = 1
    /// θ_j = log λ1_j: one hyperparameter per feature.
    case weightedLasso = 2
}

/// How the hypergradient is computed. All four agree when the inner problem is
/// solved exactly and the implicit-function conditions hold.
public enum HypergradientMethod: Int32, CaseIterable {
    /// Solve A v = ∇_β C_S on the support (Cholesky of the |S|×|S| matrix, or
    /// preconditioned conjugate gradient beyond `choleskyMaxSize`), then −Bᵀv.
    case implicit = 0
    /// Forward-mode coordinate descent iterations of the Jacobian restricted to
    /// the support, at the fixed β̂, warm-started from a previous Jacobian
    /// (Bertrand et al., ICML 2020, Algorithm 2). A Gauss–Seidel solve of A J = −B.
    case implicitForward = 1
    /// Forward-mode differentiation of cyclic coordinate descent run from β = 0.
    case forward = 2
    /// Reverse mode through the unrolled coordinate descent iterations from β = 0,
    /// the iterates (active coordinates only) stored during the forward sweep.
    case reverse = 3
}

/// The fallback used when the implicit-function conditions fail numerically.
public enum HypergradientFallback: Int32 {
    /// The system on the support was solved as is. (E ⊋ S with X_E of full rank
    /// is reported by `equicorrelationSize > supportSize`: a breakpoint of the
    /// regularization path, where the derivative is one-sided.)
    case none = 0
    /// X_Eᵀ X_E/n + λ2 I is singular (e.g. a feature with β_j = 0 at its threshold
    /// duplicates a feature of the support) but the matrix on the strict support S
    /// is not: the derivative of the side where E \ S stays at zero is returned.
    case strictSupport = 1
    /// Even A on the strict support is singular (e.g. duplicated columns both
    /// nonzero): A + εI is used with ε = `ridgeScale` × mean(diag A). As ε → 0 this
    /// tends to the minimum-norm (pseudo-inverse) solution of the singular system.
    case ridge = 2
}

/// The linear solver that produced the hypergradient.
public enum HypergradientSolver: Int32 {
    case none = -1
    case cholesky = 0
    case conjugateGradient = 1
    /// Gauss–Seidel / forward-mode coordinate descent on the support (implicit forward).
    case forwardIterations = 2
    /// Differentiation of the unrolled coordinate descent iterations (forward, reverse).
    case unrolledIterations = 3
}

/// The inner problem's penalty at the current θ.
public struct InnerPenalty {
    /// λ1_j ≥ 0 for every feature (0: unpenalized, always part of the model).
    public var l1: [Double]
    /// λ2 ≥ 0 (> 0 for the elastic net, whose θ₂ = log λ2).
    public var l2: Double
    public var model: HyperparameterModel

    /// Throws `invalidArgument` for negative or non-finite strengths, and for an
    /// elastic net with λ2 = 0 (its second hyperparameter log λ2 would be −∞).
    public init(l1: [Double], l2: Double = 0, model: HyperparameterModel) throws {
        try requireNonnegative(l1, "l1")
        try requireNonnegative(l2, "l2")
        if model == .elasticNet {
            try require(l2 > 0, "l2", "must be positive for the elastic net (θ₂ = log λ2), got \(l2)")
        }
        self.l1 = l1
        self.l2 = l2
        self.model = model
    }

    /// Number of hyperparameters for p features.
    public func hyperparameterCount(features p: Int) -> Int {
        switch model {
        case .lasso: return 1
        case .elasticNet: return 2
        case .weightedLasso: return p
        }
    }
}

public struct HypergradientOptions {
    public var method: HypergradientMethod = .implicit
    /// Iterative methods: relative tolerance (CG: ‖residual‖/‖rhs‖; implicit
    /// forward: largest Jacobian change relative to the largest entry; forward and
    /// reverse: largest change of β (and of the Jacobian) over an epoch, relative).
    public var tolerance: Double = 1e-10
    /// Budget of CG iterations, Gauss–Seidel sweeps or coordinate descent epochs.
    public var maxIterations: Int = 10_000
    /// j ∉ S belongs to the equicorrelation set E when |x_c,jᵀ r|/n ≥ λ1_j (1 − tol).
    public var equicorrelationTolerance: Double = 1e-6
    /// A system matrix whose reciprocal condition estimate is below this is
    /// treated as singular.
    public var rcondThreshold: Double = 1e-10
    /// Largest support solved by Cholesky (larger: conjugate gradient); at most 4096.
    public var choleskyMaxSize: Int = 1000
    /// ε = ridgeScale × mean(diag A) for the `ridge` fallback.
    public var ridgeScale: Double = 1e-6
    /// Whether the diagnosis of E (the equicorrelation set) and of invertibility runs;
    /// the `implicit` method always factors A anyway.
    public var diagnose: Bool = true

    public init(method: HypergradientMethod = .implicit, tolerance: Double = 1e-10, maxIterations: Int = 10_000,
                equicorrelationTolerance: Double = 1e-6, rcondThreshold: Double = 1e-10,
                choleskyMaxSize: Int = 1000, ridgeScale: Double = 1e-6, diagnose: Bool = true) {
        self.method = method
        self.tolerance = tolerance
        self.maxIterations = maxIterations
        self.equicorrelationTolerance = equicorrelationTolerance
        self.rcondThreshold = rcondThreshold
        self.choleskyMaxSize = choleskyMaxSize
        self.ridgeScale = ridgeScale
        self.diagnose = diagnose
    }

    func validate() throws {
        try require(tolerance.isFinite && tolerance >= 0, "tol", "must be non-negative and finite, got \(tolerance)")
        try require(maxIterations >= 1, "max_iter", "must be at least 1, got \(maxIterations)")
        try require(equicorrelationTolerance.isFinite && equicorrelationTolerance >= 0
                    && equicorrelationTolerance < 1, "equicorrelation_tol",
                    "must lie in [0, 1), got \(equicorrelationTolerance)")
        try require(rcondThreshold.isFinite && rcondThreshold >= 0 && rcondThreshold < 1, "rcond_threshold",
                    "must lie in [0, 1), got \(rcondThreshold)")
        try require(choleskyMaxSize >= 0 && choleskyMaxSize <= 4096, "cholesky_max",
                    "must lie in [0, 4096] (larger supports are solved by conjugate gradient), got \(choleskyMaxSize)")
        try require(ridgeScale.isFinite && ridgeScale > 0, "ridge_scale",
                    "must be positive and finite, got \(ridgeScale)")
    }
}

/// What was found about the implicit-function conditions at β̂, and how the
/// hypergradient was obtained. Returned with every hypergradient.
public struct HypergradientDiagnostics {
    /// |S|, the number of nonzero coefficients of the given β̂.
    public var supportSize = 0
    /// |E| ≥ |S|: features whose correlation with the residual reaches their
    /// threshold (within `equicorrelationTolerance`). |E| > |S| means θ sits at
    /// (or, with an inexact β̂, near) a breakpoint of the regularization path.
    public var equicorrelationSize = 0
    /// Whether A_S = X_c,SᵀX_c,S/n + λ2 I is numerically invertible (Cholesky
    /// succeeded and its reciprocal condition estimate ≥ `rcondThreshold`).
    public var invertibleOnSupport = true
    /// The same for A_E (equal to the above when E = S; nil when not diagnosed).
    public var invertibleOnEquicorrelation: Bool? = true
    /// Reciprocal condition estimates λ_min/λ_max (NaN when not computed; for
    /// supports beyond `choleskyMaxSize`, Lanczos estimates from CG).
    public var rcondSupport = Double.nan
    public var rcondEquicorrelation = Double.nan
    public var fallback = HypergradientFallback.none
    /// ε added to the diagonal (ridge fallback), 0 otherwise.
    public var ridge = 0.0
    public var solver = HypergradientSolver.none
    /// CG iterations, Gauss–Seidel sweeps or coordinate descent epochs.
    public var iterations = 0
    /// Final relative residual / relative change of the iterative method (0 for Cholesky:
    /// then the relative residual of the solve, recomputed).
    public var residual = 0.0
    /// max_{j∈S} |x_c,jᵀr/n − λ2β_j − λ1_j s_j| / max(λ1_j, tiny): how far the given
    /// β̂ is from satisfying the optimality condition on its support.
    public var kktViolation = 0.0
    /// Forward / reverse: ‖β_K − β̂‖∞ between their own last iterate and the given β̂.
    public var iterateDistance = 0.0
    /// Whether the iterative method reached its tolerance.
    public var converged = true
}

/// The Jacobian of β̂ on its support, kept between outer steps to warm-start
/// the implicit forward method: `values` is |support| × columns, row-major.
/// Columns: 1 (Lasso), 2 (elastic net) or the support itself (weighted Lasso).
public struct SupportJacobian {
    public var support: [Int]
    public var columns: Int
    public var values: [Double]

    public init(support: [Int], columns: Int, values: [Double]) throws {
        try require(columns >= 0, "jacobian", "has a negative number of columns")
        let (count, overflow) = support.count.multipliedReportingOverflow(by: columns)
        try require(!overflow && count == values.count, "jacobian",
                    "has \(values.count) entries, expected \(support.count)×\(columns)")
        self.support = support
        self.columns = columns
        self.values = values
    }
}

public struct HypergradientResult {
    /// ∂C/∂θ: 1 entry (Lasso), 2 (elastic net) or p (weighted Lasso, 0 off the support).
    public var gradient: [Double]
    public var diagnostics: HypergradientDiagnostics
    /// The Jacobian on the support (implicit forward only), for the next warm start.
    public var jacobian: SupportJacobian?
}

// MARK: - Implicitly centred columns

/// The columns of X_c = X − 1·mᵀ (or of X when `means` is nil), through the
/// operations the bilevel code needs. Vectors of ℝⁿ are stored *uncentred*
/// together with the sum of their entries: because every x_c,j is orthogonal to 1,
///
///     x_c,jᵀ v = x_jᵀ v − m_j Σᵢ vᵢ,
///
/// so the constant shift that centring adds to X_c u never has to be written
/// (sparse X stays sparse; an axpy costs the stored entries of one column).
final class CentredColumns<X: DesignMatrix> {
    let design: X
    let means: [Double]?
    /// Σᵢ x_ij (only when centring), and L_j = ‖x_c,j‖²/n: computed on demand by
    /// `prepare` for the columns an algorithm touches (NaN until then), so an
    /// implicit hypergradient costs O(n·|S ∪ E|) for them, not O(n·p).
    private(set) var sums: [Double]?
    private(set) var lipschitz: [Double]
    let n: Int
    let p: Int

    init(_ design: X, means: [Double]?) {
        self.design = design
        self.means = means
        n = design.rows
        p = design.columns
        sums = means == nil ? nil : [Double](repeating: .nan, count: p)
        lipschitz = [Double](repeating: .nan, count: p)
    }

    /// Computes the statistics of `features`; throws when a squared norm overflows.
    func prepare<S: Sequence>(_ features: S) throws where S.Element == Int {
        let scale = 1 / Double(max(n, 1))
        for j in features where lipschitz[j].isNaN {
            if let m = means {
                sums?[j] = design.columnSum(j)
                lipschitz[j] = design.centeredColumnSquaredNorm(j, mean: m[j]) * scale
            } else {
                lipschitz[j] = design.columnSquaredNorm(j) * scale
            }
            guard lipschitz[j].isFinite else {
                throw NonsmoothError.invalidArgument(name: "X", reason: "column \(j) has a non-finite squared norm")
            }
        }
    }

    func prepareAll() throws { try prepare(0..<p) }

    /// x_c,jᵀ v for a vector v stored uncentred with entry sum `sum`.
    @inline(__always)
    func dot(_ j: Int, _ v: UnsafePointer<Double>, sum: Double) -> Double {
        let d = design.columnDot(j, v)
        if let m = means { return d - m[j] * sum }
        return d
    }

    /// v ← v + a·x_j, keeping Σv (the centring shift is left implicit).
    /// Needs `prepare` for column j when centring.
    @inline(__always)
    func axpy(_ j: Int, _ a: Double, _ v: UnsafeMutablePointer<Double>, sum: inout Double) {
        design.columnAxpy(j, a, v)
        if let s = sums { sum += a * s[j] }
    }

    /// X_c,Sᵀ v / n into out (|S| entries).
    func correlations(_ support: [Int], _ v: UnsafePointer<Double>, sum: Double, into out: inout [Double]) {
        let scale = 1 / Double(n)
        for (a, j) in support.enumerated() { out[a] = dot(j, v, sum: sum) * scale }
    }

    /// All x_c,jᵀ v / n (BLAS for dense designs).
    func allCorrelations(_ v: UnsafePointer<Double>, sum: Double) -> [Double] {
        var out = [Double](repeating: 0, count: p)
        out.withUnsafeMutableBufferPointer { o in
            guard let base = o.baseAddress else { return }
            design.transposeMultiply(v, vectors: 1, into: base)
        }
        let scale = 1 / Double(n)
        if let m = means {
            for j in 0..<p { out[j] = (out[j] - m[j] * sum) * scale }
        } else {
            for j in 0..<p { out[j] *= scale }
        }
        return out
    }

    /// The dense n×k matrix of the centred columns `set` (column-major), or nil
    /// when n·k exceeds `limit` entries.
    func gather(_ set: [Int], limit: Int) -> [Double]? {
        let (size, overflow) = n.multipliedReportingOverflow(by: set.count)
        guard !overflow, size <= limit else { return nil }
        var out = [Double](repeating: 0, count: max(size, 1))
        out.withUnsafeMutableBufferPointer { o in
            guard let base = o.baseAddress else { return }
            for (a, j) in set.enumerated() {
                let col = base + a * n
                design.columnAxpy(j, 1, col)
                if let m = means {
                    let mj = m[j]
                    for i in 0..<n { col[i] -= mj }
                }
            }
        }
        return out
    }
}
