import Nonsmooth

// ns_glm_fit: the generic coordinate-descent engine (see nonsmooth.h).

/// Option bits of ns_glm_options.flags; keep in sync with nonsmooth.h.
let NS_GLM_FIT_INTERCEPT: Int32 = 1
let NS_GLM_POSITIVE: Int32 = 2
let NS_GLM_WARM_START: Int32 = 4
let NS_GLM_NO_WORKING_SETS: Int32 = 8
let NS_GLM_NO_PROX_NEWTON: Int32 = 16
let NS_GLM_NO_SCREENING: Int32 = 32

/// Byte sizes of the structs this library knows (older callers may not pass
/// smaller ones; newer, larger ones are read up to what is known here).
let glmOptionsSize: Int64 = 104
/// The size from which ns_glm_options carries datafit_param (Huber's δ, after the group fields).
let glmOptionsDatafitParamSize: Int64 = 144
let glmResultSize: Int64 = 64
/// The size from which ns_glm_result carries `screened`.
let glmResultScreenedSize: Int64 = 72

/// A raw struct read by byte offset (the layouts are fixed in nonsmooth.h and
/// checked by `_Static_assert` in the extension, as for `ns_matrix`).
struct RawStruct {
    let base: UnsafeRawPointer
    func int32(_ o: Int) -> Int32 { base.loadUnaligned(fromByteOffset: o, as: Int32.self) }
    func int64(_ o: Int) -> Int64 { base.loadUnaligned(fromByteOffset: o, as: Int64.self) }
    func double(_ o: Int) -> Double { base.loadUnaligned(fromByteOffset: o, as: Double.self) }
    func doubles(_ o: Int, count: Int) -> [Double]? {
        guard let p = UnsafePointer<Double>(bitPattern: base.loadUnaligned(fromByteOffset: o, as: UInt.self)) else {
            return nil
        }
        return Array(UnsafeBufferPointer(start: p, count: count))
    }
}

/// The datafit, penalty and solver options of an ns_glm_options for n samples and p features.
private func glmOptions(_ raw: UnsafeRawPointer?, samples n: Int, features p: Int) throws
    -> (DatafitChoice, PenaltyChoice?, GLMOptions, weights: [Double]?, flags: Int32) {
    guard let raw else { throw invalid("options", "is a null pointer") }
    let o = RawStruct(base: raw)
    try require(o.int64(0) >= glmOptionsSize, "options.size", "is \(o.int64(0)), expected at least \(glmOptionsSize)")
    let datafit: DatafitChoice
    switch o.int32(8) {
    case 0: datafit = .quadratic
    case 1: datafit = .logistic
    case 2:
        try require(o.int64(0) >= glmOptionsDatafitParamSize, "options.size",
                    "is \(o.int64(0)); the Huber datafit reads datafit_param (size ≥ \(glmOptionsDatafitParamSize))")
        datafit = .huber(delta: o.double(136))
    case 3: datafit = .poisson
    case let k: throw invalid("options.datafit", "unknown datafit \(k) (0 quadratic, 1 logistic, 2 huber, 3 poisson)")
    }
    let alpha = o.double(16), parameter = o.double(24), flags = o.int32(88)
    let positive = flags & NS_GLM_POSITIVE != 0
    let featureWeights = o.doubles(32, count: p)
    let penalty: PenaltyChoice?
    switch o.int32(12) {
    case 0: penalty = .l1(strength: alpha, weights: featureWeights, positive: positive)
    case 1: penalty = .elasticNet(strength: alpha, l1Ratio: parameter, weights: featureWeights, positive: positive)
    case 2:
        let count = o.int64(56)
        try require(count == 1 || count == Int64(p), "options.bounds_length", "must be 1 or \(p), got \(count)")
        guard let lower = o.doubles(40, count: Int(count)), let upper = o.doubles(48, count: Int(count)) else {
            throw invalid("options.lower", "box bounds are null pointers")
        }
        penalty = .box(lower: lower, upper: upper)
    case 3: penalty = .mcp(strength: alpha, gamma: parameter)
    case 4: penalty = .scad(strength: alpha, a: parameter)
    case 5: penalty = .l0(strength: alpha)
    case 6, 7: penalty = nil  // block penalties: groupPenalty (GroupABI.swift)
    case let k: throw invalid("options.penalty", "unknown penalty \(k) (0 l1, 1 elastic net, 2 box, 3 mcp, 4 scad, 5 l0, 6 group lasso, 7 sparse-group lasso)")
    }
    var options = GLMOptions(tolerance: o.double(72), maxEpochs: Int(clamping: o.int64(80)),
                             fitIntercept: flags & NS_GLM_FIT_INTERCEPT != 0)
    options.workingSets = flags & NS_GLM_NO_WORKING_SETS == 0
    options.proxNewton = flags & NS_GLM_NO_PROX_NEWTON == 0
    options.screening = flags & NS_GLM_NO_SCREENING == 0
    let depth = o.int32(92)
    if depth >= 0 { options.andersonDepth = Int(depth) }
    return (datafit, penalty, options, o.doubles(64, count: n), flags)
}

private func writeGLMResult(_ r: GLMResult, _ raw: UnsafeMutableRawPointer?, coef: UnsafeMutablePointer<Double>,
                            intercept: UnsafeMutablePointer<Double>?, history: UnsafeMutablePointer<Double>?,
                            capacity: Int) throws {
    for (j, b) in r.coefficients.enumerated() { coef[j] = b }
    intercept?.pointee = r.intercept
    try writeFitReport(r, raw, history: history, capacity: capacity)
    if let raw, raw.loadUnaligned(fromByteOffset: 0, as: Int64.self) >= glmResultScreenedSize {
        raw.storeBytes(of: Int64(r.screened), toByteOffset: 64, as: Int64.self)
    }
}

@_cdecl("ns_glm_fit")
public func ns_glm_fit(
    _ x: UnsafeRawPointer?, _ y: UnsafePointer<Double>?, _ options: UnsafeRawPointer?,
    _ coef: UnsafeMutablePointer<Double>?, _ intercept: UnsafeMutablePointer<Double>?,
    _ history: UnsafeMutablePointer<Double>?, _ historyCapacity: Int64, _ result: UnsafeMutableRawPointer?,
    _ callback: ProgressCallback?, _ context: UnsafeMutableRawPointer?
) -> Int32 {
    guarded {
        try withMatrix(x, "X") { design in
            let n = design.rows, p = design.columns
            let target = Array(UnsafeBufferPointer(start: try nonNull(y, "y"), count: n))
            let (datafit, penalty, o, weights, flags) = try glmOptions(options, samples: n, features: p)
            guard let out = coef else { throw invalid("coef", "is a null pointer") }
            let warm = flags & NS_GLM_WARM_START != 0 ? Array(UnsafeBufferPointer(start: out, count: p)) : nil
            let every = options.map { RawStruct(base: $0).int64(96) } ?? 10
            let warmIntercept = flags & NS_GLM_WARM_START != 0 ? intercept?.pointee ?? 0 : 0
            let progress = observer(callback, context, every: every)
            let r: GLMResult
            if let penalty {
                r = try solveGLM(design: design, target: target, sampleWeights: weights, datafit: datafit,
                                 penalty: penalty, options: o, warmStart: warm, warmIntercept: warmIntercept,
                                 progress: progress)
            } else {
                let (groups, block) = try groupPenalty(options, features: p)
                r = try solveGroupGLM(design: design, target: target, sampleWeights: weights, datafit: datafit,
                                      groups: groups, penalty: block, options: o, warmStart: warm,
                                      warmIntercept: warmIntercept, progress: progress)
            }
            try writeGLMResult(r, result, coef: out, intercept: intercept,
                               history: history, capacity: Int(clamping: historyCapacity))
            switch r.status {
            case .converged: break
            case .cancelled: throw NonsmoothError.cancelled
            case .notConverged:
                throw NonsmoothError.notConverged(
                    "the certificate is \(r.certificate) > tol = \(o.tolerance) after \(r.epochs) epochs")
            }
        }
    }
}
