// Reductions over the last axis of a (rows, length) view. max/min/norm_inf
// record one weight per input element (1 for the chosen index, 1/|T| over a
// split tie set T, with the sign for norm_inf); norm1 records signs; norm2
// records the subgradient used at a zero row. Lexicographic mode marks tied
// candidates NaN and keeps only those whose tangent is best, pass after pass.
// NaN propagates as in NumPy: a row with a NaN reduces to NaN (max/min/norm_inf
// select its first NaN, as np.argmax does), and is counted in `ctx.nans`.

func reduceForward<S: ADScalar>(
    _ r: Reduction, _ x: UnsafeMutablePointer<S>, _ out: UnsafeMutablePointer<S>,
    _ dec: UnsafeMutablePointer<Double>, rows: Int, length: Int, _ ctx: inout KinkContext
) {
    for row in 0..<rows {
        let xr = x + row * length, d = dec + row * length
        switch r {
        case .sum, .mean:
            var acc = S.zero
            for j in 0..<length { acc += xr[j] }
            out[row] = r == .mean ? (1 / Double(length)) * acc : acc
        case .logSumExp:
            var m = -Double.infinity
            for j in 0..<length {
                let v = xr[j].primal
                if v > m { m = v } else if v.isNaN { m = v; ctx.nans += 1; break }
            }
            if !m.isFinite {
                out[row] = S(m)
                continue
            }
            var acc = S.zero
            let ms = S(m)
            for j in 0..<length { acc += S.exp(xr[j] - ms) }
            out[row] = S.log(acc) + ms
        case .max, .min:
            out[row] = extremum(xr, d, length, isMax: r == .max, magnitude: false, &ctx)
        case .normInf:
            out[row] = extremum(xr, d, length, isMax: true, magnitude: true, &ctx)
        case .norm1:
            var acc = S.zero, value = 0.0
            for j in 0..<length {
                let v = xr[j].primal
                value += Swift.abs(v)
                if v > 0 { d[j] = 1 } else if v < 0 { d[j] = -1 } else if v.isNaN {
                    ctx.nans += 1
                    d[j] = 0   // the value is NaN; no slope (see nanSlope)
                } else {
                    ctx.kinks += 1
                    if !ctx.lexicographic { d[j] = ctx.policy.absAtZero } else {
                        if ctx.firstPass { d[j] = .nan }
                        if d[j].isNaN && xr[j].tangent != 0 { d[j] = xr[j].tangent > 0 ? 1 : -1 }
                    }
                }
                if !d[j].isNaN && d[j] != 0 { acc += d[j] * xr[j] }
            }
            out[row] = acc.replacingPrimal(value)
        case .norm2:
            var scale = 0.0
            for j in 0..<length {
                let a = Swift.abs(xr[j].primal)
                if a > scale { scale = a } else if a.isNaN { scale = a }
            }
            if scale.isNaN {
                // Not 0 (the kink), as comparisons alone would conclude.
                var count = 0
                for j in 0..<length {
                    if xr[j].primal.isNaN { count += 1 }
                    d[j] = 0
                }
                ctx.nans += count
                out[row] = S(.nan)
                continue
            }
            if scale > 0 {
                // Scaled to avoid overflow; smooth here, so S arithmetic carries
                // the tangent (and the curvature for Hessian-vector products).
                // Divide rather than multiply by 1/scale: for a subnormal scale
                // the reciprocal overflows to ∞ (and ∞·0 is NaN).
                var acc = S.zero
                let s = S(scale)
                for j in 0..<length {
                    let y = xr[j] / s
                    acc += y * y
                }
                out[row] = scale * S.sqrt(acc)
                continue
            }
            ctx.kinks += 1
            if !ctx.lexicographic {
                let c = length > 0 ? ctx.policy.norm2AtZero / Double(length).squareRoot() : 0
                var acc = S.zero
                for j in 0..<length {
                    d[j] = c
                    acc += c * xr[j]
                }
                out[row] = acc.replacingPrimal(0)
                continue
            }
            // Lexicographic: the first nonzero tangent direction fixes the
            // unit vector g; the output tangent is then gᵀẋ (= ‖ẋ‖ on that pass).
            if ctx.firstPass { for j in 0..<length { d[j] = .nan } }
            if length > 0 && d[0].isNaN {
                var t2 = 0.0
                for j in 0..<length { t2 += xr[j].tangent * xr[j].tangent }
                if t2 > 0 {
                    let nt = t2.squareRoot()
                    for j in 0..<length { d[j] = xr[j].tangent / nt }
                }
            }
            if length > 0 && d[0].isNaN {
                out[row] = S(0)
            } else {
                var acc = S.zero
                for j in 0..<length { acc += d[j] * xr[j] }
                out[row] = acc.replacingPrimal(0)
            }
        }
    }
}

/// max/min of a row, or max |x_j| with `magnitude`; writes the weights.
@inline(__always)
private func extremum<S: ADScalar>(
    _ xr: UnsafeMutablePointer<S>, _ d: UnsafeMutablePointer<Double>, _ length: Int,
    isMax: Bool, magnitude: Bool, _ ctx: inout KinkContext
) -> S {
    @inline(__always) func key(_ j: Int) -> Double {
        magnitude ? Swift.abs(xr[j].primal) : (isMax ? xr[j].primal : -xr[j].primal)
    }
    // The sign that turns x_j into the reduced quantity (max: 1, min: 1 on x but
    // compared negated, norm_inf: sign x_j, abs policy at 0).
    @inline(__always) func sign(_ j: Int) -> Double {
        guard magnitude else { return 1 }
        let v = xr[j].primal
        if v > 0 { return 1 }
        if v < 0 { return -1 }
        if ctx.lexicographic { return xr[j].tangent > 0 ? 1 : (xr[j].tangent < 0 ? -1 : .nan) }
        return ctx.policy.absAtZero
    }
    var best = -Double.infinity, first = 0, ties = 0
    for j in 0..<length {
        let k = key(j)
        if k > best { best = k; first = j; ties = 1 } else if k == best { ties += 1 } else if k.isNaN {
            // NumPy's max is NaN and its argmax the first NaN: select it.
            for i in 0..<length { d[i] = 0 }
            d[j] = 1
            for i in j..<length where xr[i].primal.isNaN { ctx.nans += 1 }
            return xr[j]
        }
    }
    let value = magnitude ? best : (isMax ? best : -best)
    let atZero = magnitude && best == 0
    if ties > 1 || atZero { ctx.kinks += 1 }

    if !ctx.lexicographic {
        for j in 0..<length { d[j] = 0 }
        if ties == 1 || ctx.policy.ties == .lowestIndex {
            d[first] = sign(first)
        } else {
            let w = 1 / Double(ties)
            for j in first..<length where key(j) == best { d[j] = w * sign(j) }
        }
    } else {
        if ctx.firstPass {
            for j in 0..<length { d[j] = key(j) == best ? .nan : 0 }
            if ties == 1 && !atZero { d[first] = sign(first) }
        }
        // Among undecided candidates keep those with the best tangent of the
        // reduced quantity; one left with a known sign is decided.
        var bestT = -Double.infinity, left = 0, last = 0
        for j in 0..<length where d[j].isNaN {
            let t = xr[j].tangent
            let e = magnitude ? (xr[j].primal != 0 ? sign(j) * t : Swift.abs(t)) : (isMax ? t : -t)
            if e > bestT { bestT = e }
        }
        if bestT > -Double.infinity {
            for j in 0..<length where d[j].isNaN {
                let t = xr[j].tangent
                let e = magnitude ? (xr[j].primal != 0 ? sign(j) * t : Swift.abs(t)) : (isMax ? t : -t)
                if e < bestT { d[j] = 0 } else { left += 1; last = j }
            }
            if left == 1 {
                let s = sign(last)
                if !s.isNaN { d[last] = s }
            }
            let tangent = isMax || magnitude ? bestT : -bestT
            return S(primal: value, tangent: tangent)
        }
    }
    var acc = S.zero
    for j in 0..<length where d[j] != 0 { acc += d[j] * xr[j] }
    return acc.replacingPrimal(value)
}

func reduceBackward<S: ADScalar>(
    _ r: Reduction, _ x: UnsafeMutablePointer<S>, _ out: UnsafeMutablePointer<S>,
    _ dec: UnsafeMutablePointer<Double>, _ g: UnsafeMutablePointer<S>, _ gx: UnsafeMutablePointer<S>,
    rows: Int, length: Int
) {
    for row in 0..<rows {
        let xr = x + row * length, gr = gx + row * length, d = dec + row * length
        let gv = g[row]
        switch r {
        case .sum:
            for j in 0..<length { gr[j] += gv }
        case .mean:
            let w = (1 / Double(length)) * gv
            for j in 0..<length { gr[j] += w }
        case .logSumExp:
            // ±∞ rows (overflow, or every entry −∞) have no gradient; NaN rows propagate it.
            guard !gv.isZero, !out[row].primal.isInfinite else { continue }
            for j in 0..<length { gr[j] += gv * S.exp(xr[j] - out[row]) }
        case .max, .min, .normInf, .norm1:
            for j in 0..<length where d[j] != 0 { gr[j] += d[j] * gv }
        case .norm2:
            if out[row].primal > 0 {
                guard !gv.isZero else { continue }
                // x_j/‖x‖ first: gv/‖x‖ can overflow when ‖x‖ is subnormal.
                for j in 0..<length { gr[j] += gv * (xr[j] / out[row]) }
            } else {
                for j in 0..<length where d[j] != 0 { gr[j] += d[j] * gv }
            }
        }
    }
}
