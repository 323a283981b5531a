import Nonsmooth

/// Number of entries of the diagnostics array of ns_bilevel_hypergradient_*;
/// keep in sync with nonsmooth.h (NS_HG_DIAGNOSTICS and the index list there).
let NS_HG_DIAGNOSTICS: Int = 14

func writeDiagnostics(_ d: HypergradientDiagnostics, _ out: UnsafeMutablePointer<Double>) {
    out[0] = Double(d.supportSize)
    out[1] = Double(d.equicorrelationSize)
    out[2] = d.invertibleOnSupport ? 1 : 0
    out[3] = d.invertibleOnEquicorrelation.map { $0 ? 1 : 0 } ?? -1
    out[4] = d.rcondSupport
    out[5] = d.rcondEquicorrelation
    out[6] = Double(d.fallback.rawValue)
    out[7] = d.ridge
    out[8] = Double(d.solver.rawValue)
    out[9] = Double(d.iterations)
    out[10] = d.residual
    out[11] = d.kktViolation
    out[12] = d.iterateDistance
    out[13] = d.converged ? 1 : 0
}

/// Shared body of the dense and CSC entry points.
func bilevelHypergradient<X: DesignMatrix>(
    _ design: X, _ y: UnsafePointer<Double>?, _ means: UnsafePointer<Double>?,
    _ beta: UnsafePointer<Double>?, _ criterionGradient: UnsafePointer<Double>?,
    _ l1: UnsafePointer<Double>?, _ l2: Double, _ model: Int32, _ method: Int32,
    _ tol: Double, _ maxIter: Int64, _ equicorrelationTol: Double, _ rcondThreshold: Double,
    _ choleskyMax: Int64, _ ridgeScale: Double,
    _ warmSupport: UnsafePointer<Int64>?, _ warmCount: Int64, _ warmJacobian: UnsafePointer<Double>?,
    _ hypergradientOut: UnsafeMutablePointer<Double>?, _ jacobianOut: UnsafeMutablePointer<Double>?,
    _ jacobianCapacity: Int64, _ diagnosticsOut: UnsafeMutablePointer<Double>?,
    _ callback: ProgressCallback?, _ context: UnsafeMutableRawPointer?, _ every: Int64
) throws {
    let n = design.rows, p = design.columns
    try require(n > 0 && p > 0, "X", "must have at least one row and one column, got (\(n), \(p))")
    guard let kind = HyperparameterModel(rawValue: model) else {
        throw invalid("model", "must be 0 (Lasso), 1 (elastic net) or 2 (weighted Lasso), got \(model)")
    }
    guard let how = HypergradientMethod(rawValue: method) else {
        throw invalid("method", "must be 0 (implicit), 1 (implicit forward), 2 (forward) or 3 (reverse), got \(method)")
    }
    try require(maxIter >= 1, "max_iter", "must be at least 1, got \(maxIter)")
    try require(choleskyMax >= 0 && choleskyMax <= 4096, "cholesky_max",
                "must lie in [0, 4096] (larger supports are solved by conjugate gradient), got \(choleskyMax)")
    let out = try nonNull(hypergradientOut, "hypergradient")
    let y = UnsafeBufferPointer(start: try nonNull(y, "y"), count: n)
    let b = Array(UnsafeBufferPointer(start: try nonNull(beta, "beta"), count: p))
    let g = Array(UnsafeBufferPointer(start: try nonNull(criterionGradient, "criterion_gradient"), count: p))
    let strengths = Array(UnsafeBufferPointer(start: try nonNull(l1, "l1"), count: p))
    let m = means.map { Array(UnsafeBufferPointer(start: $0, count: p)) }
    let penalty = try InnerPenalty(l1: strengths, l2: l2, model: kind)
    let options = HypergradientOptions(
        method: how, tolerance: tol, maxIterations: Int(clamping: maxIter),
        equicorrelationTolerance: equicorrelationTol, rcondThreshold: rcondThreshold,
        choleskyMaxSize: Int(choleskyMax), ridgeScale: ridgeScale)
    var warm: SupportJacobian? = nil
    if warmCount != 0 {
        try require(warmCount > 0 && warmCount <= Int64(p), "warm_count", "must lie in [0, \(p)], got \(warmCount)")
        let support = Array(UnsafeBufferPointer(start: try nonNull(warmSupport, "warm_support"), count: Int(warmCount)))
        var previous = -1
        for (i, j) in support.enumerated() {
            try require(j >= 0 && j < Int64(p) && j > previous, "warm_support",
                        "must be increasing feature indices in [0, \(p)), entry \(i) is \(j)")
            previous = Int(j)
        }
        let columns = kind == .lasso ? 1 : kind == .elasticNet ? 2 : Int(warmCount)
        let (count, overflow) = Int(warmCount).multipliedReportingOverflow(by: columns)
        try require(!overflow, "warm_count", "is too large (\(warmCount))")
        let values = Array(UnsafeBufferPointer(start: try nonNull(warmJacobian, "warm_jacobian"), count: count))
        warm = try SupportJacobian(support: support.map { Int($0) }, columns: columns, values: values)
    }
    let result = try hypergradient(
        design: design, target: y, columnMeans: m, coefficients: b, criterionGradient: g, penalty: penalty,
        options: options, warmJacobian: warm, progress: observer(callback, context, every: every))
    for (i, v) in result.gradient.enumerated() { out[i] = v }
    if let d = diagnosticsOut { writeDiagnostics(result.diagnostics, d) }
    if let jac = result.jacobian, let target = jacobianOut {
        try require(Int64(jac.values.count) <= jacobianCapacity, "jacobian",
                    "needs \(jac.values.count) entries (|support| × columns), has room for \(jacobianCapacity)")
        for (i, v) in jac.values.enumerated() { target[i] = v }
    }
    if !result.diagnostics.converged {
        throw NonsmoothError.notConverged(
            "the hypergradient's iterative method stopped after \(result.diagnostics.iterations) iterations with "
            + "relative change/residual \(result.diagnostics.residual) > tol \(tol)")
    }
}

@_cdecl("ns_bilevel_hypergradient_dense")
public func ns_bilevel_hypergradient_dense(
    _ x: UnsafePointer<Double>?, _ rows: Int64, _ columns: Int64, _ rowStride: Int64, _ columnStride: Int64,
    _ y: UnsafePointer<Double>?, _ means: UnsafePointer<Double>?,
    _ beta: UnsafePointer<Double>?, _ criterionGradient: UnsafePointer<Double>?,
    _ l1: UnsafePointer<Double>?, _ l2: Double, _ model: Int32, _ method: Int32,
    _ tol: Double, _ maxIter: Int64, _ equicorrelationTol: Double, _ rcondThreshold: Double,
    _ choleskyMax: Int64, _ ridgeScale: Double,
    _ warmSupport: UnsafePointer<Int64>?, _ warmCount: Int64, _ warmJacobian: UnsafePointer<Double>?,
    _ hypergradientOut: UnsafeMutablePointer<Double>?, _ jacobianOut: UnsafeMutablePointer<Double>?,
    _ jacobianCapacity: Int64, _ diagnosticsOut: UnsafeMutablePointer<Double>?,
    _ callback: ProgressCallback?, _ context: UnsafeMutableRawPointer?, _ every: Int64
) -> Int32 {
    guarded {
        // X is not scanned for NaN/inf up front (O(np) per call saved): the core rejects a
        // non-finite correlation x_jᵀr, which any non-finite entry of X produces.
        let view = try stridedMatrix(x, rows, columns, rowStride, columnStride, "X", finite: false)
        do {
            try withColumnMajor(view) { design in
                try bilevelHypergradient(design, y, means, beta, criterionGradient, l1, l2, model, method, tol,
                                         maxIter, equicorrelationTol, rcondThreshold, choleskyMax, ridgeScale,
                                         warmSupport, warmCount, warmJacobian, hypergradientOut, jacobianOut,
                                         jacobianCapacity, diagnosticsOut, callback, context, every)
            }
        } catch NonsmoothError.numericalError(let message) {
            try require(view.isFinite, "X", "contains NaN or infinity")
            throw NonsmoothError.numericalError(message)
        }
    }
}

@_cdecl("ns_bilevel_hypergradient_csc")
public func ns_bilevel_hypergradient_csc(
    _ values: UnsafePointer<Double>?, _ rowIndices: UnsafePointer<Int32>?, _ columnPointers: UnsafePointer<Int64>?,
    _ nonzeros: Int64, _ rows: Int64, _ columns: Int64,
    _ y: UnsafePointer<Double>?, _ means: UnsafePointer<Double>?,
    _ beta: UnsafePointer<Double>?, _ criterionGradient: UnsafePointer<Double>?,
    _ l1: UnsafePointer<Double>?, _ l2: Double, _ model: Int32, _ method: Int32,
    _ tol: Double, _ maxIter: Int64, _ equicorrelationTol: Double, _ rcondThreshold: Double,
    _ choleskyMax: Int64, _ ridgeScale: Double,
    _ warmSupport: UnsafePointer<Int64>?, _ warmCount: Int64, _ warmJacobian: UnsafePointer<Double>?,
    _ hypergradientOut: UnsafeMutablePointer<Double>?, _ jacobianOut: UnsafeMutablePointer<Double>?,
    _ jacobianCapacity: Int64, _ diagnosticsOut: UnsafeMutablePointer<Double>?,
    _ callback: ProgressCallback?, _ context: UnsafeMutableRawPointer?, _ every: Int64
) -> Int32 {
    guarded {
        try withCSC(values, rowIndices, columnPointers, nonzeros, rows, columns) { design in
            for k in 0..<Int(nonzeros) where !design.values[k].isFinite {
                throw invalid("X", "contains NaN or infinity (stored entry \(k))")
            }
            try bilevelHypergradient(design, y, means, beta, criterionGradient, l1, l2, model, method, tol, maxIter,
                                     equicorrelationTol, rcondThreshold, choleskyMax, ridgeScale, warmSupport,
                                     warmCount, warmJacobian, hypergradientOut, jacobianOut, jacobianCapacity,
                                     diagnosticsOut, callback, context, every)
        }
    }
}
