/// The indicator of the half-space {x : aᵀx ≤ b}, a ≠ 0.
///
/// prox is the projection, whatever the step, in closed form:
///
///     P(v) = v − max(0, âᵀv − b̂) â,   â = a/‖a‖₂,  b̂ = b/‖a‖₂.
///
/// Points inside are returned unchanged; points outside are projected onto the
/// boundary hyperplane (with one step of iterative refinement, as in
/// `Hyperplane`).
///
/// `value` is 0 when âᵀx − b̂ ≤ max(10⁻¹², n·ε)·max(1, |b̂|, Σᵢ|âᵢxᵢ|) and +∞
/// otherwise. The normal cone at a point of the half-space (the ray ℝ₊a on the
/// boundary, {0} inside) contains 0, its minimal-norm element, which `subgradient`
/// returns; outside it throws `invalidArgument`. `validate(length:)` requires a
/// vector of length a.count.
public struct Halfspace: ProximalOperator {
    let constraint: AffineConstraint
    public var normal: [Double] { constraint.normal }
    public var offset: Double { constraint.offset }

    public init(normal: [Double], offset: Double) throws {
        constraint = try AffineConstraint(normal: normal, offset: offset)
    }

    public func validate(length n: Int) throws { try constraint.validate(length: n) }

    public func value(_ x: UnsafeBufferPointer<Double>) -> Double {
        guard let (r, tolerance) = constraint.residual(x) else { return .nan }
        return r <= tolerance ? 0 : .infinity
    }

    public func prox(_ v: UnsafeBufferPointer<Double>, step: Double, into out: UnsafeMutableBufferPointer<Double>) throws {
        try constraint.project(v, into: out, halfspace: true)
    }

    public func subgradient(_ x: UnsafeBufferPointer<Double>, into g: UnsafeMutableBufferPointer<Double>) throws {
        try validate(length: x.count)
        try require(value(x) == 0, "x", "is outside the half-space aᵀx ≤ \(offset): the subdifferential is empty")
        for i in g.indices { g[i] = 0 }
    }
}
