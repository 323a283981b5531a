// Nearest-code quantization (VQ-VAE, van den Oord, Vinyals & Kavukcuoglu 2017):
// each row z_r of length d becomes the codebook row e_k with k = argmin_k ‖z_r − e_k‖².
//
// The value is piecewise constant in z, so its true derivative in z is 0 almost
// everywhere; the straight-through estimator passes the cotangent to z unchanged
// (the quantizer acts as the identity backwards, the rule of the VQ-VAE paper).
// In the codebook the derivative is exact: row k receives the cotangent of every
// row that chose it. Kink rule: a row equidistant from several codes is a kink;
// it takes the lowest index (in every mode: the choice is made on the primal values).
// The decision buffer holds the chosen index of each row.

func codebookForward<S: ADScalar>(
    _ z: UnsafeMutablePointer<S>, _ codebook: UnsafeMutablePointer<S>, _ out: UnsafeMutablePointer<S>,
    _ dec: UnsafeMutablePointer<Double>, count n: Int, codes: Int, length d: Int, straightThrough: Bool,
    _ ctx: inout KinkContext
) {
    guard d > 0 else { return }
    for r in 0..<(n / d) {
        let zr = z + r * d
        var best = 0, bestDistance = Double.infinity, tie = false, nan = false
        for k in 0..<codes {
            let e = codebook + k * d
            var distance = 0.0
            for j in 0..<d {
                let t = zr[j].primal - e[j].primal
                distance += t * t
            }
            if distance.isNaN { nan = true }
            if distance < bestDistance {
                best = k
                bestDistance = distance
                tie = false
            } else if distance == bestDistance {
                tie = true
            }
        }
        if tie { ctx.kinks += 1 }
        dec[r] = Double(best)
        let e = codebook + best * d, o = out + r * d
        for j in 0..<d {
            // The tangent is ė_k (+ ż with the straight-through estimator); the value e_k exactly.
            let v = e[j].primal
            // A NaN distance leaves the choice undefined: NaN propagates.
            o[j] = nan
                ? S(Double.nan)
                : (straightThrough ? (zr[j] + e[j]).replacingPrimal(v) : e[j])
        }
    }
}

func codebookBackward<S: ADScalar>(
    _ dec: UnsafeMutablePointer<Double>, _ g: UnsafeMutablePointer<S>, _ gz: UnsafeMutablePointer<S>?,
    _ gCodebook: UnsafeMutablePointer<S>?, count n: Int, length d: Int
) {
    guard d > 0 else { return }
    if let gz { for i in 0..<n { gz[i] += g[i] } }
    if let gCodebook {
        for r in 0..<(n / d) {
            let e = gCodebook + Int(dec[r]) * d, gr = g + r * d
            for j in 0..<d { e[j] += gr[j] }
        }
    }
}
