/// Hypergradients of θ ↦ C(β̂(θ)) for the Lasso, the elastic net and the weighted
/// Lasso (see Hyperparameters.swift for the math and the references).
///
/// Given the inner solution β̂ (from `solveElasticNet`, or any solver) and the
/// criterion's gradient ∇_β C at β̂, `hypergradient` returns ∂C/∂θ and the
/// diagnostics of the implicit-function conditions:
///
/// 1. the support S = {j : β̂_j ≠ 0} and the equicorrelation set
///    E = S ∪ {j : |x_c,jᵀ r|/n ≥ λ1_j (1 − tol)}, r = y − X_c β̂;
/// 2. whether A_S = X_c,SᵀX_c,S/n + λ2 I and A_E are numerically invertible;
/// 3. the fallback: none; `strictSupport` when A_E is singular but A_S is not;
///    `ridge` (A_S + εI) when A_S itself is singular. Never a silent zero: a
///    failed solve throws `numericalError`, a non-finite result too.
///
/// The system is always solved on the strict support S. Cost: one pass over X for
/// the correlations, then work on the columns of S only (never a p×p system).
public func hypergradient<X: DesignMatrix>(
    design: X, target: UnsafeBufferPointer<Double>, columnMeans: [Double]? = nil,
    coefficients beta: [Double], criterionGradient: [Double], penalty: InnerPenalty,
    options: HypergradientOptions = HypergradientOptions(), warmJacobian: SupportJacobian? = nil,
    progress: ProgressObserver = .silent
) throws -> HypergradientResult {
    switch design {
    case let d as DenseColumnMajor:
        return try HypergradientComputation(d, target, columnMeans, beta, criterionGradient, penalty, options,
                                            progress).run(warmJacobian)
    case let s as SparseCSC:
        return try HypergradientComputation(s, target, columnMeans, beta, criterionGradient, penalty, options,
                                            progress).run(warmJacobian)
    default:
        return try HypergradientComputation(design, target, columnMeans, beta, criterionGradient, penalty, options,
                                            progress).run(warmJacobian)
    }
}

/// Array convenience for Swift callers: `x` column-major n×p.
public func hypergradient(
    columnMajor x: [Double], rows: Int, columns: Int, target y: [Double], columnMeans: [Double]? = nil,
    coefficients beta: [Double], criterionGradient: [Double], penalty: InnerPenalty,
    options: HypergradientOptions = HypergradientOptions(), warmJacobian: SupportJacobian? = nil
) throws -> HypergradientResult {
    try require(rows > 0 && columns > 0 && rows.multipliedReportingOverflow(by: columns).overflow == false
                && rows * columns == x.count, "x", "has \(x.count) entries, expected \(rows)×\(columns)")
    return try x.withUnsafeBufferPointer { xb in
        guard let base = xb.baseAddress else { throw NonsmoothError.invalidArgument(name: "x", reason: "is empty") }
        let design = try DenseColumnMajor(base: base, rows: rows, columns: columns, leadingDimension: rows)
        return try y.withUnsafeBufferPointer { yb in
            try hypergradient(design: design, target: yb, columnMeans: columnMeans, coefficients: beta,
                              criterionGradient: criterionGradient, penalty: penalty, options: options,
                              warmJacobian: warmJacobian)
        }
    }
}

/// One hypergradient evaluation: validated inputs, the shared diagnosis, and the
/// four methods.
struct HypergradientComputation<X: DesignMatrix> {
    let columns: CentredColumns<X>
    let y: UnsafeBufferPointer<Double>
    let beta: [Double]
    let g: [Double]
    let penalty: InnerPenalty
    let options: HypergradientOptions
    let progress: ProgressObserver
    let n: Int
    let p: Int
    /// The support S and the signs of β̂ on it.
    let support: [Int]
    let signs: [Double]

    init(_ design: X, _ y: UnsafeBufferPointer<Double>, _ means: [Double]?, _ beta: [Double], _ g: [Double],
         _ penalty: InnerPenalty, _ options: HypergradientOptions, _ progress: ProgressObserver) throws {
        n = design.rows
        p = design.columns
        try require(n > 0 && p > 0, "X", "must have at least one row and one column, got (\(n), \(p))")
        try options.validate()
        try require(y.count == n, "y", "has \(y.count) entries, expected \(n)")
        for i in 0..<n where !y[i].isFinite {
            throw NonsmoothError.invalidArgument(name: "y", reason: "must be finite, entry \(i) is \(y[i])")
        }
        if let m = means {
            try require(m.count == p, "means", "has \(m.count) entries, expected \(p)")
            try requireFinite(m, "means")
        }
        try require(beta.count == p, "beta", "has \(beta.count) entries, expected \(p)")
        try requireFinite(beta, "beta")
        try require(g.count == p, "criterion_gradient", "has \(g.count) entries, expected \(p)")
        try requireFinite(g, "criterion_gradient")
        try require(penalty.l1.count == p, "l1", "has \(penalty.l1.count) entries, expected \(p)")
        columns = CentredColumns(design, means: means)
        self.y = y
        self.beta = beta
        self.g = g
        self.penalty = penalty
        self.options = options
        self.progress = progress
        var s: [Int] = [], signs: [Double] = []
        for j in 0..<p where beta[j] != 0 {
            s.append(j)
            signs.append(beta[j] > 0 ? 1 : -1)
        }
        support = s
        self.signs = signs
        if options.method == .forward || options.method == .reverse {
            try columns.prepareAll()
        } else {
            try columns.prepare(s)
        }
        if penalty.model == .weightedLasso && options.method == .implicitForward {
            let (jsize, joverflow) = s.count.multipliedReportingOverflow(by: s.count)
            let (dsize, doverflow) = n.multipliedReportingOverflow(by: s.count)
            try require(!joverflow && jsize <= 1 << 26 && !doverflow && dsize <= 1 << 26, "method",
                        "implicit_forward for the weighted Lasso carries |S|×|S| and n×|S| matrices "
                        + "(|S| = \(s.count), n = \(n)); use implicit")
        }
        if options.method == .reverse {
            try require(p <= Int(Int32.max), "method", "reverse mode supports at most \(Int32.max) features")
        }
        if penalty.model == .weightedLasso && options.method == .forward {
            let (size, overflow) = p.multipliedReportingOverflow(by: p)
            let (dsize, doverflow) = n.multipliedReportingOverflow(by: p)
            try require(!overflow && size <= 1 << 24 && !doverflow && dsize <= 1 << 26, "method",
                        "forward mode for the weighted Lasso carries a p×p Jacobian (p = \(p)); "
                        + "use implicit, implicit_forward or reverse")
        }
    }

    var hyperparameterCount: Int { penalty.hyperparameterCount(features: p) }

    func run(_ warm: SupportJacobian?) throws -> HypergradientResult {
        var diagnostics = HypergradientDiagnostics()
        diagnostics.supportSize = support.count
        let k = support.count

        // Residual r = y − X_c β̂ (stored uncentred: y − Xβ̂, see CentredColumns) and all correlations.
        var r = Array(y)
        var rsum = r.reduce(0, +)
        r.withUnsafeMutableBufferPointer { rb in
            guard let base = rb.baseAddress else { return }
            for j in support { columns.axpy(j, -beta[j], base, sum: &rsum) }
        }
        let correlation = r.withUnsafeBufferPointer { rb -> [Double] in
            guard let base = rb.baseAddress else { return [] }
            return columns.allCorrelations(base, sum: rsum)
        }
        for j in 0..<p where !correlation[j].isFinite {
            throw NonsmoothError.invalidArgument(
                name: "X", reason: "contains NaN or infinity (column \(j) has a non-finite correlation with the residual)")
        }
        let l1 = penalty.l1, l2 = penalty.l2
        let l1Scale = max(l1.max() ?? 0, 0)
        var kkt = 0.0
        for (a, j) in support.enumerated() {
            let violation = abs(correlation[j] - l2 * beta[j] - l1[j] * signs[a])
            kkt = max(kkt, violation / max(l1[j], 1e-12 * l1Scale, 1e-300))
        }
        diagnostics.kktViolation = kkt
        var equicorrelation = support
        for j in 0..<p where beta[j] == 0 && abs(correlation[j]) >= l1[j] * (1 - options.equicorrelationTolerance) {
            equicorrelation.append(j)
        }
        equicorrelation.sort()
        diagnostics.equicorrelationSize = equicorrelation.count
        try columns.prepare(equicorrelation)

        // Diagnosis of A_S (for the implicit method on large supports, CG on ∇C_S is the solve itself).
        let gS = support.map { g[$0] }
        let onSupport = try analyzeSet(columns, support, l2: l2, options: options,
                                       rhs: options.method == .implicit ? gS : nil, progress: progress)
        diagnostics.invertibleOnSupport = onSupport.invertible
        diagnostics.rcondSupport = onSupport.rcond
        if equicorrelation.count > k {
            let onE = try analyzeSet(columns, equicorrelation, l2: l2, options: options, rhs: nil, progress: progress)
            diagnostics.invertibleOnEquicorrelation = onE.invertible
            diagnostics.rcondEquicorrelation = onE.rcond
        } else {
            diagnostics.invertibleOnEquicorrelation = onSupport.invertible
            diagnostics.rcondEquicorrelation = onSupport.rcond
        }
        if diagnostics.invertibleOnEquicorrelation == true {
            diagnostics.fallback = .none
        } else if onSupport.invertible {
            diagnostics.fallback = .strictSupport
        } else {
            diagnostics.fallback = .ridge
            let meanDiagonal = support.reduce(0) { $0 + columns.lipschitz[$1] + l2 } / Double(max(k, 1))
            diagnostics.ridge = options.ridgeScale * (meanDiagonal > 0 ? meanDiagonal : 1)
        }

        var result: HypergradientResult
        switch options.method {
        case .implicit:
            result = try implicit(gS, onSupport, &diagnostics)
        case .implicitForward:
            result = try implicitForward(gS, warm, &diagnostics)
        case .forward:
            result = try unrolledForward(&diagnostics)
        case .reverse:
            result = try unrolledReverse(&diagnostics)
        }
        for (i, v) in result.gradient.enumerated() where !v.isFinite {
            throw NonsmoothError.numericalError(
                "hypergradient entry \(i) is \(v): the linear system on the support (size \(k), reciprocal "
                + "condition estimate \(diagnostics.rcondSupport)) could not be solved reliably")
        }
        result.diagnostics = diagnostics
        return result
    }

    // MARK: Reductions between the support system and θ

    /// The columns of B (|S| × q, row-major) with A ∂β̂_S/∂θ = −B.
    func rightHandSides() -> (values: [Double], columns: Int) {
        let k = support.count
        switch penalty.model {
        case .lasso:
            return (support.enumerated().map { penalty.l1[$0.element] * signs[$0.offset] }, 1)
        case .elasticNet:
            var b = [Double](repeating: 0, count: 2 * k)
            for (a, j) in support.enumerated() {
                b[2 * a] = penalty.l1[j] * signs[a]
                b[2 * a + 1] = penalty.l2 * beta[j]
            }
            return (b, 2)
        case .weightedLasso:
            var b = [Double](repeating: 0, count: k * k)
            for (a, j) in support.enumerated() { b[a * k + a] = penalty.l1[j] * signs[a] }
            return (b, k)
        }
    }

    /// ∂C/∂θ = −Bᵀ v from the adjoint v = A⁻¹ ∇C_S.
    func gradientFromAdjoint(_ v: [Double]) -> [Double] {
        switch penalty.model {
        case .lasso:
            var s = 0.0
            for (a, j) in support.enumerated() { s -= penalty.l1[j] * signs[a] * v[a] }
            return [s]
        case .elasticNet:
            var s1 = 0.0, s2 = 0.0
            for (a, j) in support.enumerated() {
                s1 -= penalty.l1[j] * signs[a] * v[a]
                s2 -= penalty.l2 * beta[j] * v[a]
            }
            return [s1, s2]
        case .weightedLasso:
            var out = [Double](repeating: 0, count: p)
            for (a, j) in support.enumerated() { out[j] = -penalty.l1[j] * signs[a] * v[a] }
            return out
        }
    }

    // MARK: Implicit: one adjoint solve on the support

    func implicit(_ gS: [Double], _ analysis: SetAnalysis, _ d: inout HypergradientDiagnostics) throws
        -> HypergradientResult {
        let k = support.count
        guard k > 0 else { return HypergradientResult(gradient: gradientFromAdjoint([]), diagnostics: d) }
        let v: [Double]
        if d.fallback != .ridge, let chol = analysis.cholesky {
            guard let x = chol.solve(gS) else {
                throw NonsmoothError.numericalError("the Cholesky solve on the support (size \(k)) failed")
            }
            d.solver = .cholesky
            d.residual = chol.relativeResidual(x, gS)
            v = x
        } else if d.fallback != .ridge, let cg = analysis.conjugateGradient {
            d.solver = .conjugateGradient
            d.iterations = cg.iterations
            d.residual = cg.relativeResidual
            d.converged = cg.converged
            v = cg.solution
        } else {
            let system = SupportSystem(columns: columns, features: support, diagonalShift: penalty.l2 + d.ridge)
            if k <= options.choleskyMaxSize, let a = system.dense() {
                guard let chol = DenseCholesky(a, k: k), let x = chol.solve(gS) else {
                    throw NonsmoothError.numericalError(
                        "the system on the support (size \(k)) is singular and stays so with the ridge "
                        + "ε = \(d.ridge) added; the hypergradient is not defined here")
                }
                d.solver = .cholesky
                d.residual = chol.relativeResidual(x, gS)
                v = x
            } else {
                let cg = try conjugateGradient(system, gS, tolerance: options.tolerance,
                                               maxIterations: options.maxIterations, progress: progress)
                d.solver = .conjugateGradient
                d.iterations = cg.iterations
                d.residual = cg.relativeResidual
                d.converged = cg.converged
                v = cg.solution
            }
        }
        return HypergradientResult(gradient: gradientFromAdjoint(v), diagnostics: d)
    }

    // MARK: Implicit forward: Gauss–Seidel iterations of the Jacobian on the support

    /// Bertrand et al. (ICML 2020), Algorithm "implicit forward": with β̂ fixed, the
    /// forward-mode coordinate descent updates of the Jacobian restricted to S,
    ///
    ///     J_a ← J_a − (x_c,jᵀ X_c,S J / n + (λ2 + ε) J_a + B_a) / (L_j + λ2 + ε),  j = S_a,
    ///
    /// are Gauss–Seidel sweeps on A J = −B; they converge linearly when A is
    /// positive definite, from the Jacobian of the previous outer step (rows
    /// matched by feature) when one is given.
    func implicitForward(_ gS: [Double], _ warm: SupportJacobian?, _ d: inout HypergradientDiagnostics) throws
        -> HypergradientResult {
        let k = support.count
        let (b, q) = rightHandSides()
        var jac = [Double](repeating: 0, count: k * q)
        d.solver = .forwardIterations
        guard k > 0 else {
            return HypergradientResult(gradient: gradientFromAdjoint([]), diagnostics: d,
                                       jacobian: try SupportJacobian(support: [], columns: q, values: []))
        }
        let weighted = penalty.model == .weightedLasso
        if let w = warm {
            var position = [Int: Int]()
            for (a, j) in support.enumerated() { position[j] = a }
            let expected = weighted ? w.support.count : q
            try require(w.columns == expected, "warm_jacobian",
                        "has \(w.columns) columns, expected \(expected) for this model")
            let (count, overflow) = w.support.count.multipliedReportingOverflow(by: w.columns)
            try require(!overflow && count == w.values.count, "warm_jacobian",
                        "has \(w.values.count) entries, expected \(w.support.count)×\(w.columns)")
            for (a0, j) in w.support.enumerated() {
                try require(j >= 0 && j < p, "warm_support", "entry \(a0) is \(j), outside [0, \(p))")
                guard let a = position[j] else { continue }
                if weighted {
                    for (c0, jc) in w.support.enumerated() {
                        if let c = position[jc] { jac[a * q + c] = w.values[a0 * w.columns + c0] }
                    }
                } else {
                    for c in 0..<q { jac[a * q + c] = w.values[a0 * q + c] }
                }
            }
            for v in jac where !v.isFinite {
                throw NonsmoothError.invalidArgument(name: "warm_jacobian", reason: "must be finite")
            }
        }
        let shift = penalty.l2 + d.ridge
        if d.fallback == .ridge, k <= options.choleskyMaxSize,
           let a = SupportSystem(columns: columns, features: support, diagonalShift: shift).dense(),
           let chol = DenseCholesky(a, k: k) {
            // Gauss–Seidel would crawl along the near-null direction (rate 1 − O(ε)):
            // solve the ridge system directly, −B column by column (B is row-major k × q).
            var minusB = [Double](repeating: 0, count: k * q)
            for a in 0..<k { for c in 0..<q { minusB[c * k + a] = -b[a * q + c] } }
            guard let x = chol.solve(minusB, columns: q) else {
                throw NonsmoothError.numericalError("the ridge-regularized system on the support (size \(k)) failed")
            }
            for a in 0..<k { for c in 0..<q { jac[a * q + c] = x[c * k + a] } }
            d.solver = .cholesky
            d.iterations = 0
            d.residual = 0
            return HypergradientResult(gradient: gradientFromJacobian(jac, gS, q), diagnostics: d,
                                       jacobian: try SupportJacobian(support: support, columns: q, values: jac))
        }
        // D = X_c,S J, column c at dv[c·n ..< (c+1)·n], stored uncentred with sums.
        var dv = [Double](repeating: 0, count: n * q)
        var dsum = [Double](repeating: 0, count: q)
        var column = [Double](repeating: 0, count: q)
        var sweeps = 0, change = Double.infinity
        var converged = false
        try dv.withUnsafeMutableBufferPointer { dbuf in
            guard let dbase = dbuf.baseAddress else { return }
            for a in 0..<k {
                for c in 0..<q where jac[a * q + c] != 0 {
                    columns.axpy(support[a], jac[a * q + c], dbase + c * n, sum: &dsum[c])
                }
            }
            while sweeps < options.maxIterations {
                var largestChange = 0.0, largest = 0.0
                for (a, j) in support.enumerated() {
                    let diagonal = columns.lipschitz[j] + shift
                    guard diagonal > 0 else { continue }
                    for c in 0..<q {
                        column[c] = columns.dot(j, UnsafePointer(dbase + c * n), sum: dsum[c]) / Double(n)
                    }
                    for c in 0..<q {
                        let old = jac[a * q + c]
                        let new = old - (column[c] + shift * old + b[a * q + c]) / diagonal
                        let delta = new - old
                        if delta != 0 {
                            jac[a * q + c] = new
                            columns.axpy(j, delta, dbase + c * n, sum: &dsum[c])
                        }
                        largestChange = max(largestChange, abs(delta))
                        largest = max(largest, abs(new))
                    }
                }
                sweeps += 1
                change = largest > 0 ? largestChange / largest : largestChange
                guard change.isFinite else { break }
                try progress.checkpoint(sweeps, certificate: change)
                if change <= options.tolerance {
                    converged = true
                    break
                }
            }
        }
        d.iterations = sweeps
        d.residual = change
        d.converged = converged
        return HypergradientResult(gradient: gradientFromJacobian(jac, gS, q), diagnostics: d,
                                   jacobian: try SupportJacobian(support: support, columns: q, values: jac))
    }

    /// ∂C/∂θ = ∇C_Sᵀ J for the support Jacobian J (k × q, row-major).
    func gradientFromJacobian(_ jac: [Double], _ gS: [Double], _ q: Int) -> [Double] {
        let k = support.count
        var gradient: [Double]
        switch penalty.model {
        case .lasso, .elasticNet:
            gradient = [Double](repeating: 0, count: q)
            for a in 0..<k { for c in 0..<q { gradient[c] += gS[a] * jac[a * q + c] } }
        case .weightedLasso:
            gradient = [Double](repeating: 0, count: p)
            for (c, jc) in support.enumerated() {
                var s = 0.0
                for a in 0..<k { s += gS[a] * jac[a * q + c] }
                gradient[jc] = s
            }
        }
        return gradient
    }
}
