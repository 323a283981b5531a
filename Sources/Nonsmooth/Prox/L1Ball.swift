/// The indicator of the ℓ1 ball B₁(r) = {x : ‖x‖₁ ≤ r}, r ≥ 0.
///
/// prox is the Euclidean projection, whatever the step. A point inside the ball
/// is returned unchanged; otherwise
///
///     P(v)ᵢ = sign(vᵢ) max(|vᵢ| − τ, 0),   τ > 0 the root of Σᵢ max(|vᵢ| − τ, 0) = r,
///
/// i.e. the simplex projection of |v| with its signs restored, computed by
/// Condat's algorithm (L. Condat, "Fast projection onto the simplex and the ℓ1
/// ball", Mathematical Programming 158, 2016) in expected O(n) time with no
/// allocation. The radius r = 0 gives the zero vector. If cancellation in
/// |vᵢ| − τ (for v much larger than r) leaves ‖x‖₁ off r beyond the tolerance
/// below, x is rescaled onto the sphere.
///
/// `value` is 0 when ‖x‖₁ ≤ r + max(10⁻¹², n·ε)·max(1, r) (so the projection's
/// own rounded output counts as inside) and +∞ otherwise. The normal cone at a
/// point of the ball contains 0, its minimal-norm element, which `subgradient`
/// returns; outside the ball it throws `invalidArgument`.
///
/// The conjugate of this indicator is r‖·‖∞, whose prox `LinfNorm` computes from
/// the same threshold τ (Moreau decomposition).
public struct L1Ball: ProximalOperator {
    public let radius: Double

    public init(radius: Double = 1) throws {
        try requireNonnegative(radius, "radius")
        self.radius = radius
    }

    public func value(_ x: UnsafeBufferPointer<Double>) -> Double {
        var s = 0.0
        for i in x.indices { s += abs(x[i]) }
        return s <= radius + setTolerance(count: x.count, scale: radius) ? 0 : .infinity
    }

    public func prox(_ v: UnsafeBufferPointer<Double>, step: Double, into out: UnsafeMutableBufferPointer<Double>) {
        let n = v.count
        if n == 0 { return }
        if radius == 0 {
            for i in 0..<n { out[i] = 0 }
            return
        }
        var norm1 = 0.0
        for i in 0..<n { norm1 += abs(v[i]) }
        if norm1 <= radius {
            for i in 0..<n { out[i] = v[i] }
            return
        }
        let tau = simplexThreshold(v, total: radius, absolute: true, scratch: out)
        var sum = 0.0
        for i in 0..<n {
            let a = v[i]
            let x = a > tau ? a - tau : (a < -tau ? a + tau : 0)
            out[i] = x
            sum += abs(x)
        }
        restoreTotal(out, sum: sum, total: radius)
    }

    public func subgradient(_ x: UnsafeBufferPointer<Double>, into g: UnsafeMutableBufferPointer<Double>) throws {
        try require(value(x) == 0, "x", "is outside the ℓ1 ball of radius \(radius): the subdifferential is empty")
        for i in g.indices { g[i] = 0 }
    }
}
