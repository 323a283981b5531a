import Nonsmooth

// Generic solvers (proximal gradient, subgradient, ADMM): see nonsmooth.h.

/// The vector operator behind an ns_prox handle; a matrix operator acts on
/// vec(X) of a row-major `matrixRows`×(n/matrixRows) matrix (`matrixRows` > 0).
func vectorOperator(_ handle: OpaquePointer?, _ name: String, matrixRows: Int64 = 0,
                    length n: Int64 = 0) throws -> any ProximalOperator {
    switch try proxHandle(handle).op {
    case .vector(let op):
        return op
    case .matrix(let op):
        try require(matrixRows > 0 && n > 0 && n % matrixRows == 0, "shape",
                    "a matrix operator needs the matrix shape: \(n) entries cannot be split into \(matrixRows) rows")
        return try asVector(op, rows: Int(matrixRows), columns: Int(n / matrixRows))
    }
}

/// Opens the existential so the adapter is specialized to the concrete operator.
private func asVector<Op: MatrixProximalOperator>(_ op: Op, rows: Int, columns: Int) throws -> any ProximalOperator {
    try MatrixAsVector(op, rows: rows, columns: columns)
}

/// Builds the smooth loss named `kind` (see nonsmooth.h) on the design `a`, an
/// `ns_matrix` (dense or CSC), and runs `body`. One construction path for every
/// solver that takes a loss, so each of them accepts every layout.
func withLoss<R>(_ kind: UnsafePointer<CChar>?, _ a: UnsafeRawPointer?, _ b: UnsafePointer<Double>?,
                 _ delta: Double, _ lipschitz: Double, _ body: (any SmoothLoss) throws -> R) throws -> R {
    let kind = String(cString: try nonNull(kind, "loss"))
    let l: Double? = lipschitz.isNaN ? nil : lipschitz
    return try withMatrix(a, "A") { design in
        try require(design.rows > 0 && design.columns > 0, "A",
                    "must not be empty, got (\(design.rows), \(design.columns))")
        let target = Array(UnsafeBufferPointer(start: try nonNull(b, "b"), count: design.rows))
        switch kind {
        case "least_squares": return try body(try LeastSquaresLoss(design: design, target: target, lipschitz: l))
        case "logistic": return try body(try LogisticLoss(design: design, labels: target, lipschitz: l))
        case "huber": return try body(try HuberLoss(design: design, target: target, delta: delta, lipschitz: l))
        default: throw invalid("loss", "unknown loss '\(kind)' (least_squares, logistic, huber)")
        }
    }
}

func startingPoint(_ x: UnsafeMutablePointer<Double>, _ n: Int, _ warm: Int32) -> [Double]? {
    warm != 0 ? Array(UnsafeBufferPointer(start: x, count: n)) : nil
}

func copyHistory(_ values: [Double], _ out: UnsafeMutablePointer<Double>?, _ capacity: Int64) -> Int {
    guard let out, capacity > 0 else { return 0 }
    let count = min(values.count, Int(clamping: capacity))
    for i in 0..<count { out[i] = values[i] }
    return count
}

func finish(_ reason: StopReason, _ message: @autoclosure () -> String) throws {
    switch reason {
    case .converged: return
    case .maxIterations: throw NonsmoothError.notConverged(message())
    case .cancelled: throw NonsmoothError.cancelled
    }
}

@_cdecl("ns_prox_gradient")
public func ns_prox_gradient(
    _ loss: UnsafePointer<CChar>?, _ a: UnsafeRawPointer?, _ b: UnsafePointer<Double>?, _ delta: Double,
    _ lipschitz: Double,
    _ regularizer: OpaquePointer?, _ matrixRows: Int64, _ method: Int32, _ stepRule: Int32, _ stepValue: Double,
    _ shrink: Double, _ growth: Double, _ restart: Int32, _ tol: Double, _ relativeTol: Int32,
    _ maxIter: Int64, _ x: UnsafeMutablePointer<Double>?, _ warmStart: Int32,
    _ history: UnsafeMutablePointer<Double>?, _ historyCapacity: Int64, _ info: UnsafeMutablePointer<Double>?,
    _ callback: ProgressCallback?, _ context: UnsafeMutableRawPointer?, _ every: Int64
) -> Int32 {
    guarded(interruptible: true) {  // the Lipschitz estimate runs before any callback
        let x = try nonNull(x, "x")
        let info = try nonNull(info, "info")
        try require(method == 0 || method == 1, "method", "must be 0 (ista) or 1 (fista), got \(method)")
        try require(maxIter >= 0, "max_iter", "must be non-negative, got \(maxIter)")
        let step: ProximalGradientStep
        switch stepRule {
        case 0: step = .inverseLipschitz(lipschitz: nil)
        case 1: step = .constant(stepValue)
        case 2: step = .backtracking(initialStep: stepValue.isNaN ? nil : stepValue, shrink: shrink, growth: growth)
        default: throw invalid("step", "unknown step rule \(stepRule)")
        }
        let restartScheme: RestartScheme
        switch restart {
        case 0: restartScheme = .none
        case 1: restartScheme = .functionValue
        case 2: restartScheme = .gradient
        default: throw invalid("restart", "unknown restart scheme \(restart)")
        }
        let options = ProximalGradientOptions(
            method: method == 0 ? .ista : .fista, step: step, restart: restartScheme, tolerance: tol,
            relativeTolerance: relativeTol != 0, maxIterations: Int(clamping: maxIter),
            recordHistory: history != nil && historyCapacity > 0,
            historyCapacity: Int(clamping: max(historyCapacity, 0)))
        let result = try withLoss(loss, a, b, delta, lipschitz) { f in
            let g = try vectorOperator(regularizer, "prox", matrixRows: matrixRows, length: Int64(f.dimension))
            return try solveProximalGradient(
                loss: f, regularizer: g, initial: startingPoint(x, f.dimension, warmStart), options: options,
                progress: observer(callback, context, every: every))
        }
        for (i, v) in result.x.enumerated() { x[i] = v }
        let stored = copyHistory(result.objectiveHistory, history, historyCapacity)
        let values = [result.objective, result.certificate, result.certificateTolerance, Double(result.iterations),
                      result.step, Double(result.restarts), Double(result.backtracks),
                      Double(result.gradientEvaluations), Double(stored)]
        for (i, v) in values.enumerated() { info[i] = v }
        try finish(result.stopReason, "prox-gradient mapping norm \(result.certificate) > tolerance "
                   + "\(result.certificateTolerance) after \(result.iterations) iterations")
    }
}

@_cdecl("ns_subgradient_method")
public func ns_subgradient_method(
    _ loss: UnsafePointer<CChar>?, _ a: UnsafeRawPointer?, _ b: UnsafePointer<Double>?, _ delta: Double,
    _ lipschitz: Double,
    _ regularizer: OpaquePointer?, _ rule: Int32, _ p1: Double, _ p2: Double, _ tol: Double, _ maxIter: Int64,
    _ x: UnsafeMutablePointer<Double>?, _ warmStart: Int32, _ average: UnsafeMutablePointer<Double>?,
    _ history: UnsafeMutablePointer<Double>?, _ historyCapacity: Int64, _ info: UnsafeMutablePointer<Double>?,
    _ callback: ProgressCallback?, _ context: UnsafeMutableRawPointer?, _ every: Int64
) -> Int32 {
    guarded(interruptible: true) {  // the Lipschitz estimate runs before any callback
        let g = try vectorOperator(regularizer, "prox")
        let x = try nonNull(x, "x")
        let average = try nonNull(average, "average")
        let info = try nonNull(info, "info")
        try require(maxIter >= 0, "max_iter", "must be non-negative, got \(maxIter)")
        let stepRule: SubgradientStepRule
        switch rule {
        case 0: stepRule = .constant(p1)
        case 1: stepRule = .constantLength(p1)
        case 2: stepRule = .diminishing(p1)
        case 3: stepRule = .squareSummable(a: p1, b: p2)
        case 4: stepRule = .polyak(optimalValue: p1)
        case 5: stepRule = .polyakEstimated(delta: p1)
        default: throw invalid("step_rule", "unknown step rule \(rule)")
        }
        let options = SubgradientOptions(stepRule: stepRule, maxIterations: Int(clamping: maxIter), tolerance: tol,
                                         recordHistory: history != nil && historyCapacity > 0,
                                         historyCapacity: Int(clamping: max(historyCapacity, 0)))
        let result = try withLoss(loss, a, b, delta, lipschitz) { f in
            try solveSubgradient(loss: f, regularizer: g, initial: startingPoint(x, f.dimension, warmStart),
                                 options: options, progress: observer(callback, context, every: every))
        }
        for (i, v) in result.best.enumerated() { x[i] = v }
        for (i, v) in result.average.enumerated() { average[i] = v }
        let stored = copyHistory(result.objectiveHistory, history, historyCapacity)
        let values = [result.bestObjective, Double(result.bestIteration), result.averageObjective,
                      result.minimalSubgradientNorm, result.kktResidual ?? .nan, Double(result.iterations),
                      Double(stored)]
        for (i, v) in values.enumerated() { info[i] = v }
        if result.stopReason == .cancelled { throw NonsmoothError.cancelled }
    }
}

@_cdecl("ns_admm")
public func ns_admm(
    _ f: OpaquePointer?, _ g: OpaquePointer?, _ dimension: Int64, _ penalty: Double, _ relaxation: Double,
    _ absoluteTol: Double, _ relativeTol: Double, _ balancing: Int32, _ maxIter: Int64,
    _ z: UnsafeMutablePointer<Double>?, _ warmStart: Int32, _ x: UnsafeMutablePointer<Double>?,
    _ info: UnsafeMutablePointer<Double>?,
    _ callback: ProgressCallback?, _ context: UnsafeMutableRawPointer?, _ every: Int64
) -> Int32 {
    guarded {
        let fOp = try vectorOperator(f, "f")
        let gOp = try vectorOperator(g, "g")
        try require(dimension >= 1, "dimension", "must be at least 1, got \(dimension)")
        try require(maxIter >= 0, "max_iter", "must be non-negative, got \(maxIter)")
        let z = try nonNull(z, "z")
        let x = try nonNull(x, "x")
        let info = try nonNull(info, "info")
        var options = ADMMOptions()
        options.penalty = penalty.isNaN ? nil : penalty
        options.relaxation = relaxation
        options.absoluteTolerance = absoluteTol
        options.relativeTolerance = relativeTol
        options.residualBalancing = balancing != 0
        options.maxIterations = Int(clamping: maxIter)
        let n = Int(dimension)
        let result = try solveADMM(f: fOp, g: gOp, dimension: n, initial: startingPoint(z, n, warmStart),
                                   options: options, progress: observer(callback, context, every: every))
        for i in 0..<n { z[i] = result.z[i]; x[i] = result.x[i] }
        let r = result.residuals
        let values = [result.objective, r.primal, r.dual, r.primalTolerance, r.dualTolerance, result.penalty,
                      Double(result.iterations)]
        for (i, v) in values.enumerated() { info[i] = v }
        try finish(result.stopReason, "ADMM residuals (primal \(r.primal), dual \(r.dual)) above their "
                   + "tolerances (\(r.primalTolerance), \(r.dualTolerance)) after \(result.iterations) iterations")
    }
}
