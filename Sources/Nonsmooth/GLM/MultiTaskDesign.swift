import COpenBLAS

/// The products of multi-task coordinate descent, against n×T row-major
/// matrices R (sample i's T entries contiguous): BLAS for dense designs, one
/// contiguous T-block per stored entry for sparse ones.
public protocol MultiTaskDesign: EntryDesign {
    /// out = Σᵢ x_ij Rᵢ (T entries): the gradient of row j.
    func rowsDot(_ j: Int, _ r: UnsafePointer<Double>, tasks T: Int, into out: UnsafeMutablePointer<Double>)
    /// Rᵢ ← Rᵢ + x_ij δ for every sample i (δ: T entries).
    func rowsAxpy(_ j: Int, _ delta: UnsafePointer<Double>, _ r: UnsafeMutablePointer<Double>, tasks T: Int)
    /// out = XᵀR, p×T row-major.
    func transposeMultiply(rows r: UnsafePointer<Double>, tasks T: Int, into out: UnsafeMutablePointer<Double>)
}

extension MultiTaskDesign {
    /// Rᵢ ← Rᵢ + hᵢ x_ij δ (per-sample weights h).
    @inline(__always)
    func rowsAxpy(_ j: Int, _ delta: UnsafePointer<Double>, _ r: UnsafeMutablePointer<Double>, tasks T: Int,
                  weights h: UnsafePointer<Double>) {
        forEachEntry(j) { i, x in
            let c = h[i] * x
            if c != 0 { denseAxpy(c, delta, r + i * T, T) }
        }
    }
}

extension DenseColumnMajor: MultiTaskDesign {
    @inline(__always)
    public func rowsDot(_ j: Int, _ r: UnsafePointer<Double>, tasks T: Int, into out: UnsafeMutablePointer<Double>) {
        // R row-major n×T is the column-major T×n matrix Rᵀ: out = Rᵀ x_j.
        cblas_dgemv(CblasColMajor, CblasNoTrans, Int32(T), Int32(rows), 1, r, Int32(T), column(j), 1, 0, out, 1)
    }

    /// An inlined SIMD loop, not dger: for R row-major, OpenBLAS's dger makes one
    /// axpy call of length T per sample, and those calls cost more than the
    /// arithmetic (perf on 500×2 000, T = 20: dger's daxpy calls were 3× dgemv).
    @inline(__always)
    public func rowsAxpy(_ j: Int, _ delta: UnsafePointer<Double>, _ r: UnsafeMutablePointer<Double>, tasks T: Int) {
        let x = column(j)
        for i in 0..<rows { denseAxpy(x[i], delta, r + i &* T, T) }
    }

    public func transposeMultiply(rows r: UnsafePointer<Double>, tasks T: Int, into out: UnsafeMutablePointer<Double>) {
        guard columns > 0 else { return }
        guard rows > 0 else {
            out.update(repeating: 0, count: columns * T)
            return
        }
        // (XᵀR)ᵀ = RᵀX: column-major T×p = (T×n) · (n×p).
        cblas_dgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, Int32(T), Int32(columns), Int32(rows), 1, r,
                    Int32(T), base, Int32(leadingDimension), 0, out, Int32(T))
    }
}

extension SparseCSC: MultiTaskDesign {
    @inline(__always)
    public func rowsDot(_ j: Int, _ r: UnsafePointer<Double>, tasks T: Int, into out: UnsafeMutablePointer<Double>) {
        out.update(repeating: 0, count: T)
        for k in range(j) {
            denseAxpy(values[k], r + Int(truncatingIfNeeded: rowIndices[k]) * T, out, T)
        }
    }

    @inline(__always)
    public func rowsAxpy(_ j: Int, _ delta: UnsafePointer<Double>, _ r: UnsafeMutablePointer<Double>, tasks T: Int) {
        for k in range(j) {
            denseAxpy(values[k], delta, r + Int(truncatingIfNeeded: rowIndices[k]) * T, T)
        }
    }

    public func transposeMultiply(rows r: UnsafePointer<Double>, tasks T: Int, into out: UnsafeMutablePointer<Double>) {
        for j in 0..<columns { rowsDot(j, r, tasks: T, into: out + j * T) }
    }
}
