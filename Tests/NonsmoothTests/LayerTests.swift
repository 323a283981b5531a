import XCTest
@testable import Nonsmooth

/// Convolution, pooling, straight-through estimators, codebook lookup, momentum
/// schedules and the arguments the training loop fills (noise, step counter,
/// state), checked against direct loops written here.
final class LayerTests: XCTestCase {
    private func values(_ n: Int, _ seed: UInt64) -> [Double] {
        var g = SplitMix64(seed: seed)
        return (0..<n).map { _ in Double(g.next() >> 11) * 0x1p-53 * 2 - 1 }
    }

    func testConv2dMatchesTheDefinitionAndItsGradientIsTheAdjoint() throws {
        let (n, c, h, w, f, kh, kw, s, p) = (2, 2, 5, 4, 3, 3, 2, 2, 1)
        let g = Graph()
        let x = try g.input(shape: [n, c, h, w]), k = try g.input(shape: [f, c, kh, kw])
        let y = try g.conv2d(x, k, strides: [s, s], padding: [p, p])
        let ho = (h + 2 * p - kh) / s + 1, wo = (w + 2 * p - kw) / s + 1
        XCTAssertEqual(y.shape, [n, f, ho, wo])
        let t = values(x.count, 3), u = values(y.count, 4)
        let dot = try g.sum(g.multiply(y, g.constant(u, shape: y.shape)))
        let program = try Program(g, outputs: [y]), pairing = try Program(g, outputs: [dot])
        let xv = values(x.count, 1), kv = values(k.count, 2)
        let out = try program.evaluate([xv, kv]).0[0]
        for b in 0..<n { for o in 0..<f { for i in 0..<ho { for j in 0..<wo {
            var acc = 0.0
            for ci in 0..<c { for u in 0..<kh { for v in 0..<kw {
                let r = i * s - p + u, q = j * s - p + v
                if r >= 0 && r < h && q >= 0 && q < w {
                    acc += xv[((b * c + ci) * h + r) * w + q] * kv[((o * c + ci) * kh + u) * kw + v]
                }
            } } }
            XCTAssertEqual(out[((b * f + o) * ho + i) * wo + j], acc, accuracy: 1e-12)
        } } } }
        // ⟨J_x·t, u⟩ = ⟨t, J_xᵀ·u⟩ (linear in x): forward and reverse mode agree.
        let forward = try program.jvp([xv, kv], tangents: [t, nil]).0[0]
        let reverse = try pairing.valueAndGradient([xv, kv], wrt: [0]).gradients[0]
        XCTAssertEqual(zip(forward, u).map(*).reduce(0, +), zip(t, reverse).map(*).reduce(0, +), accuracy: 1e-11)
    }

    func testAveragePoolIsTheWindowMean() throws {
        let g = Graph()
        let x = try g.input(shape: [1, 4, 4])
        let y = try g.averagePool(x, window: [2, 2])
        let out = try Program(g, outputs: [y]).evaluate([(0..<16).map(Double.init)]).0[0]
        XCTAssertEqual(out, [2.5, 4.5, 10.5, 12.5])
    }

    func testStraightThroughSignAndCodebook() throws {
        let g = Graph()
        let x = try g.input(shape: [4]), e = try g.input(shape: [2, 2]), z = try g.input(shape: [2, 2])
        let sgn = try g.sum(g.unary(.signStraightThrough(clipped: true), x))
        let q = try g.sum(g.codebookLookup(z, codebook: e))
        let program = try Program(g, outputs: [sgn, q]), total = try Program(g, outputs: [try g.add(sgn, q)])
        let inputs: [[Double]] = [[0.5, 2, -1, 0], [0, 0, 3, 3], [1, 1, 2, 2.5]]
        let (outs, kinks) = try program.evaluate(inputs)
        XCTAssertEqual(outs[0], [1])                    // 1 + 1 − 1 + 0
        XCTAssertEqual(outs[1], [6 + 6.0 * 0])          // [1,1] → code 0 [0,0]; [2,2.5] → code 1 [3,3]
        XCTAssertEqual(kinks["sign"], 2)                // the jump at 0 and the slope jump at −1
        let grads = try total.valueAndGradient(inputs, wrt: [0, 1, 2]).gradients
        XCTAssertEqual(grads[0], [1, 0, 0, 1])          // clipped estimator, s = 0 at |x| = 1
        XCTAssertEqual(grads[1], [1, 1, 1, 1])          // each code chosen once
        XCTAssertEqual(grads[2], [1, 1, 1, 1])          // straight through
    }

    func testMomentumScheduleAndGeneratedArguments() throws {
        // loss = Σ w·k: gradient k at step k; heavy ball with β_k = 1 − 1/(k + 2).
        let g = Graph()
        let w = try g.input(shape: [1]), k = try g.input(shape: [])
        let program = try Program(g, outputs: [try g.sum(g.multiply(w, k))])
        var opt = try Momentum(momentum: 0, schedule: MomentumSchedule(.diminishing(a: 1, b: 2, power: 1), complement: true))
        let options = TrainingOptions(steps: 5, batchSize: 1, learningRate: .constant(0.1))
        let result = try program.train(parameters: [0], initial: [[0]], data: [TrainingData<Double>](),
                                       generated: [GeneratedArgument(argument: 1, kind: .step)],
                                       optimizer: &opt, options: options)
        var ref = 0.0, v = 0.0
        for step in 0..<5 {
            v = (1 - 1 / Double(step + 2)) * v + Double(step)
            ref -= 0.1 * v
        }
        XCTAssertEqual(result.parameters[0][0], ref)
        XCTAssertThrowsError(try Momentum(schedule: MomentumSchedule(.constant(1.0))))
    }
}
