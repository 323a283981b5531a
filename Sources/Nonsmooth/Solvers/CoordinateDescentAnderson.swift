/// Anderson extrapolation weights (Bertrand & Massias 2021; Scieur, d'Aspremont
/// & Bach 2016): given the K difference vectors u_k = z_{k+1} − z_k of the last
/// K + 1 iterates, the affine weights c (Σc_k = 1) minimising ‖Σ c_k u_k‖ are
/// c = M⁻¹1 / 1ᵀM⁻¹1 with M = UᵀU. `gram` holds M (K×K, row-major) and is
/// overwritten; a relative ridge of 1e-10·max(diag M) keeps the Cholesky
/// factorisation defined when the differences are nearly collinear.
/// Returns false when M is zero or the weights are not finite.
func andersonWeights(_ gram: inout [Double], _ k: Int, into c: inout [Double]) -> Bool {
    var scale = 0.0
    for i in 0..<k { scale = max(scale, gram[i * k + i]) }
    guard scale > 0, scale.isFinite else { return false }
    let inv = 1 / scale
    for i in 0..<(k * k) { gram[i] *= inv }
    for i in 0..<k { gram[i * k + i] += 1e-10 }
    // Cholesky M = LLᵀ in place (lower triangle).
    for j in 0..<k {
        var d = gram[j * k + j]
        for m in 0..<j { d -= gram[j * k + m] * gram[j * k + m] }
        guard d > 0 else { return false }
        let l = d.squareRoot()
        gram[j * k + j] = l
        for i in (j + 1)..<max(j + 1, k) {
            var s = gram[i * k + j]
            for m in 0..<j { s -= gram[i * k + m] * gram[j * k + m] }
            gram[i * k + j] = s / l
        }
    }
    // Solve L Lᵀ z = 1.
    for i in 0..<k {
        var s = 1.0
        for m in 0..<i { s -= gram[i * k + m] * c[m] }
        c[i] = s / gram[i * k + i]
    }
    for i in stride(from: k - 1, through: 0, by: -1) {
        var s = c[i]
        for m in (i + 1)..<max(i + 1, k) { s -= gram[m * k + i] * c[m] }
        c[i] = s / gram[i * k + i]
    }
    var total = 0.0
    for i in 0..<k { total += c[i] }
    guard total != 0, total.isFinite else { return false }
    for i in 0..<k { c[i] /= total }
    for i in 0..<k where !c[i].isFinite { return false }
    return true
}

/// M = UᵀU (K×K, row-major) for the differences u_k = z_{k+1} − z_k of K + 1
/// iterates stored one after the other (z_k at `history + k·m`, m entries each):
/// the matrix `andersonWeights` takes.
func andersonDifferenceGram(_ history: UnsafePointer<Double>, length m: Int, depth K: Int, into gram: inout [Double]) {
    for k in 0..<K {
        for l in k..<K {
            var s = 0.0
            let a0 = history + k * m, a1 = history + (k + 1) * m, b0 = history + l * m, b1 = history + (l + 1) * m
            for i in 0..<m { s += (a1[i] - a0[i]) * (b1[i] - b0[i]) }
            gram[k * K + l] = s
            gram[l * K + k] = s
        }
    }
}
