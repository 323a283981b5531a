// Softmax cross-entropy per row: −Σ_j t_j log softmax(z)_j = lse(z)·Σ_j t_j − Σ_j t_j z_j,
// computed with the max shift so large logits do not overflow.

@inline(__always)
private func logSumExp<S: ADScalar>(_ z: UnsafeMutablePointer<S>, _ length: Int) -> S {
    var m = -Double.infinity
    for j in 0..<length {
        let v = z[j].primal
        if v > m { m = v } else if v.isNaN { return S(.nan) }   // NaN propagates
    }
    let ms = S(m)
    var acc = S.zero
    for j in 0..<length { acc += S.exp(z[j] - ms) }
    return S.log(acc) + ms
}

func softmaxCrossEntropyForward<S: ADScalar>(
    _ z: UnsafeMutablePointer<S>, _ t: UnsafeMutablePointer<S>, _ out: UnsafeMutablePointer<S>,
    rows: Int, length: Int
) {
    for r in 0..<rows {
        let zr = z + r * length, tr = t + r * length
        guard length > 0 else { out[r] = .zero; continue }
        let lse = logSumExp(zr, length)
        var tz = S.zero, ts = S.zero
        for j in 0..<length where !tr[j].isZero {
            tz += tr[j] * zr[j]
            ts += tr[j]
        }
        out[r] = lse * ts - tz
    }
}

func softmaxCrossEntropyBackward<S: ADScalar>(
    _ z: UnsafeMutablePointer<S>, _ t: UnsafeMutablePointer<S>, _ g: UnsafeMutablePointer<S>,
    _ gz: UnsafeMutablePointer<S>?, _ gt: UnsafeMutablePointer<S>?, rows: Int, length: Int
) {
    for r in 0..<rows where length > 0 && !g[r].isZero {
        let zr = z + r * length, tr = t + r * length
        let lse = logSumExp(zr, length)
        if let gz {
            var ts = S.zero
            for j in 0..<length { ts += tr[j] }
            let gzr = gz + r * length
            for j in 0..<length { gzr[j] += g[r] * (S.exp(zr[j] - lse) * ts - tr[j]) }
        }
        if let gt {
            let gtr = gt + r * length
            for j in 0..<length { gtr[j] += g[r] * (lse - zr[j]) }
        }
    }
}
