import COpenBLAS

/// One active-set step of support polishing on the face of the current
/// support S and signs s, where the elastic-net objective is the quadratic
///     q(β_S) = ½ β_Sᵀ A β_S − bᵀβ_S,   A = X_Sᵀ X_S + diag λ2_S,
///     b = X_Sᵀ y − λ1_S∘s_S
/// (plus a constant), as long as no coordinate changes sign.
///
/// When A is positive definite (Cholesky succeeds) the step goes from β
/// towards the face minimiser A⁻¹b. When A is singular — more features in S
/// than samples, which is where coordinate descent is slowest (the
/// interpolation regime of a small λ), or duplicated columns — the step uses
/// the eigendecomposition of A:
/// - if b has a component b₀ in the null space N(A), q decreases linearly
///   along b₀ without changing X_Sβ_S, and the objective is bounded below, so
///   moving along b₀ must make a constrained coordinate reach 0: the step
///   drops it from the support (the primal active-set / homotopy move; Osborne,
///   Presnell & Turlach, IMA J. Numer. Anal. 2000);
/// - otherwise the face minimisers are A⁺b + N(A), and the step goes towards
///   the one closest to β, A⁺b + P_N β.
///
/// Either way the step stops where the first constrained coordinate (λ1_j > 0
/// or `positive`) reaches 0; those coordinates are set to exactly 0. q is
/// convex on the face, so the objective does not increase along the segment
/// in exact arithmetic; callers still compare objectives before accepting.
///
/// - Parameters:
///   - matrix: A in column-major order, upper triangle read (k×k).
///   - rhs: b.
///   - current: β_S (no zero entries).
///   - constrained: whether each coordinate is sign-constrained on the face.
///   - allowSingular: whether a singular A may be decomposed (about 4k³ flops,
///     twelve times a Cholesky factorization); if not, the step gives up.
/// - Returns: the new β_S, or nil when no finite step is found.
func supportPolishingStep(matrix: [Double], rhs: [Double], current: [Double], constrained: [Bool],
                          allowSingular: Bool = true) -> [Double]? {
    let k = rhs.count
    guard k > 0 else { return nil }
    var factor = matrix
    var solution = rhs
    var info = choleskyFactorize(&factor, k)
    var direction = [Double](repeating: 0, count: k)
    var maxStep = 1.0
    if info == 0 {
        info = choleskySolve(factor, k, &solution)
        guard info == 0 else { return nil }
        for a in 0..<k { direction[a] = solution[a] - current[a] }
    } else {
        guard allowSingular, singularFaceDirection(matrix, rhs: rhs, current: current, into: &direction, maxStep: &maxStep) else {
            return nil
        }
    }
    var step = maxStep
    var blocking: [Int] = []
    for a in 0..<k where constrained[a] {
        let b = current[a], d = direction[a]
        guard d.isFinite else { return nil }
        if b > 0 ? d < 0 : d > 0 {
            let t = -b / d
            if t < step {
                step = t
                blocking = [a]
            } else if t == step {
                blocking.append(a)
            }
        }
    }
    guard step.isFinite else { return nil }
    var out = [Double](repeating: 0, count: k)
    for a in 0..<k {
        out[a] = step == 1 && info == 0 ? solution[a] : current[a] + step * direction[a]
    }
    for a in blocking { out[a] = 0 }
    return out
}

/// The direction of `supportPolishingStep` for a singular A, from its
/// eigendecomposition: the null-space component of b (with an unbounded
/// step, stopped by the first blocking coordinate) when it is significant,
/// else A⁺b + P_N β − β (step ≤ 1). Eigenvalues below k·1e-12·λ_max count as
/// zero: rounding leaves exactly-null ones near ε·λ_max, while those of a
/// merely ill-conditioned X_S are far larger.
private func singularFaceDirection(_ matrix: [Double], rhs: [Double], current: [Double],
                                   into direction: inout [Double], maxStep: inout Double) -> Bool {
    let k = rhs.count
    var a = matrix
    // dsyevd below reads the lower triangle; mirror the upper one.
    for c in 0..<k {
        for r in (c + 1)..<k { a[c * k + r] = a[r * k + c] }
    }
    var w = [Double](repeating: 0, count: k)
    let ok: Bool = a.withUnsafeMutableBufferPointer { ab in
        w.withUnsafeMutableBufferPointer { wb in (try? symmetricEigen(ab, wb, k, vectors: true)) != nil }
    }
    guard ok, let largest = w.last, largest > 0, largest.isFinite else { return false }
    let cutoff = Double(k) * 1e-12 * largest
    // Coefficients of b and β in the eigenbasis.
    var bc = [Double](repeating: 0, count: k), betac = [Double](repeating: 0, count: k)
    var nullSquare = 0.0, rhsSquare = 0.0
    for i in 0..<k {
        var sb = 0.0, sx = 0.0
        for r in 0..<k {
            sb += a[i * k + r] * rhs[r]
            sx += a[i * k + r] * current[r]
        }
        bc[i] = sb
        betac[i] = sx
        rhsSquare += sb * sb
        if w[i] <= cutoff { nullSquare += sb * sb }
    }
    let unbounded = nullSquare > 1e-20 * rhsSquare
    for r in 0..<k { direction[r] = 0 }
    for i in 0..<k {
        let coefficient: Double
        if w[i] <= cutoff {
            coefficient = unbounded ? bc[i] : 0
        } else {
            coefficient = unbounded ? 0 : bc[i] / w[i] - betac[i]
        }
        if coefficient == 0 { continue }
        for r in 0..<k { direction[r] += coefficient * a[i * k + r] }
    }
    maxStep = unbounded ? .infinity : 1
    return true
}
