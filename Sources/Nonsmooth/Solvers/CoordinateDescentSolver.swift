import COpenBLAS

/// Coordinate descent on the explicit residual r = y_c − X_cβ, with working
/// sets, Gap Safe screening, Anderson extrapolation and dual extrapolation.
/// See `solveElasticNet` for the problem and `ElasticNetModel` for the units
/// (everything here is multiplied by n).
///
/// With an intercept the residual is stored lazily as r + shift·1, so that
/// updating β_j by d costs one sparse column: r −= d·x_j, shift += d·x̄_j.
/// Then x_{c,j}ᵀ(r + shift·1) = x_jᵀr + shift·Σ_i x_ij because the true
/// residual sums to 0 (it is recentred at every working-set update).
final class ResidualCoordinateDescent<X: DesignMatrix> {
    let model: ElasticNetModel<X>
    let options: CoordinateDescentOptions
    let progress: ProgressObserver
    let n: Int
    let p: Int
    let beta: DoubleBuffer
    let r: DoubleBuffer
    var shift = 0.0
    /// Inert, screened, or excluded by the caller: β_j = 0 for good.
    var excluded: [Bool]
    /// Inert or excluded by the caller (not screened).
    let baseExcluded: [Bool]
    var screenedCount = 0
    let unpenalizedGram: UnpenalizedGram?

    /// Dual candidates (up to 4 vectors of n) and their correlations (4 × p).
    let candidates: DoubleBuffer
    let correlations: DoubleBuffer
    /// The best dual direction of the last subproblem (centred and projected).
    let innerBest: DoubleBuffer
    var hasInnerBest = false
    /// The latest Anderson-extrapolated residual (true residual, not projected).
    let extrapolated: DoubleBuffer
    var hasExtrapolated = false
    /// The latest residual extrapolated from residuals `gapFrequency` epochs apart.
    let spacedExtrapolated: DoubleBuffer
    var hasSpacedExtrapolated = false

    /// The (centred, projected, unscaled) dual direction that gave `bestDual`.
    let bestTheta: DoubleBuffer
    var hasBestTheta = false
    /// The certified dual point of `certify()`: θ = s·θ₀ and its scale s.
    var dualPoint: [Double] = []
    var dualScale = 0.0
    /// The latest evaluation over every feature not excluded by the caller
    /// (none screened), with its best candidate in `reusableTheta`: when β has
    /// not changed since (same epoch count), `certify` reuses it instead of
    /// another pass over X — on easy problems that pass is a large share of the solve.
    var reusable: (epoch: Int, primal: Double, value: Double, scale: Double)? = nil
    let reusableTheta: DoubleBuffer
    /// Set when a subproblem over all features in play met the tolerance.
    var convergedInSubproblem = false
    /// β was last changed by an Anderson or polishing step rather than by an
    /// epoch: see `finishOnCoordinatePass`.
    var needsFinishingPass = false

    var epochs: Int
    var bestDual = -Double.infinity
    var history: [(epoch: Int, gap: Double)] = []
    var lastFullGap = Double.infinity
    var lastGap = Double.infinity
    var lastPrimal = Double.infinity
    var cancelled = false
    var outOfBudget = false
    /// Work done so far, in multiply-adds (epochs, gap evaluations, polishing).
    var work = 0.0
    /// Subproblems may switch to the Gram form (see CoordinateDescentWorkingSetGram.swift).
    var gramAllowed = false
    /// The Gram form stopped making progress at its rounding level: the
    /// remaining subproblems run on the residual.
    var gramStalled = false
    /// Some subproblem ran in Gram form.
    var usedGram = false
    /// The cost of the residual epochs and of the full evaluations so far, and
    /// the price paid for Gram entries (see `gramPurchase`).
    var epochWork = 0.0
    var evaluationWork = 0.0
    var gramSpent = 0.0
    var workingSetGram: WorkingSetGram? = nil
    /// The full gap before the last Gram subproblem, and how many Gram
    /// subproblems in a row did not lower it.
    var gapBeforeGramSubproblem: Double? = nil
    var gramFailures = 0
    /// Support-polishing bookkeeping (see `polish`).
    var polishedSignature = 0
    var workSincePolish = 0
    var polishAttempts = 0
    var polishAccepted = 0

    static var andersonDepth: Int { 5 }
    static var gapFrequency: Int { 10 }
    /// The smallest working set: 50 features, but at most a tenth of them (and
    /// at least 10), so that a full evaluation (a product with every column)
    /// costs at least ten epochs of the first working set. With few features
    /// (n ≫ p) cheap epochs on a small set win over fewer evaluations; celer and
    /// skglm start from 10.
    var initialWorkingSet: Int { min(50, max(10, p / 10)) }
    /// A subproblem is solved until its gap is this fraction of the full gap.
    static var innerGapRatio: Double { 0.3 }

    init(model: ElasticNetModel<X>, options: CoordinateDescentOptions, progress: ProgressObserver,
         warmStart: UnsafePointer<Double>?, epochs: Int = 0, excluded extra: [Bool]? = nil,
         unpenalizedGram: UnpenalizedGram? = nil) {
        self.model = model
        self.options = options
        self.progress = progress
        n = model.n
        p = model.p
        beta = DoubleBuffer(p)
        r = DoubleBuffer(n)
        var excl = model.inert
        if let e = extra { for j in 0..<p where e[j] { excl[j] = true } }
        excluded = excl
        baseExcluded = excl
        if let w = warmStart {
            for j in 0..<p where !excl[j] { beta[j] = model.positive ? max(w[j], 0) : w[j] }
        }
        if let g = unpenalizedGram {
            self.unpenalizedGram = g
        } else if !model.unpenalized.isEmpty {
            self.unpenalizedGram = UnpenalizedGram.from(model)
        } else {
            self.unpenalizedGram = nil
        }
        candidates = DoubleBuffer(4 * n)
        correlations = DoubleBuffer(4 * p)
        innerBest = DoubleBuffer(n)
        extrapolated = DoubleBuffer(n)
        spacedExtrapolated = DoubleBuffer(n)
        bestTheta = DoubleBuffer(n)
        reusableTheta = DoubleBuffer(n)
        self.epochs = epochs
        recomputeResidual()
    }

    // MARK: Residual

    /// r = y_c − X_cβ from scratch (no drift), folded and recentred.
    func recomputeResidual() {
        let rb = r.base, X = model.design
        rb.update(from: model.y.base, count: n)
        var s = 0.0
        for j in 0..<p where beta[j] != 0 {
            X.columnAxpy(j, -beta[j], rb)
            s += beta[j] * model.means[j]
        }
        shift = s
        foldShift()
    }

    /// Stores the true residual in r (shift = 0), recentred when fitting an intercept.
    func foldShift() {
        let rb = r.base
        var m = 0.0
        if model.fitIntercept {
            for i in 0..<n { m += rb[i] }
            m = m / Double(n) + shift   // mean of the stored residual + shift
        }
        let add = shift - (model.fitIntercept ? m : 0)
        if add != 0 { for i in 0..<n { rb[i] += add } }
        shift = 0
    }

    /// Copies the true residual r + shift into `out`.
    @inline(__always)
    func copyResidual(into out: UnsafeMutablePointer<Double>) {
        let rb = r.base, s = shift
        for i in 0..<n { out[i] = rb[i] + s }
    }

    func residualSquare() -> Double {
        let rb = r.base, s = shift
        var a = 0.0
        if s == 0 { return denseDot(rb, rb, n) }
        for i in 0..<n {
            let v = rb[i] + s
            a += v * v
        }
        return a
    }

    // MARK: Dual points

    /// Centres v (intercept) and projects it onto the complement of the span of
    /// the unpenalized columns that must be orthogonal to θ: all of them, or,
    /// with `positive`, those with β_j > 0 plus any whose correlation with the
    /// projected vector is positive (x_jᵀθ ≤ 0 suffices for β_j = 0).
    func prepare(_ v: UnsafeMutablePointer<Double>) throws {
        if model.fitIntercept {
            var m = 0.0
            for i in 0..<n { m += v[i] }
            m /= Double(n)
            for i in 0..<n { v[i] -= m }
        }
        guard let ug = unpenalizedGram else { return }
        let u = ug.indices
        var subset: [Int] = []
        var inSubset = [Bool](repeating: false, count: u.count)
        for (pos, j) in u.enumerated() where !model.positive || beta[j] > 0 {
            subset.append(pos)
            inSubset[pos] = true
        }
        while true {
            if !subset.isEmpty {
                let pinv = try ug.pseudoInverse(subset)
                project(v, subset: subset, pinv: pinv, indices: u)
                project(v, subset: subset, pinv: pinv, indices: u)
            }
            guard model.positive else { return }
            let vNorm = denseDot(v, v, n).squareRoot()
            var sum = 0.0
            if model.fitIntercept { for i in 0..<n { sum += v[i] } }
            var added = false
            for pos in 0..<u.count where !inSubset[pos] {
                let j = u[pos]
                let c = model.design.columnDot(j, v) - model.means[j] * sum
                if c > 1e-12 * model.norm2[j].squareRoot() * vNorm {
                    inSubset[pos] = true
                    added = true
                }
            }
            if !added { return }
            subset = (0..<u.count).filter { inSubset[$0] }
        }
    }

    /// v ← v − X_{c,A} G_AA⁺ X_{c,A}ᵀ v.
    private func project(_ v: UnsafeMutablePointer<Double>, subset: [Int], pinv: [Double], indices u: [Int]) {
        let k = subset.count, X = model.design
        var sum = 0.0
        if model.fitIntercept { for i in 0..<n { sum += v[i] } }
        var g = [Double](repeating: 0, count: k)
        for a in 0..<k {
            let j = u[subset[a]]
            g[a] = X.columnDot(j, v) - model.means[j] * sum
        }
        var constant = 0.0
        for b in 0..<k {
            var coef = 0.0
            for a in 0..<k { coef += pinv[b * k + a] * g[a] }
            if coef == 0 { continue }
            let j = u[subset[b]]
            X.columnAxpy(j, -coef, v)
            constant += coef * model.means[j]
        }
        if constant != 0 { for i in 0..<n { v[i] += constant } }
    }

    struct DualValue {
        var value: Double
        var scale: Double
    }

    /// For each of the k prepared candidates θ₀ in `candidates`, the
    /// correlations a_j = x_{c,j}ᵀθ₀ − λ2_jβ_j (stored in `correlations[c·p + j]`)
    /// over `features` (nil: every non-excluded feature) and the best feasible
    /// scaling of θ̃₀ = (θ₀, −√λ2 β) with respect to those features.
    func evaluateCandidates(_ k: Int, features: UnsafeBufferPointer<Int>?) -> [DualValue] {
        let X = model.design, cb = candidates.base, corr = correlations.base
        let l1 = model.lambda1.base, l2 = model.lambda2.base, means = model.means.base, b = beta.base
        var sums = [Double](repeating: 0, count: k)
        if model.fitIntercept {
            for c in 0..<k {
                var s = 0.0
                let v = cb + c * n
                for i in 0..<n { s += v[i] }
                sums[c] = s
            }
        }
        let aug: Double
        @inline(__always) func correlate(_ j: Int) {
            if k == 2 {
                let (u, v) = X.columnDots(j, cb, cb + n)
                corr[j] = u - means[j] * sums[0]
                corr[p + j] = v - means[j] * sums[1]
            } else {
                for c in 0..<k { corr[c * p + j] = X.columnDot(j, cb + c * n) - means[j] * sums[c] }
            }
        }
        if let f = features {
            for j in f { correlate(j) }
            aug = model.augmentedSquare(b, over: f)
        } else {
            let active = p - excluded.count(where: { $0 })
            if X.hasFastGram && (2 * active >= p || X.prefersBlockProducts) {
                X.transposeMultiply(cb, vectors: k, into: corr)
                if model.fitIntercept {
                    for c in 0..<k where sums[c] != 0 {
                        for j in 0..<p { corr[c * p + j] -= means[j] * sums[c] }
                    }
                }
            } else {
                excluded.withUnsafeBufferPointer { e in
                    for j in 0..<p where !e[j] { correlate(j) }
                }
            }
            aug = model.augmentedSquare(b)
        }
        var out: [DualValue] = []
        out.reserveCapacity(k)
        let positive = model.positive
        let yNorm = model.yNorm2.squareRoot(), augNorm = model.augmentedNorm.base
        for c in 0..<k {
            let a = corr + c * p
            var dualNorm = 0.0
            var slack = 0.0
            @inline(__always) func visit(_ j: Int) {
                let v = a[j] - l2[j] * b[j]
                a[j] = v
                if l1[j] > 0 {
                    let ratio = (positive ? v : abs(v)) / l1[j]
                    if ratio > dualNorm { dualNorm = ratio }
                } else {
                    // Unpenalized: x_jᵀθ = 0 holds only up to the rounding of the
                    // projection (x_jᵀθ ≤ 0 suffices at β_j = 0 when positive).
                    let e = positive && b[j] == 0 ? Swift.max(v, 0) : abs(v)
                    if e != 0 { slack += e * (abs(b[j]) + yNorm / augNorm[j]) }
                }
            }
            if let f = features {
                for j in f { visit(j) }
            } else {
                for j in 0..<p where !excluded[j] { visit(j) }
            }
            let v = cb + c * n
            let yTheta = denseDot(model.y.base, v, n)
            let thetaSquare = denseDot(v, v, n) + aug
            var (value, scale) = model.bestScaling(dualNorm: dualNorm, yTheta: yTheta, thetaSquare: thetaSquare)
            // Weak duality with X_Uᵀθ = e ≠ 0 loses −Σ_U β*_j e_j: bounded with
            // |β*_j| ≲ |β_j| + ‖y‖/‖x_j‖ and charged to the dual value. A
            // projection that left only rounding noise (the unpenalized features
            // explain y) is scaled up enormously, so this charge exceeds its
            // value and it certifies nothing: θ = 0 (D = 0) is used instead.
            if slack > 0 {
                value -= scale * slack
                if !(value > 0) { (value, scale) = (0, 0) }
            }
            out.append(DualValue(value: value, scale: scale))
        }
        return out
    }

    struct FullEvaluation {
        var primal: Double
        var gap: Double
        var duals: [DualValue]
        /// The candidate with the largest dual value in this evaluation.
        var best: Int
    }

    /// Recomputes the residual and the full duality gap. The dual candidates
    /// are the residual and the best dual point of the last subproblem (which
    /// already competed with the extrapolated residuals on the working set),
    /// or the extrapolated residuals when the subproblem reached no checkpoint.
    func evaluateFull() throws -> FullEvaluation {
        recomputeResidual()
        let primal = 0.5 * residualSquare() + model.penaltyValue(beta.base)
        var k = 0
        copyResidual(into: candidates.base)
        k += 1
        if hasInnerBest {
            (candidates.base + k * n).update(from: innerBest.base, count: n)
            k += 1
        } else {
            if hasExtrapolated {
                (candidates.base + k * n).update(from: extrapolated.base, count: n)
                k += 1
            }
            if hasSpacedExtrapolated {
                (candidates.base + k * n).update(from: spacedExtrapolated.base, count: n)
                k += 1
            }
        }
        hasExtrapolated = false
        hasSpacedExtrapolated = false
        hasInnerBest = false
        for c in 0..<k { try prepare(candidates.base + c * n) }
        let duals = evaluateCandidates(k, features: nil)
        let evaluationCost = Double(k) * Double(n) * Double(p - excluded.count(where: { $0 }))
        work += evaluationCost
        evaluationWork += evaluationCost
        var best = 0
        for c in 0..<k where duals[c].value > duals[best].value { best = c }
        if duals[best].value > bestDual {
            bestDual = duals[best].value
            bestTheta.base.update(from: candidates.base + best * n, count: n)
            hasBestTheta = true
        }
        let gap = primal - bestDual
        lastFullGap = max(gap, 0)
        lastGap = gap
        lastPrimal = primal
        history.append((epochs, gap / Double(n)))
        remember(primal: primal, duals: duals, best: best)
        return FullEvaluation(primal: primal, gap: gap, duals: duals, best: best)
    }

    /// Keeps the best candidate of an evaluation for `certify` when it covered
    /// every feature the certificate checks.
    private func remember(primal: Double, duals: [DualValue], best: Int) {
        guard screenedCount == 0, excluded == baseExcluded else {
            reusable = nil
            return
        }
        reusable = (epochs, primal, duals[best].value, duals[best].scale)
        reusableTheta.base.update(from: candidates.base + best * n, count: n)
    }

    /// The final certificate, checkable without trusting screening or the
    /// history: the residual and the best dual direction found are rescaled
    /// against every feature (screened ones included), and the better one
    /// gives `dualPoint`, `dualScale` and the returned gap P(β) − D(θ̃).
    func certify() throws -> (gap: Double, primal: Double) {
        // Screening after the evaluation zeroes coefficients without an epoch, hence the re-check.
        if let c = reusable, c.epoch == epochs, c.value >= bestDual, screenedCount == 0, excluded == baseExcluded {
            dualPoint = (0..<n).map { c.scale * reusableTheta[$0] }
            dualScale = c.scale
            lastGap = c.primal - c.value
            lastPrimal = c.primal
            return (lastGap, c.primal)
        }
        let saved = excluded
        excluded = baseExcluded
        defer { excluded = saved }
        recomputeResidual()
        let primal = 0.5 * residualSquare() + model.penaltyValue(beta.base)
        copyResidual(into: candidates.base)
        var k = 1
        if hasBestTheta {
            (candidates.base + n).update(from: bestTheta.base, count: n)
            k = 2
        }
        for c in 0..<k { try prepare(candidates.base + c * n) }
        let duals = evaluateCandidates(k, features: nil)
        var best = 0
        for c in 0..<k where duals[c].value > duals[best].value { best = c }
        let s = duals[best].scale
        let theta = candidates.base + best * n
        dualPoint = (0..<n).map { s * theta[$0] }
        dualScale = s
        let gap = primal - duals[best].value
        lastGap = gap
        lastPrimal = primal
        return (gap, primal)
    }

    /// An Anderson step returns a combination of iterates and a polishing step
    /// the solution of a linear system, not coordinate minimisers: a
    /// coordinate whose optimum is 0 can come back as ±1e-10 where every epoch
    /// gives an exact 0, and users read the support as `coef != 0`. One
    /// coordinate pass over the support (not counted as an epoch) restores the
    /// exact zeros; it only lowers the objective, and `certify` then checks the
    /// point it returns.
    func finishOnCoordinatePass() {
        guard needsFinishingPass else { return }
        let support = (0..<p).filter { beta[$0] != 0 && !excluded[$0] }
        support.withUnsafeBufferPointer { epoch($0) }
        needsFinishingPass = false
        reusable = nil
        work += 2 * Double(support.count) * Double(n)
    }

    // MARK: Screening and working sets

    /// Gap Safe sphere test: θ̃* lies within √(2·gap) of any feasible θ̃ (the dual
    /// is 1-strongly concave), so |x̃_jᵀθ̃| + ‖x̃_j‖√(2·gap) < λ1_j proves β*_j = 0.
    func screen(_ e: FullEvaluation) {
        let c = e.best, s = e.duals[c].scale
        let radius = (2 * max(e.primal - e.duals[c].value, 0)).squareRoot()
        let a = correlations.base + c * p
        let X = model.design
        for j in model.penalized where !excluded[j] {
            let v = s * a[j]
            let bound = model.positive ? v : abs(v)
            if bound + model.augmentedNorm[j] * radius < model.lambda1[j] * (1 - 1e-9) {
                excluded[j] = true
                screenedCount += 1
                if beta[j] != 0 {
                    X.columnAxpy(j, beta[j], r.base)
                    shift -= beta[j] * model.means[j]
                    beta[j] = 0
                }
            }
        }
    }

    /// The unpenalized features, the penalized support, and the penalized
    /// features closest to violating their dual constraint (distance
    /// (λ1_j − |x̃_jᵀθ̃|)/‖x̃_j‖), max(`initialWorkingSet`, 2·|support|) penalized ones in all
    /// (celer's "prune" rule, as in skglm).
    func workingSet(_ e: FullEvaluation) -> (features: [Int], isFull: Bool) {
        var ws: [Int] = model.unpenalized.filter { !excluded[$0] }
        let candidatesList = model.penalized.filter { !excluded[$0] }
        var support = 0
        for j in candidatesList where beta[j] != 0 { support += 1 }
        // With the whole Gram matrix at hand an epoch over every feature is cheap.
        let size = options.useWorkingSets && (workingSetGram?.isComplete != true || gramStalled)
            ? min(max(initialWorkingSet, 2 * support), candidatesList.count)
            : candidatesList.count
        if size == candidatesList.count {
            ws.append(contentsOf: candidatesList)
            ws.sort()
            return (ws, true)
        }
        let c = e.best, s = e.duals[c].scale
        let a = correlations.base + c * p
        var scores = [Double](repeating: 0, count: candidatesList.count)
        for (i, j) in candidatesList.enumerated() {
            if beta[j] != 0 {
                scores[i] = -.infinity
            } else {
                let v = s * a[j]
                let d = (model.lambda1[j] - (model.positive ? v : abs(v))) / model.augmentedNorm[j]
                scores[i] = d.isNaN ? .infinity : d
            }
        }
        var work = scores
        let threshold = kthSmallest(&work, size - 1)
        var taken = 0
        for (i, j) in candidatesList.enumerated() where scores[i] < threshold {
            ws.append(j)
            taken += 1
        }
        for (i, j) in candidatesList.enumerated() where taken < size && scores[i] == threshold {
            ws.append(j)
            taken += 1
        }
        ws.sort()
        return (ws, false)
    }

    // MARK: Epochs

    /// One cyclic pass of exact coordinate minimisation over `ws`.
    @inline(__always)
    func epoch(_ ws: UnsafeBufferPointer<Int>) {
        let X = model.design, b = beta.base, rb = r.base
        let sums = model.sums.base, means = model.means.base, norm2 = model.norm2.base
        let l1 = model.lambda1.base, invL = model.inverseLipschitz.base
        var s = shift
        if model.positive {
            for j in ws {
                let old = b[j]
                let z = X.columnDot(j, rb) + s * sums[j] + norm2[j] * old
                let t = max(z - l1[j], 0) * invL[j]
                if t != old {
                    let d = t - old
                    X.columnAxpy(j, -d, rb)
                    s += d * means[j]
                    b[j] = t
                }
            }
        } else {
            for j in ws {
                let old = b[j]
                let z = X.columnDot(j, rb) + s * sums[j] + norm2[j] * old
                let t = softThreshold(z, l1[j]) * invL[j]
                if t != old {
                    let d = t - old
                    X.columnAxpy(j, -d, rb)
                    s += d * means[j]
                    b[j] = t
                }
            }
        }
        shift = s
    }

    /// Runs epochs on the subproblem restricted to `ws` until its duality gap
    /// (dual feasibility checked on `ws` only) is at most `tolerance`, the
    /// budget runs out or the observer cancels.
    ///
    /// With `isFull` (ws = every feature still in play) the subproblem is the
    /// problem itself: each checkpoint is a full certificate, so it updates the
    /// best dual value and the history, and screens (shrinking ws) in place.
    func solveSubproblem(_ initial: [Int], tolerance: Double, isFull: Bool) throws {
        var ws = initial
        guard !ws.isEmpty else { return }
        // Residual epochs until buying Gram entries has become worthwhile.
        let gramPossible = gramEligible(ws)
        if gramPossible, let purchase = gramPurchase(ws) {
            return try solveSubproblemGram(ws, tolerance: tolerance, isFull: isFull, purchase: purchase)
        }
        let K = Self.andersonDepth
        let capacity = ws.count
        let useAnderson = options.useExtrapolation && capacity >= 2
        var cost = 0
        for j in ws { cost += model.design.columnCost(j) }
        let storeResiduals = useAnderson && (K + 1) * n <= 2 * cost
        let betaHistory = DoubleBuffer(useAnderson ? (K + 1) * capacity : 0)
        let residualHistory = DoubleBuffer(storeResiduals ? (K + 1) * n : 0)
        let accBeta = DoubleBuffer(useAnderson ? capacity : 0)
        let accResidual = DoubleBuffer(useAnderson ? n : 0)
        var shiftHistory = [Double](repeating: 0, count: K + 1)
        var stored = 0
        let useDualRing = options.useExtrapolation
        let dualRing = DoubleBuffer(useDualRing ? (K + 1) * n : 0)
        var ringCount = 0
        var bestInner = -Double.infinity
        var local = 0
        hasExtrapolated = false
        hasSpacedExtrapolated = false
        hasInnerBest = false

        while true {
            if epochs >= options.maxIterations {
                outOfBudget = true
                return
            }
            ws.withUnsafeBufferPointer { epoch($0) }
            needsFinishingPass = false
            epochs += 1
            local += 1
            work += 2 * Double(cost)
            epochWork += Self.epochEntryCost * Double(cost)
            if gramPossible, let purchase = gramPurchase(ws) {
                return try solveSubproblemGram(ws, tolerance: tolerance, isFull: isFull, purchase: purchase)
            }
            if epochs % options.progressEvery == 0,
               !progress.observe(epochs, lastFullGap / Double(n)) {
                cancelled = true
                return
            }
            let m = ws.count
            if useAnderson && m >= 2 {
                let bh = betaHistory.base + stored * m, b = beta.base
                for i in 0..<m { bh[i] = b[ws[i]] }
                if storeResiduals {
                    (residualHistory.base + stored * n).update(from: r.base, count: n)
                    shiftHistory[stored] = shift
                }
                stored += 1
                if stored == K + 1 {
                    ws.withUnsafeBufferPointer {
                        extrapolate($0, betaHistory: betaHistory.base,
                                    residualHistory: storeResiduals ? residualHistory.base : nil,
                                    shiftHistory: shiftHistory, accBeta: accBeta.base, accResidual: accResidual.base)
                    }
                    stored = 0
                }
            }
            // Checkpoints every `gapFrequency` epochs, plus two early ones so that
            // easy subproblems stop after a few epochs.
            let regular = local % Self.gapFrequency == 0
            guard regular || local == 3 || local == 6 else { continue }
            if isFull { recomputeResidual() }
            if regular, options.useExtrapolation, try polishIfWorthwhile(ws, epochCost: cost) {
                stored = 0
            }
            if useDualRing && regular {
                copyResidual(into: dualRing.base + (ringCount % (K + 1)) * n)
                ringCount += 1
                if ringCount >= K + 1 { extrapolateResidualRing(dualRing.base, newest: (ringCount - 1) % (K + 1)) }
            }
            let primal = 0.5 * residualSquare() + ws.withUnsafeBufferPointer { model.penaltyValue(beta.base, over: $0) }
            var k = 1
            copyResidual(into: candidates.base)
            if hasExtrapolated {
                (candidates.base + k * n).update(from: extrapolated.base, count: n)
                k += 1
            }
            if hasSpacedExtrapolated {
                (candidates.base + k * n).update(from: spacedExtrapolated.base, count: n)
                k += 1
            }
            for c in 0..<k { try prepare(candidates.base + c * n) }
            let duals = ws.withUnsafeBufferPointer { evaluateCandidates(k, features: $0) }
            work += Double(k) * Double(cost)
            var best = 0
            for c in 0..<k where duals[c].value > duals[best].value { best = c }
            if duals[best].value > bestInner {
                bestInner = duals[best].value
                innerBest.base.update(from: candidates.base + best * n, count: n)
                hasInnerBest = true
            }
            if isFull {
                if bestInner > bestDual {
                    bestDual = bestInner
                    bestTheta.base.update(from: innerBest.base, count: n)
                    hasBestTheta = true
                }
                let gap = primal - bestDual
                lastFullGap = max(gap, 0)
                lastGap = gap
                lastPrimal = primal
                history.append((epochs, gap / Double(n)))
                if ws.count == p - baseExcluded.count(where: { $0 }) {
                    remember(primal: primal, duals: duals, best: best)
                } else {
                    reusable = nil
                }
                if model.converged(gap: gap, primal: primal, tolerance: options.tolerance) {
                    convergedInSubproblem = true
                    return
                }
                if options.useScreening {
                    let before = screenedCount
                    screen(FullEvaluation(primal: primal, gap: gap, duals: duals, best: best))
                    if screenedCount != before {
                        ws = ws.filter { !excluded[$0] }
                        stored = 0
                        if ws.isEmpty { return }
                    }
                }
            } else {
                let gap = primal - bestInner
                if gap <= tolerance || model.converged(gap: gap, primal: primal, tolerance: 0) { return }
            }
        }
    }

    /// Anderson step on the last K + 1 epochs of the subproblem: the primal
    /// extrapolation is kept when it lowers the objective; the residual
    /// extrapolation (from residual differences when they are stored, else the
    /// residual of the primal extrapolation) becomes a dual candidate.
    private func extrapolate(_ ws: UnsafeBufferPointer<Int>, betaHistory bh: UnsafeMutablePointer<Double>,
                             residualHistory rh: UnsafeMutablePointer<Double>?, shiftHistory sh: [Double],
                             accBeta: UnsafeMutablePointer<Double>, accResidual: UnsafeMutablePointer<Double>) {
        let K = Self.andersonDepth, m = ws.count, X = model.design
        var gram = [Double](repeating: 0, count: K * K)
        var c = [Double](repeating: 0, count: K)
        andersonDifferenceGram(bh, length: m, depth: K, into: &gram)
        if andersonWeights(&gram, K, into: &c) {
            var feasible = true
            for i in 0..<m {
                var v = 0.0
                for k in 0..<K { v += c[k] * bh[(k + 1) * m + i] }
                accBeta[i] = v
                if model.positive && v < 0 { feasible = false }
                if !v.isFinite { feasible = false }
            }
            if feasible {
                if let rh = rh {
                    for i in 0..<n {
                        var v = 0.0
                        for k in 0..<K { v += c[k] * (rh[(k + 1) * n + i] + sh[k + 1]) }
                        accResidual[i] = v
                    }
                } else {
                    copyResidual(into: accResidual)
                    var constant = 0.0
                    for i in 0..<m {
                        let j = ws[i], d = beta[j] - accBeta[i]
                        if d != 0 {
                            X.columnAxpy(j, d, accResidual)
                            constant -= d * model.means[j]
                        }
                    }
                    if constant != 0 { for i in 0..<n { accResidual[i] += constant } }
                }
                var penAcc = 0.0, penCur = 0.0
                for i in 0..<m {
                    let j = ws[i], v = accBeta[i], b = beta[j]
                    penAcc += model.lambda1[j] * abs(v) + 0.5 * model.lambda2[j] * v * v
                    penCur += model.lambda1[j] * abs(b) + 0.5 * model.lambda2[j] * b * b
                }
                let pAcc = 0.5 * denseDot(accResidual, accResidual, n) + penAcc
                let pCur = 0.5 * residualSquare() + penCur
                if rh == nil {
                    extrapolated.base.update(from: accResidual, count: n)
                    hasExtrapolated = true
                }
                if pAcc < pCur {
                    for i in 0..<m { beta[ws[i]] = accBeta[i] }
                    r.base.update(from: accResidual, count: n)
                    shift = 0
                    needsFinishingPass = true
                }
            }
        }
        // Dual extrapolation from the residual differences of consecutive epochs.
        guard let rh = rh else { return }
        for k in 0..<K {
            for l in k..<K {
                var s = 0.0
                let a0 = rh + k * n, a1 = rh + (k + 1) * n, b0 = rh + l * n, b1 = rh + (l + 1) * n
                let da = sh[k + 1] - sh[k], db = sh[l + 1] - sh[l]
                for i in 0..<n { s += (a1[i] - a0[i] + da) * (b1[i] - b0[i] + db) }
                gram[k * K + l] = s
                gram[l * K + k] = s
            }
        }
        guard andersonWeights(&gram, K, into: &c) else { return }
        let out = extrapolated.base
        for i in 0..<n {
            var v = 0.0
            for k in 0..<K { v += c[k] * (rh[(k + 1) * n + i] + sh[k + 1]) }
            out[i] = v
        }
        hasExtrapolated = true
    }

    /// Dual extrapolation (Massias, Gramfort & Salmon 2018): Anderson weights
    /// from the differences of the last K + 1 residuals, taken every
    /// `gapFrequency` epochs (a ring buffer whose newest slot is `newest`).
    private func extrapolateResidualRing(_ ring: UnsafeMutablePointer<Double>, newest: Int) {
        let K = Self.andersonDepth
        // Chronological slot of age a (0 = oldest).
        @inline(__always) func slot(_ a: Int) -> UnsafeMutablePointer<Double> {
            ring + ((newest + 1 + a) % (K + 1)) * n
        }
        var gram = [Double](repeating: 0, count: K * K)
        var c = [Double](repeating: 0, count: K)
        for k in 0..<K {
            for l in k..<K {
                let a0 = slot(k), a1 = slot(k + 1), b0 = slot(l), b1 = slot(l + 1)
                var s = 0.0
                for i in 0..<n { s += (a1[i] - a0[i]) * (b1[i] - b0[i]) }
                gram[k * K + l] = s
                gram[l * K + k] = s
            }
        }
        guard andersonWeights(&gram, K, into: &c) else { return }
        let out = spacedExtrapolated.base
        for i in 0..<n { out[i] = 0 }
        for k in 0..<K {
            let v = slot(k + 1), w = c[k]
            for i in 0..<n { out[i] += w * v[i] }
        }
        hasSpacedExtrapolated = true
    }

    // MARK: Support polishing

    /// Calls `polish` when the support and signs of β on `ws` were not polished
    /// already and the epochs run since the last attempt cost at least as much
    /// as the attempt (so polishing takes at most about half of the time).
    func polishIfWorthwhile(_ ws: [Int], epochCost: Int) throws -> Bool {
        workSincePolish += Self.gapFrequency * epochCost
        var hasher = Hasher()
        var k = 0
        for j in ws where beta[j] != 0 {
            hasher.combine(j)
            hasher.combine(beta[j] > 0)
            k += 1
        }
        let signature = hasher.finalize()
        guard k > 0, signature != polishedSignature else { return false }
        // A support larger than the rank of X_c makes the face system singular: the step then
        // needs an eigendecomposition (about 4k³ flops instead of k³/3).
        // With k ≤ rank the face is singular only for collinear columns, found when
        // Cholesky fails; the eigendecomposition is then allowed only if the
        // epochs have paid for it too.
        // Centred columns have rank at most n − 1.
        let rank = model.fitIntercept ? n - 1 : n
        let kd = Double(k), nd = Double(n)
        let eigen = 4 * kd * kd * kd
        let cost = kd * kd * nd / 2 + 2 * kd * nd + (k > rank ? eigen : 0)
        guard Double(workSincePolish) >= cost, nd * kd <= 2e7, k <= 4096, n <= Int(Int32.max) else { return false }
        let allowSingular = k > rank || Double(workSincePolish) >= cost + eigen
        polishedSignature = signature
        workSincePolish = 0
        work += cost / 4   // BLAS 3 (dsyrk) runs several times faster per flop
        return try polish(ws, allowSingular: allowSingular)
    }

    /// An active-set step on the orthant face of the current support S and
    /// signs s (`supportPolishingStep`), with the face system formed by BLAS:
    /// A = X_{c,S}ᵀX_{c,S} + diag λ2_S (dsyrk), b = X_{c,S}ᵀy_c − λ1_S∘s_S.
    /// The step is kept only if P decreased. Once the support is right it is
    /// the exact solution, whose residual is the optimal dual point; with more
    /// features than samples in S it removes one from the support.
    func polish(_ ws: [Int], allowSingular: Bool = true) throws -> Bool {
        polishAttempts += 1
        let support = ws.filter { beta[$0] != 0 }
        let k = support.count, X = model.design
        let xs = DoubleBuffer(n * k)
        for (a, j) in support.enumerated() {
            let col = xs.base + a * n
            X.columnAxpy(j, 1, col)
            if model.fitIntercept {
                let m = model.means[j]
                for i in 0..<n { col[i] -= m }
            }
        }
        var gram = [Double](repeating: 0, count: k * k)
        let n32 = Int32(n), k32 = Int32(k)
        cblas_dsyrk(CblasColMajor, CblasUpper, CblasTrans, k32, n32, 1, xs.base, n32, 0, &gram, k32)
        var rhs = [Double](repeating: 0, count: k)
        cblas_dgemv(CblasColMajor, CblasTrans, n32, k32, 1, xs.base, n32, model.y.base, 1, 0, &rhs, 1)
        for (a, j) in support.enumerated() {
            gram[a * k + a] += model.lambda2[j]
            rhs[a] -= beta[j] > 0 ? model.lambda1[j] : -model.lambda1[j]
        }
        let current = support.map { beta[$0] }
        let constrained = support.map { model.lambda1[$0] > 0 || model.positive }
        guard let newBeta = supportPolishingStep(matrix: gram, rhs: rhs, current: current, constrained: constrained,
                                                 allowSingular: allowSingular)
        else { return false }
        let candidate = DoubleBuffer(n)
        candidate.base.update(from: model.y.base, count: n)
        cblas_dgemv(CblasColMajor, CblasNoTrans, n32, k32, -1, xs.base, n32, newBeta, 1, 1, candidate.base, 1)
        var penNew = 0.0, penOld = 0.0
        for (a, j) in support.enumerated() {
            let v = newBeta[a], b = beta[j]
            penNew += model.lambda1[j] * abs(v) + 0.5 * model.lambda2[j] * v * v
            penOld += model.lambda1[j] * abs(b) + 0.5 * model.lambda2[j] * b * b
        }
        let pNew = 0.5 * denseDot(candidate.base, candidate.base, n) + penNew
        let pOld = 0.5 * residualSquare() + penOld
        guard pNew <= pOld else { return false }
        for (a, j) in support.enumerated() { beta[j] = newBeta[a] }
        r.base.update(from: candidate.base, count: n)
        shift = 0
        polishAccepted += 1
        needsFinishingPass = true
        return true
    }

    // MARK: Driver

    /// Working-set loop until the full gap reaches the tolerance, the budget
    /// runs out or the observer cancels.
    func run() throws -> StopReason {
        let tolerance = options.tolerance
        while true {
            let e = try evaluateFull()
            if let before = gapBeforeGramSubproblem {
                // Twice in a row no progress of the explicit gap across a Gram
                // subproblem: its formulas have reached their rounding level.
                gapBeforeGramSubproblem = nil
                gramFailures = e.gap < 0.99 * before ? 0 : gramFailures + 1
                if gramFailures >= 2 { gramStalled = true }
            }
            if model.converged(gap: e.gap, primal: e.primal, tolerance: tolerance) { return .converged }
            if cancelled { return .cancelled }
            if outOfBudget || epochs >= options.maxIterations { return .maxIterations }
            if options.useScreening { screen(e) }
            let (ws, isFull) = workingSet(e)
            if ws.isEmpty {
                // Every feature is provably zero: β = 0 is optimal; certify it.
                let f = try evaluateFull()
                return model.converged(gap: f.gap, primal: f.primal, tolerance: tolerance) ? .converged : .maxIterations
            }
            try solveSubproblem(ws, tolerance: isFull ? 0 : Self.innerGapRatio * e.gap, isFull: isFull)
            if convergedInSubproblem { return .converged }
        }
    }
}


/// The k-th smallest value (0-based) of `values`, reordering them (Hoare
/// selection with median-of-three pivots; O(count) on average).
func kthSmallest(_ values: inout [Double], _ k: Int) -> Double {
    var lo = 0, hi = values.count - 1
    while lo < hi {
        let mid = lo + (hi - lo) / 2
        // Median of three as pivot.
        var a = values[lo], b = values[mid], c = values[hi]
        if a > b { swap(&a, &b) }
        if b > c { swap(&b, &c) }
        if a > b { swap(&a, &b) }
        let pivot = b
        var i = lo, j = hi
        while i <= j {
            while values[i] < pivot { i += 1 }
            while values[j] > pivot { j -= 1 }
            if i <= j {
                values.swapAt(i, j)
                i += 1
                j -= 1
            }
        }
        if k <= j {
            hi = j
        } else if k >= i {
            lo = i
        } else {
            return values[k]
        }
    }
    return values[k]
}
