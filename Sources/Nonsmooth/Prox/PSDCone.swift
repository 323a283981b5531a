import COpenBLAS

/// The indicator of the cone of symmetric positive semidefinite n×n matrices.
///
/// prox is the Frobenius-norm projection, whatever the step (N. J. Higham,
/// "Computing a nearest symmetric positive semidefinite matrix", Linear Algebra
/// Appl. 103, 1988): with S = (V + Vᵀ)/2 = Q diag(w) Qᵀ,
///
///     P(V) = Q diag(max(w, 0)) Qᵀ,
///
/// the eigendecomposition coming from LAPACK's divide-and-conquer `dsyevd`. The
/// result is assembled as the Gram matrix Q₊diag(w₊)Q₊ᵀ by a rank-p update
/// `dsyrk` (exactly symmetric, its diagonal ≥ 0). If S is already PSD it is
/// returned as is. Near the float64 limit the eigendecomposition is that of
/// S scaled by a power of two, so no eigenvalue overflows.
///
/// `value` is 0 when X is symmetric to a relative 10⁻¹⁰ (max |Xᵢⱼ − Xⱼᵢ| ≤
/// 10⁻¹⁰·max(1, ‖X‖_F)) and its smallest eigenvalue is ≥ −10⁻¹⁰·max(1, ‖X‖_F),
/// +∞ otherwise. The normal cone at a PSD matrix contains 0, its minimal-norm
/// element, which `subgradient` returns; elsewhere it throws `invalidArgument`.
/// The matrix must be square and finite; a LAPACK failure throws `numericalError`.
public struct PSDCone: MatrixProximalOperator {
    public init() {}

    public func validate(rows: Int, columns: Int) throws {
        try checkLapackDimensions(rows: rows, columns: columns)
        try require(rows == columns, "v", "must be a square matrix, got \(rows)×\(columns)")
    }

    public func value(_ x: UnsafeBufferPointer<Double>, rows: Int, columns: Int) throws -> Double {
        try validate(rows: rows, columns: columns)
        try checkMatrixBuffer(x, rows: rows, columns: columns, name: "x")
        let n = rows
        if n == 0 { return 0 }
        // In the units of scale·X (a power of two), where no eigenvalue overflows.
        let a = UnsafeMutableBufferPointer<Double>.allocate(capacity: n * n + n)
        defer { a.deallocate() }
        let scale = overflowGuardScale(UnsafeBufferPointer(rebasing: x[0..<(n * n)]))
        for i in 0..<(n * n) { a[i] = x[i] * scale }
        let norm = euclideanNorm(UnsafeBufferPointer(rebasing: a[0..<(n * n)]))
        let tol = 1e-10 * max(scale, norm)
        for i in 0..<n {
            for j in (i + 1)..<(i + 1 < n ? n : i + 1) where !(abs(a[i * n + j] - a[j * n + i]) <= tol) {
                return .infinity
            }
        }
        symmetrize(UnsafeBufferPointer(a), n, into: a)
        let w = UnsafeMutableBufferPointer(rebasing: a[(n * n)...])
        try symmetricEigen(UnsafeMutableBufferPointer(rebasing: a[0..<(n * n)]), w, n, vectors: false)
        return w[0] >= -tol ? 0 : .infinity
    }

    public func prox(_ v: UnsafeBufferPointer<Double>, rows: Int, columns: Int, step: Double,
                     into out: UnsafeMutableBufferPointer<Double>) throws {
        try validate(rows: rows, columns: columns)
        try checkMatrixBuffer(v, rows: rows, columns: columns, name: "v")
        let n = rows
        try require(out.count >= n * n, "out", "has \(out.count) entries, expected \(n)×\(n)")
        if n == 0 { return }
        guard let o = out.baseAddress else { return }
        symmetrize(v, n, into: out)  // out = S
        let block = UnsafeMutableBufferPointer<Double>.allocate(capacity: n * n + n)
        defer { block.deallocate() }
        guard let q = block.baseAddress else { return }
        // The eigendecomposition of scale·S (a power of two), where no eigenvalue overflows.
        let scale = overflowGuardScale(UnsafeBufferPointer(rebasing: out[0..<(n * n)]))
        for i in 0..<(n * n) { q[i] = o[i] * scale }
        let w = UnsafeMutableBufferPointer(start: q + n * n, count: n)
        try symmetricEigen(UnsafeMutableBufferPointer(start: q, count: n * n), w, n, vectors: true)
        var negative = 0
        while negative < n && w[negative] < 0 { negative += 1 }
        let positive = n - negative
        if negative == 0 { return }  // S is PSD
        if positive == 0 {
            for i in 0..<(n * n) { out[i] = 0 }
            return
        }
        // out = Q₊ diag(w₊) Q₊ᵀ = B Bᵀ/scale, B = Q₊ diag(√w₊): a Gram matrix, so its
        // diagonal is ≥ 0 whatever the rounding (S − Q₋diag(w₋)Q₋ᵀ, cheaper when few
        // eigenvalues are negative, can leave −ε‖S‖ there).
        for c in negative..<n {
            let f = w[c].squareRoot()
            for i in 0..<n { q[c * n + i] *= f }
        }
        let n32 = Int32(n)
        cblas_dsyrk(CblasColMajor, CblasLower, CblasNoTrans, n32, Int32(positive),
                    1 / scale, q + negative * n, n32, 0, o, n32)
        // Mirror the lower triangle (column-major) into the upper one.
        for j in 0..<n {
            for i in (j + 1)..<(j + 1 < n ? n : j + 1) { o[i * n + j] = o[j * n + i] }
        }
    }

    public func subgradient(_ x: UnsafeBufferPointer<Double>, rows: Int, columns: Int,
                            into g: UnsafeMutableBufferPointer<Double>) throws {
        try require(try value(x, rows: rows, columns: columns) == 0, "x",
                    "is not a symmetric positive semidefinite matrix: the subdifferential is empty")
        try require(g.count >= rows * columns, "out", "has \(g.count) entries, expected \(rows)×\(columns)")
        for i in 0..<(rows * columns) { g[i] = 0 }
    }
}

/// out = (X + Xᵀ)/2 for the n×n matrix X (layout-independent).
private func symmetrize(_ x: UnsafeBufferPointer<Double>, _ n: Int, into out: UnsafeMutableBufferPointer<Double>) {
    for i in 0..<n {
        out[i * n + i] = x[i * n + i]
        for j in (i + 1)..<(i + 1 < n ? n : i + 1) {
            let s = 0.5 * x[i * n + j] + 0.5 * x[j * n + i]
            out[i * n + j] = s
            out[j * n + i] = s
        }
    }
}
