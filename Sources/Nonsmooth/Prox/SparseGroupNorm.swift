/// f(x) = λ₁‖x‖₁ + λ₂ Σ_g w_g ‖x_g‖₂, the sparse-group lasso penalty (N. Simon,
/// J. Friedman, T. Hastie and R. Tibshirani, "A sparse-group lasso", J. Comput.
/// Graph. Statist. 22, 2013).
///
/// `weights` holds one w_g ≥ 0 per group, √|g| by default. Coordinates in no
/// group carry only the ℓ1 part.
///
/// prox is the group soft thresholding of the soft thresholding (the ℓ1 and
/// group parts' proxes compose exactly because the group norm's prox preserves
/// signs and the composition satisfies the joint optimality condition):
///
///     u = sign(v) max(|v| − tλ₁, 0),   prox_{tf}(v)_g = max(0, 1 − tλ₂w_g/‖u_g‖₂) u_g.
///
/// ∂f(x) on a group with x_g ≠ 0 is λ₁∂‖x_g‖₁ + λ₂w_g x_g/‖x_g‖₂, whose
/// minimal-norm element is λ₁sign(xᵢ) + λ₂w_g xᵢ/‖x_g‖₂ (0 where xᵢ = 0); on a
/// zero group it is λ₁[−1, 1]^|g| + λ₂w_g·Ball, which contains 0. `subgradient`
/// returns this minimal-norm element.
public struct SparseGroupNorm: ProximalOperator {
    public let l1Strength: Double
    public let groupStrength: Double
    public let groups: Groups
    /// One weight per group (√|g| unless given).
    public let weights: [Double]
    let maxIndex: Int

    public init(l1Strength: Double, groupStrength: Double, groups: Groups, weights: [Double]? = nil) throws {
        try requireNonnegative(l1Strength, "l1Strength")
        try requireNonnegative(groupStrength, "groupStrength")
        if let w = weights {
            try require(w.count == groups.count, "weights",
                        "has \(w.count) entries but there are \(groups.count) groups")
            try requireNonnegative(w, "weights")
            self.weights = w
        } else {
            self.weights = (0..<groups.count).map { Double(groups.size($0)).squareRoot() }
        }
        self.l1Strength = l1Strength
        self.groupStrength = groupStrength
        self.groups = groups
        self.maxIndex = groups.indices.max() ?? -1
    }

    public func validate(length n: Int) throws {
        try groups.validate(length: n)
    }

    public func value(_ x: UnsafeBufferPointer<Double>) -> Double {
        guard maxIndex < x.count else { return .nan }
        var l1 = 0.0
        for i in x.indices { l1 += abs(x[i]) }
        var s = 0.0
        groups.pointers.withUnsafeBufferPointer { p in
            groups.indices.withUnsafeBufferPointer { idx in
                for g in 0..<(p.count - 1) {
                    // A zero weight contributes 0 even when the group norm overflows.
                    if weights[g] != 0 { s += weights[g] * groupNorm(x, idx, p[g], p[g + 1]) }
                }
            }
        }
        // 0·∞ is 0 here: an unpenalized part contributes nothing whatever its size.
        return (l1Strength == 0 ? 0 : l1Strength * l1) + (groupStrength == 0 ? 0 : groupStrength * s)
    }

    public func prox(_ v: UnsafeBufferPointer<Double>, step: Double, into out: UnsafeMutableBufferPointer<Double>) throws {
        try require(maxIndex < v.count, "groups", "index \(maxIndex) is out of range for a vector of length \(v.count)")
        let n = v.count
        if n == 0 { return }
        let t1 = step * l1Strength
        for i in 0..<n { out[i] = softThreshold(v[i], t1) }
        let t2 = step * groupStrength
        let u = UnsafeBufferPointer(out)
        groups.pointers.withUnsafeBufferPointer { p in
            groups.indices.withUnsafeBufferPointer { idx in
                weights.withUnsafeBufferPointer { w in
                    for g in 0..<(p.count - 1) {
                        let lo = p[g], hi = p[g + 1]
                        let norm = groupNorm(u, idx, lo, hi)
                        let tau = t2 * w[g]
                        let scale = norm > tau ? 1 - tau / norm : 0
                        if scale != 1 {
                            for k in lo..<hi { let i = idx[k]; out[i] = scale * out[i] }
                        }
                    }
                }
            }
        }
    }

    public func subgradient(_ x: UnsafeBufferPointer<Double>, into g: UnsafeMutableBufferPointer<Double>) throws {
        try require(maxIndex < x.count, "groups", "index \(maxIndex) is out of range for a vector of length \(x.count)")
        for i in x.indices {
            let a = x[i]
            g[i] = a > 0 ? l1Strength : (a < 0 ? -l1Strength : 0)
        }
        groups.pointers.withUnsafeBufferPointer { p in
            groups.indices.withUnsafeBufferPointer { idx in
                for k in 0..<(p.count - 1) {
                    let lo = p[k], hi = p[k + 1]
                    let norm = groupNorm(x, idx, lo, hi)
                    if norm > 0 {
                        let c = groupStrength * weights[k] / norm
                        for j in lo..<hi { let i = idx[j]; g[i] += c * x[i] }
                    }
                }
            }
        }
    }
}
