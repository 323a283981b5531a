/// Errors raised by the core. Every failure a caller can provoke is one of these;
/// nothing in `Nonsmooth` traps on bad input.
public enum NonsmoothError: Error, Equatable, CustomStringConvertible {
    /// An argument is out of its domain: `name` says which, `reason` says why.
    case invalidArgument(name: String, reason: String)
    /// A numerical routine failed (e.g. LAPACK did not converge).
    case numericalError(String)
    /// A long-running loop was stopped by its progress callback.
    case cancelled
    /// An iterative method stopped before its certificate reached the tolerance.
    case notConverged(String)

    public var description: String {
        switch self {
        case let .invalidArgument(name, reason): return "\(name): \(reason)"
        case let .numericalError(message): return message
        case .cancelled: return "cancelled by the progress callback"
        case let .notConverged(message): return message
        }
    }
}

@inline(__always)
func require(_ condition: Bool, _ name: String, _ reason: @autoclosure () -> String) throws {
    if !condition { throw NonsmoothError.invalidArgument(name: name, reason: reason()) }
}

@inline(__always)
func requireFinite(_ value: Double, _ name: String) throws {
    try require(value.isFinite, name, "must be finite, got \(value)")
}

@inline(__always)
func requirePositive(_ value: Double, _ name: String) throws {
    try require(value.isFinite && value > 0, name, "must be positive and finite, got \(value)")
}

@inline(__always)
func requireNonnegative(_ value: Double, _ name: String) throws {
    try require(value.isFinite && value >= 0, name, "must be non-negative and finite, got \(value)")
}

func requireFinite(_ values: [Double], _ name: String) throws {
    for (i, x) in values.enumerated() where !x.isFinite {
        throw NonsmoothError.invalidArgument(name: name, reason: "must be finite, entry \(i) is \(x)")
    }
}

func requireNonnegative(_ values: [Double], _ name: String) throws {
    for (i, x) in values.enumerated() where !(x.isFinite && x >= 0) {
        throw NonsmoothError.invalidArgument(
            name: name, reason: "must be non-negative and finite, entry \(i) is \(x)")
    }
}
