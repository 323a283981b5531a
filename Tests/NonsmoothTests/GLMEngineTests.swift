import XCTest
@testable import Nonsmooth

/// The generic coordinate-descent engine (`solveGLM`) against independent
/// references: the elastic-net solver, closed forms on orthogonal designs, and
/// the optimality conditions of each problem.
final class GLMEngineTests: XCTestCase {
    typealias Problem = SolverFixtures.Regression

    /// ±1 labels from the sign of a noisy linear model on the problem's design.
    func labels(_ problem: Problem, seed: UInt64) -> [Double] {
        var rng = SplitMix64(seed: seed)
        return problem.y.map { $0 + 0.5 * SolverFixtures.normal(&rng) > 0 ? 1 : -1 }
    }

    /// The gradient gⱼ = x_jᵀ∇F(Xβ + b) of a datafit at a result, and Σᵢ∇F(η)ᵢ.
    func gradients<F: Datafit>(_ fit: F, _ problem: Problem, _ result: GLMResult) -> ([Double], Double) {
        let n = problem.n, p = problem.p
        var eta = [Double](repeating: result.intercept, count: n)
        for j in 0..<p where result.coefficients[j] != 0 {
            for i in 0..<n { eta[i] += problem.x[j * n + i] * result.coefficients[j] }
        }
        var g = [Double](repeating: 0, count: n)
        fit.gradient(eta, into: &g)
        let gj = (0..<p).map { j in (0..<n).reduce(0.0) { $0 + problem.x[j * n + $1] * g[$1] } }
        return (gj, g.reduce(0, +))
    }

    func testQuadraticL1MatchesElasticNetSolver() throws {
        let problem = Problem(n: 60, p: 150, support: 5, correlation: 0.5, seed: 1)
        let alpha = 0.05 * problem.lambdaMax
        for intercept in [false, true] {
            let reference = try problem.coordinateDescent(ElasticNetPenalty(alpha: alpha), fitIntercept: intercept)
            var options = GLMOptions(tolerance: 1e-12, maxEpochs: 100_000, fitIntercept: intercept)
            options.andersonDepth = 5
            let result = try solveGLM(columnMajor: problem.x, rows: problem.n, columns: problem.p,
                                      datafit: Datafits.Quadratic(target: problem.y),
                                      penalty: Penalties.L1(strength: alpha), options: options)
            XCTAssertEqual(result.status, .converged)
            XCTAssertEqual(result.certificateKind, .dualityGap)
            XCTAssertLessThanOrEqual(result.certificate, 1e-12)
            XCTAssertLessThan(SolverFixtures.maxAbsDifference(result.coefficients, reference.coefficients), 1e-5)
            XCTAssertEqual(result.intercept, reference.intercept, accuracy: 1e-5)
            // Same support: the engine's zeros are exact.
            for j in 0..<problem.p where abs(reference.coefficients[j]) > 1e-4 {
                XCTAssertNotEqual(result.coefficients[j], 0)
            }
            XCTAssertEqual(result.history.last?.certificate, result.certificate)
        }
    }

    func testSparseDesignGivesTheDenseAnswer() throws {
        let problem = Problem(n: 40, p: 80, support: 4, seed: 2)
        // Zero out two thirds of the entries and build the CSC arrays.
        var x = problem.x
        for k in x.indices where k % 3 != 0 { x[k] = 0 }
        var values: [Double] = [], rows: [Int32] = [], pointers: [Int64] = [0]
        for j in 0..<problem.p {
            for i in 0..<problem.n where x[j * problem.n + i] != 0 {
                values.append(x[j * problem.n + i])
                rows.append(Int32(i))
            }
            pointers.append(Int64(values.count))
        }
        let y = labels(problem, seed: 3)
        let fit = try Datafits.Logistic(labels: y)
        let penalty = try Penalties.L1(strength: 0.02)
        let options = GLMOptions(tolerance: 1e-10, maxEpochs: 100_000, fitIntercept: true)
        let dense = try solveGLM(columnMajor: x, rows: problem.n, columns: problem.p, datafit: fit, penalty: penalty,
                                 options: options)
        let sparse = try values.withUnsafeBufferPointer { v in
            try rows.withUnsafeBufferPointer { r in
                try pointers.withUnsafeBufferPointer { c in
                    let design = try SparseCSC(values: v.baseAddress!, rowIndices: r.baseAddress!,
                                               columnPointers: c.baseAddress!, rows: problem.n, columns: problem.p)
                    return try solveGLM(design: design, datafit: fit, penalty: penalty, options: options)
                }
            }
        }
        XCTAssertEqual(dense.status, .converged)
        XCTAssertEqual(sparse.status, .converged)
        XCTAssertLessThan(SolverFixtures.maxAbsDifference(dense.coefficients, sparse.coefficients), 1e-5)
        XCTAssertEqual(dense.intercept, sparse.intercept, accuracy: 1e-5)
    }

    /// Sparse logistic regression: the KKT conditions −gⱼ ∈ λ∂|βⱼ| and Σ∇F = 0 hold,
    /// and the gap bounds the distance to the objective of a much tighter solve.
    func testLogisticL1SatisfiesKKT() throws {
        let problem = Problem(n: 80, p: 120, support: 6, correlation: 0.3, seed: 4)
        let y = labels(problem, seed: 5)
        var w = [Double](repeating: 1, count: problem.n)
        for i in stride(from: 0, to: problem.n, by: 3) { w[i] = 2.5 }
        let fit = try Datafits.Logistic(labels: y, sampleWeights: w)
        let lambda = 0.01
        let result = try solveGLM(columnMajor: problem.x, rows: problem.n, columns: problem.p, datafit: fit,
                                  penalty: Penalties.L1(strength: lambda),
                                  options: GLMOptions(tolerance: 1e-10, maxEpochs: 200_000, fitIntercept: true))
        XCTAssertEqual(result.status, .converged)
        XCTAssertEqual(result.certificateKind, .dualityGap)
        let (gj, sum) = gradients(fit, problem, result)
        XCTAssertEqual(sum, 0, accuracy: 1e-5)
        var support = 0
        for j in 0..<problem.p {
            let b = result.coefficients[j]
            if b == 0 {
                XCTAssertLessThanOrEqual(abs(gj[j]), lambda + 1e-5)
            } else {
                support += 1
                XCTAssertEqual(gj[j], -lambda * (b > 0 ? 1 : -1), accuracy: 1e-5)
            }
        }
        XCTAssertGreaterThan(support, 0)
        XCTAssertLessThan(support, problem.p)
        let tight = try solveGLM(columnMajor: problem.x, rows: problem.n, columns: problem.p, datafit: fit,
                                 penalty: Penalties.L1(strength: lambda),
                                 options: GLMOptions(tolerance: 1e-14, maxEpochs: 400_000, fitIntercept: true))
        XCTAssertLessThanOrEqual(result.objective - tight.objective, 1e-10 + 1e-14)
        XCTAssertGreaterThanOrEqual(result.objective - tight.objective, -1e-12)
    }

    /// Proximal Newton subproblems (the default for logistic) and plain coordinate
    /// descent reach the same certified minimizer, and both respect the epoch budget.
    func testLogisticProxNewtonAndCoordinateDescentAgree() throws {
        let problem = Problem(n: 120, p: 40, support: 5, correlation: 0.4, seed: 13)
        let fit = try Datafits.Logistic(labels: labels(problem, seed: 14))
        var options = GLMOptions(tolerance: 1e-12, maxEpochs: 100_000, fitIntercept: true)
        let newton = try solveGLM(columnMajor: problem.x, rows: problem.n, columns: problem.p, datafit: fit,
                                  penalty: Penalties.L1(strength: 0.005), options: options)
        options.proxNewton = false
        let plain = try solveGLM(columnMajor: problem.x, rows: problem.n, columns: problem.p, datafit: fit,
                                 penalty: Penalties.L1(strength: 0.005), options: options)
        XCTAssertEqual(newton.status, .converged)
        XCTAssertEqual(plain.status, .converged)
        XCTAssertLessThan(SolverFixtures.maxAbsDifference(newton.coefficients, plain.coefficients), 1e-5)
        XCTAssertEqual(newton.coefficients.map { $0 == 0 }, plain.coefficients.map { $0 == 0 })
        for budget in [1, 2, 3, 7] {
            var short = GLMOptions(tolerance: 1e-15, maxEpochs: budget, fitIntercept: true)
            short.proxNewton = true
            let r = try solveGLM(columnMajor: problem.x, rows: problem.n, columns: problem.p, datafit: fit,
                                 penalty: Penalties.L1(strength: 0.001), options: short)
            XCTAssertEqual(r.status, .notConverged)
            XCTAssertLessThanOrEqual(r.epochs, budget)
        }
    }

    /// Above λ_max = ‖Xᵀ∇F(b*·1)‖∞ the solution is β = 0 with the intercept log(p₊/p₋).
    func testLogisticAboveLambdaMaxIsTheInterceptOnly() throws {
        let problem = Problem(n: 50, p: 30, seed: 6)
        let y = labels(problem, seed: 7)
        let positives = Double(y.filter { $0 > 0 }.count), n = Double(problem.n)
        let b = Glibc.log(positives / (n - positives))
        let fit = try Datafits.Logistic(labels: y)
        var g = [Double](repeating: 0, count: problem.n)
        fit.gradient([Double](repeating: b, count: problem.n), into: &g)
        var lambdaMax = 0.0
        for j in 0..<problem.p {
            lambdaMax = max(lambdaMax, abs((0..<problem.n).reduce(0.0) { $0 + problem.x[j * problem.n + $1] * g[$1] }))
        }
        let at = try solveGLM(columnMajor: problem.x, rows: problem.n, columns: problem.p, datafit: fit,
                              penalty: Penalties.L1(strength: lambdaMax * 1.0001),
                              options: GLMOptions(tolerance: 1e-12, fitIntercept: true))
        XCTAssertEqual(at.coefficients, [Double](repeating: 0, count: problem.p))
        XCTAssertEqual(at.intercept, b, accuracy: 1e-6)
        let below = try solveGLM(columnMajor: problem.x, rows: problem.n, columns: problem.p, datafit: fit,
                                 penalty: Penalties.L1(strength: lambdaMax * 0.95),
                                 options: GLMOptions(tolerance: 1e-12, fitIntercept: true))
        XCTAssertGreaterThan(below.coefficients.filter { $0 != 0 }.count, 0)
    }

    /// With XᵀX/n = I the quadratic problem separates: βⱼ = prox_p(zⱼ), z = Xᵀy/n,
    /// for every penalty (the coordinate objective is exactly the prox objective).
    func testOrthogonalDesignClosedForms() throws {
        let n = 8, p = 4
        // Columns: √n times distinct Walsh vectors (orthogonal, ‖x_j‖² = n).
        let walsh: [[Double]] = [[1, 1, 1, 1, 1, 1, 1, 1], [1, -1, 1, -1, 1, -1, 1, -1],
                                 [1, 1, -1, -1, 1, 1, -1, -1], [1, -1, -1, 1, 1, -1, -1, 1]]
        let x = walsh.flatMap { $0 }
        let z = [2.0, -0.7, 0.25, 1.1]
        var y = [Double](repeating: 0, count: n)
        for j in 0..<p { for i in 0..<n { y[i] += walsh[j][i] * z[j] } }
        let fit = try Datafits.Quadratic(target: y)
        let lambda = 0.5
        func check<P: SeparablePenalty>(_ penalty: P, _ expected: [Double], _ name: String) throws {
            let r = try solveGLM(columnMajor: x, rows: n, columns: p, datafit: fit, penalty: penalty,
                                 options: GLMOptions(tolerance: 1e-13))
            XCTAssertEqual(r.status, .converged, name)
            for j in 0..<p { XCTAssertEqual(r.coefficients[j], expected[j], accuracy: 1e-10, name) }
        }
        try check(Penalties.L1(strength: lambda), z.map { softThreshold($0, lambda) }, "l1")
        try check(Penalties.L1(strength: lambda, positive: true), z.map { max($0 - lambda, 0) }, "positive l1")
        try check(Penalties.L1(strength: lambda, weights: [0, 1, 2, 1]),
                  [2.0, softThreshold(-0.7, 0.5), 0, softThreshold(1.1, 0.5)], "weighted l1")
        try check(Penalties.ElasticNet(strength: lambda, l1Ratio: 0.6),
                  z.map { softThreshold($0, 0.3) / 1.2 }, "elastic net")
        // MCP, γ = 3: firm thresholding; SCAD, a = 3.7: Fan & Li's closed form; L0: hard threshold at √(2λ).
        try check(Penalties.MCP(strength: lambda, gamma: 3),
                  z.map { abs($0) > 1.5 ? $0 : softThreshold($0, lambda) / (1 - 1 / 3.0) }, "mcp")
        try check(Penalties.SCAD(strength: lambda, a: 3.7),
                  z.map { u in
                      let m = abs(u)
                      if m <= 2 * lambda { return softThreshold(u, lambda) }
                      if m <= 3.7 * lambda { return (2.7 * u - (u > 0 ? 1 : -1) * 3.7 * lambda) / 1.7 }
                      return u
                  }, "scad")
        try check(Penalties.L0(strength: lambda), z.map { abs($0) > 1 ? $0 : 0 }, "l0")
        try check(Penalties.Box(lower: [-0.5], upper: [1]), z.map { min(max($0, -0.5), 1) }, "box")
        try check(Penalties.Box.nonnegative, z.map { max($0, 0) }, "nonnegative")
    }

    /// MCP on a correlated design: no closed form, but the returned point is a
    /// KKT point (−gⱼ ∈ ∂p(βⱼ)) and the certificate says so.
    func testMCPAndSCADReturnKKTPoints() throws {
        let problem = Problem(n: 100, p: 60, support: 5, correlation: 0.5, seed: 8)
        let fit = try Datafits.Quadratic(target: problem.y)
        let lambda = 0.1 * problem.lambdaMax
        let mcp = try solveGLM(columnMajor: problem.x, rows: problem.n, columns: problem.p, datafit: fit,
                               penalty: Penalties.MCP(strength: lambda, gamma: 3),
                               options: GLMOptions(tolerance: 1e-9, maxEpochs: 100_000, fitIntercept: true))
        let scad = try solveGLM(columnMajor: problem.x, rows: problem.n, columns: problem.p, datafit: fit,
                                penalty: Penalties.SCAD(strength: lambda, a: 3.7),
                                options: GLMOptions(tolerance: 1e-9, maxEpochs: 100_000, fitIntercept: true))
        for (r, derivative) in [(mcp, { MCP.derivative($0, strength: lambda, gamma: 3) }),
                                (scad, { SCAD.derivative($0, strength: lambda, a: 3.7) })] {
            XCTAssertEqual(r.status, .converged)
            XCTAssertEqual(r.certificateKind, .kktViolation)
            let (gj, sum) = gradients(fit, problem, r)
            XCTAssertEqual(sum, 0, accuracy: 1e-8)
            for j in 0..<problem.p {
                let b = r.coefficients[j]
                if b == 0 {
                    XCTAssertLessThanOrEqual(abs(gj[j]), lambda + 1e-8)
                } else {
                    XCTAssertEqual(gj[j], -derivative(b), accuracy: 1e-8)
                }
            }
        }
    }

    /// Integer sample weights are row repetitions.
    func testSampleWeightsAreRepetitions() throws {
        let problem = Problem(n: 30, p: 20, seed: 9)
        let counts = (0..<problem.n).map { Double($0 % 3) }
        var x: [Double] = [], y: [Double] = []
        var rows: [Int] = []
        for i in 0..<problem.n { for _ in 0..<Int(counts[i]) { rows.append(i) } }
        for j in 0..<problem.p { for i in rows { x.append(problem.x[j * problem.n + i]) } }
        for i in rows { y.append(problem.y[i]) }
        let alpha = 0.05 * problem.lambdaMax
        let options = GLMOptions(tolerance: 1e-13, maxEpochs: 100_000, fitIntercept: true)
        let weighted = try solveGLM(columnMajor: problem.x, rows: problem.n, columns: problem.p,
                                    datafit: Datafits.Quadratic(target: problem.y, sampleWeights: counts),
                                    penalty: Penalties.L1(strength: alpha), options: options)
        let repeated = try solveGLM(columnMajor: x, rows: rows.count, columns: problem.p,
                                    datafit: Datafits.Quadratic(target: y), penalty: Penalties.L1(strength: alpha),
                                    options: options)
        XCTAssertEqual(weighted.status, .converged)
        XCTAssertLessThan(SolverFixtures.maxAbsDifference(weighted.coefficients, repeated.coefficients), 1e-6)
        XCTAssertEqual(weighted.intercept, repeated.intercept, accuracy: 1e-6)
    }

    /// Unpenalized features switch the certificate to the KKT violation (their
    /// conjugate is the indicator of {0}), and the answer keeps them free.
    func testUnpenalizedFeaturesAreCertifiedByKKT() throws {
        let problem = Problem(n: 50, p: 20, seed: 10)
        var weights = [Double](repeating: 1, count: problem.p)
        weights[3] = 0
        let fit = try Datafits.Quadratic(target: problem.y)
        let r = try solveGLM(columnMajor: problem.x, rows: problem.n, columns: problem.p, datafit: fit,
                             penalty: Penalties.L1(strength: 10 * problem.lambdaMax, weights: weights),
                             options: GLMOptions(tolerance: 1e-10))
        XCTAssertEqual(r.certificateKind, .kktViolation)
        XCTAssertEqual(r.status, .converged)
        let (gj, _) = gradients(fit, problem, r)
        XCTAssertNotEqual(r.coefficients[3], 0)
        XCTAssertEqual(gj[3], 0, accuracy: 1e-10)
        XCTAssertEqual(r.coefficients.filter { $0 != 0 }.count, 1)
    }

    func testRunningOutOfEpochsIsReportedNotHidden() throws {
        let problem = Problem(n: 60, p: 200, support: 8, correlation: 0.9, seed: 11)
        let r = try solveGLM(columnMajor: problem.x, rows: problem.n, columns: problem.p,
                             datafit: Datafits.Quadratic(target: problem.y),
                             penalty: Penalties.L1(strength: 0.001 * problem.lambdaMax),
                             options: GLMOptions(tolerance: 1e-14, maxEpochs: 3))
        XCTAssertEqual(r.status, .notConverged)
        XCTAssertGreaterThan(r.certificate, 1e-14)
        XCTAssertEqual(r.epochs, 3)
        XCTAssertEqual(r.history.last?.certificate, r.certificate)
    }

    func testCancellationKeepsTheStateReached() throws {
        let problem = Problem(n: 40, p: 100, seed: 12)
        let stop = ProgressObserver(every: 1) { k, _ in k < 2 }
        let r = try solveGLM(design: DenseColumnMajor(base: problem.x, rows: problem.n, columns: problem.p,
                                                      leadingDimension: problem.n),
                             datafit: Datafits.Quadratic(target: problem.y),
                             penalty: Penalties.L1(strength: 0.01 * problem.lambdaMax),
                             options: GLMOptions(tolerance: 1e-14), progress: stop)
        XCTAssertEqual(r.status, .cancelled)
        XCTAssertTrue(r.certificate.isFinite)
    }

    func testBadInputThrowsNamingTheArgument() throws {
        let x = [1.0, 2, 3, 4], y = [1.0, -1]
        func expectInvalid(_ name: String, _ body: () throws -> Void) {
            XCTAssertThrowsError(try body()) { error in
                guard case let NonsmoothError.invalidArgument(argument, _) = error else {
                    return XCTFail("expected invalidArgument, got \(error)")
                }
                XCTAssertEqual(argument, name)
            }
        }
        expectInvalid("y") { _ = try Datafits.Logistic(labels: [1, 0]) }
        expectInvalid("y") { _ = try Datafits.Quadratic(target: [1, .nan]) }
        expectInvalid("sample_weight") { _ = try Datafits.Quadratic(target: y, sampleWeights: [1, -1]) }
        expectInvalid("sample_weight") { _ = try Datafits.Quadratic(target: y, sampleWeights: [0, 0]) }
        expectInvalid("gamma") { _ = try Penalties.MCP(strength: 1, gamma: 1) }
        expectInvalid("gamma") { _ = try Penalties.SCAD(strength: 1, a: 2) }
        expectInvalid("alpha") { _ = try Penalties.L1(strength: -1) }
        expectInvalid("weights") { _ = try Penalties.L1(strength: 1, weights: [1, .nan]) }
        expectInvalid("weights") {
            _ = try solveGLM(columnMajor: x, rows: 2, columns: 2, datafit: Datafits.Quadratic(target: y),
                             penalty: Penalties.L1(strength: 1, weights: [1, 1, 1]))
        }
        expectInvalid("y") {
            _ = try solveGLM(columnMajor: x, rows: 2, columns: 2, datafit: Datafits.Quadratic(target: [1, 2, 3]),
                             penalty: Penalties.L1(strength: 1))
        }
        expectInvalid("coef_init") {
            _ = try solveGLM(columnMajor: x, rows: 2, columns: 2, datafit: Datafits.Quadratic(target: y),
                             penalty: Penalties.L1(strength: 1), warmStart: [1])
        }
    }
}
