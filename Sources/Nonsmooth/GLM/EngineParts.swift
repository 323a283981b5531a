/// Pieces shared by the separable and the block coordinate-descent engines
/// (`GLMCoordinateDescent`, `BlockCoordinateDescent`), outside their inner loops.

/// Xᵀg into c[0 ..< p] and, when a dual point is needed with an intercept,
/// Xᵀθ into c[p ..< 2p] for θ = g centred by the datafit (kept in
/// theta[n ..< 2n]), in one pass over X. Returns θ (g itself without intercept).
func correlate<F: Datafit, X: EntryDesign>(
    _ design: X, _ datafit: F, gradient g: UnsafeMutablePointer<Double>, theta: UnsafeMutablePointer<Double>,
    into c: UnsafeMutablePointer<Double>, dual: Bool, fitIntercept: Bool
) -> UnsafePointer<Double> {
    guard dual && fitIntercept else {
        design.transposeMultiply(g, vectors: 1, into: c)
        return UnsafePointer(g)
    }
    let n = design.rows
    theta.update(from: g, count: n)
    theta.advanced(by: n).update(from: g, count: n)
    datafit.centerDual(theta.advanced(by: n))
    design.transposeMultiply(theta, vectors: 2, into: c)
    return UnsafePointer(theta.advanced(by: n))
}

/// The Anderson combination of the K + 1 iterates stored in `history` (rows of
/// the coordinates' values then the intercept), accepted when it lowers the
/// objective: β, η and g then hold the candidate and its intercept is
/// returned; otherwise nothing changes and `intercept` is returned. The next
/// epoch starts from the candidate, so returned zeros stay coordinate descent's.
func andersonExtrapolate<F: Datafit, X: EntryDesign, C: Collection>(
    _ coordinates: C, history: UnsafePointer<Double>, depth K: Int, design: X, datafit: F,
    beta: DoubleBuffer, intercept: Double, fitIntercept: Bool, eta: DoubleBuffer, gradient g: DoubleBuffer,
    scratch: DoubleBuffer, objective: Double, penaltyValue: (UnsafePointer<Double>) -> Double
) -> Double where C.Element == Int {
    let m = coordinates.count, width = m + 1, n = design.rows, p = design.columns
    var gram = [Double](repeating: 0, count: K * K)
    var c = [Double](repeating: 0, count: K)
    andersonDifferenceGram(history, length: width, depth: K, into: &gram)
    guard andersonWeights(&gram, K, into: &c) else { return intercept }
    let candidate = DoubleBuffer(p)
    candidate.base.update(from: beta.base, count: p)
    var candidateIntercept = 0.0
    for k in 0..<K { candidateIntercept += c[k] * history[(k + 1) * width + m] }
    for (i, j) in coordinates.enumerated() {
        var v = 0.0
        for k in 0..<K { v += c[k] * history[(k + 1) * width + i] }
        candidate[j] = v
    }
    if !fitIntercept { candidateIntercept = 0 }
    let penaltyPart = penaltyValue(candidate.base)
    guard penaltyPart.isFinite, candidateIntercept.isFinite else { return intercept }
    let e = scratch.base
    e.update(repeating: candidateIntercept, count: n)
    for j in 0..<p where candidate[j] != 0 { design.columnAxpy(j, candidate[j], e) }
    guard datafit.value(e) + penaltyPart < objective else { return intercept }
    beta.base.update(from: candidate.base, count: p)
    eta.base.update(from: e, count: n)
    datafit.gradient(eta.base, into: g.base)
    return candidateIntercept
}
