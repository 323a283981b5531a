import Synchronization

/// A compiled program: the graph's live nodes, a buffer plan, and workspaces
/// reused across calls.
///
/// All derivative modes run on the same nodes:
/// - `evaluate`: values and the kink report;
/// - `vjp`: reverse mode (cost a small constant times `evaluate`);
/// - `jvp`: forward mode along one direction;
/// - `jacobian`: reverse rows or forward columns, whichever is fewer;
/// - `hvp`: forward-over-reverse Hessian-vector products;
/// - `lexicographicDerivative`: Khan & Barton's LD-derivatives.
///
/// Buffers are planned once per program and reused; concurrent calls on the same
/// program are safe (a second caller gets its own workspace while one is busy).
public final class Program: Sendable {
    let nodes: [Node]
    /// Node of each program argument and of each output.
    let inputNodes: [Int]
    let outputNodes: [Int]
    let valueOffsets: [Int]
    let plan: ExecutionPlan
    let decisionOffsets: [Int]
    let valueTotal: Int
    let decisionTotal: Int

    /// Idle workspaces, per scalar type (Double, Float, Dual).
    private let workspaces = Mutex<[ObjectIdentifier: [AnyObject]]>([:])

    public let inputShapes: [[Int]]
    public let outputShapes: [[Int]]
    public let inputCounts: [Int]
    public let outputCounts: [Int]
    /// Number of primitives evaluated per call (after dead-code removal).
    public var operationCount: Int { nodes.count }

    /// Compiles `graph` to compute `outputs`. Nodes that no output needs are
    /// dropped; every argument of the graph stays an argument of the program.
    public init(_ graph: Graph, outputs: [Value]) throws {
        try require(!outputs.isEmpty, "outputs", "a program needs at least one output")
        let all = graph.nodes
        for v in outputs {
            try require(v.id >= 0 && v.id < all.count && all[v.id].shape == v.shape, "outputs",
                        "value \(v.id) is not a node of this graph")
        }
        var live = [Bool](repeating: false, count: all.count)
        for v in outputs { live[v.id] = true }
        for id in stride(from: all.count - 1, through: 0, by: -1) where live[id] {
            for i in all[id].inputs { live[i] = true }
        }
        for (id, node) in all.enumerated() {
            if case .input = node.operation { live[id] = true }
        }
        var newID = [Int](repeating: -1, count: all.count)
        var kept: [Node] = []
        var inputs = [Int](repeating: -1, count: graph.inputCount)
        for (id, node) in all.enumerated() where live[id] {
            var n = node
            n.inputs = node.inputs.map { newID[$0] }
            newID[id] = kept.count
            if case .input(let k) = node.operation { inputs[k] = kept.count }
            kept.append(n)
        }
        nodes = kept
        inputNodes = inputs
        outputNodes = outputs.map { newID[$0.id] }
        inputShapes = inputs.map { kept[$0].shape }
        outputShapes = outputNodes.map { kept[$0].shape }
        inputCounts = inputs.map { kept[$0].count }
        outputCounts = outputNodes.map { kept[$0].count }
        var v = 0, d = 0
        var vo: [Int] = [], dOff: [Int] = []
        for n in kept {
            vo.append(v)
            dOff.append(d)
            v += n.count
            d += n.decisionCount
        }
        valueOffsets = vo
        plan = ExecutionPlan(kept)
        decisionOffsets = dOff
        valueTotal = v
        decisionTotal = d
    }

    // MARK: workspaces

    /// Runs `body` with an idle workspace of scalar type S (a new one when all are busy).
    func withWorkspace<S: ADScalar, R>(_ type: S.Type, _ body: (Workspace<S>) throws -> R) rethrows -> R {
        let key = ObjectIdentifier(S.self)
        let idle = workspaces.withLock { $0[key]?.popLast() }
        let ws = idle as? Workspace<S> ?? Workspace<S>(self)
        // Calls in flight decide whether large products may take every core.
        ProductThreads.active.add(1, ordering: .relaxed)
        defer {
            ProductThreads.active.subtract(1, ordering: .relaxed)
            workspaces.withLock { $0[key, default: []].append(ws) }
        }
        return try body(ws)
    }

    func withDualWorkspace<R>(_ body: (Workspace<Dual>) throws -> R) rethrows -> R {
        try withWorkspace(Dual.self, body)
    }

    // MARK: argument checks

    func checkInputs<S: ProgramScalar>(_ inputs: [UnsafePointer<S>]) throws {
        try require(inputs.count == inputNodes.count, "inputs",
                    "the program takes \(inputNodes.count) arguments, got \(inputs.count)")
        for (k, p) in inputs.enumerated() {
            let n = nodes[inputNodes[k]].count
            if S.allFinite(p, n) { continue }
            for i in 0..<n where !p[i].isFinite {
                throw NonsmoothError.invalidArgument(
                    name: "argument \(k)", reason: "must be finite, entry \(i) is \(p[i])")
            }
        }
    }

    func checkWrt(_ wrt: [Int]) throws {
        for k in wrt {
            try require(k >= 0 && k < inputNodes.count, "wrt",
                        "argument index \(k) is out of range for a program of \(inputNodes.count) arguments")
        }
        try require(Set(wrt).count == wrt.count, "wrt", "repeats an argument: \(wrt)")
    }

    func checkOutputIndex(_ k: Int) throws {
        try require(k >= 0 && k < outputNodes.count, "output",
                    "index \(k) is out of range for a program of \(outputNodes.count) outputs")
    }

    // MARK: public entry points

    /// Evaluates the program; `outputs[k]` receives `outputCounts[k]` values.
    // Eager specializations: a generic call from another module (the C ABI)
    // would otherwise run the whole executor unspecialized (10× slower).
    @discardableResult
    @_specialize(where S == Double)
    @_specialize(where S == Float)
    public func evaluate<S: ProgramScalar>(
        inputs: [UnsafePointer<S>], outputs: [UnsafeMutablePointer<S>],
        policy: KinkPolicy = .standard
    ) throws -> KinkReport {
        try checkInputs(inputs)
        try require(outputs.count == outputNodes.count, "outputs",
                    "the program has \(outputNodes.count) outputs, got \(outputs.count) buffers")
        return try withWorkspace(S.self) { ws in
            ws.load(inputs)
            let report = try runForward(ws, policy: policy, mode: .policy)
            ws.store(outputs)
            return report
        }
    }

    /// Reverse mode: Σ_k cotangents[k]ᵀ ∂outputs[k]/∂inputs[j] for each j in `wrt`.
    /// A nil cotangent counts as zero; `outputs` (optional) receives the values.
    @discardableResult
    @_specialize(where S == Double)
    @_specialize(where S == Float)
    public func vjp<S: ProgramScalar>(
        inputs: [UnsafePointer<S>], cotangents: [UnsafePointer<S>?], wrt: [Int],
        gradients: [UnsafeMutablePointer<S>], outputs: [UnsafeMutablePointer<S>]? = nil,
        policy: KinkPolicy = .standard
    ) throws -> KinkReport {
        try checkInputs(inputs)
        try checkWrt(wrt)
        try require(cotangents.count == outputNodes.count, "cotangents",
                    "one per output (\(outputNodes.count)) is needed, got \(cotangents.count)")
        try require(gradients.count == wrt.count, "gradients", "one buffer per wrt argument is needed")
        if let outputs {
            try require(outputs.count == outputNodes.count, "outputs", "one buffer per output is needed")
        }
        return try withWorkspace(S.self) { ws in
            ws.load(inputs)
            let report = try runForward(ws, policy: policy, mode: .policy)
            if let outputs { ws.store(outputs) }
            // Gradients accumulate straight into the caller's buffers.
            try ws.withCotangents(wrt.map { inputNodes[$0] }, in: gradients) {
                try runBackward(ws, wrt: wrt, seeded: cotangents.indices.filter { cotangents[$0] != nil }) {
                    for (k, c) in cotangents.enumerated() {
                        guard let c else { continue }
                        let g = ws.cotangent(outputNodes[k])
                        for i in 0..<nodes[outputNodes[k]].count { g[i] += c[i] }
                    }
                }
            }
            return report
        }
    }

    /// Forward mode: the directional derivative of every output along `tangents`
    /// (one per argument, nil = 0).
    @discardableResult
    public func jvp(
        inputs: [UnsafePointer<Double>], tangents: [UnsafePointer<Double>?],
        outputTangents: [UnsafeMutablePointer<Double>], outputs: [UnsafeMutablePointer<Double>]? = nil,
        policy: KinkPolicy = .standard
    ) throws -> KinkReport {
        try checkInputs(inputs)
        try require(tangents.count == inputNodes.count, "tangents", "one per argument (or nil) is needed")
        try require(outputTangents.count == outputNodes.count, "output_tangents", "one buffer per output is needed")
        for (k, t) in tangents.enumerated() {
            guard let t else { continue }
            for i in 0..<nodes[inputNodes[k]].count where !t[i].isFinite {
                throw NonsmoothError.invalidArgument(name: "tangents", reason: "entry \(i) of tangent \(k) is \(t[i])")
            }
        }
        return try withDualWorkspace { ws in
            ws.loadDual(inputs, tangents)
            let report = try runForward(ws, policy: policy, mode: .policy)
            for (k, id) in outputNodes.enumerated() {
                let v = ws.value(id)
                for i in 0..<nodes[id].count {
                    outputTangents[k][i] = v[i].tangent
                    if let outputs { outputs[k][i] = v[i].primal }
                }
            }
            return report
        }
    }

    /// Hessian-vector products of the scalar output `output`: for each j in
    /// `wrt`, products[j] = Σ_l ∂²f/∂x_j∂x_l · directions[l].
    /// Exact where the program is twice differentiable; at kinks the second
    /// derivative of piecewise-linear primitives is taken as 0.
    @discardableResult
    public func hvp(
        inputs: [UnsafePointer<Double>], wrt: [Int], directions: [UnsafePointer<Double>],
        products: [UnsafeMutablePointer<Double>], output: Int = 0, gradients: [UnsafeMutablePointer<Double>]? = nil,
        policy: KinkPolicy = .standard
    ) throws -> KinkReport {
        try checkInputs(inputs)
        try checkWrt(wrt)
        try checkOutputIndex(output)
        try require(nodes[outputNodes[output]].count == 1, "output",
                    "Hessian-vector products need a scalar output, output \(output) has shape \(nodes[outputNodes[output]].shape)")
        try require(directions.count == wrt.count && products.count == wrt.count, "directions",
                    "one direction and one product buffer per wrt argument are needed")
        var tangents = [UnsafePointer<Double>?](repeating: nil, count: inputNodes.count)
        for (j, k) in wrt.enumerated() { tangents[k] = directions[j] }
        return try withDualWorkspace { ws in
            ws.loadDual(inputs, tangents)
            let report = try runForward(ws, policy: policy, mode: .policy)
            try runBackward(ws, wrt: wrt, seeded: [output]) { ws.cotangent(outputNodes[output])[0] = Dual(1, 0) }
            for (j, k) in wrt.enumerated() {
                let g = ws.cotangent(inputNodes[k])
                for i in 0..<nodes[inputNodes[k]].count {
                    products[j][i] = g[i].tangent
                    if let gradients { gradients[j][i] = g[i].primal }
                }
            }
            return report
        }
    }

    /// The Jacobian of output `output` with respect to argument `wrt`, row-major
    /// (outputCount × argumentCount): by reverse mode when the output is smaller,
    /// by forward mode otherwise.
    @discardableResult
    public func jacobian(
        inputs: [UnsafePointer<Double>], output: Int, wrt: Int, jacobian: UnsafeMutablePointer<Double>,
        policy: KinkPolicy = .standard
    ) throws -> KinkReport {
        try checkInputs(inputs)
        try checkWrt([wrt])
        try checkOutputIndex(output)
        let m = nodes[outputNodes[output]].count, n = nodes[inputNodes[wrt]].count
        var report = KinkReport()
        if m <= n {
            try withWorkspace(Double.self) { ws in
                ws.load(inputs)
                report = try runForward(ws, policy: policy, mode: .policy)
                for row in 0..<m {
                    try runBackward(ws, wrt: [wrt], seeded: [output]) { ws.cotangent(outputNodes[output])[row] = 1 }
                    let g = ws.cotangent(inputNodes[wrt])
                    for i in 0..<n { jacobian[row * n + i] = g[i] }
                }
            }
        } else {
            try withDualWorkspace { ws in
                var tangents = [UnsafePointer<Double>?](repeating: nil, count: inputNodes.count)
                let unit = UnsafeMutablePointer<Double>.allocate(capacity: n)
                defer { unit.deallocate() }
                unit.initialize(repeating: 0, count: n)
                tangents[wrt] = UnsafePointer(unit)
                for col in 0..<n {
                    unit[col] = 1
                    ws.loadDual(inputs, tangents)
                    let r = try runForward(ws, policy: policy, mode: .policy, countKinks: col == 0)
                    if col == 0 { report = r }
                    unit[col] = 0
                    let v = ws.value(outputNodes[output])
                    for i in 0..<m { jacobian[i * n + col] = v[i].tangent }
                }
            }
        }
        return report
    }

    /// Lexicographic directional derivative F'(x; M) of output `output` (Khan &
    /// Barton 2015): `directions[j]` is argument wrt[j]'s block of M, row-major
    /// (count_j × k); `result` is row-major (outputCount × k).
    ///
    /// Ties at abs/relu/max/min/clip/soft-threshold/norms/sort/max-pooling are
    /// broken by the tangents of the earlier directions, so when M is square and
    /// nonsingular F'(x; M)·M⁻¹ is a lexicographic derivative: for piecewise
    /// differentiable programs an element of the B-subdifferential, hence of
    /// Clarke's generalized Jacobian (Nesterov 2005; Khan & Barton 2015). The
    /// cost is k forward passes. Comparisons feeding `where`, sign, round and
    /// floor are decided by the primal values as usual.
    @discardableResult
    public func lexicographicDerivative(
        inputs: [UnsafePointer<Double>], wrt: [Int], directions: [UnsafePointer<Double>], directionCount k: Int,
        output: Int, result: UnsafeMutablePointer<Double>
    ) throws -> KinkReport {
        try checkInputs(inputs)
        try checkWrt(wrt)
        try checkOutputIndex(output)
        try require(k >= 1, "directions", "needs at least one direction, got \(k)")
        try require(directions.count == wrt.count, "directions", "one block per wrt argument is needed")
        let m = nodes[outputNodes[output]].count
        var report = KinkReport()
        try withDualWorkspace { ws in
            var buffers: [UnsafeMutablePointer<Double>] = []
            defer { buffers.forEach { $0.deallocate() } }
            var tangents = [UnsafePointer<Double>?](repeating: nil, count: inputNodes.count)
            for (j, arg) in wrt.enumerated() {
                let n = nodes[inputNodes[arg]].count
                let b = UnsafeMutablePointer<Double>.allocate(capacity: n)
                buffers.append(b)
                tangents[arg] = UnsafePointer(b)
                for i in 0..<n * k where !directions[j][i].isFinite {
                    throw NonsmoothError.invalidArgument(name: "directions", reason: "entry \(i) is \(directions[j][i])")
                }
            }
            for col in 0..<k {
                for (j, arg) in wrt.enumerated() {
                    let n = nodes[inputNodes[arg]].count
                    for i in 0..<n { buffers[j][i] = directions[j][i * k + col] }
                }
                ws.loadDual(inputs, tangents)
                let r = try runForward(ws, policy: .standard, mode: .lexicographic(firstPass: col == 0),
                                       countKinks: col == 0)
                if col == 0 { report = r }
                let v = ws.value(outputNodes[output])
                for i in 0..<m { result[i * k + col] = v[i].tangent }
            }
        }
        return report
    }
}

/// The buffers of one evaluation: values, cotangents and decisions of every node.
final class Workspace<S: ADScalar> {
    /// The arena of node values; `nodeValues[id]` points into it, except for the
    /// arguments of a `Double` evaluation, which are read in place from the caller.
    let values: UnsafeMutablePointer<S>
    let nodeValues: UnsafeMutablePointer<UnsafeMutablePointer<S>>
    let cotangents: UnsafeMutablePointer<S>
    /// `nodeCotangents[id]` points into `cotangents`, except for the arguments
    /// differentiated by `vjp`, whose gradients go straight to the caller.
    let nodeCotangents: UnsafeMutablePointer<UnsafeMutablePointer<S>>
    let decisions: UnsafeMutablePointer<Double>
    /// Scratch flags of the reverse pass (needs, reach, touched per node).
    let flags: UnsafeMutablePointer<Bool>
    /// Unowned: the program keeps its idle workspaces, so a strong reference
    /// would be a cycle that leaked every evaluated program (issue 12, item 9).
    /// A workspace is used only inside `withWorkspace`, while the program lives.
    unowned let program: Program
    /// Scratch for kernels that need it (sort permutations, softmax rows).

    init(_ program: Program) {
        self.program = program
        values = .allocate(capacity: Swift.max(program.valueTotal, 1))
        values.initialize(repeating: .zero, count: Swift.max(program.valueTotal, 1))
        cotangents = .allocate(capacity: Swift.max(program.valueTotal, 1))
        cotangents.initialize(repeating: .zero, count: Swift.max(program.valueTotal, 1))
        decisions = .allocate(capacity: Swift.max(program.decisionTotal, 1))
        decisions.initialize(repeating: 0, count: Swift.max(program.decisionTotal, 1))
        nodeValues = .allocate(capacity: Swift.max(program.nodes.count, 1))
        for id in program.nodes.indices { (nodeValues + id).initialize(to: values + program.valueOffsets[id]) }
        flags = .allocate(capacity: Swift.max(3 * program.nodes.count, 1))
        flags.initialize(repeating: false, count: Swift.max(3 * program.nodes.count, 1))
        nodeCotangents = .allocate(capacity: Swift.max(program.nodes.count, 1))
        for id in program.nodes.indices { (nodeCotangents + id).initialize(to: cotangents + program.valueOffsets[id]) }
        for (id, node) in program.nodes.enumerated() {
            if case .constant(let c) = node.operation {
                let p = values + program.valueOffsets[id]
                for i in 0..<c.count { p[i] = S(c[i]) }
            }
        }
    }

    deinit {
        nodeValues.deallocate()
        nodeCotangents.deallocate()
        flags.deallocate()
        values.deallocate()
        cotangents.deallocate()
        decisions.deallocate()
    }

    @inline(__always) func value(_ id: Int) -> UnsafeMutablePointer<S> { nodeValues[id] }
    @inline(__always) func cotangent(_ id: Int) -> UnsafeMutablePointer<S> { nodeCotangents[id] }


    /// Points the argument nodes at the caller's arrays (no copy: kernels never
    /// write their operands).
    func load(_ inputs: [UnsafePointer<S>]) {
        for (k, id) in program.inputNodes.enumerated() { nodeValues[id] = UnsafeMutablePointer(mutating: inputs[k]) }
    }

    /// Points the argument nodes back at the arena, for callers that fill it.
    func useArenaForInputs() {
        for id in program.inputNodes { nodeValues[id] = values + program.valueOffsets[id] }
    }

    func store(_ outputs: [UnsafeMutablePointer<S>]) {
        for (k, id) in program.outputNodes.enumerated() { outputs[k].update(from: value(id), count: program.nodes[id].count) }
    }

    /// Runs `body` with the cotangents of these nodes redirected to `buffers`.
    func withCotangents<R>(_ ids: [Int], in buffers: [UnsafeMutablePointer<S>], _ body: () throws -> R) rethrows -> R {
        for (id, b) in zip(ids, buffers) { nodeCotangents[id] = b }
        defer { for id in ids { nodeCotangents[id] = cotangents + program.valueOffsets[id] } }
        return try body()
    }
}

extension Workspace where S == Dual {
    func loadDual(_ inputs: [UnsafePointer<Double>], _ tangents: [UnsafePointer<Double>?]) {
        for (k, id) in program.inputNodes.enumerated() {
            let p = values + program.valueOffsets[id]
            nodeValues[id] = p
            if let t = tangents[k] {
                for i in 0..<program.nodes[id].count { p[i] = Dual(inputs[k][i], t[i]) }
            } else {
                for i in 0..<program.nodes[id].count { p[i] = Dual(inputs[k][i], 0) }
            }
        }
    }
}

/// The nodes flattened into plain arrays for the executor's loops.
struct ExecutionPlan: Sendable {
    let operations: [Operation]
    /// Inputs of node id: inputIDs[inputStarts[id]..<inputStarts[id + 1]].
    let inputStarts: [Int]
    let inputIDs: [Int]
    let counts: [Int]
    /// False for primitives whose derivative is zero everywhere it exists.
    let differentiable: [Bool]
    var count: Int { counts.count }

    init(_ nodes: [Node]) {
        operations = nodes.map(\.operation)
        var starts = [0], ids: [Int] = []
        for n in nodes {
            ids += n.inputs
            starts.append(ids.count)
        }
        inputStarts = starts
        inputIDs = ids
        counts = nodes.map(\.count)
        differentiable = nodes.map { node in
            switch node.operation {
            case .binary(.compare), .unary(.sign), .unary(.stopGradient): return false
            case .unary(.round(let ste)), .unary(.floor(let ste)): return ste
            default: return true
            }
        }
    }
}
