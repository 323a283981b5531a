import COpenBLAS

/// The alternating direction method of multipliers (ADMM) for
///
///     min f(x) + g(z)   subject to  x = z,
///
/// in scaled form with over-relaxation (S. Boyd, N. Parikh, E. Chu, B. Peleato and
/// J. Eckstein, "Distributed optimization and statistical learning via the
/// alternating direction method of multipliers", Found. Trends Mach. Learn. 3, 2011,
/// §3.1.1, §3.4.3):
///
///     x⁺ = argmin_x f(x) + (σ/2)‖x − z + u‖²        = prox_{f/σ}(z − u)
///     x̂  = a·x⁺ + (1 − a)·z                          (over-relaxation, a ∈ (0, 2))
///     z⁺ = argmin_z g(z) + (σ/2)‖x̂ − z + u‖²        = prox_{g/σ}(x̂ + u)
///     u⁺ = u + x̂ − z⁺
///
/// σ > 0 is the penalty parameter (Boyd's ρ) and σu the dual variable.
///
/// Certificates (§3.3): the primal residual r = x⁺ − z⁺ and the dual residual
/// s = σ(z⁺ − z). The updates give, exactly at every iteration,
///
///     σu⁺ ∈ ∂g(z⁺),    −σu⁺ − s − (1 − a)σ(x⁺ − z) ∈ ∂f(x⁺),
///
/// so r and s (and, when a ≠ 1, x⁺ − z = r + s/σ) measure the violation of the
/// optimality conditions 0 ∈ ∂f(x) + ∂g(z), x = z. They are accepted when
///
///     ‖r‖ ≤ √p·ε_abs + ε_rel·max(‖x‖, ‖z‖),    ‖s‖ ≤ √p·ε_abs + ε_rel·‖σu‖.
///
/// Residual balancing (§3.4.1): every `balancingInterval` iterations, σ is
/// multiplied by τ when r̃ > μs̃ and divided by τ when s̃ > μr̃ (u is rescaled by
/// the inverse factor so σu is unchanged), at most `maxPenaltyUpdates` times so
/// that σ is eventually fixed, which keeps the convergence theory. By default
/// (`normalizedBalancing`) r̃ = ‖r‖/max(‖x‖, ‖z‖) and s̃ = ‖s‖/‖σu‖, the
/// quantities of the relative stopping test (as in OSQP, Stellato et al. 2020);
/// Boyd's r̃ = ‖r‖, s̃ = ‖s‖ compares numbers in different units (x against ∇f)
/// and, on Lasso problems in scikit-learn's scaling, drives σ one to two orders
/// of magnitude too high (10–20× more iterations in our measurements).
///
/// The elastic net solver (`solveElasticNetADMM`) specializes the x-update to the
/// least-squares data fit with a cached Cholesky factorization, and adds the
/// duality gap of coordinate descent as its certificate.

public enum ADMMFactorization: Equatable {
    /// `covariance` when n ≥ p, `woodbury` otherwise.
    case automatic
    /// Cholesky of XᵀX/n + σI (p×p); an x-update costs two triangular solves, O(p²).
    case covariance
    /// Cholesky of I + XXᵀ/(nσ) (n×n) with the matrix inversion lemma
    /// (XᵀX/n + σI)⁻¹v = v/σ − Xᵀ(I + XXᵀ/(nσ))⁻¹Xv/(nσ²); an x-update costs
    /// O(np + n²).
    case woodbury
}

public enum ADMMStoppingCriterion: Equatable {
    /// The duality gap (elastic net only; the generic solver uses `.residuals`).
    case dualityGap
    /// Boyd's primal and dual residual tests.
    case residuals
    /// Both.
    case both
}

public struct ADMMOptions {
    /// Initial σ > 0; nil chooses trace(XᵀX)/(np) (the mean curvature of the
    /// data fit) for the elastic net and 1 for the generic solver.
    public var penalty: Double? = nil
    /// Over-relaxation a ∈ (0, 2); 1 is plain ADMM, 1.5–1.8 is usually faster.
    public var relaxation: Double = 1.6
    /// ε_abs of the residual tests.
    public var absoluteTolerance: Double = 1e-8
    /// ε_rel of the residual tests.
    public var relativeTolerance: Double = 1e-6
    public var residualBalancing: Bool = true
    /// Balance the residuals relative to their scales (‖r‖/max(‖x‖, ‖z‖) against
    /// ‖s‖/‖σu‖, the quantities of the relative stopping test, as OSQP does)
    /// instead of Boyd's absolute ‖r‖ against ‖s‖.
    public var normalizedBalancing: Bool = true
    /// μ: rebalance when one residual exceeds μ times the other.
    public var balancingThreshold: Double = 10
    /// τ > 1: the factor applied to σ.
    public var balancingFactor: Double = 2
    /// Check the balance every this many iterations.
    public var balancingInterval: Int = 5
    /// At most this many changes of σ (each one refactorizes for the elastic net).
    public var maxPenaltyUpdates: Int = 30
    public var maxIterations: Int = 10_000
    /// Record (iteration, ‖r‖, ‖s‖) at every iteration, at most `historyCapacity` entries.
    public var recordHistory: Bool = false
    public var historyCapacity: Int = 100_000

    // Elastic net only.
    /// Duality gap tolerance in scikit-learn's scaling: stop when the gap is
    /// ≤ tolerance·‖y‖²/n (y centred when an intercept is fitted).
    public var tolerance: Double = 1e-4
    public var stoppingCriterion: ADMMStoppingCriterion = .dualityGap
    public var fitIntercept: Bool = false
    public var factorization: ADMMFactorization = .automatic
    /// Compute the duality gap every this many iterations (and whenever the
    /// residual tests pass). It costs O(np) like a product with X.
    public var gapFrequency: Int = 10

    public init() {}
}

/// Boyd's residuals at the returned iterate and the thresholds they are compared with.
public struct ADMMResiduals: Equatable {
    /// ‖x − z‖.
    public var primal: Double
    /// σ‖z − z_previous‖.
    public var dual: Double
    /// √p·ε_abs + ε_rel·max(‖x‖, ‖z‖).
    public var primalTolerance: Double
    /// √p·ε_abs + ε_rel·‖σu‖.
    public var dualTolerance: Double
    /// max(‖x‖, ‖z‖), the scale of the primal residual.
    public var primalScale: Double
    /// ‖σu‖, the scale of the dual residual.
    public var dualScale: Double

    public var satisfied: Bool { primal <= primalTolerance && dual <= dualTolerance }
}

public struct ADMMResult {
    /// The x-iterate (in the domain of f).
    public var x: [Double]
    /// The z-iterate (in the domain of g): the usual answer.
    public var z: [Double]
    /// The dual variable y = σu (σu ∈ ∂g(z), −σu ≈ ∂f(x) at convergence).
    public var dual: [Double]
    /// f(x) + g(z).
    public var objective: Double
    public var residuals: ADMMResiduals
    /// The final σ.
    public var penalty: Double
    public var penaltyUpdates: Int
    public var iterations: Int
    public var stopReason: StopReason
    public var residualHistory: [(iteration: Int, primal: Double, dual: Double)]
}

public struct ElasticNetADMMResult {
    /// z, the sparse iterate (coefficients of zero columns are set to 0), which
    /// is the point the duality gap certifies.
    public var coefficients: [Double]
    /// ȳ − x̄ᵀβ when an intercept is fitted, 0 otherwise.
    public var intercept: Double
    /// P(β) − D(θ) for the returned coefficients, as in `CoordinateDescentResult`.
    public var dualityGap: Double
    /// tolerance·‖y‖²/n (y centred when an intercept is fitted).
    public var gapTolerance: Double
    /// P(β) = (1/2n)‖y − Xβ − b‖² + penalty.
    public var objective: Double
    public var residuals: ADMMResiduals
    public var penalty: Double
    public var penaltyUpdates: Int
    /// Cholesky factorizations computed (1 + the changes of σ).
    public var factorizations: Int
    /// The linear system used: `.covariance` or `.woodbury`.
    public var factorization: ADMMFactorization
    public var iterations: Int
    public var stopReason: StopReason
    /// (iteration, duality gap) at each gap evaluation (at most `historyCapacity`).
    public var gapHistory: [(iteration: Int, gap: Double)]
    public var residualHistory: [(iteration: Int, primal: Double, dual: Double)]
}

// MARK: - Shared pieces

private func validateADMMOptions(_ o: ADMMOptions) throws {
    if let s = o.penalty { try requirePositive(s, "penalty") }
    try require(o.relaxation > 0 && o.relaxation < 2, "relaxation", "must lie in (0, 2), got \(o.relaxation)")
    try requireNonnegative(o.absoluteTolerance, "absoluteTolerance")
    try requireNonnegative(o.relativeTolerance, "relativeTolerance")
    try require(o.balancingThreshold.isFinite && o.balancingThreshold >= 1, "balancingThreshold",
                "must be finite and at least 1, got \(o.balancingThreshold)")
    try require(o.balancingFactor.isFinite && o.balancingFactor > 1, "balancingFactor",
                "must be finite and greater than 1, got \(o.balancingFactor)")
    try require(o.balancingInterval >= 1, "balancingInterval", "must be at least 1, got \(o.balancingInterval)")
    try require(o.maxPenaltyUpdates >= 0, "maxPenaltyUpdates", "must be non-negative, got \(o.maxPenaltyUpdates)")
    try require(o.maxIterations >= 0, "maxIterations", "must be non-negative, got \(o.maxIterations)")
    try require(o.historyCapacity >= 0, "historyCapacity", "must be non-negative, got \(o.historyCapacity)")
    try requireNonnegative(o.tolerance, "tolerance")
    try require(o.gapFrequency >= 1, "gapFrequency", "must be at least 1, got \(o.gapFrequency)")
}

/// The z- and u-updates and the residuals, shared by both solvers. Returns the
/// residuals; on exit `z` holds z⁺, `zPrevious` the old z and `u` holds u⁺.
@inline(__always)
private func admmSecondHalf(
    n: Int, relaxation a: Double, penalty sigma: Double, absoluteTolerance: Double, relativeTolerance: Double,
    x: DoubleBuffer, z: DoubleBuffer, zPrevious: DoubleBuffer, u: DoubleBuffer, work: DoubleBuffer,
    proxZ: (UnsafeBufferPointer<Double>, Double, UnsafeMutableBufferPointer<Double>) throws -> Void
) rethrows -> ADMMResiduals {
    zPrevious.base.update(from: z.base, count: n)
    for j in 0..<n { work[j] = a * x[j] + (1 - a) * z[j] + u[j] }   // x̂ + u
    try proxZ(work.solverReadable, 1 / sigma, z.solverWritable)
    var r2 = 0.0, s2 = 0.0, x2 = 0.0, z2 = 0.0, u2 = 0.0
    for j in 0..<n {
        let hat = work[j] - u[j]
        let un = u[j] + hat - z[j]
        u[j] = un
        let r = x[j] - z[j], s = z[j] - zPrevious[j]
        r2 += r * r
        s2 += s * s
        x2 += x[j] * x[j]
        z2 += z[j] * z[j]
        u2 += un * un
    }
    let root = Double(n).squareRoot()
    let primalScale = max(x2, z2).squareRoot(), dualScale = sigma * u2.squareRoot()
    return ADMMResiduals(
        primal: r2.squareRoot(), dual: sigma * s2.squareRoot(),
        primalTolerance: root * absoluteTolerance + relativeTolerance * primalScale,
        dualTolerance: root * absoluteTolerance + relativeTolerance * dualScale,
        primalScale: primalScale, dualScale: dualScale)
}

/// Residual balancing: the factor to apply to σ (1: none).
@inline(__always)
private func balancingFactor(_ r: ADMMResiduals, _ o: ADMMOptions) -> Double {
    var primal = r.primal, dual = r.dual
    if o.normalizedBalancing {
        primal /= max(r.primalScale, .leastNormalMagnitude)
        dual /= max(r.dualScale, .leastNormalMagnitude)
    }
    if primal > o.balancingThreshold * dual { return o.balancingFactor }
    if dual > o.balancingThreshold * primal { return 1 / o.balancingFactor }
    return 1
}

/// The state an ADMM run ends in.
private struct ADMMRun {
    var iterations = 0
    var stopReason = StopReason.maxIterations
    var penalty: Double
    var penaltyUpdates = 0
    var residuals = ADMMResiduals(primal: .infinity, dual: .infinity, primalTolerance: 0, dualTolerance: 0,
                                  primalScale: 0, dualScale: 0)
    var residualHistory: [(iteration: Int, primal: Double, dual: Double)] = []
}

/// The ADMM iteration shared by both solvers: `xUpdate(σ)` writes x⁺ into `x`
/// (from z and u), `proxZ` is prox_{g/σ} (`admmSecondHalf`), `done(k, r)` says
/// whether to stop after iteration k, `observe(k, r)` reports progress (false:
/// cancel), and `penaltyChanged(σ)` follows each residual-balancing update.
private func runADMM(
    n: Int, options: ADMMOptions, penalty: Double, progress: ProgressObserver,
    x: DoubleBuffer, z: DoubleBuffer, zPrevious: DoubleBuffer, u: DoubleBuffer, work: DoubleBuffer,
    xUpdate: (Double) throws -> Void,
    proxZ: (UnsafeBufferPointer<Double>, Double, UnsafeMutableBufferPointer<Double>) throws -> Void,
    done: (Int, ADMMResiduals) throws -> Bool,
    observe: (Int, ADMMResiduals) -> Bool,
    penaltyChanged: (Double) throws -> Void = { _ in }
) throws -> ADMMRun {
    var run = ADMMRun(penalty: penalty)
    var k = 0
    while k < options.maxIterations {
        try xUpdate(run.penalty)
        run.residuals = try admmSecondHalf(
            n: n, relaxation: options.relaxation, penalty: run.penalty, absoluteTolerance: options.absoluteTolerance,
            relativeTolerance: options.relativeTolerance, x: x, z: z, zPrevious: zPrevious, u: u, work: work,
            proxZ: proxZ)
        k += 1
        guard run.residuals.primal.isFinite, run.residuals.dual.isFinite else {
            throw NonsmoothError.numericalError("ADMM: the iterates are not finite at iteration \(k)")
        }
        if options.recordHistory && run.residualHistory.count < options.historyCapacity {
            run.residualHistory.append((k, run.residuals.primal, run.residuals.dual))
        }
        if try done(k, run.residuals) {
            run.stopReason = .converged
            break
        }
        if k % max(progress.every, 1) == 0 && !observe(k, run.residuals) {
            run.stopReason = .cancelled
            break
        }
        if options.residualBalancing && run.penaltyUpdates < options.maxPenaltyUpdates
            && k % options.balancingInterval == 0 {
            let factor = balancingFactor(run.residuals, options)
            if factor != 1 {
                run.penalty *= factor
                for j in 0..<n { u[j] /= factor }
                run.penaltyUpdates += 1
                try penaltyChanged(run.penalty)
            }
        }
    }
    run.iterations = k
    return run
}

// MARK: - Generic two-prox ADMM

/// Solves min f(x) + g(z) s.t. x = z for two proximal operators (see the top of
/// this file), stopping when Boyd's residual tests pass.
///
/// - `initial` (nil: zeros) is z₀, of length `dimension`; u₀ = 0.
/// - The observer is called every `progress.every` iterations with
///   max(‖r‖/ε_pri, ‖s‖/ε_dual) (≤ 1 means converged); returning false stops
///   the solve with `stopReason == .cancelled`.
///
/// Throws `invalidArgument` for a dimension below 1, operators that cannot act
/// on it, a bad starting point or option, and `numericalError` when the
/// iterates stop being finite.
public func solveADMM<F: ProximalOperator, G: ProximalOperator>(
    f: F, g: G, dimension n: Int, initial z0: [Double]? = nil,
    options: ADMMOptions = ADMMOptions(), progress: ProgressObserver = .silent
) throws -> ADMMResult {
    try require(n >= 1, "dimension", "must be at least 1, got \(n)")
    try f.validate(length: n)
    try g.validate(length: n)
    try validateADMMOptions(options)
    let z = try solverStartingPoint(z0, length: n)
    let x = DoubleBuffer(n), u = DoubleBuffer(n), zPrevious = DoubleBuffer(n), work = DoubleBuffer(n)
    let run = try runADMM(
        n: n, options: options, penalty: options.penalty ?? 1, progress: progress,
        x: x, z: z, zPrevious: zPrevious, u: u, work: work,
        xUpdate: { sigma in
            for j in 0..<n { work[j] = z[j] - u[j] }
            try f.prox(work.solverReadable, step: 1 / sigma, into: x.solverWritable)
        },
        proxZ: { v, t, out in try g.prox(v, step: t, into: out) },
        done: { _, r in r.satisfied },
        observe: { k, r in progress.observe(k, max(r.primal / r.primalTolerance, r.dual / r.dualTolerance)) })
    let sigma = run.penalty
    if run.iterations == 0 {
        // No iteration: report x = z = z₀.
        x.base.update(from: z.base, count: n)
    }
    let objective = f.value(x.solverReadable) + g.value(z.solverReadable)
    return ADMMResult(
        x: Array(x.solverReadable), z: Array(z.solverReadable), dual: (0..<n).map { sigma * u[$0] },
        objective: objective, residuals: run.residuals, penalty: sigma, penaltyUpdates: run.penaltyUpdates,
        iterations: run.iterations, stopReason: run.stopReason, residualHistory: run.residualHistory)
}

// MARK: - Elastic net

/// A dense symmetric positive definite m×m matrix and its Cholesky factor
/// (LAPACK dpotrf/dpotrs on the upper triangle).
final class CholeskySystem {
    let m: Int
    let factor: DoubleBuffer

    init(size m: Int) {
        self.m = m
        factor = DoubleBuffer(m * m)
    }

    /// factor ← chol(scale·M + shift·I) for the m×m matrix M (upper triangle read).
    func factorize(_ matrix: UnsafePointer<Double>, scale: Double, shift: Double) throws {
        let a = factor.base
        for j in 0..<m {
            for i in 0...j { a[j * m + i] = scale * matrix[j * m + i] }
            a[j * m + j] += shift
        }
        let info = choleskyFactorize(a, m)
        guard info == 0 else {
            throw NonsmoothError.numericalError(
                "ADMM: the Cholesky factorization failed (dpotrf info \(info)); the system is not numerically positive definite")
        }
    }

    /// b ← (scale·M + shift·I)⁻¹ b.
    func solve(_ b: UnsafeMutablePointer<Double>) throws {
        let info = choleskySolve(factor.base, m, b)
        guard info == 0 else { throw NonsmoothError.numericalError("ADMM: dpotrs failed (info \(info))") }
    }
}

/// Products with the (implicitly centred) design X_c = X − 1·x̄ᵀ.
struct CenteredDesign<X: DesignMatrix> {
    let design: X
    /// x̄ when centring, nil otherwise.
    let means: UnsafePointer<Double>?

    /// out = X_c v (n entries).
    func multiply(_ v: UnsafePointer<Double>, into out: UnsafeMutablePointer<Double>) {
        let n = design.rows, p = design.columns
        if let d = design as? DenseColumnMajor {
            cblas_dgemv(CblasColMajor, CblasNoTrans, Int32(n), Int32(p), 1, d.base, Int32(d.leadingDimension),
                        v, 1, 0, out, 1)
        } else {
            out.update(repeating: 0, count: n)
            for j in 0..<p where v[j] != 0 { design.columnAxpy(j, v[j], out) }
        }
        if let m = means {
            let shift = denseDot(m, v, p)
            if shift != 0 { for i in 0..<n { out[i] -= shift } }
        }
    }

    /// out = X_cᵀ w (p entries).
    func multiplyTranspose(_ w: UnsafePointer<Double>, into out: UnsafeMutablePointer<Double>) {
        let n = design.rows, p = design.columns
        design.transposeMultiply(w, vectors: 1, into: out)
        if let m = means {
            var s = 0.0
            for i in 0..<n { s += w[i] }
            if s != 0 { for j in 0..<p { out[j] -= m[j] * s } }
        }
    }

    /// The n×n matrix X_cX_cᵀ (upper triangle, column-major): dsyrk on blocks of
    /// 128 columns scattered (and centred) into dense memory, or on X itself.
    func outerGram(into k: UnsafeMutablePointer<Double>) {
        let n = design.rows, p = design.columns, n32 = Int32(n)
        if means == nil, let d = design as? DenseColumnMajor {
            cblas_dsyrk(CblasColMajor, CblasUpper, CblasNoTrans, n32, Int32(p), 1, d.base,
                        Int32(d.leadingDimension), 0, k, n32)
            return
        }
        k.update(repeating: 0, count: n * n)
        let block = min(p, 128)
        let buffer = DoubleBuffer(n * block)
        var start = 0
        while start < p {
            let count = min(block, p - start)
            buffer.base.update(repeating: 0, count: n * count)
            for c in 0..<count {
                let column = buffer.base + c * n, j = start + c
                design.columnAxpy(j, 1, column)
                if let m = means { for i in 0..<n { column[i] -= m[j] } }
            }
            cblas_dsyrk(CblasColMajor, CblasUpper, CblasNoTrans, n32, Int32(count), 1, buffer.base, n32, 1, k, n32)
            start += count
        }
    }
}

/// The duality gap of coordinate descent (`ResidualCoordinateDescent.evaluateFull`)
/// at a given β, in scikit-learn's scaling; the best dual value seen is kept
/// across calls (any dual-feasible value is a lower bound on the optimum).
final class ElasticNetCertifier<X: DesignMatrix> {
    let model: ElasticNetModel<X>
    let solver: ResidualCoordinateDescent<X>

    init(model: ElasticNetModel<X>, fitIntercept: Bool) {
        self.model = model
        solver = ResidualCoordinateDescent(
            model: model, options: CoordinateDescentOptions(fitIntercept: fitIntercept), progress: .silent,
            warmStart: nil)
    }

    /// Copies β (zero on zero columns; clipped at 0 when `positive`) and returns
    /// (P(β), gap, converged) with P and the gap divided by n.
    func evaluate(_ beta: UnsafePointer<Double>, tolerance: Double) throws
        -> (primal: Double, gap: Double, converged: Bool) {
        let p = model.p
        for j in 0..<p {
            let b = model.inert[j] ? 0 : beta[j]
            solver.beta[j] = model.positive ? max(b, 0) : b
        }
        solver.hasExtrapolated = false
        solver.hasInnerBest = false
        let e = try solver.evaluateFull()
        let n = Double(model.n)
        return (e.primal / n, max(e.gap, 0) / n, model.converged(gap: e.gap, primal: e.primal, tolerance: tolerance))
    }
}

/// ADMM for the elastic net in scikit-learn's scaling (the problem of
/// `solveElasticNet`):
///
///     min_β (1/2n)‖y_c − X_cβ‖² + α Σ_j w_j (ρ|β_j| + (1 − ρ)/2 β_j²)   [β ≥ 0 if positive]
///
/// split as f(β) = (1/2n)‖y_c − X_cβ‖², g(z) = the penalty, β = z. The x-update
/// solves (X_cᵀX_c/n + σI)β = X_cᵀy_c/n + σ(z − u) with a Cholesky factorization
/// computed once per value of σ (see `ADMMFactorization`), the z-update is the
/// separable elastic net prox
///
///     z_j = soft(v_j, αρw_j/σ) / (1 + α(1 − ρ)w_j/σ)   (then max(z_j, 0) if positive),
///
/// and X_c, y_c are centred when an intercept is fitted (X_c is never formed).
///
/// Certificates: Boyd's residuals, and the duality gap of coordinate descent at z
/// (dual point from the residual y_c − X_cz, rescaled to be feasible; see
/// `CoordinateDescentResult.dualityGap`), so `tolerance` means what it means for
/// `solveElasticNet` and scikit-learn. With `.dualityGap` (the default) the solve
/// stops when gap ≤ tolerance·‖y_c‖²/n, checked every `gapFrequency` iterations and
/// whenever the residual tests pass; `.residuals` uses Boyd's tests only (the gap is
/// still reported), `.both` requires both.
///
/// - `warmStart` (p entries, nil: zeros) is z₀, and u₀ = −∇f(z₀)/σ (optimal
///   when z₀ is).
/// - The observer is called every `progress.every` iterations with the latest
///   duality gap (+∞ before the first evaluation).
///
/// Throws `invalidArgument` for inconsistent sizes, non-finite data or
/// parameters, an empty design, bad options, or a linear system larger than
/// 8192 (min(n, p) with `.automatic`); `numericalError` if a factorization fails.
public func solveElasticNetADMM<X: DesignMatrix>(
    design: X, target y: UnsafeBufferPointer<Double>, penalty: ElasticNetPenalty,
    options: ADMMOptions = ADMMOptions(), warmStart: UnsafeBufferPointer<Double>? = nil,
    progress: ProgressObserver = .silent
) throws -> ElasticNetADMMResult {
    try validateADMMOptions(options)
    let model = try ElasticNetModel(design: design, y: y, penalty: penalty, fitIntercept: options.fitIntercept)
    let n = model.n, p = model.p, nd = Double(n)
    let z = DoubleBuffer(p)
    if let w = warmStart {
        try require(w.count == p, "warmStart", "has length \(w.count) but X has \(p) columns")
        try requireFinite(Array(w), "warmStart")
        for j in 0..<p { z[j] = w[j] }
    }
    let method: ADMMFactorization
    switch options.factorization {
    case .automatic: method = n >= p ? .covariance : .woodbury
    case let other: method = other
    }
    let size = method == .covariance ? p : n
    try require(size <= 8192, "factorization",
                "the \(size)×\(size) linear system of \(method) is too large (at most 8192)")

    let means: UnsafePointer<Double>? = options.fitIntercept ? UnsafePointer(model.means.base) : nil
    let centered = CenteredDesign(design: design, means: means)
    // q = X_cᵀy_c/n (y_c sums to 0, so X_cᵀy_c = Xᵀy_c).
    let q = DoubleBuffer(p)
    design.transposeMultiply(model.y.base, vectors: 1, into: q.base)
    for j in 0..<p { q[j] /= nd }
    // The unscaled system matrix: X_cᵀX_c (p×p) or X_cX_cᵀ (n×n).
    let system = DoubleBuffer(size * size)
    if method == .covariance {
        design.gram(means: means, into: system.base)
    } else {
        centered.outerGram(into: system.base)
    }
    var trace = 0.0
    for j in 0..<p { trace += model.norm2[j] }
    var sigma = options.penalty ?? (trace > 0 ? trace / (nd * Double(p)) : 1)
    try requirePositive(sigma, "penalty")
    let cholesky = CholeskySystem(size: size)
    var factorizations = 0
    func refactorize() throws {
        if method == .covariance {
            try cholesky.factorize(system.base, scale: 1 / nd, shift: sigma)
        } else {
            try cholesky.factorize(system.base, scale: 1 / (nd * sigma), shift: 1)
        }
        factorizations += 1
    }
    try refactorize()

    // Per-coordinate prox parameters (objective units, not multiplied by n).
    let l1 = DoubleBuffer(p), l2 = DoubleBuffer(p)
    for j in 0..<p {
        l1[j] = model.lambda1[j] / nd
        l2[j] = model.lambda2[j] / nd
    }
    let positive = model.positive, inert = model.inert
    let certifier = ElasticNetCertifier(model: model, fitIntercept: options.fitIntercept)

    let x = DoubleBuffer(p), u = DoubleBuffer(p), zPrevious = DoubleBuffer(p), work = DoubleBuffer(p)
    let sampleWork = DoubleBuffer(method == .woodbury ? n : 0)
    // u₀ = −∇f(z₀)/σ: the scaled dual that is optimal when z₀ is, so a warm
    // start from a solution is a fixed point (with u₀ = 0 it would not be).
    do {
        let residual = DoubleBuffer(n)
        centered.multiply(z.base, into: residual.base)
        centered.multiplyTranspose(residual.base, into: work.base)
        for j in 0..<p { u[j] = (q[j] - work[j] / nd) / sigma }
    }
    var gapHistory: [(iteration: Int, gap: Double)] = []
    var lastGap = Double.infinity, lastPrimal = Double.infinity, lastConverged = false
    var lastGapIteration = -1
    func certify(_ k: Int) throws {
        let e = try certifier.evaluate(z.base, tolerance: options.tolerance)
        lastGap = e.gap
        lastPrimal = e.primal
        lastConverged = e.converged
        lastGapIteration = k
        if gapHistory.count < options.historyCapacity { gapHistory.append((k, e.gap)) }
    }
    // When the residual tests pass but the gap does not, re-check the gap on
    // passing residuals only after a linearly growing spacing (each check costs
    // a product with X and Xᵀ).
    var failedResidualChecks = 0, nextResidualCheck = 0

    let run = try runADMM(
        n: p, options: options, penalty: sigma, progress: progress,
        x: x, z: z, zPrevious: zPrevious, u: u, work: work,
        xUpdate: { sigma in
            // Solve (X_cᵀX_c/n + σI)x = q + σ(z − u).
            for j in 0..<p { x[j] = q[j] + sigma * (z[j] - u[j]) }
            if method == .covariance {
                try cholesky.solve(x.base)
            } else {
                centered.multiply(x.base, into: sampleWork.base)
                try cholesky.solve(sampleWork.base)
                centered.multiplyTranspose(sampleWork.base, into: work.base)
                let c = 1 / (nd * sigma * sigma)
                for j in 0..<p { x[j] = x[j] / sigma - c * work[j] }
            }
        },
        proxZ: { v, _, out in
            for j in 0..<p {
                var value = softThreshold(v[j], l1[j] / sigma) / (1 + l2[j] / sigma)
                if positive && value < 0 { value = 0 }
                out[j] = inert[j] ? 0 : value
            }
        },
        done: { k, residuals in
            let residualsPass = residuals.satisfied
            switch options.stoppingCriterion {
            case .residuals:
                break   // the gap is computed once, at the end
            case .dualityGap, .both:
                if k % options.gapFrequency == 0 {
                    try certify(k)
                } else if residualsPass && k >= nextResidualCheck {
                    try certify(k)
                    if !lastConverged {
                        failedResidualChecks += 1
                        nextResidualCheck = k + failedResidualChecks
                    }
                }
            }
            let fresh = lastGapIteration == k
            switch options.stoppingCriterion {
            case .dualityGap: return fresh && lastConverged
            case .residuals: return residualsPass
            case .both: return residualsPass && fresh && lastConverged
            }
        },
        observe: { k, _ in progress.observe(k, lastGap) },
        penaltyChanged: { newSigma in
            sigma = newSigma
            try refactorize()
        })
    let k = run.iterations, residuals = run.residuals
    var stop = run.stopReason
    if lastGapIteration != k { try certify(k) }
    if stop == .maxIterations {
        // The budget ran out, but the last iterate may still satisfy the criterion.
        switch options.stoppingCriterion {
        case .dualityGap: if lastConverged { stop = .converged }
        case .residuals: if residuals.satisfied { stop = .converged }
        case .both: if lastConverged && residuals.satisfied { stop = .converged }
        }
    }

    let coefficients = Array(UnsafeBufferPointer(start: certifier.solver.beta.base, count: p))
    var intercept = 0.0
    if options.fitIntercept {
        intercept = model.yMean
        for j in 0..<p where coefficients[j] != 0 { intercept -= model.means[j] * coefficients[j] }
    }
    return ElasticNetADMMResult(
        coefficients: coefficients, intercept: intercept, dualityGap: lastGap,
        gapTolerance: options.tolerance * model.yNorm2 / nd, objective: lastPrimal, residuals: residuals,
        penalty: sigma, penaltyUpdates: run.penaltyUpdates, factorizations: factorizations, factorization: method,
        iterations: k, stopReason: stop, gapHistory: gapHistory, residualHistory: run.residualHistory)
}

/// Array convenience for Swift callers: `x` column-major n×p.
public func solveElasticNetADMM(
    columnMajor x: [Double], rows: Int, columns: Int, target y: [Double], penalty: ElasticNetPenalty,
    options: ADMMOptions = ADMMOptions(), warmStart: [Double]? = nil, progress: ProgressObserver = .silent
) throws -> ElasticNetADMMResult {
    try withArrayProblem(x, rows, columns, y, warmStart) { design, yb, wb in
        try solveElasticNetADMM(design: design, target: yb, penalty: penalty, options: options, warmStart: wb,
                                progress: progress)
    }
}

/// The Lasso, min (1/2n)‖y − Xβ‖² + α‖β‖₁, by `solveElasticNetADMM` (`x` column-major n×p).
public func solveLassoADMM(
    columnMajor x: [Double], rows: Int, columns: Int, target y: [Double], alpha: Double,
    options: ADMMOptions = ADMMOptions(), warmStart: [Double]? = nil, progress: ProgressObserver = .silent
) throws -> ElasticNetADMMResult {
    try solveElasticNetADMM(columnMajor: x, rows: rows, columns: columns, target: y,
                            penalty: ElasticNetPenalty(alpha: alpha), options: options, warmStart: warmStart,
                            progress: progress)
}
