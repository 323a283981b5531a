import XCTest
@testable import Nonsmooth

final class ADMMTests: XCTestCase {
    private func tight(_ factorization: ADMMFactorization = .automatic) -> ADMMOptions {
        var o = ADMMOptions()
        o.tolerance = 1e-14
        o.maxIterations = 50_000
        o.factorization = factorization
        return o
    }

    /// Both linear-system paths, in both shapes, reach the coordinate-descent minimizer.
    func testLassoMatchesCoordinateDescentOnBothPaths() throws {
        for (n, p, seed) in [(30, 60, UInt64(31)), (80, 20, 32)] {
            let d = SolverFixtures.Regression(n: n, p: p, correlation: 0.8, seed: seed)
            let alpha = 0.02 * d.lambdaMax
            let reference = try d.coordinateDescent(ElasticNetPenalty(alpha: alpha))
            var solutions: [[Double]] = []
            for f in [ADMMFactorization.automatic, .covariance, .woodbury] {
                let r = try solveLassoADMM(columnMajor: d.x, rows: n, columns: p, target: d.y, alpha: alpha,
                                           options: tight(f))
                XCTAssertEqual(r.stopReason, .converged, "\(f) \(n)×\(p)")
                // Converged means gap ≤ max(tolerance·‖y‖²/n, 1e-13·P): the rounding floor.
                XCTAssertLessThanOrEqual(r.dualityGap, max(r.gapTolerance, 1e-13 * r.objective))
                XCTAssertEqual(r.factorization, f == .automatic ? (n >= p ? .covariance : .woodbury) : f)
                XCTAssertLessThan(SolverFixtures.maxAbsDifference(r.coefficients, reference.coefficients), 1e-6,
                                  "\(f) \(n)×\(p)")
                XCTAssertEqual(r.objective, d.lassoObjective(r.coefficients, alpha: alpha), accuracy: 1e-12)
                XCTAssertEqual(r.factorizations, r.penaltyUpdates + 1)
                solutions.append(r.coefficients)
            }
            XCTAssertLessThan(SolverFixtures.maxAbsDifference(solutions[1], solutions[2]), 1e-6)
        }
    }

    /// Elastic net with an intercept, per-feature weights (one unpenalized
    /// feature) and positivity, against coordinate descent.
    func testElasticNetVariantsMatchCoordinateDescent() throws {
        let d = SolverFixtures.Regression(n: 40, p: 25, correlation: 0.6, seed: 33)
        var weights = [Double](repeating: 1, count: 25)
        weights[3] = 0
        weights[7] = 2.5
        let cases: [(ElasticNetPenalty, Bool)] = [
            (try ElasticNetPenalty(alpha: 0.05, l1Ratio: 0.6), false),
            (try ElasticNetPenalty(alpha: 0.05, l1Ratio: 0.8, weights: weights), true),
            (try ElasticNetPenalty(alpha: 0.02, positive: true), true),
        ]
        for (penalty, intercept) in cases {
            let reference = try d.coordinateDescent(penalty, fitIntercept: intercept)
            for f in [ADMMFactorization.covariance, .woodbury] {
                var o = tight(f)
                o.fitIntercept = intercept
                let r = try solveElasticNetADMM(columnMajor: d.x, rows: d.n, columns: d.p, target: d.y,
                                                penalty: penalty, options: o)
                XCTAssertEqual(r.stopReason, .converged)
                XCTAssertLessThan(SolverFixtures.maxAbsDifference(r.coefficients, reference.coefficients), 1e-6,
                                  "\(penalty) \(f)")
                XCTAssertEqual(r.intercept, reference.intercept, accuracy: 1e-6)
                if penalty.positive { XCTAssertTrue(r.coefficients.allSatisfy { $0 >= 0 }) }
            }
        }
    }

    func testSparseDesignMatchesDense() throws {
        var d = SolverFixtures.Regression(n: 30, p: 45, seed: 34)
        for k in stride(from: 1, to: d.x.count, by: 2) { d.x[k] = 0 }
        let alpha = 0.1 * d.lambdaMax
        var values: [Double] = [], pointers: [Int64] = [0], rows: [Int32] = []
        for j in 0..<d.p {
            for i in 0..<d.n where d.x[j * d.n + i] != 0 {
                values.append(d.x[j * d.n + i])
                rows.append(Int32(i))
            }
            pointers.append(Int64(values.count))
        }
        let dense = try solveLassoADMM(columnMajor: d.x, rows: d.n, columns: d.p, target: d.y, alpha: alpha,
                                       options: tight())
        for intercept in [false, true] {
            var o = tight()
            o.fitIntercept = intercept
            let denseResult = try solveElasticNetADMM(columnMajor: d.x, rows: d.n, columns: d.p, target: d.y,
                                                      penalty: ElasticNetPenalty(alpha: alpha), options: o)
            for f in [ADMMFactorization.covariance, .woodbury] {
                o.factorization = f
                let sparse = try values.withUnsafeBufferPointer { v in
                    try rows.withUnsafeBufferPointer { r in
                        try pointers.withUnsafeBufferPointer { c in
                            let csc = try SparseCSC(values: v.baseAddress!, rowIndices: r.baseAddress!,
                                                    columnPointers: c.baseAddress!, rows: d.n, columns: d.p)
                            return try d.y.withUnsafeBufferPointer { y in
                                try solveElasticNetADMM(design: csc, target: y, penalty: ElasticNetPenalty(alpha: alpha),
                                                        options: o)
                            }
                        }
                    }
                }
                XCTAssertEqual(sparse.stopReason, .converged)
                XCTAssertLessThan(SolverFixtures.maxAbsDifference(sparse.coefficients, denseResult.coefficients), 1e-6)
            }
        }
        XCTAssertEqual(dense.stopReason, .converged)
    }

    func testStoppingCriteria() throws {
        let d = SolverFixtures.Regression(n: 40, p: 30, seed: 35)
        let alpha = 0.1 * d.lambdaMax
        for criterion in [ADMMStoppingCriterion.residuals, .both, .dualityGap] {
            var o = ADMMOptions()
            o.stoppingCriterion = criterion
            o.absoluteTolerance = 1e-9
            o.relativeTolerance = 1e-7
            o.tolerance = 1e-8
            let r = try solveLassoADMM(columnMajor: d.x, rows: d.n, columns: d.p, target: d.y, alpha: alpha,
                                       options: o)
            XCTAssertEqual(r.stopReason, .converged, "\(criterion)")
            if criterion != .dualityGap { XCTAssertTrue(r.residuals.satisfied) }
            if criterion != .residuals { XCTAssertLessThanOrEqual(r.dualityGap, r.gapTolerance) }
            // The gap reported is always that of the returned coefficients.
            XCTAssertEqual(r.gapHistory.last?.iteration, r.iterations)
        }
    }

    func testWithoutBalancingAndWithFixedPenalty() throws {
        let d = SolverFixtures.Regression(n: 50, p: 20, seed: 36)
        let alpha = 0.1 * d.lambdaMax
        let reference = try d.coordinateDescent(ElasticNetPenalty(alpha: alpha))
        var o = tight()
        o.residualBalancing = false
        o.penalty = 0.5
        o.relaxation = 1.0
        let r = try solveLassoADMM(columnMajor: d.x, rows: d.n, columns: d.p, target: d.y, alpha: alpha, options: o)
        XCTAssertEqual(r.stopReason, .converged)
        XCTAssertEqual(r.penalty, 0.5)
        XCTAssertEqual(r.factorizations, 1)
        XCTAssertLessThan(SolverFixtures.maxAbsDifference(r.coefficients, reference.coefficients), 1e-6)
        // Boyd's absolute balancing and normalized balancing from a bad σ.
        for normalized in [false, true] {
            var b = tight()
            b.penalty = 10
            b.normalizedBalancing = normalized
            let rb = try solveLassoADMM(columnMajor: d.x, rows: d.n, columns: d.p, target: d.y, alpha: alpha, options: b)
            XCTAssertEqual(rb.stopReason, .converged)
            XCTAssertGreaterThan(rb.penaltyUpdates, 0)
            XCTAssertLessThan(SolverFixtures.maxAbsDifference(rb.coefficients, reference.coefficients), 1e-6)
        }
        // Warm start from the answer: certified at the first gap evaluation.
        var w = tight()
        w.tolerance = 1e-10
        let warm = try solveLassoADMM(columnMajor: d.x, rows: d.n, columns: d.p, target: d.y, alpha: alpha,
                                      options: w, warmStart: reference.coefficients)
        XCTAssertEqual(warm.stopReason, .converged)
        XCTAssertEqual(warm.iterations, 1)
        XCTAssertEqual(warm.residuals.primal, 0, accuracy: 1e-12)
    }

    func testLassoCancellation() throws {
        let d = SolverFixtures.Regression(n: 30, p: 40, seed: 37)
        var gaps: [Double] = []
        let r = try solveLassoADMM(columnMajor: d.x, rows: d.n, columns: d.p, target: d.y, alpha: 1e-3 * d.lambdaMax,
                                   options: tight(), progress: ProgressObserver(every: 10) { k, gap in
                                       gaps.append(gap)
                                       return k < 20
                                   })
        XCTAssertEqual(r.stopReason, .cancelled)
        XCTAssertEqual(r.iterations, 20)
        XCTAssertEqual(gaps.count, 2)
        XCTAssertTrue(r.dualityGap.isFinite)
    }

    func testLassoInvalidArguments() throws {
        let d = SolverFixtures.Regression(n: 10, p: 4, seed: 38)
        func run(_ o: ADMMOptions, y: [Double]? = nil, warm: [Double]? = nil, alpha: Double = 0.1) throws {
            _ = try solveLassoADMM(columnMajor: d.x, rows: d.n, columns: d.p, target: y ?? d.y, alpha: alpha,
                                   options: o, warmStart: warm)
        }
        var o = ADMMOptions()
        o.relaxation = 2.5
        SolverFixtures.assertInvalid("relaxation") { try run(o) }
        o = ADMMOptions()
        o.penalty = .nan
        SolverFixtures.assertInvalid("penalty") { try run(o) }
        o = ADMMOptions()
        o.balancingFactor = 1
        SolverFixtures.assertInvalid("balancingFactor") { try run(o) }
        o = ADMMOptions()
        o.gapFrequency = 0
        SolverFixtures.assertInvalid("gapFrequency") { try run(o) }
        SolverFixtures.assertInvalid("y") { try run(ADMMOptions(), y: [1, 2, 3]) }
        SolverFixtures.assertInvalid("y") { try run(ADMMOptions(), y: d.y.map { _ in .nan }) }
        SolverFixtures.assertInvalid("warmStart") { try run(ADMMOptions(), warm: [1]) }
        SolverFixtures.assertInvalid("alpha") { try run(ADMMOptions(), alpha: -1) }
        SolverFixtures.assertInvalid("x") {
            _ = try solveLassoADMM(columnMajor: d.x, rows: 3, columns: 4, target: d.y, alpha: 0.1)
        }
    }

    // MARK: Generic two-prox ADMM

    /// min (c/2)‖x − v‖² + g(x) is prox_{g/c}(v): ADMM must find it for several g.
    func testGenericADMMComputesProxOfSum() throws {
        var rng = SplitMix64(seed: 40)
        let v = randomVector(30, using: &rng)
        let f = ShiftedSquare(center: v, curvature: 2)
        func check<G: ProximalOperator>(_ g: G, _ name: String) throws {
            var o = ADMMOptions()
            o.absoluteTolerance = 1e-11
            o.relativeTolerance = 1e-10
            let r = try solveADMM(f: f, g: g, dimension: 30, options: o)
            XCTAssertEqual(r.stopReason, .converged, name)
            XCTAssertTrue(r.residuals.satisfied, name)
            let exact = try g.prox(v, step: 0.5)
            XCTAssertLessThan(SolverFixtures.maxAbsDifference(r.z, exact), 1e-8, name)
            XCTAssertLessThan(SolverFixtures.maxAbsDifference(r.x, exact), 1e-8, name)
            // σu ∈ ∂g(z) and −σu ≈ ∇f(x) at convergence.
            for j in 0..<30 { XCTAssertEqual(-r.dual[j], 2 * (r.x[j] - v[j]), accuracy: 1e-7, name) }
        }
        try check(try L1Norm(strength: 1), "l1")
        try check(try TotalVariation1D(strength: 2), "tv1d")
        try check(try GroupL2Norm(strength: 1.5, groups: try Groups(sizes: [10, 10, 10])), "group")
        try check(try L1Ball(radius: 2), "l1ball")
        try check(try Box(lower: -0.5, upper: 1), "box")
    }

    /// min ½‖x − v‖² + 0.7‖x‖₁ (soft thresholding) from a badly chosen σ: residual
    /// balancing must raise it.
    func testGenericADMMBalancesPenalty() throws {
        var rng = SplitMix64(seed: 41)
        let v = randomVector(20, using: &rng)
        var o = ADMMOptions()
        o.penalty = 1e-4
        o.absoluteTolerance = 1e-10
        o.relativeTolerance = 1e-10
        o.recordHistory = true
        let r = try solveADMM(f: ShiftedSquare(center: v), g: try L1Norm(strength: 0.7), dimension: 20, options: o)
        XCTAssertEqual(r.stopReason, .converged)
        XCTAssertGreaterThan(r.penaltyUpdates, 0)
        XCTAssertGreaterThan(r.penalty, 1e-4)
        XCTAssertEqual(r.residualHistory.count, r.iterations)
        XCTAssertLessThan(SolverFixtures.maxAbsDifference(r.z, v.map { softThreshold($0, 0.7) }), 1e-8)
    }

    func testGenericADMMCancellationAndInvalidArguments() throws {
        let v = [Double](repeating: 1, count: 5)
        let r = try solveADMM(f: ShiftedSquare(center: v), g: try TotalVariation1D(strength: 1), dimension: 5,
                              options: { var o = ADMMOptions(); o.absoluteTolerance = 0; o.relativeTolerance = 0; return o }(),
                              progress: ProgressObserver(every: 4) { k, _ in k < 8 })
        XCTAssertEqual(r.stopReason, .cancelled)
        XCTAssertEqual(r.iterations, 8)
        SolverFixtures.assertInvalid("dimension") {
            _ = try solveADMM(f: try L1Norm(), g: try L1Norm(), dimension: 0)
        }
        SolverFixtures.assertInvalid("center") {
            _ = try solveADMM(f: ShiftedSquare(center: v), g: try L1Norm(), dimension: 4)
        }
        SolverFixtures.assertInvalid("initial") {
            _ = try solveADMM(f: ShiftedSquare(center: v), g: try L1Norm(), dimension: 5, initial: [1, 2])
        }
        var o = ADMMOptions()
        o.relaxation = .nan
        SolverFixtures.assertInvalid("relaxation") {
            _ = try solveADMM(f: ShiftedSquare(center: v), g: try L1Norm(), dimension: 5, options: o)
        }
        o = ADMMOptions()
        o.maxIterations = 0
        let zero = try solveADMM(f: ShiftedSquare(center: v), g: try L1Norm(), dimension: 5, initial: v, options: o)
        XCTAssertEqual(zero.iterations, 0)
        XCTAssertEqual(zero.z, v)
    }
}
