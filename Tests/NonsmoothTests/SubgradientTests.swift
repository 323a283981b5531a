import XCTest
@testable import Nonsmooth

final class SubgradientTests: XCTestCase {
    /// A small, well-conditioned Lasso (n > p) and its coordinate-descent optimum.
    private func problem() throws -> (SolverFixtures.Regression, LeastSquaresLoss, L1Norm, Double, [Double]) {
        let d = SolverFixtures.Regression(n: 40, p: 8, support: 3, seed: 21)
        let alpha = 0.2 * d.lambdaMax
        let reference = try d.coordinateDescent(ElasticNetPenalty(alpha: alpha))
        return (d, try d.leastSquares(), try L1Norm(strength: alpha),
                d.lassoObjective(reference.coefficients, alpha: alpha), reference.coefficients)
    }

    func testEveryStepRuleApproachesTheOptimum() throws {
        let (_, loss, l1, fStar, _) = try problem()
        let l = try XCTUnwrap(loss.lipschitzEstimate)
        // Deterministic data; tolerances about twice what each rule reaches, so
        // the test also documents how slow the method is (F − F* ~ 1e-4 after
        // thousands of steps, where FISTA reaches 1e-15).
        let rules: [(SubgradientStepRule, Int, Double)] = [
            (.polyak(optimalValue: fStar), 3000, 4e-4),
            (.polyakEstimated(delta: 0.1), 3000, 2e-3),
            (.diminishing(0.5 / l), 3000, 2e-3),
            (.squareSummable(a: 5 / l, b: 5), 3000, 3e-4),
            (.constant(0.01 / l), 3000, 1e-3),
            (.constantLength(0.002), 3000, 1e-3),
        ]
        for (rule, budget, tolerance) in rules {
            let r = try solveSubgradient(loss: loss, regularizer: l1,
                                         options: SubgradientOptions(stepRule: rule, maxIterations: budget))
            XCTAssertLessThanOrEqual(r.bestObjective - fStar, tolerance, "\(rule)")
            XCTAssertGreaterThanOrEqual(r.bestObjective, fStar - 1e-12, "\(rule)")
            // The best objective is the running minimum of the history, hence monotone.
            XCTAssertEqual(r.objectiveHistory.count, r.iterations + 1)
            XCTAssertEqual(r.bestObjectiveHistory.count, r.objectiveHistory.count)
            var running = Double.infinity
            for (k, v) in r.objectiveHistory.enumerated() {
                running = min(running, v)
                XCTAssertEqual(r.bestObjectiveHistory[k], running)
                if k > 0 { XCTAssertLessThanOrEqual(r.bestObjectiveHistory[k], r.bestObjectiveHistory[k - 1]) }
            }
            XCTAssertEqual(r.bestObjective, running)
            XCTAssertEqual(r.objectiveHistory[r.bestIteration], r.bestObjective)
            XCTAssertEqual(try loss.value(r.best) + l1.value(r.best), r.bestObjective, accuracy: 1e-14)
            // The averaged iterate is a convex combination: finite, and not better than optimal.
            XCTAssertGreaterThanOrEqual(r.averageObjective, fStar - 1e-12)
            XCTAssertTrue(r.minimalSubgradientNorm.isFinite && r.minimalSubgradientNorm > 0)
            XCTAssertNotNil(r.kktResidual)
        }
    }

    func testPolyakWithKnownOptimumStopsAtTolerance() throws {
        let (_, loss, l1, fStar, beta) = try problem()
        let r = try solveSubgradient(loss: loss, regularizer: l1,
                                     options: SubgradientOptions(stepRule: .polyak(optimalValue: fStar),
                                                                 maxIterations: 100_000, tolerance: 1e-5))
        XCTAssertEqual(r.stopReason, .converged)
        XCTAssertLessThan(r.iterations, 100_000)
        XCTAssertLessThanOrEqual(r.bestObjective - fStar, 1e-5)
        XCTAssertLessThan(SolverFixtures.maxAbsDifference(r.best, beta), 1e-2)
        // The subgradients seen do not vanish at the nonsmooth minimizer: no certificate.
        XCTAssertGreaterThan(r.minimalSubgradientNorm, 1e-3)
    }

    func testZeroSubgradientIsOptimal() throws {
        // f(x) = ½‖x‖² − cᵀx with g = 0, started at the minimizer x = c.
        let c = [1.0, -2, 0.5]
        let loss = try QuadraticLoss(q: [1, 0, 0, 0, 1, 0, 0, 0, 1], c: c)
        let r = try solveSubgradient(loss: loss, regularizer: ZeroFunction(), initial: c)
        XCTAssertEqual(r.stopReason, .converged)
        XCTAssertEqual(r.iterations, 0)
        XCTAssertEqual(r.best, c)
        XCTAssertEqual(r.average, c)
        XCTAssertEqual(r.minimalSubgradientNorm, 0)
        XCTAssertEqual(try XCTUnwrap(r.kktResidual), 0)
    }

    func testLengthRulesStepAlongASubnormalSubgradient() throws {
        // f(x) = ½x² − cx with c subnormal: s₀ = −c at x₀ = 0, so α₀ = step/|s₀| overflows
        // although the step α₀s₀ (length 0.5) is finite; it was a numericalError.
        let c = 1e-310
        let loss = try QuadraticLoss(q: [1], c: [c])
        let r = try solveSubgradient(loss: loss, regularizer: ZeroFunction(),
                                     options: SubgradientOptions(stepRule: .constantLength(0.5), maxIterations: 4))
        XCTAssertEqual(r.iterations, 4)
        XCTAssertEqual(r.objectiveHistory[1], 0.125, accuracy: 1e-15)  // x₁ = 0.5
        XCTAssertEqual(r.minimalSubgradientNorm, c)
        // x̄ weights x₀ by α₀ ≈ 5e309, the others by about 1: x̄ = x₀ = 0 up to rounding.
        XCTAssertEqual(r.average.count, 1)
        XCTAssertLessThan(abs(r.average[0]), 1e-300)
        XCTAssertTrue(r.averageObjective.isFinite && r.bestObjective.isFinite)
    }

    func testCancellation() throws {
        let (_, loss, l1, _, _) = try problem()
        var calls = 0
        let r = try solveSubgradient(loss: loss, regularizer: l1, progress: ProgressObserver(every: 10) { k, best in
            calls += 1
            XCTAssertTrue(best.isFinite)
            return k < 30
        })
        XCTAssertEqual(r.stopReason, .cancelled)
        XCTAssertEqual(r.iterations, 30)
        XCTAssertEqual(calls, 3)
    }

    func testHistoryCapacityAndNoHistory() throws {
        let (_, loss, l1, _, _) = try problem()
        let capped = try solveSubgradient(loss: loss, regularizer: l1,
                                          options: SubgradientOptions(maxIterations: 50, historyCapacity: 7))
        XCTAssertEqual(capped.objectiveHistory.count, 7)
        XCTAssertEqual(capped.iterations, 50)
        XCTAssertEqual(capped.stopReason, .maxIterations)
        let none = try solveSubgradient(loss: loss, regularizer: l1,
                                        options: SubgradientOptions(maxIterations: 50, recordHistory: false))
        XCTAssertTrue(none.objectiveHistory.isEmpty)
        XCTAssertEqual(none.bestObjective, capped.bestObjective)
    }

    func testInvalidArguments() throws {
        let (_, loss, l1, _, _) = try problem()
        func run(_ rule: SubgradientStepRule, initial: [Double]? = nil) throws {
            _ = try solveSubgradient(loss: loss, regularizer: l1, initial: initial,
                                     options: SubgradientOptions(stepRule: rule, maxIterations: 10))
        }
        SolverFixtures.assertInvalid("step") { try run(.constant(.nan)) }
        SolverFixtures.assertInvalid("step") { try run(.constantLength(0)) }
        SolverFixtures.assertInvalid("step") { try run(.diminishing(-1)) }
        SolverFixtures.assertInvalid("b") { try run(.squareSummable(a: 1, b: .infinity)) }
        SolverFixtures.assertInvalid("optimalValue") { try run(.polyak(optimalValue: .nan)) }
        SolverFixtures.assertInvalid("delta") { try run(.polyakEstimated(delta: 0)) }
        SolverFixtures.assertInvalid("initial") { try run(.constant(1), initial: [1, 2]) }
        SolverFixtures.assertInvalid("maxIterations") {
            _ = try solveSubgradient(loss: loss, regularizer: l1, options: SubgradientOptions(maxIterations: -5))
        }
        // An indicator is +∞ outside its set: the method needs a finite-valued g.
        SolverFixtures.assertInvalid("initial") {
            _ = try solveSubgradient(loss: loss, regularizer: try Box(lower: 1, upper: 2))
        }
        // Steps that blow up give a numerical error, never a trap.
        XCTAssertThrowsError(try solveSubgradient(loss: loss, regularizer: l1,
                                                  options: SubgradientOptions(stepRule: .constant(1e300),
                                                                              maxIterations: 100))) { error in
            guard case NonsmoothError.numericalError = error else { return XCTFail("\(error)") }
        }
    }
}
