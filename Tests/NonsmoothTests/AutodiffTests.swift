import XCTest
@testable import Nonsmooth

/// A deterministic generator for test data.
private struct LCG {
    var state: UInt64
    mutating func next() -> Double {
        state = state &* 6364136223846793005 &+ 1442695040888963407
        return Double(state >> 11) / Double(1 << 53) * 2 - 1
    }
    mutating func vector(_ n: Int) -> [Double] { (0..<n).map { _ in next() } }
}

/// Central finite differences of output 0 (scalar) with respect to argument `wrt`.
private func numericGradient(_ p: Program, _ inputs: [[Double]], wrt: Int, h: Double = 1e-6) throws -> [Double] {
    var grad = [Double](repeating: 0, count: inputs[wrt].count)
    for i in grad.indices {
        var plus = inputs, minus = inputs
        plus[wrt][i] += h
        minus[wrt][i] -= h
        grad[i] = (try p.evaluate(plus).0[0][0] - p.evaluate(minus).0[0][0]) / (2 * h)
    }
    return grad
}

private func assertClose(_ a: [Double], _ b: [Double], tol: Double, _ message: String = "",
                         file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertEqual(a.count, b.count, message, file: file, line: line)
    for (x, y) in zip(a, b) {
        XCTAssertLessThanOrEqual(abs(x - y), tol * max(1, abs(y)), "\(message): \(a) vs \(b)", file: file, line: line)
    }
}

final class AutodiffTests: XCTestCase {
    /// loss(W1, b1, W2, x, y) = mean((W2 relu(W1 x + b1) − y)²) + 0.1‖W1‖₁
    func makeMLP(batch: Int = 4, d: Int = 3, h: Int = 5) throws -> Program {
        let g = Graph()
        let w1 = try g.input(shape: [d, h]), b1 = try g.input(shape: [h]), w2 = try g.input(shape: [h, 1])
        let x = try g.input(shape: [batch, d]), y = try g.input(shape: [batch, 1])
        let hidden = try g.relu(g.add(g.matmul(x, w1), b1))
        let r = try g.subtract(g.matmul(hidden, w2), y)
        let loss = try g.add(g.mean(g.square(r)), g.unary(.multiplyScalar(0.1), g.reduce(.norm1, w1)))
        return try Program(g, outputs: [loss])
    }

    func testMLPGradientMatchesFiniteDifferences() throws {
        let p = try makeMLP()
        var rng = LCG(state: 7)
        let inputs = p.inputCounts.map { rng.vector($0) }
        let (_, grads, kinks) = try p.valueAndGradient(inputs, wrt: [0, 1, 2])
        XCTAssertTrue(kinks.isEmpty)
        for (j, wrt) in [0, 1, 2].enumerated() {
            assertClose(grads[j], try numericGradient(p, inputs, wrt: wrt), tol: 1e-7, "argument \(wrt)")
        }
    }

    func testUnaryPrimitivesMatchFiniteDifferences() throws {
        let functions: [UnaryFunction] = [
            .negate, .abs, .relu, .square, .reciprocal, .leakyRelu(slope: 0.1), .exp, .tanh, .sin, .cos,
            .softplus, .sigmoid, .gelu(approximate: false), .gelu(approximate: true), .power(3),
            .addScalar(2), .multiplyScalar(-3), .clip(lower: -0.5, upper: 0.5), .softThreshold(0.3),
            .hinge, .huber(delta: 0.4),
        ]
        var rng = LCG(state: 3)
        let x = rng.vector(6).map { 1.7 * $0 + 0.05 }
        for f in functions {
            let g = Graph()
            let v = try g.input(shape: [6])
            let out = try g.sum(g.multiply(g.unary(f, v), g.constant([1, 2, 3, -1, 0.5, 2], shape: [6])))
            let p = try Program(g, outputs: [out])
            let (_, grads, _) = try p.valueAndGradient([x])
            assertClose(grads[0], try numericGradient(p, [x], wrt: 0), tol: 1e-6, f.name)
            // Forward mode agrees with reverse mode.
            let (tangent, _) = try p.jvp([x], tangents: [[1, 0, 0, 0, 0, 1]])
            XCTAssertEqual(tangent[0][0], grads[0][0] + grads[0][5], accuracy: 1e-12, f.name)
        }
        for f in [UnaryFunction.sqrt, .log, .log1p, .power(0.5)] {
            let g = Graph()
            let v = try g.input(shape: [3])
            let p = try Program(g, outputs: [try g.sum(g.unary(f, v))])
            let x = [0.3, 1.2, 2.5]
            assertClose(try p.valueAndGradient([x]).gradients[0], try numericGradient(p, [x], wrt: 0), tol: 1e-6, f.name)
        }
    }

    func testBinaryReductionsSortAndLossesMatchFiniteDifferences() throws {
        var rng = LCG(state: 11)
        let g = Graph()
        let a = try g.input(shape: [3, 4]), b = try g.input(shape: [4])
        var terms: [Value] = []
        terms.append(try g.sum(g.binary(.divide, a, g.unary(.addScalar(3), b))))
        terms.append(try g.sum(g.maximum(a, b)))
        terms.append(try g.sum(g.minimum(a, b)))
        terms.append(try g.sum(g.binary(.power, g.unary(.addScalar(2), a), b)))
        for r: Reduction in [.max, .min, .norm1, .norm2, .normInf, .logSumExp, .mean] {
            terms.append(try g.sum(g.reduce(r, a, axes: [1])))
            terms.append(try g.reduce(r, a, axes: [0, 1]))
        }
        let weights = try g.constant([1, -2, 0.5, 3], shape: [4])
        terms.append(try g.sum(g.multiply(g.sort(a), weights)))
        terms.append(try g.sum(g.softmaxCrossEntropy(logits: a, targets: g.unary(.sigmoid, a))))
        terms.append(try g.sum(g.maxPool(a, window: [2, 2], strides: [1, 1])))
        terms.append(try g.sum(g.multiply(g.concatenate([a, g.unary(.exp, a)], axis: 1), g.constant(rng.vector(24), shape: [3, 8]))))
        terms.append(try g.sum(g.multiply(g.concatenate([a, g.transpose(g.reshape(b, [4, 1]))], axis: 0), g.constant(rng.vector(16), shape: [4, 4]))))
        var total = terms[0]
        for t in terms.dropFirst() { total = try g.add(total, t) }
        let p = try Program(g, outputs: [total])
        let inputs = [rng.vector(12), rng.vector(4).map { $0 + 0.01 }]
        let (_, grads, kinks) = try p.valueAndGradient(inputs, wrt: [0, 1])
        XCTAssertTrue(kinks.isEmpty, "\(kinks)")
        assertClose(grads[0], try numericGradient(p, inputs, wrt: 0), tol: 1e-6, "a")
        assertClose(grads[1], try numericGradient(p, inputs, wrt: 1), tol: 1e-6, "b")
    }

    func testJacobianForwardAndReverseAgree() throws {
        let g = Graph()
        let x = try g.input(shape: [3]), w = try g.constant([1, 2, -1, 0.5, 0.3, -2], shape: [2, 3])
        let y = try g.unary(.tanh, g.matmul(w, x))              // 2 outputs
        let z = try g.sort(g.unary(.softplus, g.concatenate([x, y], axis: 0)))  // 5 outputs
        let p = try Program(g, outputs: [y, z])
        let inputs = [[0.3, -0.7, 1.1]]
        let jy = try p.jacobian(inputs, output: 0)   // reverse (2 ≤ 3)
        let jz = try p.jacobian(inputs, output: 1)   // forward (5 > 3)
        for (jac, out, m) in [(jy, 0, 2), (jz, 1, 5)] {
            for col in 0..<3 {
                var t = [0.0, 0, 0]
                t[col] = 1
                let d = try p.jvp(inputs, tangents: [t]).0[out]
                for row in 0..<m { XCTAssertEqual(jac[row * 3 + col], d[row], accuracy: 1e-12) }
            }
        }
    }

    func testHessianVectorProductMatchesFiniteDifferencesOfGradient() throws {
        let g = Graph()
        let x = try g.input(shape: [4])
        let w = try g.constant([1, 2, -1, 0.5, 0.3, -2, 1, 1], shape: [2, 4])
        let f = try g.add(g.reduce(.logSumExp, g.unary(.tanh, g.matmul(w, x))),
                          g.add(g.reduce(.norm2, x), g.sum(g.unary(.gelu(approximate: false), x))))
        let p = try Program(g, outputs: [f])
        let x0 = [0.3, -0.7, 1.1, 0.2], v = [1.0, -2, 0.5, 0.25]
        let hv = try p.hessianVectorProduct([x0], direction: v)
        let h = 1e-5
        let gp = try p.valueAndGradient([zip(x0, v).map { $0 + h * $1 }]).gradients[0]
        let gm = try p.valueAndGradient([zip(x0, v).map { $0 - h * $1 }]).gradients[0]
        assertClose(hv, zip(gp, gm).map { ($0 - $1) / (2 * h) }, tol: 1e-6)
    }

    // MARK: kinks

    private func derivativeAtZero(_ build: (Graph, Value) throws -> Value, policy: KinkPolicy) throws -> (Double, KinkReport) {
        let g = Graph()
        let x = try g.input(shape: [])
        let p = try Program(g, outputs: [try build(g, x)])
        let r = try p.valueAndGradient([[0]], policy: policy)
        return (r.gradients[0][0], r.kinks)
    }

    func testOneRuleForEverySpellingOfRelu() throws {
        for s in [0.0, 0.3, 1.0] {
            let policy = try KinkPolicy(reluAtZero: s)
            let spellings: [(Graph, Value) throws -> Value] = [
                { g, x in try g.relu(x) },
                { g, x in try g.maximum(x, g.scalar(0)) },
                { g, x in try g.unary(.clip(lower: 0, upper: .infinity), x) },
                { g, x in try g.unary(.clip(lower: -1, upper: 0), x) },
                { g, x in try g.unary(.softThreshold(1), g.unary(.addScalar(1), x)) },
                { g, x in try g.minimum(x, g.scalar(0)) },
            ]
            for (k, spell) in spellings.enumerated() {
                let (d, report) = try derivativeAtZero(spell, policy: policy)
                XCTAssertEqual(d, s, "spelling \(k), s = \(s)")
                XCTAssertEqual(report.total, 1, "spelling \(k)")
            }
            // relu(x) − relu(−x) = x has AD derivative 2s; max(x,0) + min(x,0) = x also 2s.
            let (d1, r1) = try derivativeAtZero({ g, x in try g.subtract(g.relu(x), g.relu(g.unary(.negate, x))) }, policy: policy)
            XCTAssertEqual(d1, 2 * s)
            XCTAssertEqual(r1["relu"], 2)
            let (d2, _) = try derivativeAtZero({ g, x in
                try g.add(g.maximum(x, g.scalar(0)), g.minimum(x, g.scalar(0))) }, policy: policy)
            XCTAssertEqual(d2, 2 * s)
        }
        let (ab, _) = try derivativeAtZero({ g, x in try g.abs(x) }, policy: try KinkPolicy(absAtZero: -0.4))
        XCTAssertEqual(ab, -0.4)
        let (hinge, _) = try derivativeAtZero({ g, x in try g.unary(.hinge, g.unary(.addScalar(1), x)) },
                                              policy: try KinkPolicy(reluAtZero: 0.25))
        XCTAssertEqual(hinge, -0.25)
    }

    func testNorm2AtZeroIsTheChosenSubgradientNeverNaN() throws {
        let g = Graph()
        let x = try g.input(shape: [4])
        let p = try Program(g, outputs: [try g.reduce(.norm2, x)])
        let zero = [[0.0, 0, 0, 0]]
        XCTAssertEqual(try p.valueAndGradient(zero).gradients[0], [0, 0, 0, 0])
        XCTAssertEqual(try p.valueAndGradient(zero, policy: try KinkPolicy(norm2AtZero: 1)).gradients[0], [0.5, 0.5, 0.5, 0.5])
        let g2 = Graph()
        let y = try g2.input(shape: [4])
        let sq = try Program(g2, outputs: [try g2.square(g2.reduce(.norm2, y))])
        XCTAssertEqual(try sq.valueAndGradient(zero).gradients[0], [0, 0, 0, 0])
        XCTAssertThrowsError(try KinkPolicy(norm2AtZero: 1.5))
    }

    func testTiesLowestIndexOrSplit() throws {
        let g = Graph()
        let x = try g.input(shape: [4])
        let mx = try Program(g, outputs: [try g.reduce(.max, x)])
        let tied = [[1.0, 3, 3, 2]]
        XCTAssertEqual(try mx.valueAndGradient(tied).gradients[0], [0, 1, 0, 0])
        XCTAssertEqual(try mx.valueAndGradient(tied, policy: try KinkPolicy(ties: .split)).gradients[0], [0, 0.5, 0.5, 0])
        XCTAssertEqual(try mx.valueAndGradient(tied).kinks["max"], 1)

        let gs = Graph()
        let xs = try gs.input(shape: [4])
        let sorted = try gs.sort(xs)
        let p = try Program(gs, outputs: [try gs.sum(gs.multiply(sorted, gs.constant([1, 2, 3, 4], shape: [4])))])
        // sorted = (1, 2, 3, 3): positions 2 and 3 hold inputs 1 and 2.
        XCTAssertEqual(try p.valueAndGradient(tied).gradients[0], [1, 3, 4, 2])
        XCTAssertEqual(try p.valueAndGradient(tied, policy: try KinkPolicy(ties: .split)).gradients[0], [1, 3.5, 3.5, 2])

        // Overlapping 1-D pooling windows over (2, 2, 1): windows (2, 2) — a tie — and (2, 1).
        let gp = Graph()
        let xp = try gp.input(shape: [3])
        let pool = try Program(gp, outputs: [try gp.sum(gp.maxPool(xp, window: [2], strides: [1]))])
        let r = try pool.valueAndGradient([[2, 2, 1]])
        XCTAssertEqual(r.gradients[0], [1, 1, 0])
        XCTAssertEqual(r.kinks["max_pool1d"], 1)
        XCTAssertEqual(try pool.valueAndGradient([[2, 2, 1]], policy: try KinkPolicy(ties: .split)).gradients[0], [0.5, 1.5, 0])
    }

    func testDoubleWhereTrapGivesNoNaN() throws {
        let g = Graph()
        let x = try g.input(shape: [2])
        let y = try g.select(g.binary(.compare(.greater), x, g.scalar(0)), g.unary(.sqrt, x), x)
        let p = try Program(g, outputs: [try g.sum(y)])
        XCTAssertEqual(try p.valueAndGradient([[-1, 4]]).gradients[0], [1, 0.25])
        let g2 = Graph()
        let z = try g2.input(shape: [1])
        let guarded = try g2.select(g2.binary(.compare(.greater), z, g2.scalar(0)),
                                    g2.multiply(z, g2.unary(.log, z)), g2.scalar(0))
        let p2 = try Program(g2, outputs: [try g2.sum(guarded)])
        XCTAssertEqual(try p2.valueAndGradient([[-2]]).gradients[0], [0])
    }

    func testKhanBartonExampleLexicographic() throws {
        // f(x) = max(min(x1, −x2), x2 − x1) at 0.
        let g = Graph()
        let x = try g.input(shape: [2])
        let x1 = try g.gather(x, indices: [0], shape: []), x2 = try g.gather(x, indices: [1], shape: [])
        let f = try g.maximum(g.minimum(x1, g.unary(.negate, x2)), g.subtract(x2, x1))
        let p = try Program(g, outputs: [f])
        let lex = try p.lexicographicJacobian([[0, 0]])
        XCTAssertEqual(lex, [0, -1])
        // The reverse-mode answer under any policy lies in conv{(1,0), (0,−1), (−1,1)}.
        for s in [0.0, 0.5, 1.0] {
            let d = try p.valueAndGradient([[0, 0]], policy: try KinkPolicy(reluAtZero: s)).gradients[0]
            // Barycentric coordinates: λ1 − λ3 = d0, −λ2 + λ3 = d1, λ1 + λ2 + λ3 = 1.
            let lambda3 = (1 - d[0] + d[1]) / 3, lambda1 = d[0] + lambda3, lambda2 = lambda3 - d[1]
            for l in [lambda1, lambda2, lambda3] { XCTAssertGreaterThanOrEqual(l, -1e-12, "s = \(s): \(d)") }
        }
        // relu(x) − relu(−x) = x: lexicographic mode gives the true derivative 1.
        let g2 = Graph()
        let y = try g2.input(shape: [])
        let p2 = try Program(g2, outputs: [try g2.subtract(g2.relu(y), g2.relu(g2.unary(.negate, y)))])
        XCTAssertEqual(try p2.lexicographicJacobian([[0]]), [1])
        // |x| at 0 with direction −1: the LD-derivative is |−1| = 1 along it.
        let g3 = Graph()
        let z = try g3.input(shape: [2])
        let p3 = try Program(g3, outputs: [try g3.reduce(.norm2, z)])
        XCTAssertEqual(try p3.lexicographicJacobian([[0, 0]]), [1, 0])
    }

    func testStrictModeAndReports() throws {
        let g = Graph()
        let x = try g.input(shape: [3])
        let p = try Program(g, outputs: [try g.sum(g.add(g.relu(x), g.abs(x)))])
        let report = try p.valueAndGradient([[0, 1, 0]]).kinks
        XCTAssertEqual(report["relu"], 2)
        XCTAssertEqual(report["abs"], 2)
        XCTAssertEqual(report.total, 4)
        XCTAssertThrowsError(try p.valueAndGradient([[0, 1, 0]], policy: try KinkPolicy(strict: true)))
        XCTAssertNoThrow(try p.valueAndGradient([[0.5, 1, -2]], policy: try KinkPolicy(strict: true)))
    }

    func testShapeErrorsAtTraceTimeNameTheOperation() throws {
        let g = Graph()
        let a = try g.input(shape: [3, 4]), b = try g.input(shape: [5])
        XCTAssertThrowsError(try g.matmul(a, b)) { error in
            XCTAssertTrue("\(error)".contains("matmul") && "\(error)".contains("(3, 4)") && "\(error)".contains("(5,)"), "\(error)")
        }
        XCTAssertThrowsError(try g.add(a, b)) { error in
            XCTAssertTrue("\(error)".contains("add") && "\(error)".contains("broadcast"), "\(error)")
        }
        XCTAssertThrowsError(try g.reshape(a, [5, -1]))
        XCTAssertThrowsError(try g.reduce(.sum, a, axes: [2]))
        let p = try Program(g, outputs: [try g.sum(a)])
        XCTAssertThrowsError(try p.evaluate([[Double](repeating: .nan, count: 12), [1, 2, 3, 4, 5]]))
        XCTAssertThrowsError(try p.evaluate([[1]]))
    }

    func testDeadNodesAreDroppedAndWorkspacesReused() throws {
        let g = Graph()
        let x = try g.input(shape: [2])
        _ = try g.unary(.exp, x)
        let p = try Program(g, outputs: [try g.sum(x)])
        XCTAssertEqual(p.operationCount, 2)
        for _ in 0..<3 { XCTAssertEqual(try p.evaluate([[1, 2]]).0[0], [3]) }
    }

    /// The same program in float32: values and gradients within float32 accuracy of
    /// float64 at the same (float32) point, unary primitives included, and the same
    /// kink report at a point on kinks.
    func testFloat32AgreesWithFloat64() throws {
        let p = try makeMLP()
        var rng = LCG(state: 11)
        let inputs32 = p.inputCounts.map { rng.vector($0).map { Float($0) } }
        let inputs64 = inputs32.map { $0.map { Double($0) } }
        let r32 = try p.valueAndGradient(inputs32, wrt: [0, 1, 2])
        let r64 = try p.valueAndGradient(inputs64, wrt: [0, 1, 2])
        XCTAssertEqual(Double(r32.value), r64.value, accuracy: 1e-5 * max(1, abs(r64.value)))
        for j in 0..<3 {
            assertClose(r32.gradients[j].map { Double($0) }, r64.gradients[j], tol: 2e-5, "argument \(j)")
        }
        XCTAssertEqual(r32.kinks, r64.kinks)

        let functions: [UnaryFunction] = [
            .abs, .relu, .leakyRelu(slope: 0.1), .exp, .sqrt, .tanh, .sin, .cos, .softplus, .sigmoid,
            .gelu(approximate: false), .gelu(approximate: true), .power(3), .clip(lower: -0.5, upper: 0.5),
            .softThreshold(0.25), .hinge, .huber(delta: 0.5),
        ]
        // Kinks of relu/abs/clip/soft-threshold/hinge/huber, exactly representable in float32.
        let x: [Float] = [0, 0.5, -0.5, 0.25, -0.25, 1, 1.3, 0.7]
        for f in functions {
            let g = Graph()
            let v = try g.input(shape: [8])
            let p = try Program(g, outputs: [try g.sum(g.unary(f, g.unary(.abs, v)))])
            let a = try p.valueAndGradient([x]), b = try p.valueAndGradient([x.map { Double($0) }])
            XCTAssertEqual(a.kinks, b.kinks, f.name)
            assertClose(a.gradients[0].map { Double($0) }, b.gradients[0], tol: 1e-5, f.name)
            XCTAssertEqual(Double(a.value), b.value, accuracy: 1e-5 * max(1, abs(b.value)), f.name)
        }
    }

    /// Training in float32 (data in float32, float64 master weights) reaches the
    /// float64 run's solution within float32 accuracy.
    func testTrainingInFloat32() throws {
        let g = Graph()
        let w = try g.input(shape: [3]), x = try g.input(shape: [4, 3]), y = try g.input(shape: [4])
        let loss = try g.mean(g.square(g.subtract(g.matmul(x, w), y)))
        let p = try Program(g, outputs: [loss])
        var rng = LCG(state: 5)
        let xs = rng.vector(24), wTrue = [0.5, -1.0, 2.0]
        let ys = (0..<8).map { i in (0..<3).reduce(0.0) { $0 + xs[3 * i + $1] * wTrue[$1] } }
        let options = TrainingOptions(steps: 400, batchSize: 4, seed: 1, learningRate: .constant(0.2), recordEvery: 100)
        func run<S: ProgramScalar>(_ type: S.Type) throws -> [Double] {
            let xS = xs.map { S($0) }, yS = ys.map { S($0) }
            return try xS.withUnsafeBufferPointer { xp in
                try yS.withUnsafeBufferPointer { yp in
                    var sgd = SGD()
                    return try p.train(parameters: [0], initial: [[0, 0, 0]],
                                       data: [TrainingData(argument: 1, values: xp.baseAddress!, rows: 8),
                                              TrainingData(argument: 2, values: yp.baseAddress!, rows: 8)],
                                       optimizer: &sgd, options: options).parameters[0]
                }
            }
        }
        let w32 = try run(Float.self), w64 = try run(Double.self)
        assertClose(w32, w64, tol: 1e-4, "float32 vs float64 training")
        assertClose(w64, wTrue, tol: 1e-3, "float64 training")
    }
}
