import XCTest
@testable import Nonsmooth

final class SmoothLossTests: XCTestCase {
    /// Central finite differences of f against the returned gradient.
    private func assertGradient<L: SmoothLoss>(_ loss: L, at x: [Double], tolerance: Double = 1e-6,
                                               file: StaticString = #filePath, line: UInt = #line) throws {
        let (value, gradient) = try loss.valueAndGradient(x)
        XCTAssertEqual(value, try loss.value(x), accuracy: 1e-12 * max(1, abs(value)), file: file, line: line)
        let h = 1e-6
        for j in 0..<x.count {
            var xp = x, xm = x
            xp[j] += h
            xm[j] -= h
            let fd = (try loss.value(xp) - loss.value(xm)) / (2 * h)
            XCTAssertEqual(gradient[j], fd, accuracy: tolerance * max(1, abs(fd)), "coordinate \(j)",
                           file: file, line: line)
        }
    }

    func testGradientsMatchFiniteDifferences() throws {
        let d = SolverFixtures.Regression(n: 25, p: 7, seed: 11)
        var rng = SplitMix64(seed: 5)
        let x = randomVector(d.p, scale: 1, using: &rng)
        try assertGradient(d.leastSquares(), at: x)
        let labels = d.y.map { $0 >= 0 ? 1.0 : -1.0 }
        // Large margins too: the stable formulas must not overflow.
        let logistic = try LogisticLoss(columnMajor: d.x, rows: d.n, columns: d.p, labels: labels)
        try assertGradient(logistic, at: x)
        XCTAssertTrue(try logistic.value(x.map { $0 * 1e4 }).isFinite)
        let huber = try HuberLoss(columnMajor: d.x, rows: d.n, columns: d.p, target: d.y, delta: 0.7)
        try assertGradient(huber, at: x)
        // Q = BᵀB + I, symmetric positive definite.
        let b = randomVector(d.p * d.p, scale: 1, using: &rng)
        var q = [Double](repeating: 0, count: d.p * d.p)
        for i in 0..<d.p {
            for j in 0..<d.p {
                var s = i == j ? 1.0 : 0
                for k in 0..<d.p { s += b[i * d.p + k] * b[j * d.p + k] }
                q[j * d.p + i] = s
            }
        }
        let c = randomVector(d.p, using: &rng)
        try assertGradient(QuadraticLoss(q: q, c: c), at: x)
    }

    func testHuberIsLeastSquaresForLargeDelta() throws {
        let d = SolverFixtures.Regression(n: 20, p: 5, seed: 3)
        let huber = try HuberLoss(columnMajor: d.x, rows: d.n, columns: d.p, target: d.y, delta: 1e6)
        let x = [0.1, -0.2, 0.3, 0, 0.5]
        XCTAssertEqual(try huber.value(x), try d.leastSquares().value(x), accuracy: 1e-12)
    }

    /// Every loss on a CSC design (read through its own products, never densified)
    /// agrees with the dense one: value, gradient and Lipschitz estimate.
    func testSparseDesignGivesTheSameLoss() throws {
        var d = SolverFixtures.Regression(n: 30, p: 8, seed: 4)
        for k in stride(from: 0, to: d.x.count, by: 3) { d.x[k] = 0 }   // some structural zeros
        var values: [Double] = [], pointers: [Int64] = [0], rowIndices: [Int32] = []
        for j in 0..<d.p {
            for i in 0..<d.n where d.x[j * d.n + i] != 0 {
                values.append(d.x[j * d.n + i])
                rowIndices.append(Int32(i))
            }
            pointers.append(Int64(values.count))
        }
        let x = [0.3, -1, 0, 2, 0.5, 0, 0, 1]
        let dense = try d.leastSquares()
        try values.withUnsafeBufferPointer { v in
            try rowIndices.withUnsafeBufferPointer { r in
                try pointers.withUnsafeBufferPointer { c in
                    let csc = try SparseCSC(values: v.baseAddress!, rowIndices: r.baseAddress!,
                                            columnPointers: c.baseAddress!, rows: d.n, columns: d.p)
                    let labels = d.y.map { $0 >= 0 ? 1.0 : -1.0 }
                    let pairs: [(any SmoothLoss, any SmoothLoss)] = [
                        (try LeastSquaresLoss(design: csc, target: d.y), dense),
                        (try LogisticLoss(design: csc, labels: labels),
                         try LogisticLoss(columnMajor: d.x, rows: d.n, columns: d.p, labels: labels)),
                        (try HuberLoss(design: csc, target: d.y, delta: 0.3),
                         try HuberLoss(columnMajor: d.x, rows: d.n, columns: d.p, target: d.y, delta: 0.3)),
                    ]
                    for (sparse, dense) in pairs {
                        let (fs, gs) = try sparse.valueAndGradient(x)
                        let (fd, gd) = try dense.valueAndGradient(x)
                        XCTAssertEqual(fs, fd, accuracy: 1e-12)
                        XCTAssertLessThan(SolverFixtures.maxAbsDifference(gs, gd), 1e-12)
                        // The same power iteration on the same operator: equal up to rounding.
                        XCTAssertEqual(sparse.lipschitzEstimate!, dense.lipschitzEstimate!,
                                       accuracy: 1e-9 * dense.lipschitzEstimate!)
                    }
                }
            }
        }
    }

    /// ‖∇f(x) − ∇f(y)‖ ≤ L‖x − y‖ on random pairs, and L is not grossly pessimistic
    /// (within 2 % of the largest ratio attained along the top singular direction,
    /// approached by repeated gradient differences).
    func testLipschitzEstimatesAreUpperBounds() throws {
        let d = SolverFixtures.Regression(n: 40, p: 12, seed: 6)
        let loss = try d.leastSquares()
        let l = try XCTUnwrap(loss.lipschitzEstimate)
        var rng = SplitMix64(seed: 9)
        var v = randomVector(d.p, using: &rng)
        var ratio = 0.0
        for _ in 0..<200 {
            // For a quadratic, ∇f(x + v) − ∇f(x) = (XᵀX/n)v: power iteration.
            let g1 = try loss.valueAndGradient(v).gradient, g0 = try loss.valueAndGradient([Double](repeating: 0, count: d.p)).gradient
            let w = zip(g1, g0).map { $0 - $1 }
            let nv = v.reduce(0) { $0 + $1 * $1 }.squareRoot(), nw = w.reduce(0) { $0 + $1 * $1 }.squareRoot()
            ratio = max(ratio, nw / nv)
            XCTAssertLessThanOrEqual(nw / nv, l * (1 + 1e-12))
            v = w.map { $0 / nw }
        }
        XCTAssertGreaterThan(ratio, l / 1.02)
        let labels = d.y.map { $0 >= 0 ? 1.0 : -1.0 }
        let logistic = try LogisticLoss(columnMajor: d.x, rows: d.n, columns: d.p, labels: labels)
        XCTAssertEqual(try XCTUnwrap(logistic.lipschitzEstimate), l / 4, accuracy: 1e-12 * l)
    }

    func testInvalidLossInputs() throws {
        let d = SolverFixtures.Regression(n: 10, p: 3, seed: 1)
        SolverFixtures.assertInvalid("b") { _ = try LeastSquaresLoss(columnMajor: d.x, rows: 10, columns: 3, target: [1, 2]) }
        SolverFixtures.assertInvalid("A") { _ = try LeastSquaresLoss(columnMajor: d.x, rows: 10, columns: 4, target: d.y) }
        SolverFixtures.assertInvalid("rows") { _ = try LeastSquaresLoss(columnMajor: [], rows: 0, columns: 3, target: []) }
        var bad = d.x
        bad[4] = .nan
        SolverFixtures.assertInvalid("A") { _ = try LeastSquaresLoss(columnMajor: bad, rows: 10, columns: 3, target: d.y) }
        SolverFixtures.assertInvalid("b") {
            _ = try LeastSquaresLoss(columnMajor: d.x, rows: 10, columns: 3, target: d.y.map { _ in .infinity })
        }
        SolverFixtures.assertInvalid("lipschitz") {
            _ = try LeastSquaresLoss(columnMajor: d.x, rows: 10, columns: 3, target: d.y, lipschitz: -1)
        }
        SolverFixtures.assertInvalid("labels") {
            _ = try LogisticLoss(columnMajor: d.x, rows: 10, columns: 3, labels: d.y)
        }
        SolverFixtures.assertInvalid("delta") {
            _ = try HuberLoss(columnMajor: d.x, rows: 10, columns: 3, target: d.y, delta: 0)
        }
        SolverFixtures.assertInvalid("q") { _ = try QuadraticLoss(q: [1, 2, 3, 4], c: [0, 0]) }
        SolverFixtures.assertInvalid("q") { _ = try QuadraticLoss(q: [1, 2, 2], c: [0, 0]) }
        SolverFixtures.assertInvalid("c") { _ = try QuadraticLoss(q: [], c: []) }
        let loss = try d.leastSquares()
        SolverFixtures.assertInvalid("x") { _ = try loss.value([1, 2]) }
    }
}

final class ProximalGradientTests: XCTestCase {
    private let strict = ProximalGradientOptions(tolerance: 1e-11, maxIterations: 200_000)

    private func options(_ method: ProximalGradientMethod, _ step: ProximalGradientStep,
                         restart: RestartScheme = .none) -> ProximalGradientOptions {
        var o = strict
        o.method = method
        o.step = step
        o.restart = restart
        return o
    }

    /// Every variant reaches the coordinate-descent minimizer of a random Lasso
    /// with correlated features (ρ = 0.8, α = 0.02·α_max: thousands of ISTA
    /// steps), in both shapes (n < p and n > p), with a certificate below the
    /// tolerance that the test recomputes independently.
    func testAllVariantsMatchCoordinateDescentOnLasso() throws {
        for (n, p, seed) in [(30, 50, UInt64(1)), (60, 15, 2)] {
            let d = SolverFixtures.Regression(n: n, p: p, correlation: 0.8, seed: seed)
            let alpha = 0.02 * d.lambdaMax
            let reference = try d.coordinateDescent(ElasticNetPenalty(alpha: alpha))
            let loss = try d.leastSquares()
            let l1 = try L1Norm(strength: alpha)
            let variants: [(String, ProximalGradientOptions)] = [
                ("ista", options(.ista, .inverseLipschitz())),
                ("ista-bt-grow", options(.ista, .backtracking(growth: 1.5))),
                ("fista", options(.fista, .inverseLipschitz())),
                ("fista-bt", options(.fista, .backtracking())),
                ("fista-bt-grow", options(.fista, .backtracking(shrink: 0.6, growth: 1.25))),
                ("fista-restart-f", options(.fista, .inverseLipschitz(), restart: .functionValue)),
                ("fista-restart-g", options(.fista, .inverseLipschitz(), restart: .gradient)),
                ("fista-bt-grow-restart-g", options(.fista, .backtracking(growth: 1.25), restart: .gradient)),
                ("fista-bt-restart-f", options(.fista, .backtracking(), restart: .functionValue)),
            ]
            for (name, o) in variants {
                let r = try solveProximalGradient(loss: loss, regularizer: l1, options: o)
                XCTAssertEqual(r.stopReason, .converged, "\(name) \(n)×\(p)")
                XCTAssertLessThanOrEqual(r.certificate, 1e-11, name)
                XCTAssertLessThan(SolverFixtures.maxAbsDifference(r.x, reference.coefficients), 1e-7,
                                  "\(name) \(n)×\(p)")
                XCTAssertEqual(r.objective, d.lassoObjective(r.x, alpha: alpha), accuracy: 1e-12)
                let independent = try SolverFixtures.gradientMapping(loss, l1, r.x, step: r.step)
                XCTAssertEqual(independent, r.certificate, accuracy: 1e-12, name)
                // Exact zeros where coordinate descent has zeros.
                for j in 0..<p where reference.coefficients[j] == 0 { XCTAssertEqual(r.x[j], 0, "\(name) j=\(j)") }
            }
        }
    }

    func testRestartsHappenAndSpeedUpFISTA() throws {
        let d = SolverFixtures.Regression(n: 60, p: 15, correlation: 0.8, seed: 2)
        let alpha = 0.05 * d.lambdaMax
        let loss = try d.leastSquares()
        let l1 = try L1Norm(strength: alpha)
        let plain = try solveProximalGradient(loss: loss, regularizer: l1, options: options(.fista, .inverseLipschitz()))
        for scheme in [RestartScheme.functionValue, .gradient] {
            let r = try solveProximalGradient(loss: loss, regularizer: l1,
                                              options: options(.fista, .inverseLipschitz(), restart: scheme))
            XCTAssertEqual(r.stopReason, .converged)
            XCTAssertGreaterThan(r.restarts, 0, "\(scheme)")
            // Strongly convex here (n > p): restarting recovers a linear rate.
            XCTAssertLessThan(r.iterations, plain.iterations, "\(scheme)")
        }
    }

    func testBacktrackingWorksWithoutLipschitzEstimate() throws {
        let d = SolverFixtures.Regression(n: 30, p: 40, seed: 8)
        let alpha = 0.2 * d.lambdaMax
        let loss = NoLipschitzLoss(base: try d.leastSquares())
        let l1 = try L1Norm(strength: alpha)
        SolverFixtures.assertInvalid("step") {
            _ = try solveProximalGradient(loss: loss, regularizer: l1, options: self.options(.fista, .inverseLipschitz()))
        }
        let reference = try d.coordinateDescent(ElasticNetPenalty(alpha: alpha))
        for (method, growth) in [(ProximalGradientMethod.fista, 1.0), (.fista, 1.5), (.ista, 1.0), (.ista, 2)] {
            let r = try solveProximalGradient(loss: loss, regularizer: l1,
                                              options: options(method, .backtracking(growth: growth)))
            XCTAssertEqual(r.stopReason, .converged)
            XCTAssertLessThan(SolverFixtures.maxAbsDifference(r.x, reference.coefficients), 1e-7)
        }
        // Bad initial steps: far too large (shrinks), far too small (grows).
        for (t0, growth) in [(1e6, 1.0), (1e6, 1.3), (1e-8, 2.0)] {
            let r = try solveProximalGradient(loss: loss, regularizer: l1,
                                              options: options(.fista, .backtracking(initialStep: t0, growth: growth),
                                                               restart: .gradient))
            XCTAssertEqual(r.stopReason, .converged, "t0 = \(t0), growth \(growth)")
            XCTAssertLessThan(SolverFixtures.maxAbsDifference(r.x, reference.coefficients), 1e-7)
        }
        // A user-supplied Lipschitz constant replaces the missing estimate.
        let l = try XCTUnwrap(try d.leastSquares().lipschitzEstimate)
        let r = try solveProximalGradient(loss: loss, regularizer: l1,
                                          options: options(.fista, .inverseLipschitz(lipschitz: l)))
        XCTAssertEqual(r.step, 1 / l, accuracy: 1e-15)
        XCTAssertLessThan(SolverFixtures.maxAbsDifference(r.x, reference.coefficients), 1e-7)
    }

    /// min ‖Ax − b‖²/(2n) over a box: the projected gradient vanishes.
    func testBoxConstrainedLeastSquares() throws {
        let d = SolverFixtures.Regression(n: 40, p: 20, seed: 12)
        let loss = try d.leastSquares()
        let box = try Box(lower: -0.2, upper: 0.5)
        for method in [ProximalGradientMethod.ista, .fista] {
            let r = try solveProximalGradient(loss: loss, regularizer: box, initial: [Double](repeating: 3, count: 20),
                                              options: options(method, .inverseLipschitz(), restart: .gradient))
            XCTAssertEqual(r.stopReason, .converged)
            let g = try loss.valueAndGradient(r.x).gradient
            var atBound = 0
            for j in 0..<d.p {
                XCTAssertTrue(r.x[j] >= -0.2 && r.x[j] <= 0.5)
                if r.x[j] == -0.2 {
                    XCTAssertGreaterThanOrEqual(g[j], -1e-10)
                    atBound += 1
                } else if r.x[j] == 0.5 {
                    XCTAssertLessThanOrEqual(g[j], 1e-10)
                    atBound += 1
                } else {
                    XCTAssertEqual(g[j], 0, accuracy: 1e-10)
                }
            }
            XCTAssertGreaterThan(atBound, 0, "the test should exercise active constraints")
        }
    }

    /// Group lasso: ∇f_g = −λw_g x_g/‖x_g‖ on non-zero groups, ‖∇f_g‖ ≤ λw_g on zero groups.
    func testGroupLassoOptimality() throws {
        let d = SolverFixtures.Regression(n: 50, p: 24, support: 6, seed: 13)
        let loss = try d.leastSquares()
        let groups = try Groups(sizes: [3, 3, 4, 2, 4, 4, 4])
        let lambda = 0.1
        let penalty = try GroupL2Norm(strength: lambda, groups: groups)
        let r = try solveProximalGradient(loss: loss, regularizer: penalty,
                                          options: options(.fista, .backtracking(growth: 1.2), restart: .gradient))
        XCTAssertEqual(r.stopReason, .converged)
        let g = try loss.valueAndGradient(r.x).gradient
        var zeroGroups = 0, nonzeroGroups = 0
        for k in 0..<groups.count {
            let idx = Array(groups.indices[groups.pointers[k]..<groups.pointers[k + 1]])
            let bound = lambda * penalty.weights[k]
            let norm = idx.reduce(0) { $0 + r.x[$1] * r.x[$1] }.squareRoot()
            if norm == 0 {
                zeroGroups += 1
                XCTAssertLessThanOrEqual(idx.reduce(0) { $0 + g[$1] * g[$1] }.squareRoot(), bound + 1e-10)
            } else {
                nonzeroGroups += 1
                for j in idx { XCTAssertEqual(g[j], -bound * r.x[j] / norm, accuracy: 1e-10) }
            }
        }
        XCTAssertGreaterThan(zeroGroups, 0)
        XCTAssertGreaterThan(nonzeroGroups, 0)
    }

    /// ℓ1-regularized logistic regression: |∇f_j| ≤ λ at zeros, ∇f_j = −λ sign(x_j) elsewhere.
    func testLogisticL1Optimality() throws {
        let d = SolverFixtures.Regression(n: 80, p: 20, seed: 14)
        var rng = SplitMix64(seed: 3)
        let labels = d.y.map { $0 + 0.3 * SolverFixtures.normal(&rng) >= 0 ? 1.0 : -1.0 }
        let loss = try LogisticLoss(columnMajor: d.x, rows: d.n, columns: d.p, labels: labels)
        let lambda = 0.03
        let r = try solveProximalGradient(loss: loss, regularizer: try L1Norm(strength: lambda),
                                          options: options(.fista, .backtracking(growth: 1.2), restart: .functionValue))
        XCTAssertEqual(r.stopReason, .converged)
        let g = try loss.valueAndGradient(r.x).gradient
        var zeros = 0
        for j in 0..<d.p {
            if r.x[j] == 0 {
                zeros += 1
                XCTAssertLessThanOrEqual(abs(g[j]), lambda + 1e-10)
            } else {
                XCTAssertEqual(g[j], r.x[j] > 0 ? -lambda : lambda, accuracy: 1e-10)
            }
        }
        XCTAssertGreaterThan(zeros, 0)
        XCTAssertLessThan(zeros, d.p)
    }

    func testHuberWithElasticNetMatchesIndependentCertificate() throws {
        let d = SolverFixtures.Regression(n: 40, p: 10, seed: 15)
        let loss = try HuberLoss(columnMajor: d.x, rows: d.n, columns: d.p, target: d.y, delta: 0.1)
        let penalty = try ElasticNet(strength: 0.05, l1Ratio: 0.7)
        let r = try solveProximalGradient(loss: loss, regularizer: penalty,
                                          options: options(.fista, .inverseLipschitz(), restart: .gradient))
        XCTAssertEqual(r.stopReason, .converged)
        // At a different step the mapping is still ~0 (it vanishes only at minimizers).
        XCTAssertLessThan(try SolverFixtures.gradientMapping(loss, penalty, r.x, step: 0.01), 1e-9)
    }

    func testHistoryIsRecordedAndCapped() throws {
        let d = SolverFixtures.Regression(n: 20, p: 10, seed: 16)
        let loss = try d.leastSquares()
        let l1 = try L1Norm(strength: 0.1)
        var o = options(.ista, .inverseLipschitz())
        o.recordHistory = true
        let r = try solveProximalGradient(loss: loss, regularizer: l1, options: o)
        XCTAssertEqual(r.objectiveHistory.count, r.iterations + 1)
        // ISTA with t = 1/L is monotone.
        for k in 1..<r.objectiveHistory.count {
            XCTAssertLessThanOrEqual(r.objectiveHistory[k], r.objectiveHistory[k - 1] + 1e-14)
        }
        XCTAssertEqual(r.objectiveHistory.last!, r.objective, accuracy: 1e-14)
        o.historyCapacity = 5
        XCTAssertEqual(try solveProximalGradient(loss: loss, regularizer: l1, options: o).objectiveHistory.count, 5)
    }

    func testCancellationReturnsCurrentIterate() throws {
        let d = SolverFixtures.Regression(n: 30, p: 50, seed: 17)
        let loss = try d.leastSquares()
        let l1 = try L1Norm(strength: 0.01 * d.lambdaMax)
        var seen: [Int] = []
        let observer = ProgressObserver(every: 7) { k, certificate in
            seen.append(k)
            XCTAssertTrue(certificate.isFinite)
            return k < 21
        }
        for method in [ProximalGradientMethod.ista, .fista] {
            seen = []
            let r = try solveProximalGradient(loss: loss, regularizer: l1, options: options(method, .backtracking()),
                                              progress: observer)
            XCTAssertEqual(r.stopReason, .cancelled)
            XCTAssertEqual(r.iterations, 21)
            XCTAssertEqual(seen, [7, 14, 21])
            XCTAssertEqual(try SolverFixtures.gradientMapping(loss, l1, r.x, step: r.step), r.certificate,
                           accuracy: 1e-12)
        }
    }

    func testBudgetAndEdgeCases() throws {
        let d = SolverFixtures.Regression(n: 20, p: 10, seed: 18)
        let loss = try d.leastSquares()
        let l1 = try L1Norm(strength: 0.01)
        var o = strict
        o.maxIterations = 3
        let r = try solveProximalGradient(loss: loss, regularizer: l1, options: o)
        XCTAssertEqual(r.stopReason, .maxIterations)
        XCTAssertEqual(r.iterations, 3)
        XCTAssertGreaterThan(r.certificate, 1e-11)
        o.maxIterations = 0
        let r0 = try solveProximalGradient(loss: loss, regularizer: l1, initial: [Double](repeating: 1, count: 10),
                                           options: o)
        XCTAssertEqual(r0.x, [Double](repeating: 1, count: 10))
        XCTAssertEqual(r0.iterations, 0)
        // α ≥ λ_max: 0 is optimal and certified at once.
        let big = try L1Norm(strength: 2 * d.lambdaMax)
        let rz = try solveProximalGradient(loss: loss, regularizer: big, options: strict)
        XCTAssertEqual(rz.x, [Double](repeating: 0, count: 10))
        XCTAssertEqual(rz.certificate, 0)
        XCTAssertEqual(rz.stopReason, .converged)
        // Relative tolerance scales by max(1, ‖∇f(x0)‖).
        var rel = ProximalGradientOptions(tolerance: 1e-3, relativeTolerance: true)
        rel.step = .inverseLipschitz()
        let rr = try solveProximalGradient(loss: loss, regularizer: l1, options: rel)
        let g0 = try loss.valueAndGradient([Double](repeating: 0, count: 10)).gradient
        XCTAssertEqual(rr.certificateTolerance, 1e-3 * max(1, g0.reduce(0) { $0 + $1 * $1 }.squareRoot()), accuracy: 1e-15)
        // A step far above 2/L diverges: a numerical error, not a trap.
        XCTAssertThrowsError(try solveProximalGradient(loss: loss, regularizer: ZeroFunction(),
                                                       options: options(.ista, .constant(1e6)))) { error in
            guard case NonsmoothError.numericalError = error else { return XCTFail("\(error)") }
        }
    }

    func testInvalidArguments() throws {
        let d = SolverFixtures.Regression(n: 10, p: 4, seed: 19)
        let loss = try d.leastSquares()
        let l1 = try L1Norm(strength: 0.1)
        func run<G: ProximalOperator>(_ g: G, initial: [Double]? = nil, _ o: ProximalGradientOptions) throws {
            _ = try solveProximalGradient(loss: loss, regularizer: g, initial: initial, options: o)
        }
        SolverFixtures.assertInvalid("step") { try run(l1, self.options(.fista, .constant(.nan))) }
        SolverFixtures.assertInvalid("step") { try run(l1, self.options(.fista, .constant(-1))) }
        SolverFixtures.assertInvalid("lipschitz") { try run(l1, self.options(.fista, .inverseLipschitz(lipschitz: .nan))) }
        SolverFixtures.assertInvalid("initialStep") { try run(l1, self.options(.fista, .backtracking(initialStep: 0))) }
        SolverFixtures.assertInvalid("shrink") { try run(l1, self.options(.fista, .backtracking(shrink: 1))) }
        SolverFixtures.assertInvalid("growth") { try run(l1, self.options(.fista, .backtracking(growth: 0.5))) }
        SolverFixtures.assertInvalid("growth") { try run(l1, self.options(.fista, .backtracking(growth: .infinity))) }
        SolverFixtures.assertInvalid("tolerance") { try run(l1, ProximalGradientOptions(tolerance: .nan)) }
        SolverFixtures.assertInvalid("maxIterations") { try run(l1, ProximalGradientOptions(maxIterations: -1)) }
        SolverFixtures.assertInvalid("initial") { try run(l1, initial: [1, 2, 3], self.strict) }
        SolverFixtures.assertInvalid("initial") { try run(l1, initial: [1, .nan, 3, 4], self.strict) }
        SolverFixtures.assertInvalid("weights") { try run(try L1Norm(strength: 1, weights: [1, 1]), self.strict) }
        SolverFixtures.assertInvalid("lower") { try run(try Box(lower: [0, 0, 0], upper: [1]), self.strict) }
    }
}
