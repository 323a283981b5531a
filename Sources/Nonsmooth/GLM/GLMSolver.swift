/// min over β (and an intercept b) of F(Xβ + b·1) + Σⱼ pⱼ(βⱼ), by coordinate
/// descent on working sets with Anderson extrapolation — one solver for every
/// datafit × separable penalty × design (the structure of skglm's
/// `AndersonCD`: Bertrand & Massias 2021, "Anderson acceleration of coordinate
/// descent"; Massias, Gramfort & Salmon 2018 for working sets, "Celer").
///
/// Each outer iteration evaluates every feature once (Xᵀ∇F), scores it by its
/// proximal-gradient step Lⱼ|prox_{pⱼ/Lⱼ}(βⱼ − gⱼ/Lⱼ) − βⱼ| and computes the
/// certificate: the duality gap when the penalty allows one (θ = ∇F, made
/// orthogonal to 1 with an intercept, scaled into dom p*; the best dual value
/// seen is kept), else the KKT violation. The working set keeps the generalized
/// support and the best-scored features (at least twice the support); its
/// subproblem runs until its own KKT violation is `innerRatio` times the full
/// one. Every K + 1 epochs the last iterates are extrapolated and the point is
/// kept only if it lowers the objective; the loop always ends on a
/// coordinate-descent epoch, so returned zeros are exact.
///
/// `converged` only when the certificate is ≤ `tolerance`; a run out of
/// epochs returns `notConverged` and a stopped one `cancelled`, both with the
/// state reached and its certificate.
///
/// Throws `invalidArgument` for mismatched sizes, a bad warm start or options,
/// and `numericalError` when the objective stops being finite.
public func solveGLM<F: Datafit, P: SeparablePenalty, X: EntryDesign>(
    design: X, datafit: F, penalty: P, options: GLMOptions = GLMOptions(),
    warmStart: [Double]? = nil, warmIntercept: Double = 0, progress: ProgressObserver = .silent
) throws -> GLMResult {
    try options.validate()
    try require(datafit.samples == design.rows, "y", "has \(datafit.samples) entries for \(design.rows) rows of X")
    try penalty.validate(features: design.columns)
    if let w = warmStart {
        try require(w.count == design.columns, "coef_init", "has \(w.count) entries for \(design.columns) features")
        try requireFinite(w, "coef_init")
    }
    try requireFinite(warmIntercept, "intercept_init")
    let solver = GLMCoordinateDescent(design: design, datafit: datafit, penalty: penalty, options: options,
                                      progress: progress)
    return try solver.run(warmStart: warmStart, warmIntercept: warmIntercept)
}

/// Array convenience for Swift callers: `x` column-major n×p.
public func solveGLM<F: Datafit, P: SeparablePenalty>(
    columnMajor x: [Double], rows: Int, columns: Int, datafit: F, penalty: P,
    options: GLMOptions = GLMOptions(), warmStart: [Double]? = nil
) throws -> GLMResult {
    try require(rows >= 0 && columns >= 0 && !rows.multipliedReportingOverflow(by: columns).overflow
                && rows * columns == x.count, "x", "has \(x.count) entries, expected \(rows)×\(columns)")
    let storage = x.isEmpty ? [0.0] : x
    return try storage.withUnsafeBufferPointer { xb in
        guard let base = xb.baseAddress else { throw NonsmoothError.invalidArgument(name: "x", reason: "has no storage") }
        let design = try DenseColumnMajor(base: base, rows: rows, columns: columns, leadingDimension: max(rows, 1))
        return try solveGLM(design: design, datafit: datafit, penalty: penalty, options: options, warmStart: warmStart)
    }
}
