/// The indicator of the box {x : lᵢ ≤ xᵢ ≤ uᵢ}; bounds may be ±∞, so this also
/// covers the non-negative orthant (l = 0, u = +∞).
///
/// prox is the projection clip(v, l, u), whatever the step. `lower` and `upper`
/// hold one entry (the same bound for every coordinate) or one per coordinate.
public struct Box: ProximalOperator {
    public let lower: [Double]
    public let upper: [Double]

    public init(lower: [Double], upper: [Double]) throws {
        try require(!lower.isEmpty, "lower", "must hold at least one bound")
        try require(!upper.isEmpty, "upper", "must hold at least one bound")
        for (i, l) in lower.enumerated() where l.isNaN || l == .infinity {
            throw NonsmoothError.invalidArgument(name: "lower", reason: "entry \(i) is \(l); it must be a number < +inf")
        }
        for (i, u) in upper.enumerated() where u.isNaN || u == -.infinity {
            throw NonsmoothError.invalidArgument(name: "upper", reason: "entry \(i) is \(u); it must be a number > -inf")
        }
        if lower.count == upper.count || lower.count == 1 || upper.count == 1 {
            for i in 0..<max(lower.count, upper.count) {
                let l = lower[lower.count == 1 ? 0 : i], u = upper[upper.count == 1 ? 0 : i]
                try require(l <= u, "lower", "exceeds upper at coordinate \(i) (\(l) > \(u)): the box is empty")
            }
        }
        self.lower = lower
        self.upper = upper
    }

    public init(lower: Double = -.infinity, upper: Double = .infinity) throws {
        try self.init(lower: [lower], upper: [upper])
    }

    /// The non-negative orthant {x : x ≥ 0}.
    public static let nonnegative = Box(checkedLower: [0], upper: [.infinity])

    private init(checkedLower lower: [Double], upper: [Double]) {
        self.lower = lower
        self.upper = upper
    }

    public func validate(length n: Int) throws {
        try require(lower.count == 1 || lower.count == n, "lower",
                    "has length \(lower.count) but the vector has length \(n)")
        try require(upper.count == 1 || upper.count == n, "upper",
                    "has length \(upper.count) but the vector has length \(n)")
    }

    @inline(__always) func l(_ i: Int) -> Double { lower.count == 1 ? lower[0] : lower[i] }
    @inline(__always) func u(_ i: Int) -> Double { upper.count == 1 ? upper[0] : upper[i] }

    public func value(_ x: UnsafeBufferPointer<Double>) -> Double {
        for i in x.indices where !(x[i] >= l(i) && x[i] <= u(i)) { return .infinity }
        return 0
    }

    public func prox(_ v: UnsafeBufferPointer<Double>, step: Double, into out: UnsafeMutableBufferPointer<Double>) {
        if lower.count == 1 && upper.count == 1 {
            let lo = lower[0], hi = upper[0]
            for i in v.indices { let a = v[i]; out[i] = a < lo ? lo : (a > hi ? hi : a) }
        } else {
            for i in v.indices { let a = v[i], lo = l(i), hi = u(i); out[i] = a < lo ? lo : (a > hi ? hi : a) }
        }
    }

    /// The normal cone at x contains 0, its minimal-norm element.
    public func subgradient(_ x: UnsafeBufferPointer<Double>, into g: UnsafeMutableBufferPointer<Double>) throws {
        try require(value(x) == 0, "x", "is outside the box: the subdifferential is empty")
        for i in g.indices { g[i] = 0 }
    }
}
