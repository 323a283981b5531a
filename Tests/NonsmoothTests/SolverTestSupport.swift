import XCTest
@testable import Nonsmooth

/// Fixtures shared by the generic-solver tests (proximal gradient, subgradient,
/// ADMM), kept in one namespace so they cannot clash with other test files.
enum SolverFixtures {
    static func normal(_ rng: inout SplitMix64) -> Double {
        let u = Double.random(in: Double.ulpOfOne..<1, using: &rng), v = Double.random(in: 0..<1, using: &rng)
        return (-2 * Glibc.log(u)).squareRoot() * Glibc.cos(2 * Double.pi * v)
    }

    /// A column-major n×p Gaussian design, a sparse β* and y = Xβ* + 0.1·noise.
    struct Regression {
        var n: Int
        var p: Int
        var x: [Double]
        var y: [Double]

        /// Rows are AR(1) along the features with correlation `correlation`
        /// (Toeplitz covariance ρ^|i−j|): ρ near 1 makes the problem ill-conditioned.
        init(n: Int, p: Int, support: Int = 4, correlation rho: Double = 0, seed: UInt64) {
            var rng = SplitMix64(seed: seed)
            self.n = n
            self.p = p
            var design = (0..<(n * p)).map { _ in SolverFixtures.normal(&rng) }
            let scale = (1 - rho * rho).squareRoot()
            for j in 1..<max(p, 1) {
                for i in 0..<n { design[j * n + i] = rho * design[(j - 1) * n + i] + scale * design[j * n + i] }
            }
            var beta = [Double](repeating: 0, count: p)
            for k in 0..<min(support, p) { beta[(k * 7) % p] = k % 2 == 0 ? 1.5 : -1 }
            var target = [Double](repeating: 0, count: n)
            for i in 0..<n {
                var s = 0.1 * SolverFixtures.normal(&rng)
                for j in 0..<p where beta[j] != 0 { s += design[j * n + i] * beta[j] }
                target[i] = s
            }
            x = design
            y = target
        }

        /// max_j |x_jᵀy|/n.
        var lambdaMax: Double {
            var best = 0.0
            for j in 0..<p {
                var s = 0.0
                for i in 0..<n { s += x[j * n + i] * y[i] }
                best = max(best, abs(s) / Double(n))
            }
            return best
        }

        func leastSquares(lipschitz: Double? = nil) throws -> LeastSquaresLoss {
            try LeastSquaresLoss(columnMajor: x, rows: n, columns: p, target: y, lipschitz: lipschitz)
        }

        /// Coordinate descent to a tiny gap: the reference minimizer.
        func coordinateDescent(_ penalty: ElasticNetPenalty, fitIntercept: Bool = false) throws
            -> CoordinateDescentResult {
            var o = CoordinateDescentOptions(tolerance: 1e-15, maxIterations: 200_000, fitIntercept: fitIntercept)
            o.useGram = false
            return try solveElasticNet(columnMajor: x, rows: n, columns: p, target: y, penalty: penalty, options: o)
        }

        /// (1/2n)‖y − Xβ‖² + α‖β‖₁.
        func lassoObjective(_ beta: [Double], alpha: Double) -> Double {
            var s = 0.0
            for i in 0..<n {
                var r = y[i]
                for j in 0..<p { r -= x[j * n + i] * beta[j] }
                s += r * r
            }
            return s / Double(2 * n) + alpha * beta.reduce(0) { $0 + abs($1) }
        }
    }

    static func maxAbsDifference(_ a: [Double], _ b: [Double]) -> Double {
        guard a.count == b.count else { return .infinity }
        return zip(a, b).reduce(0) { max($0, abs($1.0 - $1.1)) }
    }

    /// ‖x − prox_{tg}(x − t∇f(x))‖/t computed here, independently of the solvers.
    static func gradientMapping<L: SmoothLoss, G: ProximalOperator>(_ loss: L, _ g: G, _ x: [Double], step t: Double)
        throws -> Double {
        let grad = try loss.valueAndGradient(x).gradient
        let v = zip(x, grad).map { $0 - t * $1 }
        let p = try g.prox(v, step: t)
        return zip(x, p).reduce(0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) }.squareRoot() / t
    }

    /// Asserts that `body` throws `invalidArgument` (any name when `name` is nil).
    static func assertInvalid(_ name: String? = nil, file: StaticString = #filePath, line: UInt = #line,
                              _ body: () throws -> Void) {
        do {
            try body()
            XCTFail("expected invalidArgument(\(name ?? "any"))", file: file, line: line)
        } catch let NonsmoothError.invalidArgument(n, _) {
            if let name { XCTAssertEqual(n, name, file: file, line: line) }
        } catch {
            XCTFail("expected invalidArgument, got \(error)", file: file, line: line)
        }
    }
}

/// A loss that hides the Lipschitz estimate of another one.
struct NoLipschitzLoss<Base: SmoothLoss>: SmoothLoss {
    var base: Base
    var dimension: Int { base.dimension }
    var lipschitzEstimate: Double? { nil }
    func value(_ x: UnsafeBufferPointer<Double>) -> Double { base.value(x) }
    func valueAndGradient(_ x: UnsafeBufferPointer<Double>, into g: UnsafeMutableBufferPointer<Double>) -> Double {
        base.valueAndGradient(x, into: g)
    }
}

/// f(x) = (c/2)‖x − a‖², a test-local `ProximalOperator`:
/// prox_{tf}(v) = (v + tc·a)/(1 + tc).
struct ShiftedSquare: ProximalOperator {
    var center: [Double]
    var curvature: Double = 1

    func validate(length n: Int) throws {
        try require(center.count == n, "center", "has length \(center.count), expected \(n)")
    }

    func value(_ x: UnsafeBufferPointer<Double>) -> Double {
        var s = 0.0
        for i in x.indices { s += (x[i] - center[i]) * (x[i] - center[i]) }
        return curvature * s / 2
    }

    func prox(_ v: UnsafeBufferPointer<Double>, step: Double, into out: UnsafeMutableBufferPointer<Double>) {
        let tc = step * curvature
        for i in v.indices { out[i] = (v[i] + tc * center[i]) / (1 + tc) }
    }

    func subgradient(_ x: UnsafeBufferPointer<Double>, into g: UnsafeMutableBufferPointer<Double>) {
        for i in x.indices { g[i] = curvature * (x[i] - center[i]) }
    }
}
