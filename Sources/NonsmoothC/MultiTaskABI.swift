import Nonsmooth

// ns_multitask_fit: multi-task least squares with the ℓ2,1 (+ ℓ2²) row penalty (see nonsmooth.h).

/// Byte size of ns_multitask_options this library knows.
let multiTaskOptionsSize: Int64 = 72

/// What ns_glm_result reports of a fit, whichever solver ran it.
protocol FitReport {
    var certificate: Double { get }
    var kktViolation: Double { get }
    var objective: Double { get }
    var dualObjective: Double { get }
    var epochs: Int { get }
    var certificateKind: CertificateKind { get }
    var status: GLMStatus { get }
    var history: [(epoch: Int, certificate: Double)] { get }
}

extension GLMResult: FitReport {}
extension MultiTaskResult: FitReport {}

/// Fills an ns_glm_result (may be NULL) and the last `capacity` rows (epoch,
/// certificate) of the history, the last one being the returned point's.
func writeFitReport(_ r: some FitReport, _ raw: UnsafeMutableRawPointer?, history: UnsafeMutablePointer<Double>?,
                    capacity: Int) throws {
    let rows = history == nil ? 0 : min(max(capacity, 0), r.history.count)
    if let h = history {
        for (k, row) in r.history.suffix(rows).enumerated() {
            h[2 * k] = Double(row.epoch)
            h[2 * k + 1] = row.certificate
        }
    }
    guard let raw else { return }
    try require(raw.loadUnaligned(fromByteOffset: 0, as: Int64.self) >= glmResultSize, "result.size",
                "must be at least \(glmResultSize)")
    raw.storeBytes(of: r.certificate, toByteOffset: 8, as: Double.self)
    raw.storeBytes(of: r.kktViolation, toByteOffset: 16, as: Double.self)
    raw.storeBytes(of: r.objective, toByteOffset: 24, as: Double.self)
    raw.storeBytes(of: r.dualObjective, toByteOffset: 32, as: Double.self)
    raw.storeBytes(of: Int64(r.epochs), toByteOffset: 40, as: Int64.self)
    raw.storeBytes(of: r.certificateKind.rawValue, toByteOffset: 48, as: Int32.self)
    raw.storeBytes(of: r.status.rawValue, toByteOffset: 52, as: Int32.self)
    raw.storeBytes(of: Int64(rows), toByteOffset: 56, as: Int64.self)
}

@_cdecl("ns_multitask_fit")
public func ns_multitask_fit(
    _ x: UnsafeRawPointer?, _ y: UnsafePointer<Double>?, _ options: UnsafeRawPointer?,
    _ coef: UnsafeMutablePointer<Double>?, _ intercept: UnsafeMutablePointer<Double>?,
    _ history: UnsafeMutablePointer<Double>?, _ historyCapacity: Int64, _ result: UnsafeMutableRawPointer?,
    _ callback: ProgressCallback?, _ context: UnsafeMutableRawPointer?
) -> Int32 {
    guarded {
        try withMatrix(x, "X") { design in
            guard let options else { throw invalid("options", "is a null pointer") }
            let o = RawStruct(base: options)
            try require(o.int64(0) >= multiTaskOptionsSize, "options.size",
                        "is \(o.int64(0)), expected at least \(multiTaskOptionsSize)")
            let n = design.rows, p = design.columns, tasks = o.int64(8)
            try require(tasks >= 1 && tasks <= maxArrayCount, "options.tasks", "must be ≥ 1, got \(tasks)")
            let T = Int(tasks)
            let (size, overflow) = n.multipliedReportingOverflow(by: T)
            let (coefSize, coefOverflow) = p.multipliedReportingOverflow(by: T)
            try require(!overflow && !coefOverflow && size <= maxArrayCount && coefSize <= maxArrayCount,
                        "options.tasks", "n × T or p × T overflows")
            let target = Array(UnsafeBufferPointer(start: try nonNull(y, "Y"), count: size))
            let flags = o.int32(56)
            let fit = try Datafits.MultiTaskQuadratic(target: target, tasks: T, sampleWeights: o.doubles(32, count: n))
            let penalty = try Penalties.RowL21(strength: o.double(16), l1Ratio: o.double(24))
            var solverOptions = GLMOptions(tolerance: o.double(40), maxEpochs: Int(clamping: o.int64(48)),
                                           fitIntercept: flags & NS_GLM_FIT_INTERCEPT != 0)
            solverOptions.workingSets = flags & NS_GLM_NO_WORKING_SETS == 0
            if o.int32(60) >= 0 { solverOptions.andersonDepth = Int(o.int32(60)) }
            let out = try nonNull(coef, "coef"), icpt = try nonNull(intercept, "intercept")
            let warm = flags & NS_GLM_WARM_START != 0 ? Array(UnsafeBufferPointer(start: out, count: coefSize)) : nil
            let r = try solveMultiTask(design: design, datafit: fit, penalty: penalty, options: solverOptions,
                                       warmStart: warm, progress: observer(callback, context, every: o.int64(64)))
            out.update(from: r.coefficients, count: coefSize)
            icpt.update(from: r.intercept, count: T)
            try writeFitReport(r, result, history: history, capacity: Int(clamping: historyCapacity))
            switch r.status {
            case .converged: break
            case .cancelled: throw NonsmoothError.cancelled
            case .notConverged:
                throw NonsmoothError.notConverged(
                    "the certificate is \(r.certificate) > tol = \(solverOptions.tolerance) after \(r.epochs) epochs")
            }
        }
    }
}
