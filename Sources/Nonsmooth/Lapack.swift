import COpenBLAS

/// A workspace size returned by a LAPACK query, as a checked Int32.
func lapackWorkspaceSize(_ w: Double, routine: String) throws -> Int32 {
    guard w.isFinite, w >= 1, w <= Double(Int32.max) else {
        throw NonsmoothError.numericalError("\(routine): workspace query returned \(w) (matrix too large for 32-bit LAPACK)")
    }
    return Int32(w.rounded(.up))
}

/// Eigenvalues (ascending, into `w`) and, with `vectors`, orthonormal
/// eigenvectors (columns of `a`, column-major) of the symmetric n×n matrix in
/// `a` (lower triangle read, or the upper one with `upper`), by LAPACK `dsyevd`.
func symmetricEigen(_ a: UnsafeMutableBufferPointer<Double>, _ w: UnsafeMutableBufferPointer<Double>,
                    _ n: Int, vectors: Bool, upper: Bool = false) throws {
    var jobz: CChar = vectors ? CChar(UInt8(ascii: "V")) : CChar(UInt8(ascii: "N"))
    var uplo: CChar = CChar(UInt8(ascii: upper ? "U" : "L"))
    var n32 = Int32(n), lda = Int32(max(1, n))
    var info: Int32 = 0
    var lwork: Int32 = -1, liwork: Int32 = -1
    var workQuery = 0.0
    var iworkQuery: Int32 = 0
    dsyevd_(&jobz, &uplo, &n32, a.baseAddress, &lda, w.baseAddress, &workQuery, &lwork, &iworkQuery, &liwork, &info)
    guard info == 0 else { throw NonsmoothError.numericalError("dsyevd workspace query failed (info = \(info))") }
    lwork = try lapackWorkspaceSize(workQuery, routine: "dsyevd")
    liwork = max(1, iworkQuery)
    let work = UnsafeMutableBufferPointer<Double>.allocate(capacity: Int(lwork))
    defer { work.deallocate() }
    let iwork = UnsafeMutableBufferPointer<Int32>.allocate(capacity: Int(liwork))
    defer { iwork.deallocate() }
    dsyevd_(&jobz, &uplo, &n32, a.baseAddress, &lda, w.baseAddress, work.baseAddress, &lwork,
            iwork.baseAddress, &liwork, &info)
    if info < 0 { throw NonsmoothError.numericalError("dsyevd: argument \(-info) had an illegal value") }
    if info > 0 { throw NonsmoothError.numericalError("dsyevd: the eigenvalue algorithm did not converge (info = \(info))") }
}

/// Upper Cholesky factor U (A = UᵀU) of the symmetric positive definite
/// n×n matrix in `a` (column-major, upper triangle read and overwritten), by
/// LAPACK `dpotrf`. Returns dpotrf's info: 0 on success, i > 0 when the
/// leading minor of order i is not numerically positive definite.
func choleskyFactorize(_ a: UnsafeMutablePointer<Double>, _ n: Int) -> Int32 {
    var n32 = Int32(n), lda = Int32(max(1, n)), info: Int32 = 0
    dpotrf_("U", &n32, a, &lda, &info)
    return info
}

/// b ← A⁻¹ b for `columns` right-hand sides (n × columns, column-major) from
/// the upper Cholesky factor of A (`choleskyFactorize`), by LAPACK `dpotrs`.
/// Returns dpotrs's info (0 on success).
func choleskySolve(_ factor: UnsafePointer<Double>, _ n: Int, _ b: UnsafeMutablePointer<Double>,
                   columns: Int = 1) -> Int32 {
    var n32 = Int32(n), nrhs = Int32(columns), ld = Int32(max(1, n)), info: Int32 = 0
    dpotrs_("U", &n32, &nrhs, factor, &ld, b, &ld, &info)
    return info
}
