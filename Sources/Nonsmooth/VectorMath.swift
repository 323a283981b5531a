/// ‖x‖₂, fast and without overflow or harmful underflow.
///
/// The sum of squares runs in 8 SIMD lanes (memory speed, unlike BLAS dnrm2,
/// which rescales at every step and is ~10× slower). When that sum overflows or
/// falls into the range where squares underflow, the norm is recomputed with
/// the entries scaled by max|xᵢ|, which is exact up to rounding at any magnitude.
func euclideanNorm(_ x: UnsafeBufferPointer<Double>) -> Double {
    guard let p = x.baseAddress, x.count > 0 else { return 0 }
    let s = sumOfSquares(p, x.count, scale: 1)
    if s.isFinite && s > 0x1p-900 { return s.squareRoot() }
    var m = 0.0
    for a in x { let b = abs(a); if !(b <= m) { m = b } }  // NaN propagates
    if !(m > 0) || !m.isFinite { return m }
    if m < 0x1p-1000 {
        // 1/m overflows when m is subnormal (every entry became ±inf, so did the norm):
        // scale by a power of two instead, which is exact.
        return sumOfSquares(p, x.count, scale: 0x1p1000).squareRoot() * 0x1p-1000
    }
    return m * sumOfSquares(p, x.count, scale: 1 / m).squareRoot()
}

@inline(__always)
private func sumOfSquares(_ p: UnsafePointer<Double>, _ n: Int, scale: Double) -> Double {
    let raw = UnsafeRawPointer(p)
    var acc = SIMD8<Double>(repeating: 0)
    var i = 0
    while i + 8 <= n {
        let v = raw.loadUnaligned(fromByteOffset: i &* 8, as: SIMD8<Double>.self) * scale
        acc += v * v
        i &+= 8
    }
    var s = acc.sum()
    while i < n {
        let v = p[i] * scale
        s += v * v
        i &+= 1
    }
    return s
}

/// Whether every x[i] is finite, in one branch-free (vectorizable) pass: the
/// exponent field plus one overflows into the sign bit exactly for NaN and ±inf.
func allFinite(_ x: UnsafePointer<Double>, _ n: Int) -> Bool {
    let mask: UInt64 = 0x7FF0_0000_0000_0000
    var acc: UInt64 = 0
    for i in 0..<n { acc |= (x[i].bitPattern & mask) &+ (1 << 52) }
    return acc & (1 << 63) == 0
}

/// A power of two s ≤ 1 that brings max|xᵢ| into [1, 2) when it exceeds 2⁵⁰⁰, and
/// 1 otherwise. Multiplying by s (and by 1/s afterwards) is exact, so a prox that
/// is positively homogeneous — prox_{tf}(v) = prox_{(st)f}(sv)/s for a norm f, or
/// a projection onto a set scaled the same way — can run on sv without its inner
/// products, singular values or eigenvalues overflowing near the float64 limit.
/// (Entries 2¹⁰⁷⁴ times smaller than the largest underflow, far below the
/// rounding error of any result.)
func overflowGuardScale(_ x: UnsafeBufferPointer<Double>) -> Double {
    var m = 0.0
    for a in x { m = max(m, abs(a)) }
    guard m > 0x1p500, m.isFinite else { return 1 }
    return Double(sign: .plus, exponent: -m.exponent, significand: 1)
}
