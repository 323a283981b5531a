import COpenBLAS
#if canImport(Glibc)
import Glibc
#endif

/// A convex, differentiable function f: ℝᵖ → ℝ with a Lipschitz gradient, the
/// smooth part of the composite problems  min_x f(x) + g(x)  solved by
/// `solveProximalGradient`, `solveSubgradient` (and, for least squares, ADMM).
///
/// Requirements receive buffers of exactly `dimension` entries (solvers check
/// lengths once, before the loop); they must not trap on any finite input and
/// return NaN/inf rather than trapping on non-finite input.
public protocol SmoothLoss {
    /// p, the length of x.
    var dimension: Int { get }
    /// f(x).
    func value(_ x: UnsafeBufferPointer<Double>) -> Double
    /// Returns f(x) and writes ∇f(x) into `g` (`dimension` entries).
    func valueAndGradient(_ x: UnsafeBufferPointer<Double>, into g: UnsafeMutableBufferPointer<Double>) -> Double
    /// An upper estimate of the Lipschitz constant L of ∇f, or nil when none is
    /// known (solvers then need a backtracking line search).
    var lipschitzEstimate: Double? { get }
}

extension SmoothLoss {
    /// f(x) of a Swift array; throws `invalidArgument` when the length is not `dimension`.
    public func value(_ x: [Double]) throws -> Double {
        try require(x.count == dimension, "x", "has length \(x.count) but the loss has dimension \(dimension)")
        return x.withUnsafeBufferPointer { value($0) }
    }

    /// (f(x), ∇f(x)) of a Swift array; throws `invalidArgument` when the length is not `dimension`.
    public func valueAndGradient(_ x: [Double]) throws -> (value: Double, gradient: [Double]) {
        try require(x.count == dimension, "x", "has length \(x.count) but the loss has dimension \(dimension)")
        var g = [Double](repeating: 0, count: x.count)
        let v = x.withUnsafeBufferPointer { xb in
            g.withUnsafeMutableBufferPointer { valueAndGradient(xb, into: $0) }
        }
        return (v, g)
    }
}

// MARK: - Linear maps (the A of the data-fitting losses)

/// The matrix A ∈ ℝ^{n×p} of a data-fitting loss f(x) = φ(Ax): an owned dense
/// column-major copy, a `DenseColumnMajor` view (read in place, products by
/// cblas_dgemv), a `SparseCSC` view (products over the stored entries only, so
/// a sparse A is never densified) or any other `DesignMatrix` (products column
/// by column through the protocol).
struct LinearMap {
    enum Storage {
        case owned([Double])
        case dense(DenseColumnMajor)
        // Its own case rather than `.general`, so that the products' inner loops
        // are specialized to CSC instead of dispatched through the existential.
        case sparse(SparseCSC)
        case general(any DesignMatrix)
    }

    let storage: Storage
    let rows: Int
    let columns: Int

    /// Checks sizes and finiteness (every entry of an owned matrix; every
    /// column's squared norm of a view, which is finite iff its entries are).
    init(columnMajor a: [Double], rows: Int, columns: Int) throws {
        let limit = Int(Int32.max)
        try require(rows >= 1 && rows <= limit, "rows", "must lie in [1, \(limit)], got \(rows)")
        try require(columns >= 1 && columns <= limit, "columns", "must lie in [1, \(limit)], got \(columns)")
        let (count, overflow) = rows.multipliedReportingOverflow(by: columns)
        try require(!overflow && count == a.count, "A", "has \(a.count) entries, expected \(rows)×\(columns)")
        try requireFinite(a, "A")
        storage = .owned(a)
        self.rows = rows
        self.columns = columns
    }

    init<X: DesignMatrix>(design: X) throws {
        try require(design.rows >= 1, "A", "must have at least one row")
        try require(design.columns >= 1, "A", "must have at least one column")
        for j in 0..<design.columns where !design.columnSquaredNorm(j).isFinite {
            throw NonsmoothError.invalidArgument(
                name: "A", reason: "column \(j) has non-finite entries or its squared norm overflows")
        }
        if let d = design as? DenseColumnMajor {
            storage = .dense(d)
        } else if let s = design as? SparseCSC {
            storage = .sparse(s)
        } else {
            storage = .general(design)
        }
        rows = design.rows
        columns = design.columns
    }

    /// out = A x  (x: p entries, out: n entries).
    func apply(_ x: UnsafePointer<Double>, into out: UnsafeMutablePointer<Double>) {
        switch storage {
        case let .owned(a):
            a.withUnsafeBufferPointer { ab in
                guard let base = ab.baseAddress else { return }
                cblas_dgemv(CblasColMajor, CblasNoTrans, Int32(rows), Int32(columns), 1, base, Int32(rows),
                            x, 1, 0, out, 1)
            }
        case let .dense(d):
            cblas_dgemv(CblasColMajor, CblasNoTrans, Int32(rows), Int32(columns), 1, d.base,
                        Int32(d.leadingDimension), x, 1, 0, out, 1)
        case let .sparse(s): multiplyByColumns(s, x, into: out)
        case let .general(d): multiplyByColumns(d, x, into: out)
        }
    }

    /// out = A x as a sum of the columns with x_j ≠ 0 (zero coefficients cost nothing).
    private func multiplyByColumns<X: DesignMatrix>(_ a: X, _ x: UnsafePointer<Double>,
                                                    into out: UnsafeMutablePointer<Double>) {
        out.update(repeating: 0, count: rows)
        for j in 0..<columns where x[j] != 0 { a.columnAxpy(j, x[j], out) }
    }

    /// out = Aᵀ v  (v: n entries, out: p entries).
    func applyTranspose(_ v: UnsafePointer<Double>, into out: UnsafeMutablePointer<Double>) {
        switch storage {
        case let .owned(a):
            a.withUnsafeBufferPointer { ab in
                guard let base = ab.baseAddress else { return }
                cblas_dgemv(CblasColMajor, CblasTrans, Int32(rows), Int32(columns), 1, base, Int32(rows),
                            v, 1, 0, out, 1)
            }
        case let .dense(d):
            cblas_dgemv(CblasColMajor, CblasTrans, Int32(rows), Int32(columns), 1, d.base,
                        Int32(d.leadingDimension), v, 1, 0, out, 1)
        case let .sparse(s):
            for j in 0..<columns { out[j] = s.columnDot(j, v) }
        case let .general(d):
            d.transposeMultiply(v, vectors: 1, into: out)
        }
    }

    /// ‖A‖_F², an upper bound on σ_max(A)².
    func frobeniusSquared() -> Double {
        switch storage {
        case let .owned(a):
            return a.withUnsafeBufferPointer { denseDotSelf($0) }
        case let .dense(d): return sumOfColumnSquaredNorms(d)
        case let .sparse(d): return sumOfColumnSquaredNorms(d)
        case let .general(d): return sumOfColumnSquaredNorms(d)
        }
    }

    private func sumOfColumnSquaredNorms<X: DesignMatrix>(_ a: X) -> Double {
        var s = 0.0
        for j in 0..<columns { s += a.columnSquaredNorm(j) }
        return s
    }

    /// An estimate of σ_max(A)² from above: power iteration on AᵀA (the Rayleigh
    /// quotient, a lower bound, after at most 100 iterations or a relative change
    /// below 1e-6), inflated by 1 % and capped by ‖A‖_F², which is a true upper bound.
    /// Throws `.cancelled` when the host's interrupt hook asks to stop (see
    /// `largestEigenvalueEstimate`).
    func squaredSpectralNormEstimate() throws -> Double {
        let frob = frobeniusSquared()
        guard frob > 0, frob.isFinite else { return frob.isFinite ? 0 : .infinity }
        let scratch = DoubleBuffer(rows)
        let rayleigh = try largestEigenvalueEstimate(dimension: columns) { v, out in
            apply(v, into: scratch.base)
            applyTranspose(scratch.base, into: out)
        }
        return min(1.01 * rayleigh, frob)
    }

    /// Σᵢ φᵢ((Ax)ᵢ) for a loss f(x) = φ(Ax) that is a sum over samples, and,
    /// with `gradient` (p entries), Aᵀ(φ′ᵢ((Ax)ᵢ))ᵢ written there. `term(i, mᵢ,
    /// wantsDerivative)` returns (φᵢ(mᵢ), φ′ᵢ(mᵢ)), the derivative only when
    /// asked for (the value alone skips it). nil when a length is wrong.
    func sumOverSamples(_ x: UnsafeBufferPointer<Double>, gradient: UnsafeMutableBufferPointer<Double>?,
                        _ term: (Int, Double, Bool) -> (value: Double, derivative: Double)) -> Double? {
        guard let xp = x.baseAddress, x.count == columns else { return nil }
        if let g = gradient, g.count != columns || g.baseAddress == nil { return nil }
        let n = rows, wantsDerivative = gradient != nil
        return withUnsafeTemporaryAllocation(of: Double.self, capacity: n) { m -> Double? in
            guard let mp = m.baseAddress else { return nil }
            apply(xp, into: mp)
            var s = 0.0
            for i in 0..<n {
                let t = term(i, mp[i], wantsDerivative)
                s += t.value
                mp[i] = t.derivative
            }
            if let gp = gradient?.baseAddress { applyTranspose(mp, into: gp) }
            return s
        }
    }
}

@inline(__always)
private func denseDotSelf(_ a: UnsafeBufferPointer<Double>) -> Double {
    guard let p = a.baseAddress else { return 0 }
    return denseDot(p, p, a.count)
}

/// The largest eigenvalue (in modulus) of a symmetric operator `apply`, by power
/// iteration from a fixed pseudo-random start: the Rayleigh quotient after at
/// most `maxIterations` iterations or when it changes by less than
/// `relativeTolerance`. For a positive semi-definite operator this is a lower
/// bound that converges to λ_max.
///
/// Up to 100 products with a large matrix run before a solver's first
/// iteration (≈ 1 s on 2000×3000), where no progress callback is called yet:
/// the host's interrupt hook is polled between them (`Interruption.Poller`,
/// inert unless the ABI enabled polling) and `.cancelled` thrown on request.
func largestEigenvalueEstimate(dimension p: Int, maxIterations: Int = 100, relativeTolerance: Double = 1e-6,
                               _ apply: (UnsafePointer<Double>, UnsafeMutablePointer<Double>) -> Void) throws -> Double {
    guard p > 0 else { return 0 }
    var poller = Interruption.Poller()
    let v = DoubleBuffer(p), w = DoubleBuffer(p)
    var state: UInt64 = 0x853C_49E6_748F_EA9B
    for j in 0..<p {
        state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        v[j] = 0.5 + Double(state >> 11) * 0x1p-53   // in [0.5, 1.5): no cancellation with the top vector
    }
    var norm = euclideanNorm(UnsafeBufferPointer(start: v.base, count: p))
    for j in 0..<p { v[j] /= norm }
    var lambda = 0.0
    for _ in 0..<maxIterations {
        try poller.check()
        apply(v.base, w.base)
        let q = denseDot(v.base, w.base, p)
        norm = euclideanNorm(UnsafeBufferPointer(start: w.base, count: p))
        guard norm > 0, norm.isFinite, q.isFinite else { return norm.isFinite ? abs(q) : .infinity }
        let previous = lambda
        lambda = abs(q)
        for j in 0..<p { v[j] = w[j] / norm }
        if abs(lambda - previous) <= relativeTolerance * lambda { break }
    }
    // ‖Mv‖ ≥ |vᵀMv| is the better (still lower) bound on |λ|_max for unit v.
    return max(lambda, norm.isFinite ? norm : lambda)
}

/// Validates an optional user-supplied Lipschitz constant.
private func checkedLipschitz(_ l: Double?) throws -> Double? {
    if let l { try requireNonnegative(l, "lipschitz") }
    return l
}

// MARK: - Least squares

/// f(x) = ‖Ax − b‖² / (2n), A ∈ ℝ^{n×p}: scikit-learn's Lasso data fit.
///
/// ∇f(x) = Aᵀ(Ax − b)/n, which is Lipschitz with constant σ_max(A)²/n; the
/// estimate comes from power iteration (see `lipschitzEstimate`) unless given.
/// One value costs one product with A, a gradient one more with Aᵀ (cblas_dgemv
/// for dense A).
public struct LeastSquaresLoss: SmoothLoss {
    let matrix: LinearMap
    /// b, n entries.
    public let target: [Double]
    public let lipschitzEstimate: Double?

    public var dimension: Int { matrix.columns }
    /// n.
    public var samples: Int { matrix.rows }

    /// `a` is n×p column-major (Fortran order) and is copied (cheaply: arrays
    /// are copy-on-write). `lipschitz`, when given, replaces the power-iteration
    /// estimate of σ_max(A)²/n. Throws `invalidArgument` for inconsistent sizes,
    /// an empty matrix, or non-finite entries.
    public init(columnMajor a: [Double], rows n: Int, columns p: Int, target b: [Double],
                lipschitz: Double? = nil) throws {
        try self.init(map: LinearMap(columnMajor: a, rows: n, columns: p), target: b, lipschitz: lipschitz)
    }

    /// A in any `DesignMatrix` layout, read in place: the memory it points to
    /// must outlive the loss.
    public init<X: DesignMatrix>(design: X, target b: [Double], lipschitz: Double? = nil) throws {
        try self.init(map: LinearMap(design: design), target: b, lipschitz: lipschitz)
    }

    init(map: LinearMap, target b: [Double], lipschitz: Double?) throws {
        try require(b.count == map.rows, "b", "has length \(b.count) but A has \(map.rows) rows")
        try requireFinite(b, "b")
        matrix = map
        target = b
        lipschitzEstimate = try checkedLipschitz(lipschitz) ?? map.squaredSpectralNormEstimate() / Double(map.rows)
    }

    public func value(_ x: UnsafeBufferPointer<Double>) -> Double {
        evaluate(x, gradient: nil)
    }

    public func valueAndGradient(_ x: UnsafeBufferPointer<Double>, into g: UnsafeMutableBufferPointer<Double>) -> Double {
        evaluate(x, gradient: g)
    }

    private func evaluate(_ x: UnsafeBufferPointer<Double>, gradient: UnsafeMutableBufferPointer<Double>?) -> Double {
        let n = samples, scale = 1 / Double(n)
        let s = target.withUnsafeBufferPointer { b in
            matrix.sumOverSamples(x, gradient: gradient) { i, m, _ in
                let d = m - b[i]
                return (d * d, d * scale)
            }
        }
        return (s ?? .nan) / Double(2 * n)
    }
}

// MARK: - Logistic regression

/// f(x) = (1/n) Σᵢ log(1 + exp(−yᵢ aᵢᵀx)) with labels yᵢ ∈ {−1, +1}, aᵢ the
/// rows of A ∈ ℝ^{n×p}.
///
/// Evaluated stably as softplus(−z) = max(−z, 0) + log1p(exp(−|z|)) with
/// z = y·Ax (no overflow for any finite margin), and
/// ∇f(x) = −(1/n) Aᵀ(y ⊙ σ(−z)) with the logistic σ(−z) = 1/(1 + eᶻ) computed
/// from exp(−|z|). ∇f is Lipschitz with constant σ_max(A)²/(4n).
public struct LogisticLoss: SmoothLoss {
    let matrix: LinearMap
    /// The labels, each −1 or +1.
    public let labels: [Double]
    public let lipschitzEstimate: Double?

    public var dimension: Int { matrix.columns }
    public var samples: Int { matrix.rows }

    /// `a` is n×p column-major. Throws `invalidArgument` for inconsistent
    /// sizes, non-finite entries, or a label other than ±1.
    public init(columnMajor a: [Double], rows n: Int, columns p: Int, labels y: [Double],
                lipschitz: Double? = nil) throws {
        try self.init(map: LinearMap(columnMajor: a, rows: n, columns: p), labels: y, lipschitz: lipschitz)
    }

    /// A in any `DesignMatrix` layout, read in place (the memory must outlive the loss).
    public init<X: DesignMatrix>(design: X, labels y: [Double], lipschitz: Double? = nil) throws {
        try self.init(map: LinearMap(design: design), labels: y, lipschitz: lipschitz)
    }

    init(map: LinearMap, labels y: [Double], lipschitz: Double?) throws {
        try require(y.count == map.rows, "labels", "has length \(y.count) but A has \(map.rows) rows")
        for (i, v) in y.enumerated() where v != 1 && v != -1 {
            throw NonsmoothError.invalidArgument(name: "labels", reason: "must be -1 or +1, entry \(i) is \(v)")
        }
        matrix = map
        labels = y
        lipschitzEstimate = try checkedLipschitz(lipschitz)
            ?? map.squaredSpectralNormEstimate() / (4 * Double(map.rows))
    }

    @inline(__always)
    static func softplusOfNegative(_ z: Double) -> Double {
        max(-z, 0) + log1p(exp(-abs(z)))
    }

    /// 1/(1 + eᶻ) without overflow.
    @inline(__always)
    static func sigmoidOfNegative(_ z: Double) -> Double {
        if z >= 0 {
            let e = exp(-z)
            return e / (1 + e)
        }
        return 1 / (1 + exp(z))
    }

    public func value(_ x: UnsafeBufferPointer<Double>) -> Double {
        evaluate(x, gradient: nil)
    }

    public func valueAndGradient(_ x: UnsafeBufferPointer<Double>, into g: UnsafeMutableBufferPointer<Double>) -> Double {
        evaluate(x, gradient: g)
    }

    private func evaluate(_ x: UnsafeBufferPointer<Double>, gradient: UnsafeMutableBufferPointer<Double>?) -> Double {
        let n = samples, scale = 1 / Double(n)
        let s = labels.withUnsafeBufferPointer { y in
            matrix.sumOverSamples(x, gradient: gradient) { i, m, wantsDerivative in
                let z = y[i] * m
                return (Self.softplusOfNegative(z), wantsDerivative ? -y[i] * Self.sigmoidOfNegative(z) * scale : 0)
            }
        }
        return (s ?? .nan) / Double(n)
    }
}

// MARK: - Huber regression

/// f(x) = (1/n) Σᵢ h_δ((Ax − b)ᵢ), with the Huber function
///
///     h_δ(r) = r²/2            for |r| ≤ δ,
///              δ(|r| − δ/2)    otherwise,
///
/// quadratic near 0 and linear in the tails (robust to outliers). Its
/// derivative is clip(r, −δ, δ), so ∇f(x) = Aᵀ clip(Ax − b, −δ, δ)/n, which is
/// Lipschitz with constant σ_max(A)²/n.
public struct HuberLoss: SmoothLoss {
    let matrix: LinearMap
    public let target: [Double]
    /// δ > 0.
    public let delta: Double
    public let lipschitzEstimate: Double?

    public var dimension: Int { matrix.columns }
    public var samples: Int { matrix.rows }

    /// `a` is n×p column-major. Throws `invalidArgument` for inconsistent
    /// sizes, non-finite entries, or δ not positive and finite.
    public init(columnMajor a: [Double], rows n: Int, columns p: Int, target b: [Double], delta: Double = 1,
                lipschitz: Double? = nil) throws {
        try self.init(map: LinearMap(columnMajor: a, rows: n, columns: p), target: b, delta: delta,
                      lipschitz: lipschitz)
    }

    /// A in any `DesignMatrix` layout, read in place (the memory must outlive the loss).
    public init<X: DesignMatrix>(design: X, target b: [Double], delta: Double = 1, lipschitz: Double? = nil) throws {
        try self.init(map: LinearMap(design: design), target: b, delta: delta, lipschitz: lipschitz)
    }

    init(map: LinearMap, target b: [Double], delta: Double, lipschitz: Double?) throws {
        try requirePositive(delta, "delta")
        try require(b.count == map.rows, "b", "has length \(b.count) but A has \(map.rows) rows")
        try requireFinite(b, "b")
        matrix = map
        target = b
        self.delta = delta
        lipschitzEstimate = try checkedLipschitz(lipschitz) ?? map.squaredSpectralNormEstimate() / Double(map.rows)
    }

    @inline(__always)
    func huber(_ r: Double) -> Double {
        let a = abs(r)
        return a <= delta ? 0.5 * r * r : delta * (a - 0.5 * delta)
    }

    public func value(_ x: UnsafeBufferPointer<Double>) -> Double {
        evaluate(x, gradient: nil)
    }

    public func valueAndGradient(_ x: UnsafeBufferPointer<Double>, into g: UnsafeMutableBufferPointer<Double>) -> Double {
        evaluate(x, gradient: g)
    }

    private func evaluate(_ x: UnsafeBufferPointer<Double>, gradient: UnsafeMutableBufferPointer<Double>?) -> Double {
        let n = samples, scale = 1 / Double(n), d = delta
        let s = target.withUnsafeBufferPointer { b in
            matrix.sumOverSamples(x, gradient: gradient) { i, m, _ in
                let ri = m - b[i]
                return (huber(ri), (ri < -d ? -d : (ri > d ? d : ri)) * scale)
            }
        }
        return (s ?? .nan) / Double(n)
    }
}

// MARK: - Quadratic

/// f(x) = ½ xᵀQx − cᵀx with Q ∈ ℝ^{p×p} symmetric (positive semi-definite for
/// f to be convex). ∇f(x) = Qx − c (cblas_dsymv on the upper triangle), which is
/// Lipschitz with constant max|λ(Q)|, estimated by power iteration unless given.
public struct QuadraticLoss: SmoothLoss {
    /// Q, p×p column-major (symmetric, so row-major is the same).
    public let q: [Double]
    public let c: [Double]
    public let lipschitzEstimate: Double?
    public var dimension: Int { c.count }

    /// Throws `invalidArgument` when `q` is not p×p for p = c.count ≥ 1, has
    /// non-finite entries, or is not symmetric (to 1e-12 relative to max|Qᵢⱼ|).
    public init(q: [Double], c: [Double], lipschitz: Double? = nil) throws {
        let p = c.count
        try require(p >= 1 && p <= Int(Int32.max), "c", "must have between 1 and \(Int32.max) entries, got \(p)")
        let (count, overflow) = p.multipliedReportingOverflow(by: p)
        try require(!overflow && q.count == count, "q", "has \(q.count) entries, expected \(p)×\(p)")
        try requireFinite(q, "q")
        try requireFinite(c, "c")
        var scale = 0.0
        for v in q { scale = max(scale, abs(v)) }
        for j in 0..<p {
            for i in 0..<j where abs(q[i + j * p] - q[j + i * p]) > 1e-12 * scale {
                throw NonsmoothError.invalidArgument(
                    name: "q", reason: "must be symmetric: entries (\(i), \(j)) and (\(j), \(i)) differ")
            }
        }
        self.q = q
        self.c = c
        if let l = try checkedLipschitz(lipschitz) {
            lipschitzEstimate = l
        } else {
            let lambda = try q.withUnsafeBufferPointer { qb throws -> Double in
                guard let base = qb.baseAddress else { return 0 }
                return try largestEigenvalueEstimate(dimension: p) { v, out in
                    cblas_dsymv(CblasColMajor, CblasUpper, Int32(p), 1, base, Int32(p), v, 1, 0, out, 1)
                }
            }
            // Frobenius norm: a true upper bound on max|λ|.
            let frob = q.withUnsafeBufferPointer { denseDotSelf($0) }.squareRoot()
            lipschitzEstimate = min(1.01 * lambda, frob)
        }
    }

    public func value(_ x: UnsafeBufferPointer<Double>) -> Double {
        withUnsafeTemporaryAllocation(of: Double.self, capacity: dimension) { valueAndGradient(x, into: $0) }
    }

    public func valueAndGradient(_ x: UnsafeBufferPointer<Double>, into g: UnsafeMutableBufferPointer<Double>) -> Double {
        guard let xp = x.baseAddress, let gp = g.baseAddress, x.count == dimension, g.count == dimension else {
            return .nan
        }
        let p = dimension
        q.withUnsafeBufferPointer { cblas_dsymv(CblasColMajor, CblasUpper, Int32(p), 1, $0.baseAddress, Int32(p), xp, 1, 0, gp, 1) }
        var s = 0.0
        c.withUnsafeBufferPointer { cb in
            for i in 0..<p {
                s += xp[i] * (0.5 * gp[i] - cb[i])
                gp[i] -= cb[i]
            }
        }
        return s
    }
}

// MARK: - Shared helpers for the solvers

extension DoubleBuffer {
    /// The whole buffer as a read-only buffer pointer.
    @inline(__always)
    var solverReadable: UnsafeBufferPointer<Double> { UnsafeBufferPointer(start: base, count: count) }
    /// The whole buffer as a mutable buffer pointer.
    @inline(__always)
    var solverWritable: UnsafeMutableBufferPointer<Double> { UnsafeMutableBufferPointer(start: base, count: count) }
}

/// Validates a starting point of length `n` (nil: zeros) and copies it into a buffer.
func solverStartingPoint(_ x0: [Double]?, length n: Int, name: String = "initial") throws -> DoubleBuffer {
    let x = DoubleBuffer(n)
    if let x0 {
        try require(x0.count == n, name, "has length \(x0.count) but the problem has dimension \(n)")
        try requireFinite(x0, name)
        for j in 0..<n { x[j] = x0[j] }
    }
    return x
}
