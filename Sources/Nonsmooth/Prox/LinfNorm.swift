/// f(x) = λ‖x‖∞ = λ maxᵢ |xᵢ|.
///
/// f is the support function of the ℓ1 ball of radius λ, so by the Moreau
/// decomposition prox_{tf}(v) = v − P_{B₁(tλ)}(v). With the projection written as
/// sign(vᵢ) max(|vᵢ| − τ, 0) this is the clipping
///
///     prox_{tf}(v)ᵢ = clip(vᵢ, −τ, τ),
///
/// where τ is the ℓ1-ball threshold of Condat's algorithm (L. Condat, "Fast
/// projection onto the simplex and the ℓ1 ball", Math. Program. 2016), so the
/// clipped coordinates tie exactly at the maximum. When ‖v‖₁ ≤ tλ the prox is 0;
/// when tλ = 0 it is v. Expected O(n), no allocation.
///
/// ∂f(x) for x ≠ 0 is λ·conv{sign(xᵢ)eᵢ : |xᵢ| = ‖x‖∞}; its minimal-norm element,
/// returned by `subgradient`, puts λ·sign(xᵢ)/k on each of the k coordinates
/// attaining the maximum (exact ties). ∂f(0) is the ℓ1 ball of radius λ, whose
/// minimal-norm element is 0.
public struct LinfNorm: ProximalOperator {
    public let strength: Double

    public init(strength: Double = 1) throws {
        try requireNonnegative(strength, "strength")
        self.strength = strength
    }

    public func value(_ x: UnsafeBufferPointer<Double>) -> Double {
        var m = 0.0
        for i in x.indices {
            let a = abs(x[i])
            if a > m || a.isNaN { m = a }
        }
        return strength * m
    }

    public func prox(_ v: UnsafeBufferPointer<Double>, step: Double, into out: UnsafeMutableBufferPointer<Double>) {
        let n = v.count
        if n == 0 { return }
        let radius = step * strength
        if !(radius > 0) {
            for i in 0..<n { out[i] = v[i] }
            return
        }
        var norm1 = 0.0
        for i in 0..<n { norm1 += abs(v[i]) }
        if norm1 <= radius {
            for i in 0..<n { out[i] = 0 }
            return
        }
        let tau = simplexThreshold(v, total: radius, absolute: true, scratch: out)
        for i in 0..<n {
            let a = v[i]
            out[i] = a > tau ? tau : (a < -tau ? -tau : a)
        }
    }

    public func subgradient(_ x: UnsafeBufferPointer<Double>, into g: UnsafeMutableBufferPointer<Double>) {
        var m = 0.0
        var k = 0
        for i in x.indices {
            let a = abs(x[i])
            if a > m { m = a; k = 1 } else if a == m { k += 1 }
        }
        if !(m > 0) || k == 0 {
            for i in g.indices { g[i] = 0 }
            return
        }
        let c = strength / Double(k)
        for i in x.indices {
            let a = x[i]
            g[i] = abs(a) == m ? (a > 0 ? c : -c) : 0
        }
    }
}
