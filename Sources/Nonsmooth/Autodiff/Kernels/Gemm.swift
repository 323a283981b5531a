import COpenBLAS

/// Row-major dgemm: C ← α·op(A)·op(B) + β·C.
@inline(__always)
func blasGemm(
    transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Double,
    a: UnsafePointer<Double>, lda: Int, b: UnsafePointer<Double>, ldb: Int,
    beta: Double, c: UnsafeMutablePointer<Double>, ldc: Int
) {
    product(transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha, a: a, lda: lda, b: b, ldb: ldb,
            beta: beta, c: c, ldc: ldc) { tA, tB, m, n, a, b, c in
        cblas_dgemm(CblasRowMajor, tA, tB, Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
    }
}

/// Row-major sgemm: C ← α·op(A)·op(B) + β·C.
@inline(__always)
func blasGemm(
    transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Float,
    a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
    beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int
) {
    product(transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha, a: a, lda: lda, b: b, ldb: ldb,
            beta: beta, c: c, ldc: ldc) { tA, tB, m, n, a, b, c in
        cblas_sgemm(CblasRowMajor, tA, tB, Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
    }
}

/// The product in either precision: a 1×1 output is a dot product written out
/// (no BLAS dispatch); larger ones go to `blas(transA, transB, m, n, a, b, c)`,
/// by panels when `ProductThreads` says so.
@inline(__always)
private func product<T: BinaryFloatingPoint>(
    transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: T, a: UnsafePointer<T>, lda: Int,
    b: UnsafePointer<T>, ldb: Int, beta: T, c: UnsafeMutablePointer<T>, ldc: Int,
    _ blas: (CBLAS_TRANSPOSE, CBLAS_TRANSPOSE, Int, Int, UnsafePointer<T>, UnsafePointer<T>, UnsafeMutablePointer<T>) -> Void
) {
    if m == 1 && n == 1 {
        var s: T = 0
        let sa = transA ? lda : 1, sb = transB ? 1 : ldb
        for i in 0..<k { s += a[i * sa] * b[i * sb] }
        c[0] = alpha * s + (beta == 0 ? 0 : beta * c[0])
        return
    }
    let tA = transA ? CblasTrans : CblasNoTrans, tB = transB ? CblasTrans : CblasNoTrans
    panelledProduct(transA: transA, transB: transB, m: m, n: n, k: k, a: a, lda: lda, b: b, ldb: ldb, c: c, ldc: ldc) {
        blas(tA, tB, $0, $1, $2, $3, $4)
    }
}
