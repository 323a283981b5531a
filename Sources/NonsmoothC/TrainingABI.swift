#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Nonsmooth
import Synchronization

// Native training: optimizer handles, learning-rate schedules and the training
// loop of a traced loss (see nonsmooth.h). Every size, index and handle the
// caller gives is checked here before the core sees it.

/// What an `ns_optimizer*` points to: one update rule and its state, behind a
/// lock so that concurrent calls on one handle are serialized, never torn.
final class OptimizerHandle: Sendable {
    let state: Mutex<any Optimizer>
    init(_ optimizer: any Optimizer) { state = Mutex(optimizer) }
}

private func optimizerHandle(_ handle: OpaquePointer?) throws -> OptimizerHandle {
    try handles.object(handle, as: OptimizerHandle.self, "optimizer")
}

/// Reads a NUL-terminated name of at most 64 bytes.
private func name(_ pointer: UnsafePointer<CChar>?, _ argument: String) throws -> String {
    let p = try nonNull(pointer, argument)
    try require(strnlen(p, 65) <= 64, argument, "is longer than 64 bytes")
    return String(cString: p)
}

/// The optimizer table of `ns_optimizer_create` (documented in nonsmooth.h).
private func makeOptimizer(_ kind: String, _ h: [Double]) throws -> any Optimizer {
    func count(_ names: String...) throws {
        try require(h.count == names.count, "hyperparameters",
                    "\(kind) takes \(names.count) hyperparameter(s) (\(names.joined(separator: ", "))), got \(h.count)")
    }
    switch kind {
    case "sgd": try count(); return SGD()
    case "momentum": try count("momentum"); return try Momentum(momentum: h[0], nesterov: false)
    case "nesterov": try count("momentum"); return try Momentum(momentum: h[0], nesterov: true)
    case "adagrad": try count("eps"); return try AdaGrad(epsilon: h[0])
    case "rmsprop": try count("rho", "eps"); return try RMSProp(decay: h[0], epsilon: h[1])
    case "adam": try count("beta1", "beta2", "eps"); return try Adam(beta1: h[0], beta2: h[1], epsilon: h[2])
    default:
        throw invalid("optimizer", "unknown kind '\(kind)' (sgd, momentum, nesterov, adagrad, rmsprop, adam)")
    }
}

/// The schedule table of `ns_learning_rate` / `ns_train`, validated.
private func learningRate(_ kind: UnsafePointer<CChar>?, _ parameters: UnsafePointer<Double>?, _ n: Int64) throws
    -> LearningRate
{
    let kind = try name(kind, "schedule")
    try require(n >= 0 && n <= 8, "schedule_parameters", "has invalid length \(n)")
    let s = try optionalArray(parameters, n, "schedule_parameters") ?? []
    func count(_ names: String...) throws {
        try require(s.count == names.count, "schedule_parameters",
                    "\(kind) takes \(names.count) parameter(s) (\(names.joined(separator: ", "))), got \(s.count)")
    }
    /// A count given as a double: a whole number between 1 and 2^53.
    func whole(_ x: Double, _ argument: String) throws -> Int {
        try require(x.isFinite && x == x.rounded() && x >= 1 && x <= 9_007_199_254_740_992, argument,
                    "must be a whole number ≥ 1, got \(x)")
        return Int(x)
    }
    let rate: LearningRate
    switch kind {
    case "constant":
        try count("learning_rate"); rate = .constant(s[0])
    case "diminishing":
        try count("a", "b", "power"); rate = .diminishing(a: s[0], b: s[1], power: s[2])
    case "step_decay":
        try count("learning_rate", "factor", "every")
        rate = .stepDecay(initial: s[0], factor: s[1], every: try whole(s[2], "every"))
    case "cosine":
        try count("learning_rate", "minimum", "steps")
        rate = .cosine(initial: s[0], minimum: s[1], steps: try whole(s[2], "steps"))
    default:
        throw invalid("schedule", "unknown kind '\(kind)' (constant, diminishing, step_decay, cosine)")
    }
    try rate.validate()
    return rate
}

// MARK: - optimizers step by step

@_cdecl("ns_optimizer_create")
public func ns_optimizer_create(
    _ kind: UnsafePointer<CChar>?, _ hyperparameters: UnsafePointer<Double>?, _ n: Int64,
    _ out: UnsafeMutablePointer<OpaquePointer?>?
) -> Int32 {
    guarded {
        let out = try nonNull(out, "out")
        out.pointee = nil
        let kind = try name(kind, "optimizer")
        try require(n >= 0 && n <= 8, "hyperparameters", "has invalid length \(n)")
        let h = try optionalArray(hyperparameters, n, "hyperparameters") ?? []
        let handle = OptimizerHandle(try makeOptimizer(kind, h))
        out.pointee = handles.register(handle)
    }
}

@_cdecl("ns_optimizer_destroy")
public func ns_optimizer_destroy(_ handle: OpaquePointer?) -> Int32 {
    handles.destroy(handle, as: OptimizerHandle.self, "optimizer")
}

@_cdecl("ns_optimizer_reset")
public func ns_optimizer_reset(_ handle: OpaquePointer?) -> Int32 {
    guarded {
        try optimizerHandle(handle).state.withLock { $0.reset() }
    }
}

@_cdecl("ns_optimizer_get_state")
public func ns_optimizer_get_state(
    _ handle: OpaquePointer?, _ out: UnsafeMutablePointer<Double>?, _ capacity: Int64,
    _ size: UnsafeMutablePointer<Int64>?
) -> Int32 {
    guarded {
        let size = try nonNull(size, "size")
        let state = try optimizerHandle(handle).state.withLock { $0.state }
        size.pointee = Int64(state.count)
        try require(capacity >= 0, "capacity", "must be non-negative, got \(capacity)")
        if capacity == 0 || state.isEmpty { return }  // a size query
        try require(capacity >= Int64(state.count), "capacity", "\(capacity) < the \(state.count) numbers of the state")
        let out = try nonNull(out, "state")
        state.withUnsafeBufferPointer { out.update(from: $0.baseAddress!, count: state.count) }
    }
}

@_cdecl("ns_optimizer_set_state")
public func ns_optimizer_set_state(_ handle: OpaquePointer?, _ state: UnsafePointer<Double>?, _ n: Int64) -> Int32 {
    guarded {
        let h = try optimizerHandle(handle)
        try require(n >= 0 && n <= 1 << 40, "n", "has invalid length \(n)")
        let values = try optionalArray(state, n, "state") ?? []
        try h.state.withLock { try $0.restore(values) }
    }
}

@_cdecl("ns_optimizer_step")
public func ns_optimizer_step(
    _ handle: OpaquePointer?, _ params: UnsafeMutablePointer<Double>?, _ grads: UnsafePointer<Double>?,
    _ n: Int64, _ rate: Double
) -> Int32 {
    guarded {
        let h = try optimizerHandle(handle)
        try require(n >= 0 && n <= 1 << 40, "n", "has invalid length \(n)")
        try require(rate.isFinite && rate >= 0, "rate", "must be non-negative and finite, got \(rate)")
        let count = Int(n)
        let w = count == 0 ? UnsafeMutableBufferPointer<Double>(start: nil, count: 0)
                           : UnsafeMutableBufferPointer(start: try nonNull(params, "params"), count: count)
        let g = count == 0 ? UnsafeBufferPointer<Double>(start: nil, count: 0)
                           : UnsafeBufferPointer(start: try nonNull(grads, "grads"), count: count)
        for i in 0..<count where !g[i].isFinite {
            throw invalid("grads", "must be finite, entry \(i) is \(g[i])")
        }
        h.state.withLock { $0.step(w, g, rate: rate) }
    }
}

@_cdecl("ns_optimizer_momentum_schedule")
public func ns_optimizer_momentum_schedule(
    _ handle: OpaquePointer?, _ kind: UnsafePointer<CChar>?, _ parameters: UnsafePointer<Double>?, _ n: Int64,
    _ complement: Int32
) -> Int32 {
    guarded {
        let h = try optimizerHandle(handle)
        let schedule = MomentumSchedule(try learningRate(kind, parameters, n), complement: complement != 0)
        try h.state.withLock { state in
            guard var momentum = state as? Momentum else {
                throw invalid("optimizer", "a momentum schedule needs a momentum or nesterov optimizer, got \(state.name)")
            }
            try momentum.setSchedule(schedule)
            state = momentum
        }
    }
}

@_cdecl("ns_learning_rate")
public func ns_learning_rate(
    _ kind: UnsafePointer<CChar>?, _ parameters: UnsafePointer<Double>?, _ n: Int64, _ step: Int64,
    _ out: UnsafeMutablePointer<Double>?
) -> Int32 {
    guarded {
        let out = try nonNull(out, "out")
        let rate = try learningRate(kind, parameters, n)
        try require(step >= 0, "step", "must be non-negative, got \(step)")
        out.pointee = rate.rate(at: Int(step))
    }
}

// MARK: - the training loop

/// Roles of the program arguments; keep in sync with nonsmooth.h.
private let NS_TRAIN_PARAMETER: Int32 = 0
private let NS_TRAIN_DATA: Int32 = 1
private let NS_TRAIN_FIXED: Int32 = 2
/// Roles 3...6: arguments the loop fills at every step.
private let generatedKinds: [Int32: GeneratedArgument.Kind] = [3: .uniform, 4: .normal, 5: .gumbel, 6: .step]
private let NS_TRAIN_STATE: Int32 = 7
private let historyColumns = 9

private func seconds() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
}

/// The observer of `ns_train`: forwards every record step to the callback, and
/// any other step once `interval` seconds have passed since the last call, so
/// that a Ctrl-C check costs one clock read per step and answers within
/// `interval` plus one step.
private func trainingObserver(
    _ callback: ProgressCallback?, _ context: UnsafeMutableRawPointer?, recordEvery: Int, steps: Int,
    interval: Double
) -> ProgressObserver {
    guard let callback else { return .silent }
    var last = seconds()
    return ProgressObserver(every: 1) { k, loss in
        let now = seconds()
        guard k % recordEvery == 0 || k == steps || now - last >= interval else { return true }
        last = now
        return callback(context, Int64(k), loss) == 0
    }
}

@_cdecl("ns_train")
public func ns_train(
    _ lossHandle: OpaquePointer?, _ evaluationHandle: OpaquePointer?, _ dtype: Int32,
    _ nInputs: Int64, _ inputs: UnsafeRawPointer?, _ inputSizes: UnsafePointer<Int64>?,
    _ roles: UnsafePointer<Int32>?, _ rows: Int64, _ prox: UnsafePointer<OpaquePointer?>?,
    _ stateOutputs: UnsafePointer<Int64>?, _ stateMomentum: UnsafePointer<Double>?,
    _ optimizerHandleArg: OpaquePointer?,
    _ schedule: UnsafePointer<CChar>?, _ scheduleParameters: UnsafePointer<Double>?, _ nScheduleParameters: Int64,
    _ steps: Int64, _ batchSize: Int64, _ replacement: Int32, _ seed: UInt64,
    _ recordEvery: Int64, _ threshold: Double, _ averaging: Int32, _ policy: UnsafeRawPointer?,
    _ parametersOut: UnsafeRawPointer?, _ averagedOut: UnsafeRawPointer?,
    _ history: UnsafeMutablePointer<Double>?, _ historyCapacity: Int64,
    _ kinks: UnsafeMutablePointer<CChar>?, _ kinksCapacity: Int64,
    _ info: UnsafeMutablePointer<Double>?,
    _ callback: ProgressCallback?, _ context: UnsafeMutableRawPointer?, _ callbackSeconds: Double
) -> Int32 {
    var cancelled = false
    /// The loop in the precision S of the buffers (parameters and states read
    /// and written in S, kept in float64 inside the loop; see `Program.train`).
    func run<S: ProgramScalar>(_ type: S.Type) throws {
        let info = try nonNull(info, "info")
        for i in 0..<4 { info[i] = 0 }
        let program = try programHandle(lossHandle)
        let evaluation = evaluationHandle == nil ? nil : try programHandle(evaluationHandle)
        let optimizer = try optimizerHandle(optimizerHandleArg)
        let policy = try kinkPolicy(policy)
        let learningRate = try learningRate(schedule, scheduleParameters, nScheduleParameters)

        let n = program.inputCounts.count
        try require(nInputs == Int64(n), "inputs", "the program has \(n) arguments, got \(nInputs)")
        try require(steps >= 0 && steps <= 1 << 52, "steps", "must be between 0 and 2^52, got \(steps)")
        try require(batchSize >= 1 && batchSize <= 1 << 40, "batch_size", "must be at least 1, got \(batchSize)")
        try require(recordEvery >= 1, "record_every", "must be at least 1, got \(recordEvery)")
        try require(rows >= 1 && rows <= 1 << 40, "rows", "must be at least 1, got \(rows)")
        try require(threshold.isFinite && threshold >= 0, "threshold", "must be non-negative and finite, got \(threshold)")
        try require(callbackSeconds.isFinite && callbackSeconds >= 0, "callback_seconds",
                    "must be non-negative and finite, got \(callbackSeconds)")
        let averagingRule: IterateAveraging
        switch averaging {
        case 0: averagingRule = .none
        case 1: averagingRule = .uniform
        case 2: averagingRule = .stepWeighted
        default: throw invalid("averaging", "must be 0 (none), 1 (uniform) or 2 (step weighted), got \(averaging)")
        }
        let roles = UnsafeBufferPointer(start: n == 0 ? nil : try nonNull(roles, "roles"), count: n)
        let pointers = UnsafeBufferPointer(
            start: n == 0 ? nil : try nonNullRaw(inputs, "inputs").assumingMemoryBound(to: UnsafeRawPointer?.self), count: n)
        let sizes = UnsafeBufferPointer(start: n == 0 ? nil : try nonNull(inputSizes, "input_sizes"), count: n)
        /// A list of n output pointers to S, as given (entries may be null).
        func outputList(_ list: UnsafeRawPointer) -> [UnsafeMutablePointer<S>?] {
            let l = list.assumingMemoryBound(to: UnsafeMutableRawPointer?.self)
            return (0..<n).map { l[$0]?.assumingMemoryBound(to: S.self) }
        }
        let outputs = n == 0 ? [] : outputList(try nonNullRaw(parametersOut, "parameters"))
        let averagedOutputs = averagedOut.map(outputList)
        let proxes = prox.map { UnsafeBufferPointer(start: $0, count: n) }

        var parameters: [Int] = [], initial: [[Double]] = []
        var data: [TrainingData<S>] = []
        var fixed: [Int: UnsafePointer<S>] = [:], proximal: [ProximalTerm] = []
        var generated: [GeneratedArgument] = []
        var states: [TrainingState] = []
        let b = Int(batchSize)
        for a in 0..<n {
            let count = program.inputCounts[a]
            let argument = "argument \(a)"
            var expected = count
            if roles[a] == NS_TRAIN_DATA {
                let shape = program.inputShapes[a]
                try require(!shape.isEmpty && shape[0] == b, argument,
                            "was traced with shape \(shape); data arguments need batch_size = \(b) rows")
                let (total, overflow) = (count / b).multipliedReportingOverflow(by: Int(rows))
                try require(!overflow && total <= 1 << 40, argument, "\(rows) rows of \(count / b) entries are too many")
                expected = total
            } else {
                try require(roles[a] == NS_TRAIN_PARAMETER || roles[a] == NS_TRAIN_FIXED || roles[a] == NS_TRAIN_STATE
                                || generatedKinds[roles[a]] != nil,
                            "roles", "entry \(a) must be 0 (parameter), 1 (data), 2 (fixed), 3 (uniform noise), "
                                + "4 (normal noise), 5 (Gumbel noise), 6 (step counter) or 7 (state), got \(roles[a])")
            }
            try require(sizes[a] == Int64(expected), argument, "has \(sizes[a]) entries, expected \(expected)")
            let p = expected == 0 ? UnsafePointer(emptyPointer(S.self)) : try nonNullRaw(pointers[a], argument).assumingMemoryBound(to: S.self)
            if roles[a] != NS_TRAIN_PARAMETER {
                try require(proxes?[a] == nil, "prox", "entry \(a) is given for an argument that is not a parameter")
            }
            if let kind = generatedKinds[roles[a]] {
                generated.append(GeneratedArgument(argument: a, kind: kind))
            } else if roles[a] == NS_TRAIN_STATE {
                let which = try nonNull(stateOutputs, "state_outputs"), momentum = try nonNull(stateMomentum, "state_momentum")
                try require(which[a] >= 1 && which[a] < Int64(program.outputCounts.count), "state_outputs",
                            "entry \(a) must name an auxiliary output (1..<\(program.outputCounts.count)), got \(which[a])")
                try require(count == 0 || outputs[a] != nil, "parameters", "entry \(a) is a null pointer")
                states.append(TrainingState(argument: a, output: Int(which[a]), momentum: momentum[a],
                                            initial: (0..<count).map { p[$0].primal }))
            } else if roles[a] == NS_TRAIN_DATA {
                data.append(TrainingData(argument: a, values: p, rows: Int(rows)))
            } else if roles[a] == NS_TRAIN_FIXED {
                fixed[a] = p
            } else {
                parameters.append(a)
                initial.append((0..<count).map { p[$0].primal })
                try require(count == 0 || outputs[a] != nil, "parameters", "entry \(a) is a null pointer")
                if let averagedOutputs, averagingRule != .none {
                    try require(count == 0 || averagedOutputs[a] != nil, "averaged", "entry \(a) is a null pointer")
                }
                if let handle = proxes?[a] {
                    proximal.append(ProximalTerm(argument: a,
                                                 operator_: try vectorOperator(handle, "prox", matrixRows: matrixRows(program.inputShapes[a]),
                                                                               length: Int64(count))))
                }
            }
        }
        try require(!parameters.isEmpty, "roles", "at least one argument must be a parameter")
        if data.isEmpty {
            try require(batchSize == 1 && rows == 1, "batch_size", "without data arguments batch_size and rows must be 1")
        }
        // History capacity: the initial record, one per record_every steps, one at a divergence or a stop.
        let records = 2 + (Int(steps) + Int(recordEvery) - 1) / Int(recordEvery)
        if history != nil {
            try require(historyCapacity >= Int64(records), "history_capacity",
                        "is \(historyCapacity), \(records) rows are needed for \(steps) steps recorded every \(recordEvery)")
        }
        let options = TrainingOptions(
            steps: Int(steps), batchSize: b, replacement: replacement != 0, seed: seed, learningRate: learningRate,
            recordEvery: Int(recordEvery), threshold: threshold, averaging: averagingRule, policy: policy)
        let observer = trainingObserver(callback, context, recordEvery: Int(recordEvery), steps: Int(steps),
                                        interval: callbackSeconds)
        try optimizer.state.withLock { opt in
            let result = try program.train(
                parameters: parameters, initial: initial, data: data, fixed: fixed, generated: generated, states: states, optimizer: &opt,
                proximal: proximal, options: options, evaluation: evaluation, observer: observer)
            for (st, values) in zip(states, result.states) {
                if let out = outputs[st.argument] { for i in values.indices { out[i] = S(values[i]) } }
            }
            for (j, a) in parameters.enumerated() {
                if let out = outputs[a] { for (i, x) in result.parameters[j].enumerated() { out[i] = S(x) } }
                if let averagedOutputs, !result.averaged.isEmpty, let out = averagedOutputs[a] {
                    for (i, x) in result.averaged[j].enumerated() { out[i] = S(x) }
                }
            }
            let h = result.history
            if let history {
                let cap = Int(historyCapacity)
                for (i, step) in h.step.enumerated() where i < cap {
                    let row: [Double] = [Double(step), h.loss[i], h.fullLoss[i], h.l1Norm[i], h.maxNorm[i],
                                         h.smallFraction[i], Double(h.kinks[i]), h.learningRate[i], h.time[i]]
                    for c in 0..<historyColumns { history[c * cap + i] = row[c] }
                }
            }
            writeKinks(result.kinks, kinks, kinksCapacity)
            let stop: Double
            switch result.stop {
            case .completed: stop = 0
            case .diverged: stop = 1
            case .cancelled: stop = 2; cancelled = true
            }
            info[0] = Double(result.steps)
            info[1] = stop
            info[2] = Double(Swift.min(h.step.count, history == nil ? 0 : Int(historyCapacity)))
            info[3] = result.time
        }
    }
    let status = guarded {
        writeKinks(KinkReport(), kinks, kinksCapacity)
        switch try DType(dtype) {
        case .float64: try run(Double.self)
        case .float32: try run(Float.self)
        }
    }
    return status == NS_OK && cancelled ? NS_CANCELLED : status
}

/// A matrix operator (nuclear norm, PSD cone) acts on a 2-D parameter as a matrix.
private func matrixRows(_ shape: [Int]) -> Int64 {
    shape.count == 2 ? Int64(shape[0]) : 0
}

