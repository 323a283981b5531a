import XCTest
@testable import Nonsmooth

/// Multi-task least squares with the ℓ2,1 row penalty (`solveMultiTask`):
/// the row prox against its Moreau identity, and fits against the row-wise
/// KKT conditions and the single-task engine (T = 1 is the Lasso / elastic net).
final class MultiTaskTests: XCTestCase {
    func testRowProxMoreauIdentity() throws {
        var rng = SplitMix64(seed: 3)
        for ratio in [1.0, 0.6, 0.0] {
            let penalty = try Penalties.RowL21(strength: 0.7, l1Ratio: ratio)
            for _ in 0..<50 {
                let v = (0..<5).map { _ in 2 * SolverFixtures.normal(&rng) }
                let t = 0.1 + abs(SolverFixtures.normal(&rng))
                var out = [Double](repeating: 0, count: 5)
                v.withUnsafeBufferPointer { vb in
                    out.withUnsafeMutableBufferPointer { penalty.prox(vb, step: t, into: $0) }
                }
                // v − prox(v) = t·u with u ∈ ∂p(prox(v)): dist(−(−u), ∂p) = 0, i.e. the
                // subdifferential distance at prox(v) with gradient −u vanishes.
                let u = (0..<5).map { (v[$0] - out[$0]) / t }
                let minusU = u.map { -$0 }
                var scratch = [Double](repeating: 0, count: 5)
                let d = out.withUnsafeBufferPointer { ob in
                    minusU.withUnsafeBufferPointer { g in
                        scratch.withUnsafeMutableBufferPointer {
                            penalty.subdifferentialDistance(ob, gradient: g.baseAddress!, scratch: $0.baseAddress!)
                        }
                    }
                }
                XCTAssertLessThan(d, 1e-12)
                if ratio == 1 {  // Moreau: prox_{tp}(v) + t·Π_{‖·‖≤λ}(v/t) = v
                    let norm = (v.map { $0 * $0 / (t * t) }.reduce(0, +)).squareRoot()
                    let shrink = min(1, 0.7 / norm)
                    for k in 0..<5 { XCTAssertEqual(out[k] + t * shrink * v[k] / t, v[k], accuracy: 1e-12) }
                }
            }
        }
    }

    func testSingleTaskMatchesTheEngine() throws {
        let problem = SolverFixtures.Regression(n: 50, p: 80, support: 4, correlation: 0.4, seed: 2)
        let alpha = 0.1 * problem.lambdaMax
        for (ratio, intercept) in [(1.0, false), (1.0, true), (0.5, true)] {
            let options = GLMOptions(tolerance: 1e-13, maxEpochs: 100_000, fitIntercept: intercept)
            let reference = try solveGLM(columnMajor: problem.x, rows: problem.n, columns: problem.p,
                                         datafit: Datafits.Quadratic(target: problem.y),
                                         penalty: Penalties.ElasticNet(strength: alpha, l1Ratio: ratio),
                                         options: options)
            let result = try problem.x.withUnsafeBufferPointer { xb in
                try solveMultiTask(
                    design: DenseColumnMajor(base: xb.baseAddress!, rows: problem.n, columns: problem.p,
                                             leadingDimension: problem.n),
                    datafit: Datafits.MultiTaskQuadratic(target: problem.y, tasks: 1),
                    penalty: Penalties.RowL21(strength: alpha, l1Ratio: ratio), options: options)
            }
            XCTAssertEqual(result.status, .converged)
            XCTAssertEqual(result.certificateKind, .dualityGap)
            XCTAssertLessThanOrEqual(result.certificate, 1e-13)
            for j in 0..<problem.p {
                XCTAssertEqual(result.coefficients[j], reference.coefficients[j], accuracy: 1e-6)
            }
            XCTAssertEqual(result.intercept[0], reference.intercept, accuracy: 1e-6)
        }
    }

    func testBadInputThrows() {
        XCTAssertThrowsError(try Datafits.MultiTaskQuadratic(target: [1, 2, 3], tasks: 2))
        XCTAssertThrowsError(try Datafits.MultiTaskQuadratic(target: [1, .nan], tasks: 1))
        XCTAssertThrowsError(try Penalties.RowL21(strength: -1))
        XCTAssertThrowsError(try Penalties.RowL21(strength: 1, l1Ratio: 2))
    }
}
