import XCTest
@testable import Nonsmooth

/// Hypergradients of a held-out criterion against central finite differences of
/// the criterion itself, with inner problems solved to the exactness the
/// coordinate descent certifies.
final class BilevelHypergradientTests: XCTestCase {
    /// Training and validation data: Gaussian rows with Toeplitz covariance ρ^|i−j|.
    struct Problem {
        var n: Int, p: Int, nv: Int
        var x: [Double], y: [Double], xv: [Double], yv: [Double]

        init(n: Int, p: Int, nv: Int = 30, correlation rho: Double, seed: UInt64) {
            var rng = SplitMix64(seed: seed)
            func normal() -> Double {
                let u = Double.random(in: Double.ulpOfOne..<1, using: &rng), v = Double.random(in: 0..<1, using: &rng)
                return (-2 * Glibc.log(u)).squareRoot() * Glibc.cos(2 * Double.pi * v)
            }
            func design(_ rows: Int) -> [Double] {
                var x = [Double](repeating: 0, count: rows * p)
                let scale = (1 - rho * rho).squareRoot()
                for i in 0..<rows {
                    var previous = normal()
                    x[i] = previous
                    for j in 1..<p {
                        previous = rho * previous + scale * normal()
                        x[j * rows + i] = previous
                    }
                }
                return x
            }
            self.n = n; self.p = p; self.nv = nv
            x = design(n)
            xv = design(nv)
            var truth = [Double](repeating: 0, count: p)
            for k in 0..<min(6, p) { truth[(k * 37) % p] = (k % 2 == 0 ? 1.5 : -1) }
            func response(_ m: [Double], _ rows: Int) -> [Double] {
                (0..<rows).map { i in (0..<p).reduce(0) { $0 + m[$1 * rows + i] * truth[$1] } + 0.5 * normal() }
            }
            y = response(x, n)
            yv = response(xv, nv)
        }

        /// β̂ for per-feature λ1 and scalar λ2 (scikit-learn form: α = 1 or λ1+λ2).
        func solve(l1: [Double], l2: Double) throws -> [Double] {
            let options = CoordinateDescentOptions(tolerance: 1e-15, maxIterations: 100_000)
            let penalty: ElasticNetPenalty
            if l2 == 0 {
                penalty = try ElasticNetPenalty(alpha: 1, l1Ratio: 1, weights: l1)
            } else {
                // Only uniform λ1 with λ2 > 0 is needed here.
                let a = l1[0] + l2
                penalty = try ElasticNetPenalty(alpha: a, l1Ratio: l1[0] / a)
            }
            return try solveElasticNet(columnMajor: x, rows: n, columns: p, target: y, penalty: penalty,
                                       options: options).coefficients
        }

        /// C(β) = ‖y_v − X_v β‖² / (2 n_v) and its gradient.
        func criterion(_ beta: [Double]) -> (Double, [Double]) {
            var residual = yv
            for j in 0..<min(p, beta.count) where beta[j] != 0 && beta[j].isFinite { for i in 0..<nv { residual[i] -= xv[j * nv + i] * beta[j] } }
            let value = residual.reduce(0) { $0 + $1 * $1 } / (2 * Double(nv))
            let grad = (0..<p).map { j in -(0..<nv).reduce(0) { $0 + xv[j * nv + $1] * residual[$1] } / Double(nv) }
            return (value, grad)
        }

        var alphaMax: Double {
            (0..<p).map { j in abs((0..<n).reduce(0) { $0 + x[j * n + $1] * y[$1] }) / Double(n) }.max() ?? 0
        }

        func hypergradient(l1: [Double], l2: Double, model: HyperparameterModel, method: HypergradientMethod,
                           beta: [Double]? = nil, means: [Double]? = nil) throws -> HypergradientResult {
            let b = try beta ?? solve(l1: l1, l2: l2)
            let (_, g) = criterion(b)
            var options = HypergradientOptions(method: method, tolerance: 1e-13, maxIterations: 200_000)
            options.choleskyMaxSize = 1000
            return try Nonsmooth.hypergradient(
                columnMajor: x, rows: n, columns: p, target: y, columnMeans: means, coefficients: b,
                criterionGradient: g, penalty: try InnerPenalty(l1: l1, l2: l2, model: model), options: options)
        }
    }

    func relativeError(_ a: Double, _ b: Double) -> Double { abs(a - b) / max(abs(b), 1e-12) }

    func testLassoEveryMethodMatchesFiniteDifferences() throws {
        let designs = [Problem(n: 40, p: 60, correlation: 0, seed: 1),     // p > n
                       Problem(n: 40, p: 60, correlation: 0.9, seed: 2),   // p > n, correlated
                       Problem(n: 80, p: 25, correlation: 0.5, seed: 3)]
        for data in designs {
            for fraction in [0.3, 0.05] {
                let alpha = data.alphaMax * fraction
                let l1 = [Double](repeating: alpha, count: data.p)
                let h = 1e-5
                let up = data.criterion(try data.solve(l1: l1.map { $0 * Glibc.exp(h) }, l2: 0)).0
                let down = data.criterion(try data.solve(l1: l1.map { $0 * Glibc.exp(-h) }, l2: 0)).0
                let fd = (up - down) / (2 * h)
                for method in HypergradientMethod.allCases {
                    let result = try data.hypergradient(l1: l1, l2: 0, model: .lasso, method: method)
                    XCTAssertEqual(result.gradient.count, 1)
                    XCTAssertLessThan(relativeError(result.gradient[0], fd), 1e-4,
                                      "\(method) ρ-design p=\(data.p) α/αmax=\(fraction): \(result.gradient[0]) vs \(fd)")
                    XCTAssertTrue(result.diagnostics.converged)
                    XCTAssertEqual(result.diagnostics.fallback, .none)
                    XCTAssertTrue(result.diagnostics.invertibleOnSupport)
                    XCTAssertGreaterThan(result.diagnostics.supportSize, 0)
                    XCTAssertLessThan(result.diagnostics.kktViolation, 1e-6)
                }
            }
        }
    }

    func testElasticNetBothHyperparametersMatchFiniteDifferences() throws {
        let data = Problem(n: 40, p: 60, correlation: 0.7, seed: 4)
        let l1 = data.alphaMax * 0.1, l2 = data.alphaMax * 0.05
        let h = 1e-5
        func value(_ t1: Double, _ t2: Double) throws -> Double {
            data.criterion(try data.solve(l1: [Double](repeating: l1 * Glibc.exp(t1), count: data.p),
                                          l2: l2 * Glibc.exp(t2))).0
        }
        let fd1 = (try value(h, 0) - value(-h, 0)) / (2 * h)
        let fd2 = (try value(0, h) - value(0, -h)) / (2 * h)
        for method in HypergradientMethod.allCases {
            let r = try data.hypergradient(l1: [Double](repeating: l1, count: data.p), l2: l2, model: .elasticNet,
                                           method: method)
            XCTAssertLessThan(relativeError(r.gradient[0], fd1), 1e-4, "\(method) θ1: \(r.gradient[0]) vs \(fd1)")
            XCTAssertLessThan(relativeError(r.gradient[1], fd2), 1e-4, "\(method) θ2: \(r.gradient[1]) vs \(fd2)")
        }
    }

    func testWeightedLassoPerFeatureHypergradients() throws {
        let data = Problem(n: 50, p: 30, correlation: 0.5, seed: 5)
        var rng = SplitMix64(seed: 9)
        let l1 = (0..<data.p).map { _ in data.alphaMax * Double.random(in: 0.02...0.2, using: &rng) }
        let beta = try data.solve(l1: l1, l2: 0)
        let support = (0..<data.p).filter { beta[$0] != 0 }
        XCTAssertGreaterThan(support.count, 2)
        let results = try HypergradientMethod.allCases.map {
            try data.hypergradient(l1: l1, l2: 0, model: .weightedLasso, method: $0, beta: beta)
        }
        let h = 1e-5
        let zero = (0..<data.p).first { beta[$0] == 0 }
        for j in Array(support.prefix(4)) + (zero.map { [$0] } ?? []) {
            var up = l1, down = l1
            up[j] *= Glibc.exp(h)
            down[j] *= Glibc.exp(-h)
            let fd = (data.criterion(try data.solve(l1: up, l2: 0)).0
                      - data.criterion(try data.solve(l1: down, l2: 0)).0) / (2 * h)
            for (m, r) in zip(HypergradientMethod.allCases, results) {
                XCTAssertEqual(r.gradient.count, data.p)
                if beta[j] == 0 {
                    XCTAssertEqual(r.gradient[j], 0, accuracy: 1e-12)
                    XCTAssertEqual(fd, 0, accuracy: 1e-9)
                } else {
                    XCTAssertLessThan(relativeError(r.gradient[j], fd), 1e-4, "\(m) θ_\(j): \(r.gradient[j]) vs \(fd)")
                }
            }
        }
    }

    func testImplicitForwardWarmStartConvergesFaster() throws {
        let data = Problem(n: 40, p: 60, correlation: 0.8, seed: 6)
        let l1 = [Double](repeating: data.alphaMax * 0.05, count: data.p)
        let beta = try data.solve(l1: l1, l2: 0)
        let (_, g) = data.criterion(beta)
        let penalty = try InnerPenalty(l1: l1, model: .lasso)
        let options = HypergradientOptions(method: .implicitForward, tolerance: 1e-12)
        let cold = try hypergradient(columnMajor: data.x, rows: data.n, columns: data.p, target: data.y,
                                     coefficients: beta, criterionGradient: g, penalty: penalty, options: options)
        let warm = try hypergradient(columnMajor: data.x, rows: data.n, columns: data.p, target: data.y,
                                     coefficients: beta, criterionGradient: g, penalty: penalty, options: options,
                                     warmJacobian: cold.jacobian)
        XCTAssertLessThan(warm.diagnostics.iterations, cold.diagnostics.iterations)
        XCTAssertLessThan(relativeError(warm.gradient[0], cold.gradient[0]), 1e-10)
    }

    func testDuplicatedColumnDiagnosisAndFallbacks() throws {
        var data = Problem(n: 40, p: 20, correlation: 0.3, seed: 7)
        let l1 = [Double](repeating: data.alphaMax * 0.1, count: data.p + 1)
        // Append a copy of the first support feature, in training and validation data.
        let beta0 = try data.solve(l1: Array(l1.prefix(data.p)), l2: 0)
        guard let j0 = (0..<data.p).first(where: { beta0[$0] != 0 }) else { return XCTFail("empty support") }
        let reference = try data.hypergradient(l1: Array(l1.prefix(data.p)), l2: 0, model: .lasso,
                                               method: .implicit, beta: beta0)
        data.x += Array(data.x[(j0 * data.n)..<((j0 + 1) * data.n)])
        data.xv += Array(data.xv[(j0 * data.nv)..<((j0 + 1) * data.nv)])
        data.p += 1
        // (a) the copy has β = 0 but sits at its threshold: E ⊋ S and X_E is rank deficient.
        let padded = beta0 + [0]
        for method in HypergradientMethod.allCases where method != .forward && method != .reverse {
            let r = try data.hypergradient(l1: l1, l2: 0, model: .lasso, method: method, beta: padded)
            XCTAssertEqual(r.diagnostics.equicorrelationSize, r.diagnostics.supportSize + 1)
            XCTAssertEqual(r.diagnostics.invertibleOnEquicorrelation, false)
            XCTAssertTrue(r.diagnostics.invertibleOnSupport)
            XCTAssertEqual(r.diagnostics.fallback, .strictSupport)
            XCTAssertLessThan(relativeError(r.gradient[0], reference.gradient[0]), 1e-8)
        }
        // (b) the weight split between the two copies (still a Lasso solution): X_S is rank deficient.
        var split = padded
        split[j0] = beta0[j0] / 2
        split[data.p - 1] = beta0[j0] / 2
        for method in [HypergradientMethod.implicit, .implicitForward] {
            let r = try data.hypergradient(l1: l1, l2: 0, model: .lasso, method: method, beta: split)
            XCTAssertFalse(r.diagnostics.invertibleOnSupport)
            XCTAssertEqual(r.diagnostics.fallback, .ridge)
            XCTAssertGreaterThan(r.diagnostics.ridge, 0)
            XCTAssertTrue(r.gradient[0].isFinite)
            XCTAssertTrue(r.diagnostics.converged)
            // The ridge solution tends to the pseudo-inverse one, which here equals the
            // hypergradient without the copy.
            XCTAssertLessThan(relativeError(r.gradient[0], reference.gradient[0]), 1e-3,
                              "\(method): \(r.gradient[0]) vs \(reference.gradient[0])")
        }
    }

    func testColumnMeansEqualExplicitCentring() throws {
        var data = Problem(n: 40, p: 30, correlation: 0.4, seed: 8)
        for k in data.x.indices { data.x[k] += 3 }  // far from centred
        let means = (0..<data.p).map { j in (0..<data.n).reduce(0) { $0 + data.x[j * data.n + $1] } / Double(data.n) }
        var centred = data
        for j in 0..<data.p { for i in 0..<data.n { centred.x[j * data.n + i] -= means[j] } }
        let ybar = data.y.reduce(0, +) / Double(data.n)
        centred.y = data.y.map { $0 - ybar }
        let l1 = [Double](repeating: centred.alphaMax * 0.1, count: data.p)
        let beta = try centred.solve(l1: l1, l2: 0)
        for method in HypergradientMethod.allCases {
            let a = try centred.hypergradient(l1: l1, l2: 0, model: .lasso, method: method, beta: beta)
            let b = try data.hypergradient(l1: l1, l2: 0, model: .lasso, method: method, beta: beta, means: means)
            XCTAssertLessThan(relativeError(b.gradient[0], a.gradient[0]), 1e-8, "\(method)")
            XCTAssertEqual(a.diagnostics.supportSize, b.diagnostics.supportSize)
            XCTAssertEqual(a.diagnostics.equicorrelationSize, b.diagnostics.equicorrelationSize)
        }
    }

    func testSparseDesignAndConjugateGradientAgreeWithDenseCholesky() throws {
        let data = Problem(n: 50, p: 40, correlation: 0.3, seed: 10)
        let l1 = [Double](repeating: data.alphaMax * 0.02, count: data.p)
        let beta = try data.solve(l1: l1, l2: 0)
        let (_, g) = data.criterion(beta)
        let dense = try data.hypergradient(l1: l1, l2: 0, model: .lasso, method: .implicit, beta: beta)
        // The same matrix in CSC (every entry stored), solved by CG (choleskyMaxSize = 0).
        var values: [Double] = [], rows: [Int32] = [], pointers: [Int64] = [0]
        for j in 0..<data.p {
            for i in 0..<data.n {
                values.append(data.x[j * data.n + i])
                rows.append(Int32(i))
            }
            pointers.append(Int64(values.count))
        }
        let options = HypergradientOptions(method: .implicit, tolerance: 1e-13, choleskyMaxSize: 0)
        let sparse = try values.withUnsafeBufferPointer { v in
            try rows.withUnsafeBufferPointer { r in
                try pointers.withUnsafeBufferPointer { c in
                    let design = try SparseCSC(values: v.baseAddress!, rowIndices: r.baseAddress!,
                                               columnPointers: c.baseAddress!, rows: data.n, columns: data.p)
                    return try data.y.withUnsafeBufferPointer { y in
                        try hypergradient(design: design, target: y, coefficients: beta, criterionGradient: g,
                                          penalty: try InnerPenalty(l1: l1, model: .lasso), options: options)
                    }
                }
            }
        }
        XCTAssertEqual(sparse.diagnostics.solver, .conjugateGradient)
        XCTAssertEqual(dense.diagnostics.solver, .cholesky)
        XCTAssertLessThan(relativeError(sparse.gradient[0], dense.gradient[0]), 1e-9)
        XCTAssertGreaterThan(sparse.diagnostics.rcondSupport, 0)
        XCTAssertLessThan(abs(Glibc.log(sparse.diagnostics.rcondSupport / dense.diagnostics.rcondSupport)), Glibc.log(100.0))
    }

    func testEmptySupportGivesAnExactZeroWithDiagnostics() throws {
        let data = Problem(n: 30, p: 10, correlation: 0, seed: 11)
        let l1 = [Double](repeating: data.alphaMax * 1.5, count: data.p)
        for method in HypergradientMethod.allCases {
            let r = try data.hypergradient(l1: l1, l2: 0, model: .lasso, method: method)
            XCTAssertEqual(r.gradient, [0])
            XCTAssertEqual(r.diagnostics.supportSize, 0)
        }
    }

    func testInvalidInputsThrowNamingTheArgument() throws {
        let data = Problem(n: 20, p: 8, correlation: 0, seed: 12)
        let l1 = [Double](repeating: 0.1, count: data.p)
        func name(_ body: () throws -> Void) -> String? {
            do { try body() } catch let NonsmoothError.invalidArgument(name, _) { return name } catch { return "other" }
            return nil
        }
        XCTAssertEqual(name { _ = try data.hypergradient(l1: l1, l2: 0, model: .lasso, method: .implicit,
                                                         beta: [Double](repeating: 0, count: 3)) }, "beta")
        XCTAssertEqual(name { _ = try data.hypergradient(l1: l1, l2: 0, model: .lasso, method: .implicit,
                                                         beta: [.nan] + [Double](repeating: 0, count: 7)) }, "beta")
        XCTAssertEqual(name { _ = try InnerPenalty(l1: [-1], model: .lasso) }, "l1")
        XCTAssertEqual(name { _ = try InnerPenalty(l1: [1], l2: 0, model: .elasticNet) }, "l2")
        XCTAssertEqual(name { _ = try data.hypergradient(l1: [0.1], l2: 0, model: .lasso, method: .implicit,
                                                         beta: [Double](repeating: 0, count: 8)) }, "l1")
        XCTAssertEqual(name { _ = try data.hypergradient(l1: l1, l2: 0, model: .lasso, method: .implicit,
                                                         means: [1]) }, "means")
        // A non-finite entry of X is caught through the correlations, for every method.
        var broken = data
        broken.x[3] = .nan
        for method in HypergradientMethod.allCases {
            XCTAssertEqual(name { _ = try broken.hypergradient(l1: l1, l2: 0, model: .lasso, method: method,
                                                               beta: [Double](repeating: 0, count: 8)) }, "X")
        }
        var options = HypergradientOptions()
        options.choleskyMaxSize = 100_000
        XCTAssertEqual(name { try options.validate() }, "cholesky_max")
    }
}
