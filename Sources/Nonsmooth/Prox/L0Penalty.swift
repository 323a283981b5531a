/// f(x) = λ‖x‖₀ = λ · #{i : xᵢ ≠ 0}  (nonconvex).
///
/// prox is hard thresholding: prox_{tf}(v)ᵢ = vᵢ if |vᵢ| > √(2tλ), 0 otherwise.
/// At |vᵢ| = √(2tλ) both 0 and vᵢ are minimizers; we return 0 (the sparser one).
/// The limiting subdifferential is {0} at xᵢ ≠ 0 and ℝ at xᵢ = 0, so the
/// minimal-norm subgradient is always 0.
public struct L0Penalty: ProximalOperator {
    public let strength: Double

    public init(strength: Double = 1) throws {
        try requireNonnegative(strength, "strength")
        self.strength = strength
    }

    public func value(_ x: UnsafeBufferPointer<Double>) -> Double {
        var count = 0
        for a in x where a != 0 { count += 1 }
        return strength * Double(count)
    }

    public func prox(_ v: UnsafeBufferPointer<Double>, step: Double, into out: UnsafeMutableBufferPointer<Double>) {
        let threshold = (2 * step * strength).squareRoot()
        for i in v.indices { out[i] = Self.hardThreshold(v[i], threshold: threshold) }
    }

    /// a when |a| > threshold, else 0 (shared with `Penalties.L0`).
    @inline(__always)
    static func hardThreshold(_ a: Double, threshold: Double) -> Double { abs(a) > threshold ? a : 0 }

    public func subgradient(_ x: UnsafeBufferPointer<Double>, into g: UnsafeMutableBufferPointer<Double>) {
        for i in g.indices { g[i] = 0 }
    }
}
