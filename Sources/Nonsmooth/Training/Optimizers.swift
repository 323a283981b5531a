/// A first-order update rule w ← U(w, g; α) with its own state.
///
/// The state is sized on the first step; `reset()` forgets it. Every conforming
/// type documents its update and the paper it comes from; tests check each one
/// against that formula step by step.
public protocol Optimizer: Sendable {
    /// Updates `w` in place from the (sub)gradient `g` with step size `rate`.
    mutating func step(_ w: UnsafeMutableBufferPointer<Double>, _ g: UnsafeBufferPointer<Double>, rate: Double)
    mutating func reset()
    var name: String { get }
    /// The state as numbers (empty before the first step and for stateless rules),
    /// so that it can be saved and given back to `restore` of the same kind.
    var state: [Double] { get }
    /// Continues from a `state` read from an optimizer of the same kind and
    /// hyperparameters; an empty state is `reset()`. Throws on a malformed state.
    mutating func restore(_ state: [Double]) throws
}

private func requireFiniteState(_ state: [Double]) throws {
    try require(state.allSatisfy { $0.isFinite }, "state", "must be finite")
}

/// Plain (sub)gradient step: w ← w − α g.
public struct SGD: Optimizer {
    public init() {}
    public var name: String { "sgd" }
    public mutating func reset() {}
    public var state: [Double] { [] }
    public mutating func restore(_ state: [Double]) throws {
        try require(state.isEmpty, "state", "sgd has no state, got \(state.count) number(s)")
    }
    public mutating func step(_ w: UnsafeMutableBufferPointer<Double>, _ g: UnsafeBufferPointer<Double>, rate: Double) {
        for i in w.indices { w[i] -= rate * g[i] }
    }
}

/// Heavy ball (Polyak 1964) in the form of Sutskever et al. (2013) used by
/// PyTorch: v ← β_k v + g, w ← w − α v; with `nesterov`, w ← w − α (g + β_k v).
/// β_k is the constant `momentum` or, with a `schedule`, β_k = schedule(k) for
/// the k-th step since the last reset (vanishing or growing momentum, as in the
/// stochastic heavy ball analyses of Gadat, Panloup & Saadane 2018 and Le 2024).
public struct Momentum: Optimizer {
    public let momentum: Double
    public let nesterov: Bool
    public private(set) var schedule: MomentumSchedule?
    private var velocity: [Double] = []
    private var steps = 0

    public init(momentum: Double = 0.9, nesterov: Bool = false, schedule: MomentumSchedule? = nil) throws {
        try require(momentum.isFinite && momentum >= 0 && momentum < 1, "momentum", "must lie in [0, 1), got \(momentum)")
        try schedule?.validate()
        self.momentum = momentum
        self.nesterov = nesterov
        self.schedule = schedule
    }
    public var name: String { nesterov ? "nesterov" : "momentum" }
    public mutating func reset() { velocity = []; steps = 0 }
    /// [k, v…]: the steps taken since the last reset (for a momentum schedule) and
    /// the velocity v (empty before the first step).
    public var state: [Double] { steps == 0 && velocity.isEmpty ? [] : [Double(steps)] + velocity }
    public mutating func restore(_ state: [Double]) throws {
        if state.isEmpty { reset(); return }
        try requireFiniteState(state)
        try require(state[0] >= 0 && state[0] <= 9_007_199_254_740_992 && state[0] == state[0].rounded(), "state",
                    "momentum's state starts with its step count, a whole number ≥ 0, got \(state[0])")
        steps = Int(state[0])
        velocity = Array(state[1...])
    }

    /// Replaces the momentum schedule (nil: the constant `momentum`); the state is kept.
    public mutating func setSchedule(_ schedule: MomentumSchedule?) throws {
        try schedule?.validate()
        self.schedule = schedule
    }

    public mutating func step(_ w: UnsafeMutableBufferPointer<Double>, _ g: UnsafeBufferPointer<Double>, rate: Double) {
        if velocity.count != w.count { velocity = [Double](repeating: 0, count: w.count) }
        let mu = schedule?.value(at: steps) ?? momentum
        steps += 1
        velocity.withUnsafeMutableBufferPointer { v in
            for i in w.indices {
                v[i] = mu * v[i] + g[i]
                w[i] -= rate * (nesterov ? g[i] + mu * v[i] : v[i])
            }
        }
    }
}

/// A momentum schedule β_k ∈ [0, 1): one of the step-size schedules, or one minus
/// it (β_k = 1 − r_k, momentum growing to 1 as r_k → 0).
public struct MomentumSchedule: Sendable, Equatable {
    public let base: LearningRate
    public let complement: Bool

    public init(_ base: LearningRate, complement: Bool = false) {
        self.base = base
        self.complement = complement
    }

    public func value(at k: Int) -> Double {
        complement ? 1 - base.rate(at: k) : base.rate(at: k)
    }

    /// Every schedule is positive and nonincreasing, so its first value bounds the rest.
    public func validate() throws {
        try base.validate()
        let first = base.rate(at: 0)
        if complement {
            try require(first <= 1, "momentum", "1 − schedule(k) must lie in [0, 1): the schedule starts at \(first) > 1")
        } else {
            try require(first < 1, "momentum", "schedule(k) must lie in [0, 1): it starts at \(first)")
        }
    }
}

/// AdaGrad (Duchi, Hazan & Singer 2011): G ← G + g², w ← w − α g / (√G + ε).
public struct AdaGrad: Optimizer {
    public let epsilon: Double
    private var sum: [Double] = []

    public init(epsilon: Double = 1e-10) throws {
        try requireNonnegative(epsilon, "eps")
        self.epsilon = epsilon
    }
    public var name: String { "adagrad" }
    public mutating func reset() { sum = [] }
    /// The accumulated squares G (non-negative).
    public var state: [Double] { sum }
    public mutating func restore(_ state: [Double]) throws {
        try requireFiniteState(state)
        try require(state.allSatisfy { $0 >= 0 }, "state", "adagrad's accumulated squares must be non-negative")
        sum = state
    }
    public mutating func step(_ w: UnsafeMutableBufferPointer<Double>, _ g: UnsafeBufferPointer<Double>, rate: Double) {
        if sum.count != w.count { sum = [Double](repeating: 0, count: w.count) }
        sum.withUnsafeMutableBufferPointer { s in
            for i in w.indices {
                s[i] += g[i] * g[i]
                w[i] -= rate * g[i] / (s[i].squareRoot() + epsilon)
            }
        }
    }
}

/// RMSProp (Tieleman & Hinton 2012): s ← ρ s + (1 − ρ) g², w ← w − α g / (√s + ε).
public struct RMSProp: Optimizer {
    public let decay: Double
    public let epsilon: Double
    private var square: [Double] = []

    public init(decay: Double = 0.99, epsilon: Double = 1e-8) throws {
        try require(decay.isFinite && decay >= 0 && decay < 1, "rho", "must lie in [0, 1), got \(decay)")
        try requireNonnegative(epsilon, "eps")
        self.decay = decay
        self.epsilon = epsilon
    }
    public var name: String { "rmsprop" }
    public mutating func reset() { square = [] }
    /// The running mean of squares s (non-negative).
    public var state: [Double] { square }
    public mutating func restore(_ state: [Double]) throws {
        try requireFiniteState(state)
        try require(state.allSatisfy { $0 >= 0 }, "state", "rmsprop's mean squares must be non-negative")
        square = state
    }
    public mutating func step(_ w: UnsafeMutableBufferPointer<Double>, _ g: UnsafeBufferPointer<Double>, rate: Double) {
        if square.count != w.count { square = [Double](repeating: 0, count: w.count) }
        let rho = decay
        square.withUnsafeMutableBufferPointer { s in
            for i in w.indices {
                s[i] = rho * s[i] + (1 - rho) * g[i] * g[i]
                w[i] -= rate * g[i] / (s[i].squareRoot() + epsilon)
            }
        }
    }
}

/// Adam (Kingma & Ba 2015): m ← β₁m + (1 − β₁)g, v ← β₂v + (1 − β₂)g²,
/// w ← w − α m̂ / (√v̂ + ε) with m̂ = m/(1 − β₁ᵗ), v̂ = v/(1 − β₂ᵗ).
public struct Adam: Optimizer {
    public let beta1: Double
    public let beta2: Double
    public let epsilon: Double
    private var m: [Double] = []
    private var v: [Double] = []
    private var power1 = 1.0
    private var power2 = 1.0

    public init(beta1: Double = 0.9, beta2: Double = 0.999, epsilon: Double = 1e-8) throws {
        try require(beta1.isFinite && beta1 >= 0 && beta1 < 1, "beta1", "must lie in [0, 1), got \(beta1)")
        try require(beta2.isFinite && beta2 >= 0 && beta2 < 1, "beta2", "must lie in [0, 1), got \(beta2)")
        try requireNonnegative(epsilon, "eps")
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
    }
    public var name: String { "adam" }
    public mutating func reset() { m = []; v = []; power1 = 1; power2 = 1 }
    /// [β₁ᵗ, β₂ᵗ, m…, v…] (empty before the first step).
    public var state: [Double] { m.isEmpty ? [] : [power1, power2] + m + v }
    public mutating func restore(_ state: [Double]) throws {
        if state.isEmpty { reset(); return }
        try requireFiniteState(state)
        try require(state.count >= 2 && state.count % 2 == 0, "state",
                    "adam's state is [β₁ᵗ, β₂ᵗ, m, v] with m and v of one length, got \(state.count) number(s)")
        let n = (state.count - 2) / 2
        try require(state[0] >= 0 && state[0] < 1 && state[1] >= 0 && state[1] < 1, "state",
                    "adam's powers β₁ᵗ, β₂ᵗ must lie in [0, 1)")
        try require(state[(2 + n)...].allSatisfy { $0 >= 0 }, "state", "adam's second moments must be non-negative")
        power1 = state[0]
        power2 = state[1]
        m = Array(state[2..<(2 + n)])
        v = Array(state[(2 + n)...])
    }
    public mutating func step(_ w: UnsafeMutableBufferPointer<Double>, _ g: UnsafeBufferPointer<Double>, rate: Double) {
        if m.count != w.count {
            m = [Double](repeating: 0, count: w.count)
            v = [Double](repeating: 0, count: w.count)
            power1 = 1
            power2 = 1
        }
        power1 *= beta1
        power2 *= beta2
        let c1 = 1 / (1 - power1), c2 = 1 / (1 - power2)
        let (b1, b2, eps) = (beta1, beta2, epsilon)
        let n = w.count
        guard n > 0, let wp = w.baseAddress, let gp = g.baseAddress else { return }
        m.withUnsafeMutableBufferPointer { mm in
            v.withUnsafeMutableBufferPointer { vv in
                // Two simple passes over raw pointers vectorize (one fused loop did
                // not: 6 ns per parameter); the arithmetic is the same, term by term.
                let mp = mm.baseAddress!, vp = vv.baseAddress!
                for i in 0..<n {
                    mp[i] = b1 * mp[i] + (1 - b1) * gp[i]
                    vp[i] = b2 * vp[i] + (1 - b2) * gp[i] * gp[i]
                }
                for i in 0..<n {
                    wp[i] -= rate * (mp[i] * c1) / ((vp[i] * c2).squareRoot() + eps)
                }
            }
        }
    }
}
