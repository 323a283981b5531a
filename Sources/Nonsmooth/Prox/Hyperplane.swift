/// The indicator of the hyperplane {x : aᵀx = b}, a ≠ 0.
///
/// prox is the projection, whatever the step, in closed form:
///
///     P(v) = v − (âᵀv − b̂) â,   â = a/‖a‖₂,  b̂ = b/‖a‖₂,
///
/// (the normal is normalized once at construction, so ‖a‖² never overflows),
/// followed by one step of iterative refinement (the same formula applied to the
/// result) so that points far from the hyperplane land on it to working accuracy
/// rather than with the cancellation error of the first subtraction. Near the
/// float64 limit it runs on v scaled by a power of two (`projectOntoHyperplane`).
///
/// `value` is 0 when |âᵀx − b̂| ≤ max(10⁻¹², n·ε)·max(1, |b̂|, Σᵢ|âᵢxᵢ|) and +∞
/// otherwise. The normal cone on the hyperplane is the line ℝa; its minimal-norm
/// element 0 is what `subgradient` returns, and it throws `invalidArgument` off
/// the hyperplane. `validate(length:)` requires a vector of length a.count.
public struct Hyperplane: ProximalOperator {
    let constraint: AffineConstraint
    public var normal: [Double] { constraint.normal }
    public var offset: Double { constraint.offset }

    public init(normal: [Double], offset: Double) throws {
        constraint = try AffineConstraint(normal: normal, offset: offset)
    }

    public func validate(length n: Int) throws { try constraint.validate(length: n) }

    public func value(_ x: UnsafeBufferPointer<Double>) -> Double {
        guard let (r, tolerance) = constraint.residual(x) else { return .nan }
        return abs(r) <= tolerance ? 0 : .infinity
    }

    public func prox(_ v: UnsafeBufferPointer<Double>, step: Double, into out: UnsafeMutableBufferPointer<Double>) throws {
        try constraint.project(v, into: out, halfspace: false)
    }

    public func subgradient(_ x: UnsafeBufferPointer<Double>, into g: UnsafeMutableBufferPointer<Double>) throws {
        try validate(length: x.count)
        try require(value(x) == 0, "x", "is not on the hyperplane aᵀx = \(offset): the subdifferential is empty")
        for i in g.indices { g[i] = 0 }
    }
}

/// aᵀx (= or ≤) b stored with â = a/‖a‖₂ and b̂ = b/‖a‖₂, the part shared by
/// `Hyperplane` and `Halfspace`.
struct AffineConstraint {
    let normal: [Double]
    let offset: Double
    let unitNormal: [Double]
    let unitOffset: Double

    init(normal: [Double], offset: Double) throws {
        (unitNormal, unitOffset) = try normalizeHalfspace(normal: normal, offset: offset)
        self.normal = normal
        self.offset = offset
    }

    func validate(length n: Int) throws {
        try require(normal.count == n, "a", "has length \(normal.count) but the vector has length \(n)")
    }

    /// âᵀx − b̂ and the tolerance max(10⁻¹², n·ε)·max(1, |b̂|, Σᵢ|âᵢxᵢ|) within
    /// which it counts as 0; nil when x has the wrong length.
    func residual(_ x: UnsafeBufferPointer<Double>) -> (Double, Double)? {
        guard x.count == unitNormal.count else { return nil }
        return unitNormal.withUnsafeBufferPointer { a in
            let (d, m) = dotWithMagnitude(a, x)
            return (d - unitOffset, setTolerance(count: x.count, scale: max(abs(unitOffset), m)))
        }
    }

    /// out = the projection of v onto the hyperplane, or the half-space with `halfspace`.
    func project(_ v: UnsafeBufferPointer<Double>, into out: UnsafeMutableBufferPointer<Double>,
                 halfspace: Bool) throws {
        try validate(length: v.count)
        if v.isEmpty { return }
        unitNormal.withUnsafeBufferPointer { a in
            projectOntoHyperplane(a, unitOffset, v, into: out, halfspace: halfspace)
        }
    }
}

/// (a/‖a‖₂, b/‖a‖₂) after checking a is finite and nonzero and b finite.
func normalizeHalfspace(normal: [Double], offset: Double) throws -> ([Double], Double) {
    try require(!normal.isEmpty, "a", "must not be empty")
    try requireFinite(normal, "a")
    try requireFinite(offset, "b")
    let norm = normal.withUnsafeBufferPointer { euclideanNorm($0) }
    try require(norm > 0, "a", "must be a nonzero vector (its norm underflows to 0)")
    let unit = normal.map { $0 / norm }
    let b = offset / norm
    try require(b.isFinite, "b", "is too large relative to a (b/‖a‖ overflows)")
    return (unit, b)
}

/// out = the projection of v onto {x : âᵀx = b̂} (â a unit vector), or onto
/// {x : âᵀx ≤ b̂} when `halfspace` (v itself when it lies inside): v − c·â with
/// c = âᵀv − b̂, then one refinement step. Near the float64 limit (max|vᵢ| > 2⁵⁰⁰)
/// it runs on sv and b̂s for a power of two s (`overflowGuardScale`), where âᵀv
/// cannot overflow, and scales back exactly (issue 12 item 5).
func projectOntoHyperplane(_ a: UnsafeBufferPointer<Double>, _ b: Double, _ v: UnsafeBufferPointer<Double>,
                           into out: UnsafeMutableBufferPointer<Double>, halfspace: Bool) {
    let s = overflowGuardScale(v)
    for i in v.indices { out[i] = v[i] * s }
    let bs = b * s
    let c = dotWithMagnitude(a, UnsafeBufferPointer(out)).dot - bs
    if halfspace && !(c > 0) {
        for i in v.indices { out[i] = v[i] }
        return
    }
    for i in v.indices { out[i] -= c * a[i] }
    refineOntoHyperplane(a, bs, out)
    if s != 1 {
        let inverse = 1 / s
        for i in v.indices { out[i] *= inverse }
    }
}

/// One refinement step x ← x − (âᵀx − b̂)â, in place (â a unit vector).
@inline(__always)
func refineOntoHyperplane(_ a: UnsafeBufferPointer<Double>, _ b: Double, _ x: UnsafeMutableBufferPointer<Double>) {
    let r = dotWithMagnitude(a, UnsafeBufferPointer(x)).dot - b
    if r != 0 && r.isFinite {
        for i in x.indices { x[i] -= r * a[i] }
    }
}
