/// Differentiation through the iterations of cyclic coordinate descent run from
/// β = 0 ("forward" and "reverse" hypergradient methods; Bertrand et al., JMLR 2022,
/// Section 3; the iterative differentiation they compare implicit methods with).
///
/// One coordinate update, with L_j = ‖x_c,j‖²/n and c_j = x_c,jᵀ r / n:
///
///     u_j = L_j β_j + c_j,     β_j ← sign(u_j) max(|u_j| − λ1_j, 0) / (L_j + λ2).
///
/// When the update is active (|u_j| > λ1_j) its derivatives are
///
///     ∂β_j'/∂β_k = −x_c,jᵀ x_c,k / (n (L_j + λ2))   (k ≠ j; 0 for k = j),
///     ∂β_j'/∂log λ1_j = −s_j λ1_j / (L_j + λ2),    ∂β_j'/∂log λ2 = −β_j' λ2 / (L_j + λ2),
///
/// and all are zero when it is inactive. Forward mode carries ∂β/∂θ (p × q) along
/// the iterations; reverse mode stores the active updates (index and new value:
/// the iterates restricted to their supports) and runs the adjoint backwards. The
/// adjoint β̄ is kept lazily as β̄_k = b_k − x_c,kᵀ w with one vector w ∈ ℝⁿ, so an
/// update costs one column, as in the forward sweep.
///
/// Both methods use the given ∇_β C (evaluated at the given β̂) as the gradient at
/// their last iterate; `iterateDistance` reports ‖β_K − β̂‖∞ so a mismatch is visible.
/// They stop when the largest change of β over an epoch (and, in forward mode, of
/// the Jacobian) is at most `tolerance` relative to the largest entry.
extension HypergradientComputation {
    /// The largest number of active updates reverse mode stores (2²⁵, 384 MiB).
    static var reverseStorageLimit: Int { 1 << 25 }

    func unrolledForward(_ d: inout HypergradientDiagnostics) throws -> HypergradientResult {
        let q = hyperparameterCount
        let l1 = penalty.l1, l2 = penalty.l2, lip = columns.lipschitz
        var b = [Double](repeating: 0, count: p)
        var jac = [Double](repeating: 0, count: p * q)          // row-major p × q
        var r = Array(y)
        var rsum = r.reduce(0, +)
        var dv = [Double](repeating: 0, count: n * q)           // D = X_c J, column-major n × q
        var dsum = [Double](repeating: 0, count: q)
        var newRow = [Double](repeating: 0, count: q)
        var epochs = 0, converged = false, change = Double.infinity
        let nd = Double(n)
        try r.withUnsafeMutableBufferPointer { rbuf in
            try dv.withUnsafeMutableBufferPointer { dbuf in
                guard let rp = rbuf.baseAddress, let dp = dbuf.baseAddress else { return }
                while epochs < options.maxIterations {
                    var maxStep = 0.0, maxBeta = 0.0, maxJacStep = 0.0, maxJac = 0.0
                    for j in 0..<p {
                        let denominator = lip[j] + l2
                        guard denominator > 0 else { continue }
                        let u = lip[j] * b[j] + columns.dot(j, UnsafePointer(rp), sum: rsum) / nd
                        let excess = abs(u) - l1[j]
                        let newBeta = excess > 0 ? (u > 0 ? excess : -excess) / denominator : 0
                        if newBeta != 0 {
                            let s: Double = newBeta > 0 ? 1 : -1
                            for c in 0..<q {
                                let cross = columns.dot(j, UnsafePointer(dp + c * n), sum: dsum[c]) / nd
                                var partial = 0.0
                                switch penalty.model {
                                case .lasso: partial = s * l1[j]
                                case .elasticNet: partial = c == 0 ? s * l1[j] : newBeta * l2
                                case .weightedLasso: partial = c == j ? s * l1[j] : 0
                                }
                                newRow[c] = (lip[j] * jac[j * q + c] - cross - partial) / denominator
                            }
                        } else {
                            for c in 0..<q { newRow[c] = 0 }
                        }
                        let step = newBeta - b[j]
                        if step != 0 {
                            columns.axpy(j, -step, rp, sum: &rsum)
                            b[j] = newBeta
                        }
                        maxStep = max(maxStep, abs(step))
                        maxBeta = max(maxBeta, abs(newBeta))
                        for c in 0..<q {
                            let delta = newRow[c] - jac[j * q + c]
                            if delta != 0 {
                                columns.axpy(j, delta, dp + c * n, sum: &dsum[c])
                                jac[j * q + c] = newRow[c]
                            }
                            maxJacStep = max(maxJacStep, abs(delta))
                            maxJac = max(maxJac, abs(newRow[c]))
                        }
                    }
                    epochs += 1
                    let betaChange = maxBeta > 0 ? maxStep / maxBeta : maxStep
                    let jacobianChange = maxJac > 0 ? maxJacStep / maxJac : maxJacStep
                    change = max(betaChange, jacobianChange)
                    guard change.isFinite else { break }
                    try progress.checkpoint(epochs, certificate: change)
                    if change <= options.tolerance {
                        converged = true
                        break
                    }
                }
            }
        }
        d.solver = .unrolledIterations
        d.fallback = .none
        d.ridge = 0
        d.iterations = epochs
        d.residual = change
        d.converged = converged
        d.iterateDistance = zip(b, beta).reduce(0) { max($0, abs($1.0 - $1.1)) }
        var gradient = [Double](repeating: 0, count: q)
        for j in 0..<p where g[j] != 0 {
            for c in 0..<q { gradient[c] += g[j] * jac[j * q + c] }
        }
        return HypergradientResult(gradient: gradient, diagnostics: d)
    }

    func unrolledReverse(_ d: inout HypergradientDiagnostics) throws -> HypergradientResult {
        let q = hyperparameterCount
        let l1 = penalty.l1, l2 = penalty.l2, lip = columns.lipschitz
        let nd = Double(n)
        // Forward sweep, storing the active updates of every epoch.
        var b = [Double](repeating: 0, count: p)
        var r = Array(y)
        var rsum = r.reduce(0, +)
        var updateIndex: [Int32] = [], updateValue: [Double] = []
        var epochStart: [Int] = [0]
        var firstActive = [Int](repeating: Int.max, count: p)
        var epochs = 0, converged = false, change = Double.infinity
        let limit = Self.reverseStorageLimit
        try r.withUnsafeMutableBufferPointer { rbuf in
            guard let rp = rbuf.baseAddress else { return }
            while epochs < options.maxIterations {
                var maxStep = 0.0, maxBeta = 0.0
                for j in 0..<p {
                    let denominator = lip[j] + l2
                    guard denominator > 0 else { continue }
                    let u = lip[j] * b[j] + columns.dot(j, UnsafePointer(rp), sum: rsum) / nd
                    let excess = abs(u) - l1[j]
                    let newBeta = excess > 0 ? (u > 0 ? excess : -excess) / denominator : 0
                    if newBeta != 0 {
                        guard updateIndex.count < limit else {
                            throw NonsmoothError.invalidArgument(
                                name: "method", reason: "reverse mode would store more than \(limit) coordinate "
                                + "updates (\(epochs) epochs so far); use implicit or implicit_forward, or a "
                                + "larger tol")
                        }
                        updateIndex.append(Int32(truncatingIfNeeded: j))
                        updateValue.append(newBeta)
                        if firstActive[j] == Int.max { firstActive[j] = epochs }
                    }
                    let step = newBeta - b[j]
                    if step != 0 {
                        columns.axpy(j, -step, rp, sum: &rsum)
                        b[j] = newBeta
                    }
                    maxStep = max(maxStep, abs(step))
                    maxBeta = max(maxBeta, abs(newBeta))
                }
                epochs += 1
                epochStart.append(updateIndex.count)
                change = maxBeta > 0 ? maxStep / maxBeta : maxStep
                guard change.isFinite else { break }
                try progress.checkpoint(epochs, certificate: change)
                if change <= options.tolerance {
                    converged = true
                    break
                }
            }
        }
        // Reverse sweep: β̄_k = stored_k − x_c,kᵀ w.
        var stored = g
        var w = [Double](repeating: 0, count: n)
        var wsum = 0.0
        var gradient = [Double](repeating: 0, count: q)
        try w.withUnsafeMutableBufferPointer { wbuf in
            guard let wp = wbuf.baseAddress else { return }
            var e = epochs - 1
            while e >= 0 {
                var cursor = epochStart[e + 1]
                let first = epochStart[e]
                var j = p - 1
                while j >= 0 {
                    defer { j -= 1 }
                    let denominator = lip[j] + l2
                    guard denominator > 0 else { continue }
                    if cursor > first && Int(updateIndex[cursor - 1]) == j {
                        cursor -= 1
                        let value = updateValue[cursor]
                        let crossOld = columns.dot(j, UnsafePointer(wp), sum: wsum)
                        let adjoint = stored[j] - crossOld
                        let s: Double = value > 0 ? 1 : -1
                        switch penalty.model {
                        case .lasso:
                            gradient[0] -= adjoint * s * l1[j] / denominator
                        case .elasticNet:
                            gradient[0] -= adjoint * s * l1[j] / denominator
                            gradient[1] -= adjoint * value * l2 / denominator
                        case .weightedLasso:
                            gradient[j] -= adjoint * s * l1[j] / denominator
                        }
                        let coefficient = adjoint / (nd * denominator)
                        if coefficient != 0 { columns.axpy(j, coefficient, wp, sum: &wsum) }
                        // The old β_j only entered through u_j, where its derivative cancels: β̄_j = 0.
                        stored[j] = crossOld + coefficient * nd * lip[j]
                    } else if firstActive[j] < e {
                        // Inactive update: β̄_j = 0 (read again at an earlier active update of j).
                        stored[j] = columns.dot(j, UnsafePointer(wp), sum: wsum)
                    }
                }
                try progress.checkpoint(epochs - e, certificate: change)
                e -= 1
            }
        }
        d.solver = .unrolledIterations
        d.fallback = .none
        d.ridge = 0
        d.iterations = epochs
        d.residual = change
        d.converged = converged
        d.iterateDistance = zip(b, beta).reduce(0) { max($0, abs($1.0 - $1.1)) }
        return HypergradientResult(gradient: gradient, diagnostics: d)
    }
}
