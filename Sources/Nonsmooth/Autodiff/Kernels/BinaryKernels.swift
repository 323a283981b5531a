#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

// Elementwise functions of two equal-shaped arguments. maximum/minimum record
// the weight of their first argument: 1 or 0 off ties, s = relu_at_zero at a
// tie (so maximum(x, 0) = relu(x) and minimum(x, c) = clip at c share one
// rule), NaN while undecided in lexicographic mode. A NaN operand is
// selected (NaN propagates, as np.maximum does) and counted in `ctx.nans`.

func binaryForward<S: ADScalar>(
    _ f: BinaryFunction, _ a: UnsafeMutablePointer<S>, _ b: UnsafeMutablePointer<S>,
    _ out: UnsafeMutablePointer<S>, _ dec: UnsafeMutablePointer<Double>, _ n: Int, _ ctx: inout KinkContext
) {
    switch f {
    case .add:
        for i in 0..<n { out[i] = a[i] + b[i] }
    case .subtract:
        for i in 0..<n { out[i] = a[i] - b[i] }
    case .multiply:
        for i in 0..<n { out[i] = a[i] * b[i] }
    case .divide:
        for i in 0..<n {
            if b[i].primal == 0 { ctx.kinks += 1 }
            out[i] = a[i] / b[i]
        }
    case .power:
        for i in 0..<n {
            if a[i].primal == 0 && b[i].primal < 1 && b[i].primal != 0 { ctx.kinks += 1 }
            out[i] = S.pow(a[i], b[i])
        }
    case .maximum, .minimum:
        let isMax = f == .maximum
        if !ctx.lexicographic {
            for i in 0..<n {
                let u = a[i].primal, v = b[i].primal
                let w: Double = (u > v) == isMax ? 1 : 0
                dec[i] = w
                out[i] = w == 1 ? a[i] : b[i]
            }
            if !anyEqualOrNaN(a, b, n) { break }
            for i in 0..<n where !(Swift.abs(a[i].primal - b[i].primal) > 0) {
                if a[i].primal.isNaN || b[i].primal.isNaN {
                    ctx.nans += 1
                    dec[i] = a[i].primal.isNaN ? 1 : 0
                    out[i] = a[i].primal.isNaN ? a[i] : b[i]
                    continue
                }
                ctx.kinks += 1
                let w = ctx.s
                dec[i] = w
                out[i] = (w * a[i] + (1 - w) * b[i]).replacingPrimal(a[i].primal)
            }
            break
        }
        for i in 0..<n {
            let u = a[i].primal, v = b[i].primal
            if u.isNaN || v.isNaN {
                ctx.nans += 1
                dec[i] = u.isNaN ? 1 : 0
            } else if u != v {
                dec[i] = (u > v) == isMax ? 1 : 0
            } else {
                ctx.kinks += 1
                if !ctx.lexicographic { dec[i] = ctx.s } else {
                    if ctx.firstPass { dec[i] = .nan }
                    let du = a[i].tangent, dv = b[i].tangent
                    if dec[i].isNaN && du != dv { dec[i] = (du > dv) == isMax ? 1 : 0 }
                }
            }
            let w = dec[i]
            let value = u.isNaN || v.isNaN ? u + v : (isMax ? Swift.max(u, v) : Swift.min(u, v))
            // Undecided ties have equal tangents: either argument's will do.
            out[i] = w.isNaN ? a[i] : (w == 1 ? a[i] : (w == 0 ? b[i] : (w * a[i] + (1 - w) * b[i]).replacingPrimal(value)))
        }
    case .compare(let c):
        for i in 0..<n {
            let u = a[i].primal, v = b[i].primal
            if u == v { ctx.kinks += 1 } else if u.isNaN || v.isNaN { ctx.nans += 1 }
            let r: Bool
            switch c {
            case .less: r = u < v
            case .lessEqual: r = u <= v
            case .greater: r = u > v
            case .greaterEqual: r = u >= v
            case .equal: r = u == v
            case .notEqual: r = u != v
            }
            out[i] = S(r ? 1 : 0)
        }
    }
}

func binaryBackward<S: ADScalar>(
    _ f: BinaryFunction, _ a: UnsafeMutablePointer<S>, _ b: UnsafeMutablePointer<S>,
    _ out: UnsafeMutablePointer<S>, _ dec: UnsafeMutablePointer<Double>, _ g: UnsafeMutablePointer<S>,
    _ ga: UnsafeMutablePointer<S>?, _ gb: UnsafeMutablePointer<S>?, _ n: Int
) {
    switch f {
    case .add:
        if let ga { for i in 0..<n { ga[i] += g[i] } }
        if let gb { for i in 0..<n { gb[i] += g[i] } }
    case .subtract:
        if let ga { for i in 0..<n { ga[i] += g[i] } }
        if let gb { for i in 0..<n { gb[i] -= g[i] } }
    case .multiply:
        if let ga { for i in 0..<n where !g[i].isZero { ga[i] += g[i] * b[i] } }
        if let gb { for i in 0..<n where !g[i].isZero { gb[i] += g[i] * a[i] } }
    case .divide:
        for i in 0..<n where !g[i].isZero && b[i].primal != 0 {
            let q = g[i] / b[i]
            if let ga { ga[i] += q }
            if let gb { gb[i] -= q * out[i] }
        }
    case .power:
        for i in 0..<n where !g[i].isZero {
            let x = a[i], y = b[i]
            if let ga, y.primal != 0, !(x.primal == 0 && y.primal < 1) {
                ga[i] += g[i] * (y * S.pow(x, y - S(1)))
            }
            if let gb, x.primal > 0 { gb[i] += g[i] * (out[i] * S.log(x)) }
        }
    case .maximum, .minimum:
        if let ga { for i in 0..<n { ga[i] += dec[i] * g[i] } }
        if let gb { for i in 0..<n { gb[i] += (1 - dec[i]) * g[i] } }
    case .compare:
        break
    }
}
