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
    /// The group part λ₂ Σ_g w_g ‖x_g‖₂.
    public let groupPart: GroupL2Norm

    public var groupStrength: Double { groupPart.strength }
    public var groups: Groups { groupPart.groups }
    /// One weight per group (√|g| unless given).
    public var weights: [Double] { groupPart.weights }

    public init(l1Strength: Double, groupStrength: Double, groups: Groups, weights: [Double]? = nil) throws {
        try requireNonnegative(l1Strength, "l1Strength")
        try requireNonnegative(groupStrength, "groupStrength")
        self.l1Strength = l1Strength
        self.groupPart = try GroupL2Norm(strength: groupStrength, groups: groups, weights: weights)
    }

    public func validate(length n: Int) throws {
        try groupPart.validate(length: n)
    }

    public func value(_ x: UnsafeBufferPointer<Double>) -> Double {
        let group = groupPart.value(x)
        if l1Strength == 0 { return group }  // 0·∞ is 0: an unpenalized part contributes nothing
        var l1 = 0.0
        for i in x.indices { l1 += abs(x[i]) }
        return l1Strength * l1 + group
    }

    public func prox(_ v: UnsafeBufferPointer<Double>, step: Double, into out: UnsafeMutableBufferPointer<Double>) throws {
        try groupPart.requireInRange(v.count)
        let t1 = step * l1Strength
        for i in v.indices { out[i] = softThreshold(v[i], t1) }
        groupPart.shrinkInPlace(out, step: step)
    }

    public func subgradient(_ x: UnsafeBufferPointer<Double>, into g: UnsafeMutableBufferPointer<Double>) throws {
        try groupPart.requireInRange(x.count)
        for i in x.indices {
            let a = x[i]
            g[i] = a > 0 ? l1Strength : (a < 0 ? -l1Strength : 0)
        }
        groupPart.addSubgradient(x, into: g)
    }
}
