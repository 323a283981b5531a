import COpenBLAS

/// Coordinate descent on the Gram form, for n ≫ p: with Q = X_cᵀX_c and
/// q = X_cᵀy_c computed once (BLAS dsyrk), the solver keeps g = X_cᵀr = q − Qβ
/// and an update of β_j costs O(p) instead of O(n). The objective and the
/// duality gap follow from ‖r‖² = ‖y_c‖² − qᵀβ − gᵀβ and y_cᵀr = ‖y_c‖² − qᵀβ,
/// exact formulas whose rounding error is of order ε‖y_c‖²; the caller
/// therefore recomputes the final certificate from the explicit residual and
/// continues with `ResidualCoordinateDescent` if it does not hold.
final class GramCoordinateDescent<X: DesignMatrix> {
    let model: ElasticNetModel<X>
    let options: CoordinateDescentOptions
    let progress: ProgressObserver
    let p: Int
    let gram: DoubleBuffer
    let xty: DoubleBuffer
    let beta: DoubleBuffer
    let g: DoubleBuffer
    let inverseLipschitz: DoubleBuffer
    let corr: DoubleBuffer
    var excluded: [Bool]
    var screenedCount = 0
    var epochs = 0
    var bestDual = -Double.infinity
    var history: [(epoch: Int, gap: Double)] = []
    var lastGap = Double.infinity
    let unpenalizedGram: UnpenalizedGram?
    var polishedSignature = 0
    var workSincePolish = 0
    /// β was last set by an Anderson or polishing step (see
    /// `ResidualCoordinateDescent.finishOnCoordinatePass`).
    var needsFinishingPass = false

    static var andersonDepth: Int { 5 }
    static var gapFrequency: Int { 5 }

    init(model: ElasticNetModel<X>, options: CoordinateDescentOptions, progress: ProgressObserver,
         warmStart: UnsafePointer<Double>?) {
        self.model = model
        self.options = options
        self.progress = progress
        let p = model.p, n = model.n
        self.p = p
        gram = DoubleBuffer(p * p)
        model.design.gram(means: model.fitIntercept ? UnsafePointer(model.means.base) : nil, into: gram.base)
        xty = DoubleBuffer(p)
        model.design.transposeMultiply(model.y.base, vectors: 1, into: xty.base)
        if model.fitIntercept {
            var s = 0.0
            for i in 0..<n { s += model.y[i] }
            if s != 0 { for j in 0..<p { xty[j] -= model.means[j] * s } }
        }
        beta = DoubleBuffer(p)
        excluded = model.inert
        if let w = warmStart {
            for j in 0..<p where !excluded[j] { beta[j] = model.positive ? max(w[j], 0) : w[j] }
        }
        g = DoubleBuffer(p)
        inverseLipschitz = DoubleBuffer(p)
        corr = DoubleBuffer(p)
        for j in 0..<p {
            let l = gram[j * p + j] + model.lambda2[j]
            inverseLipschitz[j] = (!excluded[j] && gram[j * p + j] > 0) ? 1 / l : 0
        }
        let u = model.unpenalized
        if u.isEmpty {
            unpenalizedGram = nil
        } else {
            var sub = [Double](repeating: 0, count: u.count * u.count)
            for b in 0..<u.count {
                for a in 0..<u.count { sub[b * u.count + a] = gram[u[b] * p + u[a]] }
            }
            unpenalizedGram = UnpenalizedGram(indices: u, gram: sub)
        }
        recomputeGradient()
    }

    /// g = q − Qβ (dsymv).
    func recomputeGradient() {
        g.base.update(from: xty.base, count: p)
        cblas_dsymv(CblasColMajor, CblasUpper, Int32(p), -1, gram.base, Int32(p), beta.base, 1, 1, g.base, 1)
    }

    /// ‖r‖² for coefficients b with gradient h = q − Qb.
    @inline(__always)
    func residualSquare(_ b: UnsafePointer<Double>, _ h: UnsafePointer<Double>) -> Double {
        var s = 0.0
        for j in 0..<p where b[j] != 0 { s += (xty[j] + h[j]) * b[j] }
        return model.yNorm2 - s
    }

    struct Evaluation {
        var primal: Double
        var gap: Double
        var dual: Double
        var scale: Double
    }

    /// Full duality gap from g; `corr` receives a_j = x̃_jᵀθ̃₀ for screening.
    func evaluate() throws -> Evaluation {
        let b = beta.base
        let rr = residualSquare(b, g.base)
        let primal = 0.5 * rr + model.penaltyValue(b)
        var thetaSquare = rr
        var yTheta = model.yNorm2
        for j in 0..<p where b[j] != 0 { yTheta -= xty[j] * b[j] }
        corr.base.update(from: g.base, count: p)
        if let ug = unpenalizedGram {
            let u = ug.indices
            var inSubset = u.map { !model.positive || b[$0] > 0 }
            while true {
                let subset = (0..<u.count).filter { inSubset[$0] }
                corr.base.update(from: g.base, count: p)
                thetaSquare = rr
                yTheta = model.yNorm2
                for j in 0..<p where b[j] != 0 { yTheta -= xty[j] * b[j] }
                if !subset.isEmpty {
                    let pinv = try ug.pseudoInverse(subset)
                    let k = subset.count
                    for bIndex in 0..<k {
                        var coef = 0.0
                        for a in 0..<k { coef += pinv[bIndex * k + a] * g[u[subset[a]]] }
                        if coef == 0 { continue }
                        let j = u[subset[bIndex]]
                        denseAxpy(-coef, gram.base + j * p, corr.base, p)
                        thetaSquare -= g[j] * coef
                        yTheta -= xty[j] * coef
                    }
                }
                guard model.positive else { break }
                var added = false
                for pos in 0..<u.count where !inSubset[pos] && corr[u[pos]] > 1e-12 * (model.norm2[u[pos]] * max(thetaSquare, 0)).squareRoot() {
                    inSubset[pos] = true
                    added = true
                }
                if !added { break }
            }
        }
        var dualNorm = 0.0
        let l1 = model.lambda1.base, l2 = model.lambda2.base
        for j in 0..<p where !excluded[j] {
            let v = corr[j] - l2[j] * b[j]
            corr[j] = v
            if l1[j] > 0 {
                let ratio = (model.positive ? v : abs(v)) / l1[j]
                if ratio > dualNorm { dualNorm = ratio }
            }
        }
        thetaSquare = max(thetaSquare, 0) + model.augmentedSquare(b)
        let (dual, scale) = model.bestScaling(dualNorm: dualNorm, yTheta: yTheta, thetaSquare: thetaSquare)
        bestDual = max(bestDual, dual)
        let gap = primal - bestDual
        lastGap = gap
        history.append((epochs, gap / Double(model.n)))
        return Evaluation(primal: primal, gap: gap, dual: dual, scale: scale)
    }

    func screen(_ e: Evaluation) {
        let radius = (2 * max(e.primal - e.dual, 0)).squareRoot()
        for j in model.penalized where !excluded[j] {
            let v = e.scale * corr[j]
            let bound = model.positive ? v : abs(v)
            if bound + model.augmentedNorm[j] * radius < model.lambda1[j] * (1 - 1e-9) {
                excluded[j] = true
                screenedCount += 1
                if beta[j] != 0 {
                    denseAxpy(beta[j], gram.base + j * p, g.base, p)
                    beta[j] = 0
                }
            }
        }
    }

    @inline(__always)
    func epoch(_ active: UnsafeBufferPointer<Int>) {
        let q = gram.base, b = beta.base, h = g.base, invL = inverseLipschitz.base, l1 = model.lambda1.base
        let p = self.p
        for j in active {
            let old = b[j]
            let z = h[j] + q[j * p + j] * old
            let t = model.positive ? max(z - l1[j], 0) * invL[j] : softThreshold(z, l1[j]) * invL[j]
            if t != old {
                denseAxpy(old - t, q + j * p, h, p)
                b[j] = t
            }
        }
    }

    /// Support polishing (`supportPolishingStep`) as in `ResidualCoordinateDescent.polish`, with the
    /// face system read from the Gram matrix: (Q_SS + diag λ2_S) β_S = q_S − λ1_S∘s_S.
    /// Attempted when the support changed since the last attempt and the
    /// epochs run since then cost at least as much (O(k³/3 + pk) vs O(p·active)).
    func polishIfWorthwhile(activeCount: Int) -> Bool {
        workSincePolish += Self.gapFrequency * p * max(activeCount, 1)
        let support = (0..<p).filter { beta[$0] != 0 }
        let k = support.count
        guard k > 0, k <= 4096 else { return false }
        var hasher = Hasher()
        for j in support {
            hasher.combine(j)
            hasher.combine(beta[j] > 0)
        }
        let signature = hasher.finalize()
        let cost = k * k * k / 3 + 2 * p * k
        guard signature != polishedSignature, workSincePolish >= cost else { return false }
        polishedSignature = signature
        workSincePolish = 0
        var a = [Double](repeating: 0, count: k * k)
        var rhs = [Double](repeating: 0, count: k)
        for (c, j) in support.enumerated() {
            for (r, i) in support.enumerated() { a[c * k + r] = gram[j * p + i] }
            a[c * k + c] += model.lambda2[j]
            rhs[c] = xty[j] - (beta[j] > 0 ? model.lambda1[j] : -model.lambda1[j])
        }
        // The Gram form runs for n ≫ p, where a singular face means collinear
        // columns: not worth an eigendecomposition here.
        guard let step = supportPolishingStep(matrix: a, rhs: rhs, current: support.map { beta[$0] },
                                              constrained: support.map { model.lambda1[$0] > 0 || model.positive },
                                              allowSingular: false) else { return false }
        let newBeta = DoubleBuffer(p), newG = DoubleBuffer(p)
        newBeta.base.update(from: beta.base, count: p)
        newG.base.update(from: g.base, count: p)
        for (c, j) in support.enumerated() { newBeta[j] = step[c] }
        for j in support where newBeta[j] != beta[j] {
            denseAxpy(beta[j] - newBeta[j], gram.base + j * p, newG.base, p)
        }
        let pNew = 0.5 * residualSquare(newBeta.base, newG.base) + model.penaltyValue(newBeta.base)
        let pOld = 0.5 * residualSquare(beta.base, g.base) + model.penaltyValue(beta.base)
        guard pNew <= pOld else { return false }
        beta.base.update(from: newBeta.base, count: p)
        g.base.update(from: newG.base, count: p)
        needsFinishingPass = true
        return true
    }

    func run() throws -> StopReason {
        let K = Self.andersonDepth
        var active = (0..<p).filter { !excluded[$0] }
        var m = active.count
        let betaHistory = DoubleBuffer((K + 1) * p)
        let gradientHistory = DoubleBuffer((K + 1) * p)
        let accBeta = DoubleBuffer(p), accG = DoubleBuffer(p)
        var stored = 0
        var gramK = [Double](repeating: 0, count: K * K)
        var c = [Double](repeating: 0, count: K)
        var lastFull = Double.infinity
        while true {
            if epochs % Self.gapFrequency == 0 {
                if epochs > 0 && options.useExtrapolation && polishIfWorthwhile(activeCount: m) { stored = 0 }
                let e = try evaluate()
                lastFull = max(e.gap, 0)
                if model.converged(gap: e.gap, primal: e.primal, tolerance: options.tolerance) { return .converged }
                if epochs >= options.maxIterations { return .maxIterations }
                if options.useScreening {
                    let before = screenedCount
                    screen(e)
                    if screenedCount != before {
                        active = active.filter { !excluded[$0] }
                        m = active.count
                        stored = 0
                    }
                }
            }
            if epochs >= options.maxIterations { return .maxIterations }
            active.withUnsafeBufferPointer { epoch($0) }
            needsFinishingPass = false
            epochs += 1
            if epochs % options.progressEvery == 0, !progress.observe(epochs, lastFull / Double(model.n)) {
                return .cancelled
            }
            guard options.useExtrapolation, m >= 2 else { continue }
            let bh = betaHistory.base + stored * m, gh = gradientHistory.base + stored * p
            for i in 0..<m { bh[i] = beta[active[i]] }
            gh.update(from: g.base, count: p)
            stored += 1
            guard stored == K + 1 else { continue }
            stored = 0
            let hist = betaHistory.base
            andersonDifferenceGram(hist, length: m, depth: K, into: &gramK)
            guard andersonWeights(&gramK, K, into: &c) else { continue }
            // Extrapolated β (zero off the active set) and g = q − Qβ (affine in β).
            accBeta.base.update(repeating: 0, count: p)
            var feasible = true
            for i in 0..<m {
                var v = 0.0
                for k in 0..<K { v += c[k] * hist[(k + 1) * m + i] }
                accBeta[active[i]] = v
                if (model.positive && v < 0) || !v.isFinite { feasible = false }
            }
            guard feasible else { continue }
            let ghist = gradientHistory.base
            for j in 0..<p {
                var v = 0.0
                for k in 0..<K { v += c[k] * ghist[(k + 1) * p + j] }
                accG[j] = v
            }
            let pAcc = 0.5 * residualSquare(accBeta.base, accG.base) + model.penaltyValue(accBeta.base)
            let pCur = 0.5 * residualSquare(beta.base, g.base) + model.penaltyValue(beta.base)
            if pAcc < pCur {
                beta.base.update(from: accBeta.base, count: p)
                g.base.update(from: accG.base, count: p)
                needsFinishingPass = true
            }
        }
    }
}

// MARK: - Entry points

func solveElasticNetSpecialized<X: DesignMatrix>(
    _ design: X, _ y: UnsafeBufferPointer<Double>, _ penalty: ElasticNetPenalty,
    _ options: CoordinateDescentOptions, _ warmStart: UnsafeBufferPointer<Double>?, _ progress: ProgressObserver
) throws -> CoordinateDescentResult {
    try requireNonnegative(options.tolerance, "tolerance")
    try require(options.maxIterations >= 0, "maxIterations", "must be non-negative, got \(options.maxIterations)")
    try require(options.progressEvery >= 1, "progressEvery", "must be at least 1, got \(options.progressEvery)")
    let model = try ElasticNetModel(design: design, y: y, penalty: penalty, fitIntercept: options.fitIntercept)
    let n = model.n, p = model.p
    var warm: DoubleBuffer? = nil
    if let w = warmStart {
        try require(w.count == p, "warmStart", "has length \(w.count) but X has \(p) columns")
        try requireFinite(Array(w), "warmStart")
        let buffer = DoubleBuffer(p)
        for j in 0..<p { buffer[j] = w[j] }
        warm = buffer
    }
    // Gram: forced (the full XᵀX first), never, or automatically per subproblem:
    // the working-set solver switches a subproblem to the Gram form of its
    // working set, or of all features, once the work so far has cost as much as
    // those entries (dense designs with n ≥ 4·|working set|; see
    // CoordinateDescentWorkingSetGram.swift).
    let gramMode = options.useGram == true
    if gramMode {
        try require(p <= 8192, "useGram", "the Gram matrix of \(p) features is too large (at most 8192)")
    }
    var stop: StopReason
    var solver: ResidualCoordinateDescent<X>
    if gramMode {
        let gram = GramCoordinateDescent(model: model, options: options, progress: progress,
                                         warmStart: warm.map { UnsafePointer($0.base) })
        let gramStop = try gram.run()
        // The Gram solver's screening relied on gaps computed through cancelling
        // formulas, so it is not carried over: the explicit certificate checks
        // every feature.
        solver = ResidualCoordinateDescent(model: model, options: options, progress: progress,
                                           warmStart: gram.beta.base, epochs: gram.epochs,
                                           unpenalizedGram: gram.unpenalizedGram)
        solver.screenedCount = gram.screenedCount
        solver.history = gram.history
        solver.needsFinishingPass = gram.needsFinishingPass
        if gramStop == .converged {
            stop = try solver.run()   // certifies from the explicit residual, iterates only if needed
        } else {
            let e = try solver.evaluateFull()
            stop = model.converged(gap: e.gap, primal: e.primal, tolerance: options.tolerance) ? .converged : gramStop
        }
    } else {
        solver = ResidualCoordinateDescent(model: model, options: options, progress: progress,
                                           warmStart: warm.map { UnsafePointer($0.base) })
        solver.gramAllowed = options.useGram == nil
        stop = try solver.run()
    }
    let usedGram = gramMode || solver.usedGram

    // The returned certificate is re-checked against every feature (screened
    // ones included). Should that fail after a converged run (screening is safe
    // up to rounding only), the solve resumes once without screening.
    solver.finishOnCoordinatePass()
    var certificate = try solver.certify()
    if stop == .converged
        && !model.converged(gap: certificate.gap, primal: certificate.primal, tolerance: options.tolerance) {
        var retry = options
        retry.useScreening = false
        let resumed = ResidualCoordinateDescent(model: model, options: retry, progress: progress,
                                                warmStart: solver.beta.base, epochs: solver.epochs,
                                                unpenalizedGram: solver.unpenalizedGram)
        resumed.gramAllowed = solver.gramAllowed
        resumed.workingSetGram = solver.workingSetGram
        resumed.history = solver.history
        stop = try resumed.run()
        solver = resumed
        solver.finishOnCoordinatePass()
        certificate = try solver.certify()
        if !model.converged(gap: certificate.gap, primal: certificate.primal, tolerance: options.tolerance) && stop == .converged {
            stop = .maxIterations
        }
    }

    let coefficients = Array(UnsafeBufferPointer(start: solver.beta.base, count: p))
    var intercept = 0.0
    if options.fitIntercept {
        intercept = model.yMean
        for j in 0..<p where coefficients[j] != 0 { intercept -= model.means[j] * coefficients[j] }
    }
    return CoordinateDescentResult(
        coefficients: coefficients, intercept: intercept,
        dualityGap: max(certificate.gap, 0) / Double(n),
        gapTolerance: options.tolerance * model.yNorm2 / Double(n),
        epochs: solver.epochs, stopReason: stop, gapHistory: solver.history,
        usedGram: usedGram, screenedFeatures: solver.screenedCount,
        dualPoint: solver.dualPoint, dualScale: solver.dualScale)
}

func lambdaMaxSpecialized<X: DesignMatrix>(
    _ design: X, _ target: UnsafeBufferPointer<Double>, _ l1Ratio: Double, _ weights: [Double]?,
    _ fitIntercept: Bool, _ positive: Bool
) throws -> Double {
    let penalty = try ElasticNetPenalty(alpha: 1, l1Ratio: l1Ratio, weights: weights, positive: positive)
    let model = try ElasticNetModel(design: design, y: target, penalty: penalty, fitIntercept: fitIntercept)
    if model.penalized.isEmpty { return 0 }
    let n = model.n
    let residual = DoubleBuffer(n)
    if model.unpenalized.isEmpty {
        residual.base.update(from: model.y.base, count: n)
    } else {
        // Fit the unpenalized features alone (all penalized ones held at 0).
        var excluded = [Bool](repeating: false, count: model.p)
        for j in model.penalized { excluded[j] = true }
        var options = CoordinateDescentOptions(tolerance: 1e-12, maxIterations: 100_000, fitIntercept: fitIntercept)
        options.useScreening = false
        let solver = ResidualCoordinateDescent(model: model, options: options, progress: .silent,
                                               warmStart: nil, excluded: excluded)
        if positive {
            _ = try solver.run()
            solver.recomputeResidual()
            solver.copyResidual(into: residual.base)
        } else {
            // Exact: r₀ is the projection of y_c onto the complement of span(X_{c,U}).
            residual.base.update(from: model.y.base, count: n)
            try solver.prepare(residual.base)
        }
    }
    var sum = 0.0
    if fitIntercept { for i in 0..<n { sum += residual[i] } }
    var best = 0.0
    // One block product (a single pass over X in either memory order) rather
    // than a column at a time.
    let products = DoubleBuffer(model.p)
    design.transposeMultiply(residual.base, vectors: 1, into: products.base)
    for j in model.penalized {
        let c = products[j] - model.means[j] * sum
        let v = (positive ? c : abs(c)) / model.lambda1[j]
        if v > best { best = v }
    }
    return best
}
