import XCTest
@testable import Nonsmooth

/// 1-D total variation: Condat's direct algorithm against its exact dual
/// certificate, against a slow accelerated projected-gradient solver of the
/// dual, and its minimal-norm subgradient against a brute-force minimization.
final class TotalVariationTests: XCTestCase {
    /// z with Dᵀz = g, i.e. g₀ = −z₀, gⱼ = zⱼ₋₁ − zⱼ, g_{n−1} = z_{n−2}: the
    /// partial sums zⱼ = −Σ_{i≤j} gᵢ; also returns the residual Σᵢ gᵢ (must be 0).
    func dualFromGradient(_ g: [Double]) -> (z: [Double], residual: Double) {
        var z = [Double](), s = 0.0
        for j in g.indices {
            s -= g[j]
            if j < g.count - 1 { z.append(s) }
        }
        return (z, s)
    }

    /// g ∈ ∂(λTV)(x) ⇔ g = Dᵀz with zⱼ = λ sign(xⱼ₊₁ − xⱼ) on jumps and |zⱼ| ≤ λ on
    /// flats — checked exactly through the partial sums.
    func assertInTVSubdifferential(_ g: [Double], at x: [Double], lambda: Double, tolerance: Double = 1e-9,
                                   file: StaticString = #filePath, line: UInt = #line) {
        if x.isEmpty { return }
        let (z, residual) = dualFromGradient(g)
        let scale = 1 + lambda + (g.map(abs).max() ?? 0) * Double(g.count)
        XCTAssertEqual(residual, 0, accuracy: tolerance * scale, "Σg must be 0", file: file, line: line)
        for j in z.indices {
            let d = x[j + 1] - x[j]
            if d > 0 { XCTAssertEqual(z[j], lambda, accuracy: tolerance * scale, "jump up at \(j)", file: file, line: line) }
            else if d < 0 { XCTAssertEqual(z[j], -lambda, accuracy: tolerance * scale, "jump down at \(j)", file: file, line: line) }
            else { XCTAssertLessThanOrEqual(abs(z[j]), lambda + tolerance * scale, "flat at \(j)", file: file, line: line) }
        }
    }

    /// The slow reference: FISTA on the dual  min_{|u| ≤ λ} ½‖v − Dᵀu‖², x = v − Dᵀu.
    func slowTV(_ v: [Double], lambda: Double, iterations: Int = 60_000) -> [Double] {
        let n = v.count
        if n < 2 { return v }
        var u = [Double](repeating: 0, count: n - 1), y = u, uOld = u
        var tk = 1.0
        let step = 0.25  // ‖DDᵀ‖ ≤ 4
        var x = v
        for _ in 0..<iterations {
            // x = v − Dᵀy
            for i in 0..<n {
                let left = i > 0 ? y[i - 1] : 0, right = i < n - 1 ? y[i] : 0
                x[i] = v[i] - (left - right)
            }
            uOld = u
            for j in 0..<(n - 1) {
                // gradient of ½‖v − Dᵀu‖² is −D(v − Dᵀu) = −Dx
                let a = y[j] + step * (x[j + 1] - x[j])
                u[j] = min(lambda, max(-lambda, a))
            }
            let tNext = (1 + (1 + 4 * tk * tk).squareRoot()) / 2
            for j in 0..<(n - 1) { y[j] = u[j] + (tk - 1) / tNext * (u[j] - uOld[j]) }
            tk = tNext
        }
        for i in 0..<n {
            let left = i > 0 ? u[i - 1] : 0, right = i < n - 1 ? u[i] : 0
            x[i] = v[i] - (left - right)
        }
        return x
    }

    func testProxAgainstSlowDualSolver() throws {
        var rng = SplitMix64(seed: 31)
        for n in [2, 3, 4, 7, 12] {
            for _ in 0..<6 {
                let lambda = [0.05, 0.4, 1.5][Int.random(in: 0..<3, using: &rng)]
                let f = try TotalVariation1D(strength: lambda)
                let v = Bool.random(using: &rng) ? randomVector(n, using: &rng) : tiedVector(n, levels: 2, using: &rng)
                let t = [0.5, 1.0][Int.random(in: 0..<2, using: &rng)]
                let p = try f.prox(v, step: t)
                let reference = slowTV(v, lambda: t * lambda)
                XCTAssertLessThanOrEqual(certMaxAbsDiff(p, reference), 1e-6, "n=\(n) λ=\(lambda) v=\(v)")
                XCTAssertLessThanOrEqual(try proxObjective(f, p, v, t), try proxObjective(f, reference, v, t) + 1e-12)
            }
        }
    }

    func testProxOptimalityCertificate() throws {
        var rng = SplitMix64(seed: 32)
        for n in [2, 3, 5, 10, 100, 1000] {
            for _ in 0..<10 {
                let lambda = [0.01, 0.3, 2, 50][Int.random(in: 0..<4, using: &rng)]
                let f = try TotalVariation1D(strength: lambda)
                let kind = Int.random(in: 0..<3, using: &rng)
                var v = kind == 0 ? randomVector(n, using: &rng) : tiedVector(n, levels: 3, using: &rng)
                if kind == 2 {  // noisy steps
                    for i in v.indices { v[i] = Double(i / max(1, n / 4)) + 0.1 * Double.random(in: -1...1, using: &rng) }
                }
                let t = [0.3, 1.0, 2.0][Int.random(in: 0..<3, using: &rng)]
                let p = try f.prox(v, step: t)
                let g = zip(v, p).map { ($0 - $1) / t }
                assertInTVSubdifferential(g, at: p, lambda: lambda)
                let mean = v.reduce(0, +) / Double(n)
                XCTAssertEqual(p.reduce(0, +) / Double(n), mean, accuracy: 1e-10 * (1 + abs(mean)), "TV prox preserves the mean")
            }
        }
    }

    func testLongSignal() throws {
        var rng = SplitMix64(seed: 33)
        let n = 200_000
        var v = [Double](repeating: 0, count: n)
        var level = 0.0
        for i in 0..<n {
            if i % 1000 == 0 { level = Double.random(in: -5...5, using: &rng) }
            v[i] = level + Double.random(in: -1...1, using: &rng)
        }
        let f = try TotalVariation1D(strength: 0.8)
        let p = try f.prox(v, step: 1.5)
        let g = zip(v, p).map { ($0 - $1) / 1.5 }
        assertInTVSubdifferential(g, at: p, lambda: 0.8, tolerance: 1e-10)
    }

    func testEdgeCases() throws {
        let f = try TotalVariation1D(strength: 1)
        XCTAssertEqual(try f.prox([Double]()), [])
        XCTAssertEqual(try f.prox([3.7]), [3.7])
        XCTAssertEqual(try f.value([Double]()), 0)
        XCTAssertEqual(try f.value([2]), 0)
        XCTAssertEqual(try f.subgradient([Double]()), [])
        XCTAssertEqual(try f.subgradient([5]), [0])
        // n = 2: merge when |v₁ − v₀| ≤ 2tλ, otherwise move both by tλ.
        XCTAssertEqual(try f.prox([0, 1], step: 1), [0.5, 0.5])
        XCTAssertEqual(try f.prox([0, 2], step: 1), [1, 1])
        XCTAssertEqual(try f.prox([0, 5], step: 1), [1, 4])
        XCTAssertEqual(try f.prox([5, 0], step: 0.5), [4.5, 0.5])
        // λ = 0 is the identity; a constant signal is a fixed point.
        let v = [3.0, -1, 4, 1, -5, 9]
        XCTAssertEqual(try TotalVariation1D(strength: 0).prox(v, step: 1), v)
        XCTAssertEqual(try f.prox([2, 2, 2, 2], step: 10), [2, 2, 2, 2])
        // Huge λ gives the mean.
        let p = try f.prox(v, step: 1e6)
        for x in p { XCTAssertEqual(x, v.reduce(0, +) / 6, accuracy: 1e-9) }
        XCTAssertEqual(try f.value([0, 2, 2, -1]), 5)
        assertInvalidArgument("strength") { _ = try TotalVariation1D(strength: -1) }
        assertInvalidArgument("strength") { _ = try TotalVariation1D(strength: .nan) }
        // tλ overflowing to +∞ gives the mean.
        XCTAssertEqual(try TotalVariation1D(strength: 1e300).prox([1, 2, 6], step: 1e300), [3, 3, 3])
        // Non-finite input does not trap.
        _ = try f.prox([.nan, 1, .infinity, 2], step: 1)
        _ = try f.prox([1, .nan], step: 1)
    }

    /// The minimal-norm element of ∂(λTV)(x) by brute force: FISTA on
    /// min ‖Dᵀz‖² over z fixed on jumps and in [−λ, λ] on flats.
    func slowMinimalSubgradient(_ x: [Double], lambda: Double) -> [Double] {
        let n = x.count
        if n < 2 { return [Double](repeating: 0, count: n) }
        var lo = [Double](), hi = [Double]()
        for j in 0..<(n - 1) {
            let d = x[j + 1] - x[j]
            if d > 0 { lo.append(lambda); hi.append(lambda) }
            else if d < 0 { lo.append(-lambda); hi.append(-lambda) }
            else { lo.append(-lambda); hi.append(lambda) }
        }
        func dt(_ z: [Double]) -> [Double] {
            (0..<n).map { i in (i > 0 ? z[i - 1] : 0) - (i < n - 1 ? z[i] : 0) }
        }
        var z = lo, y = z, tk = 1.0
        for _ in 0..<40_000 {
            let g = dt(y)
            let old = z
            for j in 0..<(n - 1) {
                let grad = g[j + 1] - g[j]  // ∇ ½‖Dᵀz‖² = D Dᵀz
                z[j] = min(hi[j], max(lo[j], y[j] - 0.25 * grad))
            }
            let tNext = (1 + (1 + 4 * tk * tk).squareRoot()) / 2
            for j in 0..<(n - 1) { y[j] = z[j] + (tk - 1) / tNext * (z[j] - old[j]) }
            tk = tNext
        }
        return dt(z)
    }

    func testSubgradientIsTheMinimalNormElement() throws {
        var rng = SplitMix64(seed: 34)
        for n in [1, 2, 3, 5, 9] {
            for _ in 0..<12 {
                let lambda = [0.5, 1, 3][Int.random(in: 0..<3, using: &rng)]
                let f = try TotalVariation1D(strength: lambda)
                let x = tiedVector(n, levels: 2, using: &rng)
                let s = try f.subgradient(x)
                assertInTVSubdifferential(s, at: x, lambda: lambda, tolerance: 1e-12)
                let reference = slowMinimalSubgradient(x, lambda: lambda)
                XCTAssertLessThanOrEqual(certMaxAbsDiff(s, reference), 1e-6, "x=\(x)")
                try assertSubgradientInequality(f, x: x, g: s, probes: 60, using: &rng)
            }
        }
        // At prox outputs the minimal element is no longer than (v − p)/t.
        for _ in 0..<50 {
            let f = try TotalVariation1D(strength: 0.7)
            let v = randomVector(30, using: &rng)
            let p = try f.prox(v, step: 1.3)
            let s = try f.subgradient(p)
            assertInTVSubdifferential(s, at: p, lambda: 0.7, tolerance: 1e-12)
            XCTAssertLessThanOrEqual(certNorm(s), certNorm(zip(v, p).map { ($0 - $1) / 1.3 }) + 1e-10)
        }
        // Closed forms: a plateau between an up-jump and a down-jump.
        let f = try TotalVariation1D(strength: 1)
        XCTAssertEqual(try f.subgradient([0, 1, 1, 1, 0]), [-1, 2.0 / 3, 2.0 / 3, 2.0 / 3, -1])
        XCTAssertEqual(try f.subgradient([0, 0, 0]), [0, 0, 0])
        XCTAssertEqual(try f.subgradient([0, 0, 1, 1]), [-0.5, -0.5, 0.5, 0.5])
    }
}
