import COpenBLAS

/// ‖x‖₂ without overflow or underflow in the squares (BLAS dnrm2 scales as it goes).
@inline(__always)
func euclideanNorm(_ x: UnsafeBufferPointer<Double>) -> Double {
    guard let base = x.baseAddress, x.count > 0 else { return 0 }
    return cblas_dnrm2(Int32(truncatingIfNeeded: x.count), base, 1)
}
