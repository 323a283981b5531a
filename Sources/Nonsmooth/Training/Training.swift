#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Seconds on a monotonic clock.
func monotonicSeconds() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
}

/// A data array sampled by rows: the program argument `argument` receives
/// `batchSize` rows per step. Its precision is the loop's (see `Program.train`).
public struct TrainingData<S: ProgramScalar> {
    public let argument: Int
    public let values: UnsafePointer<S>
    public let rows: Int

    public init(argument: Int, values: UnsafePointer<S>, rows: Int) {
        self.argument = argument
        self.values = values
        self.rows = rows
    }
}

/// An argument that the training loop fills itself before every step: fresh
/// noise from its own seeded generator (so that stochastic programs — dropout
/// masks, Gumbel-softmax samples, reparameterized Gaussians — train natively and
/// reproducibly), or the step counter k (so that schedules such as a
/// temperature τ_k = max(τ_min, τ_0·e^{−rk}) are written inside the program).
public struct GeneratedArgument: Sendable {
    public enum Kind: Sendable, Equatable {
        /// U(0, 1) in [0, 1): (next() >> 11)·2⁻⁵³.
        case uniform
        /// Standard normal by Box–Muller, z = √(−2 ln u₁)·cos(2πu₂), two draws per entry.
        case normal
        /// Standard Gumbel −log(−log u) with u = ((next() >> 11) + ½)·2⁻⁵³ ∈ (0, 1).
        case gumbel
        /// Every entry receives k, the index of the step (0, 1, …).
        case step
    }
    public let argument: Int
    public let kind: Kind

    public init(argument: Int, kind: Kind) {
        self.argument = argument
        self.kind = kind
    }

    /// The seed of the noise generator: a stream independent of the minibatch
    /// sampler's (which uses `seed` itself).
    public static func noiseSeed(_ seed: UInt64) -> UInt64 { seed ^ 0x6E6F_6973_655F_7331 }

    /// Fills `count` entries for step k, drawing from `generator` (in float64,
    /// rounded to the loop's precision: the same draws in both).
    func fill<S: ProgramScalar>(_ out: UnsafeMutablePointer<S>, count: Int, step k: Int, _ generator: inout SplitMix64) {
        switch kind {
        case .step:
            out.update(repeating: S(Double(k)), count: count)
        case .uniform:
            for i in 0..<count { out[i] = S(Double(generator.next() >> 11) * 0x1p-53) }
        case .gumbel:
            for i in 0..<count {
                let u = (Double(generator.next() >> 11) + 0.5) * 0x1p-53
                out[i] = S(-log(-log(u)))
            }
        case .normal:
            for i in 0..<count {
                let u1 = (Double(generator.next() >> 11) + 0.5) * 0x1p-53
                let u2 = Double(generator.next() >> 11) * 0x1p-53
                out[i] = S((-2 * log(u1)).squareRoot() * cos(2 * Double.pi * u2))
            }
        }
    }
}

/// State carried by the loop: an argument updated after every step as an
/// exponential moving average of one of the program's outputs,
/// s ← (1 − m)·s + m·output — batch normalization's running mean and variance
/// (Ioffe & Szegedy 2015, with m their "momentum"), used in evaluation mode.
public struct TrainingState: Sendable {
    public let argument: Int
    public let output: Int
    public let momentum: Double
    public let initial: [Double]

    public init(argument: Int, output: Int, momentum: Double, initial: [Double]) {
        self.argument = argument
        self.output = output
        self.momentum = momentum
        self.initial = initial
    }
}

/// A nonsmooth term g handled by its proximal operator: after each step the
/// parameter `argument` becomes prox_{α_k g}(w) (proximal SGD; with Adam,
/// proximal Adam in the sense of Melchior, Moolekamp & Leung 2019).
public struct ProximalTerm {
    public let argument: Int
    public let operator_: any ProximalOperator

    public init(argument: Int, operator_: any ProximalOperator) {
        self.argument = argument
        self.operator_ = operator_
    }
}

/// Iterate averaging, returned next to the last iterate.
public enum IterateAveraging: Sendable, Equatable {
    case none
    /// w̄ = (1/K) Σ_k w_k.
    /// w̄ = (1/K) Σ_{k=1..K} w_k, the iterates after each of the K steps.
    case uniform
    /// w̄ = Σ_{k=0..K-1} α_k w_k / Σ_k α_k over the points w_k where the
    /// (sub)gradients were taken (so w_0 is in, the last iterate is not): the
    /// average of the stochastic subgradient method's convergence theory,
    /// E f(w̄) − f* ≤ (D² + M² Σα_k²) / (2 Σα_k) for convex f (Nemirovski,
    /// Juditsky, Lan & Shapiro 2009, eq. 2.18–2.20).
    case stepWeighted
}

public struct TrainingOptions: Sendable {
    public var steps: Int
    public var batchSize: Int
    public var replacement: Bool
    public var seed: UInt64
    public var learningRate: LearningRate
    /// History cadence, in steps.
    public var recordEvery: Int
    /// |w| below this counts as zero in `TrainingHistory.smallFraction`.
    public var threshold: Double
    public var averaging: IterateAveraging
    public var policy: KinkPolicy

    public init(steps: Int, batchSize: Int, replacement: Bool = false, seed: UInt64 = 0,
                learningRate: LearningRate, recordEvery: Int = 100, threshold: Double = 1e-5,
                averaging: IterateAveraging = .none, policy: KinkPolicy = .standard) {
        self.steps = steps
        self.batchSize = batchSize
        self.replacement = replacement
        self.seed = seed
        self.learningRate = learningRate
        self.recordEvery = recordEvery
        self.threshold = threshold
        self.averaging = averaging
        self.policy = policy
    }
}

/// One row per recorded step.
public struct TrainingHistory: Sendable {
    public var step: [Int] = []
    /// Mean minibatch loss over the steps since the previous record.
    public var loss: [Double] = []
    /// Loss on the whole data (when an evaluation program is given), else NaN.
    public var fullLoss: [Double] = []
    public var l1Norm: [Double] = []
    public var maxNorm: [Double] = []
    /// Fraction of parameters with |w| < threshold.
    public var smallFraction: [Double] = []
    /// Kinks hit since the previous record (summed over primitives).
    public var kinks: [Int] = []
    public var learningRate: [Double] = []
    public var time: [Double] = []
}

public enum TrainingStop: String, Sendable {
    case completed, diverged, cancelled
}

public struct TrainingResult {
    /// Final parameters, one array per trained argument.
    public var parameters: [[Double]]
    /// Averaged iterate (empty without averaging).
    public var averaged: [[Double]]
    /// Final values of the state arguments, in the order they were given.
    public var states: [[Double]] = []
    public var history: TrainingHistory
    /// Kinks hit over the whole run, per primitive.
    public var kinks: KinkReport
    public var steps: Int
    public var stop: TrainingStop
    public var time: Double
}

extension Program {
    /// Minimizes the scalar output 0 over the arguments `parameters` with
    /// minibatches of `data`, entirely in native code.
    ///
    /// The program runs in the precision S of the data and fixed arguments
    /// (Float or Double): forward and reverse passes, products and the loss.
    /// The parameters themselves, the optimizer's state, the prox steps and the
    /// averages are kept in float64 ("master weights", as mixed-precision
    /// training keeps float32 masters for float16 arithmetic) and rounded to S
    /// when loaded into the program at each step: O(parameters) per step
    /// against O(batch · parameters) for the step itself, and updates smaller
    /// than half a float32 ulp of a weight still accumulate.
    ///
    /// - Parameters:
    ///   - initial: starting values of the parameters (one array per argument).
    ///   - fixed: values of the arguments that are neither parameters nor data.
    ///   - generated: arguments filled by the loop at every step (noise from a
    ///     generator seeded by `GeneratedArgument.noiseSeed(options.seed)`, or the step
    ///     counter), in argument order.
    ///   - evaluation: optional program with the same arguments but the data's
    ///     full row counts; its output 0 is recorded as `fullLoss`.
    ///   - observer: called every `recordEvery` steps with (step, loss); it can
    ///     stop the run (Ctrl-C from Python), which then returns the state reached.
    public func train<S: ProgramScalar, O: Optimizer>(
        parameters: [Int], initial: [[Double]], data: [TrainingData<S>], fixed: [Int: UnsafePointer<S>] = [:],
        generated: [GeneratedArgument] = [], states: [TrainingState] = [], optimizer: inout O, proximal: [ProximalTerm] = [], options: TrainingOptions,
        evaluation: Program? = nil, observer: ProgressObserver = .silent
    ) throws -> TrainingResult {
        // The loop is specialized for Float and Double (a call from another
        // module, such as the C ABI, would otherwise run it unspecialized); the
        // optimizer is called through an existential, once per step.
        var rule: any Optimizer = optimizer
        defer { if let updated = rule as? O { optimizer = updated } }
        return try trainLoop(parameters: parameters, initial: initial, data: data, fixed: fixed, generated: generated,
                             states: states, optimizer: &rule, proximal: proximal, options: options,
                             evaluation: evaluation, observer: observer)
    }

    @_specialize(where S == Double)
    @_specialize(where S == Float)
    func trainLoop<S: ProgramScalar>(
        parameters: [Int], initial: [[Double]], data: [TrainingData<S>], fixed: [Int: UnsafePointer<S>],
        generated: [GeneratedArgument], states: [TrainingState], optimizer: inout any Optimizer, proximal: [ProximalTerm],
        options: TrainingOptions, evaluation: Program?, observer: ProgressObserver
    ) throws -> TrainingResult {
        let start = monotonicSeconds()
        try require(outputCounts[0] == 1, "loss", "must return a scalar, got shape \(outputShapes[0])")
        try checkWrt(parameters)
        try require(!parameters.isEmpty, "params", "at least one parameter is needed")
        try require(initial.count == parameters.count, "params", "one initial value per parameter is needed")
        try require(options.steps >= 0, "steps", "must be non-negative, got \(options.steps)")
        try require(options.batchSize >= 1, "batch_size", "must be at least 1, got \(options.batchSize)")
        try require(options.recordEvery >= 1, "record_every", "must be at least 1, got \(options.recordEvery)")
        try requireNonnegative(options.threshold, "threshold")
        try options.learningRate.validate()
        for (j, arg) in parameters.enumerated() {
            try require(initial[j].count == inputCounts[arg], "params",
                        "parameter \(j) has \(initial[j].count) values, the program expects shape \(inputShapes[arg])")
            try requireFinite(initial[j], "params")
        }
        var role = [Int](repeating: 0, count: inputNodes.count)  // 1 parameter, 2 data, 3 fixed
        for a in parameters { role[a] = 1 }
        var rowSizes: [Int] = []
        for (index, d) in data.enumerated() {
            try require(d.argument >= 0 && d.argument < inputNodes.count && role[d.argument] == 0, "data",
                        "argument \(d.argument) is not a free argument of the program")
            role[d.argument] = 2
            let shape = inputShapes[d.argument]
            try require(!shape.isEmpty && shape[0] == options.batchSize, "data",
                        "argument \(d.argument) was traced with shape \(shape); its first dimension must be batch_size = \(options.batchSize)")
            try require(d.rows == data[0].rows, "data", "all data arrays need the same number of rows")
            rowSizes.append(inputCounts[d.argument] / options.batchSize)
            for i in 0..<(d.rows * rowSizes.last!) where !d.values[i].isFinite {
                throw NonsmoothError.invalidArgument(name: "data", reason: "array \(index) (argument \(d.argument)) has a non-finite entry at \(i)")
            }
        }
        for (a, p) in fixed {
            try require(a >= 0 && a < inputNodes.count && role[a] == 0, "fixed", "argument \(a) is not a free argument")
            role[a] = 3
            for i in 0..<inputCounts[a] where !p[i].isFinite {
                throw NonsmoothError.invalidArgument(name: "argument \(a)", reason: "must be finite, entry \(i) is \(p[i])")
            }
        }
        for g in generated {
            try require(g.argument >= 0 && g.argument < inputNodes.count && role[g.argument] == 0, "noise",
                        "argument \(g.argument) is not a free argument")
            role[g.argument] = 4
        }
        let generated = generated.sorted { $0.argument < $1.argument }
        for st in states {
            try require(st.argument >= 0 && st.argument < inputNodes.count && role[st.argument] == 0, "state",
                        "argument \(st.argument) is not a free argument")
            try require(st.output >= 1 && st.output < outputNodes.count, "state",
                        "output \(st.output) is not an auxiliary output of the loss (1..<\(outputNodes.count))")
            try require(outputCounts[st.output] == inputCounts[st.argument] && st.initial.count == inputCounts[st.argument],
                        "state", "argument \(st.argument) has shape \(inputShapes[st.argument]), output \(st.output) has shape \(outputShapes[st.output])")
            try require(st.momentum.isFinite && st.momentum >= 0 && st.momentum <= 1, "state",
                        "momentum must lie in [0, 1], got \(st.momentum)")
            try requireFinite(st.initial, "state")
            role[st.argument] = 5
        }
        if let k = role.firstIndex(of: 0) {
            throw NonsmoothError.invalidArgument(name: "inputs", reason: "argument \(k) is neither a parameter, data, fixed nor generated")
        }
        for term in proximal {
            guard let j = parameters.firstIndex(of: term.argument) else {
                throw NonsmoothError.invalidArgument(name: "prox", reason: "argument \(term.argument) is not a parameter")
            }
            try term.operator_.validate(length: initial[j].count)
        }
        if let evaluation {
            try require(evaluation.inputCounts.count == inputCounts.count, "evaluation", "must take the same arguments")
            try require(evaluation.outputCounts[0] == 1, "evaluation", "must return a scalar, got shape \(evaluation.outputShapes[0])")
            for a in inputCounts.indices where role[a] != 2 {
                try require(evaluation.inputCounts[a] == inputCounts[a], "evaluation",
                            "argument \(a) has shape \(evaluation.inputShapes[a]) there and \(inputShapes[a]) in the loss")
            }
            for (d, size) in zip(data, rowSizes) {
                try require(evaluation.inputCounts[d.argument] == d.rows * size,
                            "evaluation", "must be traced with the full data for argument \(d.argument)")
            }
        }
        var noise = SplitMix64(seed: GeneratedArgument.noiseSeed(options.seed))
        var sampler = try MinibatchSampler(rows: data.first?.rows ?? options.batchSize, batchSize: options.batchSize,
                                           replacement: options.replacement, seed: options.seed)

        // Flat parameter vector: the optimizer sees one vector.
        var offsets: [Int] = [], total = 0
        for a in parameters { offsets.append(total); total += inputCounts[a] }
        // Raw buffers: the kernels, the optimizer and the prox all work in place.
        let w = UnsafeMutableBufferPointer<Double>.allocate(capacity: Swift.max(total, 1))
        let grad = UnsafeMutableBufferPointer<Double>.allocate(capacity: Swift.max(total, 1))
        let proxScratch = UnsafeMutableBufferPointer<Double>.allocate(capacity: Swift.max(total, 1))
        defer { w.deallocate(); grad.deallocate(); proxScratch.deallocate() }
        for (j, v) in initial.enumerated() { for i in v.indices { w[offsets[j] + i] = v[i] } }
        let wBase = w.baseAddress!
        var averaged = options.averaging == .none ? [] : [Double](repeating: 0, count: total)
        var weightSum = 0.0
        var history = TrainingHistory()
        var totals = KinkReport()
        var stop = TrainingStop.completed
        var batch: [Int] = []
        var intervalLoss = 0.0, intervalSteps = 0, intervalKinks = 0
        var stepsDone = 0
        var generatedValues: [Int: UnsafePointer<S>] = [:]
        // The parameters in the program's precision, for the evaluation program.
        let wProgram = UnsafeMutablePointer<S>.allocate(capacity: Swift.max(total, 1))
        defer { wProgram.deallocate() }
        var stateValues: [[Double]] = []

        /// w̄ ← w̄ + (c/Σc)(w − w̄): the running weighted mean, without a sum that could overflow.
        func accumulateAverage(weight: Double) {
            weightSum += weight
            let c = weight / weightSum
            for i in 0..<total { averaged[i] += c * (w[i] - averaged[i]) }
        }

        func record(_ k: Int, rate: Double) throws {
            var l1 = 0.0, linf = 0.0, small = 0
            for x in UnsafeMutableBufferPointer(rebasing: w[0..<total]) {
                l1 += Swift.abs(x)
                linf = Swift.max(linf, Swift.abs(x))
                if Swift.abs(x) < options.threshold { small += 1 }
            }
            var full = Double.nan
            if let evaluation {
                // Generated arguments keep the values of the last step (zeros before the first).
                for i in 0..<total { wProgram[i] = S(w[i]) }
                full = try evaluateFull(evaluation, w: UnsafePointer(wProgram), offsets: offsets, parameters: parameters,
                                        data: data, fixed: fixed.merging(generatedValues) { a, _ in a })
            }
            history.step.append(k)
            history.loss.append(intervalSteps > 0 ? intervalLoss / Double(intervalSteps) : .nan)
            history.fullLoss.append(full)
            history.l1Norm.append(l1)
            history.maxNorm.append(linf)
            history.smallFraction.append(total > 0 ? Double(small) / Double(total) : 0)
            history.kinks.append(intervalKinks)
            history.learningRate.append(rate)
            history.time.append(monotonicSeconds() - start)
            intervalLoss = 0
            intervalSteps = 0
            intervalKinks = 0
        }

        try withWorkspace(S.self) { ws in
            ws.useArenaForInputs()
            for g in generated { generatedValues[g.argument] = UnsafePointer(ws.value(inputNodes[g.argument])) }
            for st in states {
                let dst = ws.value(inputNodes[st.argument])
                for i in st.initial.indices { dst[i] = S(st.initial[i]) }
                generatedValues[st.argument] = UnsafePointer(dst)
            }
            for (a, p) in fixed {
                let dst = ws.value(inputNodes[a])
                for i in 0..<inputCounts[a] { dst[i] = p[i] }
            }
            try record(0, rate: options.learningRate.rate(at: 0))
            for k in 0..<options.steps {
                sampler.next(into: &batch)
                for (j, a) in parameters.enumerated() {
                    let dst = ws.value(inputNodes[a]), src = wBase + offsets[j]
                    for i in 0..<inputCounts[a] { dst[i] = S(src[i]) }
                }
                for (d, size) in zip(data, rowSizes) {
                    let dst = ws.value(inputNodes[d.argument])
                    for (r, row) in batch.enumerated() {
                        (dst + r * size).update(from: d.values + row * size, count: size)
                    }
                }
                for g in generated {
                    g.fill(ws.value(inputNodes[g.argument]), count: inputCounts[g.argument], step: k, &noise)
                }
                let report = try runForward(ws, policy: options.policy, mode: .policy)
                let loss = ws.value(outputNodes[0])[0].primal
                try runBackward(ws, wrt: parameters, seeded: [0]) { ws.cotangent(outputNodes[0])[0] = 1 }
                for st in states {
                    let s = ws.value(inputNodes[st.argument]), o = ws.value(outputNodes[st.output])
                    let m = st.momentum
                    for i in 0..<inputCounts[st.argument] { s[i] = S((1 - m) * s[i].primal + m * o[i].primal) }
                }
                for (j, a) in parameters.enumerated() {
                    let g = ws.cotangent(inputNodes[a])
                    for i in 0..<inputCounts[a] { grad[offsets[j] + i] = g[i].primal }
                }
                intervalLoss += loss
                intervalSteps += 1
                intervalKinks += report.total
                for (label, count) in report.entries { totals.add(label, count) }
                let rate = options.learningRate.rate(at: k)
                if options.averaging == .stepWeighted {
                    // Nemirovski et al. (2009), eq. (2.18): the points where the subgradients were taken.
                    accumulateAverage(weight: rate)
                }
                optimizer.step(UnsafeMutableBufferPointer(rebasing: w[0..<total]),
                               UnsafeBufferPointer(rebasing: grad[0..<total]), rate: rate)
                for term in proximal {
                    let j = parameters.firstIndex(of: term.argument)!
                    let n = inputCounts[term.argument]
                    let v = UnsafeBufferPointer(rebasing: w[offsets[j]..<offsets[j] + n])
                    let out = UnsafeMutableBufferPointer(rebasing: proxScratch[0..<n])
                    try term.operator_.prox(v, step: rate, into: out)
                    for i in 0..<n { w[offsets[j] + i] = out[i] }
                }
                stepsDone = k + 1
                if options.averaging == .uniform { accumulateAverage(weight: 1) }
                // 0·x is NaN exactly when x is not finite: one vectorizable pass.
                var probe = 0.0
                for i in 0..<total { probe += 0 * w[i] }
                if !loss.isFinite || !probe.isFinite {
                    stop = .diverged
                    try record(k + 1, rate: rate)
                    break
                }
                if (k + 1) % options.recordEvery == 0 || k + 1 == options.steps {
                    try record(k + 1, rate: rate)
                    if !observer.observe(k + 1, history.loss.last!) {
                        stop = .cancelled
                        break
                    }
                } else if (k + 1) % observer.every == 0 {
                    if !observer.observe(k + 1, intervalLoss / Double(Swift.max(intervalSteps, 1))) {
                        stop = .cancelled
                        try record(k + 1, rate: rate)
                        break
                    }
                }
            }
            stateValues = states.map { st in
                let s = ws.value(inputNodes[st.argument])
                return (0..<inputCounts[st.argument]).map { s[$0].primal }
            }
        }
        func split(_ flat: UnsafeBufferPointer<Double>) -> [[Double]] {
            parameters.indices.map { j in Array(flat[offsets[j]..<offsets[j] + inputCounts[parameters[j]]]) }
        }
        let averagedParameters = averaged.isEmpty ? [] : averaged.withUnsafeBufferPointer { split($0) }
        return TrainingResult(parameters: split(UnsafeBufferPointer(w)), averaged: averagedParameters, states: stateValues, history: history,
                              kinks: totals, steps: stepsDone, stop: stop, time: monotonicSeconds() - start)
    }

    private func evaluateFull<S: ProgramScalar>(
        _ evaluation: Program, w: UnsafePointer<S>, offsets: [Int], parameters: [Int], data: [TrainingData<S>],
        fixed: [Int: UnsafePointer<S>]
    ) throws -> Double {
        var pointers = [UnsafePointer<S>?](repeating: nil, count: inputNodes.count)
        do {
            for (j, a) in parameters.enumerated() { pointers[a] = w + offsets[j] }
            for d in data { pointers[d.argument] = d.values }
            for (a, p) in fixed { pointers[a] = p }
            var value = 0.0
            try withUnsafeMutablePointer(to: &value) { v in
                try evaluation.withWorkspace(S.self) { ws in
                    ws.load(pointers.map { $0! })
                    _ = try evaluation.runForward(ws, policy: .standard, mode: .policy, countKinks: false)
                    v.pointee = ws.value(evaluation.outputNodes[0])[0].primal
                }
            }
            return value
        }
    }
}
