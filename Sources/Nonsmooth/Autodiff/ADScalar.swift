#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The scalar type the program executor runs on.
///
/// The executor and every kernel are generic over this protocol and specialised
/// for three types: `Double` and `Float` (evaluation and reverse mode, in the
/// precision of the arguments) and `Dual` (forward mode, in float64). Running the reverse pass on `Dual` numbers differentiates the reverse
/// pass itself, which is how Hessian-vector products are computed
/// (forward-over-reverse, Pearlmutter 1994) without a second set of rules.
///
/// Branch decisions (which side of a kink, which index of a max) always look at
/// `primal` — a `Double`, into which a `Float` converts exactly, so a float32
/// evaluation meets the same kinks as a float64 one on the same float32
/// numbers —, never at the tangent, except in lexicographic mode where ties are
/// refined by the tangents on purpose.
public protocol ADScalar: Sendable {
    init(_ constant: Double)
    /// A value with this tangent (dropped by `Double`, which carries none).
    init(primal: Double, tangent: Double)
    var primal: Double { get }
    var tangent: Double { get }
    static var zero: Self { get }
    /// True when both primal and tangent are exactly zero (a cotangent that
    /// contributes nothing, so singular derivatives can be skipped).
    var isZero: Bool { get }
    /// The same tangent with another primal: piecewise-linear kernels compute
    /// the tangent as a weighted sum and the value exactly.
    func replacingPrimal(_ p: Double) -> Self

    static func + (a: Self, b: Self) -> Self
    static func - (a: Self, b: Self) -> Self
    static func * (a: Self, b: Self) -> Self
    static func / (a: Self, b: Self) -> Self
    static prefix func - (a: Self) -> Self
    static func * (a: Double, b: Self) -> Self

    static func sqrt(_ x: Self) -> Self
    static func exp(_ x: Self) -> Self
    static func log(_ x: Self) -> Self
    static func log1p(_ x: Self) -> Self
    static func tanh(_ x: Self) -> Self
    static func erf(_ x: Self) -> Self
    static func sin(_ x: Self) -> Self
    static func cos(_ x: Self) -> Self
    /// x^p for a constant exponent.
    static func pow(_ x: Self, _ p: Double) -> Self
    /// x^y; the y-derivative uses log x and is taken as 0 where x ≤ 0.
    static func pow(_ x: Self, _ y: Self) -> Self

    /// Row-major C ← α·op(A)·op(B) + β·C, with op = transpose when the flag is set.
    static func gemm(
        transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Double,
        a: UnsafePointer<Self>, lda: Int, b: UnsafePointer<Self>, ldb: Int,
        beta: Double, c: UnsafeMutablePointer<Self>, ldc: Int)
}

extension ADScalar {
    @inline(__always) public static func += (a: inout Self, b: Self) { a = a + b }
    @inline(__always) public static func -= (a: inout Self, b: Self) { a = a - b }
}

/// The element types of the arrays a program reads and writes: `Float` and
/// `Double`. `evaluate`, `vjp` and training run in this precision end to end
/// (kernels, products through sgemm/dgemm, cotangents); the derivative
/// decisions of the kink rules are made on the exact `Double` value of each
/// element, so they are the same in both precisions.
public protocol ProgramScalar: ADScalar, BinaryFloatingPoint {
    /// "float32" or "float64", for messages.
    static var dtypeName: String { get }
    /// Whether x[0..<n] are all finite, in one vectorizable pass.
    static func allFinite(_ x: UnsafePointer<Self>, _ n: Int) -> Bool
}

extension Double: ProgramScalar {
    public static var dtypeName: String { "float64" }
    public static func allFinite(_ x: UnsafePointer<Double>, _ n: Int) -> Bool { Nonsmooth.allFinite(x, n) }
}

extension Float: ProgramScalar {
    public static var dtypeName: String { "float32" }
    /// The exponent field plus one overflows into the sign bit exactly for NaN and ±inf.
    public static func allFinite(_ x: UnsafePointer<Float>, _ n: Int) -> Bool {
        let mask: UInt32 = 0x7F80_0000
        var acc: UInt32 = 0
        for i in 0..<n { acc |= (x[i].bitPattern & mask) &+ (1 << 23) }
        return acc & (1 << 31) == 0
    }
}

extension Double: ADScalar {
    @inline(__always) public var primal: Double { self }
    @inline(__always) public var tangent: Double { 0 }
    @inline(__always) public init(primal: Double, tangent: Double) { self = primal }
    @inline(__always) public var isZero: Bool { self == 0 }
    @inline(__always) public func replacingPrimal(_ p: Double) -> Double { p }

    @inline(__always) public static func sqrt(_ x: Double) -> Double { x.squareRoot() }
    @inline(__always) public static func exp(_ x: Double) -> Double { Glibc.exp(x) }
    @inline(__always) public static func log(_ x: Double) -> Double { Glibc.log(x) }
    @inline(__always) public static func log1p(_ x: Double) -> Double { Glibc.log1p(x) }
    @inline(__always) public static func tanh(_ x: Double) -> Double { Glibc.tanh(x) }
    @inline(__always) public static func erf(_ x: Double) -> Double { Glibc.erf(x) }
    @inline(__always) public static func sin(_ x: Double) -> Double { Glibc.sin(x) }
    @inline(__always) public static func cos(_ x: Double) -> Double { Glibc.cos(x) }
    @inline(__always) public static func pow(_ x: Double, _ p: Double) -> Double {
        // Exact shortcuts (IEEE pow is correctly rounded at these exponents too);
        // x² and its derivative 2x¹ are the common case.
        p == 2 ? x * x : (p == 1 ? x : Glibc.pow(x, p))
    }

    public static func gemm(
        transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Double,
        a: UnsafePointer<Double>, lda: Int, b: UnsafePointer<Double>, ldb: Int,
        beta: Double, c: UnsafeMutablePointer<Double>, ldc: Int
    ) {
        blasGemm(transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha,
                 a: a, lda: lda, b: b, ldb: ldb, beta: beta, c: c, ldc: ldc)
    }
}

extension Float: ADScalar {
    @inline(__always) public var primal: Double { Double(self) }
    @inline(__always) public var tangent: Double { 0 }
    @inline(__always) public init(primal: Double, tangent: Double) { self = Float(primal) }
    @inline(__always) public var isZero: Bool { self == 0 }
    @inline(__always) public func replacingPrimal(_ p: Double) -> Float { Float(p) }
    @inline(__always) public static func * (a: Double, b: Float) -> Float { Float(a) * b }

    @inline(__always) public static func sqrt(_ x: Float) -> Float { x.squareRoot() }
    @inline(__always) public static func exp(_ x: Float) -> Float { Glibc.expf(x) }
    @inline(__always) public static func log(_ x: Float) -> Float { Glibc.logf(x) }
    @inline(__always) public static func log1p(_ x: Float) -> Float { Glibc.log1pf(x) }
    @inline(__always) public static func tanh(_ x: Float) -> Float { Glibc.tanhf(x) }
    @inline(__always) public static func erf(_ x: Float) -> Float { Glibc.erff(x) }
    @inline(__always) public static func sin(_ x: Float) -> Float { Glibc.sinf(x) }
    @inline(__always) public static func cos(_ x: Float) -> Float { Glibc.cosf(x) }
    @inline(__always) public static func pow(_ x: Float, _ p: Double) -> Float {
        p == 2 ? x * x : (p == 1 ? x : Glibc.powf(x, Float(p)))
    }
    @inline(__always) public static func pow(_ x: Float, _ y: Float) -> Float {
        y == 2 ? x * x : (y == 1 ? x : Glibc.powf(x, y))
    }

    public static func gemm(
        transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Double,
        a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
        beta: Double, c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        blasGemm(transA: transA, transB: transB, m: m, n: n, k: k, alpha: Float(alpha),
                 a: a, lda: lda, b: b, ldb: ldb, beta: Float(beta), c: c, ldc: ldc)
    }
}

/// A dual number v + t·ε (ε² = 0): one direction of forward-mode differentiation.
@frozen
public struct Dual: ADScalar, Equatable {
    public var primal: Double
    public var tangent: Double

    @inline(__always) public init(_ primal: Double, _ tangent: Double) {
        self.primal = primal
        self.tangent = tangent
    }
    @inline(__always) public init(_ constant: Double) { self.init(constant, 0) }
    @inline(__always) public init(primal: Double, tangent: Double) { self.init(primal, tangent) }
    public static var zero: Dual { Dual(0, 0) }
    @inline(__always) public var isZero: Bool { primal == 0 && tangent == 0 }
    @inline(__always) public func replacingPrimal(_ p: Double) -> Dual { Dual(p, tangent) }

    @inline(__always) public static func + (a: Dual, b: Dual) -> Dual {
        Dual(a.primal + b.primal, a.tangent + b.tangent)
    }
    @inline(__always) public static func - (a: Dual, b: Dual) -> Dual {
        Dual(a.primal - b.primal, a.tangent - b.tangent)
    }
    @inline(__always) public static func * (a: Dual, b: Dual) -> Dual {
        Dual(a.primal * b.primal, a.tangent * b.primal + a.primal * b.tangent)
    }
    @inline(__always) public static func / (a: Dual, b: Dual) -> Dual {
        let q = a.primal / b.primal
        return Dual(q, (a.tangent - q * b.tangent) / b.primal)
    }
    @inline(__always) public static prefix func - (a: Dual) -> Dual { Dual(-a.primal, -a.tangent) }
    @inline(__always) public static func * (a: Double, b: Dual) -> Dual {
        Dual(a * b.primal, a * b.tangent)
    }

    /// Applies f with derivative d at the primal; a zero tangent stays exactly
    /// zero even where d is infinite or NaN (singular points).
    @inline(__always) static func chain(_ value: Double, _ derivative: Double, _ t: Double) -> Dual {
        Dual(value, t == 0 ? 0 : derivative * t)
    }
    @inline(__always) public static func sqrt(_ x: Dual) -> Dual {
        let s = x.primal.squareRoot()
        // sqrt'(0) is +∞; the documented finite choice is 0.
        return chain(s, s > 0 ? 0.5 / s : 0, x.tangent)
    }
    @inline(__always) public static func exp(_ x: Dual) -> Dual {
        let e = Glibc.exp(x.primal)
        return chain(e, e, x.tangent)
    }
    @inline(__always) public static func log(_ x: Dual) -> Dual {
        chain(Glibc.log(x.primal), x.primal == 0 ? 0 : 1 / x.primal, x.tangent)
    }
    @inline(__always) public static func log1p(_ x: Dual) -> Dual {
        chain(Glibc.log1p(x.primal), x.primal == -1 ? 0 : 1 / (1 + x.primal), x.tangent)
    }
    @inline(__always) public static func tanh(_ x: Dual) -> Dual {
        let t = Glibc.tanh(x.primal)
        return chain(t, 1 - t * t, x.tangent)
    }
    @inline(__always) public static func erf(_ x: Dual) -> Dual {
        chain(Glibc.erf(x.primal), 1.1283791670955126 * Glibc.exp(-x.primal * x.primal), x.tangent)
    }
    @inline(__always) public static func sin(_ x: Dual) -> Dual {
        chain(Glibc.sin(x.primal), Glibc.cos(x.primal), x.tangent)
    }
    @inline(__always) public static func cos(_ x: Dual) -> Dual {
        chain(Glibc.cos(x.primal), -Glibc.sin(x.primal), x.tangent)
    }
    @inline(__always) public static func pow(_ x: Dual, _ p: Double) -> Dual {
        if p == 2 { return x * x }
        let d = p == 1 ? 1 : (x.primal == 0 && p < 1 ? 0 : p * Glibc.pow(x.primal, p - 1))
        return chain(Glibc.pow(x.primal, p), d, x.tangent)
    }
    @inline(__always) public static func pow(_ x: Dual, _ y: Dual) -> Dual {
        let v = Glibc.pow(x.primal, y.primal)
        let dx = x.primal == 0 && y.primal < 1 ? 0 : y.primal * Glibc.pow(x.primal, y.primal - 1)
        let dy = x.primal > 0 ? v * Glibc.log(x.primal) : 0
        let t = (x.tangent == 0 ? 0 : dx * x.tangent) + (y.tangent == 0 ? 0 : dy * y.tangent)
        return Dual(v, t)
    }

    public static func gemm(
        transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Double,
        a: UnsafePointer<Dual>, lda: Int, b: UnsafePointer<Dual>, ldb: Int,
        beta: Double, c: UnsafeMutablePointer<Dual>, ldc: Int
    ) {
        // Split into primal and tangent planes so BLAS does the work:
        // (A + εȦ)(B + εḂ) = AB + ε(ȦB + AḂ).
        let rowsA = transA ? k : m, rowsB = transB ? n : k
        let sizeA = rowsA * lda, sizeB = rowsB * ldb, sizeC = m * ldc
        let buffer = UnsafeMutablePointer<Double>.allocate(capacity: 2 * (sizeA + sizeB + sizeC))
        defer { buffer.deallocate() }
        let av = buffer, at = av + sizeA, bv = at + sizeA, bt = bv + sizeB
        let cv = bt + sizeB, ct = cv + sizeC
        for i in 0..<sizeA { av[i] = a[i].primal; at[i] = a[i].tangent }
        for i in 0..<sizeB { bv[i] = b[i].primal; bt[i] = b[i].tangent }
        for i in 0..<sizeC { cv[i] = c[i].primal; ct[i] = c[i].tangent }
        blasGemm(transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha,
                 a: av, lda: lda, b: bv, ldb: ldb, beta: beta, c: cv, ldc: ldc)
        blasGemm(transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha,
                 a: at, lda: lda, b: bv, ldb: ldb, beta: beta, c: ct, ldc: ldc)
        blasGemm(transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha,
                 a: av, lda: lda, b: bt, ldb: ldb, beta: 1, c: ct, ldc: ldc)
        for i in 0..<sizeC { c[i] = Dual(cv[i], ct[i]) }
    }
}
