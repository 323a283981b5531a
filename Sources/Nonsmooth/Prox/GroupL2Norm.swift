/// f(x) = λ Σ_g w_g ‖x_g‖₂, the group-lasso penalty over disjoint groups
/// (M. Yuan and Y. Lin, "Model selection and estimation in regression with
/// grouped variables", J. R. Statist. Soc. B 68, 2006).
///
/// `weights` holds one w_g ≥ 0 per group; by default w_g = √|g|, Yuan and Lin's
/// choice that puts groups of different sizes on the same footing. Coordinates
/// in no group are unpenalized.
///
/// prox is block soft thresholding, group by group:
///
///     prox_{tf}(v)_g = max(0, 1 − tλw_g/‖v_g‖₂) v_g,
///
/// which is 0 when ‖v_g‖₂ ≤ tλw_g; coordinates in no group are copied.
///
/// ∂f(x) is the product over groups of λw_g·x_g/‖x_g‖₂ (x_g ≠ 0) or the ball of
/// radius λw_g (x_g = 0), and {0} on ungrouped coordinates. `subgradient`
/// returns its minimal-norm element (0 on zero groups).
public struct GroupL2Norm: ProximalOperator {
    public let strength: Double
    public let groups: Groups
    /// One weight per group (√|g| unless given).
    public let weights: [Double]
    let maxIndex: Int

    public init(strength: Double = 1, groups: Groups, weights: [Double]? = nil) throws {
        try requireNonnegative(strength, "strength")
        if let w = weights {
            try require(w.count == groups.count, "weights",
                        "has \(w.count) entries but there are \(groups.count) groups")
            try requireNonnegative(w, "weights")
            self.weights = w
        } else {
            self.weights = (0..<groups.count).map { Double(groups.size($0)).squareRoot() }
        }
        self.strength = strength
        self.groups = groups
        self.maxIndex = groups.indices.max() ?? -1
    }

    public func validate(length n: Int) throws {
        try groups.validate(length: n)
    }

    /// Throws unless every group index is inside a vector of length n.
    func requireInRange(_ n: Int) throws {
        try require(maxIndex < n, "groups", "index \(maxIndex) is out of range for a vector of length \(n)")
    }

    public func value(_ x: UnsafeBufferPointer<Double>) -> Double {
        guard maxIndex < x.count else { return .nan }
        if strength == 0 { return 0 }  // 0·∞ is 0: an unpenalized part contributes nothing
        var s = 0.0
        groups.pointers.withUnsafeBufferPointer { p in
            groups.indices.withUnsafeBufferPointer { idx in
                for g in 0..<(p.count - 1) {
                    // A zero weight contributes 0 even when the group norm overflows.
                    if weights[g] != 0 { s += weights[g] * groupNorm(x, idx, p[g], p[g + 1]) }
                }
            }
        }
        return strength * s
    }

    public func prox(_ v: UnsafeBufferPointer<Double>, step: Double, into out: UnsafeMutableBufferPointer<Double>) throws {
        try requireInRange(v.count)
        for i in v.indices { out[i] = v[i] }
        shrinkInPlace(out, step: step)
    }

    /// Block soft thresholding of `x` in place: x_g ← max(0, 1 − tλw_g/‖x_g‖₂) x_g.
    func shrinkInPlace(_ x: UnsafeMutableBufferPointer<Double>, step: Double) {
        if x.isEmpty { return }
        let t = step * strength
        let u = UnsafeBufferPointer(x)
        groups.pointers.withUnsafeBufferPointer { p in
            groups.indices.withUnsafeBufferPointer { idx in
                weights.withUnsafeBufferPointer { w in
                    for g in 0..<(p.count - 1) {
                        let lo = p[g], hi = p[g + 1]
                        let scale = Self.shrinkFactor(norm: groupNorm(u, idx, lo, hi), threshold: weightedThreshold(t, w[g]))
                        if scale != 1 {
                            for k in lo..<hi { let i = idx[k]; x[i] = scale * x[i] }
                        }
                    }
                }
            }
        }
    }

    /// max(0, 1 − τ/‖x_g‖₂): the factor of block soft thresholding at τ.
    @inline(__always)
    static func shrinkFactor(norm: Double, threshold tau: Double) -> Double {
        norm > tau ? 1 - tau / norm : 0
    }

    /// Block soft thresholding of one contiguous block in place,
    /// x ← max(0, 1 − τ/‖x‖₂) x, for block penalties that hold their blocks
    /// gathered (the coordinate-descent engine's group Lasso).
    static func shrinkBlock(_ x: UnsafeMutableBufferPointer<Double>, threshold tau: Double) {
        let scale = shrinkFactor(norm: blockNorm(UnsafeBufferPointer(x)), threshold: tau)
        if scale != 1 {
            for i in x.indices { x[i] *= scale }
        }
    }

    public func subgradient(_ x: UnsafeBufferPointer<Double>, into g: UnsafeMutableBufferPointer<Double>) throws {
        try requireInRange(x.count)
        for i in g.indices { g[i] = 0 }
        addSubgradient(x, into: g)
    }

    /// Adds the minimal-norm element of ∂f(x) to g (λw_g x_g/‖x_g‖₂ on nonzero groups).
    func addSubgradient(_ x: UnsafeBufferPointer<Double>, into g: UnsafeMutableBufferPointer<Double>) {
        groups.pointers.withUnsafeBufferPointer { p in
            groups.indices.withUnsafeBufferPointer { idx in
                for k in 0..<(p.count - 1) {
                    let lo = p[k], hi = p[k + 1]
                    let norm = groupNorm(x, idx, lo, hi)
                    if norm > 0 {
                        let c = strength * weights[k] / norm
                        for j in lo..<hi { let i = idx[j]; g[i] += c * x[i] }
                    }
                }
            }
        }
    }
}

/// ‖x_g‖₂ over the coordinates idx[lo..<hi], without overflow or underflow.
@inline(__always)
func groupNorm(_ x: UnsafeBufferPointer<Double>, _ idx: UnsafeBufferPointer<Int>, _ lo: Int, _ hi: Int) -> Double {
    robustNorm(hi - lo) { x[idx[lo + $0]] }
}

/// ‖x‖₂ of a contiguous block, without overflow or underflow.
@inline(__always)
func blockNorm(_ x: UnsafeBufferPointer<Double>) -> Double {
    robustNorm(x.count) { x[$0] }
}

/// ‖(a(0), ..., a(m − 1))‖₂: the plain sum of squares, recomputed with scaling
/// by the largest magnitude only when it overflows or may have lost precision
/// to underflow.
@inline(__always)
func robustNorm(_ m: Int, _ a: (Int) -> Double) -> Double {
    var s = 0.0
    for k in 0..<m { let v = a(k); s += v * v }
    if s.isFinite && s >= 0x1p-900 { return s.squareRoot() }
    if s.isNaN { return s }
    var largest = 0.0
    for k in 0..<m { largest = max(largest, abs(a(k))) }
    if largest == 0 || !largest.isFinite { return largest }
    var r = 0.0
    for k in 0..<m { let v = a(k) / largest; r += v * v }
    return largest * r.squareRoot()
}
