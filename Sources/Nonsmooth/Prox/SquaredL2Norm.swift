/// f(x) = (λ/2) Σᵢ wᵢ xᵢ², the (weighted) ridge penalty.
///
/// prox_{tf}(v)ᵢ = vᵢ / (1 + tλwᵢ); f is smooth, so ∂f(x) = {λ w ⊙ x}.
public struct SquaredL2Norm: ProximalOperator {
    public let strength: Double
    public let weights: [Double]?

    public init(strength: Double = 1, weights: [Double]? = nil) throws {
        try requireNonnegative(strength, "strength")
        if let w = weights { try requireNonnegative(w, "weights") }
        self.strength = strength
        self.weights = weights
    }

    public func validate(length n: Int) throws {
        if let w = weights {
            try require(w.count == n, "weights", "has length \(w.count) but the vector has length \(n)")
        }
    }

    public func value(_ x: UnsafeBufferPointer<Double>) -> Double {
        var s = 0.0
        for i in x.indices { s += (weights?[i] ?? 1) * x[i] * x[i] }
        return strength * s / 2
    }

    public func prox(_ v: UnsafeBufferPointer<Double>, step: Double, into out: UnsafeMutableBufferPointer<Double>) {
        let t = step * strength
        if let w = weights {
            for i in v.indices { out[i] = v[i] / (1 + weightedThreshold(t, w[i])) }
        } else {
            let scale = 1 / (1 + t)
            for i in v.indices { out[i] = v[i] * scale }
        }
    }

    public func subgradient(_ x: UnsafeBufferPointer<Double>, into g: UnsafeMutableBufferPointer<Double>) {
        for i in x.indices { g[i] = strength * (weights?[i] ?? 1) * x[i] }
    }
}
