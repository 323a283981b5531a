import COpenBLAS

// MARK: - Dense, row-major (C order)

/// A row-major (C-order) dense matrix read in place: entry (i, j) is
/// `base[i·leadingDimension + j]`. No copy of the matrix is made.
///
/// Coordinate descent reads one column at a time, which in C order touches one
/// cache line per entry (eight times the memory traffic of a Fortran-order
/// column). Products with every column (`transposeMultiply`, `gram`) are BLAS
/// calls on the row-major storage and run at full speed; single columns are
/// gathered the first time they are read into a column cache and read from
/// there afterwards. Coordinate descent reads the columns of its working sets
/// over and over, so the cache holds O(n·|working set|) entries — at most
/// `cacheColumns` columns (about 256 MiB), beyond which columns are read in
/// place with a stride. The cache makes the value a reference to mutable state:
/// one solve at a time may use it.
public struct DenseRowMajor: DenseDesign {
    public let base: UnsafePointer<Double>
    public let rows: Int
    public let columns: Int
    public let leadingDimension: Int
    let cache: ColumnCache

    /// Throws `invalidArgument` when a dimension is negative, when
    /// `leadingDimension < max(1, columns)`, or when a dimension exceeds the
    /// 32-bit range of the BLAS interface.
    public init(base: UnsafePointer<Double>, rows: Int, columns: Int, leadingDimension: Int,
                cacheColumns: Int? = nil) throws {
        let limit = Int(Int32.max)
        try require(rows >= 0 && rows <= limit, "rows", "must lie in [0, \(limit)], got \(rows)")
        try require(columns >= 0 && columns <= limit, "columns", "must lie in [0, \(limit)], got \(columns)")
        try require(leadingDimension >= max(1, columns) && leadingDimension <= limit, "leadingDimension",
                    "must lie in [max(1, columns), \(limit)], got \(leadingDimension) for \(columns) columns")
        let (_, overflow) = leadingDimension.multipliedReportingOverflow(by: max(rows, 1))
        try require(!overflow, "leadingDimension", "leadingDimension × rows overflows")
        self.base = base
        self.rows = rows
        self.columns = columns
        self.leadingDimension = leadingDimension
        let budget = cacheColumns ?? (1 << 25) / max(rows, 1)
        cache = ColumnCache(rows: rows, columns: columns, capacity: max(0, min(columns, budget)))
    }

    /// Column j as (pointer, stride): its cached copy, gathered now if there is
    /// room, or the strided column in place.
    @inline(__always)
    func column(_ j: Int) -> (UnsafePointer<Double>, Int) {
        if let c = cache.column(j) { return (c, 1) }
        if let c = cache.insert(j, from: base + j, stride: leadingDimension) { return (c, 1) }
        return (base + j, leadingDimension)
    }

    /// Column j as (pointer, stride) without caching it: for one-off reads.
    @inline(__always)
    func peek(_ j: Int) -> (UnsafePointer<Double>, Int) {
        if let c = cache.column(j) { return (c, 1) }
        return (base + j, leadingDimension)
    }

    @inline(__always)
    public func columnDot(_ j: Int, _ r: UnsafePointer<Double>) -> Double {
        let (x, stride) = column(j)
        if stride == 1 && rows < 16 { return denseDot(x, r, rows) }
        return cblas_ddot(Int32(truncatingIfNeeded: rows), x, Int32(truncatingIfNeeded: stride), r, 1)
    }

    @inline(__always)
    public func columnDots(_ j: Int, _ a: UnsafePointer<Double>, _ b: UnsafePointer<Double>) -> (Double, Double) {
        let (x, stride) = column(j)
        if stride == 1 { return denseDot2(x, a, b, rows) }
        let n = Int32(truncatingIfNeeded: rows), s = Int32(truncatingIfNeeded: stride)
        return (cblas_ddot(n, x, s, a, 1), cblas_ddot(n, x, s, b, 1))
    }

    @inline(__always)
    public func columnAxpy(_ j: Int, _ a: Double, _ r: UnsafeMutablePointer<Double>) {
        let (x, stride) = column(j)
        if stride == 1 && rows < 16 {
            denseAxpy(a, x, r, rows)
        } else {
            cblas_daxpy(Int32(truncatingIfNeeded: rows), a, x, Int32(truncatingIfNeeded: stride), r, 1)
        }
    }

    public func columnSquaredNorm(_ j: Int) -> Double {
        let (x, stride) = peek(j)
        var s = 0.0
        for i in 0..<rows { s += x[i * stride] * x[i * stride] }
        return s
    }

    public func columnSum(_ j: Int) -> Double {
        let (x, stride) = peek(j)
        var s = 0.0
        for i in 0..<rows { s += x[i * stride] }
        return s
    }

    public func centeredColumnSquaredNorm(_ j: Int, mean: Double) -> Double {
        let (x, stride) = peek(j)
        var s = 0.0
        for i in 0..<rows {
            let d = x[i * stride] - mean
            s += d * d
        }
        return s
    }

    public func copyColumn(_ j: Int, from start: Int, count: Int, into out: UnsafeMutablePointer<Double>) {
        let (x, stride) = peek(j)
        for i in 0..<count { out[i] = x[(start + i) * stride] }
    }

    /// One pass over the rows, each read contiguously. The centred squares
    /// are shifted by the first row (Σd², Σd with d = x_ij − x_0j, then
    /// Σd² − (Σd)²/n), so a constant column gives exactly 0 and a column
    /// whose mean is large against its spread loses no accuracy.
    public func columnMoments(sums: UnsafeMutablePointer<Double>, squares: UnsafeMutablePointer<Double>,
                              centred: UnsafeMutablePointer<Double>?) {
        let p = columns
        guard p > 0 else { return }
        sums.update(repeating: 0, count: p)
        squares.update(repeating: 0, count: p)
        guard rows > 0 else {
            centred?.update(repeating: 0, count: p)
            return
        }
        let shiftedSum = UnsafeMutablePointer<Double>.allocate(capacity: p)
        defer { shiftedSum.deallocate() }
        shiftedSum.initialize(repeating: 0, count: p)
        centred?.update(repeating: 0, count: p)
        let first = base
        for i in 0..<rows {
            let x = base + i * leadingDimension
            if let c = centred {
                for j in 0..<p {
                    let v = x[j], d = v - first[j]
                    sums[j] += v
                    squares[j] += v * v
                    shiftedSum[j] += d
                    c[j] += d * d
                }
            } else {
                for j in 0..<p {
                    let v = x[j]
                    sums[j] += v
                    squares[j] += v * v
                }
            }
        }
        if let c = centred {
            let nd = Double(rows)
            for j in 0..<p { c[j] = max(c[j] - shiftedSum[j] * shiftedSum[j] / nd, 0) }
        }
    }

    public func transposeMultiply(_ v: UnsafePointer<Double>, vectors k: Int, into out: UnsafeMutablePointer<Double>) {
        guard columns > 0, k > 0 else { return }
        guard rows > 0 else {
            out.update(repeating: 0, count: columns * k)
            return
        }
        let n = Int32(rows), p = Int32(columns), ld = Int32(leadingDimension)
        if k == 1 {
            cblas_dgemv(CblasRowMajor, CblasTrans, n, p, 1, base, ld, v, 1, 0, out, 1)
        } else {
            // out (k×p, row-major) = V (k×n) · X (n×p).
            cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(k), p, n, 1, v, n, base, ld, 0, out, p)
        }
    }

    /// dsyrk on X, or on row blocks of X − 1·meansᵀ (centred explicitly, so no
    /// cancellation when the means are large compared with the spread).
    public func gram(means: UnsafePointer<Double>?, into out: UnsafeMutablePointer<Double>) {
        let p = columns
        guard p > 0, rows > 0 else { return out.update(repeating: 0, count: p * p) }
        if let m = means {
            blockedGram(rows: rows, columns: p, block: min(rows, 256), into: out) { start, count, buffer in
                for i in 0..<count {
                    let x = base + (start + i) * leadingDimension
                    for j in 0..<p { buffer[j * count + i] = x[j] - m[j] }
                }
            }
        } else {
            // The lower triangle in row-major order is the upper one in column-major order.
            cblas_dsyrk(CblasRowMajor, CblasLower, CblasTrans, Int32(p), Int32(rows), 1, base,
                        Int32(leadingDimension), 0, out, Int32(p))
            fillLowerTriangle(out, p)
        }
    }

    public var hasFastGram: Bool { true }

    public var prefersBlockProducts: Bool { true }
}

/// Contiguous copies of up to `capacity` columns of a row-major matrix, made
/// the first time each is read (see `DenseRowMajor`). Memory is reserved, not
/// touched, up front: only the pages of the columns copied become resident.
final class ColumnCache {
    let rows: Int
    let capacity: Int
    private let slots: UnsafeMutablePointer<Int32>
    private var storage: UnsafeMutablePointer<Double>?
    private var used = 0

    init(rows: Int, columns: Int, capacity: Int) {
        self.rows = rows
        self.capacity = rows > 0 ? capacity : 0
        slots = .allocate(capacity: max(columns, 1))
        slots.initialize(repeating: -1, count: max(columns, 1))
    }

    deinit {
        slots.deallocate()
        storage?.deallocate()
    }

    @inline(__always)
    func column(_ j: Int) -> UnsafePointer<Double>? {
        let slot = Int(slots[j])
        guard slot >= 0, let s = storage else { return nil }
        return UnsafePointer(s + slot * rows)
    }

    /// Copies column j (entries `source[i·stride]`) into the next free slot;
    /// nil when the cache is full.
    func insert(_ j: Int, from source: UnsafePointer<Double>, stride: Int) -> UnsafePointer<Double>? {
        guard used < capacity else { return nil }
        if storage == nil {
            // Reserved at once so that slots never move; malloc maps large
            // blocks lazily, so unused slots cost address space only.
            storage = .allocate(capacity: capacity * rows)
        }
        guard let s = storage else { return nil }
        let out = s + used * rows
        for i in 0..<rows { out[i] = source[i * stride] }
        slots[j] = Int32(truncatingIfNeeded: used)
        used += 1
        return UnsafePointer(out)
    }
}
