import Foundation
import Nonsmooth

/// Timings of the generic solvers against coordinate descent on the same Lasso.
enum GenericSolverBenchmarks {
    private static func milliseconds(_ d: Duration) -> Double {
        Double(d.components.seconds) * 1e3 + Double(d.components.attoseconds) * 1e-15
    }

    /// Boyd's Lasso example (Boyd et al. 2011, §11.1 / the `lasso.m` script):
    /// A ∈ ℝ^{500×2500} Gaussian with normalized columns, x₀ with 5 % non-zeros,
    /// b = Ax₀ + 10⁻³·noise, α = 0.1·α_max.
    static func boydLasso() throws {
        for (n, p) in [(500, 2500), (2500, 500)] {
            var rng = SplitMix64(seed: 7)
            var a = (0..<(n * p)).map { _ in gaussian(&rng) }
            for j in 0..<p {
                var s = 0.0
                for i in 0..<n { s += a[j * n + i] * a[j * n + i] }
                let inv = 1 / s.squareRoot()
                for i in 0..<n { a[j * n + i] *= inv }
            }
            var x0 = [Double](repeating: 0, count: p)
            for j in stride(from: 0, to: p, by: 20) { x0[j] = gaussian(&rng) }
            let b = (0..<n).map { i in
                var s = 1e-3 * gaussian(&rng)
                for j in stride(from: 0, to: p, by: 20) { s += a[j * n + i] * x0[j] }
                return s
            }
            var lambdaMax = 0.0
            for j in 0..<p {
                var s = 0.0
                for i in 0..<n { s += a[j * n + i] * b[i] }
                lambdaMax = max(lambdaMax, abs(s) / Double(n))
            }
            let alpha = 0.1 * lambdaMax
            let clock = ContinuousClock()
            let penalty = try ElasticNetPenalty(alpha: alpha)

            var cd: CoordinateDescentResult? = nil
            let tCD = try clock.measure {
                cd = try solveElasticNet(columnMajor: a, rows: n, columns: p, target: b, penalty: penalty,
                                         options: CoordinateDescentOptions(tolerance: 1e-10, maxIterations: 100_000))
            }
            let reference = cd!

            var admm: ElasticNetADMMResult? = nil
            var o = ADMMOptions()
            o.tolerance = 1e-10
            o.maxIterations = 100_000
            let tADMM = try clock.measure {
                admm = try solveElasticNetADMM(columnMajor: a, rows: n, columns: p, target: b, penalty: penalty, options: o)
            }
            let ra = admm!

            let loss = try LeastSquaresLoss(columnMajor: a, rows: n, columns: p, target: b)
            let l1 = try L1Norm(strength: alpha)
            for (name, options) in [
                ("FISTA", ProximalGradientOptions(tolerance: 1e-9, maxIterations: 100_000)),
                ("FISTA+restart", ProximalGradientOptions(restart: .gradient, tolerance: 1e-9, maxIterations: 100_000)),
                ("FISTA+bt+restart", ProximalGradientOptions(step: .backtracking(growth: 1.2), restart: .gradient,
                                                             tolerance: 1e-9, maxIterations: 100_000)),
                ("ISTA", ProximalGradientOptions(method: .ista, tolerance: 1e-9, maxIterations: 100_000)),
            ] {
                var res: ProximalGradientResult? = nil
                let t = try clock.measure { res = try solveProximalGradient(loss: loss, regularizer: l1, options: options) }
                let r = res!
                print("timing \(n)x\(p) \(name): \(String(format: "%.1f", milliseconds(t))) ms, \(r.iterations) it, "
                      + "KKT \(String(format: "%.1e", r.certificate)), \(r.stopReason), "
                      + "max|β − β_cd| \(String(format: "%.1e", maxAbsDifference(r.x, reference.coefficients)))")
            }
            print("timing \(n)x\(p) ADMM (\(ra.factorization)): \(String(format: "%.1f", milliseconds(tADMM))) ms, "
                  + "\(ra.iterations) it, \(ra.factorizations) factorizations, gap \(String(format: "%.1e", ra.dualityGap)), "
                  + "\(ra.stopReason), max|β − β_cd| \(String(format: "%.1e", maxAbsDifference(ra.coefficients, reference.coefficients)))")
            print("timing \(n)x\(p) CD: \(String(format: "%.1f", milliseconds(tCD))) ms, gap \(String(format: "%.1e", reference.dualityGap))")
        }
    }

    private static func maxAbsDifference(_ a: [Double], _ b: [Double]) -> Double {
        zip(a, b).map { abs($0 - $1) }.max() ?? 0
    }
}
