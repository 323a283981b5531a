/// f(x) = λ‖x‖₂ (not squared): the group-lasso penalty of a single group.
///
/// prox is block soft thresholding, prox_{tf}(v) = max(0, 1 − tλ/‖v‖₂) v,
/// which is 0 when ‖v‖₂ ≤ tλ. ∂f(0) is the ball of radius λ; `subgradient`
/// returns its minimal-norm element 0 there, and λx/‖x‖₂ elsewhere.
public struct L2Norm: ProximalOperator {
    public let strength: Double

    public init(strength: Double = 1) throws {
        try requireNonnegative(strength, "strength")
        self.strength = strength
    }

    public func value(_ x: UnsafeBufferPointer<Double>) -> Double {
        strength * euclideanNorm(x)
    }

    public func prox(_ v: UnsafeBufferPointer<Double>, step: Double, into out: UnsafeMutableBufferPointer<Double>) {
        let norm = euclideanNorm(v)
        let tau = step * strength
        let scale = norm > tau ? 1 - tau / norm : 0
        for i in v.indices { out[i] = scale * v[i] }
    }

    public func subgradient(_ x: UnsafeBufferPointer<Double>, into g: UnsafeMutableBufferPointer<Double>) {
        let norm = euclideanNorm(x)
        let scale = norm > 0 ? strength / norm : 0
        for i in x.indices { g[i] = scale * x[i] }
    }
}
