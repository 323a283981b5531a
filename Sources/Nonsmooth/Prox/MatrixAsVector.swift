/// A matrix operator seen as an operator on vec(X), for the generic solvers:
/// vectors of length `rows·columns` are the row-major matrices X.
///
/// With it, proximal gradient and ADMM run on matrix problems such as
/// nuclear-norm trace regression / matrix completion, min f(vec X) + λ‖X‖_*.
public struct MatrixAsVector<Op: MatrixProximalOperator>: ProximalOperator {
    public let op: Op
    public let rows: Int
    public let columns: Int

    public init(_ op: Op, rows: Int, columns: Int) throws {
        try require(rows >= 1 && columns >= 1, "shape", "must be positive, got (\(rows), \(columns))")
        try op.validate(rows: rows, columns: columns)
        self.op = op
        self.rows = rows
        self.columns = columns
    }

    public func validate(length n: Int) throws {
        try require(n == rows * columns, "shape",
                    "(\(rows), \(columns)) does not match a vector of length \(n)")
    }

    /// f(X); NaN if the underlying LAPACK call fails (it cannot on finite input).
    public func value(_ x: UnsafeBufferPointer<Double>) -> Double {
        (try? op.value(x, rows: rows, columns: columns)) ?? .nan
    }

    public func prox(_ v: UnsafeBufferPointer<Double>, step: Double, into out: UnsafeMutableBufferPointer<Double>) throws {
        try op.prox(v, rows: rows, columns: columns, step: step, into: out)
    }

    public func subgradient(_ x: UnsafeBufferPointer<Double>, into g: UnsafeMutableBufferPointer<Double>) throws {
        try op.subgradient(x, rows: rows, columns: columns, into: g)
    }
}
