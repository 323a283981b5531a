import Nonsmooth
import Synchronization

// Conservative automatic differentiation: graphs built node by node, compiled
// programs, and their evaluation / derivative entry points (see nonsmooth.h).
// Every size and index the caller gives is checked here before the core sees it.

/// Largest element count of any array a graph may create (2^31 doubles = 16 GiB).
private let maxElements = 1 << 31

/// What an `ns_graph*` points to: the builder and the values it handed out.
final class GraphHandle: Sendable {
    struct State {
        var graph = Graph()
        /// Node id → value, for every id returned to the caller.
        var values: [Int: Value] = [:]
    }
    private let state = Mutex(State())

    func with<R: Sendable>(_ body: (inout State) throws -> R) throws -> R {
        try state.withLock { try body(&$0) }
    }
}

private func graphHandle(_ handle: OpaquePointer?) throws -> GraphHandle {
    try handles.object(handle, as: GraphHandle.self, "graph")
}

func programHandle(_ handle: OpaquePointer?) throws -> Program {
    try handles.object(handle, as: Program.self, "program")
}

/// Element count of `shape`, rejecting negative dimensions, overflow and arrays
/// above `maxElements` (`allowUnknown`: one −1 entry, as in reshape, is skipped).
private func elementCount(_ shape: [Int], _ name: String, allowUnknown: Bool = false) throws -> Int {
    var count = 1
    for d in shape {
        if allowUnknown && d == -1 { continue }
        try require(d >= 0, name, "dimensions must be non-negative, got \(shape)")
        let (p, overflow) = count.multipliedReportingOverflow(by: d)
        try require(!overflow && p <= maxElements, name, "shape \(shape) has more than 2^31 elements")
        count = p
    }
    return count
}

private func intArray(_ pointer: UnsafePointer<Int64>?, _ count: Int64, _ name: String) throws -> [Int] {
    try require(count >= 0 && count <= 1 << 32, name, "has invalid length \(count)")
    return (try optionalArray(pointer, count, name) ?? []).map { Int($0) }
}

private func shapeArray(_ pointer: UnsafePointer<Int64>?, _ ndim: Int64, _ name: String) throws -> [Int] {
    try require(ndim >= 0 && ndim <= 64, name, "has \(ndim) dimensions (0 to 64 are supported)")
    return try intArray(pointer, ndim, name)
}

// MARK: - graphs

@_cdecl("ns_graph_create")
public func ns_graph_create(_ out: UnsafeMutablePointer<OpaquePointer?>?) -> Int32 {
    guarded {
        let out = try nonNull(out, "out")
        out.pointee = handles.register(GraphHandle())
    }
}

@_cdecl("ns_graph_destroy")
public func ns_graph_destroy(_ handle: OpaquePointer?) -> Int32 {
    handles.destroy(handle, as: GraphHandle.self, "graph")
}

/// Records `value` as handed out and writes its id.
private func publish(_ value: Value, _ state: inout GraphHandle.State, _ out: UnsafeMutablePointer<Int64>) {
    state.values[value.id] = value
    out.pointee = Int64(value.id)
}

@_cdecl("ns_graph_input")
public func ns_graph_input(
    _ graph: OpaquePointer?, _ shape: UnsafePointer<Int64>?, _ ndim: Int64, _ outID: UnsafeMutablePointer<Int64>?
) -> Int32 {
    guarded {
        let g = try graphHandle(graph)
        let out = try nonNull(outID, "out_id")
        let shape = try shapeArray(shape, ndim, "shape")
        _ = try elementCount(shape, "shape")
        try g.with { state in publish(try state.graph.input(shape: shape), &state, out) }
    }
}

@_cdecl("ns_graph_constant")
public func ns_graph_constant(
    _ graph: OpaquePointer?, _ values: UnsafePointer<Double>?, _ nValues: Int64,
    _ shape: UnsafePointer<Int64>?, _ ndim: Int64, _ outID: UnsafeMutablePointer<Int64>?
) -> Int32 {
    guarded {
        let g = try graphHandle(graph)
        let out = try nonNull(outID, "out_id")
        let shape = try shapeArray(shape, ndim, "shape")
        let count = try elementCount(shape, "shape")
        try require(nValues == Int64(count), "values", "has \(nValues) entries for shape \(shape)")
        let data = try optionalArray(values, nValues, "values") ?? []
        for (i, x) in data.enumerated() where !x.isFinite {
            throw invalid("values", "must be finite, entry \(i) is \(x)")
        }
        try g.with { state in publish(try state.graph.constant(data, shape: shape), &state, out) }
    }
}

@_cdecl("ns_graph_gather")
public func ns_graph_gather(
    _ graph: OpaquePointer?, _ x: Int64, _ indices: UnsafePointer<Int64>?, _ nIndices: Int64,
    _ shape: UnsafePointer<Int64>?, _ ndim: Int64, _ label: UnsafePointer<CChar>?,
    _ outID: UnsafeMutablePointer<Int64>?
) -> Int32 {
    guarded {
        let g = try graphHandle(graph)
        let out = try nonNull(outID, "out_id")
        let shape = try shapeArray(shape, ndim, "shape")
        let count = try elementCount(shape, "shape")
        try require(nIndices == Int64(count), "indices", "has \(nIndices) entries for output shape \(shape)")
        let idx = try intArray(indices, nIndices, "indices")
        let name = label.map { String(cString: $0) } ?? "getitem"
        try checkLabel(name)
        try g.with { state in
            let xv = try operand(x, state, name)
            publish(try state.graph.gather(xv, indices: idx, shape: shape, label: name), &state, out)
        }
    }
}

/// Labels appear in kink reports ("label=count;..."), so they may not contain '=' or ';'.
private func checkLabel(_ label: String) throws {
    try require(!label.isEmpty && label.utf8.count <= 64 && !label.contains("=") && !label.contains(";"),
                "label", "must be 1 to 64 bytes without '=' or ';', got '\(label)'")
}

private func operand(_ id: Int64, _ state: GraphHandle.State, _ op: String) throws -> Value {
    guard let v = state.values[Int(truncatingIfNeeded: id)], Int64(v.id) == id else {
        throw invalid(op, "operand \(id) is not a value of this graph")
    }
    return v
}

@_cdecl("ns_graph_shape")
public func ns_graph_shape(
    _ graph: OpaquePointer?, _ id: Int64, _ shape: UnsafeMutablePointer<Int64>?, _ capacity: Int64,
    _ ndim: UnsafeMutablePointer<Int64>?
) -> Int32 {
    guarded {
        let g = try graphHandle(graph)
        let ndim = try nonNull(ndim, "ndim")
        let s = try g.with { state in try operand(id, state, "id").shape }
        try writeShape(s, shape, capacity, ndim)
    }
}

private func writeShape(_ s: [Int], _ shape: UnsafeMutablePointer<Int64>?, _ capacity: Int64,
                        _ ndim: UnsafeMutablePointer<Int64>) throws {
    ndim.pointee = Int64(s.count)
    try require(capacity >= Int64(s.count), "capacity", "is \(capacity), the shape has \(s.count) dimensions")
    if s.isEmpty { return }
    let shape = try nonNull(shape, "shape")
    for (i, d) in s.enumerated() { shape[i] = Int64(d) }
}

@_cdecl("ns_graph_op")
public func ns_graph_op(
    _ graph: OpaquePointer?, _ op: UnsafePointer<CChar>?,
    _ nInputs: Int64, _ inputs: UnsafePointer<Int64>?,
    _ nIntAttributes: Int64, _ intAttributes: UnsafePointer<Int64>?,
    _ nFloatAttributes: Int64, _ floatAttributes: UnsafePointer<Double>?,
    _ outID: UnsafeMutablePointer<Int64>?
) -> Int32 {
    guarded {
        let g = try graphHandle(graph)
        let out = try nonNull(outID, "out_id")
        let name = String(cString: try nonNull(op, "op"))
        try require(nInputs <= 1 << 20, "inputs", "too many operands (\(nInputs))")
        let ids = try intArray(inputs, nInputs, "inputs")
        try require(nIntAttributes <= 1 << 10, "int_attributes", "too many (\(nIntAttributes))")
        let ia = try intArray(intAttributes, nIntAttributes, "int_attributes")
        try require(nFloatAttributes >= 0 && nFloatAttributes <= 1 << 10, "float_attributes",
                    "has invalid length \(nFloatAttributes)")
        let fa = try optionalArray(floatAttributes, nFloatAttributes, "float_attributes") ?? []
        try g.with { state in
            let xs = try ids.map { try operand(Int64($0), state, name) }
            publish(try buildOperation(&state.graph, name, xs, ia, fa), &state, out)
        }
    }
}

/// The operation table of `ns_graph_op` (documented in nonsmooth.h).
private func buildOperation(_ g: inout Graph, _ name: String, _ xs: [Value], _ ia: [Int], _ fa: [Double]) throws -> Value {
    func arity(_ n: Int, ints: Int = 0, floats: Int = 0) throws {
        try require(xs.count == n, name, "takes \(n) operand(s), got \(xs.count)")
        try require(ia.count == ints, name, "takes \(ints) integer attribute(s), got \(ia.count)")
        try require(fa.count == floats, name, "takes \(floats) float attribute(s), got \(fa.count)")
    }
    func unary(_ f: UnaryFunction, ints: Int = 0, floats: Int = 0) throws -> Value {
        try arity(1, ints: ints, floats: floats)
        return try g.unary(f, xs[0])
    }
    func flag(_ i: Int) throws -> Bool {
        try require(ia[i] == 0 || ia[i] == 1, name, "flag attribute must be 0 or 1, got \(ia[i])")
        return ia[i] == 1
    }
    /// Checks that broadcasting `shapes` together stays within the size limit.
    func broadcastable(_ shapes: [[Int]]) throws {
        var joint: [Int] = []
        for s in shapes {
            guard let j = Graph.broadcastShape(joint, s) else { return }  // the graph reports it
            joint = j
        }
        _ = try elementCount(joint, name)
    }
    func binary(_ f: BinaryFunction) throws -> Value {
        try arity(2)
        try broadcastable([xs[0].shape, xs[1].shape])
        return try g.binary(f, xs[0], xs[1])
    }
    switch name {
    // elementwise, one operand
    case "negative": return try unary(.negate)
    case "abs": return try unary(.abs)
    case "sign": return try unary(.sign)
    case "relu": return try unary(.relu)
    case "square": return try unary(.square)
    case "reciprocal": return try unary(.reciprocal)
    case "sqrt": return try unary(.sqrt)
    case "exp": return try unary(.exp)
    case "log": return try unary(.log)
    case "log1p": return try unary(.log1p)
    case "softplus": return try unary(.softplus)
    case "sigmoid": return try unary(.sigmoid)
    case "tanh": return try unary(.tanh)
    case "sin": return try unary(.sin)
    case "cos": return try unary(.cos)
    case "hinge": return try unary(.hinge)
    case "leaky_relu":
        try arity(1, floats: 1); return try g.unary(.leakyRelu(slope: fa[0]), xs[0])
    case "gelu":
        try arity(1, ints: 1); return try g.unary(.gelu(approximate: try flag(0)), xs[0])
    case "power_scalar":
        try arity(1, floats: 1); return try g.unary(.power(fa[0]), xs[0])
    case "add_scalar":
        try arity(1, floats: 1); return try g.unary(.addScalar(fa[0]), xs[0])
    case "multiply_scalar":
        try arity(1, floats: 1); return try g.unary(.multiplyScalar(fa[0]), xs[0])
    case "clip":
        try arity(1, floats: 2); return try g.unary(.clip(lower: fa[0], upper: fa[1]), xs[0])
    case "soft_threshold":
        try arity(1, floats: 1); return try g.unary(.softThreshold(fa[0]), xs[0])
    case "huber":
        try arity(1, floats: 1); return try g.unary(.huber(delta: fa[0]), xs[0])
    case "round":
        try arity(1, ints: 1); return try g.unary(.round(straightThrough: try flag(0)), xs[0])
    case "floor":
        try arity(1, ints: 1); return try g.unary(.floor(straightThrough: try flag(0)), xs[0])
    case "sign_ste":
        try arity(1, ints: 1); return try g.unary(.signStraightThrough(clipped: try flag(0)), xs[0])
    case "stop_gradient": return try unary(.stopGradient)
    // elementwise, two operands (NumPy broadcasting)
    case "add": return try binary(.add)
    case "subtract": return try binary(.subtract)
    case "multiply": return try binary(.multiply)
    case "divide": return try binary(.divide)
    case "maximum": return try binary(.maximum)
    case "minimum": return try binary(.minimum)
    case "power": return try binary(.power)
    case "less": return try binary(.compare(.less))
    case "less_equal": return try binary(.compare(.lessEqual))
    case "greater": return try binary(.compare(.greater))
    case "greater_equal": return try binary(.compare(.greaterEqual))
    case "equal": return try binary(.compare(.equal))
    case "not_equal": return try binary(.compare(.notEqual))
    case "where":
        try arity(3)
        try broadcastable(xs.map(\.shape))
        return try g.select(xs[0], xs[1], xs[2])
    // structure
    case "broadcast_to":
        try require(xs.count == 1 && fa.isEmpty && ia.count <= 64, name, "takes 1 operand and the target shape")
        _ = try elementCount(ia, name)
        return try g.broadcast(xs[0], to: ia)
    case "reshape":
        try require(xs.count == 1 && fa.isEmpty && ia.count <= 64, name, "takes 1 operand and the target shape")
        _ = try elementCount(ia, name, allowUnknown: true)
        return try g.reshape(xs[0], ia)
    case "transpose":
        try require(xs.count == 1 && fa.isEmpty, name, "takes 1 operand and optional axes")
        return try g.transpose(xs[0], axes: ia.isEmpty && xs[0].rank != 0 ? nil : ia)
    case "concatenate":
        try require(!xs.isEmpty && ia.count == 1 && fa.isEmpty, name, "takes 1 or more operands and the axis")
        if let first = xs.first, first.rank > 0 {
            let a = ia[0] < 0 ? ia[0] + first.rank : ia[0]
            if a >= 0 && a < first.rank {
                var shape = first.shape
                var total = 0
                for v in xs where v.rank == first.rank {
                    let (t, overflow) = total.addingReportingOverflow(v.shape[a])
                    try require(!overflow, name, "the joined axis is too long")
                    total = t
                }
                shape[a] = total
                _ = try elementCount(shape, name)
            }
        }
        return try g.concatenate(xs, axis: ia[0])
    // reductions: int attributes [keepdims (0/1), axis count or −1 for all, axes...]
    case "sum", "mean", "max", "min", "norm1", "norm2", "norm_inf", "logsumexp":
        let reductions: [Reduction] = [.sum, .mean, .max, .min, .norm1, .norm2, .normInf, .logSumExp]
        guard let r = reductions.first(where: { $0.name == name }) else { throw invalid("op", "unknown reduction '\(name)'") }
        try require(xs.count == 1 && fa.isEmpty && ia.count >= 2, name,
                    "takes 1 operand and the attributes [keepdims, axis count or -1, axes...]")
        let keep = try flag(0)
        let axes: [Int]?
        if ia[1] == -1 {
            try require(ia.count == 2, name, "axis count -1 (all axes) takes no axes")
            axes = nil
        } else {
            try require(ia[1] >= 0 && ia.count == 2 + ia[1], name, "axis count \(ia[1]) does not match \(ia.count - 2) axes")
            axes = Array(ia[2...])
        }
        return try g.reduce(r, xs[0], axes: axes, keepDims: keep)
    case "matmul":
        try arity(2)
        let m = xs[0].rank == 2 ? xs[0].shape[0] : 1, n = xs[1].rank == 2 ? xs[1].shape[1] : 1
        if (1...2).contains(xs[0].rank) && (1...2).contains(xs[1].rank) {
            _ = try elementCount([m, n], name)
        }
        return try g.matmul(xs[0], xs[1])
    case "sort":
        try arity(1, ints: 1)
        return try g.sort(xs[0], axis: ia[0])
    case "softmax_cross_entropy":
        try arity(2, ints: 1)
        try broadcastable([xs[0].shape, xs[1].shape])
        return try g.softmaxCrossEntropy(logits: xs[0], targets: xs[1], axis: ia[0])
    case "max_pool1d", "max_pool2d", "avg_pool1d", "avg_pool2d":
        let d = name.hasSuffix("1d") ? 1 : 2
        try arity(1, ints: 2 * d)
        let window = Array(ia[0..<d]), strides = Array(ia[d...])
        try require(window.allSatisfy { $0 >= 1 } && strides.allSatisfy { $0 >= 1 }, name,
                    "window \(window) and strides \(strides) must be positive")
        let x = xs[0]
        if x.rank >= d && (0..<d).allSatisfy({ x.shape[x.rank - d + $0] >= window[$0] }) {
            // The pooling windows are gathered: batch × outputs × window size elements.
            var shape = Array(x.shape.dropLast(d))
            for i in 0..<d { shape.append((x.shape[x.rank - d + i] - window[i]) / strides[i] + 1) }
            _ = try elementCount(shape + window, name)
        }
        return name.hasPrefix("max")
            ? try g.maxPool(x, window: window, strides: strides)
            : try g.averagePool(x, window: window, strides: strides)
    // ints: [stride_h, stride_w, padding_h, padding_w]
    case "conv2d":
        try arity(2, ints: 4)
        try require(ia[0] >= 1 && ia[1] >= 1 && ia[2] >= 0 && ia[3] >= 0 && ia.allSatisfy { $0 <= Int(Int32.max) }, name,
                    "strides \(Array(ia[0..<2])) must be positive and padding \(Array(ia[2...])) non-negative")
        let (x, w) = (xs[0], xs[1])
        if x.rank == 4 && w.rank == 4,
           let ho = Graph.convolutionOutputSize(input: x.shape[2], kernel: w.shape[2], stride: ia[0], padding: ia[2]),
           let wo = Graph.convolutionOutputSize(input: x.shape[3], kernel: w.shape[3], stride: ia[1], padding: ia[3]) {
            // The patch matrix: C·kh·kw rows, N·Ho·Wo columns.
            _ = try elementCount([x.shape[1], w.shape[2], w.shape[3], x.shape[0], ho, wo], name)
            _ = try elementCount([w.shape[0], x.shape[0], ho, wo], name)
        }
        return try g.conv2d(x, w, strides: Array(ia[0..<2]), padding: Array(ia[2...]))
    case "codebook_lookup":
        try arity(2, ints: 1)
        return try g.codebookLookup(xs[0], codebook: xs[1], straightThrough: try flag(0))
    default:
        throw invalid("op", "unknown operation '\(name)'")
    }
}

// MARK: - programs

@_cdecl("ns_program_create")
public func ns_program_create(
    _ graph: OpaquePointer?, _ nOutputs: Int64, _ outputs: UnsafePointer<Int64>?,
    _ out: UnsafeMutablePointer<OpaquePointer?>?
) -> Int32 {
    guarded {
        let out = try nonNull(out, "out")
        out.pointee = nil
        let g = try graphHandle(graph)
        try require(nOutputs >= 1 && nOutputs <= 1 << 20, "outputs", "a program needs 1 or more outputs, got \(nOutputs)")
        let ids = try intArray(outputs, nOutputs, "outputs")
        let program = try g.with { state -> Program in
            let values = try ids.map { try operand(Int64($0), state, "outputs") }
            return try Program(state.graph, outputs: values)
        }
        out.pointee = handles.register(program)
    }
}

@_cdecl("ns_program_destroy")
public func ns_program_destroy(_ handle: OpaquePointer?) -> Int32 {
    handles.destroy(handle, as: Program.self, "program")
}

@_cdecl("ns_program_arity")
public func ns_program_arity(
    _ handle: OpaquePointer?, _ nInputs: UnsafeMutablePointer<Int64>?, _ nOutputs: UnsafeMutablePointer<Int64>?
) -> Int32 {
    guarded {
        let p = try programHandle(handle)
        try nonNull(nInputs, "n_inputs").pointee = Int64(p.inputCounts.count)
        try nonNull(nOutputs, "n_outputs").pointee = Int64(p.outputCounts.count)
    }
}

@_cdecl("ns_program_shape")
public func ns_program_shape(
    _ handle: OpaquePointer?, _ role: Int32, _ index: Int64,
    _ shape: UnsafeMutablePointer<Int64>?, _ capacity: Int64, _ ndim: UnsafeMutablePointer<Int64>?
) -> Int32 {
    guarded {
        let p = try programHandle(handle)
        let ndim = try nonNull(ndim, "ndim")
        try require(role == 0 || role == 1, "role", "must be 0 (argument) or 1 (output), got \(role)")
        let shapes = role == 0 ? p.inputShapes : p.outputShapes
        try require(index >= 0 && index < Int64(shapes.count), "index",
                    "\(index) is out of range for \(shapes.count) \(role == 0 ? "arguments" : "outputs")")
        try writeShape(shapes[Int(index)], shape, capacity, ndim)
    }
}

// MARK: - buffers and policies

/// A valid address for zero-length buffers given as null (of either precision).
private let emptyStorage = UnsafeMutableRawPointer.allocate(byteCount: 16, alignment: 16)
private var emptyBuffer: UnsafeMutablePointer<Double> { emptyStorage.assumingMemoryBound(to: Double.self) }
func emptyPointer<S: ProgramScalar>(_ type: S.Type) -> UnsafeMutablePointer<S> { emptyStorage.assumingMemoryBound(to: S.self) }

/// The element type of the buffers of a call (`ns_dtype`; keep in sync with nonsmooth.h).
enum DType {
    case float64, float32

    init(_ code: Int32) throws {
        switch code {
        case 0: self = .float64
        case 1: self = .float32
        default: throw invalid("dtype", "must be NS_FLOAT64 (0) or NS_FLOAT32 (1), got \(code)")
        }
    }
}

/// Checks a list of `expected.count` buffers of S (an array of pointers) with
/// their declared sizes. `optional`: null entries are allowed (and returned as nil).
private func bufferList<S: ProgramScalar>(
    _ pointers: UnsafeRawPointer?, _ sizes: UnsafePointer<Int64>?,
    expected: [Int], _ name: String, as type: S.Type, optional: Bool = false, finite: Bool = false
) throws -> [UnsafePointer<S>?] {
    if expected.isEmpty { return [] }
    let pointers = try nonNullRaw(pointers, name).assumingMemoryBound(to: UnsafeRawPointer?.self)
    let sizes = try nonNull(sizes, "\(name) sizes")
    var result: [UnsafePointer<S>?] = []
    for (k, n) in expected.enumerated() {
        guard let p = pointers[k]?.assumingMemoryBound(to: S.self) else {
            try require(optional || n == 0, name, "entry \(k) is a null pointer")
            result.append(optional ? nil : UnsafePointer(emptyPointer(S.self)))
            continue
        }
        try require(sizes[k] == Int64(n), name, "entry \(k) has \(sizes[k]) values, the program needs \(n)")
        if finite && !S.allFinite(p, n) {
            for i in 0..<n where !p[i].isFinite {
                throw invalid(name, "entry \(k) must be finite, value \(i) is \(p[i])")
            }
        }
        result.append(p)
    }
    return result
}

private func inputList<S: ProgramScalar>(
    _ program: Program, _ nInputs: Int64, _ inputs: UnsafeRawPointer?, _ sizes: UnsafePointer<Int64>?,
    as type: S.Type = Double.self
) throws -> [UnsafePointer<S>] {
    let counts = program.inputCounts
    try require(nInputs == Int64(counts.count), "inputs", "the program takes \(counts.count) arguments, got \(nInputs)")
    return try bufferList(inputs, sizes, expected: counts, "inputs", as: S.self).map { $0 ?? UnsafePointer(emptyPointer(S.self)) }
}

private func mutableList<S: ProgramScalar>(
    _ pointers: UnsafeRawPointer?, _ sizes: UnsafePointer<Int64>?, expected: [Int], _ name: String,
    as type: S.Type = Double.self
) throws -> [UnsafeMutablePointer<S>] {
    try bufferList(pointers, sizes, expected: expected, name, as: S.self)
        .map { UnsafeMutablePointer(mutating: $0 ?? UnsafePointer(emptyPointer(S.self))) }
}

private func wrtList(_ program: Program, _ nWrt: Int64, _ wrt: UnsafePointer<Int64>?) throws -> [Int] {
    let n = program.inputCounts.count
    try require(nWrt >= 1 && nWrt <= Int64(n), "wrt", "needs 1 to \(n) argument indices, got \(nWrt)")
    let w = try intArray(wrt, nWrt, "wrt")
    for k in w {
        try require(k >= 0 && k < n, "wrt", "argument index \(k) is out of range for a program of \(n) arguments")
    }
    try require(Set(w).count == w.count, "wrt", "repeats an argument: \(w)")
    return w
}

private func outputIndex(_ program: Program, _ output: Int64) throws -> Int {
    let n = program.outputCounts.count
    try require(output >= 0 && output < Int64(n), "output", "index \(output) is out of range for a program of \(n) outputs")
    return Int(output)
}

/// Reads an `ns_kink_policy` (layout fixed in nonsmooth.h: three doubles, two int32); null is the default.
func kinkPolicy(_ raw: UnsafeRawPointer?) throws -> KinkPolicy {
    guard let raw else { return .standard }
    let relu = raw.loadUnaligned(fromByteOffset: 0, as: Double.self)
    let abs = raw.loadUnaligned(fromByteOffset: 8, as: Double.self)
    let norm2 = raw.loadUnaligned(fromByteOffset: 16, as: Double.self)
    let ties = raw.loadUnaligned(fromByteOffset: 24, as: Int32.self)
    let strict = raw.loadUnaligned(fromByteOffset: 28, as: Int32.self)
    try require(ties == 0 || ties == 1, "ties", "must be 0 (lowest index) or 1 (split), got \(ties)")
    return try KinkPolicy(reluAtZero: relu, absAtZero: abs, ties: ties == 0 ? .lowestIndex : .split,
                          norm2AtZero: norm2, strict: strict != 0)
}

/// Writes "label=count;label=count" (NUL-terminated) into the caller's buffer;
/// entries that do not fit are replaced by "...".
func writeKinks(_ report: KinkReport, _ buffer: UnsafeMutablePointer<CChar>?, _ capacity: Int64) {
    guard let buffer, capacity > 0 else { return }
    let cap = Int(Swift.min(capacity, 1 << 20))
    var used = 0
    func put(_ s: String) -> Bool {
        let bytes = Array(s.utf8)
        guard used + bytes.count < cap else { return false }
        for b in bytes { buffer[used] = CChar(bitPattern: b); used += 1 }
        return true
    }
    for (i, (label, count)) in report.entries.enumerated() {
        let entry = (i == 0 ? "" : ";") + "\(label)=\(count)"
        if !put(entry) {
            _ = put(i == 0 ? "..." : ";...")
            break
        }
    }
    buffer[used] = 0
}

// MARK: - evaluation and derivatives

/// The shared frame of every evaluation entry point: clears the kink text, checks
/// the handle, the policy and the arguments (of S), runs `body` and writes its report.
private func programCall<S: ProgramScalar>(
    _ handle: OpaquePointer?, _ policy: UnsafeRawPointer?, as type: S.Type,
    _ nInputs: Int64, _ inputs: UnsafeRawPointer?, _ inputSizes: UnsafePointer<Int64>?,
    _ kinks: UnsafeMutablePointer<CChar>?, _ kinksCapacity: Int64,
    _ body: (Program, KinkPolicy, [UnsafePointer<S>]) throws -> KinkReport
) -> Int32 {
    guarded(interruptible: true) {
        writeKinks(KinkReport(), kinks, kinksCapacity)
        let p = try programHandle(handle)
        let policy = try kinkPolicy(policy)
        let x = try inputList(p, nInputs, inputs, inputSizes, as: S.self)
        writeKinks(try body(p, policy, x), kinks, kinksCapacity)
    }
}

@_cdecl("ns_program_evaluate")
public func ns_program_evaluate(
    _ handle: OpaquePointer?, _ policy: UnsafeRawPointer?, _ dtype: Int32,
    _ nInputs: Int64, _ inputs: UnsafeRawPointer?, _ inputSizes: UnsafePointer<Int64>?,
    _ nOutputs: Int64, _ outputs: UnsafeRawPointer?, _ outputSizes: UnsafePointer<Int64>?,
    _ kinks: UnsafeMutablePointer<CChar>?, _ kinksCapacity: Int64
) -> Int32 {
    func run<S: ProgramScalar>(_ type: S.Type) -> Int32 {
        programCall(handle, policy, as: S.self, nInputs, inputs, inputSizes, kinks, kinksCapacity) { p, policy, x in
            try require(nOutputs == Int64(p.outputCounts.count), "outputs",
                        "the program has \(p.outputCounts.count) outputs, got \(nOutputs) buffers")
            let y = try mutableList(outputs, outputSizes, expected: p.outputCounts, "outputs", as: S.self)
            return try p.evaluate(inputs: x, outputs: y, policy: policy)
        }
    }
    return dispatch(dtype, kinks, kinksCapacity, run(Double.self), run(Float.self))
}

/// Runs the float64 or the float32 variant of a call; an unknown dtype fails
/// with its message (and an empty kink text).
private func dispatch(
    _ dtype: Int32, _ kinks: UnsafeMutablePointer<CChar>?, _ kinksCapacity: Int64,
    _ float64: @autoclosure () -> Int32, _ float32: @autoclosure () -> Int32
) -> Int32 {
    var which = DType.float64
    let status = guarded {
        writeKinks(KinkReport(), kinks, kinksCapacity)
        which = try DType(dtype)
    }
    guard status == NS_OK else { return status }
    return which == .float64 ? float64() : float32()
}

@_cdecl("ns_program_vjp")
public func ns_program_vjp(
    _ handle: OpaquePointer?, _ policy: UnsafeRawPointer?, _ dtype: Int32,
    _ nInputs: Int64, _ inputs: UnsafeRawPointer?, _ inputSizes: UnsafePointer<Int64>?,
    _ nOutputs: Int64, _ cotangents: UnsafeRawPointer?, _ cotangentSizes: UnsafePointer<Int64>?,
    _ nWrt: Int64, _ wrt: UnsafePointer<Int64>?,
    _ gradients: UnsafeRawPointer?, _ gradientSizes: UnsafePointer<Int64>?,
    _ outputs: UnsafeRawPointer?, _ outputSizes: UnsafePointer<Int64>?,
    _ kinks: UnsafeMutablePointer<CChar>?, _ kinksCapacity: Int64
) -> Int32 {
    func run<S: ProgramScalar>(_ type: S.Type) -> Int32 {
        programCall(handle, policy, as: S.self, nInputs, inputs, inputSizes, kinks, kinksCapacity) { p, policy, x in
            try require(nOutputs == Int64(p.outputCounts.count), "cotangents",
                        "the program has \(p.outputCounts.count) outputs, got \(nOutputs) cotangents")
            let c = try bufferList(cotangents, cotangentSizes, expected: p.outputCounts, "cotangents", as: S.self,
                                   optional: true, finite: true)
            let w = try wrtList(p, nWrt, wrt)
            let g = try mutableList(gradients, gradientSizes, expected: w.map { p.inputCounts[$0] }, "gradients", as: S.self)
            let y = outputs == nil ? nil : try mutableList(outputs, outputSizes, expected: p.outputCounts, "outputs", as: S.self)
            return try p.vjp(inputs: x, cotangents: c, wrt: w, gradients: g, outputs: y, policy: policy)
        }
    }
    return dispatch(dtype, kinks, kinksCapacity, run(Double.self), run(Float.self))
}

@_cdecl("ns_program_jvp")
public func ns_program_jvp(
    _ handle: OpaquePointer?, _ policy: UnsafeRawPointer?,
    _ nInputs: Int64, _ inputs: UnsafePointer<UnsafePointer<Double>?>?, _ inputSizes: UnsafePointer<Int64>?,
    _ tangents: UnsafePointer<UnsafePointer<Double>?>?, _ tangentSizes: UnsafePointer<Int64>?,
    _ nOutputs: Int64,
    _ outputTangents: UnsafePointer<UnsafeMutablePointer<Double>?>?, _ outputTangentSizes: UnsafePointer<Int64>?,
    _ outputs: UnsafePointer<UnsafeMutablePointer<Double>?>?, _ outputSizes: UnsafePointer<Int64>?,
    _ kinks: UnsafeMutablePointer<CChar>?, _ kinksCapacity: Int64
) -> Int32 {
    programCall(handle, policy, as: Double.self, nInputs, inputs, inputSizes, kinks, kinksCapacity) { p, policy, x in
        let t = try bufferList(tangents, tangentSizes, expected: p.inputCounts, "tangents", as: Double.self, optional: true, finite: true)
        try require(nOutputs == Int64(p.outputCounts.count), "output_tangents",
                    "the program has \(p.outputCounts.count) outputs, got \(nOutputs) buffers")
        let ot = try mutableList(outputTangents, outputTangentSizes, expected: p.outputCounts, "output_tangents", as: Double.self)
        let y = outputs == nil ? nil : try mutableList(outputs, outputSizes, expected: p.outputCounts, "outputs", as: Double.self)
        return try p.jvp(inputs: x, tangents: t, outputTangents: ot, outputs: y, policy: policy)
    }
}

@_cdecl("ns_program_hvp")
public func ns_program_hvp(
    _ handle: OpaquePointer?, _ policy: UnsafeRawPointer?,
    _ nInputs: Int64, _ inputs: UnsafePointer<UnsafePointer<Double>?>?, _ inputSizes: UnsafePointer<Int64>?,
    _ output: Int64, _ nWrt: Int64, _ wrt: UnsafePointer<Int64>?,
    _ directions: UnsafePointer<UnsafePointer<Double>?>?, _ directionSizes: UnsafePointer<Int64>?,
    _ products: UnsafePointer<UnsafeMutablePointer<Double>?>?, _ productSizes: UnsafePointer<Int64>?,
    _ gradients: UnsafePointer<UnsafeMutablePointer<Double>?>?, _ gradientSizes: UnsafePointer<Int64>?,
    _ kinks: UnsafeMutablePointer<CChar>?, _ kinksCapacity: Int64
) -> Int32 {
    programCall(handle, policy, as: Double.self, nInputs, inputs, inputSizes, kinks, kinksCapacity) { p, policy, x in
        let o = try outputIndex(p, output)
        try require(p.outputCounts[o] == 1, "output",
                    "Hessian-vector products need a scalar output, output \(o) has shape \(p.outputShapes[o])")
        let w = try wrtList(p, nWrt, wrt)
        let counts = w.map { p.inputCounts[$0] }
        let d = try bufferList(directions, directionSizes, expected: counts, "directions", as: Double.self, finite: true)
            .map { $0 ?? UnsafePointer(emptyBuffer) }
        let pr = try mutableList(products, productSizes, expected: counts, "products", as: Double.self)
        let g = gradients == nil ? nil : try mutableList(gradients, gradientSizes, expected: counts, "gradients", as: Double.self)
        return try p.hvp(inputs: x, wrt: w, directions: d, products: pr, output: o, gradients: g, policy: policy)
    }
}

@_cdecl("ns_program_jacobian")
public func ns_program_jacobian(
    _ handle: OpaquePointer?, _ policy: UnsafeRawPointer?,
    _ nInputs: Int64, _ inputs: UnsafePointer<UnsafePointer<Double>?>?, _ inputSizes: UnsafePointer<Int64>?,
    _ output: Int64, _ wrt: Int64, _ jacobian: UnsafeMutablePointer<Double>?, _ jacobianSize: Int64,
    _ kinks: UnsafeMutablePointer<CChar>?, _ kinksCapacity: Int64
) -> Int32 {
    programCall(handle, policy, as: Double.self, nInputs, inputs, inputSizes, kinks, kinksCapacity) { p, policy, x in
        let o = try outputIndex(p, output)
        var w = wrt
        let k = try wrtList(p, 1, &w)[0]
        let (size, overflow) = p.outputCounts[o].multipliedReportingOverflow(by: p.inputCounts[k])
        try require(!overflow && size <= maxElements, "jacobian", "would have more than 2^31 entries")
        try require(jacobianSize == Int64(size), "jacobian",
                    "has \(jacobianSize) entries, the Jacobian has \(p.outputCounts[o]) × \(p.inputCounts[k])")
        let j = size == 0 ? emptyBuffer : try nonNull(jacobian, "jacobian")
        return try p.jacobian(inputs: x, output: o, wrt: k, jacobian: j, policy: policy)
    }
}

@_cdecl("ns_program_lexicographic")
public func ns_program_lexicographic(
    _ handle: OpaquePointer?,
    _ nInputs: Int64, _ inputs: UnsafePointer<UnsafePointer<Double>?>?, _ inputSizes: UnsafePointer<Int64>?,
    _ output: Int64, _ nWrt: Int64, _ wrt: UnsafePointer<Int64>?,
    _ directions: UnsafePointer<UnsafePointer<Double>?>?, _ directionSizes: UnsafePointer<Int64>?,
    _ directionCount: Int64, _ result: UnsafeMutablePointer<Double>?, _ resultSize: Int64,
    _ kinks: UnsafeMutablePointer<CChar>?, _ kinksCapacity: Int64
) -> Int32 {
    programCall(handle, nil, as: Double.self, nInputs, inputs, inputSizes, kinks, kinksCapacity) { p, _, x in
        let o = try outputIndex(p, output)
        let w = try wrtList(p, nWrt, wrt)
        try require(directionCount >= 1 && directionCount <= Int64(maxElements), "direction_count",
                    "must be at least 1, got \(directionCount)")
        let k = Int(directionCount)
        var counts: [Int] = []
        for arg in w {
            let (c, overflow) = p.inputCounts[arg].multipliedReportingOverflow(by: k)
            try require(!overflow && c <= maxElements, "directions", "would have more than 2^31 entries")
            counts.append(c)
        }
        let d = try bufferList(directions, directionSizes, expected: counts, "directions", as: Double.self, finite: true)
            .map { $0 ?? UnsafePointer(emptyBuffer) }
        let (size, overflow) = p.outputCounts[o].multipliedReportingOverflow(by: k)
        try require(!overflow && size <= maxElements, "result", "would have more than 2^31 entries")
        try require(resultSize == Int64(size), "result",
                    "has \(resultSize) entries, the derivative has \(p.outputCounts[o]) × \(k)")
        let r = size == 0 ? emptyBuffer : try nonNull(result, "result")
        return try p.lexicographicDerivative(inputs: x, wrt: w, directions: d, directionCount: k,
                                                   output: o, result: r)
    }
}

@_cdecl("ns_set_autodiff_threads")
public func ns_set_autodiff_threads(_ n: Int32) -> Int32 {
    guarded {
        try require(n >= 0 && n <= 256, "n_threads", "must be between 0 and 256, got \(n)")
        ProductThreads.limit = n == 0 ? ProductThreads.available : Int(n)
    }
}

@_cdecl("ns_get_autodiff_threads")
public func ns_get_autodiff_threads() -> Int32 {
    Int32(clamping: ProductThreads.limit)
}
