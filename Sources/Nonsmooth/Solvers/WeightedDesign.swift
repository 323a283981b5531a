import COpenBLAS

/// Sample weights as a view of the user's X: no copy of the design.
///
/// The weighted least-squares problem with an intercept,
///
///     min_{β, b} (1/2n) Σᵢ sᵢ (yᵢ − xᵢᵀβ − b)² + penalty(β),   Σᵢ sᵢ = n,
///
/// is the unweighted problem of the design D(X − 1·x̄ᵀ) and the target
/// D(y − ȳ), with D = diag(√s) and x̄, ȳ the weighted means: for fixed β the
/// optimal b is ȳ − x̄ᵀβ, and substituting it leaves that least-squares term.
/// `WeightedDesign` is that design, computed on the fly from X, √s and x̄
/// (O(n + p) memory). A sparse X would lose its sparsity to the centring, so it
/// is only scaled, and the intercept becomes the coefficient of one more,
/// unpenalized column √s (`interceptColumn`).

/// A design whose columns can be read scaled by row weights and shifted by a
/// constant: the kernels of `WeightedDesign`.
public protocol RowScalableDesign: DesignMatrix {
    /// Σᵢ wᵢ (x_ij − m) vᵢ.
    func scaledColumnDot(_ j: Int, scale w: UnsafePointer<Double>, shift m: Double,
                         _ v: UnsafePointer<Double>) -> Double
    /// rᵢ ← rᵢ + a·wᵢ (x_ij − m).
    func scaledColumnAxpy(_ j: Int, _ a: Double, scale w: UnsafePointer<Double>, shift m: Double,
                          _ r: UnsafeMutablePointer<Double>)
    /// For every column, sums[j] = Σᵢ wᵢ (x_ij − m_j) and squares[j] = Σᵢ (wᵢ (x_ij − m_j))²
    /// (m = 0 when `shifts` is nil), in one pass over X.
    func scaledColumnMoments(scale w: UnsafePointer<Double>, shifts: UnsafePointer<Double>?,
                             sums: UnsafeMutablePointer<Double>, squares: UnsafeMutablePointer<Double>)
}

/// The columns √s ⊙ (x_j − m_j·1), and with `interceptColumn` one more column
/// √s (see the top of this file). Reads X in place; owns √s and m.
public struct WeightedDesign<Base: RowScalableDesign>: DesignMatrix {
    public let base: Base
    /// √sᵢ (n entries).
    let root: DoubleBuffer
    /// The weighted means m_j (p entries), or nil: no centring.
    let means: DoubleBuffer?
    public let interceptColumn: Bool

    public var rows: Int { base.rows }
    public var columns: Int { base.columns + (interceptColumn ? 1 : 0) }

    /// `sampleWeights` (n entries, ≥ 0, finite) are used as given; `centre`
    /// shifts each column by its weighted mean Σᵢ sᵢx_ij / Σᵢ sᵢ;
    /// `interceptColumn` appends the column √s. Both cannot be asked at once.
    public init(_ base: Base, sampleWeights s: UnsafeBufferPointer<Double>, centre: Bool,
                interceptColumn: Bool) throws {
        let n = base.rows, p = base.columns
        try require(s.count == n, "sample_weight", "has \(s.count) entries but X has \(n) rows")
        try require(!(centre && interceptColumn), "interceptColumn", "cannot be combined with centring")
        let root = DoubleBuffer(n)
        var total = 0.0
        for i in 0..<n {
            let v = s[i]
            guard v.isFinite && v >= 0 else {
                throw NonsmoothError.invalidArgument(
                    name: "sample_weight", reason: "must be non-negative and finite, entry \(i) is \(v)")
            }
            root[i] = v.squareRoot()
            total += v
        }
        try require(total > 0 && total.isFinite, "sample_weight", "must have a positive, finite sum")
        self.base = base
        self.root = root
        self.interceptColumn = interceptColumn
        if centre {
            // Σᵢ sᵢ x_ij for every column in one block product (BLAS in either memory order).
            let means = DoubleBuffer(p)
            if let weights = s.baseAddress { base.transposeMultiply(weights, vectors: 1, into: means.base) }
            for j in 0..<p { means[j] /= total }
            self.means = means
        } else {
            means = nil
        }
    }

    /// m_j, or 0 without centring.
    @inline(__always)
    public func mean(_ j: Int) -> Double { means?[j] ?? 0 }

    @inline(__always)
    public func columnDot(_ j: Int, _ v: UnsafePointer<Double>) -> Double {
        if j == base.columns { return denseDot(root.base, v, rows) }
        return base.scaledColumnDot(j, scale: root.base, shift: mean(j), v)
    }

    @inline(__always)
    public func columnAxpy(_ j: Int, _ a: Double, _ r: UnsafeMutablePointer<Double>) {
        if j == base.columns { return denseAxpy(a, root.base, r, rows) }
        base.scaledColumnAxpy(j, a, scale: root.base, shift: mean(j), r)
    }

    public func columnSquaredNorm(_ j: Int) -> Double {
        if j == base.columns { return denseDot(root.base, root.base, rows) }
        let column = DoubleBuffer(rows)
        base.scaledColumnAxpy(j, 1, scale: root.base, shift: mean(j), column.base)
        return denseDot(column.base, column.base, rows)
    }

    public func columnSum(_ j: Int) -> Double {
        var s = 0.0
        if j == base.columns {
            for i in 0..<rows { s += root[i] }
            return s
        }
        let column = DoubleBuffer(rows)
        base.scaledColumnAxpy(j, 1, scale: root.base, shift: mean(j), column.base)
        for i in 0..<rows { s += column[i] }
        return s
    }

    public func columnCost(_ j: Int) -> Int { j == base.columns ? rows : base.columnCost(j) }

    /// The base's one-pass moments; centred squares (asked only when the
    /// solver itself centres, which it need not on a centred view) are
    /// squares − sums²/n.
    public func columnMoments(sums: UnsafeMutablePointer<Double>, squares: UnsafeMutablePointer<Double>,
                              centred: UnsafeMutablePointer<Double>?) {
        let p = base.columns, n = rows
        base.scaledColumnMoments(scale: root.base, shifts: means.map { UnsafePointer($0.base) },
                                 sums: sums, squares: squares)
        if interceptColumn {
            var s = 0.0
            for i in 0..<n { s += root[i] }
            sums[p] = s
            squares[p] = denseDot(root.base, root.base, n)
        }
        if let c = centred {
            for j in 0..<columns { c[j] = max(squares[j] - sums[j] * sums[j] / Double(n), 0) }
        }
    }

    /// Scales the k vectors by √s once, multiplies with the base (BLAS for
    /// dense X), then shifts by the means.
    public func transposeMultiply(_ v: UnsafePointer<Double>, vectors k: Int, into out: UnsafeMutablePointer<Double>) {
        let n = rows, p = base.columns, q = columns
        guard k > 0, q > 0 else { return }
        let scaled = DoubleBuffer(k * n), products = DoubleBuffer(k * p)
        var totals = [Double](repeating: 0, count: k)
        for c in 0..<k {
            var t = 0.0
            for i in 0..<n {
                let u = root[i] * v[c * n + i]
                scaled[c * n + i] = u
                t += u
            }
            totals[c] = t
        }
        base.transposeMultiply(scaled.base, vectors: k, into: products.base)
        for c in 0..<k {
            for j in 0..<p { out[c * q + j] = products[c * p + j] - mean(j) * totals[c] }
            if interceptColumn { out[c * q + p] = totals[c] }
        }
    }

    /// dsyrk on gathered row blocks for a dense base, else column by column.
    public func gram(means solverMeans: UnsafePointer<Double>?, into out: UnsafeMutablePointer<Double>) {
        if let dense = self as? any DenseDesign {
            gramByBlocks(dense, means: solverMeans, into: out)
        } else {
            gramByColumns(self, means: solverMeans, into: out)
        }
    }

    public var hasFastGram: Bool { base.hasFastGram }

    public var prefersBlockProducts: Bool { base.prefersBlockProducts }
}

extension WeightedDesign: DenseDesign where Base: DenseDesign {
    public func copyColumn(_ j: Int, from start: Int, count: Int, into out: UnsafeMutablePointer<Double>) {
        if j == base.columns {
            out.update(from: root.base + start, count: count)
            return
        }
        base.copyColumn(j, from: start, count: count, into: out)
        let m = mean(j), w = root.base + start
        for i in 0..<count { out[i] = w[i] * (out[i] - m) }
    }
}

// MARK: - Kernels of the bases

extension DenseColumnMajor: RowScalableDesign {
    @inline(__always)
    public func scaledColumnDot(_ j: Int, scale w: UnsafePointer<Double>, shift m: Double,
                                _ v: UnsafePointer<Double>) -> Double {
        scaledDot(column(j), 1, w, m, v, rows)
    }

    @inline(__always)
    public func scaledColumnAxpy(_ j: Int, _ a: Double, scale w: UnsafePointer<Double>, shift m: Double,
                                 _ r: UnsafeMutablePointer<Double>) {
        scaledAxpy(a, column(j), 1, w, m, r, rows)
    }

    public func scaledColumnMoments(scale w: UnsafePointer<Double>, shifts: UnsafePointer<Double>?,
                                    sums: UnsafeMutablePointer<Double>, squares: UnsafeMutablePointer<Double>) {
        for j in 0..<columns {
            let x = column(j), m = shifts?[j] ?? 0
            var s = 0.0, q = 0.0
            for i in 0..<rows {
                let d = w[i] * (x[i] - m)
                s += d
                q += d * d
            }
            sums[j] = s
            squares[j] = q
        }
    }
}

extension DenseRowMajor: RowScalableDesign {
    @inline(__always)
    public func scaledColumnDot(_ j: Int, scale w: UnsafePointer<Double>, shift m: Double,
                                _ v: UnsafePointer<Double>) -> Double {
        let (x, stride) = column(j)
        return scaledDot(x, stride, w, m, v, rows)
    }

    @inline(__always)
    public func scaledColumnAxpy(_ j: Int, _ a: Double, scale w: UnsafePointer<Double>, shift m: Double,
                                 _ r: UnsafeMutablePointer<Double>) {
        let (x, stride) = column(j)
        scaledAxpy(a, x, stride, w, m, r, rows)
    }

    /// One pass over the rows, each read contiguously.
    public func scaledColumnMoments(scale w: UnsafePointer<Double>, shifts: UnsafePointer<Double>?,
                                    sums: UnsafeMutablePointer<Double>, squares: UnsafeMutablePointer<Double>) {
        let p = columns
        sums.update(repeating: 0, count: p)
        squares.update(repeating: 0, count: p)
        for i in 0..<rows {
            let x = base + i * leadingDimension, wi = w[i]
            if let m = shifts {
                for j in 0..<p {
                    let d = wi * (x[j] - m[j])
                    sums[j] += d
                    squares[j] += d * d
                }
            } else {
                for j in 0..<p {
                    let d = wi * x[j]
                    sums[j] += d
                    squares[j] += d * d
                }
            }
        }
    }
}

extension SparseCSC: RowScalableDesign {
    /// O(nnz_j) without shift; a shift adds a dense O(n) term (the weighting
    /// never shifts sparse columns: it appends the intercept column instead).
    @inline(__always)
    public func scaledColumnDot(_ j: Int, scale w: UnsafePointer<Double>, shift m: Double,
                                _ v: UnsafePointer<Double>) -> Double {
        var s = 0.0
        for k in range(j) {
            let i = Int(truncatingIfNeeded: rowIndices[k])
            s += values[k] * w[i] * v[i]
        }
        if m != 0 { s -= m * denseDot(w, v, rows) }
        return s
    }

    @inline(__always)
    public func scaledColumnAxpy(_ j: Int, _ a: Double, scale w: UnsafePointer<Double>, shift m: Double,
                                 _ r: UnsafeMutablePointer<Double>) {
        for k in range(j) {
            let i = Int(truncatingIfNeeded: rowIndices[k])
            r[i] += a * values[k] * w[i]
        }
        if m != 0 { denseAxpy(-a * m, w, r, rows) }
    }

    public func scaledColumnMoments(scale w: UnsafePointer<Double>, shifts: UnsafePointer<Double>?,
                                    sums: UnsafeMutablePointer<Double>, squares: UnsafeMutablePointer<Double>) {
        var ws = 0.0, ww = 0.0
        if shifts != nil {
            for i in 0..<rows {
                ws += w[i]
                ww += w[i] * w[i]
            }
        }
        for j in 0..<columns {
            let m = shifts?[j] ?? 0
            var s = 0.0, q = 0.0, storedWeight = 0.0, storedSquare = 0.0
            for k in range(j) {
                let wi = w[Int(truncatingIfNeeded: rowIndices[k])]
                let d = wi * (values[k] - m)
                s += d
                q += d * d
                storedWeight += wi
                storedSquare += wi * wi
            }
            // Rows not stored hold x = 0, i.e. w·(0 − m).
            sums[j] = s - m * (ws - storedWeight)
            squares[j] = q + m * m * (ww - storedSquare)
        }
    }
}

/// Σᵢ wᵢ (xᵢ − m) vᵢ, x read with `stride`.
@inline(__always)
func scaledDot(_ x: UnsafePointer<Double>, _ stride: Int, _ w: UnsafePointer<Double>, _ m: Double,
               _ v: UnsafePointer<Double>, _ n: Int) -> Double {
    var i = 0
    var s = 0.0
    if stride == 1 {
        var a = SIMD4<Double>(), b = SIMD4<Double>()
        let mv = SIMD4<Double>(repeating: m)
        let rx = UnsafeRawPointer(x), rw = UnsafeRawPointer(w), rv = UnsafeRawPointer(v)
        while i + 8 <= n {
            let o = i &* 8
            a += rw.loadUnaligned(fromByteOffset: o, as: SIMD4<Double>.self)
                * (rx.loadUnaligned(fromByteOffset: o, as: SIMD4<Double>.self) - mv)
                * rv.loadUnaligned(fromByteOffset: o, as: SIMD4<Double>.self)
            b += rw.loadUnaligned(fromByteOffset: o &+ 32, as: SIMD4<Double>.self)
                * (rx.loadUnaligned(fromByteOffset: o &+ 32, as: SIMD4<Double>.self) - mv)
                * rv.loadUnaligned(fromByteOffset: o &+ 32, as: SIMD4<Double>.self)
            i &+= 8
        }
        s = (a + b).sum()
    }
    while i < n {
        s += w[i] * (x[i &* stride] - m) * v[i]
        i &+= 1
    }
    return s
}

/// rᵢ ← rᵢ + a·wᵢ (xᵢ − m), x read with `stride`.
@inline(__always)
func scaledAxpy(_ a: Double, _ x: UnsafePointer<Double>, _ stride: Int, _ w: UnsafePointer<Double>, _ m: Double,
                _ r: UnsafeMutablePointer<Double>, _ n: Int) {
    var i = 0
    if stride == 1 {
        let av = SIMD4<Double>(repeating: a), mv = SIMD4<Double>(repeating: m)
        let rx = UnsafeRawPointer(x), rw = UnsafeRawPointer(w), rr = UnsafeMutableRawPointer(r)
        while i + 4 <= n {
            let o = i &* 8
            let u = rr.loadUnaligned(fromByteOffset: o, as: SIMD4<Double>.self)
                + av * rw.loadUnaligned(fromByteOffset: o, as: SIMD4<Double>.self)
                * (rx.loadUnaligned(fromByteOffset: o, as: SIMD4<Double>.self) - mv)
            rr.storeBytes(of: u, toByteOffset: o, as: SIMD4<Double>.self)
            i &+= 4
        }
    }
    while i < n {
        r[i] += a * w[i] * (x[i &* stride] - m)
        i &+= 1
    }
}

/// X_cᵀX_c of a dense design by dsyrk on row blocks gathered column-major
/// (X_c = X − 1·meansᵀ when `means` is given), in O(block·p) scratch.
func gramByBlocks<D: DenseDesign>(_ design: D, means: UnsafePointer<Double>?, into out: UnsafeMutablePointer<Double>) {
    let p = design.columns, n = design.rows
    guard p > 0, n > 0 else { return out.update(repeating: 0, count: p * p) }
    blockedGram(rows: n, columns: p, block: max(1, min(n, (1 << 22) / p)), into: out) { start, count, buffer in
        for j in 0..<p {
            let b = buffer + j * count
            design.copyColumn(j, from: start, count: count, into: b)
            if let m = means {
                let mj = m[j]
                for i in 0..<count { b[i] -= mj }
            }
        }
    }
}

// MARK: - The weighted problem for the solvers

/// A weighted elastic net (see the top of this file) as the unweighted problem
/// the solvers run: the view, its target and penalty, and the maps between
/// their coefficients and the model's (β, b). The weights are normalized to
/// sum to n, as scikit-learn does, so α and tol keep their meaning; the
/// solver's tolerance is to be multiplied by `toleranceScale`, so that with an
/// intercept column it still refers to the weighted, centred ‖y − ȳ‖² (the
/// centred view's target is centred already).
public struct SampleWeightedProblem<Base: RowScalableDesign> {
    public let design: WeightedDesign<Base>
    public let target: [Double]
    public let penalty: ElasticNetPenalty
    public let toleranceScale: Double
    let fitIntercept: Bool
    /// ȳ (weighted) when the view is centred.
    let targetMean: Double

    /// Sparse designs (`SparseCSC`) get the intercept column, dense ones the
    /// centred view. Throws `invalidArgument` for weights that are negative,
    /// not finite or all zero, and for `positive` with an intercept column
    /// (the constraint would apply to the intercept).
    public init(design base: Base, target y: UnsafeBufferPointer<Double>, sampleWeights: UnsafeBufferPointer<Double>,
                penalty: ElasticNetPenalty, fitIntercept: Bool) throws {
        let n = base.rows, p = base.columns
        try require(y.count == n, "y", "has length \(y.count) but X has \(n) rows")
        try require(sampleWeights.count == n, "sample_weight", "has \(sampleWeights.count) entries but X has \(n) rows")
        var top = 0.0
        for (i, v) in sampleWeights.enumerated() {
            guard v.isFinite && v >= 0 else {
                throw NonsmoothError.invalidArgument(
                    name: "sample_weight", reason: "must be non-negative and finite, entry \(i) is \(v)")
            }
            top = max(top, v)
        }
        try require(top > 0, "sample_weight", "all weights are zero; at least one must be positive")
        // First to [0, 1]: the sum of huge weights would overflow, n / Σ of tiny ones too.
        var s = sampleWeights.map { $0 / top }
        let total = s.reduce(0, +), scale = Double(n) / total
        for i in 0..<n { s[i] *= scale }
        let column = fitIntercept && base is SparseCSC
        if column && penalty.positive {
            throw NonsmoothError.invalidArgument(
                name: "positive", reason: "not supported together with sparse X, sample_weight and "
                    + "fit_intercept=True yet; use a dense X")
        }
        design = try s.withUnsafeBufferPointer {
            try WeightedDesign(base, sampleWeights: $0, centre: fitIntercept && !column, interceptColumn: column)
        }
        var weightedSum = 0.0
        for i in 0..<n { weightedSum += s[i] * y[i] }
        let mean = weightedSum / Double(n)
        targetMean = fitIntercept && !column ? mean : 0
        let root = design.root, shift = targetMean
        target = (0..<n).map { root[$0] * (y[$0] - shift) }
        var scaleTolerance = 1.0
        if column {
            var centred = 0.0, raw = 0.0
            for i in 0..<n {
                let d = y[i] - mean
                centred += s[i] * d * d
                raw += s[i] * y[i] * y[i]
            }
            if raw > 0 { scaleTolerance = centred / raw }
        }
        toleranceScale = scaleTolerance
        if column {
            self.penalty = try ElasticNetPenalty(alpha: penalty.alpha, l1Ratio: penalty.l1Ratio,
                                            weights: (penalty.weights ?? [Double](repeating: 1, count: p)) + [0],
                                            positive: penalty.positive)
        } else {
            self.penalty = penalty
        }
        self.fitIntercept = fitIntercept
    }

    /// The solver's warm start from the model's (β, b).
    public func warmStart(_ coefficients: UnsafeBufferPointer<Double>?, intercept: Double) -> [Double]? {
        guard let c = coefficients else { return nil }
        return design.interceptColumn ? Array(c) + [intercept] : Array(c)
    }

    /// The model's (β, b) from the solver's coefficients.
    public func solution(_ x: [Double]) -> (coefficients: [Double], intercept: Double) {
        let p = design.base.columns
        if design.interceptColumn { return (Array(x[0..<p]), x[p]) }
        guard fitIntercept else { return (x, 0) }
        var b = targetMean
        for j in 0..<p where x[j] != 0 { b -= design.mean(j) * x[j] }
        return (x, b)
    }
}
