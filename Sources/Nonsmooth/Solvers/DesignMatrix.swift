import COpenBLAS

/// The design X ∈ ℝ^{n×p} of a linear model, seen through the operations
/// coordinate descent needs: one column at a time, plus a few block products
/// (Xᵀv for every column, XᵀX) that concrete layouts implement with BLAS.
///
/// Pointers passed to the requirements hold `rows` doubles (or `rows·k` for
/// `transposeMultiply`) and never alias the matrix. Conforming types validate
/// their storage when they are created, so the requirements never trap.
public protocol DesignMatrix {
    /// n, the number of samples.
    var rows: Int { get }
    /// p, the number of features.
    var columns: Int { get }
    /// x_jᵀ r.
    func columnDot(_ j: Int, _ r: UnsafePointer<Double>) -> Double
    /// (x_jᵀa, x_jᵀb) in one pass over the column.
    func columnDots(_ j: Int, _ a: UnsafePointer<Double>, _ b: UnsafePointer<Double>) -> (Double, Double)
    /// r ← r + a·x_j.
    func columnAxpy(_ j: Int, _ a: Double, _ r: UnsafeMutablePointer<Double>)
    /// ‖x_j‖².
    func columnSquaredNorm(_ j: Int) -> Double
    /// Σᵢ x_ij (used to centre columns when an intercept is fitted).
    func columnSum(_ j: Int) -> Double
    /// Σᵢ (x_ij − mean)², computed without the cancellation of ‖x_j‖² − n·mean².
    func centeredColumnSquaredNorm(_ j: Int, mean: Double) -> Double
    /// Number of stored entries of column j (n for dense storage): the cost of
    /// `columnDot` / `columnAxpy`.
    func columnCost(_ j: Int) -> Int
    /// out[c·p + j] = x_jᵀ v_c for the k vectors v_c = v[c·n ..< (c+1)·n].
    func transposeMultiply(_ v: UnsafePointer<Double>, vectors k: Int, into out: UnsafeMutablePointer<Double>)
    /// The p×p Gram matrix X_cᵀX_c (column-major, both triangles filled), where
    /// X_c = X − 1·meansᵀ when `means` is given and X_c = X otherwise.
    func gram(means: UnsafePointer<Double>?, into out: UnsafeMutablePointer<Double>)
    /// Whether `gram` is a fast BLAS-3 product (dense storage), which makes the
    /// Gram variant of coordinate descent worth choosing automatically.
    var hasFastGram: Bool { get }
    /// Whether one column costs much more to read than its share of a block
    /// product (strided storage): products with every column still in play
    /// then go through `transposeMultiply`.
    var prefersBlockProducts: Bool { get }
    /// For every column j: sums[j] = Σᵢ x_ij, squares[j] = ‖x_j‖² and, when
    /// `centred` is given, centred[j] = Σᵢ (x_ij − sums[j]/n)². Non-finite
    /// entries make these non-finite (callers check them: this is the pass
    /// that finds NaN or ±∞ in X).
    func columnMoments(sums: UnsafeMutablePointer<Double>, squares: UnsafeMutablePointer<Double>,
                       centred: UnsafeMutablePointer<Double>?)
}

/// A design whose columns can be copied into contiguous memory (dense
/// storage), as the Gram form of coordinate descent gathers them.
public protocol DenseDesign: DesignMatrix {
    /// out[0..<count] = rows start ..< start + count of column j.
    func copyColumn(_ j: Int, from start: Int, count: Int, into out: UnsafeMutablePointer<Double>)
}

extension DesignMatrix {
    public func columnDots(_ j: Int, _ a: UnsafePointer<Double>, _ b: UnsafePointer<Double>) -> (Double, Double) {
        (columnDot(j, a), columnDot(j, b))
    }

    public func centeredColumnSquaredNorm(_ j: Int, mean: Double) -> Double {
        max(columnSquaredNorm(j) - Double(rows) * mean * mean, 0)
    }

    public func columnCost(_ j: Int) -> Int { rows }

    public func transposeMultiply(_ v: UnsafePointer<Double>, vectors k: Int, into out: UnsafeMutablePointer<Double>) {
        for c in 0..<k {
            for j in 0..<columns { out[c * columns + j] = columnDot(j, v + c * rows) }
        }
    }

    public func gram(means: UnsafePointer<Double>?, into out: UnsafeMutablePointer<Double>) {
        gramByColumns(self, means: means, into: out)
    }

    public var hasFastGram: Bool { false }

    public var prefersBlockProducts: Bool { false }

    public func columnMoments(sums: UnsafeMutablePointer<Double>, squares: UnsafeMutablePointer<Double>,
                              centred: UnsafeMutablePointer<Double>?) {
        let nd = Double(rows)
        for j in 0..<columns {
            let sum = columnSum(j)
            sums[j] = sum
            squares[j] = columnSquaredNorm(j)
            if let c = centred { c[j] = centeredColumnSquaredNorm(j, mean: sum / nd) }
        }
    }
}

/// Column by column: scatter x_j into a dense vector, then dot it with the
/// columns k ≤ j. O(p·nnz + p·n) time, O(n) scratch.
func gramByColumns<X: DesignMatrix>(_ x: X, means: UnsafePointer<Double>?, into out: UnsafeMutablePointer<Double>) {
    let n = x.rows, p = x.columns
    let dense = UnsafeMutablePointer<Double>.allocate(capacity: max(n, 1))
    defer { dense.deallocate() }
    dense.initialize(repeating: 0, count: max(n, 1))
    for j in 0..<p {
        x.columnAxpy(j, 1, dense)
        for k in 0...j {
            var g = x.columnDot(k, dense)
            if let m = means { g -= Double(n) * m[k] * m[j] }
            out[j * p + k] = g
            out[k * p + j] = g
        }
        x.columnAxpy(j, -1, dense)
        // Exact zeros again (x + (−x) is exact), so no drift between columns.
    }
}


/// The p×p Gram matrix AᵀA (column-major, both triangles) of an n×p matrix A
/// delivered in row blocks: `fill(start, count, buffer)` writes rows
/// start ..< start + count of A into `buffer`, column-major with leading
/// dimension `count`; one dsyrk per block, O(block·p) scratch.
func blockedGram(rows n: Int, columns p: Int, block: Int, into out: UnsafeMutablePointer<Double>,
                 fill: (_ start: Int, _ count: Int, _ buffer: UnsafeMutablePointer<Double>) -> Void) {
    let buffer = UnsafeMutablePointer<Double>.allocate(capacity: max(block * p, 1))
    defer { buffer.deallocate() }
    var start = 0
    while start < n {
        let count = min(block, n - start)
        fill(start, count, buffer)
        cblas_dsyrk(CblasColMajor, CblasUpper, CblasTrans, Int32(p), Int32(count), 1, buffer, Int32(count),
                    start == 0 ? 0 : 1, out, Int32(p))
        start += count
    }
    fillLowerTriangle(out, p)
}

/// Copies the upper triangle of the column-major p×p `out` into its lower one.
func fillLowerTriangle(_ out: UnsafeMutablePointer<Double>, _ p: Int) {
    for j in 0..<p {
        for k in 0..<j { out[k * p + j] = out[j * p + k] }
    }
}

// MARK: - Dense, column-major (Fortran order)

/// A column-major (Fortran-order) dense matrix read in place: entry (i, j) is
/// `base[i + j·leadingDimension]`. No copy is made; the memory must outlive
/// every use of the value.
public struct DenseColumnMajor: DenseDesign {
    public let base: UnsafePointer<Double>
    public let rows: Int
    public let columns: Int
    public let leadingDimension: Int

    /// Throws `invalidArgument` when a dimension is negative, when
    /// `leadingDimension < max(1, rows)`, or when a dimension exceeds the
    /// 32-bit range of the BLAS interface.
    public init(base: UnsafePointer<Double>, rows: Int, columns: Int, leadingDimension: Int) throws {
        let limit = Int(Int32.max)
        try require(rows >= 0 && rows <= limit, "rows", "must lie in [0, \(limit)], got \(rows)")
        try require(columns >= 0 && columns <= limit, "columns", "must lie in [0, \(limit)], got \(columns)")
        try require(leadingDimension >= max(1, rows) && leadingDimension <= limit, "leadingDimension",
                    "must lie in [max(1, rows), \(limit)], got \(leadingDimension) for \(rows) rows")
        let (_, overflow) = leadingDimension.multipliedReportingOverflow(by: max(columns, 1))
        try require(!overflow, "leadingDimension", "leadingDimension × columns overflows")
        self.base = base
        self.rows = rows
        self.columns = columns
        self.leadingDimension = leadingDimension
    }

    @inline(__always)
    func column(_ j: Int) -> UnsafePointer<Double> { base + j * leadingDimension }

    /// BLAS level 1 (runtime-dispatched AVX kernels) except for very short
    /// columns, where the call overhead dominates.
    @inline(__always)
    public func columnDot(_ j: Int, _ r: UnsafePointer<Double>) -> Double {
        rows < 16 ? denseDot(column(j), r, rows) : cblas_ddot(Int32(truncatingIfNeeded: rows), column(j), 1, r, 1)
    }

    @inline(__always)
    public func columnAxpy(_ j: Int, _ a: Double, _ r: UnsafeMutablePointer<Double>) {
        if rows < 16 {
            denseAxpy(a, column(j), r, rows)
        } else {
            cblas_daxpy(Int32(truncatingIfNeeded: rows), a, column(j), 1, r, 1)
        }
    }

    public func columnSquaredNorm(_ j: Int) -> Double { denseDot(column(j), column(j), rows) }

    public func columnSum(_ j: Int) -> Double {
        let x = column(j)
        var s = 0.0
        for i in 0..<rows { s += x[i] }
        return s
    }

    public func centeredColumnSquaredNorm(_ j: Int, mean: Double) -> Double {
        let x = column(j)
        var s = 0.0
        for i in 0..<rows {
            let d = x[i] - mean
            s += d * d
        }
        return s
    }

    public func transposeMultiply(_ v: UnsafePointer<Double>, vectors k: Int, into out: UnsafeMutablePointer<Double>) {
        guard columns > 0, k > 0 else { return }
        guard rows > 0 else {
            out.update(repeating: 0, count: columns * k)
            return
        }
        let n = Int32(rows), p = Int32(columns), ld = Int32(leadingDimension)
        if k == 1 {
            cblas_dgemv(CblasColMajor, CblasTrans, n, p, 1, base, ld, v, 1, 0, out, 1)
            return
        }
        if rows > 4096 {
            // dgemv per vector on tiles of 4096 rows × 32 columns (1 MiB): each
            // tile is read from memory once and stays in L2 for the k products
            // (dgemm would first pack — copy — all of X for so few right-hand
            // sides, and k whole dgemv passes read X k times).
            let tileRows = 4096, tileColumns = 32
            for j0 in stride(from: 0, to: columns, by: tileColumns) {
                let width = Int32(min(tileColumns, columns - j0))
                for i0 in stride(from: 0, to: rows, by: tileRows) {
                    let height = Int32(min(tileRows, rows - i0))
                    let tile = base + i0 + j0 * leadingDimension
                    for c in 0..<k {
                        cblas_dgemv(CblasColMajor, CblasTrans, height, width, 1, tile, ld, v + c * rows + i0, 1,
                                    i0 == 0 ? 0 : 1, out + c * columns + j0, 1)
                    }
                }
            }
            return
        }
        // Short columns: one pass over X, each column dotted with the k vectors
        // while it sits in L1 (X is read once instead of k times).
        for j in 0..<columns {
            let x = column(j)
            var c = 0
            while c + 2 <= k {
                let (a, b) = denseDot2(x, v + c * rows, v + (c + 1) * rows, rows)
                out[c * columns + j] = a
                out[(c + 1) * columns + j] = b
                c += 2
            }
            if c < k { out[c * columns + j] = denseDot(x, v + c * rows, rows) }
        }
    }

    /// dsyrk on X, or on row blocks of X − 1·meansᵀ (centred explicitly, so no
    /// cancellation when the means are large compared with the spread).
    public func gram(means: UnsafePointer<Double>?, into out: UnsafeMutablePointer<Double>) {
        let p = columns
        guard p > 0, rows > 0 else { return out.update(repeating: 0, count: p * p) }
        if let m = means {
            blockedGram(rows: rows, columns: p, block: min(rows, 256), into: out) { start, count, buffer in
                for j in 0..<p {
                    let x = column(j) + start, b = buffer + j * count, mj = m[j]
                    for i in 0..<count { b[i] = x[i] - mj }
                }
            }
        } else {
            cblas_dsyrk(CblasColMajor, CblasUpper, CblasTrans, Int32(p), Int32(rows), 1, base,
                        Int32(leadingDimension), 0, out, Int32(p))
            fillLowerTriangle(out, p)
        }
    }

    public var hasFastGram: Bool { true }

    public func copyColumn(_ j: Int, from start: Int, count: Int, into out: UnsafeMutablePointer<Double>) {
        out.update(from: column(j) + start, count: count)
    }
}

// MARK: - Sparse, compressed sparse columns

/// A compressed-sparse-column matrix read in place (SciPy's CSC layout with
/// 64-bit indices): the entries of column j are `values[k]` at rows
/// `rowIndices[k]` for k in `columnPointers[j] ..< columnPointers[j+1]`.
///
/// Creation checks every index, so no later access can go out of bounds:
/// pointers must start at a non-negative offset and be non-decreasing, row
/// indices must lie in [0, rows), and a row may appear at most once per
/// column (SciPy's canonical format; call `sum_duplicates()` first).
public struct SparseCSC: DesignMatrix {
    public let values: UnsafePointer<Double>
    /// Int32 as SciPy stores them for all but gigantic matrices: a third less
    /// memory traffic per entry than Int64 in every pass over X.
    public let rowIndices: UnsafePointer<Int32>
    public let columnPointers: UnsafePointer<Int64>
    public let rows: Int
    public let columns: Int

    /// `nonzeros`, when given, is the length of `values` and `rowIndices`;
    /// `columnPointers[columns]` must not exceed it.
    public init(values: UnsafePointer<Double>, rowIndices: UnsafePointer<Int32>,
                columnPointers: UnsafePointer<Int64>, rows: Int, columns: Int,
                nonzeros: Int? = nil) throws {
        try require(rows >= 0, "rows", "must be non-negative, got \(rows)")
        try require(columns >= 0, "columns", "must be non-negative, got \(columns)")
        try require(rows <= Int(Int32.max), "rows", "must be at most 2³¹ − 1 for 32-bit row indices, got \(rows)")
        try require(columnPointers[0] >= 0, "columnPointers", "must start at a non-negative offset, got \(columnPointers[0])")
        for j in 0..<columns where columnPointers[j + 1] < columnPointers[j] {
            throw NonsmoothError.invalidArgument(
                name: "columnPointers",
                reason: "must be non-decreasing, entry \(j + 1) is \(columnPointers[j + 1]) < \(columnPointers[j])")
        }
        if let nnz = nonzeros {
            try require(nnz >= 0 && columnPointers[columns] <= Int64(nnz), "columnPointers",
                        "last entry \(columnPointers[columns]) exceeds the \(nnz) stored values")
        }
        guard let end = Int(exactly: columnPointers[columns]) else {
            throw NonsmoothError.invalidArgument(name: "columnPointers", reason: "offsets do not fit in Int")
        }
        _ = end
        // Row indices strictly increasing within each column (so no duplicates)
        // and in range: one sequential pass, unlike a per-row stamp whose random
        // writes cost as much as a solver pass on large matrices.
        for j in 0..<columns {
            let start = Int(columnPointers[j]), stop = Int(columnPointers[j + 1])
            guard start < stop else { continue }
            var previous = rowIndices[start]
            guard previous >= 0 else {
                throw NonsmoothError.invalidArgument(
                    name: "rowIndices", reason: "entry \(start) is \(previous), outside [0, \(rows)) (column \(j))")
            }
            // Branch-free (no early exit) so that the loop vectorises.
            var increasing: UInt8 = 1
            for k in (start + 1)..<stop { increasing &= rowIndices[k] > rowIndices[k &- 1] ? 1 : 0 }
            let ordered = increasing == 1
            previous = rowIndices[stop - 1]
            guard ordered else {
                throw NonsmoothError.invalidArgument(
                    name: "rowIndices",
                    reason: "must be strictly increasing within each column (sorted, no duplicates); column \(j) is not")
            }
            guard Int(previous) < rows else {
                throw NonsmoothError.invalidArgument(
                    name: "rowIndices", reason: "entry \(stop - 1) is \(previous), outside [0, \(rows)) (column \(j))")
            }
        }
        self.values = values
        self.rowIndices = rowIndices
        self.columnPointers = columnPointers
        self.rows = rows
        self.columns = columns
    }

    @inline(__always)
    func range(_ j: Int) -> Range<Int> {
        Int(truncatingIfNeeded: columnPointers[j])..<Int(truncatingIfNeeded: columnPointers[j + 1])
    }

    /// Four accumulators: a column has few entries, and with one the loop
    /// waits on the latency of each addition rather than on the gathers.
    @inline(__always)
    public func columnDot(_ j: Int, _ r: UnsafePointer<Double>) -> Double {
        let range = range(j)
        var k = range.lowerBound
        let end = range.upperBound
        var s0 = 0.0, s1 = 0.0, s2 = 0.0, s3 = 0.0
        while k &+ 4 <= end {
            s0 += values[k] * r[Int(truncatingIfNeeded: rowIndices[k])]
            s1 += values[k &+ 1] * r[Int(truncatingIfNeeded: rowIndices[k &+ 1])]
            s2 += values[k &+ 2] * r[Int(truncatingIfNeeded: rowIndices[k &+ 2])]
            s3 += values[k &+ 3] * r[Int(truncatingIfNeeded: rowIndices[k &+ 3])]
            k &+= 4
        }
        while k < end {
            s0 += values[k] * r[Int(truncatingIfNeeded: rowIndices[k])]
            k &+= 1
        }
        return (s0 + s1) + (s2 + s3)
    }

    /// Each index and value is loaded once for both vectors (dual certificates
    /// evaluate two candidates on every feature).
    @inline(__always)
    public func columnDots(_ j: Int, _ a: UnsafePointer<Double>, _ b: UnsafePointer<Double>) -> (Double, Double) {
        let range = range(j)
        var k = range.lowerBound
        let end = range.upperBound
        var a0 = 0.0, a1 = 0.0, b0 = 0.0, b1 = 0.0
        while k &+ 2 <= end {
            let i0 = Int(truncatingIfNeeded: rowIndices[k]), i1 = Int(truncatingIfNeeded: rowIndices[k &+ 1])
            let v0 = values[k], v1 = values[k &+ 1]
            a0 += v0 * a[i0]
            b0 += v0 * b[i0]
            a1 += v1 * a[i1]
            b1 += v1 * b[i1]
            k &+= 2
        }
        if k < end {
            let i = Int(truncatingIfNeeded: rowIndices[k])
            a0 += values[k] * a[i]
            b0 += values[k] * b[i]
        }
        return (a0 + a1, b0 + b1)
    }

    @inline(__always)
    public func columnAxpy(_ j: Int, _ a: Double, _ r: UnsafeMutablePointer<Double>) {
        for k in range(j) { r[Int(truncatingIfNeeded: rowIndices[k])] += a * values[k] }
    }

    public func columnSquaredNorm(_ j: Int) -> Double {
        let r = range(j)
        return denseDot(values + r.lowerBound, values + r.lowerBound, r.count)
    }

    public func columnSum(_ j: Int) -> Double {
        var s = 0.0
        for k in range(j) { s += values[k] }
        return s
    }

    public func centeredColumnSquaredNorm(_ j: Int, mean: Double) -> Double {
        var s = 0.0
        let r = range(j)
        for k in r {
            let d = values[k] - mean
            s += d * d
        }
        return s + Double(rows - r.count) * mean * mean
    }

    public func columnCost(_ j: Int) -> Int { range(j).count }
}

// MARK: - Kernels

/// xᵀy with eight independent accumulators (strict IEEE order forbids the
/// compiler from vectorising a single-accumulator reduction).
@inline(__always)
func denseDot(_ x: UnsafePointer<Double>, _ y: UnsafePointer<Double>, _ n: Int) -> Double {
    var a = SIMD4<Double>(), b = SIMD4<Double>()
    let rx = UnsafeRawPointer(x), ry = UnsafeRawPointer(y)
    var i = 0
    while i + 8 <= n {
        let o = i &* 8
        a += rx.loadUnaligned(fromByteOffset: o, as: SIMD4<Double>.self)
            * ry.loadUnaligned(fromByteOffset: o, as: SIMD4<Double>.self)
        b += rx.loadUnaligned(fromByteOffset: o &+ 32, as: SIMD4<Double>.self)
            * ry.loadUnaligned(fromByteOffset: o &+ 32, as: SIMD4<Double>.self)
        i &+= 8
    }
    var s = (a + b).sum()
    while i < n {
        s += x[i] * y[i]
        i &+= 1
    }
    return s
}

/// (xᵀy, xᵀz) in one pass over x.
@inline(__always)
func denseDot2(_ x: UnsafePointer<Double>, _ y: UnsafePointer<Double>, _ z: UnsafePointer<Double>,
               _ n: Int) -> (Double, Double) {
    var a0 = SIMD4<Double>(), a1 = SIMD4<Double>(), b0 = SIMD4<Double>(), b1 = SIMD4<Double>()
    let rx = UnsafeRawPointer(x), ry = UnsafeRawPointer(y), rz = UnsafeRawPointer(z)
    var i = 0
    while i + 8 <= n {
        let o = i &* 8
        let x0 = rx.loadUnaligned(fromByteOffset: o, as: SIMD4<Double>.self)
        let x1 = rx.loadUnaligned(fromByteOffset: o &+ 32, as: SIMD4<Double>.self)
        a0 += x0 * ry.loadUnaligned(fromByteOffset: o, as: SIMD4<Double>.self)
        a1 += x1 * ry.loadUnaligned(fromByteOffset: o &+ 32, as: SIMD4<Double>.self)
        b0 += x0 * rz.loadUnaligned(fromByteOffset: o, as: SIMD4<Double>.self)
        b1 += x1 * rz.loadUnaligned(fromByteOffset: o &+ 32, as: SIMD4<Double>.self)
        i &+= 8
    }
    var s = (a0 + a1).sum(), t = (b0 + b1).sum()
    while i < n {
        s += x[i] * y[i]
        t += x[i] * z[i]
        i &+= 1
    }
    return (s, t)
}

/// y ← y + a·x.
@inline(__always)
func denseAxpy(_ a: Double, _ x: UnsafePointer<Double>, _ y: UnsafeMutablePointer<Double>, _ n: Int) {
    let rx = UnsafeRawPointer(x), ry = UnsafeMutableRawPointer(y)
    let av = SIMD4<Double>(repeating: a)
    var i = 0
    while i + 4 <= n {
        let o = i &* 8
        let v = ry.loadUnaligned(fromByteOffset: o, as: SIMD4<Double>.self)
            + av * rx.loadUnaligned(fromByteOffset: o, as: SIMD4<Double>.self)
        ry.storeBytes(of: v, toByteOffset: o, as: SIMD4<Double>.self)
        i &+= 4
    }
    while i < n {
        y[i] += a * x[i]
        i &+= 1
    }
}
