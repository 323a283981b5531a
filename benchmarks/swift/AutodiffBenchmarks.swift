import COpenBLAS
import Foundation
import Nonsmooth

/// Per-call cost of value-and-gradient of a three-layer ReLU network. Prints;
/// the comparison with JAX lives in benchmarks/bench_autodiff.py.
enum AutodiffBenchmarks {
    static func mlpValueAndGradient() throws {
        for (width, batch) in TimingSizes.sizes {
            let d = 16
            let g = Graph()
            let w1 = try g.input(shape: [d, width]), b1 = try g.input(shape: [width])
            let w2 = try g.input(shape: [width, width]), b2 = try g.input(shape: [width])
            let w3 = try g.input(shape: [width, 1]), b3 = try g.input(shape: [1])
            let x = try g.input(shape: [batch, d]), y = try g.input(shape: [batch, 1])
            let h1 = try g.relu(g.add(g.matmul(x, w1), b1))
            let h2 = try g.relu(g.add(g.matmul(h1, w2), b2))
            let out = try g.add(g.matmul(h2, w3), b3)
            let loss = try g.mean(g.square(g.subtract(out, y)))
            let p = try Program(g, outputs: [loss])
            var rng = SplitMix64(seed: 1)
            let inputs = p.inputCounts.map { n in (0..<n).map { _ in Double.random(in: -0.3...0.3, using: &rng) } }
            let clock = ContinuousClock()
            // The pointer API, as the C ABI calls it (no copies of the arguments).
            let ptrs = inputs.map { a -> UnsafePointer<Double> in
                let q = UnsafeMutablePointer<Double>.allocate(capacity: a.count)
                q.initialize(from: a, count: a.count)
                return UnsafePointer(q)
            }
            let grads = p.inputCounts.map { UnsafeMutablePointer<Double>.allocate(capacity: $0) }
            let outBuf = UnsafeMutablePointer<Double>.allocate(capacity: 1)
            let one = UnsafeMutablePointer<Double>.allocate(capacity: 1)
            one.initialize(to: 1)
            let seed: [UnsafePointer<Double>?] = [UnsafePointer(one)]
            let gradBuffers = Array(grads[0..<6])
            let reps = max(50, 20_000_000 / (width * width * max(batch, 8) + 1))
            _ = try p.valueAndGradient(inputs, wrt: [0, 1, 2, 3, 4, 5])
            let t = clock.measure {
                for _ in 0..<reps {
                    _ = try? p.vjp(inputs: ptrs, cotangents: seed, wrt: [0, 1, 2, 3, 4, 5],
                                   gradients: gradBuffers, outputs: [outBuf])
                }
            }
            let us = (Double(t.components.seconds) * 1e6 + Double(t.components.attoseconds) * 1e-12) / Double(reps)
            let tf = clock.measure { for _ in 0..<reps { _ = try? p.evaluate(inputs: ptrs, outputs: [outBuf]) } }
            let usf = (Double(tf.components.seconds) * 1e6 + Double(tf.components.attoseconds) * 1e-12) / Double(reps)
            // The three products of the forward pass, alone.
            let a = [Double](repeating: 0.1, count: batch * width), b = [Double](repeating: 0.2, count: width * width)
            var c = [Double](repeating: 0, count: batch * width)
            let tg = clock.measure {
                for _ in 0..<reps {
                    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(batch), Int32(width), Int32(width),
                                1, a, Int32(width), b, Int32(width), 0, &c, Int32(width))
                }
            }
            let usg = (Double(tg.components.seconds) * 1e6 + Double(tg.components.attoseconds) * 1e-12) / Double(reps)
            print("width \(width) batch \(batch): \(us) µs per value_and_grad, \(usf) µs per evaluate, \(usg) µs per hidden-layer gemm")
        }
    }

/// Sizes of the timing run; NS_TIMING_SIZES="32x64,256x64" narrows it for profiling.
enum TimingSizes {
    static var sizes: [(Int, Int)] {
        guard let raw = getenv("NS_TIMING_SIZES") else { return [(32, 1), (32, 64), (256, 64), (1024, 256)] }
        return String(cString: raw).split(separator: ",").compactMap { pair in
            let parts = pair.split(separator: "x").compactMap { Int($0) }
            return parts.count == 2 ? (parts[0], parts[1]) : nil
        }
    }
}

    /// Per-primitive cost on scalars: a chain of 500 elementwise operations.
    static func scalarChain() throws {
        let g = Graph()
        var x = try g.input(shape: [])
        let input = x
        for k in 0..<250 {
            x = k % 2 == 0 ? try g.unary(.addScalar(0.1), g.unary(.tanh, x)) : try g.unary(.addScalar(0.01), g.relu(x))
        }
        let p = try Program(g, outputs: [x])
        _ = input
        let one = UnsafeMutablePointer<Double>.allocate(capacity: 1)
        one.initialize(to: 1)
        let xv = UnsafeMutablePointer<Double>.allocate(capacity: 1)
        xv.initialize(to: 0.3)
        let grad = UnsafeMutablePointer<Double>.allocate(capacity: 1)
        let out = UnsafeMutablePointer<Double>.allocate(capacity: 1)
        let clock = ContinuousClock()
        let reps = 20_000
        let t = clock.measure {
            for _ in 0..<reps {
                _ = try? p.vjp(inputs: [UnsafePointer(xv)], cotangents: [UnsafePointer(one)], wrt: [0],
                               gradients: [grad], outputs: [out])
            }
        }
        let ns = (Double(t.components.seconds) * 1e9 + Double(t.components.attoseconds) * 1e-9) / Double(reps * 500)
        print("scalar chain: \(ns) ns per primitive (value and gradient)")
    }
}
