import XCTest
@testable import Nonsmooth

/// Projections onto the simplex, the ℓ1 and ℓ2 balls, hyperplanes and
/// half-spaces, and the ℓ∞ norm (the ℓ1 ball's conjugate).
final class ProjectionTests: XCTestCase {
    /// The sort-based O(n log n) simplex projection (Held, Wolfe and Crowder 1974;
    /// Duchi et al. 2008): the reference for Condat's algorithm.
    func sortedSimplexProjection(_ v: [Double], total s: Double) -> [Double] {
        let u = v.sorted(by: >)
        var cumulative = 0.0, tau = 0.0
        for (j, uj) in u.enumerated() {
            cumulative += uj
            let t = (cumulative - s) / Double(j + 1)
            if uj - t > 0 { tau = t }
        }
        return v.map { max($0 - tau, 0) }
    }

    func vectors(_ rng: inout SplitMix64) -> [[Double]] {
        var out: [[Double]] = [[0], [5], [-5], [1, 1], [0.2, 0.3], [3, -3, 3, -3], [Double](repeating: 2, count: 7)]
        for n in [1, 2, 3, 5, 10, 50, 257] {
            for _ in 0..<6 {
                out.append(randomVector(n, scale: 3, using: &rng))
                out.append(tiedVector(n, using: &rng))
                out.append(randomVector(n, scale: 1e-3, using: &rng))
            }
        }
        out.append(randomVector(20, scale: 1e8, using: &rng))
        return out
    }

    // MARK: Simplex

    func testSimplexMatchesSortBasedProjection() throws {
        var rng = SplitMix64(seed: 11)
        for total in [1e-3, 0.5, 1, 7.5, 1e6] {
            let f = try Simplex(total: total)
            for v in vectors(&rng) {
                let p = try f.prox(v)
                let q = sortedSimplexProjection(v, total: total)
                let scale = max(1, total, v.map(abs).max() ?? 0)
                XCTAssertLessThanOrEqual(certMaxAbsDiff(p, q), 1e-12 * scale, "total=\(total) v=\(v.prefix(8))")
                XCTAssertEqual(try f.value(p), 0, "projection counts as inside")
                XCTAssertTrue(p.allSatisfy { $0 >= 0 })
                // Extreme points s·eᵢ certify the projection.
                let vertices = (0..<v.count).map { i -> [Double] in
                    var e = [Double](repeating: 0, count: v.count); e[i] = total; return e
                }
                assertProjectionInequality(v: v, p: p, points: vertices, "simplex total=\(total)")
            }
        }
    }

    func testSimplexLargeVectorAndStepInvariance() throws {
        var rng = SplitMix64(seed: 12)
        let v = randomVector(200_000, scale: 1, using: &rng)
        let f = try Simplex(total: 3)
        let p = try f.prox(v, step: 0.1)
        XCTAssertEqual(p, try f.prox(v, step: 10))
        XCTAssertLessThanOrEqual(certMaxAbsDiff(p, sortedSimplexProjection(v, total: 3)), 1e-12)
        XCTAssertEqual(try f.value(p), 0)
    }

    func testSimplexValueAndSubgradient() throws {
        let f = try Simplex(total: 2)
        XCTAssertEqual(try f.value([1, 1]), 0)
        XCTAssertEqual(try f.value([2, 0, 0]), 0)
        XCTAssertEqual(try f.value([1, 0.9]), .infinity)
        XCTAssertEqual(try f.value([2.5, -0.5]), .infinity)
        XCTAssertEqual(try f.value([Double]()), .infinity, "the empty sum is not 2")
        XCTAssertEqual(try f.value([.nan, 2]), .infinity)
        XCTAssertEqual(try f.subgradient([0.5, 1.5]), [0, 0])
        assertInvalidArgument("x") { _ = try f.subgradient([3, 0]) }
        XCTAssertEqual(try f.prox([Double]()), [])
        XCTAssertEqual(try f.prox([-4]), [2])
        assertInvalidArgument("total") { _ = try Simplex(total: 0) }
        assertInvalidArgument("total") { _ = try Simplex(total: -1) }
        assertInvalidArgument("total") { _ = try Simplex(total: .nan) }
        assertInvalidArgument("total") { _ = try Simplex(total: .infinity) }
    }

    // MARK: ℓ1 ball

    func testL1BallProjectionCertificate() throws {
        var rng = SplitMix64(seed: 13)
        for r in [0.0, 1e-3, 0.7, 2, 50] {
            let f = try L1Ball(radius: r)
            for v in vectors(&rng) {
                let p = try f.prox(v, step: 0.3)
                XCTAssertEqual(try f.value(p), 0)
                let n = v.count
                var vertices: [[Double]] = []
                for i in 0..<n {
                    for s in [-r, r] {
                        var e = [Double](repeating: 0, count: n); e[i] = s; vertices.append(e)
                    }
                }
                assertProjectionInequality(v: v, p: p, points: vertices, "l1 ball r=\(r)")
                if v.reduce(0, { $0 + abs($1) }) <= r {
                    XCTAssertEqual(p, v, "inside the ball: unchanged")
                }
                // Against the sort-based simplex projection of |v| with the signs put back.
                if v.reduce(0, { $0 + abs($1) }) > r && r > 0 {
                    let q = sortedSimplexProjection(v.map(abs), total: r)
                    let expected = zip(v, q).map { $0 < 0 ? -$1 : $1 }
                    XCTAssertLessThanOrEqual(certMaxAbsDiff(p, expected), 1e-12 * max(1, r, v.map(abs).max() ?? 0))
                }
            }
        }
    }

    func testL1BallEdgeCases() throws {
        let f = try L1Ball(radius: 1)
        XCTAssertEqual(try f.prox([Double]()), [])
        XCTAssertEqual(try f.prox([0.3, -0.2]), [0.3, -0.2])
        XCTAssertEqual(try f.prox([4]), [1])
        XCTAssertEqual(try f.prox([-4]), [-1])
        XCTAssertEqual(try f.prox([2, 2]), [0.5, 0.5])
        XCTAssertLessThanOrEqual(certMaxAbsDiff(try f.prox([3, -3, 3]), [1.0 / 3, -1.0 / 3, 1.0 / 3]), 1e-15, "ties")
        XCTAssertEqual(try L1Ball(radius: 0).prox([1, -2, 3]), [0, 0, 0])
        XCTAssertEqual(try L1Ball(radius: 0).value([0, 0]), 0)
        XCTAssertEqual(try f.value([0.5, -0.5]), 0)
        XCTAssertEqual(try f.value([0.5, -0.6]), .infinity)
        XCTAssertEqual(try f.subgradient([0.5, -0.5]), [0, 0])
        assertInvalidArgument("x") { _ = try f.subgradient([1, 1]) }
        assertInvalidArgument("radius") { _ = try L1Ball(radius: -1) }
        assertInvalidArgument("radius") { _ = try L1Ball(radius: .nan) }
    }

    // MARK: ℓ∞ norm

    /// g ∈ ∂(λ‖·‖∞)(x) ⇔ ‖g‖₁ ≤ λ and gᵀx = λ‖x‖∞ (the subdifferential of a norm).
    /// `noise` bounds the absolute rounding error of each gᵢ (for g = (v − p)/t it
    /// is of order ε‖v‖∞/t: the cancellation in v − p).
    func assertInLinfSubdifferential(_ g: [Double], at x: [Double], strength: Double, noise: Double = 0,
                                     file: StaticString = #filePath, line: UInt = #line) {
        let norm1 = g.reduce(0) { $0 + abs($1) }
        let normInf = x.map(abs).max() ?? 0
        let slack = 1e-12 * (1 + strength) + Double(g.count) * noise
        XCTAssertLessThanOrEqual(norm1, strength + slack, file: file, line: line)
        XCTAssertEqual(certDot(g, x), strength * normInf, accuracy: slack * (1 + normInf), file: file, line: line)
    }

    func roundingNoise(_ v: [Double], _ t: Double) -> Double {
        4 * Double.ulpOfOne * (v.map(abs).max() ?? 0) / t
    }

    func testLinfProxOptimalityAndMoreau() throws {
        var rng = SplitMix64(seed: 14)
        for lambda in [0.0, 0.4, 1, 6] {
            let f = try LinfNorm(strength: lambda)
            for v in vectors(&rng) {
                for t in [0.5, 1.0, 3.0] {
                    let p = try f.prox(v, step: t)
                    let g = zip(v, p).map { ($0 - $1) / t }
                    assertInLinfSubdifferential(g, at: p, strength: lambda, noise: roundingNoise(v, t))
                    // Moreau: v = prox_{tf}(v) + t·P_{B₁(λ)}(v/t), f* = ι_{B₁(λ)}.
                    let q = try L1Ball(radius: lambda).prox(v.map { $0 / t })
                    let recombined = zip(p, q).map { $0 + t * $1 }
                    XCTAssertLessThanOrEqual(certMaxAbsDiff(recombined, v), 1e-12 * (1 + (v.map(abs).max() ?? 0)))
                }
            }
        }
    }

    func testLinfSubgradientIsMinimalNorm() throws {
        let f = try LinfNorm(strength: 2)
        XCTAssertEqual(try f.subgradient([1, -3, 3, 0]), [0, -1, 1, 0], "two maximizers share λ")
        XCTAssertEqual(try f.subgradient([0, 0]), [0, 0])
        XCTAssertEqual(try f.subgradient([-5]), [-2])
        XCTAssertEqual(try f.value([1, -3, 2]), 6)
        XCTAssertEqual(try f.value([Double]()), 0)
        XCTAssertEqual(try f.prox([Double]()), [])
        XCTAssertEqual(try f.prox([1, -1], step: 1), [0, 0], "‖v‖₁ ≤ tλ gives 0")
        XCTAssertEqual(try f.prox([5, 1], step: 1), [3, 1])
        XCTAssertEqual(try LinfNorm(strength: 0).prox([5, 1], step: 1), [5, 1])
        var rng = SplitMix64(seed: 15)
        for v in vectors(&rng) {
            let p = try f.prox(v, step: 0.8)
            let g = try f.subgradient(p)
            assertInLinfSubdifferential(g, at: p, strength: 2)
            let viaProx = zip(v, p).map { ($0 - $1) / 0.8 }
            XCTAssertLessThanOrEqual(certNorm(g), certNorm(viaProx) + 1e-12 + Double(v.count) * roundingNoise(v, 0.8),
                                     "minimal norm")
            try assertSubgradientInequality(f, x: p, g: g, probes: 30, using: &rng)
        }
        assertInvalidArgument("strength") { _ = try LinfNorm(strength: -1) }
    }

    // MARK: ℓ2 ball

    func testL2BallMoreauWithL2Norm() throws {
        var rng = SplitMix64(seed: 16)
        for r in [0.0, 0.5, 3] {
            let ball = try L2Ball(radius: r)
            for v in vectors(&rng) {
                for t in [0.25, 1.0, 4.0] {
                    // f = ι_{B₂(r)}, f* = r‖·‖₂: v = P(v) + t·prox_{(r/t)‖·‖₂}(v/t).
                    let p = try ball.prox(v, step: t)
                    let q = try L2Norm(strength: r).prox(v.map { $0 / t }, step: 1 / t)
                    let recombined = zip(p, q).map { $0 + t * $1 }
                    XCTAssertLessThanOrEqual(certMaxAbsDiff(recombined, v), 1e-12 * (1 + (v.map(abs).max() ?? 0)))
                    XCTAssertEqual(try ball.value(p), 0)
                    if certNorm(v) <= r { XCTAssertEqual(p, v) }
                }
            }
        }
    }

    func testL2BallEdgeCasesAndOverflow() throws {
        let f = try L2Ball(radius: 5)
        XCTAssertEqual(try f.prox([3, 4]), [3, 4])
        XCTAssertEqual(try f.prox([6, 8]), [3, 4])
        XCTAssertEqual(try f.prox([Double]()), [])
        let huge = try f.prox([1e200, 1e200])
        XCTAssertEqual(huge[0], 5 / 2.0.squareRoot(), accuracy: 1e-14)
        XCTAssertEqual(try f.value(huge), 0)
        XCTAssertEqual(try f.value([3, 4.0000001]), .infinity)
        XCTAssertEqual(try f.subgradient([1, 1]), [0, 0])
        assertInvalidArgument("x") { _ = try f.subgradient([10, 0]) }
        XCTAssertEqual(try L2Ball(radius: 0).prox([1, 2]), [0, 0])
        assertInvalidArgument("radius") { _ = try L2Ball(radius: -0.1) }
    }

    // MARK: Hyperplane and half-space

    func testHyperplaneProjection() throws {
        var rng = SplitMix64(seed: 17)
        for n in [1, 2, 5, 40] {
            for _ in 0..<20 {
                let a = randomVector(n, scale: 2, using: &rng)
                let b = Double.random(in: -3...3, using: &rng)
                let f = try Hyperplane(normal: a, offset: b)
                for scale in [1.0, 1e6] {
                    let v = randomVector(n, scale: scale, using: &rng)
                    let p = try f.prox(v, step: 2)
                    XCTAssertEqual(try f.value(p), 0, "lands on the hyperplane, scale \(scale)")
                    XCTAssertEqual(certDot(a, p), b, accuracy: 1e-12 * (1 + certNorm(a) * certNorm(p)))
                    // v − p is parallel to a: its component orthogonal to a vanishes.
                    let d = zip(v, p).map { $0 - $1 }
                    let c = certDot(d, a) / certDot(a, a)
                    let orthogonal = zip(d, a).map { $0 - c * $1 }
                    XCTAssertLessThanOrEqual(certNorm(orthogonal), 1e-12 * (1 + certNorm(v)))
                    XCTAssertEqual(try f.subgradient(p), [Double](repeating: 0, count: n))
                }
            }
        }
    }

    func testHalfspaceProjection() throws {
        var rng = SplitMix64(seed: 18)
        for n in [1, 3, 10] {
            for _ in 0..<30 {
                let a = randomVector(n, using: &rng)
                let b = Double.random(in: -2...2, using: &rng)
                let f = try Halfspace(normal: a, offset: b)
                let v = randomVector(n, scale: 5, using: &rng)
                let p = try f.prox(v)
                XCTAssertEqual(try f.value(p), 0)
                if certDot(a, v) <= b {
                    XCTAssertEqual(p, v, "inside: unchanged")
                } else {
                    XCTAssertEqual(p, try Hyperplane(normal: a, offset: b).prox(v))
                }
                // Variational inequality on random points of the half-space.
                for _ in 0..<20 {
                    var y = randomVector(n, scale: 5, using: &rng)
                    let excess = certDot(a, y) - b
                    if excess > 0 {
                        let c = excess / certDot(a, a)
                        y = zip(y, a).map { $0 - c * $1 }
                    }
                    assertProjectionInequality(v: v, p: p, points: [y], tolerance: 1e-9)
                }
            }
        }
    }

    /// Near the float64 limit both projections run on v scaled by a power of two, so
    /// at 2¹⁰⁰⁰ they are exactly 2¹⁰⁰⁰ times their value at scale 1 (âᵀv overflowed,
    /// and the projection came out inf/NaN).
    func testHyperplaneAndHalfspaceAreExactlyHomogeneousNearTheFloat64Limit() throws {
        var rng = SplitMix64(seed: 19)
        let big = 0x1p1000
        for n in [2, 5, 12] {
            for _ in 0..<10 {
                let a = randomVector(n, scale: 1, using: &rng)
                let b = Double.random(in: -1...1, using: &rng)
                var v = randomVector(n, scale: 1, using: &rng)
                let top = v.map(abs).max()!
                v = v.map { $0 / top * 1.5 }
                func check<F: ProximalOperator>(_ f: F, scaled: F) throws {
                    XCTAssertEqual(try scaled.prox(v.map { $0 * big }, step: 1), try f.prox(v, step: 1).map { $0 * big })
                    let huge = try f.prox(v.map { $0 * 0x1p1023 }, step: 1)
                    XCTAssertTrue(huge.allSatisfy(\.isFinite), "\(F.self) at 2¹⁰²³")
                }
                try check(try Hyperplane(normal: a, offset: b), scaled: try Hyperplane(normal: a, offset: b * big))
                try check(try Halfspace(normal: a, offset: b), scaled: try Halfspace(normal: a, offset: b * big))
            }
        }
        let p = try Halfspace(normal: [1, 1], offset: 0).prox([1e308, 1e308])
        XCTAssertLessThanOrEqual(p.map(abs).max()!, 1e-15 * 1e308)
    }

    func testHyperplaneAndHalfspaceValidation() throws {
        assertInvalidArgument("a") { _ = try Hyperplane(normal: [0, 0], offset: 1) }
        assertInvalidArgument("a") { _ = try Hyperplane(normal: [], offset: 1) }
        assertInvalidArgument("a") { _ = try Halfspace(normal: [1, .nan], offset: 1) }
        assertInvalidArgument("b") { _ = try Halfspace(normal: [1, 1], offset: .infinity) }
        let f = try Hyperplane(normal: [1, 2], offset: 3)
        assertInvalidArgument("a") { _ = try f.prox([1, 2, 3]) }
        assertInvalidArgument("a") { try f.validate(length: 1) }
        XCTAssertEqual(try f.value([3, 0]), 0)
        XCTAssertEqual(try f.value([3, 1]), .infinity)
        assertInvalidArgument("x") { _ = try f.subgradient([3, 1]) }
        let h = try Halfspace(normal: [1, 2], offset: 3)
        XCTAssertEqual(try h.value([-100, 0]), 0)
        XCTAssertEqual(try h.value([3, 1]), .infinity)
        XCTAssertEqual(try h.subgradient([0, 0]), [0, 0])
        // Tiny and huge normals are normalized without overflow.
        XCTAssertLessThanOrEqual(certMaxAbsDiff(try Hyperplane(normal: [1e-300, 1e-300], offset: 0).prox([1, -3]), [2, -2]), 1e-14)
        XCTAssertLessThanOrEqual(certMaxAbsDiff(try Hyperplane(normal: [1e300, 1e300], offset: 0).prox([1, -3]), [2, -2]), 1e-14)
    }

    /// Many tiny tied vectors against the sort-based projection: exercises the
    /// restarts and the second and third phases of Condat's algorithm.
    func testSimplexAndL1BallFuzz() throws {
        var rng = SplitMix64(seed: 20)
        for _ in 0..<20_000 {
            let n = Int.random(in: 1...7, using: &rng)
            let v = (0..<n).map { _ in
                Double(Int.random(in: -4...4, using: &rng)) * (Bool.random(using: &rng) ? 1 : Double.random(in: 0.5...1.5, using: &rng))
            }
            let s = [0.5, 1, 2.5, Double.random(in: 0.01...6, using: &rng)][Int.random(in: 0..<4, using: &rng)]
            let p = try Simplex(total: s).prox(v)
            XCTAssertLessThanOrEqual(certMaxAbsDiff(p, sortedSimplexProjection(v, total: s)), 1e-13, "v=\(v) s=\(s)")
            let q = try L1Ball(radius: s).prox(v)
            let expected = v.reduce(0, { $0 + abs($1) }) <= s ? v
                : zip(v, sortedSimplexProjection(v.map(abs), total: s)).map { $0 < 0 ? -$1 : $1 }
            XCTAssertLessThanOrEqual(certMaxAbsDiff(q, expected), 1e-13, "v=\(v) r=\(s)")
        }
    }

    func testNonFiniteInputDoesNotTrap() throws {
        let inputs: [[Double]] = [[.nan], [.nan, 1, 2], [.infinity, 1], [-.infinity, .infinity, 0], [1, .nan, .infinity]]
        let ops: [any ProximalOperator] = [try Simplex(total: 1), try L1Ball(radius: 1), try LinfNorm(strength: 1),
                                           try L2Ball(radius: 1)]
        for f in ops {
            for v in inputs {
                _ = try f.prox(v, step: 1)
                _ = try? f.value(v)
                _ = try? f.subgradient(v)
            }
        }
    }

    // MARK: Value tolerance on long vectors

    func testProjectionsCountAsInsideOnLongVectors() throws {
        var rng = SplitMix64(seed: 19)
        let v = randomVector(300_000, scale: 10, using: &rng)
        let sets: [any ProximalOperator] = [try Simplex(total: 1e3), try L1Ball(radius: 1e3),
                                            try L2Ball(radius: 7), try Simplex(total: 0.01)]
        for f in sets {
            let p = try f.prox(v)
            XCTAssertEqual(try f.value(p), 0, "\(f)")
            XCTAssertEqual(try f.subgradient(p).contains { $0 != 0 }, false)
        }
    }
}
