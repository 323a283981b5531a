/// A design whose columns can be walked entry by entry: what a datafit needs
/// to update its per-sample state after one coefficient moves (the gradient of
/// a logistic loss changes only at the rows where x_j is non-zero, and a
/// sample-weighted quadratic needs x_ij·s_i rather than x_ij).
///
/// `forEachEntry` is a protocol requirement (not an extension) so that generic
/// code specialized for a concrete layout runs that layout's loop inline.
public protocol EntryDesign: DesignMatrix {
    /// Calls `body(i, x_ij)` for every stored entry of column j, rows increasing.
    func forEachEntry(_ j: Int, _ body: (Int, Double) -> Void)
}

extension EntryDesign {
    /// Σᵢ hᵢ x_ij², the coordinate-wise Lipschitz constant of a datafit whose
    /// per-sample curvature is bounded by h.
    func weightedColumnSquaredNorm(_ j: Int, _ h: UnsafePointer<Double>) -> Double {
        var s = 0.0
        forEachEntry(j) { i, x in s += h[i] * x * x }
        return s
    }
}

extension DenseColumnMajor: EntryDesign {
    @inline(__always)
    public func forEachEntry(_ j: Int, _ body: (Int, Double) -> Void) {
        let x = column(j)
        for i in 0..<rows { body(i, x[i]) }
    }
}

extension SparseCSC: EntryDesign {
    @inline(__always)
    public func forEachEntry(_ j: Int, _ body: (Int, Double) -> Void) {
        for k in range(j) { body(Int(truncatingIfNeeded: rowIndices[k]), values[k]) }
    }
}
