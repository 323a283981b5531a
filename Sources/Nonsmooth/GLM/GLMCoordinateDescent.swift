/// The state and loops of `solveGLM` (see there for the algorithm). Generic
/// over the datafit, the penalty and the design so that every instance is
/// specialized: the inner loop calls the concrete prox and column kernels.
final class GLMCoordinateDescent<Fit: Datafit, Pen: SeparablePenalty, Design: EntryDesign> {
    let X: Design
    let F: Fit
    let P: Pen
    let options: GLMOptions
    let progress: ProgressObserver
    let n: Int
    let p: Int
    let kind: CertificateKind
    let beta: DoubleBuffer
    var intercept = 0.0
    /// η = Xβ + b (possibly stale when the datafit does not maintain it) and g = ∇F(η).
    let eta: DoubleBuffer
    let g: DoubleBuffer
    /// Coordinate Lipschitz constants Σᵢ hᵢ x_ij², and Σᵢ hᵢ for the intercept.
    var lipschitz: [Double]
    var interceptLipschitz = 0.0
    /// Xᵀg (and Xᵀθ for the centred dual point) of the last full evaluation.
    let correlations: DoubleBuffer
    let theta: DoubleBuffer
    let scratch: DoubleBuffer

    var epochs = 0
    var bestDual = -Double.infinity
    var history: [(epoch: Int, certificate: Double)] = []
    var lastCertificate = Double.infinity
    var workingSetSize: Int
    /// Features Gap Safe screening proved 0 at every optimum (see Screening.swift).
    var screened: [Bool]
    var screenedCount = 0

    init(design: Design, datafit: Fit, penalty: Pen, options: GLMOptions, progress: ProgressObserver) {
        self.X = design
        self.F = datafit
        self.P = penalty
        self.options = options
        self.progress = progress
        n = design.rows
        p = design.columns
        kind = penalty.isConvex && penalty.hasDualCertificate ? .dualityGap : .kktViolation
        beta = DoubleBuffer(p)
        eta = DoubleBuffer(n)
        g = DoubleBuffer(n)
        correlations = DoubleBuffer(2 * p)
        theta = DoubleBuffer(2 * n)
        scratch = DoubleBuffer(max(n, p))
        lipschitz = [Double](repeating: 0, count: p)
        screened = [Bool](repeating: false, count: p)
        workingSetSize = min(p, options.initialWorkingSet)
        let h = DoubleBuffer(n)
        datafit.curvatureBound(into: h.base)
        for i in 0..<n { interceptLipschitz += h[i] }
        if let c = datafit.uniformCurvatureBound {
            for j in 0..<p { lipschitz[j] = c * design.columnSquaredNorm(j) }
        } else {
            for j in 0..<p { lipschitz[j] = design.weightedColumnSquaredNorm(j, h.base) }
        }
    }

    // MARK: State

    /// η = Xβ + b and g = ∇F(η) from scratch (no drift).
    func recompute() {
        let e = eta.base
        e.update(repeating: options.fitIntercept ? intercept : 0, count: n)
        for j in 0..<p where beta[j] != 0 { X.columnAxpy(j, beta[j], e) }
        F.gradient(e, into: g.base)
    }

    func penaltyValue(_ b: UnsafePointer<Double>) -> Double {
        var s = 0.0
        for j in 0..<p { s += P.value(j, b[j]) }
        return s
    }

    func primal() -> Double { F.value(eta: eta.base, gradient: g.base) + penaltyValue(beta.base) }

    @inline(__always)
    func gradientSum() -> Double {
        var s = 0.0
        for i in 0..<n { s += g[i] }
        return s
    }

    // MARK: Full evaluation

    /// Xᵀg for every feature, the certificate at the current point, and the
    /// working-set scores (when asked). Also returns the full KKT violation.
    func evaluate(scores: UnsafeMutablePointer<Double>?) throws -> (certificate: Double, kkt: Double, primal: Double) {
        let objective = primal()
        guard !objective.isNaN, objective != -.infinity else {
            throw NonsmoothError.numericalError("the objective is not finite (\(objective)): check the scale of X and y")
        }
        let c = correlations.base
        let dualNeeded = kind == .dualityGap
        var thetaPointer = g.base
        if dualNeeded && options.fitIntercept {
            // Vector 0 = g, vector 1 = θ (g centred): Xᵀg and Xᵀθ in one pass over X.
            let both = theta.base
            both.update(from: g.base, count: n)
            both.advanced(by: n).update(from: g.base, count: n)
            F.centerDual(both.advanced(by: n))
            correlateActive(both, vectors: 2, into: c)
            thetaPointer = both.advanced(by: n)
        } else {
            correlateActive(g.base, vectors: 1, into: c)
        }
        var kkt = options.fitIntercept ? abs(gradientSum()) : 0
        for j in 0..<p where !screened[j] {
            let (d, score) = violation(j, c[j])
            kkt = d > kkt || d.isNaN ? d : kkt
            scores?[j] = score
        }
        guard dualNeeded else { return (kkt, kkt, objective) }
        let ct = options.fitIntercept ? c + p : c
        var scale = 1.0
        for j in 0..<p where !screened[j] { scale = min(scale, P.dualScale(j, -ct[j])) }
        if scale > 0 {
            let t = thetaPointer
            for i in 0..<n { scratch[i] = scale * t[i] }
            var dual = -F.conjugate(scratch.base)
            for j in 0..<p where !screened[j] { dual -= P.conjugate(j, -scale * ct[j]) }
            if dual.isFinite && dual > bestDual { bestDual = dual }
            // A screened coefficient that was not 0 moved the point: evaluate again there.
            if dual.isFinite && screen(ct, scale: scale, gap: objective - dual, scores: scores) {
                recompute()
                return try evaluate(scores: scores)
            }
        }
        let gap = objective - bestDual
        return (gap.isNaN ? .infinity : max(gap, 0), kkt, objective)
    }

    // MARK: Epochs

    /// One pass of coordinate descent over `ws` (and the intercept).
    @inline(__always)
    func epoch(_ ws: UnsafeBufferPointer<Int>) {
        if !F.hasCurvatureBound { return backtrackingEpoch(ws) }
        let e = eta.base, gb = g.base, b = beta.base
        for j in ws {
            let L = lipschitz[j]
            let gj = X.columnDot(j, gb)
            let old = b[j]
            let new = P.prox(j, old - gj / L, step: 1 / L)
            if new != old {
                F.step(X, column: j, by: new - old, eta: e, gradient: gb)
                b[j] = new
            }
        }
        if options.fitIntercept && interceptLipschitz > 0 {
            let delta = -gradientSum() / interceptLipschitz
            if delta != 0 {
                intercept += delta
                F.shift(by: delta, eta: e, gradient: gb)
            }
        }
        epochs += 1
    }

    /// The KKT violation of coordinate j at gradient gⱼ, and its working-set
    /// score (+∞ in the generalized support). Off the generalized support the
    /// violation also counts the proximal step Lⱼ|prox_{pⱼ/Lⱼ}(βⱼ − gⱼ/Lⱼ) − βⱼ|
    /// (equal to the subdifferential distance for ℓ1): for L0, whose limiting
    /// subdifferential at 0 is ℝ, this is what makes a certified point a
    /// coordinate-wise minimum rather than any point with zeros.
    @inline(__always)
    func violation(_ j: Int, _ gj: Double) -> (kkt: Double, score: Double) {
        let b = beta[j], L = lipschitz[j]
        let d = P.subdifferentialDistance(j, b, gradient: gj)
        if P.isInGeneralizedSupport(j, b) { return (d, .infinity) }
        guard L > 0 else { return (d, -1) }
        let step = L * abs(P.prox(j, b - gj / L, step: 1 / L) - b)
        return (max(d, step), step)
    }

    /// The KKT violation restricted to `ws` (and the intercept).
    func workingSetViolation(_ ws: UnsafeBufferPointer<Int>) -> Double {
        var v = options.fitIntercept ? abs(gradientSum()) : 0
        for j in ws {
            let d = violation(j, X.columnDot(j, g.base)).kkt
            v = d > v || d.isNaN ? d : v
        }
        return v
    }

    /// Solves the subproblem on `ws` to a KKT violation ≤ target (or until the
    /// epoch budget runs out), with Anderson extrapolation every K + 1 epochs.
    func solveSubproblem(_ ws: [Int], target: Double) throws {
        let K = options.andersonDepth, m = ws.count, width = m + 1
        let iterates = DoubleBuffer(K > 0 ? (K + 1) * width : 1)
        var stored = 0
        try ws.withUnsafeBufferPointer { ws in
            var local = 0
            while epochs < options.maxEpochs {
                epoch(ws)
                local += 1
                try progress.checkpoint(epochs, certificate: lastCertificate)
                if local % 5 == 0 || epochs >= options.maxEpochs {
                    let v = workingSetViolation(ws)
                    if v.isNaN {
                        throw NonsmoothError.numericalError("the gradient is not finite: check the scale of X and y")
                    }
                    if v <= target { return }
                }
                guard K > 0 else { continue }
                let slot = iterates.base + stored * width
                for (k, j) in ws.enumerated() { slot[k] = beta[j] }
                slot[m] = intercept
                stored += 1
                if stored == K + 1 {
                    extrapolate(ws, iterates.base, depth: K)
                    stored = 0
                }
            }
        }
    }

    /// Replaces β (on ws) and b by the Anderson combination of the K + 1 stored
    /// iterates when it lowers the objective (the extrapolated point is a
    /// candidate only: the next epoch starts from it, so zeros are CD's again).
    func extrapolate(_ ws: UnsafeBufferPointer<Int>, _ history: UnsafePointer<Double>, depth K: Int) {
        intercept = andersonExtrapolate(ws, history: history, depth: K, design: X, datafit: F, beta: beta,
                                        intercept: intercept, fitIntercept: options.fitIntercept, eta: eta,
                                        gradient: g, scratch: scratch, objective: primal(),
                                        penaltyValue: penaltyValue)
    }

    // MARK: Working sets

    func workingSet(scores: UnsafePointer<Double>) -> [Int] {
        selectWorkingSet(scores: scores, count: p, size: &workingSetSize, options: options)
    }

    // MARK: Driver

    func run(warmStart: [Double]?, warmIntercept: Double) throws -> GLMResult {
        if let w = warmStart {
            // Through the prox with step 0: the start is feasible (positivity, boxes).
            for j in 0..<p { beta[j] = P.prox(j, w[j], step: 0) }
        }
        intercept = options.fitIntercept ? warmIntercept : 0
        recompute()
        let scores = DoubleBuffer(p)
        var status = GLMStatus.notConverged
        var last: (certificate: Double, kkt: Double, primal: Double)
        do {
            while true {
                last = try evaluate(scores: scores.base)
                lastCertificate = last.certificate
                history.append((epochs, last.certificate))
                if last.certificate <= options.tolerance {
                    status = .converged
                    break
                }
                if epochs >= options.maxEpochs { break }
                try progress.checkpoint(epochs, certificate: last.certificate)
                let ws = workingSet(scores: scores.base)
                let target = options.innerRatio * last.kkt
                let newton = options.proxNewton ? try solveSubproblemProxNewton(ws, target: target) : false
                if !newton { try solveSubproblem(ws, target: target) }
                recompute()
            }
        } catch NonsmoothError.cancelled {
            status = .cancelled
            recompute()
            last = try evaluate(scores: nil)
            history.append((epochs, last.certificate))
        }
        return GLMResult(
            coefficients: Array(UnsafeBufferPointer(start: beta.base, count: p)), intercept: intercept,
            status: status, certificateKind: kind, certificate: last.certificate, kktViolation: last.kkt,
            objective: last.primal, dualObjective: kind == .dualityGap ? bestDual : -.infinity,
            epochs: epochs, screened: screenedCount, history: history)
    }
}
