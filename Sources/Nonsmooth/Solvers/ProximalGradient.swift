/// Proximal gradient methods for the composite problem
///
///     min_x  F(x) = f(x) + g(x),
///
/// f a `SmoothLoss` (convex, ∇f L-Lipschitz) and g any `ProximalOperator`
/// (convex, closed; possibly an indicator). One iteration is the forward–backward step
///
///     x⁺ = prox_{tg}(y − t∇f(y)),
///
/// at y = x_k (ISTA, O(1/k) in F) or at the extrapolated point
/// y_k = x_k + ((θ_{k−1} − 1)/θ_k)(x_k − x_{k−1}),  θ_k = (1 + √(1 + 4θ²_{k−1}))/2
/// (FISTA, O(1/k²); A. Beck and M. Teboulle, "A fast iterative shrinkage-thresholding
/// algorithm for linear inverse problems", SIAM J. Imaging Sci. 2, 2009).
///
/// Step sizes (`ProximalGradientStep`): t = 1/L from the loss's Lipschitz
/// estimate, a constant t, or backtracking: t is multiplied by `shrink` until
/// the sufficient-decrease condition of Beck & Teboulle
///
///     f(x⁺) ≤ f(y) + ⟨∇f(y), x⁺ − y⟩ + ‖x⁺ − y‖²/(2t)          (†)
///
/// holds. Near convergence both sides of (†) fall to the rounding level of f
/// and the test becomes noise: it is then decided with a slack of that level
/// (~1e-10·|f|, else t would shrink spuriously), but only for steps no larger
/// than the largest one accepted by a meaningful test (else t would grow on
/// noise). With `growth` = 1 the step never increases (Beck–Teboulle);
/// with `growth` > 1 each iteration first tries t·growth, and FISTA then uses the
/// momentum rule of K. Scheinberg, D. Goldfarb and X. Bai ("Fast first-order methods
/// for composite convex optimization with backtracking", Found. Comput. Math. 14, 2014),
/// θ_k = (1 + √(1 + 4(t_{k−1}/t_k)θ²_{k−1}))/2, recomputing y for each trial step,
/// which keeps the O(1/k²) rate while the step adapts both ways.
///
/// Adaptive restart (FISTA only; B. O'Donoghue and E. Candès, "Adaptive restart for
/// accelerated gradient schemes", Found. Comput. Math. 15, 2015) resets the momentum
/// (θ = 1, y = x) when F(x_{k+1}) > F(x_k) (function scheme) or when
/// ⟨y_k − x_{k+1}, x_{k+1} − x_k⟩ > 0, i.e. the momentum points uphill along the
/// gradient mapping (gradient scheme). Restarting recovers linear convergence
/// under strong convexity without knowing its modulus.
///
/// Certificate: the norm of the gradient mapping at the returned point x,
///
///     ‖G_t(x)‖ = ‖x − prox_{tg}(x − t∇f(x))‖ / t,
///
/// with t the final step. It is 0 exactly at minimizers of F (for any t > 0), and
/// it bounds the distance of 0 to the subdifferential at the prox point
/// x̂ = prox_{tg}(x − t∇f(x)): dist(0, ∇f(x̂) + ∂g(x̂)) ≤ (1 + tL)‖G_t(x)‖ (≤ 2‖G_t(x)‖
/// when t ≤ 1/L). For g = 0 it is ‖∇f(x)‖; for the indicator of a convex set C,
/// ‖x − P_C(x − t∇f(x))‖/t, the projected-gradient residual. The solver stops
/// when it is ≤ `tolerance` (an absolute tolerance in the units of ∇f), or
/// ≤ tolerance·max(1, ‖∇f(x₀)‖) when
/// `relativeTolerance` is set.
///
/// ISTA gets the exact certificate of x_k for free (it is the step from x_k).
/// FISTA gets, for free, the gradient mapping at y_k (the `progress` value); when
/// that is below the tolerance it computes the exact certificate of x_{k+1} (one more
/// gradient and prox), and re-checks with a linearly growing spacing if it fails.

public enum ProximalGradientMethod: Equatable {
    /// Forward–backward splitting, x_{k+1} = prox_{tg}(x_k − t∇f(x_k)).
    case ista
    /// Beck–Teboulle's accelerated variant.
    case fista
}

public enum ProximalGradientStep: Equatable {
    /// t = 1/L with L = `lipschitz` when given, otherwise the loss's
    /// `lipschitzEstimate` (`invalidArgument` when both are nil). L = 0 (f affine)
    /// gives t = 1.
    case inverseLipschitz(lipschitz: Double? = nil)
    /// A fixed step t > 0 (ISTA converges for t < 2/L, FISTA for t ≤ 1/L).
    case constant(Double)
    /// Backtracking on (†), starting from `initialStep`, else 1/L from the loss's
    /// estimate, else 1/L₀ with L₀ the curvature of f along −∇f(x₀) (a finite
    /// difference of gradients). `shrink` ∈ (0, 1) multiplies a rejected step;
    /// `growth` ≥ 1 multiplies the step before each iteration's search (1: the
    /// step never grows).
    case backtracking(initialStep: Double? = nil, shrink: Double = 0.5, growth: Double = 1)
}

public enum RestartScheme: Equatable {
    case none
    /// Restart when F(x_{k+1}) > F(x_k) (costs one evaluation of f per iteration
    /// unless backtracking already computes it).
    case functionValue
    /// Restart when ⟨y_k − x_{k+1}, x_{k+1} − x_k⟩ > 0 (free).
    case gradient
}

public struct ProximalGradientOptions {
    public var method: ProximalGradientMethod = .fista
    public var step: ProximalGradientStep = .inverseLipschitz()
    /// Ignored by ISTA.
    public var restart: RestartScheme = .none
    /// Stop when the gradient-mapping norm is ≤ tolerance (absolute, in the
    /// units of ∇f; see `relativeTolerance`). 0 runs the whole budget unless the
    /// certificate is exactly 0.
    public var tolerance: Double = 1e-6
    /// Multiply `tolerance` by max(1, ‖∇f(x₀)‖).
    public var relativeTolerance: Bool = false
    /// Budget of prox-gradient steps.
    public var maxIterations: Int = 10_000
    /// Record F(x_k) at every iteration (costs one evaluation of f per iteration
    /// when it is not computed anyway), at most `historyCapacity` values.
    public var recordHistory: Bool = false
    public var historyCapacity: Int = 100_000

    public init(method: ProximalGradientMethod = .fista, step: ProximalGradientStep = .inverseLipschitz(),
                restart: RestartScheme = .none, tolerance: Double = 1e-6, relativeTolerance: Bool = false,
                maxIterations: Int = 10_000, recordHistory: Bool = false, historyCapacity: Int = 100_000) {
        self.method = method
        self.step = step
        self.restart = restart
        self.tolerance = tolerance
        self.relativeTolerance = relativeTolerance
        self.maxIterations = maxIterations
        self.recordHistory = recordHistory
        self.historyCapacity = historyCapacity
    }
}

public struct ProximalGradientResult {
    /// The returned point (an output of the prox, so in the domain of g).
    public var x: [Double]
    /// F(x) = f(x) + g(x).
    public var objective: Double
    /// ‖G_t(x)‖ = ‖x − prox_{tg}(x − t∇f(x))‖/t at the returned x, t = `step`.
    public var certificate: Double
    /// The threshold the certificate was compared with (tolerance, scaled when
    /// `relativeTolerance`).
    public var certificateTolerance: Double
    /// Prox-gradient steps taken to reach x.
    public var iterations: Int
    public var stopReason: StopReason
    /// The final step t.
    public var step: Double
    /// Momentum restarts (FISTA with a restart scheme).
    public var restarts: Int
    /// Rejected trial steps of the line search.
    public var backtracks: Int
    /// Evaluations of ∇f (each with f), including certificate checks.
    public var gradientEvaluations: Int
    /// F(x_k) for k = 0, 1, … when `recordHistory` (capped at `historyCapacity`);
    /// F(x₀) may be +∞ when x₀ is outside the domain of g.
    public var objectiveHistory: [Double]
}

/// Solves min f(x) + g(x) by ISTA or FISTA (see the top of this file).
///
/// - `initial` (nil: zeros) has `loss.dimension` entries and need not lie in
///   the domain of g.
/// - The observer is called every `progress.every` iterations with the free
///   gradient-mapping norm at the current extrapolated point (the certificate
///   itself for ISTA); returning false stops the solve, which returns the
///   current iterate, its exact certificate and `stopReason == .cancelled`.
///
/// Throws `invalidArgument` for a dimension below 1, a starting point of the
/// wrong length or not finite, a regularizer that cannot act on the dimension,
/// non-finite or non-positive steps and tolerances, a shrink factor outside
/// (0, 1), a growth factor below 1, or `.inverseLipschitz` without any Lipschitz
/// constant; `numericalError` when f or the iterates stop being finite (the
/// step is too large for a constant step) or the line search cannot satisfy (†).
public func solveProximalGradient<L: SmoothLoss, G: ProximalOperator>(
    loss: L, regularizer: G, initial x0: [Double]? = nil,
    options: ProximalGradientOptions = ProximalGradientOptions(),
    progress: ProgressObserver = .silent
) throws -> ProximalGradientResult {
    let n = loss.dimension
    try require(n >= 1, "loss", "must have dimension at least 1, got \(n)")
    try regularizer.validate(length: n)
    try requireNonnegative(options.tolerance, "tolerance")
    try require(options.maxIterations >= 0, "maxIterations", "must be non-negative, got \(options.maxIterations)")
    try require(options.historyCapacity >= 0, "historyCapacity",
                "must be non-negative, got \(options.historyCapacity)")
    let x = try solverStartingPoint(x0, length: n)

    var step = 1.0
    var backtracking = false
    var shrink = 0.5, growth = 1.0
    var needsCurvatureEstimate = false
    switch options.step {
    case let .constant(t):
        try requirePositive(t, "step")
        step = t
    case let .inverseLipschitz(given):
        guard let lip = given ?? loss.lipschitzEstimate else {
            throw NonsmoothError.invalidArgument(
                name: "step", reason: "the loss has no Lipschitz estimate; give one or use backtracking")
        }
        try requireNonnegative(lip, "lipschitz")
        step = lip > 0 ? 1 / lip : 1
        try requirePositive(step, "step")
    case let .backtracking(initial, s, gr):
        try require(s > 0 && s < 1, "shrink", "must lie in (0, 1), got \(s)")
        try require(gr.isFinite && gr >= 1, "growth", "must be finite and at least 1, got \(gr)")
        backtracking = true
        shrink = s
        growth = gr
        if let t0 = initial {
            try requirePositive(t0, "initialStep")
            step = t0
        } else if let lip = loss.lipschitzEstimate, lip > 0, (1 / lip).isFinite {
            step = 1 / lip
        } else {
            needsCurvatureEstimate = true
        }
    }

    let accelerate = options.method == .fista
    let restart = accelerate ? options.restart : .none
    let adaptiveMomentum = accelerate && backtracking && growth > 1
    let needObjective = options.recordHistory || restart == .functionValue

    let xPrev = DoubleBuffer(n), y = DoubleBuffer(n), gy = DoubleBuffer(n)
    let xNew = DoubleBuffer(n), work = DoubleBuffer(n), gx = DoubleBuffer(n)
    var gradientEvaluations = 0, backtracks = 0, restarts = 0
    var history: [Double] = []
    func record(_ value: Double) {
        if options.recordHistory && history.count < options.historyCapacity { history.append(value) }
    }

    // ∇f(x₀): the first forward step, the relative tolerance, the curvature estimate.
    y.base.update(from: x.base, count: n)
    var fy = loss.valueAndGradient(y.solverReadable, into: gy.solverWritable)
    gradientEvaluations += 1
    guard fy.isFinite else {
        throw NonsmoothError.invalidArgument(name: "initial", reason: "the loss is not finite there (\(fy))")
    }
    let gradientNorm0 = euclideanNorm(gy.solverReadable)
    let threshold = options.tolerance * (options.relativeTolerance ? max(1, gradientNorm0) : 1)
    if needsCurvatureEstimate {
        step = 1
        if gradientNorm0 > 0 && gradientNorm0.isFinite {
            let h = 1e-4 * max(1, euclideanNorm(x.solverReadable))
            for j in 0..<n { work[j] = x[j] - h * gy[j] / gradientNorm0 }
            _ = loss.valueAndGradient(work.solverReadable, into: gx.solverWritable)
            gradientEvaluations += 1
            for j in 0..<n { gx[j] -= gy[j] }
            let curvature = euclideanNorm(gx.solverReadable) / h
            if curvature > 0 && (1 / curvature).isFinite { step = 1 / curvature }
        }
    }
    /// Whether gy holds ∇f(x) with y = x (so the next iteration need not recompute it).
    var gradientAtX = true
    xPrev.base.update(from: x.base, count: n)
    var objectiveX = needObjective ? fy + regularizer.value(x.solverReadable) : .nan
    record(objectiveX)

    /// xNew = prox_{tg}(y − t·gy).
    func forwardBackward(_ t: Double) throws {
        for j in 0..<n { work[j] = y[j] - t * gy[j] }
        try regularizer.prox(work.solverReadable, step: t, into: xNew.solverWritable)
    }
    /// The largest step known to satisfy (†) where the test was meaningful (see below).
    var trustedStep = step
    /// Evaluates (†) for the current xNew, y, gy; returns f(xNew) when it holds.
    ///
    /// Near convergence both sides of (†) agree to rounding level: the excess
    /// f(x⁺) − f(y) − ⟨∇f(y), d⟩ and ‖d‖²/(2t) fall below the rounding noise of f,
    /// ~1e-13·|f|. The test is then decided with a slack of 1e-10·|f|, and — so
    /// that the step cannot grow on noise — only for steps not larger than the
    /// largest step accepted by a meaningful test (`trustedStep`).
    func sufficientDecrease(_ t: Double) -> (holds: Bool, value: Double) {
        let f = loss.value(xNew.solverReadable)
        guard f.isFinite else { return (false, f) }   // overflow: the step is far too large
        var linear = 0.0, square = 0.0
        for j in 0..<n {
            let d = xNew[j] - y[j]
            linear += gy[j] * d
            square += d * d
        }
        let excess = f - fy - linear, quadratic = square / (2 * t)
        let noise = 1e-13 * max(abs(fy), abs(f))
        if quadratic > 1e3 * noise {
            if excess <= quadratic {
                trustedStep = max(trustedStep, t)
                return (true, f)
            }
            trustedStep = min(trustedStep, t * shrink)
            return (false, f)
        }
        return (excess <= quadratic + 1e3 * noise && t <= trustedStep, f)
    }
    /// The exact certificate ‖G_t(p)‖ (one gradient and one prox).
    func exactCertificate(_ p: DoubleBuffer) throws -> Double {
        _ = loss.valueAndGradient(p.solverReadable, into: gx.solverWritable)
        gradientEvaluations += 1
        for j in 0..<n { work[j] = p[j] - step * gx[j] }
        try regularizer.prox(work.solverReadable, step: step, into: gx.solverWritable)
        for j in 0..<n { gx[j] = p[j] - gx[j] }
        return euclideanNorm(gx.solverReadable) / step
    }
    func finish(_ point: DoubleBuffer, certificate: Double?, iterations: Int, reason: StopReason) throws
        -> ProximalGradientResult {
        let cert = try certificate ?? exactCertificate(point)
        let stop: StopReason = (reason == .maxIterations && cert <= threshold) ? .converged : reason
        let objective = loss.value(point.solverReadable) + regularizer.value(point.solverReadable)
        return ProximalGradientResult(
            x: Array(point.solverReadable), objective: objective, certificate: cert,
            certificateTolerance: threshold, iterations: iterations, stopReason: stop, step: step,
            restarts: restarts, backtracks: backtracks, gradientEvaluations: gradientEvaluations,
            objectiveHistory: history)
    }

    var theta = 1.0
    var failedChecks = 0, nextCheck = 0
    var k = 0
    while k < options.maxIterations {
        // 1. The forward–backward step from y (y, fy, gy set, except in the
        //    adaptive-momentum mode, where y depends on the trial step).
        var fNew = Double.nan
        if adaptiveMomentum {
            var trial = step * growth
            var attempts = 0
            while true {
                let thetaNew = (1 + (1 + 4 * theta * theta * (step / trial)).squareRoot()) / 2
                let beta = (theta - 1) / thetaNew
                if beta == 0 && gradientAtX {
                    // y = x and gy = ∇f(x) already.
                } else {
                    for j in 0..<n { y[j] = x[j] + beta * (x[j] - xPrev[j]) }
                    fy = loss.valueAndGradient(y.solverReadable, into: gy.solverWritable)
                    gradientEvaluations += 1
                    gradientAtX = false
                }
                try forwardBackward(trial)
                let (holds, value) = sufficientDecrease(trial)
                if holds {
                    fNew = value
                    step = trial
                    theta = thetaNew
                    break
                }
                backtracks += 1
                attempts += 1
                trial *= shrink
                if attempts >= 200 || !(trial > 0) {
                    throw NonsmoothError.numericalError(
                        "proximal gradient: the line search found no acceptable step at iteration \(k) (f = \(fy))")
                }
            }
        } else if backtracking {
            var trial = step * growth
            var attempts = 0
            while true {
                try forwardBackward(trial)
                let (holds, value) = sufficientDecrease(trial)
                if holds {
                    fNew = value
                    step = trial
                    break
                }
                backtracks += 1
                attempts += 1
                trial *= shrink
                if attempts >= 200 || !(trial > 0) {
                    throw NonsmoothError.numericalError(
                        "proximal gradient: the line search found no acceptable step at iteration \(k) (f = \(fy))")
                }
            }
        } else {
            try forwardBackward(step)
        }

        // 2. The free gradient mapping at y (the certificate of x_k for ISTA).
        var distance2 = 0.0
        for j in 0..<n {
            let d = y[j] - xNew[j]
            distance2 += d * d
        }
        let mapping = distance2.squareRoot() / step
        guard fy.isFinite, mapping.isFinite else {
            throw NonsmoothError.numericalError(
                "proximal gradient diverged at iteration \(k) (f = \(fy), gradient mapping \(mapping)); "
                + "the step \(step) is probably too large")
        }
        if !accelerate && mapping <= threshold {
            // ISTA: y = x_k, so this is the exact certificate of x_k.
            return try finish(x, certificate: mapping, iterations: k, reason: .converged)
        }
        k += 1
        var objectiveNew = Double.nan
        if needObjective {
            if fNew.isNaN { fNew = loss.value(xNew.solverReadable) }
            objectiveNew = fNew + regularizer.value(xNew.solverReadable)
            record(objectiveNew)
        }
        if accelerate && mapping <= threshold && k >= nextCheck {
            let cert = try exactCertificate(xNew)
            if cert <= threshold {
                return try finish(xNew, certificate: cert, iterations: k, reason: .converged)
            }
            failedChecks += 1
            nextCheck = k + failedChecks
        }

        // 3. Momentum and restart.
        var restartNow = false
        switch restart {
        case .none: break
        case .functionValue: restartNow = objectiveNew > objectiveX
        case .gradient:
            var s = 0.0
            for j in 0..<n { s += (y[j] - xNew[j]) * (xNew[j] - x[j]) }
            restartNow = s > 0
        }
        xPrev.base.update(from: x.base, count: n)
        x.base.update(from: xNew.base, count: n)
        objectiveX = objectiveNew
        if restartNow {
            restarts += 1
            theta = 1
        }
        if !adaptiveMomentum {
            if accelerate && !restartNow {
                let thetaNew = (1 + (1 + 4 * theta * theta).squareRoot()) / 2
                let beta = (theta - 1) / thetaNew
                for j in 0..<n { y[j] = x[j] + beta * (x[j] - xPrev[j]) }
                theta = thetaNew
            } else {
                y.base.update(from: x.base, count: n)
                if restartNow { theta = 1 }
            }
            fy = loss.valueAndGradient(y.solverReadable, into: gy.solverWritable)
            gradientEvaluations += 1
        }
        // In the adaptive-momentum mode gy is ∇f at the old y, not at the new x.
        gradientAtX = false

        if k % max(progress.every, 1) == 0 && !progress.observe(k, mapping) {
            return try finish(x, certificate: nil, iterations: k, reason: .cancelled)
        }
    }
    return try finish(x, certificate: nil, iterations: k, reason: .maxIterations)
}
