/// The indicator of the simplex Δ_s = {x ∈ ℝⁿ : xᵢ ≥ 0, Σᵢ xᵢ = s}, s > 0.
///
/// prox is the Euclidean projection, whatever the step:
///
///     P_Δ(v)ᵢ = max(vᵢ − τ, 0),   τ the unique root of Σᵢ max(vᵢ − τ, 0) = s,
///
/// computed by Condat's algorithm (L. Condat, "Fast projection onto the simplex
/// and the ℓ1 ball", Mathematical Programming 158, 2016, Algorithm 3): one pass
/// that keeps a running estimate of τ over a shrinking candidate set, expected
/// O(n) time, no sort, and no memory beyond the output buffer. If cancellation
/// in vᵢ − τ (for v much larger than s) leaves Σx off s beyond the tolerance
/// below, x is rescaled onto the simplex.
///
/// `value` is 0 on the simplex and +∞ elsewhere, with a relative tolerance of
/// max(10⁻¹², n·ε)·max(1, s) on the sum and the signs, so that the projection's
/// own (rounded) output counts as inside. The normal cone at a point of the
/// simplex contains 0, its minimal-norm element, which `subgradient` returns;
/// outside the simplex it throws `invalidArgument`. The empty vector (n = 0) is
/// never in Δ_s, but its projection writes nothing.
public struct Simplex: ProximalOperator {
    public let total: Double

    public init(total: Double = 1) throws {
        try requirePositive(total, "total")
        self.total = total
    }

    public func value(_ x: UnsafeBufferPointer<Double>) -> Double {
        let tol = setTolerance(count: x.count, scale: total)
        var sum = 0.0
        var inside = true
        for i in x.indices {
            let a = x[i]
            if !(a >= -tol) { inside = false }
            sum += a
        }
        return inside && abs(sum - total) <= tol ? 0 : .infinity
    }

    public func prox(_ v: UnsafeBufferPointer<Double>, step: Double, into out: UnsafeMutableBufferPointer<Double>) {
        let n = v.count
        if n == 0 { return }
        // P(v) = P(v − c·1): shifted by max v when it dwarfs the total, since
        // v_i − τ with τ ≈ max v − total/k would lose the total to rounding
        // ([1e308, 1e308] gave [0, 0]); entries far below the max are 0 either way.
        var top = v[0]
        for i in 1..<n { top = max(top, v[i]) }
        if abs(top) > 4 * total {
            let shifted = [Double](unsafeUninitializedCapacity: n) { b, count in
                // τ ≥ max − total, so anything below max − 2·total projects to 0:
                // clamping there keeps −∞ (v_i − max overflowing) out of the threshold.
                for i in 0..<n { b[i] = max(v[i] - top, -2 * total) }
                count = n
            }
            shifted.withUnsafeBufferPointer { prox($0, step: step, into: out) }
            return
        }
        // The output buffer doubles as Condat's candidate list.
        let tau = simplexThreshold(v, total: total, absolute: false, scratch: out)
        var sum = 0.0
        for i in 0..<n {
            let d = v[i] - tau
            let x = d > 0 ? d : 0
            out[i] = x
            sum += x
        }
        restoreTotal(out, sum: sum, total: total)
    }

    public func subgradient(_ x: UnsafeBufferPointer<Double>, into g: UnsafeMutableBufferPointer<Double>) throws {
        try require(value(x) == 0, "x", "is not in the simplex {x ≥ 0, Σx = \(total)}: the subdifferential is empty")
        for i in g.indices { g[i] = 0 }
    }
}

/// Membership tolerance for the sets in this library: relative max(10⁻¹², n·ε),
/// the larger being the worst-case rounding of a sum of n terms.
@inline(__always)
func setTolerance(count n: Int, scale: Double) -> Double {
    max(1e-12, Double(n) * Double.ulpOfOne) * max(1, scale)
}

/// When v is large compared with s, the differences vᵢ − τ lose up to ε·max|v|
/// to cancellation and their sum can miss s by more than the set's tolerance;
/// a rescaling by s/Σx (done only then) puts the projection back on the set,
/// changing each coordinate by at most that same cancellation error.
@inline(__always)
func restoreTotal(_ x: UnsafeMutableBufferPointer<Double>, sum: Double, total: Double) {
    guard abs(sum - total) > 0.5 * setTolerance(count: x.count, scale: total), sum > 0, sum.isFinite else { return }
    let c = total / sum
    for i in x.indices { x[i] *= c }
}

/// The threshold τ of the projection of y onto the simplex {x ≥ 0, Σx = a}
/// (a > 0): the root of Σᵢ max(yᵢ − τ, 0) = a, so that the projection is
/// max(y − τ, 0). With `absolute`, y is |v| (the ℓ1-ball case).
///
/// Condat's algorithm ("Fast projection onto the simplex and the ℓ1 ball",
/// Math. Program. 2016), in the single-buffer form of the author's reference C
/// code: the candidate set v and the set ṽ of discarded candidates share
/// `scratch` (length ≥ y.count, may be the caller's output buffer; it must not
/// alias `y`). Expected O(n), worst case O(n²), no allocation.
///
/// Never traps: with non-finite input the result is meaningless but the loops
/// still terminate within bounds.
func simplexThreshold(_ y: UnsafeBufferPointer<Double>, total a: Double, absolute: Bool,
                      scratch aux0: UnsafeMutableBufferPointer<Double>) -> Double {
    let n = y.count
    guard n > 0, aux0.count >= n, let base = aux0.baseAddress, let yb = y.baseAddress else { return 0 }
    if absolute {
        return condatThreshold(yb, n, a, base, { abs($0) })
    } else {
        return condatThreshold(yb, n, a, base, { $0 })
    }
}

@inline(__always)
private func condatThreshold(_ y: UnsafePointer<Double>, _ n: Int, _ a: Double,
                             _ aux0: UnsafeMutablePointer<Double>, _ map: (Double) -> Double) -> Double {
    // Phase 1: one pass. v = aux[start ..< length]; ṽ = aux[0 ..< start].
    var length = 1          // end of v
    var start = 0           // beginning of v (= number of discarded candidates)
    aux0[0] = map(y[0])
    var tau = aux0[0] - a
    var i = 1
    while i < n {
        let yi = map(y[i])
        if yi > tau {
            aux0[length] = yi
            tau += (yi - tau) / Double(length - start + 1)
            if tau <= yi - a {
                // yᵢ alone already exceeds the threshold: restart v = {yᵢ}.
                tau = yi - a
                start = length
            }
            length += 1
        }
        i += 1
    }
    // Phase 2: re-examine the discarded candidates ṽ (copied, in reverse, in
    // front of v; the write position never passes the read position).
    var aux = aux0 + start
    var count = length - start
    var k = start - 1
    while k >= 0 {
        let yk = aux0[k]
        if yk > tau {
            aux -= 1
            aux[0] = yk
            count += 1
            tau += (yk - tau) / Double(count)
        }
        k -= 1
    }
    // Phase 3: remove candidates below τ until the set is stable.
    while true {
        let oldCount = count
        count = 0
        var j = 0
        while j < oldCount {
            let yj = aux[j]
            if yj > tau {
                aux[count] = yj
                count += 1
            } else {
                let remaining = oldCount - 1 - j + count
                if remaining > 0 { tau += (tau - yj) / Double(remaining) }
            }
            j += 1
        }
        if count >= oldCount || count == 0 { break }
    }
    // τ is the mean formula over the final support; recomputing it from the
    // support's exact sum removes the rounding accumulated by the running
    // updates (which matters for long vectors).
    if count > 0 {
        var sum = 0.0
        for j in 0..<count { sum += aux[j] }
        let exact = (sum - a) / Double(count)
        if exact.isFinite { tau = exact }
    }
    return tau
}
