import XCTest
@testable import Nonsmooth

/// Block coordinate descent (`solveGroupGLM`) and the group penalties against
/// independent references: the separable engine (groups of one feature), the
/// Fenchel–Young equality of the block prox, and the dual scaling's definition.
final class GroupEngineTests: XCTestCase {
    typealias Problem = SolverFixtures.Regression

    func solve<P: BlockPenalty>(_ problem: Problem, groups: Groups, penalty: P,
                                options: GLMOptions) throws -> GLMResult {
        try problem.x.withUnsafeBufferPointer { xb in
            let design = try DenseColumnMajor(base: xb.baseAddress!, rows: problem.n, columns: problem.p,
                                              leadingDimension: problem.n)
            return try solveGroupGLM(design: design, datafit: Datafits.Quadratic(target: problem.y), groups: groups,
                                     penalty: penalty, options: options)
        }
    }

    func testGroupsOfOneFeatureAreTheLasso() throws {
        let problem = Problem(n: 50, p: 80, support: 5, correlation: 0.4, seed: 3)
        let alpha = 0.05 * problem.lambdaMax
        for intercept in [false, true] {
            let options = GLMOptions(tolerance: 1e-12, maxEpochs: 100_000, fitIntercept: intercept)
            let lasso = try solveGLM(columnMajor: problem.x, rows: problem.n, columns: problem.p,
                                     datafit: Datafits.Quadratic(target: problem.y),
                                     penalty: Penalties.L1(strength: alpha), options: options)
            let groups = try Groups(sizes: [Int](repeating: 1, count: problem.p))
            for penalty in [try Penalties.SparseGroupLasso(strength: alpha, l1Ratio: 0.5),
                            try Penalties.SparseGroupLasso(strength: alpha, l1Ratio: 1)] {
                let result = try solve(problem, groups: groups, penalty: penalty, options: options)
                XCTAssertEqual(result.status, .converged)
                XCTAssertEqual(result.certificateKind, .dualityGap)
                XCTAssertLessThan(SolverFixtures.maxAbsDifference(result.coefficients, lasso.coefficients), 1e-5)
                XCTAssertEqual(result.objective, lasso.objective, accuracy: 1e-10)
            }
            let group = try solve(problem, groups: groups, penalty: try Penalties.GroupLasso(strength: alpha),
                                  options: options)
            XCTAssertLessThan(SolverFixtures.maxAbsDifference(group.coefficients, lasso.coefficients), 1e-5)
        }
    }

    func testGroupsThatDoNotPartitionTheFeaturesAreRejected() throws {
        let problem = Problem(n: 10, p: 6, seed: 4)
        let options = GLMOptions()
        let penalty = try Penalties.GroupLasso(strength: 0.1)
        XCTAssertThrowsError(try solve(problem, groups: try Groups(sizes: [2, 2]), penalty: penalty, options: options))
        XCTAssertThrowsError(try solve(problem, groups: try Groups(sizes: [2, 2, 2]),
                                       penalty: try Penalties.GroupLasso(strength: 0.1, weights: [1, 1]),
                                       options: options))
    }

    /// p(x) = ⟨x, v − x⟩/t and (v − x)/t ∈ dom p* (Fenchel–Young with equality: v − x ∈ t∂p(x)).
    func testBlockProxSatisfiesFenchelYoungEquality() throws {
        var rng = SplitMix64(seed: 7)
        for trial in 0..<300 {
            let m = 1 + trial % 6
            let v = (0..<m).map { _ in 2 * SolverFixtures.normal(&rng) }
            let t = 0.1 + Double(trial % 5) * 0.4
            let weight = Double(trial % 4) * 0.5
            let rho = Double(trial % 3) / 2
            let group = try Penalties.GroupLasso(strength: 0.7, weights: [weight])
            let sparse = try Penalties.SparseGroupLasso(strength: 0.7, l1Ratio: rho, weights: [weight])
            for penalty in [group as any BlockPenalty, sparse as any BlockPenalty] {
                var x = v
                x.withUnsafeMutableBufferPointer { penalty.prox(0, $0, step: t) }
                let u = zip(v, x).map { ($0 - $1) / t }
                let value = x.withUnsafeBufferPointer { penalty.value(0, $0) }
                let inner = zip(x, u).reduce(0.0) { $0 + $1.0 * $1.1 }
                XCTAssertEqual(value, inner, accuracy: 1e-10)
                // u is feasible for the dual: its scale is 1 (up to rounding at the boundary).
                XCTAssertGreaterThan(u.withUnsafeBufferPointer { penalty.dualScale(0, $0) }, 1 - 1e-9)
                // And x is a minimizer: the subdifferential distance of −(−u) is 0.
                let neg = u.map { -$0 }
                let distance = x.withUnsafeBufferPointer { xb in
                    neg.withUnsafeBufferPointer { penalty.subdifferentialDistance(0, xb, gradient: $0) }
                }
                XCTAssertEqual(distance, 0, accuracy: 1e-9)
            }
        }
    }

    /// The sparse-group dual scale s is the largest with ‖S_a(s·u)‖ ≤ c: equality when s < 1.
    func testSparseGroupDualScaleMeetsTheBoundary() throws {
        var rng = SplitMix64(seed: 9)
        let penalty = try Penalties.SparseGroupLasso(strength: 1, l1Ratio: 0.4, weights: [1.5])
        let a = 0.4, c = 0.6 * 1.5
        for trial in 0..<200 {
            let u = (0..<(1 + trial % 7)).map { _ in 3 * SolverFixtures.normal(&rng) }
            let s = u.withUnsafeBufferPointer { penalty.dualScale(0, $0) }
            let norm = u.map { softThreshold(s * $0, a) }.reduce(0.0) { $0 + $1 * $1 }.squareRoot()
            if s < 1 { XCTAssertEqual(norm, c, accuracy: 1e-9) } else { XCTAssertLessThanOrEqual(norm, c + 1e-12) }
        }
    }
}
