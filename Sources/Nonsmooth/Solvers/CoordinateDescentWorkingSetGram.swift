import COpenBLAS
import Glibc

/// Gram-form subproblems of the working-set solver, for n ≫ |working set|.
///
/// A subproblem restricted to the working set W needs only Q_W = X_{c,W}ᵀX_{c,W}
/// and q_W = X_{c,W}ᵀy_c: with g_W = X_{c,W}ᵀr = q_W − Q_Wβ_W (β is 0 off W) an
/// epoch costs |W|·(coordinates that move) instead of n·|W|, and the
/// subproblem's duality gap follows from ‖r‖² = ‖y_c‖² − β_Wᵀ(q_W + g_W) and
/// y_cᵀr = ‖y_c‖² − β_Wᵀq_W without touching X. Forming Q_W costs n·|W|²/2
/// multiply-adds of BLAS 3 — several epochs' worth, though much less than the
/// n·p²/2 of the whole XᵀX when the working set is small — so the solver rents
/// (residual epochs) before it buys (`gramPurchase`), keeps the entries it
/// bought as the working set grows, and buys the whole matrix instead when the
/// evaluations between working sets are worth saving too.
///
/// The full problem is still evaluated on the explicit residual between
/// subproblems, so screening and the final certificate never rely on the
/// cancelling formulas above (whose rounding error is of order ε‖y_c‖²); when
/// those formulas stop making progress the remaining subproblems run on the
/// residual.

/// The entries of X_cᵀX_c and X_cᵀy_c for the features the working sets have
/// used so far, grown as new features arrive (never shrunk: a feature that
/// leaves the working set often comes back).
struct WorkingSetGram {
    /// The cached features, in slot order.
    private(set) var features: [Int] = []
    /// slots[j] = the slot of feature j, or −1.
    private var slots: [Int]
    /// capacity × capacity, column-major: entry (a, b) = x_{c,features[a]}ᵀ x_{c,features[b]}.
    private var entries: [Double] = []
    private var capacity = 0
    /// x_{c,features[a]}ᵀ y_c.
    private var targetProducts: [Double] = []

    /// At most this many features (a 2048² matrix is 32 MiB).
    static var maxFeatures: Int { 2048 }

    init(features p: Int) {
        slots = [Int](repeating: -1, count: p)
    }

    /// Multiply-adds of BLAS 3 needed to add the features of `ws` not cached yet
    /// (their products with every cached feature, each other and y), and the
    /// number of entries of X read to do so; `cache` nil is the empty cache.
    static func cost(of ws: [Int], in cache: WorkingSetGram?, rows n: Int) -> (products: Double, reads: Double) {
        let missing = cache.map { c in ws.count(where: { c.slots[$0] < 0 }) } ?? ws.count
        if missing == 0 { return (0, 0) }
        let total = (cache?.features.count ?? 0) + missing
        let products = Double(n) * Double(missing) * (Double(total) - Double(missing) / 2)
        return (products, Double(n) * Double(total))
    }

    /// Adds the features of `ws` that are not cached. The cached and the new
    /// columns are gathered (centred explicitly, so there is no cancellation
    /// when the means are large compared with the spread) into blocks of rows
    /// as large as 32 MiB allow — usually all n rows — and each block adds
    /// dsyrk (new × new), dgemm (cached × new) and dgemv (yᵀ new) products.
    mutating func include<D: DenseDesign>(_ ws: [Int], design: D, means: UnsafePointer<Double>?,
                          target: UnsafePointer<Double>) {
        let added = ws.filter { slots[$0] < 0 }
        guard !added.isEmpty else { return }
        let c = features.count, a = added.count, total = c + a
        if total > capacity { grow(to: max(total, 2 * capacity)) }
        let columns = features + added
        let n = design.rows
        let block = max(1, min(n, (1 << 22) / total))
        let buffer = UnsafeMutablePointer<Double>.allocate(capacity: block * total)
        defer { buffer.deallocate() }
        var square = [Double](repeating: 0, count: a * a)
        var cross = [Double](repeating: 0, count: max(c * a, 1))
        var products = [Double](repeating: 0, count: a)
        var start = 0
        while start < n {
            let count = min(block, n - start)
            for (t, j) in columns.enumerated() {
                let b = buffer + t * count
                design.copyColumn(j, from: start, count: count, into: b)
                if let m = means {
                    let mj = m[j]
                    for i in 0..<count { b[i] -= mj }
                }
            }
            let fresh = buffer + c * count, n32 = Int32(count), a32 = Int32(a)
            let accumulate: Double = start == 0 ? 0 : 1
            cblas_dsyrk(CblasColMajor, CblasUpper, CblasTrans, a32, n32, 1, fresh, n32, accumulate, &square, a32)
            if c > 0 {
                cblas_dgemm(CblasColMajor, CblasTrans, CblasNoTrans, Int32(c), a32, n32, 1, buffer, n32,
                            fresh, n32, accumulate, &cross, Int32(c))
            }
            cblas_dgemv(CblasColMajor, CblasTrans, n32, a32, 1, fresh, n32, target + start, 1, accumulate,
                        &products, 1)
            start += count
        }
        let cap = capacity
        entries.withUnsafeMutableBufferPointer { e in
            for k in 0..<a {
                let slot = c + k
                for t in 0..<c {
                    let v = cross[k * c + t]
                    e[slot * cap + t] = v
                    e[t * cap + slot] = v
                }
                for t in 0...k {
                    let v = square[k * a + t]
                    e[slot * cap + c + t] = v
                    e[(c + t) * cap + slot] = v
                }
            }
        }
        for k in 0..<a {
            slots[added[k]] = c + k
            targetProducts[c + k] = products[k]
        }
        features = columns
    }

    /// Whether every feature is cached.
    var isComplete: Bool { features.count == slots.count }

    /// Caches the whole Gram matrix X_cᵀX_c at once (one dsyrk on X, which runs
    /// about three times faster per multiply-add than the thin products of
    /// `include`) and X_cᵀy_c.
    mutating func includeAll<D: DenseDesign>(design: D, means: UnsafePointer<Double>?, target: UnsafePointer<Double>) {
        let p = slots.count, n = design.rows
        entries = [Double](repeating: 0, count: p * p)
        entries.withUnsafeMutableBufferPointer { design.gram(means: means, into: $0.baseAddress!) }
        targetProducts = [Double](repeating: 0, count: p)
        targetProducts.withUnsafeMutableBufferPointer { design.transposeMultiply(target, vectors: 1, into: $0.baseAddress!) }
        if let m = means {
            var sum = 0.0
            for i in 0..<n { sum += target[i] }
            for j in 0..<p { targetProducts[j] -= m[j] * sum }
        }
        features = Array(0..<p)
        slots = features
        capacity = p
    }

    private mutating func grow(to newCapacity: Int) {
        var bigger = [Double](repeating: 0, count: newCapacity * newCapacity)
        let c = features.count
        for b in 0..<c {
            for a in 0..<c { bigger[b * newCapacity + a] = entries[b * capacity + a] }
        }
        entries = bigger
        targetProducts += [Double](repeating: 0, count: newCapacity - capacity)
        capacity = newCapacity
    }

    /// Q_W (m×m, column-major, in the order of `ws`) and q_W; every feature of
    /// `ws` must be cached.
    func restrict(to ws: [Int], gram out: UnsafeMutablePointer<Double>, targetProducts q: UnsafeMutablePointer<Double>) {
        let m = ws.count
        for (b, jb) in ws.enumerated() {
            let column = slots[jb] * capacity
            for (a, ja) in ws.enumerated() { out[b * m + a] = entries[column + slots[ja]] }
            q[b] = targetProducts[slots[jb]]
        }
    }
}

extension ResidualCoordinateDescent {
    /// Costs in one unit: an entry of X read by a full evaluation (dgemv, about
    /// 0.4 ns on our AVX-512 machine). The dot products and axpys of a residual
    /// epoch and the gathering of columns cost about 1.5 units per entry; the
    /// thin products of `WorkingSetGram.include` (a few dozen columns, n ≫ 1 rows)
    /// about 1/3 unit per multiply-add, and the full dsyrk about 1/8.
    static var epochEntryCost: Double { 1.5 }
    static var thinProductCost: Double { 1.0 / 3 }
    static var fullProductCost: Double { 1.0 / 8 }

    /// A purchase of Gram entries: its price, and whether it is the whole matrix.
    struct GramPurchase {
        var price: Double
        var all: Bool
    }

    /// Whether the subproblem on `ws` may run in Gram form: dense design only
    /// (BLAS 3), n ≥ 4|W| (a Gram epoch must be clearly cheaper than a residual
    /// one), no unpenalized features (their dual constraint needs the projection
    /// of `prepare`, done on explicit vectors), and the Gram form has not
    /// reached its rounding level.
    func gramEligible(_ ws: [Int]) -> Bool {
        gramAllowed && !gramStalled && 4 * ws.count <= n && ws.count <= WorkingSetGram.maxFeatures
            && model.unpenalized.isEmpty && model.design is any DenseDesign
    }

    /// The Gram entries to buy before the next epoch of the subproblem on `ws`,
    /// or nil to run it on the residual (ski rental, at most about twice the cost
    /// of the better choice in hindsight). Those of the working set pay for
    /// themselves through cheaper epochs, so they are bought once the residual
    /// epochs have cost as much as every such purchase so far, this one
    /// included. The whole matrix also saves the full evaluations between
    /// working sets (one Gram subproblem on every feature then suffices), so it
    /// is bought once epochs and evaluations together have cost as much — unless
    /// the evaluations still to come would not repay it: each working set
    /// divides the gap by about 1/`innerGapRatio`, which predicts how many
    /// remain until the tolerance (a purchase just before the end would be the
    /// ski-rental worst case).
    func gramPurchase(_ ws: [Int]) -> GramPurchase? {
        guard gramEligible(ws) else { return nil }
        let cost = WorkingSetGram.cost(of: ws, in: workingSetGram, rows: n)
        if cost.products == 0 { return GramPurchase(price: 0, all: false) }
        switch options.gramPurchases {
        case .priced: break
        case .workingSet: return GramPurchase(price: 0, all: false)
        case .whole: return GramPurchase(price: 0, all: p <= WorkingSetGram.maxFeatures && 4 * p <= n)
        }
        if p <= WorkingSetGram.maxFeatures && 4 * p <= n {
            let nd = Double(n), pd = Double(p)
            let full = nd * pd * (pd + 1) / 2 * Self.fullProductCost
            let goal = options.tolerance * model.yNorm2
            let remaining = goal > 0 && lastFullGap > goal
                ? Glibc.log(lastFullGap / goal) / Glibc.log(1 / Self.innerGapRatio) : 0
            let evaluation = nd * Double(p - excluded.count(where: { $0 }))
            if epochWork + evaluationWork >= gramSpent + full && remaining * evaluation >= full {
                return GramPurchase(price: full, all: true)
            }
        }
        let thin = cost.products * Self.thinProductCost + cost.reads * Self.epochEntryCost
        return epochWork >= gramSpent + thin ? GramPurchase(price: thin, all: false) : nil
    }

    /// Solves the subproblem on `ws` in Gram form (see the top of this file) until
    /// its duality gap is at most `tolerance` (with `isFull`, until the gap is half
    /// the solver's tolerance, which the explicit evaluation that follows then
    /// certifies), the budget runs out or the observer cancels. Anderson
    /// extrapolation of β (Bertrand & Massias 2021) every K + 1 epochs is kept when
    /// it lowers the objective, and the extrapolated point is also a dual candidate
    /// (its residual is the extrapolated residual of Massias, Gramfort & Salmon 2018).
    /// On return β holds the subproblem's iterate and r its explicit residual.
    func solveSubproblemGram(_ ws: [Int], tolerance: Double, isFull: Bool, purchase: GramPurchase) throws {
        guard let design = model.design as? any DenseDesign else { return }
        var cache = workingSetGram ?? WorkingSetGram(features: p)
        workingSetGram = nil   // keeps the cache uniquely referenced while it grows
        let means = model.fitIntercept ? UnsafePointer(model.means.base) : nil
        gramSpent += purchase.price
        if purchase.all {
            cache.includeAll(design: design, means: means, target: model.y.base)
        } else {
            cache.include(ws, design: design, means: means, target: model.y.base)
        }
        let m = ws.count
        let q = DoubleBuffer(m * m), xty = DoubleBuffer(m)
        cache.restrict(to: ws, gram: q.base, targetProducts: xty.base)
        workingSetGram = cache
        usedGram = true
        gapBeforeGramSubproblem = lastGap
        hasInnerBest = false
        hasExtrapolated = false
        hasSpacedExtrapolated = false

        let b = DoubleBuffer(m), g = DoubleBuffer(m)
        let l1 = DoubleBuffer(m), l2 = DoubleBuffer(m), invL = DoubleBuffer(m)
        for (i, j) in ws.enumerated() {
            b[i] = beta[j]
            l1[i] = model.lambda1[j]
            l2[i] = model.lambda2[j]
            let d = q[i * m + i] + l2[i]
            invL[i] = d > 0 ? 1 / d : 0
        }
        // g = q − Qβ (β is 0 off the working set).
        g.base.update(from: xty.base, count: m)
        cblas_dgemv(CblasColMajor, CblasNoTrans, Int32(m), Int32(m), -1, q.base, Int32(m), b.base, 1, 1, g.base, 1)
        let yy = model.yNorm2, positive = model.positive
        let target = isFull ? 0.5 * options.tolerance * yy : tolerance

        /// Primal value, and dual value of the best scaling of the residual, at (β, g).
        func values(_ bv: UnsafePointer<Double>, _ gv: UnsafePointer<Double>) -> (primal: Double, dual: Double) {
            var bq = 0.0, bg = 0.0, penalty = 0.0, aug = 0.0, dualNorm = 0.0
            for i in 0..<m {
                let v = bv[i]
                if v != 0 {
                    bq += v * xty[i]
                    bg += v * gv[i]
                    penalty += l1[i] * abs(v) + 0.5 * l2[i] * v * v
                    aug += l2[i] * v * v
                    if positive && v < 0 { penalty = .infinity }
                }
                let a = gv[i] - l2[i] * v
                let ratio = (positive ? a : abs(a)) / l1[i]
                if ratio > dualNorm { dualNorm = ratio }
            }
            let rr = yy - bq - bg
            let primal = 0.5 * rr + penalty
            let dual = model.bestScaling(dualNorm: dualNorm, yTheta: yy - bq, thetaSquare: max(rr, 0) + aug).value
            return (primal, dual)
        }

        let K = Self.andersonDepth
        let useAnderson = options.useExtrapolation && m >= 2
        let betaHistory = DoubleBuffer(useAnderson ? (K + 1) * m : 0)
        let gradientHistory = DoubleBuffer(useAnderson ? (K + 1) * m : 0)
        let accBeta = DoubleBuffer(m), accG = DoubleBuffer(m)
        var gramK = [Double](repeating: 0, count: K * K)
        var c = [Double](repeating: 0, count: K)
        var stored = 0
        var bestInner = -Double.infinity
        var local = 0
        var lastCheckPrimal = Double.infinity
        defer {
            for (i, j) in ws.enumerated() { beta[j] = b[i] }
            recomputeResidual()
        }
        while true {
            if epochs >= options.maxIterations {
                outOfBudget = true
                return
            }
            let qb = q.base, bb = b.base, gb = g.base, il = invL.base, l1b = l1.base
            for i in 0..<m {
                let old = bb[i]
                let z = gb[i] + qb[i * m + i] * old
                let t = positive ? max(z - l1b[i], 0) * il[i] : softThreshold(z, l1b[i]) * il[i]
                if t != old {
                    denseAxpy(old - t, qb + i * m, gb, m)
                    bb[i] = t
                }
            }
            needsFinishingPass = false
            epochs += 1
            local += 1
            if epochs % options.progressEvery == 0, !progress.observe(epochs, lastFullGap / Double(n)) {
                cancelled = true
                return
            }
            var (primal, dual) = values(b.base, g.base)
            var extrapolatedDual = -Double.infinity
            if useAnderson {
                (betaHistory.base + stored * m).update(from: b.base, count: m)
                (gradientHistory.base + stored * m).update(from: g.base, count: m)
                stored += 1
                if stored == K + 1 {
                    stored = 0
                    let bh = betaHistory.base, gh = gradientHistory.base
                    andersonDifferenceGram(bh, length: m, depth: K, into: &gramK)
                    if andersonWeights(&gramK, K, into: &c) {
                        // g is affine in β, so the same weights extrapolate it.
                        var feasible = true
                        for i in 0..<m {
                            var v = 0.0, w = 0.0
                            for k in 0..<K {
                                v += c[k] * bh[(k + 1) * m + i]
                                w += c[k] * gh[(k + 1) * m + i]
                            }
                            accBeta[i] = v
                            accG[i] = w
                            if (positive && v < 0) || !v.isFinite || !w.isFinite { feasible = false }
                        }
                        if feasible {
                            let acc = values(accBeta.base, accG.base)
                            extrapolatedDual = acc.dual
                            if acc.primal < primal {
                                b.base.update(from: accBeta.base, count: m)
                                g.base.update(from: accG.base, count: m)
                                primal = acc.primal
                                dual = acc.dual
                                needsFinishingPass = true
                            }
                        }
                    }
                }
            }
            // A full subproblem is certified next by the residual of the returned
            // β alone, so only that point's dual value counts for it.
            bestInner = max(bestInner, dual, extrapolatedDual)
            let gap = primal - (isFull ? dual : bestInner)
            if gap <= target || model.converged(gap: gap, primal: primal, tolerance: 0) { return }
            // The formulas above cancel: once the objective stops decreasing over
            // ten epochs at their rounding level, the explicit evaluation takes
            // over (and the following subproblems run on the residual).
            if local % Self.gapFrequency == 0 {
                if lastCheckPrimal - primal <= 1e-14 * yy {
                    gramStalled = true
                    return
                }
                lastCheckPrimal = primal
            }
        }
    }
}
