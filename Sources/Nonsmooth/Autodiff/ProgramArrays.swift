/// Array conveniences for Swift callers; each validates lengths and forwards to
/// the pointer-based entry points of `Program`.
extension Program {
    private func withInputs<S: ProgramScalar, R>(_ inputs: [[S]], _ body: ([UnsafePointer<S>]) throws -> R) throws -> R {
        try require(inputs.count == inputNodes.count, "inputs",
                    "the program takes \(inputNodes.count) arguments, got \(inputs.count)")
        for (k, a) in inputs.enumerated() {
            try require(a.count == inputCounts[k], "argument \(k)",
                        "has \(a.count) values, the program expects shape \(inputShapes[k])")
        }
        // Contiguous copies outlive the closure only through the pointers' scope.
        let buffers = inputs.map { a -> UnsafeMutablePointer<S> in
            let p = UnsafeMutablePointer<S>.allocate(capacity: Swift.max(a.count, 1))
            p.initialize(from: a, count: a.count)
            return p
        }
        defer { buffers.forEach { $0.deallocate() } }
        return try body(buffers.map { UnsafePointer($0) })
    }

    private func makeBuffers<S: ProgramScalar>(_ counts: [Int], _ type: S.Type) -> [UnsafeMutablePointer<S>] {
        counts.map { c in
            let p = UnsafeMutablePointer<S>.allocate(capacity: Swift.max(c, 1))
            p.initialize(repeating: 0, count: Swift.max(c, 1))
            return p
        }
    }

    private func arrays<S: ProgramScalar>(_ buffers: [UnsafeMutablePointer<S>], _ counts: [Int]) -> [[S]] {
        zip(buffers, counts).map { Array(UnsafeBufferPointer(start: $0, count: $1)) }
    }

    /// The outputs and the kink report.
    public func evaluate(_ inputs: [[Double]], policy: KinkPolicy = .standard) throws -> ([[Double]], KinkReport) {
        try evaluateArrays(inputs, policy: policy)
    }

    /// The outputs and the kink report, in the precision of the inputs (Float or Double).
    public func evaluate<S: ProgramScalar>(_ inputs: [[S]], policy: KinkPolicy = .standard) throws -> ([[S]], KinkReport) {
        try evaluateArrays(inputs, policy: policy)
    }

    private func evaluateArrays<S: ProgramScalar>(_ inputs: [[S]], policy: KinkPolicy) throws -> ([[S]], KinkReport) {
        try withInputs(inputs) { p in
            let out = makeBuffers(outputCounts, S.self)
            defer { out.forEach { $0.deallocate() } }
            let report = try evaluate(inputs: p, outputs: out, policy: policy)
            return (arrays(out, outputCounts), report)
        }
    }

    /// Value of the scalar output 0 and its gradient with respect to each `wrt` argument.
    public func valueAndGradient(
        _ inputs: [[Double]], wrt: [Int] = [0], policy: KinkPolicy = .standard
    ) throws -> (value: Double, gradients: [[Double]], kinks: KinkReport) {
        try valueAndGradientArrays(inputs, wrt: wrt, policy: policy)
    }

    /// The same in the precision of the inputs (Float or Double).
    public func valueAndGradient<S: ProgramScalar>(
        _ inputs: [[S]], wrt: [Int] = [0], policy: KinkPolicy = .standard
    ) throws -> (value: S, gradients: [[S]], kinks: KinkReport) {
        try valueAndGradientArrays(inputs, wrt: wrt, policy: policy)
    }

    private func valueAndGradientArrays<S: ProgramScalar>(
        _ inputs: [[S]], wrt: [Int], policy: KinkPolicy
    ) throws -> (value: S, gradients: [[S]], kinks: KinkReport) {
        try require(outputCounts[0] == 1, "output", "a gradient needs a scalar output, got shape \(outputShapes[0])")
        return try withInputs(inputs) { p in
            try checkWrt(wrt)
            let counts = wrt.map { inputCounts[$0] }
            let grads = makeBuffers(counts, S.self), out = makeBuffers(outputCounts, S.self)
            defer { (grads + out).forEach { $0.deallocate() } }
            var seed: S = 1
            let report = try withUnsafePointer(to: &seed) { s in
                var cot = [UnsafePointer<S>?](repeating: nil, count: outputCounts.count)
                cot[0] = s
                return try vjp(inputs: p, cotangents: cot, wrt: wrt, gradients: grads, outputs: out, policy: policy)
            }
            return (out[0][0], arrays(grads, counts), report)
        }
    }

    /// Directional derivatives of every output along `tangents` (one per argument).
    public func jvp(_ inputs: [[Double]], tangents: [[Double]?], policy: KinkPolicy = .standard) throws -> ([[Double]], KinkReport) {
        try withInputs(inputs) { p in
            try require(tangents.count == inputCounts.count, "tangents", "one per argument (or nil) is needed")
            for (k, t) in tangents.enumerated() where t != nil {
                try require(t!.count == inputCounts[k], "tangents", "tangent \(k) has \(t!.count) values, expected \(inputCounts[k])")
            }
            let tb = tangents.map { t -> UnsafeMutablePointer<Double>? in
                guard let t else { return nil }
                let b = UnsafeMutablePointer<Double>.allocate(capacity: Swift.max(t.count, 1))
                b.initialize(from: t, count: t.count)
                return b
            }
            let out = makeBuffers(outputCounts, Double.self)
            defer { out.forEach { $0.deallocate() }; tb.forEach { $0?.deallocate() } }
            let report = try jvp(inputs: p, tangents: tb.map { $0.map { UnsafePointer($0) } }, outputTangents: out, policy: policy)
            return (arrays(out, outputCounts), report)
        }
    }

    /// Row-major Jacobian of output `output` with respect to argument `wrt`.
    public func jacobian(_ inputs: [[Double]], output: Int = 0, wrt: Int = 0, policy: KinkPolicy = .standard) throws -> [Double] {
        try withInputs(inputs) { p in
            try checkOutputIndex(output)
            try checkWrt([wrt])
            var j = [Double](repeating: 0, count: outputCounts[output] * inputCounts[wrt])
            try j.withUnsafeMutableBufferPointer { b in
                guard let base = b.baseAddress else { return }
                try jacobian(inputs: p, output: output, wrt: wrt, jacobian: base, policy: policy)
            }
            return j
        }
    }

    /// Hessian-vector product of the scalar output 0 along `direction` (argument `wrt`).
    public func hessianVectorProduct(_ inputs: [[Double]], wrt: Int = 0, direction: [Double], policy: KinkPolicy = .standard) throws -> [Double] {
        try withInputs(inputs) { p in
            try checkWrt([wrt])
            try require(direction.count == inputCounts[wrt], "direction",
                        "has \(direction.count) values, expected \(inputCounts[wrt])")
            let out = makeBuffers([inputCounts[wrt]], Double.self)
            defer { out.forEach { $0.deallocate() } }
            try direction.withUnsafeBufferPointer { d in
                let dp = d.baseAddress ?? UnsafePointer(out[0])
                try hvp(inputs: p, wrt: [wrt], directions: [dp], products: out, policy: policy)
            }
            return arrays(out, [inputCounts[wrt]])[0]
        }
    }

    /// The lexicographic derivative with identity directions: the L-derivative
    /// Jacobian of output `output` with respect to argument `wrt`, row-major.
    public func lexicographicJacobian(_ inputs: [[Double]], output: Int = 0, wrt: Int = 0) throws -> [Double] {
        try withInputs(inputs) { p in
            try checkOutputIndex(output)
            try checkWrt([wrt])
            let n = inputCounts[wrt], m = outputCounts[output]
            guard n > 0, m > 0 else { return [Double](repeating: 0, count: m * n) }
            var identity = [Double](repeating: 0, count: n * n)
            for i in 0..<n { identity[i * n + i] = 1 }
            var result = [Double](repeating: 0, count: m * n)
            _ = try identity.withUnsafeBufferPointer { idp in
                try result.withUnsafeMutableBufferPointer { r in
                    try lexicographicDerivative(inputs: p, wrt: [wrt], directions: [idp.baseAddress!],
                                                directionCount: n, output: output, result: r.baseAddress!)
                }
            }
            return result
        }
    }
}
