/// The minimax concave penalty (Zhang 2010), f(x) = Σᵢ p(xᵢ) with
///     p(a) = λ|a| − a²/(2γ)   for |a| ≤ γλ,     γλ²/2 otherwise,    γ > 0.
///
/// For t < γ the prox objective is strongly convex and the prox is firm
/// thresholding (Gao & Bruce 1997):
///     0                              if |v| ≤ tλ,
///     sign(v)(|v| − tλ)/(1 − t/γ)    if tλ < |v| ≤ γλ,
///     v                              if |v| > γλ.
/// For t ≥ γ the objective is concave on (0, γλ]; the global minimizer is then
/// the better of 0 and sign(v)·max(|v|, γλ), ties going to 0.
/// Subgradient: p′(a) = sign(a)(λ − |a|/γ)₊ for a ≠ 0 and 0 (minimal norm) at 0.
public struct MCP: ProximalOperator {
    public let strength: Double
    public let gamma: Double

    public init(strength: Double = 1, gamma: Double = 3) throws {
        try requireNonnegative(strength, "strength")
        try requirePositive(gamma, "gamma")
        self.strength = strength
        self.gamma = gamma
    }

    @inline(__always) func penalty(_ a: Double) -> Double { Self.penalty(a, strength: strength, gamma: gamma) }

    /// p(a) for one scalar (shared with the coordinate-descent penalty `Penalties.MCP`).
    @inline(__always)
    static func penalty(_ a: Double, strength: Double, gamma: Double) -> Double {
        let m = abs(a)
        return m <= gamma * strength ? strength * m - m * m / (2 * gamma) : gamma * strength * strength / 2
    }

    /// prox_{t p}(a) for one scalar: firm thresholding for t < γ, else the better of 0 and sign(a)·max(|a|, γλ).
    @inline(__always)
    static func prox(_ a: Double, strength lambda: Double, gamma: Double, step t: Double) -> Double {
        if lambda == 0 { return a }
        let m = abs(a)
        if t < gamma {
            if m <= t * lambda { return 0 }
            if m <= gamma * lambda { return (a > 0 ? 1 : -1) * (m - t * lambda) / (1 - t / gamma) }
            return a
        }
        let far = max(m, gamma * lambda)
        // Compare the objectives at far and at 0 divided by m²/(2t), so that
        // squares of tiny entries cannot underflow into a false tie.
        let shift = (far - m) / m, level = lambda / m
        let atFar = t * gamma * level * level + shift * shift
        return m > 0 && atFar < 1 ? (a > 0 ? far : -far) : 0
    }

    /// p′(a) for a ≠ 0, and 0 (the minimal-norm subgradient) at 0.
    @inline(__always)
    static func derivative(_ a: Double, strength: Double, gamma: Double) -> Double {
        a == 0 ? 0 : (a > 0 ? 1 : -1) * max(strength - abs(a) / gamma, 0)
    }

    public func value(_ x: UnsafeBufferPointer<Double>) -> Double {
        var s = 0.0
        for a in x { s += penalty(a) }
        return s
    }

    public func prox(_ v: UnsafeBufferPointer<Double>, step t: Double, into out: UnsafeMutableBufferPointer<Double>) {
        for i in v.indices { out[i] = Self.prox(v[i], strength: strength, gamma: gamma, step: t) }
    }

    public func subgradient(_ x: UnsafeBufferPointer<Double>, into g: UnsafeMutableBufferPointer<Double>) {
        for i in x.indices { g[i] = Self.derivative(x[i], strength: strength, gamma: gamma) }
    }
}
