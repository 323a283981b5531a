import XCTest
@testable import Nonsmooth

// MARK: - Helpers

/// Column-major n×p design whose rows are Gaussian with Toeplitz covariance
/// ρ^|i−j| (an AR(1) recursion along the features), and y = Xβ* + noise with
/// `support` non-zero coefficients.
struct LassoData {
    var n: Int
    var p: Int
    var x: [Double]
    var y: [Double]

    init(n: Int, p: Int, correlation rho: Double = 0.5, support: Int = 5, noise: Double = 0.1,
         seed: UInt64 = 1, xOffset: Double = 0, yOffset: Double = 0) {
        var rng = SplitMix64(seed: seed)
        self.n = n
        self.p = p
        x = [Double](repeating: 0, count: n * p)
        let scale = (1 - rho * rho).squareRoot()
        for i in 0..<n {
            var previous = gaussian(&rng)
            x[i] = previous + xOffset
            for j in 1..<max(p, 1) where j < p {
                previous = rho * previous + scale * gaussian(&rng)
                x[j * n + i] = previous + xOffset
            }
        }
        var betaStar = [Double](repeating: 0, count: p)
        for k in 0..<min(support, p) { betaStar[(k * 7919) % p] = (k % 2 == 0 ? 1 : -1) * (1 + Double(k) / 2) }
        y = [Double](repeating: yOffset, count: n)
        for j in 0..<p where betaStar[j] != 0 {
            for i in 0..<n { y[i] += betaStar[j] * x[j * n + i] }
        }
        for i in 0..<n { y[i] += noise * gaussian(&rng) }
    }

    func solve(_ penalty: ElasticNetPenalty, _ options: CoordinateDescentOptions = .init(),
               warmStart: [Double]? = nil, progress: ProgressObserver = .silent) throws -> CoordinateDescentResult {
        try solveElasticNet(columnMajor: x, rows: n, columns: p, target: y, penalty: penalty, options: options,
                            warmStart: warmStart, progress: progress)
    }

    func lambdaMax(l1Ratio: Double = 1, weights: [Double]? = nil, fitIntercept: Bool = false,
                   positive: Bool = false) throws -> Double {
        try x.withUnsafeBufferPointer { xb in
            let d = try DenseColumnMajor(base: xb.baseAddress!, rows: n, columns: p, leadingDimension: n)
            return try y.withUnsafeBufferPointer {
                try Nonsmooth.lambdaMax(design: d, target: $0, l1Ratio: l1Ratio, weights: weights,
                                        fitIntercept: fitIntercept, positive: positive)
            }
        }
    }
}

func gaussian(_ rng: inout SplitMix64) -> Double {
    // Box–Muller.
    let u = Double.random(in: Double.ulpOfOne..<1, using: &rng), v = Double.random(in: 0..<1, using: &rng)
    return (-2 * Glibc.log(u)).squareRoot() * Glibc.cos(2 * Double.pi * v)
}

/// Objective (1/2n)‖y − Xβ − b‖² + α Σ w_j (ρ|β_j| + (1−ρ)/2 β_j²), computed directly.
func enetObjective(_ d: LassoData, _ beta: [Double], _ b: Double, _ pen: ElasticNetPenalty) -> Double {
    var loss = 0.0
    for i in 0..<d.n {
        var f = b
        for j in 0..<d.p where beta[j] != 0 { f += d.x[j * d.n + i] * beta[j] }
        loss += (d.y[i] - f) * (d.y[i] - f)
    }
    var reg = 0.0
    for j in 0..<d.p {
        let w = pen.weights?[j] ?? 1
        reg += w * (pen.l1Ratio * abs(beta[j]) + (1 - pen.l1Ratio) / 2 * beta[j] * beta[j])
    }
    return loss / (2 * Double(d.n)) + pen.alpha * reg
}

/// Largest violation of the optimality conditions, checked independently of
/// the solver: with g_j = x_jᵀr/n − α(1−ρ)w_jβ_j,
///   β_j > 0: g_j = αρw_j;  β_j < 0: g_j = −αρw_j;  β_j = 0: |g_j| ≤ αρw_j (g_j ≤ αρw_j if positive);
///   intercept: Σr = 0. Returned relative to max(αρ, max|x_jᵀy|/n).
func kktViolation(_ d: LassoData, _ res: CoordinateDescentResult, _ pen: ElasticNetPenalty,
                  fitIntercept: Bool) -> Double {
    let n = d.n, beta = res.coefficients
    var r = d.y
    for i in 0..<n {
        var f = res.intercept
        for j in 0..<d.p where beta[j] != 0 { f += d.x[j * n + i] * beta[j] }
        r[i] -= f
    }
    var scale = pen.alpha * pen.l1Ratio
    var worst = 0.0
    for j in 0..<d.p {
        var xy = 0.0
        for i in 0..<n { xy += d.x[j * n + i] * d.y[i] }
        scale = max(scale, abs(xy) / Double(n))
    }
    for j in 0..<d.p {
        let w = pen.weights?[j] ?? 1
        var xr = 0.0
        for i in 0..<n { xr += d.x[j * n + i] * r[i] }
        let g = xr / Double(n) - pen.alpha * (1 - pen.l1Ratio) * w * beta[j]
        let bound = pen.alpha * pen.l1Ratio * w
        let v: Double
        if pen.positive && beta[j] < 0 {
            v = .infinity
        } else if beta[j] > 0 {
            v = abs(g - bound)
        } else if beta[j] < 0 {
            v = abs(g + bound)
        } else if pen.positive {
            v = max(g - bound, 0)
        } else {
            v = max(abs(g) - bound, 0)
        }
        worst = max(worst, v)
    }
    if fitIntercept {
        var s = 0.0
        for i in 0..<n { s += r[i] }
        worst = max(worst, abs(s) / Double(n))
    }
    return worst / scale
}

func maxDifference(_ a: [Double], _ b: [Double]) -> Double {
    zip(a, b).map { abs($0 - $1) }.max() ?? 0
}

/// Column-major dense → CSC with 64-bit indices.
struct CSC {
    var values: [Double] = []
    var rowIndices: [Int32] = []
    var columnPointers: [Int64] = [0]

    init(dense x: [Double], rows n: Int, columns p: Int) {
        for j in 0..<p {
            for i in 0..<n where x[j * n + i] != 0 {
                values.append(x[j * n + i])
                rowIndices.append(Int32(i))
            }
            columnPointers.append(Int64(values.count))
        }
    }

    func solve(rows: Int, columns: Int, y: [Double], _ pen: ElasticNetPenalty,
               _ options: CoordinateDescentOptions) throws -> CoordinateDescentResult {
        try values.withUnsafeBufferPointer { v in
            try rowIndices.withUnsafeBufferPointer { ri in
                try columnPointers.withUnsafeBufferPointer { cp in
                    let design = try SparseCSC(values: v.baseAddress!, rowIndices: ri.baseAddress!,
                                               columnPointers: cp.baseAddress!, rows: rows, columns: columns,
                                               nonzeros: v.count)
                    return try y.withUnsafeBufferPointer {
                        try solveElasticNet(design: design, target: $0, penalty: pen, options: options)
                    }
                }
            }
        }
    }
}

// MARK: - Tests

final class CoordinateDescentTests: XCTestCase {
    func options(tol: Double = 1e-12, intercept: Bool = false, gram: Bool? = false, ws: Bool = true,
                 screening: Bool = true, extrapolation: Bool = true, maxIter: Int = 100_000) -> CoordinateDescentOptions {
        CoordinateDescentOptions(tolerance: tol, maxIterations: maxIter, fitIntercept: intercept,
                                 useWorkingSets: ws, useScreening: screening, useExtrapolation: extrapolation,
                                 useGram: gram)
    }

    func assertCertified(_ res: CoordinateDescentResult, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(res.stopReason, .converged, file: file, line: line)
        XCTAssertLessThanOrEqual(res.dualityGap, max(res.gapTolerance, 1e-300) * 1.0000001, file: file, line: line)
    }

    func testLassoSatisfiesKKTAndGap() throws {
        let d = LassoData(n: 60, p: 200, correlation: 0.6, seed: 3)
        let lmax = try d.lambdaMax()
        for ratio in [0.5, 0.1, 0.01] {
            let pen = try ElasticNetPenalty(alpha: ratio * lmax)
            let res = try d.solve(pen, options())
            assertCertified(res)
            XCTAssertLessThan(kktViolation(d, res, pen, fitIntercept: false), 1e-6, "alpha ratio \(ratio)")
            // The certificate bounds the suboptimality of any other point, e.g. a perturbed solution.
            var other = res.coefficients
            other[0] += 1e-3
            XCTAssertGreaterThanOrEqual(enetObjective(d, other, 0, pen) + 1e-15,
                                        enetObjective(d, res.coefficients, 0, pen))
        }
    }

    func testGapMatchesScikitLearnDefinitionAtLooseTolerance() throws {
        // At a loose tolerance the reported gap must still be a true upper bound
        // on suboptimality: compare with the objective at a tight solution.
        let d = LassoData(n: 40, p: 80, correlation: 0.7, seed: 11)
        let pen = try ElasticNetPenalty(alpha: 0.05 * (try d.lambdaMax()), l1Ratio: 0.7)
        let loose = try d.solve(pen, options(tol: 1e-3))
        let tight = try d.solve(pen, options(tol: 1e-14))
        let subopt = enetObjective(d, loose.coefficients, 0, pen) - enetObjective(d, tight.coefficients, 0, pen)
        XCTAssertLessThanOrEqual(subopt, loose.dualityGap + 1e-14)
        XCTAssertLessThanOrEqual(loose.dualityGap, loose.gapTolerance)
        var yy = 0.0
        for v in d.y { yy += v * v }
        XCTAssertEqual(loose.gapTolerance, 1e-3 * yy / Double(d.n), accuracy: 1e-15 * yy)
    }

    func testElasticNetWithInterceptKKT() throws {
        let d = LassoData(n: 50, p: 120, correlation: 0.5, seed: 5, xOffset: 3, yOffset: -7)
        let lmax = try d.lambdaMax(l1Ratio: 0.5, fitIntercept: true)
        let pen = try ElasticNetPenalty(alpha: 0.05 * lmax, l1Ratio: 0.5)
        let res = try d.solve(pen, options(intercept: true))
        assertCertified(res)
        XCTAssertLessThan(kktViolation(d, res, pen, fitIntercept: true), 1e-6)
        XCTAssertGreaterThan(res.coefficients.filter { $0 != 0 }.count, 0)
    }

    func testInterceptEqualsExplicitCentering() throws {
        let d = LassoData(n: 40, p: 30, seed: 8, xOffset: 100, yOffset: 50)
        let pen = try ElasticNetPenalty(alpha: 0.02)
        let res = try d.solve(pen, options(intercept: true))
        // Centre by hand and solve without intercept.
        var c = d
        var ym = 0.0
        for v in d.y { ym += v }
        ym /= Double(d.n)
        var means = [Double](repeating: 0, count: d.p)
        for j in 0..<d.p {
            for i in 0..<d.n { means[j] += d.x[j * d.n + i] }
            means[j] /= Double(d.n)
            for i in 0..<d.n { c.x[j * d.n + i] -= means[j] }
        }
        for i in 0..<d.n { c.y[i] -= ym }
        let centred = try c.solve(pen, options())
        XCTAssertLessThan(maxDifference(res.coefficients, centred.coefficients), 1e-6)
        var b = ym
        for j in 0..<d.p { b -= means[j] * centred.coefficients[j] }
        XCTAssertEqual(res.intercept, b, accuracy: 1e-6 * max(1, abs(b)))
    }

    func testDenseAndSparseAgree() throws {
        var d = LassoData(n: 60, p: 150, seed: 13)
        // Sparsify the design (keep ~30% of entries) so the CSC path is exercised.
        var rng = SplitMix64(seed: 99)
        for k in d.x.indices where Double.random(in: 0..<1, using: &rng) > 0.3 { d.x[k] = 0 }
        for k in 0..<d.n { d.x[7 * d.n + k] = 0 }  // an all-zero column
        let csc = CSC(dense: d.x, rows: d.n, columns: d.p)
        for intercept in [false, true] {
            let pen = try ElasticNetPenalty(alpha: 0.05 * (try d.lambdaMax(fitIntercept: intercept)), l1Ratio: 0.8)
            let dense = try d.solve(pen, options(intercept: intercept))
            let sparse = try csc.solve(rows: d.n, columns: d.p, y: d.y, pen, options(intercept: intercept))
            assertCertified(dense)
            assertCertified(sparse)
            XCTAssertLessThan(maxDifference(dense.coefficients, sparse.coefficients), 1e-6)
            XCTAssertEqual(dense.intercept, sparse.intercept, accuracy: 1e-6)
            XCTAssertLessThan(kktViolation(d, sparse, pen, fitIntercept: intercept), 1e-6)
        }
    }

    func testGramAndResidualVariantsAgree() throws {
        let d = LassoData(n: 300, p: 25, correlation: 0.8, seed: 17, xOffset: 2, yOffset: 1)
        var w = [Double](repeating: 0, count: 25)
        for j in 0..<25 { w[j] = j % 6 == 0 ? 0 : 1 + Double(j) / 25 }
        let weightChoices: [[Double]?] = [nil, w]
        for intercept in [false, true] {
            for weights in weightChoices {
                let pen = try ElasticNetPenalty(alpha: 0.02, l1Ratio: 0.9, weights: weights)
                let gram = try d.solve(pen, options(intercept: intercept, gram: true))
                let plain = try d.solve(pen, options(intercept: intercept, gram: false))
                let auto = try d.solve(pen, options(intercept: intercept, gram: nil))
                XCTAssertTrue(gram.usedGram)
                XCTAssertFalse(plain.usedGram)
                assertCertified(auto)
                XCTAssertLessThan(maxDifference(auto.coefficients, plain.coefficients), 1e-6)
                assertCertified(gram)
                assertCertified(plain)
                XCTAssertLessThan(maxDifference(gram.coefficients, plain.coefficients), 1e-6)
                XCTAssertEqual(gram.intercept, plain.intercept, accuracy: 1e-6)
                XCTAssertLessThan(kktViolation(d, gram, pen, fitIntercept: intercept), 1e-6)
            }
        }
    }

    /// Subproblems in Gram form — on the working set's entries (grown as the
    /// working set grows) or on the whole XᵀX — reach the residual form's
    /// solution and certificate: with an intercept and means far larger than the
    /// spread (the entries are centred explicitly), weights, positivity, the
    /// elastic net, warm starts; and sparse X (no BLAS 3) never switches.
    func testWorkingSetGramAgreesWithResidualForm() throws {
        var d = LassoData(n: 600, p: 60, correlation: 0.8, support: 8, seed: 97, xOffset: 30, yOffset: 5)
        var rng = SplitMix64(seed: 5)
        let w = (0..<d.p).map { _ in Double.random(in: 0.5...2, using: &rng) }
        let policies: [CoordinateDescentOptions.GramPurchasePolicy] = [.workingSet, .whole]
        for trial in 0..<8 {
            // (Without an intercept every x_jᵀy < 0 here, so positive trials fit one.)
            let intercept = trial % 2 == 0, positive = trial % 4 == 2
            let rho = trial % 3 == 2 ? 0.7 : 1.0, weights = trial % 4 == 3 ? w : nil
            let lmax = try d.lambdaMax(l1Ratio: rho, weights: weights, fitIntercept: intercept, positive: positive)
            let pen = try ElasticNetPenalty(alpha: lmax * [0.2, 0.02, 0.002][trial % 3], l1Ratio: rho,
                                            weights: weights, positive: positive)
            let plain = try d.solve(pen, options(intercept: intercept, gram: false))
            assertCertified(plain)
            XCTAssertFalse(plain.usedGram)
            for policy in policies {
                var o = options(intercept: intercept, gram: nil)
                o.gramPurchases = policy
                let warm = plain.coefficients.map { 0.8 * $0 + 0.01 }
                for start in [nil, warm] {
                    let res = try d.solve(pen, o, warmStart: start)
                    assertCertified(res)
                    XCTAssertTrue(res.usedGram, "trial \(trial) \(policy)")
                    XCTAssertLessThan(maxDifference(res.coefficients, plain.coefficients), 1e-6, "trial \(trial) \(policy)")
                    XCTAssertEqual(res.intercept, plain.intercept, accuracy: 1e-6)
                    XCTAssertLessThan(kktViolation(d, res, pen, fitIntercept: intercept), 1e-6)
                    assertIndependentCertificate(d, res, pen, intercept: intercept)
                }
            }
        }
        // Unpenalized features keep every subproblem on the residual (their dual
        // constraint is enforced on explicit vectors).
        var wz = w
        wz[4] = 0
        let pen = try ElasticNetPenalty(alpha: 0.01 * (try d.lambdaMax(weights: wz)), weights: wz)
        var o = options(gram: nil)
        o.gramPurchases = .workingSet
        let unpenalized = try d.solve(pen, o)
        assertCertified(unpenalized)
        XCTAssertFalse(unpenalized.usedGram)
        // Sparse storage has no fast Gram product.
        for k in d.x.indices where Double.random(in: 0..<1, using: &rng) > 0.5 { d.x[k] = 0 }
        let lasso = try ElasticNetPenalty(alpha: 0.01 * (try d.lambdaMax()))
        let sparse = try CSC(dense: d.x, rows: d.n, columns: d.p).solve(rows: d.n, columns: d.p, y: d.y, lasso, o)
        let dense = try d.solve(lasso, o)
        assertCertified(sparse)
        assertCertified(dense)
        XCTAssertFalse(sparse.usedGram)
        XCTAssertTrue(dense.usedGram)
        XCTAssertLessThan(maxDifference(sparse.coefficients, dense.coefficients), 1e-6)
    }

    /// When the tolerance lies below the rounding level of the Gram formulas
    /// (noise-free data, tol 1e-16), the Gram subproblem notices that it stopped
    /// making progress and the residual form finishes the solve.
    func testGramFormHandsBackAtItsRoundingLevel() throws {
        let d = LassoData(n: 800, p: 40, correlation: 0.5, support: 4, noise: 0, seed: 61)
        let pen = try ElasticNetPenalty(alpha: 1e-3 * (try d.lambdaMax()))
        var o = options(tol: 1e-16, gram: nil, maxIter: 20_000)
        o.gramPurchases = .whole
        let res = try d.solve(pen, o)
        let plain = try d.solve(pen, options(tol: 1e-16, gram: false, maxIter: 20_000))
        XCTAssertTrue(res.usedGram)
        XCTAssertEqual(res.stopReason, plain.stopReason)
        XCTAssertLessThanOrEqual(res.dualityGap, max(plain.dualityGap, res.gapTolerance) * 10 + 1e-300)
        XCTAssertLessThan(maxDifference(res.coefficients, plain.coefficients), 1e-9)
    }

    /// With the automatic choice, a hard solve (n ≫ p, strong correlation, tiny
    /// α, many epochs) pays for Gram entries and agrees with the residual form.
    func testAutomaticGramOnAHardProblem() throws {
        let d = LassoData(n: 4000, p: 200, correlation: 0.97, support: 40, seed: 83)
        let pen = try ElasticNetPenalty(alpha: 1e-5 * (try d.lambdaMax()))
        let auto = try d.solve(pen, options(tol: 1e-14, gram: nil))
        XCTAssertTrue(auto.usedGram)
        assertCertified(auto)
        let plain = try d.solve(pen, options(tol: 1e-14, gram: false))
        XCTAssertLessThan(maxDifference(auto.coefficients, plain.coefficients), 1e-6)
        let easy = try d.solve(try ElasticNetPenalty(alpha: 0.7 * (try d.lambdaMax())), options(tol: 1e-4, gram: nil))
        assertCertified(easy)
    }

    func testAccelerationsDoNotChangeTheAnswer() throws {
        let d = LassoData(n: 50, p: 150, correlation: 0.7, seed: 19)
        let pen = try ElasticNetPenalty(alpha: 0.03 * (try d.lambdaMax()))
        let reference = try d.solve(pen, options(ws: false, screening: false, extrapolation: false))
        assertCertified(reference)
        for ws in [false, true] {
            for screening in [false, true] {
                for extrapolation in [false, true] {
                    let res = try d.solve(pen, options(ws: ws, screening: screening, extrapolation: extrapolation))
                    assertCertified(res)
                    XCTAssertLessThan(maxDifference(res.coefficients, reference.coefficients), 1e-6,
                                      "ws \(ws) screening \(screening) extrapolation \(extrapolation)")
                }
            }
        }
    }

    func testAlphaAtLeastLambdaMaxGivesExactZeros() throws {
        let d = LassoData(n: 30, p: 40, seed: 23, xOffset: 1, yOffset: 2)
        for intercept in [false, true] {
            for positive in [false, true] {
                let lmax = try d.lambdaMax(l1Ratio: 0.5, fitIntercept: intercept, positive: positive)
                XCTAssertGreaterThan(lmax, 0)
                let at = try d.solve(try ElasticNetPenalty(alpha: lmax, l1Ratio: 0.5, positive: positive),
                                     options(intercept: intercept))
                XCTAssertEqual(at.coefficients, [Double](repeating: 0, count: d.p))
                XCTAssertEqual(at.stopReason, .converged)
                let below = try d.solve(try ElasticNetPenalty(alpha: 0.98 * lmax, l1Ratio: 0.5, positive: positive),
                                        options(intercept: intercept))
                XCTAssertGreaterThan(below.coefficients.filter { $0 != 0 }.count, 0)
                if intercept {
                    var ym = 0.0
                    for v in d.y { ym += v }
                    XCTAssertEqual(at.intercept, ym / Double(d.n), accuracy: 1e-12)
                }
            }
        }
    }

    func testLambdaMaxWithUnpenalizedFeatures() throws {
        let d = LassoData(n: 40, p: 30, correlation: 0.6, seed: 29)
        var w = [Double](repeating: 1, count: d.p)
        w[0] = 0
        w[5] = 0
        w[9] = 2
        for positive in [false, true] {
            let lmax = try d.lambdaMax(weights: w, positive: positive)
            XCTAssertGreaterThan(lmax, 0)
            let at = try d.solve(try ElasticNetPenalty(alpha: lmax * 1.000001, weights: w, positive: positive), options())
            assertCertified(at)
            for j in 0..<d.p where w[j] > 0 { XCTAssertEqual(at.coefficients[j], 0, "feature \(j)") }
            let below = try d.solve(try ElasticNetPenalty(alpha: lmax * 0.97, weights: w, positive: positive), options())
            XCTAssertGreaterThan((0..<d.p).filter { w[$0] > 0 && below.coefficients[$0] != 0 }.count, 0)
        }
    }

    func testZeroAndDuplicatedColumns() throws {
        var d = LassoData(n: 40, p: 20, seed: 31)
        for i in 0..<d.n {
            d.x[3 * d.n + i] = 0                      // zero column
            d.x[4 * d.n + i] = d.x[0 * d.n + i]       // duplicate of column 0
            d.x[5 * d.n + i] = d.x[0 * d.n + i]
            d.x[6 * d.n + i] = 2.5                    // constant column (zero after centring)
        }
        for intercept in [false, true] {
            for rho in [1.0, 0.5] {
                let pen = try ElasticNetPenalty(alpha: 0.01, l1Ratio: rho)
                let res = try d.solve(pen, options(intercept: intercept))
                assertCertified(res)
                XCTAssertEqual(res.coefficients[3], 0)
                if intercept { XCTAssertEqual(res.coefficients[6], 0) }
                XCTAssertLessThan(kktViolation(d, res, pen, fitIntercept: intercept), 1e-6)
                if rho < 1 {
                    // The ridge term splits duplicated weight equally.
                    XCTAssertEqual(res.coefficients[0], res.coefficients[4], accuracy: 1e-6)
                    XCTAssertEqual(res.coefficients[0], res.coefficients[5], accuracy: 1e-6)
                }
                // Duplicates share the total weight of the Lasso solution.
                let total = res.coefficients[0] + res.coefficients[4] + res.coefficients[5]
                XCTAssertNotEqual(total, 0)
            }
        }
    }

    func testConstantTarget() throws {
        var d = LassoData(n: 25, p: 10, seed: 37)
        d.y = [Double](repeating: 0.1, count: d.n)
        let res = try d.solve(try ElasticNetPenalty(alpha: 0.1), options(intercept: true))
        XCTAssertEqual(res.stopReason, .converged)
        XCTAssertEqual(res.coefficients, [Double](repeating: 0, count: d.p))
        XCTAssertEqual(res.intercept, 0.1, accuracy: 1e-15)
        XCTAssertEqual(try d.lambdaMax(fitIntercept: true), 0, accuracy: 1e-14)
        d.y = [Double](repeating: 0, count: d.n)
        let zero = try d.solve(try ElasticNetPenalty(alpha: 0.1), options())
        XCTAssertEqual(zero.stopReason, .converged)
        XCTAssertEqual(zero.coefficients, [Double](repeating: 0, count: d.p))
        XCTAssertEqual(zero.dualityGap, 0)
    }

    func testSingleSampleAndSingleFeature() throws {
        // n = 1: without intercept, min (y − xβ)²/2 + α|β| for a single row.
        let one = try solveElasticNet(columnMajor: [2, -1, 0.5], rows: 1, columns: 3, target: [3],
                                      penalty: try ElasticNetPenalty(alpha: 0.5), options: options())
        XCTAssertEqual(one.stopReason, .converged)
        let fitted = 2 * one.coefficients[0] - one.coefficients[1] + 0.5 * one.coefficients[2]
        // Only the column of largest |x_j| is active: x_0·r = α, so the fit is y − α/x_0.
        XCTAssertEqual(fitted, 3 - 0.5 / 2, accuracy: 1e-6)
        XCTAssertEqual(one.coefficients[1], 0)
        XCTAssertEqual(one.coefficients[2], 0)
        let oneIntercept = try solveElasticNet(columnMajor: [2, -1, 0.5], rows: 1, columns: 3, target: [3],
                                               penalty: try ElasticNetPenalty(alpha: 0.5), options: options(intercept: true))
        XCTAssertEqual(oneIntercept.coefficients, [0, 0, 0])
        XCTAssertEqual(oneIntercept.intercept, 3)

        // p = 1: closed form β = S(xᵀy/n, αρ) / (‖x‖²/n + α(1−ρ)).
        let x: [Double] = [1, 2, -1, 0.5, 3], y: [Double] = [2, 3.5, -1, 1, 7]
        let n = Double(x.count)
        let xy = zip(x, y).map(*).reduce(0, +) / n, xx = x.map { $0 * $0 }.reduce(0, +) / n
        for (alpha, rho) in [(0.3, 1.0), (1.0, 0.4), (100.0, 0.5)] {
            let res = try solveElasticNet(columnMajor: x, rows: 5, columns: 1, target: y,
                                          penalty: try ElasticNetPenalty(alpha: alpha, l1Ratio: rho), options: options())
            let expected = softThreshold(xy, alpha * rho) / (xx + alpha * (1 - rho))
            XCTAssertEqual(res.coefficients[0], expected, accuracy: 1e-10)
            XCTAssertEqual(res.stopReason, .converged)
        }
    }

    func testHugeAndTinyAlpha() throws {
        let d = LassoData(n: 30, p: 50, seed: 41)
        let huge = try d.solve(try ElasticNetPenalty(alpha: 1e250, l1Ratio: 0.5), options())
        XCTAssertEqual(huge.coefficients, [Double](repeating: 0, count: d.p))
        XCTAssertEqual(huge.stopReason, .converged)
        XCTAssertThrowsError(try d.solve(try ElasticNetPenalty(alpha: 1e307), options()))   // n·alpha overflows
        // Tiny alpha (p > n: interpolation regime); the certificate must still hold.
        let pen = try ElasticNetPenalty(alpha: 1e-4 * (try d.lambdaMax()))
        let tiny = try d.solve(pen, options(tol: 1e-8, maxIter: 200_000))
        print("tiny alpha: epochs \(tiny.epochs), outer \(tiny.gapHistory.count)")
        assertCertified(tiny)
        XCTAssertLessThan(kktViolation(d, tiny, pen, fitIntercept: false), 1e-4)
    }

    func testPositive() throws {
        let d = LassoData(n: 50, p: 100, correlation: 0.5, seed: 43)
        for intercept in [false, true] {
            for rho in [1.0, 0.6] {
                let pen = try ElasticNetPenalty(alpha: 0.03 * (try d.lambdaMax(fitIntercept: intercept)), l1Ratio: rho,
                                                positive: true)
                let res = try d.solve(pen, options(intercept: intercept))
                assertCertified(res)
                XCTAssertTrue(res.coefficients.allSatisfy { $0 >= 0 })
                XCTAssertGreaterThan(res.coefficients.filter { $0 > 0 }.count, 0)
                XCTAssertLessThan(kktViolation(d, res, pen, fitIntercept: intercept), 1e-6)
                // Negative warm starts are clipped.
                let warm = try d.solve(pen, options(intercept: intercept), warmStart: [Double](repeating: -1, count: d.p))
                XCTAssertLessThan(maxDifference(warm.coefficients, res.coefficients), 1e-6)
            }
        }
    }

    func testWeightsWithZeros() throws {
        let d = LassoData(n: 40, p: 60, correlation: 0.5, seed: 47)
        var w = (0..<d.p).map { 0.5 + Double($0 % 4) / 2 }
        w[2] = 0
        w[17] = 0
        w[18] = 0
        for intercept in [false, true] {
            for positive in [false, true] {
                for rho in [1.0, 0.7] {
                    let pen = try ElasticNetPenalty(alpha: 0.05, l1Ratio: rho, weights: w, positive: positive)
                    for gram in [false, true] {
                        let res = try d.solve(pen, options(intercept: intercept, gram: gram))
                        assertCertified(res)
                        XCTAssertLessThan(kktViolation(d, res, pen, fitIntercept: intercept), 1e-6,
                                          "intercept \(intercept) positive \(positive) rho \(rho) gram \(gram)")
                    }
                }
            }
        }
        // A single unpenalized feature that wants to be negative under positivity.
        var e = d
        for i in 0..<e.n { e.y[i] -= 3 * e.x[2 * e.n + i] }
        let pen = try ElasticNetPenalty(alpha: 0.05, weights: w, positive: true)
        let res = try e.solve(pen, options())
        assertCertified(res)
        XCTAssertEqual(res.coefficients[2], 0)
        XCTAssertLessThan(kktViolation(e, res, pen, fitIntercept: false), 1e-6)
    }

    func testAlphaZeroIsLeastSquares() throws {
        let d = LassoData(n: 40, p: 6, seed: 53)
        let res = try d.solve(try ElasticNetPenalty(alpha: 0), options())
        assertCertified(res)
        XCTAssertLessThan(kktViolation(d, res, try ElasticNetPenalty(alpha: 0), fitIntercept: false), 1e-8)
    }

    func testWarmStartFromSolutionStopsImmediately() throws {
        let d = LassoData(n: 60, p: 200, correlation: 0.6, seed: 59)
        let pen = try ElasticNetPenalty(alpha: 0.02 * (try d.lambdaMax(fitIntercept: true)), l1Ratio: 0.9)
        let cold = try d.solve(pen, options(tol: 1e-10, intercept: true))
        assertCertified(cold)
        XCTAssertGreaterThan(cold.epochs, 2)
        let warm = try d.solve(pen, options(tol: 1e-8, intercept: true), warmStart: cold.coefficients)
        assertCertified(warm)
        XCTAssertLessThanOrEqual(warm.epochs, 2)
    }

    func testCancellationReturnsCurrentIterate() throws {
        let d = LassoData(n: 60, p: 200, correlation: 0.8, seed: 61)
        let pen = try ElasticNetPenalty(alpha: 1e-4 * (try d.lambdaMax()))
        var calls = 0
        let observer = ProgressObserver(every: 1) { epoch, gap in
            calls += 1
            XCTAssertTrue(gap >= 0)
            return epoch < 20
        }
        var opts = options(tol: 1e-14)
        opts.progressEvery = 5
        let res = try d.solve(pen, opts, progress: observer)
        XCTAssertEqual(res.stopReason, .cancelled)
        XCTAssertEqual(res.epochs, 20)
        XCTAssertEqual(calls, 4)
        XCTAssertEqual(res.coefficients.count, d.p)
        XCTAssertTrue(res.dualityGap.isFinite)
        // Budget exhaustion is reported too, with the gap of the returned iterate.
        let short = try d.solve(pen, options(tol: 1e-14, maxIter: 7))
        XCTAssertEqual(short.stopReason, .maxIterations)
        XCTAssertEqual(short.epochs, 7)
        XCTAssertGreaterThan(short.dualityGap, 0)
        let none = try d.solve(pen, options(tol: 1e-14, maxIter: 0))
        XCTAssertEqual(none.epochs, 0)
        XCTAssertEqual(none.coefficients, [Double](repeating: 0, count: d.p))
    }

    /// The certificate must bound the suboptimality of whatever iterate is
    /// returned, in every configuration, including after a handful of epochs.
    func testGapBoundsSuboptimalityEverywhere() throws {
        var rng = SplitMix64(seed: 71)
        for trial in 0..<24 {
            let n = [1, 5, 30, 60][trial % 4], p = [1, 8, 40, 90][(trial / 4) % 4]
            let d = LassoData(n: n, p: p, correlation: 0.7, seed: UInt64(100 + trial),
                              xOffset: trial % 3 == 0 ? 2 : 0, yOffset: 1)
            let intercept = trial % 2 == 0
            let positive = trial % 5 == 1
            let rho = [1.0, 0.5, 0.9][trial % 3]
            var w: [Double]? = nil
            if trial % 4 == 3 {
                w = (0..<p).map { _ in Double.random(in: 0...2, using: &rng) }
                w![0] = 0
            }
            let lmax = try d.lambdaMax(l1Ratio: rho, weights: w, fitIntercept: intercept, positive: positive)
            let pen = try ElasticNetPenalty(alpha: max(lmax, 1e-3) * Double.random(in: 0.01...0.5, using: &rng),
                                            l1Ratio: rho, weights: w, positive: positive)
            let exact = try d.solve(pen, options(tol: 1e-13, intercept: intercept))
            let best = enetObjective(d, exact.coefficients, exact.intercept, pen)
            for budget in [0, 1, 3, 12] {
                for gram in [false, true] {
                    let res = try d.solve(pen, options(tol: 1e-13, intercept: intercept, gram: gram, maxIter: budget))
                    let subopt = enetObjective(d, res.coefficients, res.intercept, pen) - best
                    XCTAssertLessThanOrEqual(subopt, res.dualityGap + 1e-12 * max(1, best),
                                             "trial \(trial) budget \(budget) gram \(gram)")
                    XCTAssertGreaterThanOrEqual(res.dualityGap, 0)
                    if positive { XCTAssertTrue(res.coefficients.allSatisfy { $0 >= 0 }) }
                }
            }
        }
    }

    /// The returned dual point certifies the returned gap on its own: it is
    /// feasible for every feature (screened ones included) and P(β) − D(θ)
    /// equals `dualityGap`, computed here from the documented formulas only.
    func testDualPointIsAnIndependentCertificate() throws {
        var rng = SplitMix64(seed: 89)
        for trial in 0..<16 {
            let d = LassoData(n: 40, p: 120, correlation: 0.6, seed: UInt64(300 + trial), xOffset: 1, yOffset: 2)
            let intercept = trial % 2 == 0, positive = trial % 4 == 1, rho = [1.0, 0.6][trial % 2 == 0 ? 0 : 1]
            var w: [Double]? = nil
            if trial % 3 == 2 {
                w = (0..<d.p).map { _ in Double.random(in: 0.5...2, using: &rng) }
                w![3] = 0
            }
            let lmax = try d.lambdaMax(l1Ratio: rho, weights: w, fitIntercept: intercept, positive: positive)
            let pen = try ElasticNetPenalty(alpha: lmax * [0.5, 0.1, 0.02][trial % 3], l1Ratio: rho, weights: w,
                                            positive: positive)
            for tol in [1e-2, 1e-10] {
                let res = try d.solve(pen, options(tol: tol, intercept: intercept))
                assertIndependentCertificate(d, res, pen, intercept: intercept, context: "trial \(trial)")
                XCTAssertLessThanOrEqual(res.dualityGap, res.gapTolerance)
            }
        }
    }

    /// Checks the dual point of `res` against the documented formulas only: it is
    /// feasible for every feature and P(β) − D(θ) equals `dualityGap`.
    func assertIndependentCertificate(_ d: LassoData, _ res: CoordinateDescentResult, _ pen: ElasticNetPenalty,
                                      intercept: Bool, context: String = "",
                                      file: StaticString = #filePath, line: UInt = #line) {
        let positive = pen.positive
        let n = Double(d.n), theta = res.dualPoint, s = res.dualScale
        XCTAssertEqual(theta.count, d.n, file: file, line: line)
        guard theta.count == d.n else { return }
        var ym = 0.0
        for v in d.y { ym += v }
        ym = intercept ? ym / n : 0
        if intercept {
            XCTAssertEqual(theta.reduce(0, +), 0, accuracy: 1e-9 * (1 + theta.map(abs).reduce(0, +)), file: file, line: line)
        }
        var aug = 0.0
        for j in 0..<d.p {
            let wj = pen.weights?[j] ?? 1
            var mean = 0.0
            if intercept { for i in 0..<d.n { mean += d.x[j * d.n + i] }; mean /= n }
            var c = 0.0
            for i in 0..<d.n { c += (d.x[j * d.n + i] - mean) * theta[i] }
            let l1 = n * pen.alpha * pen.l1Ratio * wj, l2 = n * pen.alpha * (1 - pen.l1Ratio) * wj
            let a = c - s * l2 * res.coefficients[j]
            aug += l2 * res.coefficients[j] * res.coefficients[j]
            let slack = 1e-8 * (1 + l1)
            if wj > 0 {
                XCTAssertLessThanOrEqual(positive ? a : abs(a), l1 + slack, "\(context) feature \(j)", file: file, line: line)
            } else if positive && res.coefficients[j] == 0 {
                XCTAssertLessThanOrEqual(c, slack, file: file, line: line)
            } else {
                XCTAssertEqual(c, 0, accuracy: slack, file: file, line: line)
            }
        }
        var yTheta = 0.0, thetaSquare = 0.0
        for i in 0..<d.n {
            yTheta += (d.y[i] - ym) * theta[i]
            thetaSquare += theta[i] * theta[i]
        }
        let dual = (yTheta - 0.5 * thetaSquare - 0.5 * s * s * aug) / n
        let primal = enetObjective(d, res.coefficients, res.intercept, pen)
        XCTAssertEqual(primal - dual, res.dualityGap, accuracy: 1e-9 * max(1, primal), context, file: file, line: line)
    }

    func testSelectionMatchesSorting() {
        var rng = SplitMix64(seed: 73)
        for trial in 0..<300 {
            let count = 1 + trial % 40
            var values = (0..<count).map { _ -> Double in
                switch Int.random(in: 0..<6, using: &rng) {
                case 0: return -.infinity
                case 1: return .infinity
                case 2: return 1
                default: return Double(Int.random(in: -5...5, using: &rng))
                }
            }
            let sorted = values.sorted()
            let k = Int.random(in: 0..<count, using: &rng)
            XCTAssertEqual(kthSmallest(&values, k), sorted[k])
            XCTAssertEqual(values.sorted(), sorted)
        }
    }

    /// A design that only implements the six basic requirements, so every
    /// block operation (Xᵀv, the Gram matrix, centred norms) goes through the
    /// protocol's default implementations.
    struct MinimalDesign: DesignMatrix {
        let x: UnsafePointer<Double>
        let rows: Int
        let columns: Int
        func columnDot(_ j: Int, _ r: UnsafePointer<Double>) -> Double {
            var s = 0.0
            for i in 0..<rows { s += x[j * rows + i] * r[i] }
            return s
        }
        func columnAxpy(_ j: Int, _ a: Double, _ r: UnsafeMutablePointer<Double>) {
            for i in 0..<rows { r[i] += a * x[j * rows + i] }
        }
        func columnSquaredNorm(_ j: Int) -> Double {
            var s = 0.0
            for i in 0..<rows { s += x[j * rows + i] * x[j * rows + i] }
            return s
        }
        func columnSum(_ j: Int) -> Double {
            var s = 0.0
            for i in 0..<rows { s += x[j * rows + i] }
            return s
        }
    }

    func testCustomDesignUsesDefaultImplementations() throws {
        let d = LassoData(n: 80, p: 12, correlation: 0.5, seed: 79, xOffset: 1)
        var w = [Double](repeating: 1, count: d.p)
        w[4] = 0
        let pen = try ElasticNetPenalty(alpha: 0.03, l1Ratio: 0.8, weights: w)
        for intercept in [false, true] {
            let reference = try d.solve(pen, options(intercept: intercept))
            for gram in [false, true] {
                let res = try d.x.withUnsafeBufferPointer { xb in
                    try d.y.withUnsafeBufferPointer { yb in
                        try solveElasticNet(design: MinimalDesign(x: xb.baseAddress!, rows: d.n, columns: d.p), target: yb,
                                            penalty: pen, options: options(intercept: intercept, gram: gram))
                    }
                }
                assertCertified(res)
                XCTAssertEqual(res.usedGram, gram)
                XCTAssertLessThan(maxDifference(res.coefficients, reference.coefficients), 1e-7)
                XCTAssertEqual(res.intercept, reference.intercept, accuracy: 1e-7)
            }
            let lmax = try d.x.withUnsafeBufferPointer { xb in
                try d.y.withUnsafeBufferPointer { yb in
                    try lambdaMax(design: MinimalDesign(x: xb.baseAddress!, rows: d.n, columns: d.p), target: yb,
                                  l1Ratio: 0.8, weights: w, fitIntercept: intercept)
                }
            }
            XCTAssertEqual(lmax, try d.lambdaMax(l1Ratio: 0.8, weights: w, fitIntercept: intercept), accuracy: 1e-12)
        }
    }

    func testInvalidInput() throws {
        let d = LassoData(n: 10, p: 5, seed: 67)
        XCTAssertThrowsError(try ElasticNetPenalty(alpha: .nan))
        XCTAssertThrowsError(try ElasticNetPenalty(alpha: -1))
        XCTAssertThrowsError(try ElasticNetPenalty(alpha: 1, l1Ratio: 0))
        XCTAssertThrowsError(try ElasticNetPenalty(alpha: 1, l1Ratio: 1.5))
        XCTAssertThrowsError(try ElasticNetPenalty(alpha: 1, weights: [1, -1]))
        let pen = try ElasticNetPenalty(alpha: 0.1)
        XCTAssertThrowsError(try solveElasticNet(columnMajor: d.x, rows: d.n, columns: d.p, target: [1, 2], penalty: pen))
        XCTAssertThrowsError(try d.solve(try ElasticNetPenalty(alpha: 0.1, weights: [1, 1]), options()))
        XCTAssertThrowsError(try d.solve(pen, options(), warmStart: [1]))
        XCTAssertThrowsError(try d.solve(pen, options(), warmStart: [1, 2, .nan, 4, 5]))
        XCTAssertThrowsError(try d.solve(pen, options(tol: -1)))
        XCTAssertThrowsError(try d.solve(pen, options(maxIter: -1)))
        var bad = d
        bad.y[3] = .infinity
        XCTAssertThrowsError(try bad.solve(pen, options()))
        bad = d
        bad.x[7] = .nan
        XCTAssertThrowsError(try bad.solve(pen, options()))
        var penalty = pen
        penalty.alpha = .nan   // mutated after validation: re-checked by the solver
        XCTAssertThrowsError(try d.solve(penalty, options()))
        XCTAssertThrowsError(try solveElasticNet(columnMajor: [], rows: 0, columns: 0, target: [], penalty: pen))

        // Sparse: malformed structure never crashes.
        let values: [Double] = [1, 2, 3]
        func csc(_ rows: [Int32], _ pointers: [Int64], n: Int = 3) throws {
            _ = try values.withUnsafeBufferPointer { v in
                try rows.withUnsafeBufferPointer { r in
                    try pointers.withUnsafeBufferPointer { c in
                        try SparseCSC(values: v.baseAddress!, rowIndices: r.baseAddress!, columnPointers: c.baseAddress!,
                                      rows: n, columns: pointers.count - 1, nonzeros: 3)
                    }
                }
            }
        }
        XCTAssertNoThrow(try csc([0, 2, 1], [0, 2, 3]))
        XCTAssertThrowsError(try csc([0, 3, 1], [0, 2, 3]))      // row out of range
        XCTAssertThrowsError(try csc([0, -1, 1], [0, 2, 3]))     // negative row
        XCTAssertThrowsError(try csc([0, 2, 1], [0, 3, 2]))      // decreasing pointers
        XCTAssertThrowsError(try csc([0, 2, 1], [0, 2, 4]))      // beyond the stored values
        XCTAssertThrowsError(try csc([0, 2, 1], [-1, 2, 3]))     // negative start
        XCTAssertThrowsError(try csc([1, 1, 0], [0, 2, 3]))      // duplicate row in a column
        XCTAssertThrowsError(try csc([2, 0, 1], [0, 2, 3]))      // unsorted rows in a column
        XCTAssertNoThrow(try csc([2, 0, 1], [0, 1, 2, 3]))       // one entry per column
        XCTAssertThrowsError(try DenseColumnMajor(base: d.x.withUnsafeBufferPointer { $0.baseAddress! },
                                                  rows: 10, columns: 5, leadingDimension: 9))
    }
}
