import COpenBLAS

/// f(X) = λ‖X‖_* = λ Σᵢ σᵢ(X), the nuclear (trace) norm of an m×n matrix.
///
/// prox is singular value thresholding (J.-F. Cai, E. J. Candès and Z. Shen,
/// "A singular value thresholding algorithm for matrix completion", SIAM J.
/// Optim. 20, 2010):
///
///     prox_{tf}(V) = U diag(max(σ − tλ, 0)) Vᵀ,   V = U diag(σ) Vᵀ,
///
/// with the thin SVD from LAPACK's divide-and-conquer `dgesdd`. The row-major
/// m×n buffer is handed to LAPACK as the column-major n×m matrix Vᵀ without
/// copying the layout (thresholding commutes with transposition), and the
/// result is reassembled from the singular triplets above the threshold only by
/// one `dgemm`. tλ = 0 returns V.
///
/// ∂f(X) = {λ(UᵣVᵣᵀ + W) : UᵣᵀW = 0, WVᵣ = 0, ‖W‖₂ ≤ 1}, r = rank X; its
/// minimal-norm (Frobenius) element λUᵣVᵣᵀ is what `subgradient` returns, the
/// numerical rank counting σᵢ > max(m, n)·ε·σ₁. Entries must be finite
/// (`invalidArgument` otherwise), dimensions must fit a 32-bit LAPACK integer,
/// and a LAPACK failure throws `numericalError`.
public struct NuclearNorm: MatrixProximalOperator {
    public let strength: Double

    public init(strength: Double = 1) throws {
        try requireNonnegative(strength, "strength")
        self.strength = strength
    }

    public func validate(rows: Int, columns: Int) throws {
        try checkLapackDimensions(rows: rows, columns: columns)
    }

    public func value(_ x: UnsafeBufferPointer<Double>, rows: Int, columns: Int) throws -> Double {
        try checkMatrixBuffer(x, rows: rows, columns: columns, name: "x")
        if rows == 0 || columns == 0 || strength == 0 { return 0 }
        var sum = 0.0
        try withSVD(x, rows: rows, columns: columns, vectors: false) { s, _, _, scale in
            for i in s.indices { sum += s[i] }
            sum /= scale
        }
        return strength * sum
    }

    public func prox(_ v: UnsafeBufferPointer<Double>, rows: Int, columns: Int, step: Double,
                     into out: UnsafeMutableBufferPointer<Double>) throws {
        try checkMatrixBuffer(v, rows: rows, columns: columns, name: "v")
        try require(out.count >= rows * columns, "out", "has \(out.count) entries, expected \(rows * columns)")
        if rows == 0 || columns == 0 { return }
        let tau = step * strength
        if !(tau > 0) {
            for i in 0..<(rows * columns) { out[i] = v[i] }
            return
        }
        // Column-major n×m (= Vᵀ): M = columns, N = rows.
        let M = columns, N = rows
        try withSVD(v, rows: rows, columns: columns, vectors: true) { s, u, vt, scale in
            // In the units of the scaled matrix the threshold is scaled too.
            let tau = tau * scale
            let k = s.count
            var r = 0
            while r < k && s[r] > tau { r += 1 }
            if r == 0 {
                for i in 0..<(M * N) { out[i] = 0 }
                return
            }
            for j in 0..<r {
                let c = s[j] - tau
                for i in 0..<M { u[j * M + i] *= c }
            }
            cblas_dgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, Int32(M), Int32(N), Int32(r),
                        1 / scale, u.baseAddress, Int32(M), vt.baseAddress, Int32(k), 0, out.baseAddress, Int32(M))
        }
    }

    public func subgradient(_ x: UnsafeBufferPointer<Double>, rows: Int, columns: Int,
                            into g: UnsafeMutableBufferPointer<Double>) throws {
        try checkMatrixBuffer(x, rows: rows, columns: columns, name: "x")
        try require(g.count >= rows * columns, "out", "has \(g.count) entries, expected \(rows * columns)")
        if rows == 0 || columns == 0 { return }
        let M = columns, N = rows
        for i in 0..<(M * N) { g[i] = 0 }
        if strength == 0 { return }
        try withSVD(x, rows: rows, columns: columns, vectors: true) { s, u, vt, _ in
            let k = s.count
            guard k > 0, s[0] > 0 else { return }
            let cutoff = Double(max(M, N)) * Double.ulpOfOne * s[0]
            var r = 0
            while r < k && s[r] > cutoff { r += 1 }
            if r == 0 { return }
            cblas_dgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, Int32(M), Int32(N), Int32(r),
                        strength, u.baseAddress, Int32(M), vt.baseAddress, Int32(k), 0, g.baseAddress, Int32(M))
        }
    }
}

/// Throws `invalidArgument` unless both dimensions are non-negative and fit a
/// LAPACK (32-bit) integer.
func checkLapackDimensions(rows: Int, columns: Int) throws {
    try require(rows >= 0 && rows <= Int(Int32.max), "rows", "must be in 0...\(Int32.max), got \(rows)")
    try require(columns >= 0 && columns <= Int(Int32.max), "columns", "must be in 0...\(Int32.max), got \(columns)")
}

/// Dimension, buffer-length and finiteness checks shared by the LAPACK-backed operators.
func checkMatrixBuffer(_ x: UnsafeBufferPointer<Double>, rows: Int, columns: Int, name: String) throws {
    try checkLapackDimensions(rows: rows, columns: columns)
    let (count, overflow) = rows.multipliedReportingOverflow(by: columns)
    try require(!overflow && x.count >= count, name, "has \(x.count) entries, expected \(rows)×\(columns)")
    for i in 0..<count where !x[i].isFinite {
        throw NonsmoothError.invalidArgument(name: name, reason: "must be finite, entry \(i) is \(x[i])")
    }
}

/// Thin SVD of the row-major rows×columns matrix X, computed by `dgesdd` on the
/// column-major columns×rows matrix Xᵀ = U diag(s) Vᵀ (M = columns, N = rows,
/// k = min(M, N)): `s` has k entries in decreasing order, `u` is M×k and `vt`
/// k×N, both column-major (empty when `vectors` is false). X itself is not
/// modified. When its entries are near the float64 limit the SVD is that of
/// scale·X for a power of two `scale` ≤ 1 (`overflowGuardScale`), passed to
/// `body`, so that no singular value overflows (issue 12 item 5).
private func withSVD(_ x: UnsafeBufferPointer<Double>, rows: Int, columns: Int, vectors: Bool,
                     _ body: (UnsafeBufferPointer<Double>, UnsafeMutableBufferPointer<Double>,
                              UnsafeMutableBufferPointer<Double>, Double) throws -> Void) throws {
    let M = columns, N = rows, k = min(M, N)
    let size = M * N
    let uCount = vectors ? M * k : 1
    let vtCount = vectors ? k * N : 1
    // One block for A (destroyed by dgesdd), s, U and Vᵀ.
    let block = UnsafeMutableBufferPointer<Double>.allocate(capacity: size + k + uCount + vtCount)
    defer { block.deallocate() }
    guard let base = block.baseAddress, let src = x.baseAddress else { return }
    let a = base, s = base + size, u = s + k, vt = u + uCount
    a.update(from: src, count: size)
    let scale = overflowGuardScale(UnsafeBufferPointer(start: src, count: size))
    if scale != 1 {
        for i in 0..<size { a[i] *= scale }
    }
    let iwork = UnsafeMutableBufferPointer<Int32>.allocate(capacity: max(1, 8 * k))
    defer { iwork.deallocate() }

    var jobz: CChar = vectors ? CChar(UInt8(ascii: "S")) : CChar(UInt8(ascii: "N"))
    var m32 = Int32(M), n32 = Int32(N), lda = Int32(max(1, M))
    var ldu = Int32(vectors ? max(1, M) : 1), ldvt = Int32(vectors ? max(1, k) : 1)
    var info: Int32 = 0
    var query = 0.0
    var lwork: Int32 = -1
    dgesdd_(&jobz, &m32, &n32, a, &lda, s, u, &ldu, vt, &ldvt, &query, &lwork, iwork.baseAddress, &info)
    guard info == 0 else { throw NonsmoothError.numericalError("dgesdd workspace query failed (info = \(info))") }
    lwork = try lapackWorkspaceSize(query, routine: "dgesdd")
    let work = UnsafeMutableBufferPointer<Double>.allocate(capacity: Int(lwork))
    defer { work.deallocate() }
    dgesdd_(&jobz, &m32, &n32, a, &lda, s, u, &ldu, vt, &ldvt, work.baseAddress, &lwork, iwork.baseAddress, &info)
    if info < 0 { throw NonsmoothError.numericalError("dgesdd: argument \(-info) had an illegal value") }
    if info > 0 { throw NonsmoothError.numericalError("dgesdd: the singular value decomposition did not converge (info = \(info))") }
    try body(UnsafeBufferPointer(start: s, count: k),
             UnsafeMutableBufferPointer(start: u, count: vectors ? M * k : 0),
             UnsafeMutableBufferPointer(start: vt, count: vectors ? k * N : 0), scale)
}
