/// f(x) = λ Σᵢ max(0, 1 − yᵢxᵢ), the hinge loss of margins yᵢxᵢ (labels y default to 1).
///
/// With m = yᵢvᵢ the prox is, coordinate by coordinate,
///     vᵢ            if m ≥ 1            (no loss),
///     vᵢ + tλyᵢ     if m ≤ 1 − tλyᵢ²    (linear part),
///     1/yᵢ          otherwise           (on the kink);
/// a zero label makes the term constant (prox = identity). At the kink the
/// subdifferential is {−sλyᵢ : s ∈ [0, 1]}, whose minimal-norm element is 0.
public struct Hinge: ProximalOperator {
    public let strength: Double
    public let labels: [Double]?

    public init(strength: Double = 1, labels: [Double]? = nil) throws {
        try requireNonnegative(strength, "strength")
        if let y = labels { try requireFinite(y, "labels") }
        self.strength = strength
        self.labels = labels
    }

    public func validate(length n: Int) throws {
        if let y = labels {
            try require(y.count == n, "labels", "has length \(y.count) but the vector has length \(n)")
        }
    }

    public func value(_ x: UnsafeBufferPointer<Double>) -> Double {
        var s = 0.0
        for i in x.indices { s += max(0, 1 - (labels?[i] ?? 1) * x[i]) }
        return strength * s
    }

    public func prox(_ v: UnsafeBufferPointer<Double>, step: Double, into out: UnsafeMutableBufferPointer<Double>) {
        let t = step * strength
        for i in v.indices {
            let y = labels?[i] ?? 1
            let m = y * v[i]
            if y == 0 || m >= 1 {
                out[i] = v[i]
            } else if m <= 1 - t * y * y {
                out[i] = v[i] + t * y
            } else {
                out[i] = 1 / y
            }
        }
    }

    public func subgradient(_ x: UnsafeBufferPointer<Double>, into g: UnsafeMutableBufferPointer<Double>) {
        for i in x.indices {
            let y = labels?[i] ?? 1
            g[i] = y * x[i] < 1 ? -strength * y : 0
        }
    }
}
