import XCTest
@testable import Nonsmooth

/// The in-place views of X: row-major storage and sample weights.
final class DesignViewTests: XCTestCase {
    func options(intercept: Bool, gram: Bool?) -> CoordinateDescentOptions {
        CoordinateDescentOptions(tolerance: 1e-13, maxIterations: 100_000, fitIntercept: intercept, useGram: gram)
    }

    /// The row-major copy of the column-major `d.x`, optionally with a wider leading dimension.
    func rowMajor(_ d: LassoData, leadingDimension ld: Int) -> [Double] {
        var out = [Double](repeating: .nan, count: d.n * ld)
        for i in 0..<d.n { for j in 0..<d.p { out[i * ld + j] = d.x[j * d.n + i] } }
        return out
    }

    func testRowMajorAgreesWithColumnMajor() throws {
        let d = LassoData(n: 90, p: 30, correlation: 0.5, seed: 11, xOffset: 2)
        let pen = try ElasticNetPenalty(alpha: 0.02, l1Ratio: 0.7)
        let ld = d.p + 3
        let xr = rowMajor(d, leadingDimension: ld)
        for intercept in [false, true] {
            for gram in [false, true, nil] as [Bool?] {
                let reference = try d.solve(pen, options(intercept: intercept, gram: gram))
                let res = try xr.withUnsafeBufferPointer { xb in
                    try d.y.withUnsafeBufferPointer { yb in
                        try solveElasticNet(
                            design: try DenseRowMajor(base: xb.baseAddress!, rows: d.n, columns: d.p,
                                                      leadingDimension: ld, cacheColumns: 4),
                            target: yb, penalty: pen, options: options(intercept: intercept, gram: gram))
                    }
                }
                XCTAssertEqual(res.stopReason, .converged)
                XCTAssertLessThanOrEqual(res.dualityGap, res.gapTolerance * 1.0000001)
                XCTAssertLessThan(maxDifference(res.coefficients, reference.coefficients), 1e-8)
                XCTAssertEqual(res.intercept, reference.intercept, accuracy: 1e-8)
            }
        }
    }

    /// Integer weights are repeated rows: the weighted fit must equal the unweighted
    /// fit of the repeated data (an independent oracle for the view and the intercept).
    func testIntegerWeightsEqualRepeatedRows() throws {
        let d = LassoData(n: 40, p: 15, correlation: 0.4, seed: 5, xOffset: 1.5, yOffset: 3)
        let counts = (0..<d.n).map { Double(1 + $0 % 3) }
        let repeatedRows = Int(counts.reduce(0, +))
        var xRep = [Double](repeating: 0, count: repeatedRows * d.p), yRep = [Double]()
        var row = 0
        for i in 0..<d.n {
            for _ in 0..<Int(counts[i]) {
                for j in 0..<d.p { xRep[j * repeatedRows + row] = d.x[j * d.n + i] }
                yRep.append(d.y[i])
                row += 1
            }
        }
        let pen = try ElasticNetPenalty(alpha: 0.03)
        for intercept in [false, true] {
            let reference = try solveElasticNet(columnMajor: xRep, rows: repeatedRows, columns: d.p, target: yRep,
                                                penalty: pen, options: options(intercept: intercept, gram: false))
            let (coefficients, b) = try d.x.withUnsafeBufferPointer { xb in
                try d.y.withUnsafeBufferPointer { yb in
                    try counts.withUnsafeBufferPointer { sb in
                        let base = try DenseColumnMajor(base: xb.baseAddress!, rows: d.n, columns: d.p, leadingDimension: d.n)
                        let problem = try SampleWeightedProblem(design: base, target: yb, sampleWeights: sb,
                                                                penalty: pen, fitIntercept: intercept)
                        var o = options(intercept: false, gram: nil)
                        o.tolerance *= problem.toleranceScale
                        let res = try problem.target.withUnsafeBufferPointer {
                            try solveElasticNet(design: problem.design, target: $0, penalty: problem.penalty, options: o)
                        }
                        XCTAssertEqual(res.stopReason, .converged)
                        return problem.solution(res.coefficients)
                    }
                }
            }
            // Weights rescaled to sum to n: (1/2n)Σ(n/n_rep)cᵢrᵢ² is the repeated problem's (1/2n_rep)Σ over rows.
            XCTAssertLessThan(maxDifference(coefficients, reference.coefficients), 1e-7)
            XCTAssertEqual(b, reference.intercept, accuracy: 1e-7)
        }
    }

    func testWeightedViewsAgreeAcrossLayouts() throws {
        let d = LassoData(n: 50, p: 12, correlation: 0.3, seed: 9, xOffset: 1)
        let s = (0..<d.n).map { 0.25 + Double($0 % 5) * 0.5 }
        let xr = rowMajor(d, leadingDimension: d.p)
        let pen = try ElasticNetPenalty(alpha: 0.02)
        func fit<B: RowScalableDesign>(_ base: B) throws -> ([Double], Double) {
            try d.y.withUnsafeBufferPointer { yb in
                try s.withUnsafeBufferPointer { sb in
                    let problem = try SampleWeightedProblem(design: base, target: yb, sampleWeights: sb,
                                                            penalty: pen, fitIntercept: true)
                    let res = try problem.target.withUnsafeBufferPointer {
                        try solveElasticNet(design: problem.design, target: $0, penalty: problem.penalty,
                                            options: options(intercept: false, gram: nil))
                    }
                    XCTAssertEqual(res.stopReason, .converged)
                    return problem.solution(res.coefficients)
                }
            }
        }
        let byColumns = try d.x.withUnsafeBufferPointer {
            try fit(try DenseColumnMajor(base: $0.baseAddress!, rows: d.n, columns: d.p, leadingDimension: d.n))
        }
        let byRows = try xr.withUnsafeBufferPointer {
            try fit(try DenseRowMajor(base: $0.baseAddress!, rows: d.n, columns: d.p, leadingDimension: d.p))
        }
        XCTAssertLessThan(maxDifference(byColumns.0, byRows.0), 1e-8)
        XCTAssertEqual(byColumns.1, byRows.1, accuracy: 1e-8)
    }

    func testNonFiniteEntriesAreFoundByTheModel() throws {
        var d = LassoData(n: 20, p: 6, seed: 2)
        d.x[3 * d.n + 4] = .nan
        let xr = rowMajor(d, leadingDimension: d.p)
        let pen = try ElasticNetPenalty(alpha: 0.1)
        XCTAssertThrowsError(try d.solve(pen, options(intercept: true, gram: false)))
        XCTAssertThrowsError(try xr.withUnsafeBufferPointer { xb in
            try d.y.withUnsafeBufferPointer { yb in
                try solveElasticNet(design: try DenseRowMajor(base: xb.baseAddress!, rows: d.n, columns: d.p,
                                                              leadingDimension: d.p),
                                    target: yb, penalty: pen, options: options(intercept: false, gram: false))
            }
        })
    }
}
