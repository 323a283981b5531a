/// f(x) = α Σᵢ wᵢ (ρ|xᵢ| + (1 − ρ)/2 · xᵢ²), the elastic net in scikit-learn's
/// parametrization (α = `strength`, ρ = `l1Ratio` ∈ [0, 1]).
///
/// prox_{tf}(v)ᵢ = soft(vᵢ, tαρwᵢ) / (1 + tα(1 − ρ)wᵢ)  (Zou & Hastie 2005).
/// At xᵢ = 0 the minimal-norm subgradient is 0.
public struct ElasticNet: ProximalOperator {
    public let strength: Double
    public let l1Ratio: Double
    public let weights: [Double]?

    public init(strength: Double = 1, l1Ratio: Double = 0.5, weights: [Double]? = nil) throws {
        try requireNonnegative(strength, "strength")
        try require(l1Ratio >= 0 && l1Ratio <= 1, "l1_ratio", "must lie in [0, 1], got \(l1Ratio)")
        if let w = weights { try requireNonnegative(w, "weights") }
        self.strength = strength
        self.l1Ratio = l1Ratio
        self.weights = weights
    }

    public func validate(length n: Int) throws {
        if let w = weights {
            try require(w.count == n, "weights", "has length \(w.count) but the vector has length \(n)")
        }
    }

    public func value(_ x: UnsafeBufferPointer<Double>) -> Double {
        var s = 0.0
        for i in x.indices {
            let w = weights?[i] ?? 1
            // Skip unpenalized coordinates so that 0·∞ (x² overflowing) does not give NaN.
            if w != 0 { s += w * (l1Ratio * abs(x[i]) + (1 - l1Ratio) / 2 * x[i] * x[i]) }
        }
        return strength == 0 ? 0 : strength * s
    }

    public func prox(_ v: UnsafeBufferPointer<Double>, step: Double, into out: UnsafeMutableBufferPointer<Double>) {
        let tau1 = step * strength * l1Ratio
        let tau2 = step * strength * (1 - l1Ratio)
        if let w = weights {
            for i in v.indices {
                out[i] = softThreshold(v[i], weightedThreshold(tau1, w[i])) / (1 + weightedThreshold(tau2, w[i]))
            }
        } else {
            let scale = 1 / (1 + tau2)
            for i in v.indices { out[i] = softThreshold(v[i], tau1) * scale }
        }
    }

    public func subgradient(_ x: UnsafeBufferPointer<Double>, into g: UnsafeMutableBufferPointer<Double>) {
        for i in x.indices {
            let c = strength * (weights?[i] ?? 1)
            let sign: Double = x[i] > 0 ? 1 : (x[i] < 0 ? -1 : 0)
            g[i] = c * (l1Ratio * sign + (1 - l1Ratio) * x[i])
        }
    }
}
