/// The subgradient method for  min_x F(x) = f(x) + g(x), f a `SmoothLoss` and g
/// a finite-valued convex `ProximalOperator` (a penalty, not a constraint):
///
///     x_{k+1} = x_k − α_k s_k,   s_k = ∇f(x_k) + ∂g⁰(x_k) ∈ ∂F(x_k),
///
/// where ∂g⁰(x) is the minimal-norm subgradient returned by
/// `ProximalOperator.subgradient` (N. Z. Shor, "Minimization methods for
/// non-differentiable functions", 1985; S. Boyd, L. Xiao and A. Mutapcic,
/// "Subgradient methods", Stanford lecture notes, 2003). It is not a descent method,
/// so it returns the best iterate x_best = argmin_k F(x_k) and the weighted average
/// x̄ = Σ α_k x_k / Σ α_k (the point of the ergodic convergence theory).
///
/// Step rules (`SubgradientStepRule`), with R = ‖x₀ − x*‖ and G ≥ ‖s_k‖:
/// - constant α: F_best − F* ≤ (R² + G²α²k)/(2αk) → G²α/2, no convergence;
/// - constant length α/‖s_k‖ (‖x_{k+1} − x_k‖ = α): → Gα/2;
/// - diminishing a/√(k+1) (not summable): F_best → F*, at the rate O(log k/√k);
/// - square-summable a/(b + k): F_best → F*;
/// - Polyak (F(x_k) − F*)/‖s_k‖² with F* known: F_best → F*, O(1/√k) in general
///   and linear when F grows sharply away from its minimizers;
/// - Polyak with the target level F_best − δ_k, δ_k = δ/√(k+1) → 0 and Σδ_k = ∞,
///   in place of the unknown F* (Boyd, Xiao & Mutapcic §3.3): F_best → F*.
///
/// There is no certificate of optimality, and this is structural, not an omission:
/// the method sees one subgradient per point, and at a nonsmooth minimizer the
/// subgradients it sees (e.g. ∇f_j at a zero coordinate of an ℓ1 problem, where any
/// value in [−λ, λ] is allowed) do not vanish, so ‖s_k‖ stays bounded away from 0
/// even at x*; and without F* (or a dual) a function value cannot be compared with
/// the optimum. The result therefore reports F(x_best), the smallest ‖s_k‖ seen (an
/// upper bound on dist(0, ∂F(x_k)) at that iterate; 0 proves optimality, which is
/// how the method stops when it lands on a smooth stationary point) and, when the
/// loss has a Lipschitz estimate L, the prox-gradient residual
/// ‖x − prox_{g/L}(x − ∇f(x)/L)‖·L at x_best — a true KKT residual, comparable to
/// the certificate of `solveProximalGradient`, which is typically large because
/// subgradient iterates are never exactly sparse.

public enum SubgradientStepRule: Equatable {
    /// α_k = α.
    case constant(Double)
    /// α_k = α/‖s_k‖ (each step has length α).
    case constantLength(Double)
    /// α_k = a/√(k+1).
    case diminishing(Double)
    /// α_k = a/(b + k), b > 0.
    case squareSummable(a: Double, b: Double)
    /// α_k = (F(x_k) − F*)/‖s_k‖² with F* = `optimalValue` ≤ min F; the solve stops
    /// when F_best − F* ≤ `tolerance`.
    case polyak(optimalValue: Double)
    /// α_k = (F(x_k) − F_best + δ_k)/‖s_k‖², δ_k = δ/√(k+1): Polyak's step with the
    /// target level F_best − δ_k estimating F*.
    case polyakEstimated(delta: Double)
}

public struct SubgradientOptions {
    public var stepRule: SubgradientStepRule = .diminishing(1)
    /// Budget of subgradient steps.
    public var maxIterations: Int = 10_000
    /// With `.polyak(optimalValue:)`, stop when F_best − F* ≤ tolerance.
    public var tolerance: Double = 0
    /// Record F(x_k) and F_best after each k (at most `historyCapacity` values each).
    public var recordHistory: Bool = true
    public var historyCapacity: Int = 100_000

    public init(stepRule: SubgradientStepRule = .diminishing(1), maxIterations: Int = 10_000,
                tolerance: Double = 0, recordHistory: Bool = true, historyCapacity: Int = 100_000) {
        self.stepRule = stepRule
        self.maxIterations = maxIterations
        self.tolerance = tolerance
        self.recordHistory = recordHistory
        self.historyCapacity = historyCapacity
    }
}

public struct SubgradientResult {
    /// The iterate with the smallest F seen.
    public var best: [Double]
    public var bestObjective: Double
    /// The k of the best iterate x_k.
    public var bestIteration: Int
    /// Σ α_k x_k / Σ α_k over the steps taken (x₀ when none was taken).
    public var average: [Double]
    public var averageObjective: Double
    /// min_k ‖s_k‖ over the subgradients used (not a certificate; see above).
    public var minimalSubgradientNorm: Double
    /// ‖G_{1/L}(x_best)‖, the prox-gradient (KKT) residual at the best iterate,
    /// when the loss has a positive Lipschitz estimate L; nil otherwise.
    public var kktResidual: Double?
    /// Steps taken.
    public var iterations: Int
    /// `.converged` only when a zero subgradient was met or, with a known F*,
    /// when F_best − F* ≤ tolerance; otherwise `.maxIterations` or `.cancelled`.
    public var stopReason: StopReason
    /// F(x_k), k = 0, 1, … (when `recordHistory`).
    public var objectiveHistory: [Double]
    /// min_{j ≤ k} F(x_j), k = 0, 1, … (when `recordHistory`), non-increasing.
    public var bestObjectiveHistory: [Double]
}

/// Runs the subgradient method (see the top of this file).
///
/// - `initial` (nil: zeros) has `loss.dimension` entries; F must be finite there.
/// - The observer is called every `progress.every` steps with F_best; returning
///   false stops the solve with `stopReason == .cancelled`.
///
/// Throws `invalidArgument` for wrong lengths, a non-finite starting point or
/// F(x₀) = +∞ (g must be finite-valued: use `solveProximalGradient` for
/// constraints), a non-positive or non-finite step parameter, a non-finite F*,
/// and a negative budget or tolerance; `numericalError` when an iterate leaves
/// the domain or F stops being finite (steps too large).
public func solveSubgradient<L: SmoothLoss, G: ProximalOperator>(
    loss: L, regularizer: G, initial x0: [Double]? = nil,
    options: SubgradientOptions = SubgradientOptions(),
    progress: ProgressObserver = .silent
) throws -> SubgradientResult {
    let n = loss.dimension
    try require(n >= 1, "loss", "must have dimension at least 1, got \(n)")
    try regularizer.validate(length: n)
    try require(options.maxIterations >= 0, "maxIterations", "must be non-negative, got \(options.maxIterations)")
    try requireNonnegative(options.tolerance, "tolerance")
    try require(options.historyCapacity >= 0, "historyCapacity",
                "must be non-negative, got \(options.historyCapacity)")
    switch options.stepRule {
    case let .constant(a): try requirePositive(a, "step")
    case let .constantLength(a): try requirePositive(a, "step")
    case let .diminishing(a): try requirePositive(a, "step")
    case let .squareSummable(a, b):
        try requirePositive(a, "step")
        try requirePositive(b, "b")
    case let .polyak(fStar): try requireFinite(fStar, "optimalValue")
    case let .polyakEstimated(delta): try requirePositive(delta, "delta")
    }

    let x = try solverStartingPoint(x0, length: n)
    let s = DoubleBuffer(n), sg = DoubleBuffer(n)
    let best = DoubleBuffer(n), average = DoubleBuffer(n)
    best.base.update(from: x.base, count: n)
    var bestObjective = Double.infinity, bestIteration = 0
    var weightSum = 0.0, weightScale = 1.0
    var minimalNorm = Double.infinity
    var history: [Double] = [], bestHistory: [Double] = []
    var stop = StopReason.maxIterations
    var k = 0

    while true {
        // F(x_k) and s_k ∈ ∂F(x_k).
        let f = loss.valueAndGradient(x.solverReadable, into: s.solverWritable)
        let value = f + regularizer.value(x.solverReadable)
        guard value.isFinite else {
            if k == 0 {
                throw NonsmoothError.invalidArgument(
                    name: "initial",
                    reason: "F = f + g is not finite there (\(value)); the subgradient method needs a finite-valued g")
            }
            throw NonsmoothError.numericalError(
                "subgradient method: F(x_\(k)) = \(value) is not finite (the steps are too large, or g is not finite-valued)")
        }
        if value < bestObjective {
            bestObjective = value
            bestIteration = k
            best.base.update(from: x.base, count: n)
        }
        if options.recordHistory && history.count < options.historyCapacity {
            history.append(value)
            bestHistory.append(bestObjective)
        }
        if case let .polyak(fStar) = options.stepRule, bestObjective - fStar <= options.tolerance {
            stop = .converged
            break
        }
        if k >= options.maxIterations { break }
        if k > 0 && k % max(progress.every, 1) == 0 && !progress.observe(k, bestObjective) {
            stop = .cancelled
            break
        }
        try regularizer.subgradient(x.solverReadable, into: sg.solverWritable)
        for j in 0..<n { s[j] += sg[j] }
        let norm = euclideanNorm(s.solverReadable)
        guard norm.isFinite else {
            throw NonsmoothError.numericalError("subgradient method: the subgradient at x_\(k) is not finite")
        }
        minimalNorm = min(minimalNorm, norm)
        if norm == 0 {
            // 0 ∈ ∂F(x_k): x_k is a minimizer.
            stop = .converged
            break
        }

        // The step is α s = factor·(s/divisor). The length rules (constant length,
        // Polyak) fix ‖α s‖ = factor and step along s/‖s‖: their α = factor/‖s‖
        // overflows for a subnormal ‖s‖ although the step itself is finite.
        let factor: Double, divisor: Double
        switch options.stepRule {
        case let .constant(a): (factor, divisor) = (a, 1)
        case let .constantLength(a): (factor, divisor) = (a, norm)
        case let .diminishing(a): (factor, divisor) = (a / Double(k + 1).squareRoot(), 1)
        case let .squareSummable(a, b): (factor, divisor) = (a / (b + Double(k)), 1)
        case let .polyak(fStar): (factor, divisor) = (max(value - fStar, 0) / norm, norm)
        case let .polyakEstimated(delta):
            (factor, divisor) = ((value - bestObjective + delta / Double(k + 1).squareRoot()) / norm, norm)
        }
        guard factor.isFinite else {
            // E.g. Polyak's length (F − F_best + δ_k)/‖s‖ with δ far above the scale of F.
            throw NonsmoothError.numericalError(
                "subgradient method: the step at iteration \(k) is not finite (‖s_\(k)‖ = \(norm)): the step " +
                "rule's parameter is too large for the scale of F")
        }
        // x̄ accumulates the weights α_k·weightScale; weightScale, a power of two (exact
        // rescaling), drops when a weight α_k = factor/divisor would overflow.
        var weight = factor * weightScale / divisor
        while !weight.isFinite {
            weightScale *= 0x1p-600
            weightSum *= 0x1p-600
            for j in 0..<n { average[j] *= 0x1p-600 }
            weight = factor * weightScale / divisor
        }
        for j in 0..<n {
            average[j] += weight * x[j]
            x[j] -= factor * (s[j] / divisor)
        }
        weightSum += weight
        k += 1
    }

    if weightSum > 0 {
        for j in 0..<n { average[j] /= weightSum }
    } else {
        average.base.update(from: best.base, count: n)
    }
    let averageObjective = loss.value(average.solverReadable) + regularizer.value(average.solverReadable)

    var kkt: Double? = nil
    if let lip = loss.lipschitzEstimate, lip > 0, (1 / lip).isFinite {
        let t = 1 / lip
        _ = loss.valueAndGradient(best.solverReadable, into: s.solverWritable)
        for j in 0..<n { sg[j] = best[j] - t * s[j] }
        try regularizer.prox(sg.solverReadable, step: t, into: s.solverWritable)
        for j in 0..<n { s[j] = best[j] - s[j] }
        kkt = euclideanNorm(s.solverReadable) / t
    }
    return SubgradientResult(
        best: Array(best.solverReadable), bestObjective: bestObjective, bestIteration: bestIteration,
        average: Array(average.solverReadable), averageObjective: averageObjective,
        minimalSubgradientNorm: minimalNorm, kktResidual: kkt, iterations: k, stopReason: stop,
        objectiveHistory: history, bestObjectiveHistory: bestHistory)
}
