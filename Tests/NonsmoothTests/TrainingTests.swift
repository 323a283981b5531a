import XCTest
@testable import Nonsmooth

final class TrainingTests: XCTestCase {
    private func step<O: Optimizer>(_ o: inout O, _ w: inout [Double], _ g: [Double], _ rate: Double) {
        w.withUnsafeMutableBufferPointer { wp in g.withUnsafeBufferPointer { o.step(wp, $0, rate: rate) } }
    }

    func testOptimizersMatchTheirTextbookUpdates() throws {
        let grads: [[Double]] = [[0.5, -1, 2], [0.1, 0.3, -0.7], [-2, 0.4, 0.0]]
        let a = 0.1
        // Momentum / Nesterov: v ← μv + g; w ← w − α v  (or w − α(g + μ v)).
        for nesterov in [false, true] {
            var o = try Momentum(momentum: 0.9, nesterov: nesterov)
            var w = [1.0, 2, 3], ref = w, v = [0.0, 0, 0]
            for g in grads {
                step(&o, &w, g, a)
                for i in 0..<3 {
                    v[i] = 0.9 * v[i] + g[i]
                    ref[i] -= a * (nesterov ? g[i] + 0.9 * v[i] : v[i])
                }
                XCTAssertEqual(w, ref)
            }
        }
        // Adam with bias correction.
        var adam = try Adam(beta1: 0.8, beta2: 0.9, epsilon: 1e-8)
        var w = [1.0, 2, 3], ref = w, m = [0.0, 0, 0], s = [0.0, 0, 0]
        for (t, g) in grads.enumerated() {
            step(&adam, &w, g, a)
            for i in 0..<3 {
                m[i] = 0.8 * m[i] + 0.2 * g[i]
                s[i] = 0.9 * s[i] + 0.1 * g[i] * g[i]
                let mh = m[i] / (1 - pow(0.8, Double(t + 1))), vh = s[i] / (1 - pow(0.9, Double(t + 1)))
                ref[i] -= a * mh / (vh.squareRoot() + 1e-8)
            }
            for i in 0..<3 { XCTAssertEqual(w[i], ref[i], accuracy: 1e-15) }
        }
        // RMSProp and AdaGrad.
        var rms = try RMSProp(decay: 0.7, epsilon: 1e-8), ada = try AdaGrad(epsilon: 1e-10)
        var w1 = [1.0, 2, 3], w2 = w1, r1 = w1, r2 = w1, sq = [0.0, 0, 0], sum = [0.0, 0, 0]
        for g in grads {
            step(&rms, &w1, g, a)
            step(&ada, &w2, g, a)
            for i in 0..<3 {
                sq[i] = 0.7 * sq[i] + (1 - 0.7) * g[i] * g[i]
                r1[i] -= a * g[i] / (sq[i].squareRoot() + 1e-8)
                sum[i] += g[i] * g[i]
                r2[i] -= a * g[i] / (sum[i].squareRoot() + 1e-10)
            }
            XCTAssertEqual(w1, r1)
            XCTAssertEqual(w2, r2)
        }
    }

    /// A state read with `state` and given to `restore` of a fresh optimizer continues
    /// bit for bit as the original; malformed states throw.
    func testStateRestoresExactly() throws {
        let grads: [[Double]] = [[0.5, -1, 2], [0.1, 0.3, -0.7], [-2, 0.4, 0.0], [1, 1, -1]]
        let makers: [() throws -> any Optimizer] = [
            { SGD() }, { try Momentum(momentum: 0.9) }, { try Momentum(momentum: 0.5, nesterov: true) },
            { try AdaGrad() }, { try RMSProp(decay: 0.7) }, { try Adam(beta1: 0.8, beta2: 0.9) },
        ]
        for make in makers {
            var a = try make(), b = try make()
            var wa = [1.0, 2, 3]
            func run(_ o: inout any Optimizer, _ w: inout [Double], _ g: [Double]) {
                w.withUnsafeMutableBufferPointer { wp in g.withUnsafeBufferPointer { o.step(wp, $0, rate: 0.1) } }
            }
            for g in grads[..<2] { run(&a, &wa, g) }
            try b.restore(a.state)
            XCTAssertEqual(b.state, a.state, a.name)
            var wb = wa
            for g in grads[2...] {
                run(&a, &wa, g)
                run(&b, &wb, g)
            }
            XCTAssertEqual(wa, wb, a.name)
            try b.restore([])
            XCTAssertEqual(b.state, [], a.name)
        }
        var adam = try Adam()
        XCTAssertThrowsError(try adam.restore([0.5]))
        XCTAssertThrowsError(try adam.restore([1.5, 0.5, 0, 0]))
        XCTAssertThrowsError(try adam.restore([0.5, 0.5, 1, -1]))
        var ada = try AdaGrad()
        XCTAssertThrowsError(try ada.restore([-1]))
        var momentum = try Momentum()
        XCTAssertThrowsError(try momentum.restore([.nan]))
        var sgd = SGD()
        XCTAssertThrowsError(try sgd.restore([1]))
    }

    func testSchedules() {
        XCTAssertEqual(LearningRate.diminishing(a: 2, b: 1, power: 1).rate(at: 3), 0.5)
        XCTAssertEqual(LearningRate.stepDecay(initial: 1, factor: 0.5, every: 10).rate(at: 25), 0.25)
        XCTAssertEqual(LearningRate.cosine(initial: 1, minimum: 0, steps: 10).rate(at: 5), 0.5, accuracy: 1e-15)
        XCTAssertEqual(LearningRate.cosine(initial: 1, minimum: 0.1, steps: 10).rate(at: 12), 0.1)
    }

    /// loss(w, X, y) = ‖Xw − y‖²/(2B) on a minibatch of B rows.
    private func leastSquares(batch: Int, p: Int) throws -> Program {
        let g = Graph()
        let w = try g.input(shape: [p]), x = try g.input(shape: [batch, p]), y = try g.input(shape: [batch])
        let r = try g.subtract(g.matmul(x, w), y)
        return try Program(g, outputs: [try g.unary(.multiplyScalar(0.5), g.mean(g.square(r)))])
    }

    private func data(_ n: Int, _ p: Int) -> ([Double], [Double]) {
        var state: UInt64 = 42
        func next() -> Double {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Double(state >> 11) / Double(1 << 53) * 2 - 1
        }
        let x = (0..<n * p).map { _ in next() }
        let y = (0..<n).map { i in 2 * x[i * p] - x[i * p + 1] + 0.1 * next() }
        return (x, y)
    }

    func testFullBatchIsDeterministicGradientDescentAndSeedsReproduce() throws {
        let (n, p) = (20, 5)
        let (x, y) = data(n, p)
        let program = try leastSquares(batch: n, p: p)
        var sgd = SGD()
        let result = try x.withUnsafeBufferPointer { xp in
            try y.withUnsafeBufferPointer { yp in
                try program.train(parameters: [0], initial: [[Double](repeating: 0, count: p)],
                                  data: [TrainingData(argument: 1, values: xp.baseAddress!, rows: n),
                                         TrainingData(argument: 2, values: yp.baseAddress!, rows: n)],
                                  optimizer: &sgd, options: TrainingOptions(steps: 7, batchSize: n, learningRate: .constant(0.3)))
            }
        }
        var w = [Double](repeating: 0, count: p)
        for _ in 0..<7 {
            let g = try program.valueAndGradient([w, x, y]).gradients[0]
            for i in 0..<p { w[i] -= 0.3 * g[i] }
        }
        XCTAssertEqual(result.parameters[0], w)
        XCTAssertEqual(result.stop, .completed)

        // Minibatches: the same seed gives the same run, another seed another one.
        let small = try leastSquares(batch: 4, p: p)
        func run(seed: UInt64, replacement: Bool) throws -> [Double] {
            var opt = try Adam()
            return try x.withUnsafeBufferPointer { xp in
                try y.withUnsafeBufferPointer { yp in
                    try small.train(parameters: [0], initial: [[Double](repeating: 0, count: p)],
                                    data: [TrainingData(argument: 1, values: xp.baseAddress!, rows: n),
                                           TrainingData(argument: 2, values: yp.baseAddress!, rows: n)],
                                    optimizer: &opt,
                                    options: TrainingOptions(steps: 50, batchSize: 4, replacement: replacement, seed: seed,
                                                             learningRate: .constant(0.05), recordEvery: 10))
                }
            }.parameters[0]
        }
        for replacement in [false, true] {
            XCTAssertEqual(try run(seed: 1, replacement: replacement), try run(seed: 1, replacement: replacement))
            XCTAssertNotEqual(try run(seed: 1, replacement: replacement), try run(seed: 2, replacement: replacement))
        }
    }

    func testProximalSGDGivesExactZerosWhereSubgradientSGDDoesNot() throws {
        let (n, p) = (40, 8)
        let (x, y) = data(n, p)
        let lambda = 0.05
        // Subgradient: the L1 term is part of the traced loss.
        let g = Graph()
        let w = try g.input(shape: [p]), xv = try g.input(shape: [10, p]), yv = try g.input(shape: [10])
        let fit = try g.unary(.multiplyScalar(0.5), g.mean(g.square(g.subtract(g.matmul(xv, w), yv))))
        let withL1 = try Program(g, outputs: [try g.add(fit, g.unary(.multiplyScalar(lambda), g.reduce(.norm1, w)))])
        let smooth = try Program(g, outputs: [fit])
        func train(_ program: Program, prox: [ProximalTerm]) throws -> TrainingResult {
            var sgd = SGD()
            return try x.withUnsafeBufferPointer { xp in
                try y.withUnsafeBufferPointer { yp in
                    try program.train(parameters: [0], initial: [[Double](repeating: 0.3, count: p)],
                                      data: [TrainingData(argument: 1, values: xp.baseAddress!, rows: n),
                                             TrainingData(argument: 2, values: yp.baseAddress!, rows: n)],
                                      optimizer: &sgd, proximal: prox,
                                      options: TrainingOptions(steps: 2000, batchSize: 10, seed: 3,
                                                               learningRate: .constant(0.05), recordEvery: 500))
                }
            }
        }
        let subgradient = try train(withL1, prox: [])
        let proximal = try train(smooth, prox: [ProximalTerm(argument: 0, operator_: try L1Norm(strength: lambda))])
        XCTAssertEqual(subgradient.parameters[0].filter { $0 == 0 }.count, 0)
        XCTAssertGreaterThanOrEqual(proximal.parameters[0].filter { $0 == 0 }.count, 3)
        XCTAssertEqual(proximal.history.step, [0, 500, 1000, 1500, 2000])
        XCTAssertEqual(proximal.history.smallFraction.last!, Double(proximal.parameters[0].filter { abs($0) < 1e-5 }.count) / Double(p))
    }

    func testObserverStopsTheLoopWithTheStateReached() throws {
        let (n, p) = (20, 3)
        let (x, y) = data(n, p)
        let program = try leastSquares(batch: 5, p: p)
        var sgd = SGD()
        let result = try x.withUnsafeBufferPointer { xp in
            try y.withUnsafeBufferPointer { yp in
                try program.train(parameters: [0], initial: [[0, 0, 0]],
                                  data: [TrainingData(argument: 1, values: xp.baseAddress!, rows: n),
                                         TrainingData(argument: 2, values: yp.baseAddress!, rows: n)],
                                  optimizer: &sgd,
                                  options: TrainingOptions(steps: 1_000_000, batchSize: 5, learningRate: .constant(0.1)),
                                  observer: ProgressObserver(every: 10) { k, _ in k < 30 })
            }
        }
        XCTAssertEqual(result.stop, .cancelled)
        XCTAssertEqual(result.steps, 30)
    }
}
