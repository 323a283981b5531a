import XCTest
@testable import Nonsmooth

final class StridedMatrixTests: XCTestCase {
    /// `isFinite` reads along whichever dimension is contiguous (row-major,
    /// column-major, or neither) and finds a NaN or an infinity anywhere,
    /// including in the SIMD tails.
    func testIsFiniteInEveryLayout() {
        for (rows, columns) in [(1, 1), (3, 17), (17, 3), (9, 9), (1, 20), (20, 1)] {
            let count = rows * columns
            // Row-major, column-major, column-major with a padded leading dimension, strided both ways.
            let layouts: [(rowStride: Int, columnStride: Int, storage: Int)] = [
                (columns, 1, count), (1, rows, count), (1, rows + 3, (rows + 3) * columns),
                (2 * columns, 2, 2 * count),
            ]
            for layout in layouts {
                // Entries outside the view are NaN: they must not be read.
                var data = [Double](repeating: .nan, count: layout.storage)
                for i in 0..<rows {
                    for j in 0..<columns { data[i * layout.rowStride + j * layout.columnStride] = Double((i + j) % 7) - 3 }
                }
                func isFinite() -> Bool {
                    data.withUnsafeBufferPointer {
                        StridedMatrix(base: $0.baseAddress!, rows: rows, columns: columns,
                                      rowStride: layout.rowStride, columnStride: layout.columnStride).isFinite
                    }
                }
                XCTAssertTrue(isFinite(), "\(rows)×\(columns) \(layout)")
                for i in 0..<rows {
                    for j in 0..<columns {
                        let k = i * layout.rowStride + j * layout.columnStride
                        for bad in [Double.nan, .infinity, -.infinity] {
                            let saved = data[k]
                            data[k] = bad
                            XCTAssertFalse(isFinite(), "\(rows)×\(columns) \(layout) entry (\(i), \(j)) = \(bad)")
                            data[k] = saved
                        }
                    }
                }
            }
        }
    }
}
