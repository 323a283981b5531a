import XCTest
@testable import Nonsmooth

/// Separable operators against a brute-force scalar minimization of the prox
/// objective, and their subgradients against the optimality condition.
final class SeparableProxTests: XCTestCase {
    func operators() throws -> [(String, any ProximalOperator)] {
        [
            ("l1", try L1Norm(strength: 0.7)),
            ("l2_squared", try SquaredL2Norm(strength: 1.3)),
            ("elastic_net", try ElasticNet(strength: 0.9, l1Ratio: 0.3)),
            ("huber", try Huber(strength: 1.1, delta: 0.5)),
            ("hinge", try Hinge(strength: 0.8)),
            ("hinge_label", try Hinge(strength: 0.8, labels: [-2])),
            ("l0", try L0Penalty(strength: 0.6)),
            ("mcp", try MCP(strength: 0.9, gamma: 2.5)),
            ("mcp_large_step", try MCP(strength: 0.9, gamma: 0.4)),
            ("scad", try SCAD(strength: 0.8, a: 3.7)),
            ("scad_a_small", try SCAD(strength: 0.8, a: 2.2)),
            ("zero", ZeroFunction()),
        ]
    }

    func testProxMatchesBruteForce() throws {
        var rng = SplitMix64(seed: 1)
        for (name, f) in try operators() {
            for _ in 0..<60 {
                let v = Double.random(in: -4...4, using: &rng)
                let t = [0.3, 1.0, 2.0][Int.random(in: 0..<3, using: &rng)]
                let p = try f.prox([v], step: t)[0]
                let oracle = bruteForceMinimize({ x in (try? proxObjective(f, [x], [v], t)) ?? .infinity },
                                                lo: v - 8, hi: v + 8)
                let ours = try proxObjective(f, [p], [v], t)
                let theirs = try proxObjective(f, [oracle], [v], t)
                XCTAssertLessThanOrEqual(ours, theirs + 1e-9, "\(name): v=\(v) t=\(t) prox=\(p) oracle=\(oracle)")
            }
        }
    }

    func testConvexOptimalityCondition() throws {
        // (v − p)/t ∈ ∂f(p), checked coordinate-wise from the subdifferential's definition:
        // for convex separable f, g ∈ ∂f(p) iff f(y) ≥ f(p) + g(y − p) for all y.
        var rng = SplitMix64(seed: 2)
        let convex: [any ProximalOperator] = [
            try L1Norm(strength: 0.7), try SquaredL2Norm(strength: 1.3),
            try ElasticNet(strength: 0.9, l1Ratio: 0.3), try Huber(strength: 1.1, delta: 0.5),
            try Hinge(strength: 0.8),
        ]
        for f in convex {
            for _ in 0..<100 {
                let v = Double.random(in: -4...4, using: &rng), t = 0.7
                let p = try f.prox([v], step: t)[0]
                let g = (v - p) / t
                for y in stride(from: -6.0, through: 6.0, by: 0.05) {
                    XCTAssertGreaterThanOrEqual(try f.value([y]) + 1e-12,
                                                try f.value([p]) + g * (y - p) - 1e-9, "\(f) v=\(v)")
                }
            }
        }
    }

    func testWeightedL1() throws {
        let f = try L1Norm(strength: 2, weights: [0, 1, 0.5])
        XCTAssertEqual(try f.prox([3, 3, -3], step: 1), [3, 1, -2])
        XCTAssertEqual(try f.value([1, -1, 2]), 2 * (0 + 1 + 1))
        XCTAssertThrowsError(try f.prox([1, 2], step: 1))
        XCTAssertThrowsError(try L1Norm(strength: 1, weights: [-1]))
        XCTAssertThrowsError(try L1Norm(strength: .nan))
    }

    func testSubgradientsAreMinimalNorm() throws {
        XCTAssertEqual(try L1Norm(strength: 2).subgradient([0, 3, -1]), [0, 2, -2])
        XCTAssertEqual(try Hinge(strength: 1).subgradient([1, 0.5, 2]), [0, -1, 0])
        XCTAssertEqual(try MCP(strength: 1, gamma: 2).subgradient([0, 1, 3]), [0, 0.5, 0])
        XCTAssertEqual(try SCAD(strength: 1, a: 3).subgradient([0, 0.5, 2, 4]), [0, 1, 0.5, 0])
        XCTAssertEqual(try L0Penalty(strength: 1).subgradient([0, 3]), [0, 0])
    }

    func testL2NormBlockSoftThresholding() throws {
        let f = try L2Norm(strength: 1)
        let p = try f.prox([3, 4], step: 1)  // ‖v‖ = 5 → scale 4/5
        XCTAssertEqual(p[0], 2.4, accuracy: 1e-15)
        XCTAssertEqual(p[1], 3.2, accuracy: 1e-15)
        XCTAssertEqual(try f.prox([0.3, 0.4], step: 1), [0, 0])
        // Moreau identity: v = prox_{tf}(v) + t·prox_{f*/t}(v/t) with f* the indicator of the unit
        // ball, so v − prox_{tf}(v) is the projection of v onto the ball of radius t.
        var rng = SplitMix64(seed: 3)
        for _ in 0..<50 {
            let v = randomVector(5, using: &rng), t = 0.9
            let p = try f.prox(v, step: t)
            let r = zip(v, p).map { $0 - $1 }
            let norm = r.map { $0 * $0 }.reduce(0, +).squareRoot()
            let vNorm = v.map { $0 * $0 }.reduce(0, +).squareRoot()
            XCTAssertEqual(norm, min(vNorm, t), accuracy: 1e-12)
        }
        // No overflow in the norm.
        XCTAssertEqual(try f.prox([1e200, 1e200], step: 1)[0], 1e200, accuracy: 1e188)
    }

    func testHardThresholdTieGoesToZero() throws {
        let f = try L0Penalty(strength: 0.5)  // threshold √(2·1·0.5) = 1
        XCTAssertEqual(try f.prox([1, -1.0000001, 0.9], step: 1), [0, -1.0000001, 0])
    }

    func testMoreauEnvelopeOfL1IsHuber() throws {
        // e_t|·|(v) = huber_t(v)/t with the Huber function of parameter t.
        let f = try L1Norm(strength: 1), t = 0.5
        for v in stride(from: -2.0, through: 2.0, by: 0.125) {
            let (value, gradient) = try f.moreauEnvelope([v], step: t)
            let expected = abs(v) <= t ? v * v / (2 * t) : abs(v) - t / 2
            XCTAssertEqual(value, expected, accuracy: 1e-14)
            XCTAssertEqual(gradient[0], min(max(v / t, -1), 1), accuracy: 1e-14)
        }
    }

    func testBoxAndStridedRows() throws {
        let box = try Box(lower: [-1, 0, 2], upper: [1, .infinity, 2])
        XCTAssertEqual(try box.prox([-3, -3, 5], step: 1), [-1, 0, 2])
        XCTAssertThrowsError(try Box(lower: 1, upper: 0))
        XCTAssertEqual(try box.value([0, 1, 2]), 0)
        XCTAssertEqual(try box.value([0, -1, 2]), .infinity)
        // Column-major 3×2 matrix read by rows (strides 1, 3): rows are (1,4), (2,5), (3,6).
        let data: [Double] = [1, 2, 3, 4, 5, 6]
        var out = [Double](repeating: 0, count: 6)
        try data.withUnsafeBufferPointer { d in
            let m = StridedMatrix(base: d.baseAddress!, rows: 3, columns: 2, rowStride: 1, columnStride: 3)
            try out.withUnsafeMutableBufferPointer { try L1Norm(strength: 1.5).proxRows(m, step: 1, into: $0) }
        }
        XCTAssertEqual(out, [0, 2.5, 0.5, 3.5, 1.5, 4.5])
    }
}
