/// The outcome of `solveMultiTask`.
public struct MultiTaskResult {
    /// W, p×T row-major, with exact zero rows.
    public var coefficients: [Double]
    /// b, T entries (0 without an intercept).
    public var intercept: [Double]
    public var status: GLMStatus
    public var certificateKind: CertificateKind
    /// The duality gap (or the KKT violation when λ = 0) at the returned point.
    public var certificate: Double
    public var kktViolation: Double
    public var objective: Double
    public var dualObjective: Double
    public var epochs: Int
    public var history: [(epoch: Int, certificate: Double)]
}

/// min over W (p×T) and b (T) of F(XW + 1bᵀ) + Σⱼ p(Wⱼ), F the multi-task
/// quadratic and p the ℓ2,1 (+ ℓ2²) row penalty, by block coordinate descent
/// over the rows of W (Simon, Friedman & Hastie 2013, "A blockwise descent
/// algorithm for group-penalized multiresponse and multinomial regression"),
/// on working sets grown by the certificate (Massias, Gramfort & Salmon 2018,
/// "Celer"), with Anderson extrapolation of the iterates (Bertrand & Massias
/// 2021) — the structure of `solveGLM`, for a matrix of coefficients.
///
/// The intercept is exact at every step: for the quadratic its optimum given
/// W is b = Ȳ − Σⱼ mⱼWⱼ (weighted means Ȳ of Y and mⱼ of x_j), so it moves
/// with each row and the gradient is the one of the centred problem
/// (X_cᵀG = XᵀG, since 1ᵀG = 0), which also makes G a dual candidate.
///
/// Certificate: the duality gap P(W) − D(Θ), Θ = s·G with s ≤ 1 the largest
/// scale keeping ‖X_jᵀΘ‖ ≤ λρ for every j when ρ = 1 (for ρ < 1 every Θ is
/// dual-feasible); the best dual value seen is kept. With λ = 0 the KKT
/// violation certifies instead. The loop always ends on a coordinate-descent
/// epoch, so zero rows are exact.
///
/// `converged` only when the certificate is ≤ `tolerance`; a run out of
/// epochs returns `notConverged` and a stopped one `cancelled`, both with the
/// state reached. Throws `invalidArgument` for mismatched sizes or a bad warm
/// start, `numericalError` when the objective stops being finite.
public func solveMultiTask<X: MultiTaskDesign>(
    design: X, datafit: Datafits.MultiTaskQuadratic, penalty: Penalties.RowL21,
    options: GLMOptions = GLMOptions(), warmStart: [Double]? = nil, progress: ProgressObserver = .silent
) throws -> MultiTaskResult {
    try specializedMultiTask(design, datafit, penalty, options, warmStart, progress)
}

private func specializedMultiTask<X: MultiTaskDesign>(
    _ design: X, _ datafit: Datafits.MultiTaskQuadratic, _ penalty: Penalties.RowL21, _ options: GLMOptions,
    _ warmStart: [Double]?, _ progress: ProgressObserver
) throws -> MultiTaskResult {
    try options.validate()
    try require(datafit.samples == design.rows, "Y", "has \(datafit.samples) rows for \(design.rows) rows of X")
    let (count, overflow) = design.columns.multipliedReportingOverflow(by: datafit.tasks)
    try require(!overflow, "coef", "p × T overflows")
    if let w = warmStart {
        try require(w.count == count, "coef_init", "has \(w.count) entries for \(design.columns)×\(datafit.tasks)")
        try requireFinite(w, "coef_init")
    }
    let solver = MultiTaskCoordinateDescent(design: design, datafit: datafit, penalty: penalty, options: options,
                                            progress: progress)
    return try solver.run(warmStart: warmStart)
}

/// `solveMultiTask` for a design of either layout (the switch happens inside
/// the module so that each layout runs a specialized instance).
public func solveMultiTask(
    design: any DesignMatrix, datafit: Datafits.MultiTaskQuadratic, penalty: Penalties.RowL21,
    options: GLMOptions, warmStart: [Double]? = nil, progress: ProgressObserver = .silent
) throws -> MultiTaskResult {
    // A named generic helper: `solveMultiTask(design: d, ...)` would resolve to this overload again.
    func run<X: MultiTaskDesign>(_ x: X) throws -> MultiTaskResult {
        try specializedMultiTask(x, datafit, penalty, options, warmStart, progress)
    }
    switch design {
    case let d as DenseColumnMajor: return try run(d)
    case let s as SparseCSC: return try run(s)
    default:
        throw NonsmoothError.invalidArgument(name: "X", reason: "must be a DenseColumnMajor or SparseCSC design")
    }
}

/// The state and loops of `solveMultiTask`. All n×T and p×T matrices are row-major.
final class MultiTaskCoordinateDescent<Design: MultiTaskDesign> {
    let X: Design
    let F: Datafits.MultiTaskQuadratic
    let P: Penalties.RowL21
    let options: GLMOptions
    let progress: ProgressObserver
    let n: Int, p: Int, T: Int
    let kind: CertificateKind
    let W: DoubleBuffer
    /// b = Ȳ − Σⱼ mⱼWⱼ (kept exact; 0 without an intercept).
    let b: DoubleBuffer
    /// G̃ = diag(h)(XW − Y), h = s/S: the gradient is G = G̃ + h bᵀ.
    let partial: DoubleBuffer
    /// hᵢ = sᵢ/S.
    let h: DoubleBuffer
    let uniformH: Double?
    /// mⱼ = Σᵢ hᵢx_ij (intercept only) and Ȳ.
    let means: [Double]
    let targetMeans: [Double]
    /// Lⱼ = Σᵢ hᵢ(x_ij − mⱼ)², the Lipschitz constant of row j.
    var lipschitz: [Double]
    /// XᵀG of the last full evaluation (p×T) and G itself (n×T).
    let correlations: DoubleBuffer
    let gradient: DoubleBuffer
    let scratch: DoubleBuffer
    /// Room to restore G̃, the working set's rows and b after a rejected extrapolation.
    let backup: DoubleBuffer

    var epochs = 0
    var bestDual = -Double.infinity
    var history: [(epoch: Int, certificate: Double)] = []
    var lastCertificate = Double.infinity
    var workingSetSize: Int

    init(design: Design, datafit: Datafits.MultiTaskQuadratic, penalty: Penalties.RowL21, options: GLMOptions,
         progress: ProgressObserver) {
        X = design
        F = datafit
        P = penalty
        self.options = options
        self.progress = progress
        n = design.rows
        p = design.columns
        T = datafit.tasks
        kind = penalty.hasDualCertificate ? .dualityGap : .kktViolation
        W = DoubleBuffer(p * T)
        b = DoubleBuffer(T)
        partial = DoubleBuffer(n * T)
        correlations = DoubleBuffer(p * T)
        gradient = DoubleBuffer(n * T)
        scratch = DoubleBuffer(4 * T)
        let curvatures = datafit.curvatures()
        h = DoubleBuffer(n)
        h.base.update(from: curvatures, count: n)
        uniformH = datafit.uniform ? curvatures.first : nil
        backup = DoubleBuffer(n * T + p * T + T)
        workingSetSize = min(p, options.initialWorkingSet)
        var m = [Double](repeating: 0, count: options.fitIntercept ? p : 0)
        lipschitz = [Double](repeating: 0, count: p)
        do {
            let hp = h.base
            for j in 0..<p {
                var mean = 0.0, square = 0.0
                design.forEachEntry(j) { i, x in
                    mean += hp[i] * x
                    square += hp[i] * x * x
                }
                if options.fitIntercept {
                    m[j] = mean
                    // Σ hᵢ(xᵢ − m)² = Σ hᵢxᵢ² − m² (Σh = 1), recomputed without cancellation
                    // over the stored entries: the absent ones contribute m² hᵢ each.
                    var centred = 0.0, stored = 0.0
                    design.forEachEntry(j) { i, x in
                        let d = x - mean
                        centred += hp[i] * d * d
                        stored += hp[i]
                    }
                    square = centred + max(1 - stored, 0) * mean * mean
                }
                lipschitz[j] = square
            }
        }
        means = m
        targetMeans = options.fitIntercept ? datafit.targetMeans() : [Double](repeating: 0, count: T)
    }

    // MARK: State

    @inline(__always) func row(_ j: Int) -> UnsafeMutablePointer<Double> { W.base + j * T }

    /// Rᵢ ← Rᵢ + hᵢ x_ij δ.
    @inline(__always)
    func addColumn(_ j: Int, _ delta: UnsafePointer<Double>, to r: UnsafeMutablePointer<Double>) {
        if let c = uniformH {
            let scaled = scratch.base + 3 * T
            for t in 0..<T { scaled[t] = c * delta[t] }
            X.rowsAxpy(j, scaled, r, tasks: T)
        } else {
            X.rowsAxpy(j, delta, r, tasks: T, weights: h.base)
        }
    }

    /// G̃ and b from W, from scratch (no drift).
    func recompute() {
        let r = partial.base
        for i in 0..<n {
            let c = -h[i]
            for t in 0..<T { r[i * T + t] = c * F.y[i * T + t] }
        }
        for t in 0..<T { b[t] = targetMeans[t] }
        for j in 0..<p where !isZero(j) {
            addColumn(j, row(j), to: r)
            if options.fitIntercept {
                for t in 0..<T { b[t] -= means[j] * row(j)[t] }
            }
        }
    }

    @inline(__always)
    func isZero(_ j: Int) -> Bool {
        let w = row(j)
        for t in 0..<T where w[t] != 0 { return false }
        return true
    }

    /// G = G̃ + h bᵀ into `gradient`.
    func materializeGradient() {
        let g = gradient.base, r = partial.base
        for i in 0..<n {
            for t in 0..<T { g[i * T + t] = r[i * T + t] + h[i] * b[t] }
        }
    }

    func penaltyValue() -> Double {
        var s = 0.0
        for j in 0..<p { s += P.value(UnsafeBufferPointer(start: row(j), count: T)) }
        return s
    }

    /// The gradient of row j: x_jᵀG = x_jᵀG̃ + mⱼb.
    @inline(__always)
    func rowGradient(_ j: Int, into out: UnsafeMutablePointer<Double>) {
        X.rowsDot(j, partial.base, tasks: T, into: out)
        if options.fitIntercept {
            let m = means[j]
            for t in 0..<T { out[t] += m * b[t] }
        }
    }

    // MARK: Full evaluation

    /// XᵀG, the certificate and the KKT violation at the current point, and the
    /// working-set scores when asked.
    func evaluate(scores: UnsafeMutablePointer<Double>?) throws -> (certificate: Double, kkt: Double, primal: Double) {
        materializeGradient()
        let g = gradient.base
        let objective = F.value(gradient: g) + penaltyValue()
        guard objective.isFinite else {
            throw NonsmoothError.numericalError("the objective is not finite (\(objective)): check the scale of X and Y")
        }
        if options.fitIntercept { F.centerDual(g) }
        let c = correlations.base
        X.transposeMultiply(rows: g, tasks: T, into: c)
        var kkt = 0.0, largest = 0.0
        let tmp = scratch.base
        for j in 0..<p {
            let u = c + j * T
            let w = UnsafeBufferPointer(start: row(j), count: T)
            let d = P.subdifferentialDistance(w, gradient: u, scratch: tmp)
            kkt = d > kkt || d.isNaN ? d : kkt
            let normU = euclideanNorm(UnsafeBufferPointer(start: u, count: T))
            largest = max(largest, normU)
            if let s = scores {
                if !isZero(j) {
                    s[j] = .infinity
                } else {
                    let L = lipschitz[j]
                    s[j] = L > 0 ? (normU - P.a) / L.squareRoot() : -.infinity
                }
            }
        }
        guard kind == .dualityGap else { return (kkt, kkt, objective) }
        let scale = P.dualScale(normU: largest)
        if scale > 0 {
            // Θ = scale·G, then D(Θ) = −F*(Θ) − Σⱼ p*(−scale·X_jᵀG).
            let count = n * T
            for k in 0..<count { g[k] *= scale }
            var dual = -F.conjugate(g)
            if P.c > 0 {
                for j in 0..<p {
                    dual -= P.conjugate(normU: scale * euclideanNorm(UnsafeBufferPointer(start: c + j * T, count: T)))
                }
            }
            if dual.isFinite && dual > bestDual { bestDual = dual }
        }
        let gap = objective - bestDual
        return (gap.isNaN ? .infinity : max(gap, 0), kkt, objective)
    }

    // MARK: Epochs

    /// One pass of block coordinate descent over `ws`; returns the largest
    /// prox-gradient step Lⱼ‖Wⱼ⁺ − Wⱼ‖ (the subproblem's stationarity measure).
    @inline(__always)
    func epoch(_ ws: UnsafeBufferPointer<Int>) -> Double {
        let G = scratch.base, v = scratch.base + T, old = scratch.base + 2 * T
        var largest = 0.0
        for j in ws {
            let L = lipschitz[j], w = row(j)
            if L > 0 {
                rowGradient(j, into: G)
                for t in 0..<T {
                    old[t] = w[t]
                    v[t] = w[t] - G[t] / L
                }
                P.prox(UnsafeBufferPointer(start: v, count: T), step: 1 / L,
                       into: UnsafeMutableBufferPointer(start: w, count: T))
            } else {
                // A constant column (or a zero one): it cannot change the fit, the penalty wants 0.
                for t in 0..<T { old[t] = w[t]; w[t] = 0 }
            }
            var moved = false, change = 0.0
            for t in 0..<T {
                let d = w[t] - old[t]
                G[t] = d
                change += d * d
                moved = moved || d != 0
            }
            if moved || change.isNaN {
                addColumn(j, G, to: partial.base)
                if options.fitIntercept {
                    let m = means[j]
                    for t in 0..<T { b[t] -= m * G[t] }
                }
                let step = L * change.squareRoot()
                largest = step > largest || step.isNaN ? step : largest
            }
        }
        epochs += 1
        return largest
    }

    /// Solves the subproblem on `ws` until an epoch's largest step is ≤ target
    /// (or the epoch budget runs out), with Anderson extrapolation every K + 1 epochs.
    func solveSubproblem(_ ws: [Int], target: Double) throws {
        let K = options.andersonDepth, m = ws.count * T
        let iterates = DoubleBuffer(K > 0 ? (K + 1) * m : 1)
        var stored = 0
        try ws.withUnsafeBufferPointer { ws in
            while epochs < options.maxEpochs {
                let step = epoch(ws)
                try progress.checkpoint(epochs, certificate: lastCertificate)
                if step.isNaN {
                    throw NonsmoothError.numericalError("the gradient is not finite: check the scale of X and Y")
                }
                if step <= target { return }
                guard K > 0, epochs < options.maxEpochs else { continue }
                let slot = iterates.base + stored * m
                for (k, j) in ws.enumerated() { slot.advanced(by: k * T).update(from: row(j), count: T) }
                stored += 1
                if stored == K + 1 {
                    extrapolate(ws, iterates.base, depth: K)
                    stored = 0
                }
            }
        }
    }

    /// Replaces W on ws by the Anderson combination of the K + 1 stored
    /// iterates when it lowers the objective (a candidate only: the next epoch
    /// starts from it, so zero rows are coordinate descent's again).
    func extrapolate(_ ws: UnsafeBufferPointer<Int>, _ iterates: UnsafePointer<Double>, depth K: Int) {
        let m = ws.count * T
        var gram = [Double](repeating: 0, count: K * K)
        var weights = [Double](repeating: 0, count: K)
        andersonDifferenceGram(iterates, length: m, depth: K, into: &gram)
        guard andersonWeights(&gram, K, into: &weights) else { return }
        materializeGradient()
        let current = F.value(gradient: gradient.base) + penaltyValue()
        let savedPartial = backup.base, saved = backup.base + n * T, savedB = saved + m
        for (k, j) in ws.enumerated() {
            saved.advanced(by: k * T).update(from: row(j), count: T)
            for t in 0..<T {
                var s = 0.0
                for l in 0..<K { s += weights[l] * iterates[(l + 1) * m + k * T + t] }
                row(j)[t] = s
            }
        }
        savedPartial.update(from: partial.base, count: n * T)
        savedB.update(from: b.base, count: T)
        recompute()
        materializeGradient()
        let value = F.value(gradient: gradient.base) + penaltyValue()
        if value < current { return }
        for (k, j) in ws.enumerated() { row(j).update(from: saved + k * T, count: T) }
        partial.base.update(from: savedPartial, count: n * T)
        b.base.update(from: savedB, count: T)
    }

    // MARK: Working sets

    /// The support and the best-scored other rows: at least twice the support.
    func workingSet(scores: UnsafePointer<Double>) -> [Int] {
        var candidates: [Int] = []
        candidates.reserveCapacity(p)
        var support = 0
        for j in 0..<p where scores[j] > -.infinity {
            candidates.append(j)
            if scores[j] == .infinity { support += 1 }
        }
        guard options.workingSets else { return candidates }
        let size = min(candidates.count, max(workingSetSize, options.initialWorkingSet, 2 * support))
        workingSetSize = size
        if size < candidates.count {
            candidates.sort { scores[$0] > scores[$1] }
            candidates.removeLast(candidates.count - size)
            candidates.sort()
        }
        return candidates
    }

    // MARK: Driver

    func run(warmStart: [Double]?) throws -> MultiTaskResult {
        if let w = warmStart { W.base.update(from: w, count: p * T) }
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
                try solveSubproblem(workingSet(scores: scores.base), target: options.innerRatio * last.kkt)
                recompute()
            }
        } catch NonsmoothError.cancelled {
            status = .cancelled
            recompute()
            last = try evaluate(scores: nil)
            history.append((epochs, last.certificate))
        }
        return MultiTaskResult(
            coefficients: Array(UnsafeBufferPointer(start: W.base, count: p * T)),
            intercept: options.fitIntercept ? Array(UnsafeBufferPointer(start: b.base, count: T))
                                            : [Double](repeating: 0, count: T),
            status: status, certificateKind: kind, certificate: last.certificate, kktViolation: last.kkt,
            objective: last.primal, dualObjective: kind == .dualityGap ? bestDual : -.infinity,
            epochs: epochs, history: history)
    }
}
