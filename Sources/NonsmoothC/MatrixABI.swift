import Nonsmooth

// ns_matrix: one description of a dense or CSC matrix (see nonsmooth.h).

/// Formats of `ns_matrix`; keep in sync with nonsmooth.h.
let NS_MATRIX_DENSE: Int32 = 0
let NS_MATRIX_CSC: Int32 = 1

/// Reads an `ns_matrix` (layout fixed in nonsmooth.h: int32 format, int32
/// reserved, int64 rows and columns, the values pointer, int64 row and column
/// strides, the indices and indptr pointers, int64 nnz; 72 bytes) and runs
/// `body` on the matrix it describes: a column-major view of a dense matrix
/// (copied only when its columns are not contiguous; every entry checked
/// finite) or a validated CSC view read in place (every index checked, so no
/// later access can go out of bounds). Errors name the matrix `name`.
func withMatrix<R>(_ raw: UnsafeRawPointer?, _ name: String,
                   _ body: (any DesignMatrix) throws -> R) throws -> R {
    guard let raw else { throw invalid(name, "is a null pointer") }
    func int64(_ offset: Int) -> Int64 { raw.loadUnaligned(fromByteOffset: offset, as: Int64.self) }
    func pointer<T>(_ offset: Int, _: T.Type) -> UnsafePointer<T>? {
        UnsafePointer(bitPattern: raw.loadUnaligned(fromByteOffset: offset, as: UInt.self))
    }
    let format = raw.loadUnaligned(fromByteOffset: 0, as: Int32.self)
    let rows = int64(8), columns = int64(16)
    let values = pointer(24, Double.self)
    switch format {
    case NS_MATRIX_DENSE:
        let view = try stridedMatrix(values, rows, columns, int64(32), int64(40), name)
        return try withColumnMajor(view) { try body($0) }
    case NS_MATRIX_CSC:
        return try withCSC(values, pointer(48, Int32.self), pointer(56, Int64.self), int64(64), rows, columns,
                           name: name) { try body($0) }
    default:
        throw invalid(name, "unknown matrix format \(format) (0: dense, 1: CSC)")
    }
}
