#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Step-size schedules α_k, k = 0, 1, … (the step counter of the training loop).
public enum LearningRate: Sendable, Equatable {
    /// α_k = α.
    case constant(Double)
    /// α_k = a / (b + k)^p — square-summable but not summable for p ∈ (1/2, 1],
    /// the classical condition of stochastic (sub)gradient methods (Robbins & Monro 1951).
    case diminishing(a: Double, b: Double, power: Double)
    /// α_k = α₀ · factor^⌊k / every⌋.
    case stepDecay(initial: Double, factor: Double, every: Int)
    /// α_k = α_min + (α₀ − α_min)(1 + cos(π k / K))/2 for k < K, α_min after
    /// (Loshchilov & Hutter 2017, without restarts).
    case cosine(initial: Double, minimum: Double, steps: Int)

    public func rate(at k: Int) -> Double {
        switch self {
        case .constant(let a): return a
        case let .diminishing(a, b, p): return a / Glibc.pow(b + Double(k), p)
        case let .stepDecay(a, f, every): return a * Glibc.pow(f, Double(k / every))
        case let .cosine(a, m, steps):
            if k >= steps { return m }
            return m + (a - m) * (1 + Glibc.cos(Double.pi * Double(k) / Double(steps))) / 2
        }
    }

    public func validate() throws {
        switch self {
        case .constant(let a):
            try requirePositive(a, "learning_rate")
        case let .diminishing(a, b, p):
            try requirePositive(a, "learning_rate")
            try require(b.isFinite && b > 0, "b", "must be positive so α_0 is finite, got \(b)")
            try requireNonnegative(p, "power")
        case let .stepDecay(a, f, every):
            try requirePositive(a, "learning_rate")
            try require(f.isFinite && f > 0 && f <= 1, "factor", "must lie in (0, 1], got \(f)")
            try require(every >= 1, "every", "must be at least 1, got \(every)")
        case let .cosine(a, m, steps):
            try requirePositive(a, "learning_rate")
            try require(m.isFinite && m >= 0 && m <= a, "minimum", "must lie in [0, learning_rate], got \(m)")
            try require(steps >= 1, "steps", "must be at least 1, got \(steps)")
        }
    }
}
