/// How the forward pass decides at kinks.
enum ForwardMode {
    /// Decisions follow the `KinkPolicy`.
    case policy
    /// Ties are left undecided (NaN) and refined by each pass's tangents.
    case lexicographic(firstPass: Bool)
}

/// What a kernel needs to know about kinks, and where it counts them.
struct KinkContext {
    let policy: KinkPolicy
    let lexicographic: Bool
    /// In lexicographic mode, the first pass resets every tie to undecided.
    let firstPass: Bool
    var kinks = 0
    /// Elements where a decision (a comparison, a branch) met NaN, or where a
    /// primitive turned a number into NaN (log or sqrt of a negative number):
    /// reported as "label[nan]" next to the kinks, since no derivative exists there.
    var nans = 0

    /// relu'(0), the one rule of every 0/1 slope jump.
    var s: Double { policy.reluAtZero }
}

extension Program {
    func runForward<S: ADScalar>(
        _ ws: Workspace<S>, policy: KinkPolicy, mode: ForwardMode, countKinks: Bool = true
    ) throws -> KinkReport {
        var report = KinkReport()
        let (lex, first): (Bool, Bool)
        switch mode {
        case .policy: (lex, first) = (false, true)
        case .lexicographic(let f): (lex, first) = (true, f)
        }
        var ctx = KinkContext(policy: policy, lexicographic: lex, firstPass: first)
        // The flat plan: no Node (arrays, strings) is copied per step, so the
        // interpreter costs no reference counting on the hot path.
        let ops = plan.operations, starts = plan.inputStarts, ids = plan.inputIDs, counts = plan.counts
        var poller = Interruption.Poller()   // Ctrl-C between primitives, when the host asks
        for id in 0..<plan.count {
            try poller.check()
            let out = ws.value(id)
            let dec = ws.decisions + decisionOffsets[id]
            let n = counts[id]
            let first = starts[id]
            @inline(__always) func operand(_ k: Int) -> UnsafeMutablePointer<S> { ws.value(ids[first + k]) }
            ctx.kinks = 0
            ctx.nans = 0
            switch ops[id] {
            case .input, .constant:
                continue
            case .unary(let f):
                unaryForward(f, operand(0), out, dec, n, &ctx)
            case .binary(let f):
                binaryForward(f, operand(0), operand(1), out, dec, n, &ctx)
            case .select:
                let c = operand(0), a = operand(1), b = operand(2)
                for i in 0..<n { out[i] = c[i].primal != 0 ? a[i] : b[i] }
            case .reshape:
                out.update(from: operand(0), count: n)
            case .tile(let times):
                let x = operand(0), m = times == 0 ? 0 : n / times
                for t in 0..<times { (out + t * m).update(from: x, count: m) }
            case .repeatEach(let times):
                let x = operand(0)
                for i in 0..<(times == 0 ? 0 : n / times) {
                    let v = x[i]
                    for j in 0..<times { out[i * times + j] = v }
                }
            case .gather(let indices):
                let x = operand(0)
                indices.withUnsafeBufferPointer { idx in
                    for i in 0..<n { out[i] = x[idx[i]] }
                }
            case .concatenate(let lengths):
                let total = lengths.reduce(0, +)
                let rows = total == 0 ? 0 : n / total
                var offset = 0
                for (k, len) in lengths.enumerated() {
                    let x = operand(k)
                    for r in 0..<rows {
                        (out + r * total + offset).update(from: x + r * len, count: len)
                    }
                    offset += len
                }
            case .reduce(let r, let length):
                reduceForward(r, operand(0), out, dec, rows: n, length: length, &ctx)
            case .matmul(let m, let k, let nn):
                if k == 0 {
                    out.update(repeating: .zero, count: m * nn)
                } else if m * nn > 0 {
                    S.gemm(transA: false, transB: false, m: m, n: nn, k: k, alpha: 1,
                           a: operand(0), lda: k, b: operand(1), ldb: nn, beta: 0, c: out, ldc: nn)
                }
            case .sort(let length):
                sortForward(operand(0), out, dec, count: n, length: length, &ctx)
            case .softmaxCrossEntropy(let length):
                softmaxCrossEntropyForward(operand(0), operand(1), out, rows: n, length: length)
            case .codebookLookup(let codes, let length, let ste):
                codebookForward(operand(0), operand(1), out, dec, count: n, codes: codes, length: length,
                                straightThrough: ste, &ctx)
            }
            if countKinks && ctx.kinks > 0 { report.add(nodes[id].label, ctx.kinks) }
            if countKinks && ctx.nans > 0 { report.add(nodes[id].label + KinkReport.nanSuffix, ctx.nans) }
        }
        if policy.strict && !report.isEmpty {
            throw NonsmoothError.invalidArgument(
                name: "strict",
                reason: "the evaluation point lies on a kink (\(report)); the derivative there would be a choice of the kink policy")
        }
        return report
    }

    /// Accumulates cotangents from the seeded outputs back to the `wrt` arguments,
    /// visiting only nodes that lie on a path between the two. Cotangent buffers
    /// are zeroed lazily, when their first contribution arrives (a matrix
    /// product writes its first contribution with β = 0 instead); `seed` writes
    /// the outputs' cotangents into zeroed buffers.
    func runBackward<S: ADScalar>(_ ws: Workspace<S>, wrt: [Int], seeded: [Int], seed: () -> Void) throws {
        let ops = plan.operations, starts = plan.inputStarts, ids = plan.inputIDs, counts = plan.counts
        let count = plan.count
        // Flags live in the workspace: no allocation, and plain pointers keep the
        // nested helpers below free of dynamic exclusivity checks.
        let needs = ws.flags, reach = ws.flags + count, touched = ws.flags + 2 * count
        ws.flags.update(repeating: false, count: 3 * count)
        for k in wrt { needs[inputNodes[k]] = true }
        for id in 0..<count where !needs[id] && plan.differentiable[id] {
            for j in starts[id]..<starts[id + 1] where needs[ids[j]] {
                needs[id] = true
                break
            }
        }
        for k in seeded { reach[outputNodes[k]] = true }
        for id in stride(from: count - 1, through: 0, by: -1) where reach[id] && needs[id] {
            for j in starts[id]..<starts[id + 1] { reach[ids[j]] = true }
        }
        for k in seeded where !touched[outputNodes[k]] {
            ws.cotangent(outputNodes[k]).update(repeating: .zero, count: counts[outputNodes[k]])
            touched[outputNodes[k]] = true
        }
        seed()
        defer {
            for k in wrt where !touched[inputNodes[k]] {
                ws.cotangent(inputNodes[k]).update(repeating: .zero, count: counts[inputNodes[k]])
            }
        }
        var poller = Interruption.Poller()
        for id in stride(from: count - 1, through: 0, by: -1) where reach[id] && needs[id] && touched[id] {
            try poller.check()
            let out = ws.value(id)
            let g = ws.cotangent(id)
            let dec = ws.decisions + decisionOffsets[id]
            let n = counts[id]
            let first = starts[id]
            @inline(__always) func operand(_ k: Int) -> UnsafeMutablePointer<S> { ws.value(ids[first + k]) }
            /// The operand's cotangent buffer, zeroed on first use; nil when not needed.
            @inline(__always) func gradient(_ k: Int) -> UnsafeMutablePointer<S>? {
                let i = ids[first + k]
                guard needs[i] else { return nil }
                if !touched[i] {
                    ws.cotangent(i).update(repeating: .zero, count: counts[i])
                    touched[i] = true
                }
                return ws.cotangent(i)
            }
            /// For products: the buffer and the β that accumulates into it (0 on first use).
            @inline(__always) func gradientBeta(_ k: Int) -> (UnsafeMutablePointer<S>, Double)? {
                let i = ids[first + k]
                guard needs[i] else { return nil }
                defer { touched[i] = true }
                return (ws.cotangent(i), touched[i] ? 1 : 0)
            }
            switch ops[id] {
            case .input, .constant:
                continue
            case .unary(let f):
                if let gx = gradient(0) { unaryBackward(f, operand(0), out, dec, g, gx, n) }
            case .binary(let f):
                binaryBackward(f, operand(0), operand(1), out, dec, g, gradient(0), gradient(1), n)
            case .select:
                let c = operand(0)
                if let ga = gradient(1) { for i in 0..<n where c[i].primal != 0 { ga[i] += g[i] } }
                if let gb = gradient(2) { for i in 0..<n where c[i].primal == 0 { gb[i] += g[i] } }
            case .reshape:
                if let gx = gradient(0) { for i in 0..<n { gx[i] += g[i] } }
            case .tile(let times):
                if let gx = gradient(0) {
                    let m = times == 0 ? 0 : n / times
                    for t in 0..<times {
                        let gt = g + t * m
                        for i in 0..<m { gx[i] += gt[i] }
                    }
                }
            case .repeatEach(let times):
                if let gx = gradient(0) {
                    for i in 0..<(times == 0 ? 0 : n / times) {
                        var acc = S.zero
                        for j in 0..<times { acc += g[i * times + j] }
                        gx[i] += acc
                    }
                }
            case .gather(let indices):
                if let gx = gradient(0) {
                    indices.withUnsafeBufferPointer { idx in
                        for i in 0..<n { gx[idx[i]] += g[i] }
                    }
                }
            case .concatenate(let lengths):
                let total = lengths.reduce(0, +)
                let rows = total == 0 ? 0 : n / total
                var offset = 0
                for (k, len) in lengths.enumerated() {
                    if let gx = gradient(k) {
                        for r in 0..<rows {
                            for j in 0..<len { gx[r * len + j] += g[r * total + offset + j] }
                        }
                    }
                    offset += len
                }
            case .reduce(let r, let length):
                if let gx = gradient(0) {
                    reduceBackward(r, operand(0), out, dec, g, gx, rows: n, length: length)
                }
            case .matmul(let m, let k, let nn):
                guard m * nn > 0, k > 0 else { continue }
                if let (ga, beta) = gradientBeta(0) {
                    S.gemm(transA: false, transB: true, m: m, n: k, k: nn, alpha: 1,
                           a: g, lda: nn, b: operand(1), ldb: nn, beta: beta, c: ga, ldc: k)
                }
                if let (gb, beta) = gradientBeta(1) {
                    S.gemm(transA: true, transB: false, m: k, n: nn, k: m, alpha: 1,
                           a: operand(0), lda: k, b: g, ldb: nn, beta: beta, c: gb, ldc: nn)
                }
            case .sort(let length):
                if let gx = gradient(0) {
                    sortBackward(dec, g, gx, count: n, length: length)
                }
            case .softmaxCrossEntropy(let length):
                softmaxCrossEntropyBackward(operand(0), operand(1), g, gradient(0), gradient(1), rows: n, length: length)
            case .codebookLookup(_, let length, let ste):
                codebookBackward(dec, g, ste ? gradient(0) : nil, gradient(1), count: n, length: length)
            }
        }
    }
}
