/// The smoothly clipped absolute deviation penalty (Fan & Li 2001), f(x) = Σᵢ p(xᵢ):
///     p(u) = λ|u|                                  for |u| ≤ λ,
///            (2aλ|u| − u² − λ²) / (2(a − 1))       for λ < |u| ≤ aλ,
///            λ²(a + 1)/2                           for |u| > aλ,        a > 2.
///
/// For t < a − 1 the prox objective is strongly convex and (Fan & Li 2001, eq. 2.8
/// with step t)
///     soft(v, tλ)                                  if |v| ≤ λ(1 + t),
///     ((a − 1)v − sign(v) t a λ) / (a − 1 − t)     if λ(1 + t) < |v| ≤ aλ,
///     v                                            if |v| > aλ.
/// For larger steps the middle piece is concave and the global minimizer is the
/// best of the candidates of the three pieces (ties to the smaller magnitude).
/// Subgradient: p′ on each piece, and 0 (minimal norm) at u = 0.
public struct SCAD: ProximalOperator {
    public let strength: Double
    public let a: Double

    public init(strength: Double = 1, a: Double = 3.7) throws {
        try requireNonnegative(strength, "strength")
        try require(a.isFinite && a > 2, "a", "must be finite and > 2, got \(a)")
        self.strength = strength
        self.a = a
    }

    @inline(__always) func penalty(_ u: Double) -> Double { Self.penalty(u, strength: strength, a: a) }

    /// p(u) for one scalar (shared with the coordinate-descent penalty `Penalties.SCAD`).
    @inline(__always)
    static func penalty(_ u: Double, strength l: Double, a: Double) -> Double {
        let m = abs(u)
        if m <= l { return l * m }
        // l·m − (m − l)²/(2(a − 1)), ordered so that a large a cannot overflow.
        if m <= a * l { return l * m - (m - l) / (a - 1) * (m - l) / 2 }
        return (a + 1) / 2 * l * l
    }

    /// prox_{t p}(u) for one scalar: the closed form for t < a − 1, else the best
    /// of the candidates of the three pieces (ties to the smaller magnitude).
    @inline(__always)
    static func prox(_ u: Double, strength l: Double, a: Double, step t: Double) -> Double {
        if l == 0 { return u }
        let m = abs(u), sign: Double = u > 0 ? 1 : -1
        if t < a - 1 {
            if m <= l * (1 + t) { return softThreshold(u, t * l) }
            // ((a − 1)u − sign·t·a·l)/(a − 1 − t), divided through by a − 1
            // so that a large a or u cannot overflow.
            if m <= a * l { return (u - sign * t * l * (a / (a - 1))) / (1 - t / (a - 1)) }
            return u
        }
        // Candidates in magnitude: the L1 piece's minimizer, the ends of the
        // concave middle piece, and the flat piece's minimizer.
        // Objectives are divided by m² so that tiny entries cannot underflow into ties.
        if m == 0 { return 0 }
        let c1 = min(max(m - t * l, 0), l), c2 = a * l, c3 = max(m, a * l)
        var best = 0.0, bestValue = 1 / (2 * t)
        @inline(__always) func consider(_ c: Double) {
            let d = (c - m) / m
            let value = penalty(c, strength: l, a: a) / m / m + d * d / (2 * t)
            if value < bestValue || (value == bestValue && c < best) { best = c; bestValue = value }
        }
        consider(c1)
        consider(c2)
        consider(c3)
        return sign * best
    }

    /// p′(u) for u ≠ 0, and 0 (the minimal-norm subgradient) at 0.
    @inline(__always)
    static func derivative(_ u: Double, strength l: Double, a: Double) -> Double {
        let m = abs(u), sign: Double = u > 0 ? 1 : -1
        if u == 0 { return 0 }
        if m <= l { return sign * l }
        if m <= a * l { return sign * (a * l - m) / (a - 1) }
        return 0
    }

    public func value(_ x: UnsafeBufferPointer<Double>) -> Double {
        var s = 0.0
        for u in x { s += penalty(u) }
        return s
    }

    public func prox(_ v: UnsafeBufferPointer<Double>, step t: Double, into out: UnsafeMutableBufferPointer<Double>) {
        for i in v.indices { out[i] = Self.prox(v[i], strength: strength, a: a, step: t) }
    }

    public func subgradient(_ x: UnsafeBufferPointer<Double>, into g: UnsafeMutableBufferPointer<Double>) {
        for i in x.indices { g[i] = Self.derivative(x[i], strength: strength, a: a) }
    }
}
