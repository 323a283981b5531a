/// Proximal Newton subproblems for datafits with a curvature (logistic):
/// each step minimizes the second-order model of F around η,
///     Σᵢ gᵢ(Xδ)ᵢ + ½ Σᵢ hᵢ(Xδ)ᵢ² + Σⱼ pⱼ(βⱼ + δⱼ),
/// by a few coordinate-descent passes over the working set (no exponential in
/// the inner loop: the per-sample model is quadratic), then a backtracking
/// line search on the true objective (Lee, Sun & Saunders 2014; the
/// `ProxNewton` solver of skglm, after glmnet's IRLS-CD).
/// A full step (t = 1) sets each coefficient to the model's last prox
/// output, so its zeros are exact; a damped step (t < 1) is followed by a
/// plain coordinate-descent epoch for the same reason (and the closing CD
/// epoch after every step was a tenth of the time of an n ≫ p fit: n·|ws|
/// exponentials).
extension GLMCoordinateDescent {
    static var newtonInnerPasses: Int { 20 }
    static var lineSearchSteps: Int { 20 }

    /// false when the datafit has no curvature (the caller then runs plain CD).
    func solveSubproblemProxNewton(_ ws: [Int], target: Double) throws -> Bool {
        let h = DoubleBuffer(n), u = DoubleBuffer(n), xd = DoubleBuffer(n), trial = DoubleBuffer(n)
        guard F.curvature(eta.base, into: h.base) else { return false }
        let m = ws.count
        var step = [Double](repeating: 0, count: m)
        var candidate = [Double](repeating: 0, count: m)
        var local = [Double](repeating: 0, count: m)
        try ws.withUnsafeBufferPointer { ws in
            while epochs < options.maxEpochs {
                // The closing CD epoch counts in the budget too.
                if epochs + 1 >= options.maxEpochs {
                    epoch(ws)
                    return
                }
                _ = F.curvature(eta.base, into: h.base)
                for (k, j) in ws.enumerated() { local[k] = X.weightedColumnSquaredNorm(j, h.base) }
                var hSum = 0.0
                for i in 0..<n { hSum += h[i] }
                u.base.update(from: g.base, count: n)
                xd.base.update(repeating: 0, count: n)
                for (k, j) in ws.enumerated() {
                    step[k] = 0
                    candidate[k] = beta[j]
                }
                var interceptStep = 0.0
                // Coordinate descent on the model: u = g + h∘Xδ is its gradient in η.
                for _ in 0..<Self.newtonInnerPasses {
                    var largest = 0.0
                    for (k, j) in ws.enumerated() {
                        let L = local[k]
                        guard L > 0 else { continue }
                        let gj = X.columnDot(j, u.base)
                        let old = candidate[k]
                        let new = P.prox(j, old - gj / L, step: 1 / L)
                        let d = new - old
                        if d != 0 {
                            candidate[k] = new
                            step[k] = new - beta[j]
                            let hb = h.base, ub = u.base, xb = xd.base
                            X.forEachEntry(j) { i, x in
                                ub[i] += d * hb[i] * x
                                xb[i] += d * x
                            }
                            largest = max(largest, L * abs(d))
                        }
                    }
                    if options.fitIntercept && hSum > 0 {
                        var gb = 0.0
                        for i in 0..<n { gb += u[i] }
                        let d = -gb / hSum
                        if d != 0 {
                            interceptStep += d
                            for i in 0..<n {
                                u[i] += d * h[i]
                                xd[i] += d
                            }
                            largest = max(largest, hSum * abs(d))
                        }
                    }
                    epochs += 1
                    if largest <= 0.1 * target || epochs + 1 >= options.maxEpochs { break }
                }
                // Backtracking on the true objective along (δ, δ_b).
                let current = primal()
                var t = 1.0, accepted = false
                for _ in 0..<Self.lineSearchSteps {
                    for i in 0..<n { trial[i] = eta[i] + t * xd[i] }
                    var penaltyPart = 0.0
                    for j in 0..<p { penaltyPart += P.value(j, beta[j]) }
                    for (k, j) in ws.enumerated() where step[k] != 0 {
                        penaltyPart += P.value(j, beta[j] + t * step[k]) - P.value(j, beta[j])
                    }
                    if F.value(trial.base) + penaltyPart <= current {
                        accepted = true
                        break
                    }
                    t /= 2
                }
                if accepted {
                    for (k, j) in ws.enumerated() where step[k] != 0 {
                        beta[j] = t == 1 ? candidate[k] : beta[j] + t * step[k]
                    }
                    if options.fitIntercept { intercept += t * interceptStep }
                    eta.base.update(from: trial.base, count: n)
                    F.gradient(eta.base, into: g.base)
                }
                try progress.checkpoint(epochs, certificate: lastCertificate)
                // After a damped or failed step, a plain CD epoch: exact zeros, and progress.
                if !accepted || t < 1 { epoch(ws) }
                let v = workingSetViolation(ws)
                if v.isNaN {
                    throw NonsmoothError.numericalError("the gradient is not finite: check the scale of X and y")
                }
                if v <= target || !accepted { return }
            }
        }
        return true
    }
}
