/// The indicator of the Euclidean ball B₂(r) = {x : ‖x‖₂ ≤ r}, r ≥ 0.
///
/// prox is the projection, whatever the step:
///
///     P(v) = v · min(1, r/‖v‖₂),
///
/// with ‖v‖₂ computed without overflow or harmful underflow (`euclideanNorm`
/// rescales when the plain sum of squares would). Points inside the ball are
/// returned unchanged; r = 0 gives 0.
///
/// `value` is 0 when ‖x‖₂ ≤ r + max(10⁻¹², n·ε)·max(1, r), +∞ otherwise. The
/// normal cone at a point of the ball contains 0, its minimal-norm element, which
/// `subgradient` returns; outside it throws `invalidArgument`. The conjugate of
/// this indicator is r‖·‖₂ (`L2Norm`).
public struct L2Ball: ProximalOperator {
    public let radius: Double

    public init(radius: Double = 1) throws {
        try requireNonnegative(radius, "radius")
        self.radius = radius
    }

    public func value(_ x: UnsafeBufferPointer<Double>) -> Double {
        let norm = euclideanNorm(x)
        return norm <= radius + setTolerance(count: x.count, scale: radius) ? 0 : .infinity
    }

    public func prox(_ v: UnsafeBufferPointer<Double>, step: Double, into out: UnsafeMutableBufferPointer<Double>) {
        let n = v.count
        if n == 0 { return }
        let norm = euclideanNorm(v)
        if norm <= radius {
            for i in 0..<n { out[i] = v[i] }
            return
        }
        let scale = norm.isFinite ? radius / norm : 0
        for i in 0..<n { out[i] = scale * v[i] }
    }

    public func subgradient(_ x: UnsafeBufferPointer<Double>, into g: UnsafeMutableBufferPointer<Double>) throws {
        try require(value(x) == 0, "x", "is outside the ℓ2 ball of radius \(radius): the subdifferential is empty")
        for i in g.indices { g[i] = 0 }
    }
}

/// Σᵢ xᵢyᵢ and Σᵢ |xᵢyᵢ| (the latter bounds the rounding error of the former).
@inline(__always)
func dotWithMagnitude(_ x: UnsafeBufferPointer<Double>, _ y: UnsafeBufferPointer<Double>) -> (dot: Double, magnitude: Double) {
    var s = 0.0, m = 0.0
    let n = min(x.count, y.count)
    var i = 0
    while i < n {
        let p = x[i] * y[i]
        s += p
        m += abs(p)
        i += 1
    }
    return (s, m)
}
