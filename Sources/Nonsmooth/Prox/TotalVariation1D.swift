/// f(x) = λ Σᵢ |xᵢ₊₁ − xᵢ|, the one-dimensional (anisotropic) total variation.
///
/// prox_{tf}(v) — total-variation denoising of the signal v — is computed exactly
/// (up to rounding) by Condat's direct algorithm (L. Condat, "A direct algorithm
/// for 1D total variation denoising", IEEE Signal Processing Letters 20(11), 2013),
/// which sweeps the signal once, keeping the bounds of the current segment's
/// value and the dual variable, and backtracks only to the last point where a
/// bound was attained. Its worst case is O(n²) but it is O(n) in practice, and
/// it needs no memory beyond the output. Each segment's value is written from
/// its optimality condition (segment mean ± tλ/length), so the output is
/// piecewise constant with exactly equal values on each segment, a constant
/// signal is a fixed point, and the error does not grow with λ. n ≤ 1 or tλ = 0
/// returns v.
///
/// With D the (n−1)×n forward-difference matrix, ∂f(x) = {Dᵀz : zᵢ = λ sign(xᵢ₊₁ − xᵢ)
/// where the difference is nonzero, zᵢ ∈ [−λ, λ] where it is 0}. Its
/// minimal-norm element is explicit: the free z on a run of equal values
/// xₛ = … = xₑ (a plateau) only enter (Dᵀz)ₛ … (Dᵀz)ₑ, with fixed ends
/// z_{s−1}, zₑ ∈ [−λ, λ] (0 beyond the signal's ends); minimizing the sum of the
/// squared increments is solved by linear interpolation, which stays inside
/// [−λ, λ]. So on every plateau
///
///     gⱼ = (z_{s−1} − zₑ) / (e − s + 1),   s ≤ j ≤ e,
///
/// which `subgradient` returns (plateaus are runs of exactly equal values).
public struct TotalVariation1D: ProximalOperator {
    public let strength: Double

    public init(strength: Double = 1) throws {
        try requireNonnegative(strength, "strength")
        self.strength = strength
    }

    public func value(_ x: UnsafeBufferPointer<Double>) -> Double {
        let n = x.count
        if n < 2 { return 0 }
        var s = 0.0
        for i in 0..<(n - 1) { s += abs(x[i + 1] - x[i]) }
        return strength * s
    }

    public func prox(_ v: UnsafeBufferPointer<Double>, step: Double, into out: UnsafeMutableBufferPointer<Double>) {
        let n = v.count
        if n == 0 { return }
        let lambda = step * strength
        if n == 1 || !(lambda > 0) {
            for i in 0..<n { out[i] = v[i] }
            return
        }
        guard let y = v.baseAddress, let x = out.baseAddress else { return }
        // The constant signal at the mean is the answer exactly when every
        // partial sum z_k = Σ_{i≤k}(v_i − v̄) satisfies |z_k| ≤ tλ, which holds
        // once tλ ≥ (n/2)(max v − min v). Taking it there also keeps a huge tλ
        // (up to ∞, an overflowed product) out of Condat's sums, where v_i ± tλ
        // would lose v entirely.
        var lo = v[0], hi = v[0]
        for i in 1..<n {
            lo = min(lo, v[i])
            hi = max(hi, v[i])
        }
        if lambda >= Double(n) / 2 * (hi - lo) {
            var s = 0.0
            for i in 0..<n { s += v[i] }
            var mean = s / Double(n)
            if !mean.isFinite {   // the sum overflowed; the mean does not
                mean = 0
                for i in 0..<n { mean += v[i] / Double(n) }
            }
            for i in 0..<n { out[i] = mean }
            return
        }
        condatTV1D(y, x, n, lambda)
    }

    public func subgradient(_ x: UnsafeBufferPointer<Double>, into g: UnsafeMutableBufferPointer<Double>) {
        let n = x.count
        if n == 0 { return }
        let lambda = strength
        var s = 0
        var zBefore = 0.0  // z_{s−1}: λ·sign(x_s − x_{s−1}), 0 at the left end
        while s < n {
            var e = s
            while e + 1 < n && x[e + 1] == x[e] { e += 1 }
            var zAfter = 0.0  // z_e: λ·sign(x_{e+1} − x_e), 0 at the right end
            if e + 1 < n {
                let d = x[e + 1] - x[e]
                zAfter = d > 0 ? lambda : (d < 0 ? -lambda : 0)
            }
            let value = (zBefore - zAfter) / Double(e - s + 1)
            for j in s...e { g[j] = value }
            zBefore = zAfter
            s = e + 1
        }
    }
}

/// Condat's direct algorithm: x = argmin ½‖x − y‖² + λ Σ|xᵢ₊₁ − xᵢ|, n ≥ 2, λ > 0.
/// A transcription of the author's reference C implementation, with guards so
/// that non-finite input cannot drive an index out of range.
///
/// One change: each finished segment [a, b] is written not with the running
/// bound (vmin or vmax, accumulated through many updates and off by O(ε·λ))
/// but with the value its optimality condition fixes once the signs of the
/// jumps at its ends are known, x = (Σ_{a..b} yᵢ − z_{a−1} + z_b)/(b − a + 1),
/// zⱼ = ±λ at a jump up/down and 0 beyond the ends. This costs a second,
/// cache-hot read of the segment and makes constant pieces exact (a constant
/// signal is returned unchanged, a huge λ returns the mean).
private func condatTV1D(_ y: UnsafePointer<Double>, _ x: UnsafeMutablePointer<Double>, _ n: Int, _ lambda: Double) {
    var k = 0, k0 = 0                      // current sample, start of the current segment
    var umin = lambda, umax = -lambda      // dual variable bounds
    var vmin = y[0] - lambda, vmax = y[0] + lambda  // bounds of the segment's value
    var kplus = 0, kminus = 0              // last positions where umax = −λ, umin = λ
    let twoLambda = 2 * lambda
    let minLambda = -lambda
    var zLeft = 0.0                        // dual value at the left end of the segment

    /// Writes the segment k0...end, whose right end is a jump with dual value
    /// `zRight` (−λ down, +λ up, 0 at the end of the signal); returns end + 1.
    @inline(__always)
    func emit(_ k0: Int, through end: Int, zRight: Double) -> Int {
        var s = 0.0
        var i = k0
        repeat { s += y[i]; i += 1 } while i <= end
        let count = Double(end - k0 + 1)
        var value = (s - zLeft + zRight) / count
        if !value.isFinite {
            // The sum overflowed near the top of the double range: a running mean cannot.
            var mean = 0.0
            i = k0
            repeat { mean += (y[i] - mean) / Double(i - k0 + 1); i += 1 } while i <= end
            value = mean + (zRight - zLeft) / count
        }
        i = k0
        repeat { x[i] = value; i += 1 } while i <= end
        zLeft = zRight
        return end + 1
    }

    while true {
        while k == n - 1 {                 // right boundary
            if umin < 0 {                  // vmin too high: negative jump
                k0 = emit(k0, through: max(k0, kminus), zRight: minLambda)
                if k0 >= n { return }
                k = k0; kminus = k0
                vmin = y[k0]
                umin = lambda
                umax = vmin + umin - vmax
            } else if umax > 0 {           // vmax too low: positive jump
                k0 = emit(k0, through: max(k0, kplus), zRight: lambda)
                if k0 >= n { return }
                k = k0; kplus = k0
                vmax = y[k0]
                umax = minLambda
                umin = vmax + umax - vmin
            } else {                       // last segment
                _ = emit(k0, through: max(k0, k), zRight: 0)
                return
            }
        }
        umin += y[k + 1] - vmin
        if umin < minLambda {              // negative jump
            k0 = emit(k0, through: max(k0, kminus), zRight: minLambda)
            if k0 >= n { return }
            k = k0; kminus = k0; kplus = k0
            vmin = y[k0]
            vmax = vmin + twoLambda
            umin = lambda; umax = minLambda
        } else {
            umax += y[k + 1] - vmax
            if umax > lambda {             // positive jump
                k0 = emit(k0, through: max(k0, kplus), zRight: lambda)
                if k0 >= n { return }
                k = k0; kminus = k0; kplus = k0
                vmax = y[k0]
                vmin = vmax - twoLambda
                umin = lambda; umax = minLambda
            } else {                       // no jump
                k += 1
                if umin >= lambda {
                    kminus = k
                    vmin += (umin - lambda) / Double(kminus - k0 + 1)
                    umin = lambda
                }
                if umax <= minLambda {
                    kplus = k
                    vmax += (umax + lambda) / Double(kplus - k0 + 1)
                    umax = minLambda
                }
            }
        }
    }
}
