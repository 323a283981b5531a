/// f(x) = λ Σᵢ h_δ(xᵢ), the Huber function
///     h_δ(a) = a²/2 for |a| ≤ δ,   δ|a| − δ²/2 otherwise   (Huber 1964).
///
/// f is smooth (∇f = λ clip(x, −δ, δ)); its prox is
///     prox_{tf}(v)ᵢ = vᵢ/(1 + tλ)        if |vᵢ| ≤ δ(1 + tλ),
///                     vᵢ − tλδ sign(vᵢ)  otherwise.
/// As δ → 0, f/δ tends to λ‖x‖₁; as δ → ∞ it tends to the ridge penalty.
public struct Huber: ProximalOperator {
    public let strength: Double
    public let delta: Double

    public init(strength: Double = 1, delta: Double = 1) throws {
        try requireNonnegative(strength, "strength")
        try requirePositive(delta, "delta")
        self.strength = strength
        self.delta = delta
    }

    public func value(_ x: UnsafeBufferPointer<Double>) -> Double {
        var s = 0.0
        for a in x { let m = abs(a); s += m <= delta ? m * m / 2 : delta * (m - delta / 2) }
        return strength * s
    }

    public func prox(_ v: UnsafeBufferPointer<Double>, step: Double, into out: UnsafeMutableBufferPointer<Double>) {
        let t = step * strength
        let knot = delta * (1 + t)
        let shift = t * delta
        let scale = 1 / (1 + t)
        for i in v.indices {
            let a = v[i]
            out[i] = a > knot ? a - shift : (a < -knot ? a + shift : a * scale)
        }
    }

    public func subgradient(_ x: UnsafeBufferPointer<Double>, into g: UnsafeMutableBufferPointer<Double>) {
        for i in x.indices { g[i] = strength * min(max(x[i], -delta), delta) }
    }
}
