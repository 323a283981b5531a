#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

// Elementwise functions of one argument: value, vector-Jacobian product, and the
// kink rule. Piecewise-linear functions record their slope per element in the
// forward pass (`dec`); the reverse pass multiplies by it and never compares
// values again. In lexicographic mode a tie is recorded as NaN and settled by
// the sign of the first nonzero tangent (Khan & Barton 2015). NaN propagates
// as in NumPy; a branch that meets NaN, and log/sqrt of a negative number,
// count it in `ctx.nans` (the value is NaN; the slope recorded is 0).

/// The slope at a 0/1 slope jump, in either mode. `up` says whether the slope
/// is 1 on the side of positive tangents.
@inline(__always)
private func jumpSlope<S: ADScalar>(_ x: S, _ up: Bool, _ low: Double, _ high: Double,
                                    _ dec: inout Double, _ ctx: inout KinkContext) {
    ctx.kinks += 1
    if !ctx.lexicographic {
        dec = low + (high - low) * ctx.s
        return
    }
    if ctx.firstPass { dec = .nan }
    if dec.isNaN && x.tangent != 0 {
        dec = (x.tangent > 0) == up ? high : low
    }
}

/// A slope decision that met NaN: counted, with slope 0. The value is NaN and
/// the report says so; a NaN slope would instead leak through the zero
/// cotangent of a branch that `where` did not take (NaN · 0 = NaN).
@inline(__always)
private func nanSlope(_ dec: inout Double, _ ctx: inout KinkContext) {
    ctx.nans += 1
    dec = 0
}

/// Whether some primal is ±0 or NaN (|x| > 0 fails), in one branch-free pass.
@inline(__always)
func anyZeroOrNaN<S: ADScalar>(_ x: UnsafeMutablePointer<S>, _ n: Int) -> Bool {
    var hit: UInt8 = 0
    for i in 0..<n { hit |= Swift.abs(x[i].primal) > 0 ? 0 : 1 }
    return hit != 0
}

/// Whether a_i = b_i or a NaN occurs for some i, i.e. |a_i − b_i| > 0 fails
/// (ties of infinities are not detected, and such operands only come from
/// overflow); one branch-free pass.
@inline(__always)
func anyEqualOrNaN<S: ADScalar>(_ a: UnsafeMutablePointer<S>, _ b: UnsafeMutablePointer<S>, _ n: Int) -> Bool {
    var hit: UInt8 = 0
    for i in 0..<n { hit |= Swift.abs(a[i].primal - b[i].primal) > 0 ? 0 : 1 }
    return hit != 0
}

/// Applies a recorded slope: value exact, tangent slope·ẋ (0 while undecided
/// in lexicographic mode, where the tangent is then 0 on both sides).
@inline(__always)
private func sloped<S: ADScalar>(_ value: Double, _ x: S, _ slope: Double) -> S {
    slope.isNaN ? S(value) : (slope * x).replacingPrimal(value)
}

func unaryForward<S: ADScalar>(
    _ f: UnaryFunction, _ x: UnsafeMutablePointer<S>, _ out: UnsafeMutablePointer<S>,
    _ dec: UnsafeMutablePointer<Double>, _ n: Int, _ ctx: inout KinkContext
) {
    switch f {
    case .negate:
        for i in 0..<n { out[i] = -x[i] }
    case .addScalar(let c):
        let cs = S(c)
        for i in 0..<n { out[i] = x[i] + cs }
    case .multiplyScalar(let c):
        for i in 0..<n { out[i] = c * x[i] }
    case .square:
        for i in 0..<n { out[i] = x[i] * x[i] }
    case .abs:
        for i in 0..<n {
            let v = x[i].primal
            if v > 0 { dec[i] = 1 } else if v < 0 { dec[i] = -1 } else if v.isNaN { nanSlope(&dec[i], &ctx) } else {
                ctx.kinks += 1
                if !ctx.lexicographic { dec[i] = ctx.policy.absAtZero } else {
                    if ctx.firstPass { dec[i] = .nan }
                    if dec[i].isNaN && x[i].tangent != 0 { dec[i] = x[i].tangent > 0 ? 1 : -1 }
                }
            }
            out[i] = sloped(Swift.abs(v), x[i], dec[i])
        }
    case .relu:
        if !ctx.lexicographic {
            // Branch-free main loop (signs are unpredictable); ties fixed after.
            for i in 0..<n {
                let v = x[i].primal
                let d: Double = v > 0 ? 1 : 0
                dec[i] = d
                out[i] = (d * x[i]).replacingPrimal(Swift.max(v, 0))
            }
            if !anyZeroOrNaN(x, n) { break }
            for i in 0..<n where !(Swift.abs(x[i].primal) > 0) {
                if x[i].primal.isNaN {
                    nanSlope(&dec[i], &ctx)
                    continue
                }
                ctx.kinks += 1
                dec[i] = ctx.s
                out[i] = (ctx.s * x[i]).replacingPrimal(0)
            }
            break
        }
        for i in 0..<n {
            let v = x[i].primal
            if v > 0 { dec[i] = 1 } else if v < 0 { dec[i] = 0 } else if v.isNaN { nanSlope(&dec[i], &ctx) } else {
                jumpSlope(x[i], true, 0, 1, &dec[i], &ctx)
            }
            out[i] = sloped(Swift.max(v, 0), x[i], dec[i])
        }
    case .leakyRelu(let a):
        for i in 0..<n {
            let v = x[i].primal
            if v > 0 { dec[i] = 1 } else if v < 0 { dec[i] = a } else if v.isNaN { nanSlope(&dec[i], &ctx) } else {
                jumpSlope(x[i], true, a, 1, &dec[i], &ctx)
            }
            out[i] = sloped(v > 0 ? v : a * v, x[i], dec[i])
        }
    case .clip(let lo, let hi):
        for i in 0..<n {
            let v = x[i].primal
            if v.isNaN {
                nanSlope(&dec[i], &ctx)
            } else if lo == hi {
                if v == lo { ctx.kinks += 1 }
                dec[i] = 0
            } else if v > lo && v < hi { dec[i] = 1 } else if v < lo || v > hi { dec[i] = 0 } else {
                jumpSlope(x[i], v == lo, 0, 1, &dec[i], &ctx)
            }
            out[i] = sloped(Swift.min(Swift.max(v, lo), hi), x[i], dec[i])
        }
    case .softThreshold(let t):
        for i in 0..<n {
            let v = x[i].primal, a = Swift.abs(v)
            if a > t { dec[i] = 1 } else if a < t { dec[i] = 0 } else if a.isNaN {
                nanSlope(&dec[i], &ctx)
                out[i] = x[i]
                continue
            } else if t == 0 {
                // t = 0 is the identity.
                dec[i] = 1
            } else {
                jumpSlope(x[i], v > 0, 0, 1, &dec[i], &ctx)
            }
            let value = a > t ? (v > 0 ? v - t : v + t) : 0
            out[i] = sloped(value, x[i], dec[i])
        }
    case .hinge:
        for i in 0..<n {
            let v = x[i].primal
            if v < 1 { dec[i] = -1 } else if v > 1 { dec[i] = 0 } else if v.isNaN {
                nanSlope(&dec[i], &ctx)
                out[i] = x[i]
                continue
            } else {
                jumpSlope(x[i], false, 0, -1, &dec[i], &ctx)
            }
            out[i] = sloped(Swift.max(0, 1 - v), x[i], dec[i])
        }
    case .sign:
        for i in 0..<n {
            let v = x[i].primal
            if v == 0 { ctx.kinks += 1 } else if v.isNaN { ctx.nans += 1 }
            out[i] = S(v > 0 ? 1 : (v < 0 ? -1 : (v.isNaN ? v : 0)))
        }
    case .signStraightThrough(let clipped):
        // The jump at 0 is reported; the clipped estimator's slope jumps at
        // ±1 follow the 0/1 rule (slope s there), as clip(x, −1, 1) does.
        for i in 0..<n {
            let v = x[i].primal
            if v == 0 { ctx.kinks += 1 }
            let value: Double = v > 0 ? 1 : (v < 0 ? -1 : 0)
            if !clipped { out[i] = x[i].replacingPrimal(value); continue }
            let a = Swift.abs(v)
            if a < 1 { dec[i] = 1 } else if a > 1 { dec[i] = 0 } else { jumpSlope(x[i], v < 0, 0, 1, &dec[i], &ctx) }
            out[i] = sloped(value, x[i], dec[i])
        }
    case .stopGradient:
        for i in 0..<n { out[i] = S(x[i].primal) }
    case .round(let ste), .floor(let ste):
        let isRound: Bool
        if case .round = f { isRound = true } else { isRound = false }
        for i in 0..<n {
            let v = x[i].primal
            let r = isRound ? v.rounded(.toNearestOrEven) : v.rounded(.down)
            // Jumps: half-integers for round, integers for floor.
            if isRound ? (v - v.rounded(.down) == 0.5) : (v == r) { ctx.kinks += 1 }
            out[i] = ste ? x[i].replacingPrimal(r) : S(r)
        }
    case .reciprocal:
        for i in 0..<n {
            if x[i].primal == 0 { ctx.kinks += 1 }
            out[i] = S(1) / x[i]
        }
    case .sqrt:
        for i in 0..<n {
            if x[i].primal == 0 { ctx.kinks += 1 } else if x[i].primal < 0 { ctx.nans += 1 }
            out[i] = S.sqrt(x[i])
        }
    case .exp:
        for i in 0..<n { out[i] = S.exp(x[i]) }
    case .log:
        for i in 0..<n {
            if x[i].primal == 0 { ctx.kinks += 1 } else if x[i].primal < 0 { ctx.nans += 1 }
            out[i] = S.log(x[i])
        }
    case .log1p:
        for i in 0..<n {
            if x[i].primal == -1 { ctx.kinks += 1 } else if x[i].primal < -1 { ctx.nans += 1 }
            out[i] = S.log1p(x[i])
        }
    case .tanh:
        for i in 0..<n { out[i] = S.tanh(x[i]) }
    case .sin:
        for i in 0..<n { out[i] = S.sin(x[i]) }
    case .cos:
        for i in 0..<n { out[i] = S.cos(x[i]) }
    case .sigmoid:
        for i in 0..<n { out[i] = sigmoid(x[i]) }
    case .softplus:
        for i in 0..<n {
            // log(1 + e^x) without overflow: x + log1p(e^−x) for x > 0.
            out[i] = x[i].primal > 0 ? x[i] + S.log1p(S.exp(-x[i])) : S.log1p(S.exp(x[i]))
        }
    case .gelu(let approximate):
        for i in 0..<n { out[i] = gelu(x[i], approximate) }
    case .power(let p):
        for i in 0..<n {
            if x[i].primal == 0 && p < 1 && p != 0 { ctx.kinks += 1 }
            out[i] = S.pow(x[i], p)
        }
    case .huber(let d):
        for i in 0..<n {
            let v = x[i].primal
            if v > d { out[i] = d * x[i] + S(-0.5 * d * d) } else if v < -d { out[i] = -d * x[i] + S(-0.5 * d * d) } else {
                out[i] = 0.5 * (x[i] * x[i])
            }
        }
    }
}

@inline(__always)
func sigmoid<S: ADScalar>(_ x: S) -> S {
    if x.primal >= 0 { return S(1) / (S(1) + S.exp(-x)) }
    let e = S.exp(x)
    return e / (S(1) + e)
}

@inline(__always)
private func gelu<S: ADScalar>(_ x: S, _ approximate: Bool) -> S {
    if approximate {
        let inner = 0.7978845608028654 * (x + 0.044715 * (x * x * x))
        return 0.5 * (x * (S(1) + S.tanh(inner)))
    }
    return 0.5 * (x * (S(1) + S.erf(0.7071067811865476 * x)))
}

@inline(__always)
private func geluDerivative<S: ADScalar>(_ x: S, _ approximate: Bool) -> S {
    if approximate {
        let x2 = x * x
        let t = S.tanh(0.7978845608028654 * (x + 0.044715 * (x2 * x)))
        let dInner = 0.7978845608028654 * (S(1) + 0.134145 * x2)
        return 0.5 * (S(1) + t) + 0.5 * (x * ((S(1) - t * t) * dInner))
    }
    let phi = 0.3989422804014327 * S.exp(-0.5 * (x * x))
    return 0.5 * (S(1) + S.erf(0.7071067811865476 * x)) + x * phi
}

func unaryBackward<S: ADScalar>(
    _ f: UnaryFunction, _ x: UnsafeMutablePointer<S>, _ out: UnsafeMutablePointer<S>,
    _ dec: UnsafeMutablePointer<Double>, _ g: UnsafeMutablePointer<S>, _ gx: UnsafeMutablePointer<S>, _ n: Int
) {
    // A zero cotangent contributes nothing, even where the local derivative is
    // infinite or NaN: that is what keeps the branch `where` did not select
    // from poisoning the gradient.
    switch f {
    case .negate:
        for i in 0..<n { gx[i] -= g[i] }
    case .addScalar:
        for i in 0..<n { gx[i] += g[i] }
    case .multiplyScalar(let c):
        for i in 0..<n { gx[i] += c * g[i] }
    case .square:
        for i in 0..<n { gx[i] += 2 * (g[i] * x[i]) }
    case .abs, .relu, .leakyRelu, .clip, .softThreshold, .hinge:
        // Slopes are finite, so this product is NaN only where g already is.
        for i in 0..<n { gx[i] += dec[i] * g[i] }
    case .sign, .stopGradient:
        break
    case .signStraightThrough(let clipped):
        if clipped {
            for i in 0..<n { gx[i] += dec[i] * g[i] }
        } else {
            for i in 0..<n { gx[i] += g[i] }
        }
    case .round(let ste), .floor(let ste):
        if ste { for i in 0..<n { gx[i] += g[i] } }
    case .reciprocal:
        for i in 0..<n where !g[i].isZero && x[i].primal != 0 { gx[i] -= g[i] * (out[i] * out[i]) }
    case .sqrt:
        for i in 0..<n where !g[i].isZero && out[i].primal > 0 { gx[i] += 0.5 * (g[i] / out[i]) }
    case .exp:
        for i in 0..<n where !g[i].isZero { gx[i] += g[i] * out[i] }
    case .log:
        for i in 0..<n where !g[i].isZero && x[i].primal != 0 { gx[i] += g[i] / x[i] }
    case .log1p:
        for i in 0..<n where !g[i].isZero && x[i].primal != -1 { gx[i] += g[i] / (S(1) + x[i]) }
    case .tanh:
        for i in 0..<n where !g[i].isZero { gx[i] += g[i] * (S(1) - out[i] * out[i]) }
    case .sin:
        for i in 0..<n where !g[i].isZero { gx[i] += g[i] * S.cos(x[i]) }
    case .cos:
        for i in 0..<n where !g[i].isZero { gx[i] -= g[i] * S.sin(x[i]) }
    case .sigmoid:
        for i in 0..<n where !g[i].isZero { gx[i] += g[i] * (out[i] * (S(1) - out[i])) }
    case .softplus:
        for i in 0..<n where !g[i].isZero { gx[i] += g[i] * sigmoid(x[i]) }
    case .gelu(let approximate):
        for i in 0..<n where !g[i].isZero { gx[i] += g[i] * geluDerivative(x[i], approximate) }
    case .power(let p):
        for i in 0..<n where !g[i].isZero {
            if p == 0 || (x[i].primal == 0 && p < 1) { continue }
            gx[i] += p * (g[i] * S.pow(x[i], p - 1))
        }
    case .huber(let d):
        for i in 0..<n where !g[i].isZero {
            let v = x[i].primal
            gx[i] += v > d ? d * g[i] : (v < -d ? -d * g[i] : g[i] * x[i])
        }
    }
}
