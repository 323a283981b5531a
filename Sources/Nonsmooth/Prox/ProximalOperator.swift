/// A closed function f: ℝⁿ → ℝ ∪ {+∞} whose proximal operator can be computed
/// exactly (or to machine precision):
///
///     prox_{t f}(v) = argmin_x  f(x) + ‖x − v‖² / (2t),   t > 0.
///
/// Solvers take any `ProximalOperator`, so every solver runs every operator the
/// same way. Conforming types are small values holding the function's
/// parameters (strength, weights, radius, groups, ...); they are validated at
/// construction, and per-length checks happen in `validate(length:)`.
///
/// Buffers passed to the requirements are contiguous and never alias.
public protocol ProximalOperator {
    /// Throws `invalidArgument` if the operator cannot act on vectors of length `n`
    /// (for instance when per-coordinate weights have another length).
    func validate(length n: Int) throws

    /// f(x); `+infinity` outside the domain (indicators).
    func value(_ x: UnsafeBufferPointer<Double>) -> Double

    /// Writes prox_{step·f}(v) into `out` (same length as `v`). `step > 0`.
    func prox(_ v: UnsafeBufferPointer<Double>, step: Double, into out: UnsafeMutableBufferPointer<Double>) throws

    /// Writes one element of the subdifferential ∂f(x) into `g`: the element of
    /// minimal norm for convex f (so g = 0 certifies a minimizer), the limiting
    /// subgradient of minimal norm for the nonconvex penalties.
    /// Throws `invalidArgument` when x is outside the domain (∂f(x) = ∅).
    func subgradient(_ x: UnsafeBufferPointer<Double>, into g: UnsafeMutableBufferPointer<Double>) throws
}

extension ProximalOperator {
    public func validate(length n: Int) throws {}
}

/// A closed function of a matrix X ∈ ℝ^{m×n}, e.g. the nuclear norm.
///
/// Matrices are contiguous in row-major order. Operators in this library are
/// invariant under transposition (f(Xᵀ) = f(X)), so a row-major m×n buffer can
/// be handed to LAPACK as the column-major n×m matrix Xᵀ without copying.
public protocol MatrixProximalOperator {
    func validate(rows: Int, columns: Int) throws
    func value(_ x: UnsafeBufferPointer<Double>, rows: Int, columns: Int) throws -> Double
    func prox(_ v: UnsafeBufferPointer<Double>, rows: Int, columns: Int, step: Double,
              into out: UnsafeMutableBufferPointer<Double>) throws
    func subgradient(_ x: UnsafeBufferPointer<Double>, rows: Int, columns: Int,
                     into g: UnsafeMutableBufferPointer<Double>) throws
}

extension MatrixProximalOperator {
    public func validate(rows: Int, columns: Int) throws {}
}

// MARK: - Array conveniences for Swift callers

extension ProximalOperator {
    /// prox_{step·f}(v) of a Swift array.
    public func prox(_ v: [Double], step: Double = 1) throws -> [Double] {
        try validate(length: v.count)
        try requirePositive(step, "step")
        var out = [Double](repeating: 0, count: v.count)
        try v.withUnsafeBufferPointer { vb in
            try out.withUnsafeMutableBufferPointer { try prox(vb, step: step, into: $0) }
        }
        return out
    }

    public func value(_ x: [Double]) throws -> Double {
        try validate(length: x.count)
        return x.withUnsafeBufferPointer { value($0) }
    }

    public func subgradient(_ x: [Double]) throws -> [Double] {
        try validate(length: x.count)
        var g = [Double](repeating: 0, count: x.count)
        try x.withUnsafeBufferPointer { xb in
            try g.withUnsafeMutableBufferPointer { try subgradient(xb, into: $0) }
        }
        return g
    }

    /// The Moreau envelope  e_t f(v) = min_x f(x) + ‖x − v‖²/(2t)  and its gradient
    /// (v − prox_{tf}(v))/t, which is (1/t)-Lipschitz for convex f.
    public func moreauEnvelope(_ v: [Double], step: Double) throws -> (value: Double, gradient: [Double]) {
        let p = try prox(v, step: step)
        var distance2 = 0.0
        var gradient = [Double](repeating: 0, count: v.count)
        for i in v.indices {
            let d = v[i] - p[i]
            distance2 += d * d
            gradient[i] = d / step
        }
        return (try value(p) + distance2 / (2 * step), gradient)
    }
}

extension MatrixProximalOperator {
    /// prox_{step·f}(V) of a row-major `rows`×`columns` matrix stored in an array.
    public func prox(_ v: [Double], rows: Int, columns: Int, step: Double = 1) throws -> [Double] {
        try require(rows >= 0 && columns >= 0 && rows * columns == v.count, "v",
                    "has \(v.count) entries, expected \(rows)×\(columns)")
        try validate(rows: rows, columns: columns)
        try requirePositive(step, "step")
        var out = [Double](repeating: 0, count: v.count)
        try v.withUnsafeBufferPointer { vb in
            try out.withUnsafeMutableBufferPointer {
                try prox(vb, rows: rows, columns: columns, step: step, into: $0)
            }
        }
        return out
    }
}
