import Nonsmooth

/// The C progress callback type of nonsmooth.h.
public typealias ProgressCallback = @convention(c) (UnsafeMutableRawPointer?, Int64, Double) -> Int32

/// The ABI callback as a core observer: called every `every` iterations, and in
/// between with iteration −1 (a cancellation check only) once 20 ms have passed
/// since the last call, so that a loop whose `every` iterations take long still
/// stops promptly on Ctrl-C (nonsmooth.h, "Progress and cancellation").
func observer(_ callback: ProgressCallback?, _ context: UnsafeMutableRawPointer?, every: Int64) -> ProgressObserver {
    guard let callback else { return .silent }
    let k = every > 0 ? Int(clamping: every) : 10
    var next = secondsNow() + Interruption.interval
    return ProgressObserver(every: 1) { iteration, certificate in
        let now = secondsNow()
        if iteration % k == 0 {
            next = now + Interruption.interval
            return callback(context, Int64(iteration), certificate) == 0
        }
        guard now >= next else { return true }
        next = now + Interruption.interval
        return callback(context, -1, certificate) == 0
    }
}

/// Option bits of ns_enet_fit_*; keep in sync with nonsmooth.h.
let NS_CD_WORKING_SETS: Int32 = 1
let NS_CD_SCREENING: Int32 = 2
let NS_CD_EXTRAPOLATION: Int32 = 4
let NS_SOLVER_ADMM: Int32 = 8

func coordinateDescentOptions(tol: Double, maxIter: Int64, fitIntercept: Int32, flags: Int32,
                              gram: Int32, every: Int64) throws -> CoordinateDescentOptions {
    try require(tol.isFinite && tol >= 0, "tol", "must be non-negative and finite, got \(tol)")
    try require(maxIter >= 0, "max_iter", "must be non-negative, got \(maxIter)")
    try require(gram >= -1 && gram <= 1, "gram", "must be -1 (auto), 0 or 1, got \(gram)")
    return CoordinateDescentOptions(
        tolerance: tol, maxIterations: Int(clamping: maxIter), fitIntercept: fitIntercept != 0,
        useWorkingSets: flags & NS_CD_WORKING_SETS != 0, useScreening: flags & NS_CD_SCREENING != 0,
        useExtrapolation: flags & NS_CD_EXTRAPOLATION != 0,
        progressEvery: every > 0 ? Int(clamping: every) : 10,
        useGram: gram < 0 ? nil : gram == 1)
}

/// Where an entry point writes the gap history: `capacity` rows (epoch or
/// iteration, gap), row-major; nil when the caller did not ask for it.
struct GapHistoryOutput {
    var rows: UnsafeMutablePointer<Double>?
    var capacity: Int64

    /// Copies the history, one row per epoch: a solver may evaluate the gap
    /// more than once at the same iterate (at the end of a subproblem, for the
    /// full problem, for the final certificate), and the last evaluation is
    /// kept. Gaps are clipped at 0 as `dualityGap` is (rounding can make a
    /// computed gap slightly negative). When the rows do not fit, the first
    /// capacity − 1 and the last are kept, so the final evaluation is always
    /// there. Returns the rows written.
    func write(_ history: [(Int, Double)]) -> Int {
        guard let rows, capacity > 0 else { return 0 }
        var distinct: [(Int, Double)] = []
        distinct.reserveCapacity(history.count)
        for (epoch, gap) in history {
            if let last = distinct.last, last.0 == epoch { distinct.removeLast() }
            distinct.append((epoch, max(gap, 0)))
        }
        let count = distinct.count, kept = min(count, Int(clamping: capacity))
        var written = 0
        for (i, (epoch, gap)) in distinct.enumerated() where i < kept - 1 || i == count - 1 {
            rows[2 * written] = Double(epoch)
            rows[2 * written + 1] = gap
            written += 1
        }
        return written
    }
}

/// Writes a solver's answer, certificate and gap history through the ABI's
/// output pointers, then turns a stop short of the tolerance into its status.
func writeResult(coefficients: [Double], intercept b: Double, gap: Double, gapTolerance: Double, iterations: Int,
                 usedGram: Bool, screened: Int, stopReason: StopReason, gapHistory: [(Int, Double)],
                 coef: UnsafeMutablePointer<Double>, intercept: UnsafeMutablePointer<Double>?,
                 info: UnsafeMutablePointer<Double>?, history: GapHistoryOutput) throws {
    for (j, v) in coefficients.enumerated() { coef[j] = v }
    intercept?.pointee = b
    // The returned certificate closes the history: it is recomputed from the
    // final coefficients, so it can differ from the solver's last evaluation
    // at the same epoch in the last digits, and callers expect the two to agree.
    let stored = history.write(gapHistory + [(iterations, gap)])
    if let info {
        info[0] = gap
        info[1] = gapTolerance
        info[2] = Double(iterations)
        info[3] = usedGram ? 1 : 0
        info[4] = Double(screened)
        info[5] = Double(stored)
    }
    switch stopReason {
    case .converged: return
    case .maxIterations:
        throw NonsmoothError.notConverged("duality gap \(gap) > tolerance \(gapTolerance) after \(iterations) iterations")
    case .cancelled: throw NonsmoothError.cancelled
    }
}

/// Shared body of the dense and sparse entry points.
func fitElasticNet<X: DesignMatrix>(
    _ design: X, _ y: UnsafePointer<Double>?, _ alpha: Double, _ l1Ratio: Double,
    _ weights: UnsafePointer<Double>?, _ positive: Int32, _ options: CoordinateDescentOptions,
    _ coef: UnsafeMutablePointer<Double>?, _ warmStart: Int32, _ intercept: UnsafeMutablePointer<Double>?,
    _ info: UnsafeMutablePointer<Double>?, _ history: GapHistoryOutput,
    _ callback: ProgressCallback?, _ context: UnsafeMutableRawPointer?, flags: Int32
) throws {
    let n = design.rows, p = design.columns
    try require(n > 0 && p > 0, "X", "must have at least one row and one column, got (\(n), \(p))")
    try require(history.capacity >= 0, "history_capacity", "must be non-negative, got \(history.capacity)")
    let y = UnsafeBufferPointer(start: try nonNull(y, "y"), count: n)
    let coef = try nonNull(coef, "coef")
    let w = try optionalArray(weights, Int64(weights == nil ? 0 : p), "weights")
    let penalty = try ElasticNetPenalty(alpha: alpha, l1Ratio: l1Ratio, weights: w, positive: positive != 0)
    let warm = warmStart != 0 ? UnsafeBufferPointer(start: UnsafePointer(coef), count: p) : nil
    if flags & NS_SOLVER_ADMM != 0 {
        var admm = ADMMOptions()
        admm.tolerance = options.tolerance
        admm.maxIterations = options.maxIterations
        admm.fitIntercept = options.fitIntercept
        let r = try solveElasticNetADMM(design: design, target: y, penalty: penalty, options: admm, warmStart: warm,
                                        progress: observer(callback, context, every: Int64(options.progressEvery)))
        return try writeResult(coefficients: r.coefficients, intercept: r.intercept, gap: r.dualityGap,
                               gapTolerance: r.gapTolerance, iterations: r.iterations, usedGram: false, screened: 0,
                               stopReason: r.stopReason, gapHistory: r.gapHistory.map { ($0.iteration, $0.gap) },
                               coef: coef, intercept: intercept, info: info, history: history)
    }
    let result = try solveElasticNet(
        design: design, target: y, penalty: penalty, options: options, warmStart: warm,
        progress: observer(callback, context, every: Int64(options.progressEvery)))
    try writeResult(coefficients: result.coefficients, intercept: result.intercept, gap: result.dualityGap,
                    gapTolerance: result.gapTolerance, iterations: result.epochs, usedGram: result.usedGram,
                    screened: result.screenedFeatures, stopReason: result.stopReason,
                    gapHistory: result.gapHistory.map { ($0.epoch, $0.gap) },
                    coef: coef, intercept: intercept, info: info, history: history)
}

/// A column-major view of a strided dense matrix, copying only when its columns are not contiguous.
func withColumnMajor<R>(_ x: StridedMatrix, _ body: (DenseColumnMajor) throws -> R) throws -> R {
    if x.rowStride == 1 && x.columnStride >= x.rows {
        return try body(try DenseColumnMajor(base: x.base, rows: x.rows, columns: x.columns,
                                             leadingDimension: max(x.columnStride, 1)))
    }
    let copy = UnsafeMutableBufferPointer<Double>.allocate(capacity: max(x.rows * x.columns, 1))
    defer { copy.deallocate() }
    for j in 0..<x.columns {
        for i in 0..<x.rows { copy[j * x.rows + i] = x.base[i * x.rowStride + j * x.columnStride] }
    }
    guard let base = copy.baseAddress else { throw invalid("X", "could not be copied") }
    return try body(try DenseColumnMajor(base: base, rows: x.rows, columns: x.columns,
                                         leadingDimension: max(x.rows, 1)))
}

/// A validated CSC view (data, indices, indptr as SciPy stores them); empty matrices may pass null data.
/// Structural errors name the matrix (`name`) and its SciPy array: "X: indices entry 3 is 9, outside [0, 5)".
func withCSC<R>(_ values: UnsafePointer<Double>?, _ rowIndices: UnsafePointer<Int32>?,
                _ columnPointers: UnsafePointer<Int64>?, _ nonzeros: Int64, _ rows: Int64, _ columns: Int64,
                name: String = "X", _ body: (SparseCSC) throws -> R) throws -> R {
    try require(rows >= 0 && columns >= 0 && nonzeros >= 0, name,
                "has a negative dimension (\(rows), \(columns), nnz \(nonzeros))")
    let empty = UnsafeMutablePointer<Double>.allocate(capacity: 1)
    let emptyIndex = UnsafeMutablePointer<Int32>.allocate(capacity: 1)
    defer { empty.deallocate(); emptyIndex.deallocate() }
    let data = nonzeros == 0 ? UnsafePointer(empty) : try nonNull(values, "\(name).data")
    let indices = nonzeros == 0 ? UnsafePointer(emptyIndex) : try nonNull(rowIndices, "\(name).indices")
    let indptr = try nonNull(columnPointers, "\(name).indptr")
    let design: SparseCSC
    do {
        design = try SparseCSC(values: data, rowIndices: indices, columnPointers: indptr, rows: Int(rows),
                               columns: Int(columns), nonzeros: Int(nonzeros))
    } catch NonsmoothError.invalidArgument(let field, let reason) {
        // The core names its own fields; callers know the arrays by SciPy's names.
        let array = ["rowIndices": "indices", "columnPointers": "indptr"][field] ?? field
        throw invalid(name, "\(array) \(reason)")
    }
    return try body(design)
}

@_cdecl("ns_enet_fit_dense")
public func ns_enet_fit_dense(
    _ x: UnsafePointer<Double>?, _ rows: Int64, _ columns: Int64, _ rowStride: Int64, _ columnStride: Int64,
    _ y: UnsafePointer<Double>?, _ alpha: Double, _ l1Ratio: Double, _ weights: UnsafePointer<Double>?,
    _ positive: Int32, _ fitIntercept: Int32, _ tol: Double, _ maxIter: Int64, _ flags: Int32, _ gram: Int32,
    _ coef: UnsafeMutablePointer<Double>?, _ warmStart: Int32, _ intercept: UnsafeMutablePointer<Double>?,
    _ info: UnsafeMutablePointer<Double>?, _ history: UnsafeMutablePointer<Double>?, _ historyCapacity: Int64,
    _ callback: ProgressCallback?, _ context: UnsafeMutableRawPointer?, _ every: Int64
) -> Int32 {
    guarded {
        let options = try coordinateDescentOptions(tol: tol, maxIter: maxIter, fitIntercept: fitIntercept,
                                                   flags: flags, gram: gram, every: every)
        let view = try stridedMatrix(x, rows, columns, rowStride, columnStride, "X")
        try withColumnMajor(view) { design in
            try fitElasticNet(design, y, alpha, l1Ratio, weights, positive, options, coef, warmStart, intercept, info,
                              GapHistoryOutput(rows: history, capacity: historyCapacity), callback, context,
                              flags: flags)
        }
    }
}

@_cdecl("ns_enet_fit_csc")
public func ns_enet_fit_csc(
    _ values: UnsafePointer<Double>?, _ rowIndices: UnsafePointer<Int32>?, _ columnPointers: UnsafePointer<Int64>?,
    _ nonzeros: Int64, _ rows: Int64, _ columns: Int64,
    _ y: UnsafePointer<Double>?, _ alpha: Double, _ l1Ratio: Double, _ weights: UnsafePointer<Double>?,
    _ positive: Int32, _ fitIntercept: Int32, _ tol: Double, _ maxIter: Int64, _ flags: Int32,
    _ coef: UnsafeMutablePointer<Double>?, _ warmStart: Int32, _ intercept: UnsafeMutablePointer<Double>?,
    _ info: UnsafeMutablePointer<Double>?, _ history: UnsafeMutablePointer<Double>?, _ historyCapacity: Int64,
    _ callback: ProgressCallback?, _ context: UnsafeMutableRawPointer?, _ every: Int64
) -> Int32 {
    guarded {
        let options = try coordinateDescentOptions(tol: tol, maxIter: maxIter, fitIntercept: fitIntercept,
                                                   flags: flags, gram: 0, every: every)
        try withCSC(values, rowIndices, columnPointers, nonzeros, rows, columns) { design in
            try fitElasticNet(design, y, alpha, l1Ratio, weights, positive, options, coef, warmStart, intercept, info,
                              GapHistoryOutput(rows: history, capacity: historyCapacity), callback, context,
                              flags: flags)
        }
    }
}

@_cdecl("ns_enet_alpha_max_dense")
public func ns_enet_alpha_max_dense(
    _ x: UnsafePointer<Double>?, _ rows: Int64, _ columns: Int64, _ rowStride: Int64, _ columnStride: Int64,
    _ y: UnsafePointer<Double>?, _ l1Ratio: Double, _ weights: UnsafePointer<Double>?,
    _ positive: Int32, _ fitIntercept: Int32, _ out: UnsafeMutablePointer<Double>?
) -> Int32 {
    guarded {
        let out = try nonNull(out, "out")
        let view = try stridedMatrix(x, rows, columns, rowStride, columnStride, "X")
        try require(view.rows > 0 && view.columns > 0, "X", "must not be empty")
        let y = UnsafeBufferPointer(start: try nonNull(y, "y"), count: view.rows)
        let w = try optionalArray(weights, weights == nil ? 0 : columns, "weights")
        out.pointee = try withColumnMajor(view) { design in
            try lambdaMax(design: design, target: y, l1Ratio: l1Ratio, weights: w,
                          fitIntercept: fitIntercept != 0, positive: positive != 0)
        }
    }
}

@_cdecl("ns_enet_alpha_max_csc")
public func ns_enet_alpha_max_csc(
    _ values: UnsafePointer<Double>?, _ rowIndices: UnsafePointer<Int32>?, _ columnPointers: UnsafePointer<Int64>?,
    _ nonzeros: Int64, _ rows: Int64, _ columns: Int64,
    _ y: UnsafePointer<Double>?, _ l1Ratio: Double, _ weights: UnsafePointer<Double>?,
    _ positive: Int32, _ fitIntercept: Int32, _ out: UnsafeMutablePointer<Double>?
) -> Int32 {
    guarded {
        let out = try nonNull(out, "out")
        try require(rows > 0 && columns > 0, "X", "must not be empty")
        let y = UnsafeBufferPointer(start: try nonNull(y, "y"), count: Int(rows))
        let w = try optionalArray(weights, weights == nil ? 0 : columns, "weights")
        out.pointee = try withCSC(values, rowIndices, columnPointers, nonzeros, rows, columns) { design in
            try lambdaMax(design: design, target: y, l1Ratio: l1Ratio, weights: w,
                          fitIntercept: fitIntercept != 0, positive: positive != 0)
        }
    }
}
