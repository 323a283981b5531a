import XCTest
@testable import Nonsmooth

final class MatrixAsVectorTests: XCTestCase {
    func testAdapterActsOnTheRowMajorMatrix() throws {
        let f = try NuclearNorm(strength: 1)
        let v: [Double] = [3, 0, 0, 0, 2, 0]          // diag(3, 2) as a 2×3 matrix
        let g = try MatrixAsVector(f, rows: 2, columns: 3)
        XCTAssertEqual(try g.prox(v, step: 1), try f.prox(v, rows: 2, columns: 3, step: 1))
        let p = try g.prox(v, step: 1)
        XCTAssertEqual(p[0], 2, accuracy: 1e-12)
        XCTAssertEqual(p[4], 1, accuracy: 1e-12)
        XCTAssertEqual(try g.value(v), 5, accuracy: 1e-12)
        XCTAssertThrowsError(try g.prox([1, 2, 3], step: 1))      // wrong length
        XCTAssertThrowsError(try MatrixAsVector(f, rows: 0, columns: 3))
        XCTAssertThrowsError(try MatrixAsVector(PSDCone(), rows: 2, columns: 3))  // PSD needs a square matrix
    }

    func testFISTAMatrixCompletionIsLowRank() throws {
        // Observe every entry of a rank-1 matrix: with a small λ the answer is rank 1.
        let m = 4, n = 3
        let u: [Double] = [1, -2, 0.5, 3], w: [Double] = [2, 1, -1]
        var target = [Double]()
        for i in 0..<m { for j in 0..<n { target.append(u[i] * w[j]) } }
        var identity = [Double](repeating: 0, count: m * n * m * n)
        for k in 0..<(m * n) { identity[k * (m * n) + k] = 1 }
        let loss = try LeastSquaresLoss(columnMajor: identity, rows: m * n, columns: m * n, target: target)
        let g = try MatrixAsVector(try NuclearNorm(strength: 1e-3), rows: m, columns: n)
        let r = try solveProximalGradient(loss: loss, regularizer: g,
                                          options: ProximalGradientOptions(tolerance: 1e-12, maxIterations: 10_000))
        XCTAssertEqual(r.stopReason, .converged)
        let f = try NuclearNorm(strength: 1)
        let s = try r.x.withUnsafeBufferPointer { try f.value($0, rows: m, columns: n) }
        // ‖X‖_* = σ₁ for a rank-1 matrix: compare with ‖X‖_F.
        let frobenius = r.x.map { $0 * $0 }.reduce(0, +).squareRoot()
        XCTAssertEqual(s, frobenius, accuracy: 1e-9)
    }
}
