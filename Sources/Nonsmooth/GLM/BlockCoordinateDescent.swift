/// min over β (and an intercept b) of F(Xβ + b·1) + Σ_g p_g(β_g) for disjoint
/// groups of features that cover every feature, by block coordinate descent on
/// working sets of groups with Anderson extrapolation — `solveGLM` with a block
/// penalty (group Lasso, sparse-group Lasso).
///
/// Each block step is the proximal-gradient step of the group,
/// β_g ← prox_{p_g/L_g}(β_g − ∇_g F/L_g), with L_g = λ_max(X_gᵀ H X_g) for the
/// datafit's curvature bound H (skglm's `GroupBCD`; Qin, Scheinberg &
/// Goldfarb 2013 for block coordinate descent on group penalties). Working sets,
/// extrapolation, intercept and certificates follow `solveGLM`: the duality gap
/// for convex penalties with a usable conjugate (θ = ∇F, centred with an
/// intercept, scaled into dom p*), otherwise the KKT violation
/// max_g dist(−∇_g F, ∂p_g(β_g)); every return follows a block-CD epoch, so the
/// zero groups are exact.
///
/// Throws `invalidArgument` when the groups do not partition the features, for
/// mismatched sizes, a bad warm start or options, and `numericalError` when the
/// objective stops being finite.
public func solveGroupGLM<F: Datafit, P: BlockPenalty, X: EntryDesign>(
    design: X, datafit: F, groups: Groups, penalty: P, options: GLMOptions = GLMOptions(),
    warmStart: [Double]? = nil, warmIntercept: Double = 0, progress: ProgressObserver = .silent
) throws -> GLMResult {
    try options.validate()
    try require(datafit.samples == design.rows, "y", "has \(datafit.samples) entries for \(design.rows) rows of X")
    // Groups reject overlaps and empty groups; covering every index below p once is then a count.
    try groups.validate(length: design.columns)
    try require(groups.indices.count == design.columns, "groups",
                "cover \(groups.indices.count) of the \(design.columns) features; every feature must be in one group")
    try penalty.validate(blocks: groups.count)
    if let w = warmStart {
        try require(w.count == design.columns, "coef_init", "has \(w.count) entries for \(design.columns) features")
        try requireFinite(w, "coef_init")
    }
    try requireFinite(warmIntercept, "intercept_init")
    let solver = try BlockCoordinateDescent(design: design, datafit: datafit, groups: groups, penalty: penalty,
                                            options: options, progress: progress)
    return try solver.run(warmStart: warmStart, warmIntercept: warmIntercept)
}

/// The state and loops of `solveGroupGLM`, generic so that every
/// (datafit, penalty, layout) instance is specialized.
final class BlockCoordinateDescent<Fit: Datafit, Pen: BlockPenalty, Design: EntryDesign> {
    let X: Design
    let F: Fit
    let P: Pen
    let options: GLMOptions
    let progress: ProgressObserver
    let n: Int
    let p: Int
    /// Group g holds the features members[start[g] ..< start[g + 1]].
    let start: [Int]
    let members: [Int]
    let groupCount: Int
    let kind: CertificateKind
    let beta: DoubleBuffer
    var intercept = 0.0
    let eta: DoubleBuffer
    let g: DoubleBuffer
    /// λ_max(X_gᵀ H X_g) per group, and Σᵢ hᵢ for the intercept.
    var lipschitz: [Double]
    var interceptLipschitz = 0.0
    let correlations: DoubleBuffer
    let theta: DoubleBuffer
    let scratch: DoubleBuffer
    /// Gathered block values, gradient and trial point (largest group size each).
    let blockValues: DoubleBuffer
    let blockGradient: DoubleBuffer
    let blockTrial: DoubleBuffer

    var epochs = 0
    var bestDual = -Double.infinity
    var history: [(epoch: Int, certificate: Double)] = []
    var lastCertificate = Double.infinity
    var workingSetSize: Int

    init(design: Design, datafit: Fit, groups: Groups, penalty: Pen, options: GLMOptions,
         progress: ProgressObserver) throws {
        X = design
        F = datafit
        P = penalty
        self.options = options
        self.progress = progress
        n = design.rows
        p = design.columns
        start = groups.pointers
        members = groups.indices
        groupCount = groups.count
        kind = penalty.isConvex && penalty.hasDualCertificate ? .dualityGap : .kktViolation
        beta = DoubleBuffer(p)
        eta = DoubleBuffer(n)
        g = DoubleBuffer(n)
        correlations = DoubleBuffer(2 * p)
        theta = DoubleBuffer(2 * n)
        scratch = DoubleBuffer(max(n, p))
        var largest = 1
        for k in 0..<groups.count { largest = max(largest, groups.size(k)) }
        blockValues = DoubleBuffer(largest)
        blockGradient = DoubleBuffer(largest)
        blockTrial = DoubleBuffer(largest)
        workingSetSize = min(groups.count, options.initialWorkingSet)
        let h = DoubleBuffer(design.rows)
        datafit.curvatureBound(into: h.base)
        lipschitz = try blockLipschitzConstants(design, groups, h.base)
        for i in 0..<n { interceptLipschitz += h[i] }
    }

    // MARK: State

    func recompute() {
        let e = eta.base
        e.update(repeating: options.fitIntercept ? intercept : 0, count: n)
        for j in 0..<p where beta[j] != 0 { X.columnAxpy(j, beta[j], e) }
        F.gradient(e, into: g.base)
    }

    @inline(__always)
    func block(_ k: Int) -> Range<Int> { start[k]..<start[k + 1] }

    /// Gathers coefficients x[members of group k] into `out`.
    @inline(__always)
    func gather(_ k: Int, _ x: UnsafePointer<Double>, into out: DoubleBuffer) -> UnsafeMutableBufferPointer<Double> {
        let r = block(k)
        for (m, t) in r.enumerated() { out[m] = x[members[t]] }
        return UnsafeMutableBufferPointer(start: out.base, count: r.count)
    }

    func penaltyValue(_ b: UnsafePointer<Double>) -> Double {
        var s = 0.0
        for k in 0..<groupCount { s += P.value(k, UnsafeBufferPointer(gather(k, b, into: blockTrial))) }
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

    /// Xᵀg, the certificate at the current point and the working-set scores of
    /// the groups (when asked); also the full KKT violation and the objective.
    func evaluate(scores: UnsafeMutablePointer<Double>?) throws -> (certificate: Double, kkt: Double, primal: Double) {
        let objective = primal()
        guard !objective.isNaN, objective != -.infinity else {
            throw NonsmoothError.numericalError("the objective is not finite (\(objective)): check the scale of X and y")
        }
        let c = correlations.base
        let dualNeeded = kind == .dualityGap
        let thetaPointer = correlate(X, F, gradient: g.base, theta: theta.base, into: c, dual: dualNeeded,
                                     fitIntercept: options.fitIntercept)
        var kkt = options.fitIntercept ? abs(gradientSum()) : 0
        for k in 0..<groupCount {
            let (d, score) = violation(k, gradient: gather(k, c, into: blockGradient))
            kkt = d > kkt || d.isNaN ? d : kkt
            scores?[k] = score
        }
        guard dualNeeded else { return (kkt, kkt, objective) }
        let ct = options.fitIntercept ? c + p : c
        var scale = 1.0
        for k in 0..<groupCount {
            let u = gather(k, ct, into: blockGradient)
            for m in u.indices { u[m] = -u[m] }
            scale = min(scale, P.dualScale(k, UnsafeBufferPointer(u)))
        }
        if scale > 0 {
            for i in 0..<n { scratch[i] = scale * thetaPointer[i] }
            var dual = -F.conjugate(scratch.base)
            for k in 0..<groupCount {
                let u = gather(k, ct, into: blockGradient)
                for m in u.indices { u[m] = -scale * u[m] }
                dual -= P.conjugate(k, UnsafeBufferPointer(u))
            }
            if dual.isFinite && dual > bestDual { bestDual = dual }
        }
        let gap = objective - bestDual
        return (gap.isNaN ? .infinity : max(gap, 0), kkt, objective)
    }

    /// The KKT violation of group k at its gradient, and its working-set score
    /// (+∞ in the generalized support, else L_g‖prox step‖, counted in the
    /// violation as in `solveGLM`).
    func violation(_ k: Int, gradient d: UnsafeMutableBufferPointer<Double>) -> (kkt: Double, score: Double) {
        let b = UnsafeBufferPointer(gather(k, beta.base, into: blockValues))
        let dist = P.subdifferentialDistance(k, b, gradient: UnsafeBufferPointer(d))
        if P.isInGeneralizedSupport(k, b) { return (dist, .infinity) }
        let L = lipschitz[k]
        guard L > 0 else { return (dist, -1) }
        let trial = UnsafeMutableBufferPointer(start: blockTrial.base, count: b.count)
        for m in b.indices { trial[m] = b[m] - d[m] / L }
        P.prox(k, trial, step: 1 / L)
        let step = L * robustNorm(b.count) { trial[$0] - b[$0] }
        return (max(dist, step), step)
    }

    /// The gradient ∇_g F of group k, from the per-sample gradient.
    @inline(__always)
    func blockGradientAt(_ k: Int) -> UnsafeMutableBufferPointer<Double> {
        let r = block(k)
        for (m, t) in r.enumerated() { blockGradient[m] = X.columnDot(members[t], g.base) }
        return UnsafeMutableBufferPointer(start: blockGradient.base, count: r.count)
    }

    // MARK: Epochs

    /// One pass of block coordinate descent over the groups `ws` (and the intercept).
    func epoch(_ ws: UnsafeBufferPointer<Int>) {
        let e = eta.base, gb = g.base, b = beta.base
        for k in ws {
            let L = lipschitz[k]
            guard L > 0 else { continue }
            let d = blockGradientAt(k)
            let r = block(k)
            let v = UnsafeMutableBufferPointer(start: blockValues.base, count: r.count)
            for (m, t) in r.enumerated() { v[m] = b[members[t]] - d[m] / L }
            P.prox(k, v, step: 1 / L)
            for (m, t) in r.enumerated() {
                let j = members[t], old = b[j], new = v[m]
                if new != old {
                    F.step(X, column: j, by: new - old, eta: e, gradient: gb)
                    b[j] = new
                }
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

    func workingSetViolation(_ ws: UnsafeBufferPointer<Int>) -> Double {
        var v = options.fitIntercept ? abs(gradientSum()) : 0
        for k in ws {
            let d = violation(k, gradient: blockGradientAt(k)).kkt
            v = d > v || d.isNaN ? d : v
        }
        return v
    }

    /// The features of the groups `ws`, in order (the coordinates Anderson extrapolates).
    func features(_ ws: [Int]) -> [Int] { ws.flatMap { k in block(k).map { members[$0] } } }

    func solveSubproblem(_ ws: [Int], target: Double) throws {
        let K = options.andersonDepth, coordinates = features(ws), width = coordinates.count + 1
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
                for (m, j) in coordinates.enumerated() { slot[m] = beta[j] }
                slot[width - 1] = intercept
                stored += 1
                if stored == K + 1 {
                    extrapolate(coordinates, iterates.base, depth: K)
                    stored = 0
                }
            }
        }
    }

    /// The Anderson combination of the K + 1 stored iterates, kept when it
    /// lowers the objective (the next epoch restarts from it, so zeros stay exact).
    func extrapolate(_ coordinates: [Int], _ history: UnsafePointer<Double>, depth K: Int) {
        intercept = andersonExtrapolate(coordinates, history: history, depth: K, design: X, datafit: F, beta: beta,
                                        intercept: intercept, fitIntercept: options.fitIntercept, eta: eta,
                                        gradient: g, scratch: scratch, objective: primal(),
                                        penaltyValue: penaltyValue)
    }

    /// A cold start with an intercept begins at the intercept's optimum for β = 0
    /// (exact in one step for the quadratic): at α ≥ α_max the first evaluation
    /// then sees the gradient that defines α_max, and every group stays exactly 0.
    func fitInterceptAlone() {
        guard options.fitIntercept && interceptLipschitz > 0 else { return }
        for _ in 0..<100 {
            let delta = -gradientSum() / interceptLipschitz
            guard delta.isFinite, abs(delta) > 1e-15 * max(1, abs(intercept)) else { return }
            intercept += delta
            F.shift(by: delta, eta: eta.base, gradient: g.base)
        }
    }

    // MARK: Driver

    func run(warmStart: [Double]?, warmIntercept: Double) throws -> GLMResult {
        if let w = warmStart {
            // Through the prox with step 0: a feasible start.
            for k in 0..<groupCount {
                let r = block(k)
                for (m, t) in r.enumerated() { blockValues[m] = w[members[t]] }
                let v = UnsafeMutableBufferPointer(start: blockValues.base, count: r.count)
                P.prox(k, v, step: 0)
                for (m, t) in block(k).enumerated() { beta[members[t]] = v[m] }
            }
        }
        intercept = options.fitIntercept ? warmIntercept : 0
        recompute()
        if warmStart == nil { fitInterceptAlone() }
        let scores = DoubleBuffer(groupCount)
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
                let ws = selectWorkingSet(scores: scores.base, count: groupCount, size: &workingSetSize,
                                          options: options)
                try solveSubproblem(ws, target: options.innerRatio * last.kkt)
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
            epochs: epochs, history: history)
    }
}

/// L_g = λ_max(X_gᵀ H X_g) for every group, H = diag(h): the Lipschitz constant
/// of the block gradient. Small groups form the Gram matrix and take its top
/// eigenvalue (LAPACK); groups larger than 64 use the bound min(trace,
/// power-iteration estimate + residual) — an upper bound up to the accuracy of
/// the power iteration's Rayleigh quotient.
func blockLipschitzConstants<X: EntryDesign>(_ design: X, _ groups: Groups,
                                             _ h: UnsafePointer<Double>) throws -> [Double] {
    let n = design.rows
    let weighted = DoubleBuffer(n)
    var constants = [Double](repeating: 0, count: groups.count)
    for k in 0..<groups.count {
        let cols = Array(groups.members(k)), m = cols.count
        if m == 1 {
            constants[k] = design.weightedColumnSquaredNorm(cols[0], h)
            continue
        }
        if m <= 64 {
            var gram = [Double](repeating: 0, count: m * m)
            for a in 0..<m {
                weighted.base.update(repeating: 0, count: n)
                let w = weighted.base
                design.forEachEntry(cols[a]) { i, x in w[i] = h[i] * x }
                for b in a..<m { gram[a * m + b] = design.columnDot(cols[b], w) }
            }
            var eigenvalues = [Double](repeating: 0, count: m)
            try gram.withUnsafeMutableBufferPointer { a in
                try eigenvalues.withUnsafeMutableBufferPointer { w in try symmetricEigen(a, w, m, vectors: false) }
            }
            // The largest eigenvalue, never below any diagonal entry (rounding).
            var largest = eigenvalues[m - 1]
            for a in 0..<m { largest = max(largest, gram[a * m + a]) }
            constants[k] = largest
        } else {
            constants[k] = powerIterationBound(design, cols, h, weighted)
        }
    }
    return constants
}

/// An estimate from above of λ_max(X_gᵀ H X_g) for a large group: 50 power
/// iterations, then the Rayleigh quotient plus the residual norm (which bounds
/// the distance to an eigenvalue), capped by the trace.
private func powerIterationBound<X: EntryDesign>(_ design: X, _ cols: [Int], _ h: UnsafePointer<Double>,
                                                 _ work: DoubleBuffer) -> Double {
    let m = cols.count, n = design.rows
    var trace = 0.0
    for j in cols { trace += design.weightedColumnSquaredNorm(j, h) }
    guard trace > 0 else { return 0 }
    var v = [Double](repeating: 1 / Double(m).squareRoot(), count: m)
    var av = [Double](repeating: 0, count: m)
    func apply() {
        let w = work.base
        w.update(repeating: 0, count: n)
        for (a, j) in cols.enumerated() where v[a] != 0 { design.columnAxpy(j, v[a], w) }
        for i in 0..<n { w[i] *= h[i] }
        for (a, j) in cols.enumerated() { av[a] = design.columnDot(j, w) }
    }
    var rayleigh = 0.0
    for _ in 0..<50 {
        apply()
        var norm = 0.0
        for a in 0..<m { norm += av[a] * av[a] }
        norm = norm.squareRoot()
        guard norm > 0 else { return trace }
        for a in 0..<m { v[a] = av[a] / norm }
    }
    apply()
    var residual = 0.0
    for a in 0..<m { rayleigh += v[a] * av[a] }
    for a in 0..<m { residual += (av[a] - rayleigh * v[a]) * (av[a] - rayleigh * v[a]) }
    return min(trace, rayleigh + residual.squareRoot())
}
