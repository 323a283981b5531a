import COpenBLAS

/// Row-major dgemm: C ← α·op(A)·op(B) + β·C.
@inline(__always)
func blasGemm(
    transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Double,
    a: UnsafePointer<Double>, lda: Int, b: UnsafePointer<Double>, ldb: Int,
    beta: Double, c: UnsafeMutablePointer<Double>, ldc: Int
) {
    if m == 1 && n == 1 {
        // A dot product: skip BLAS dispatch for the scalar case.
        var s = 0.0
        let sa = transA ? lda : 1, sb = transB ? 1 : ldb
        for i in 0..<k { s += a[i * sa] * b[i * sb] }
        c[0] = alpha * s + (beta == 0 ? 0 : beta * c[0])
        return
    }
    cblas_dgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
                Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
}
