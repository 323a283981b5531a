/// A handle on a node of a `Graph`: its index and shape.
public struct Value: Sendable, Hashable {
    public let id: Int
    public let shape: [Int]
    public var count: Int { shape.reduce(1, *) }
    public var rank: Int { shape.count }
}

/// Builds a program one primitive at a time, resolving shapes as it goes.
///
/// Shape errors are thrown here — at trace time — naming the operation and the
/// shapes involved. Broadcasting follows NumPy; it is made explicit by inserting
/// `gather` nodes, so kernels only ever see equal shapes.
///
/// ```swift
/// let g = Graph()
/// let w = try g.input(shape: [3]), x = try g.input(shape: [5, 3])
/// let r = try g.relu(g.matmul(x, w))
/// let loss = try g.reduce(.mean, g.square(r))
/// let program = try Program(g, outputs: [loss])
/// ```
public final class Graph {
    public private(set) var nodes: [Node] = []
    public private(set) var inputCount = 0

    public init() {}

    private func add(_ op: Operation, _ inputs: [Value], shape: [Int], label: String? = nil) -> Value {
        nodes.append(Node(operation: op, inputs: inputs.map(\.id), shape: shape, label: label ?? op.name))
        return Value(id: nodes.count - 1, shape: shape)
    }

    private func check(_ v: Value, _ op: String) throws {
        guard v.id >= 0, v.id < nodes.count, nodes[v.id].shape == v.shape else {
            throw NonsmoothError.invalidArgument(name: op, reason: "operand \(v.id) is not a node of this graph")
        }
    }

    private static func describe(_ shape: [Int]) -> String {
        shape.count == 1 ? "(\(shape[0]),)" : "(" + shape.map(String.init).joined(separator: ", ") + ")"
    }

    // MARK: leaves

    /// The next argument of the program.
    public func input(shape: [Int]) throws -> Value {
        try require(shape.allSatisfy { $0 >= 0 }, "shape", "dimensions must be non-negative, got \(shape)")
        inputCount += 1
        return add(.input(index: inputCount - 1), [], shape: shape)
    }

    public func constant(_ values: [Double], shape: [Int]) throws -> Value {
        try require(shape.allSatisfy { $0 >= 0 }, "shape", "dimensions must be non-negative, got \(shape)")
        try require(values.count == shape.reduce(1, *), "constant",
                    "has \(values.count) values for shape \(Self.describe(shape))")
        return add(.constant(values), [], shape: shape)
    }

    public func scalar(_ value: Double) -> Value {
        add(.constant([value]), [], shape: [])
    }

    // MARK: elementwise

    public func unary(_ f: UnaryFunction, _ x: Value) throws -> Value {
        try check(x, f.name)
        switch f {
        case .clip(let lo, let hi):
            try require(!lo.isNaN && !hi.isNaN && lo <= hi, "clip", "needs lower ≤ upper, got \(lo) and \(hi)")
        case .softThreshold(let t):
            try require(t.isFinite && t >= 0, "soft_threshold", "threshold must be non-negative and finite, got \(t)")
        case .huber(let d):
            try require(d.isFinite && d > 0, "huber", "delta must be positive and finite, got \(d)")
        case .leakyRelu(let s):
            try require(s.isFinite, "leaky_relu", "negative_slope must be finite, got \(s)")
        case .power(let p):
            try require(p.isFinite, "power", "exponent must be finite, got \(p)")
        case .addScalar(let c), .multiplyScalar(let c):
            try require(c.isFinite, f.name, "scalar operand must be finite, got \(c)")
        default: break
        }
        return add(.unary(f), [x], shape: x.shape)
    }

    /// NumPy broadcasting of two shapes, or nil if they do not broadcast.
    public static func broadcastShape(_ a: [Int], _ b: [Int]) -> [Int]? {
        let rank = Swift.max(a.count, b.count)
        var out = [Int](repeating: 1, count: rank)
        for i in 0..<rank {
            let da = i < rank - a.count ? 1 : a[i - (rank - a.count)]
            let db = i < rank - b.count ? 1 : b[i - (rank - b.count)]
            if da == db || db == 1 { out[i] = da } else if da == 1 { out[i] = db } else { return nil }
        }
        return out
    }

    /// Repeats x to `shape` following NumPy's broadcasting rules.
    public func broadcast(_ x: Value, to shape: [Int]) throws -> Value {
        try check(x, "broadcast_to")
        if x.shape == shape { return x }
        guard let joint = Self.broadcastShape(x.shape, shape), joint == shape else {
            throw NonsmoothError.invalidArgument(
                name: "broadcast_to",
                reason: "cannot broadcast shape \(Self.describe(x.shape)) to \(Self.describe(shape))")
        }
        let offset = shape.count - x.rank
        let padded = [Int](repeating: 1, count: offset) + x.shape
        // The two common patterns (a bias over a batch, a column over rows) get
        // dedicated kernels; their reverse pass is a sum, not a scatter.
        if let split = (0...shape.count).first(where: { k in
            (0..<k).allSatisfy { padded[$0] == 1 } && (k..<shape.count).allSatisfy { padded[$0] == shape[$0] } }) {
            let times = shape[..<split].reduce(1, *)
            return add(.tile(times: times), [x], shape: shape, label: "broadcast_to")
        }
        if let split = (0...shape.count).first(where: { k in
            (0..<k).allSatisfy { padded[$0] == shape[$0] } && (k..<shape.count).allSatisfy { padded[$0] == 1 } }) {
            let times = shape[split...].reduce(1, *)
            return add(.repeatEach(times: times), [x], shape: shape, label: "broadcast_to")
        }
        // Stride of each output axis in x's elements (0 where x is broadcast).
        var strides = [Int](repeating: 0, count: shape.count)
        var s = 1
        for i in stride(from: x.rank - 1, through: 0, by: -1) {
            if x.shape[i] != 1 { strides[i + offset] = s }
            s *= x.shape[i]
        }
        return add(.gather(indices: Self.stridedIndices(shape, strides)), [x], shape: shape, label: "broadcast_to")
    }

    public func binary(_ f: BinaryFunction, _ a: Value, _ b: Value) throws -> Value {
        try check(a, f.name)
        try check(b, f.name)
        guard let shape = Self.broadcastShape(a.shape, b.shape) else {
            throw NonsmoothError.invalidArgument(
                name: f.name,
                reason: "operands could not be broadcast together with shapes \(Self.describe(a.shape)) and \(Self.describe(b.shape))")
        }
        let a2 = try broadcast(a, to: shape), b2 = try broadcast(b, to: shape)
        return add(.binary(f), [a2, b2], shape: shape)
    }

    /// where(condition, a, b) with broadcasting of all three.
    public func select(_ condition: Value, _ a: Value, _ b: Value) throws -> Value {
        for v in [condition, a, b] { try check(v, "where") }
        guard let ab = Self.broadcastShape(a.shape, b.shape),
              let shape = Self.broadcastShape(condition.shape, ab) else {
            throw NonsmoothError.invalidArgument(
                name: "where",
                reason: "condition, x and y could not be broadcast together with shapes \(Self.describe(condition.shape)), \(Self.describe(a.shape)) and \(Self.describe(b.shape))")
        }
        let c2 = try broadcast(condition, to: shape)
        let a2 = try broadcast(a, to: shape), b2 = try broadcast(b, to: shape)
        return add(.select, [c2, a2, b2], shape: shape)
    }

    /// The flat source index of every element of an array of `shape` read with
    /// `strides` (in elements) from its operand, in row-major order.
    static func stridedIndices(_ shape: [Int], _ strides: [Int]) -> [Int] {
        let count = shape.reduce(1, *)
        var indices = [Int](repeating: 0, count: count)
        var counter = [Int](repeating: 0, count: shape.count)
        var position = 0
        for i in 0..<count {
            indices[i] = position
            var axis = shape.count - 1
            while axis >= 0 {
                counter[axis] += 1
                position += strides[axis]
                if counter[axis] < shape[axis] { break }
                position -= strides[axis] * counter[axis]
                counter[axis] = 0
                axis -= 1
            }
        }
        return indices
    }

    // MARK: structure

    /// Reshape with NumPy semantics (one dimension may be −1).
    public func reshape(_ x: Value, _ shape: [Int]) throws -> Value {
        try check(x, "reshape")
        var shape = shape
        let unknown = shape.indices.filter { shape[$0] == -1 }
        try require(unknown.count <= 1 && shape.allSatisfy { $0 >= -1 }, "reshape",
                    "invalid target shape \(Self.describe(shape))")
        if let u = unknown.first {
            let known = shape.enumerated().filter { $0.offset != u }.map(\.element).reduce(1, *)
            try require(known > 0 && x.count % known == 0, "reshape",
                        "cannot reshape array of shape \(Self.describe(x.shape)) into \(Self.describe(shape))")
            shape[u] = x.count / known
        }
        try require(shape.reduce(1, *) == x.count, "reshape",
                    "cannot reshape array of shape \(Self.describe(x.shape)) into \(Self.describe(shape))")
        if shape == x.shape { return x }
        return add(.reshape, [x], shape: shape)
    }

    /// out.flat[i] = x.flat[indices[i]], with `shape` the output shape.
    public func gather(_ x: Value, indices: [Int], shape: [Int], label: String = "getitem") throws -> Value {
        try check(x, label)
        try require(indices.count == shape.reduce(1, *), label,
                    "\(indices.count) indices for output shape \(Self.describe(shape))")
        for i in indices where i < 0 || i >= x.count {
            throw NonsmoothError.invalidArgument(
                name: label, reason: "index \(i) is out of bounds for an array of \(x.count) elements")
        }
        return add(.gather(indices: indices), [x], shape: shape, label: label)
    }

    /// Permutes axes (reverses them when `axes` is nil), like `numpy.transpose`.
    public func transpose(_ x: Value, axes: [Int]? = nil) throws -> Value {
        try check(x, "transpose")
        let rank = x.rank
        let perm = try (axes ?? Array((0..<rank).reversed())).map { try normalizeAxis($0, rank, "transpose") }
        try require(perm.count == rank && Set(perm).count == rank, "transpose",
                    "axes \(axes ?? []) do not match an array of shape \(Self.describe(x.shape))")
        if perm == Array(0..<rank) { return x }
        let shape = perm.map { x.shape[$0] }
        var strides = [Int](repeating: 1, count: rank)
        for i in stride(from: rank - 2, through: 0, by: -1) { strides[i] = strides[i + 1] * x.shape[i + 1] }
        let outStrides = perm.map { strides[$0] }
        return add(.gather(indices: Self.stridedIndices(shape, outStrides)), [x], shape: shape, label: "transpose")
    }

    private func normalizeAxis(_ axis: Int, _ rank: Int, _ op: String) throws -> Int {
        let a = axis < 0 ? axis + rank : axis
        guard a >= 0, a < Swift.max(rank, 1) || (rank == 0 && a == 0) else {
            throw NonsmoothError.invalidArgument(
                name: op, reason: "axis \(axis) is out of bounds for an array of dimension \(rank)")
        }
        return a
    }

    /// Moves `axes` to the end, returning the permuted value and the kept shape.
    private func moveToEnd(_ x: Value, _ axes: [Int], _ op: String) throws -> (Value, [Int]) {
        let kept = (0..<x.rank).filter { !axes.contains($0) }
        let moved = try transpose(x, axes: kept + axes)
        return (moved, kept.map { x.shape[$0] })
    }

    public func concatenate(_ xs: [Value], axis: Int) throws -> Value {
        try require(!xs.isEmpty, "concatenate", "needs at least one array")
        for v in xs { try check(v, "concatenate") }
        let rank = xs[0].rank
        try require(rank > 0, "concatenate", "zero-dimensional arrays cannot be concatenated")
        let a = try normalizeAxis(axis, rank, "concatenate")
        for v in xs {
            let same = v.rank == rank && (0..<rank).allSatisfy { $0 == a || v.shape[$0] == xs[0].shape[$0] }
            try require(same, "concatenate",
                        "shapes \(xs.map { Self.describe($0.shape) }.joined(separator: ", ")) differ outside axis \(axis)")
        }
        var parts: [Value] = []
        for v in xs {
            let (moved, _) = try moveToEnd(v, [a], "concatenate")
            parts.append(moved)
        }
        var outShape = xs[0].shape
        outShape[a] = xs.reduce(0) { $0 + $1.shape[a] }
        var movedShape = (0..<rank).filter { $0 != a }.map { outShape[$0] }
        movedShape.append(outShape[a])
        let joined = add(.concatenate(lengths: xs.map { $0.shape[a] }), parts, shape: movedShape)
        // Move the joined axis back to its place.
        var inverse = Array(0..<(rank - 1))
        inverse.insert(rank - 1, at: a)
        return try transpose(joined, axes: inverse)
    }

    // MARK: reductions

    /// Reduces over `axes` (all when nil).
    public func reduce(_ r: Reduction, _ x: Value, axes: [Int]? = nil, keepDims: Bool = false) throws -> Value {
        try check(x, r.name)
        let all = Array(0..<x.rank)
        let ax = try Set((axes ?? all).map { try normalizeAxis($0, x.rank, r.name) }).sorted()
        if x.rank == 0 { return try reduceRows(r, x, length: 1, keptShape: []) }
        let (moved, kept) = try moveToEnd(x, ax, r.name)
        let length = ax.reduce(1) { $0 * x.shape[$1] }
        if [.max, .min, .normInf].contains(r) {
            try require(length > 0, r.name, "zero-size array to reduction operation \(r.name) which has no identity")
        }
        var out = try reduceRows(r, moved, length: length, keptShape: kept)
        if keepDims {
            let shape = (0..<x.rank).map { ax.contains($0) ? 1 : x.shape[$0] }
            out = try reshape(out, shape)
        }
        return out
    }

    private func reduceRows(_ r: Reduction, _ x: Value, length: Int, keptShape: [Int], label: String? = nil) throws -> Value {
        add(.reduce(r, length: length), [x], shape: keptShape, label: label)
    }

    // MARK: linear algebra

    /// Matrix product with NumPy's rules for 1-D and 2-D operands.
    public func matmul(_ a: Value, _ b: Value) throws -> Value {
        try check(a, "matmul")
        try check(b, "matmul")
        guard (1...2).contains(a.rank), (1...2).contains(b.rank) else {
            throw NonsmoothError.invalidArgument(
                name: "matmul",
                reason: "supports 1-D and 2-D operands, got shapes \(Self.describe(a.shape)) and \(Self.describe(b.shape))")
        }
        let a2 = a.rank == 1 ? try reshape(a, [1, a.shape[0]]) : a
        let b2 = b.rank == 1 ? try reshape(b, [b.shape[0], 1]) : b
        let (m, k) = (a2.shape[0], a2.shape[1]), (k2, n) = (b2.shape[0], b2.shape[1])
        guard k == k2 else {
            throw NonsmoothError.invalidArgument(
                name: "matmul",
                reason: "shapes \(Self.describe(a.shape)) and \(Self.describe(b.shape)) are not aligned: \(k) (dim \(a.rank - 1)) != \(k2) (dim 0)")
        }
        let product = add(.matmul(m: m, k: k, n: n), [a2, b2], shape: [m, n])
        var shape: [Int] = []
        if a.rank == 2 { shape.append(m) }
        if b.rank == 2 { shape.append(n) }
        return try reshape(product, shape)
    }

    // MARK: sorting, losses, pooling

    public func sort(_ x: Value, axis: Int = -1) throws -> Value {
        try check(x, "sort")
        if x.rank == 0 { return x }
        let a = try normalizeAxis(axis, x.rank, "sort")
        let (moved, kept) = try moveToEnd(x, [a], "sort")
        let sorted = add(.sort(length: x.shape[a]), [moved], shape: kept + [x.shape[a]])
        var inverse = Array(0..<(x.rank - 1))
        inverse.insert(x.rank - 1, at: a)
        return try transpose(sorted, axes: inverse)
    }

    /// −Σ targets·log softmax(logits) along `axis`; the output drops that axis.
    public func softmaxCrossEntropy(logits: Value, targets: Value, axis: Int = -1) throws -> Value {
        try check(logits, "softmax_cross_entropy")
        try check(targets, "softmax_cross_entropy")
        try require(logits.rank >= 1, "softmax_cross_entropy", "logits must have at least one dimension")
        let t = try broadcast(targets, to: logits.shape)
        let a = try normalizeAxis(axis, logits.rank, "softmax_cross_entropy")
        let (z, kept) = try moveToEnd(logits, [a], "softmax_cross_entropy")
        let (t2, _) = try moveToEnd(t, [a], "softmax_cross_entropy")
        return add(.softmaxCrossEntropy(length: logits.shape[a]), [z, t2], shape: kept)
    }

    /// Max pooling over the last axis (size, stride) or the last two axes.
    public func maxPool(_ x: Value, window: [Int], strides: [Int]? = nil) throws -> Value {
        let label = "max_pool\(window.count)d"
        let (windows, outShape) = try poolingWindows(x, window: window, strides: strides ?? window, label: label)
        return try reduceRows(.max, windows, length: window.reduce(1, *), keptShape: outShape, label: label)
    }

    /// Average pooling over the last axis or the last two axes (valid windows
    /// only, like `reduce_window` with padding "VALID"). Linear, no kink.
    public func averagePool(_ x: Value, window: [Int], strides: [Int]? = nil) throws -> Value {
        let label = "avg_pool\(window.count)d"
        let (windows, outShape) = try poolingWindows(x, window: window, strides: strides ?? window, label: label)
        return try reduceRows(.mean, windows, length: window.reduce(1, *), keptShape: outShape, label: label)
    }

    /// The pooling windows of x gathered as (leading dims..., outputs..., window size),
    /// and the output shape.
    private func poolingWindows(_ x: Value, window: [Int], strides: [Int], label: String) throws -> (Value, [Int]) {
        let d = window.count
        try check(x, label)
        try require((1...2).contains(d) && strides.count == d, label, "window and strides must have 1 or 2 entries")
        try require(window.allSatisfy { $0 >= 1 } && strides.allSatisfy { $0 >= 1 }, label,
                    "window \(window) and strides \(strides) must be positive")
        try require(x.rank >= d, label, "input of shape \(Self.describe(x.shape)) has fewer than \(d) dimensions")
        let spatial = Array(x.shape.suffix(d))
        for i in 0..<d where spatial[i] < window[i] {
            throw NonsmoothError.invalidArgument(
                name: label, reason: "window \(window) is larger than the input's last dimensions \(spatial)")
        }
        let outSpatial = (0..<d).map { (spatial[$0] - window[$0]) / strides[$0] + 1 }
        let batch = x.count / Swift.max(spatial.reduce(1, *), 1)
        let inner = spatial.reduce(1, *)
        let windowSize = window.reduce(1, *)
        let outInner = outSpatial.reduce(1, *)
        var indices: [Int] = []
        indices.reserveCapacity(batch * outInner * windowSize)
        let width = d == 2 ? spatial[1] : 1
        for b in 0..<batch {
            for o in 0..<outInner {
                let (oi, oj) = d == 2 ? (o / outSpatial[1], o % outSpatial[1]) : (o, 0)
                for w in 0..<windowSize {
                    let (wi, wj) = d == 2 ? (w / window[1], w % window[1]) : (w, 0)
                    let pos = d == 2
                        ? (oi * strides[0] + wi) * width + oj * strides[1] + wj
                        : oi * strides[0] + wi
                    indices.append(b * inner + pos)
                }
            }
        }
        let outShape = Array(x.shape.dropLast(d)) + outSpatial
        return (add(.gather(indices: indices), [x], shape: outShape + [windowSize], label: label), outShape)
    }

    /// The output spatial size of a convolution, or nil when the window does not fit.
    public static func convolutionOutputSize(input: Int, kernel: Int, stride: Int, padding: Int) -> Int? {
        let span = input + 2 * padding - kernel
        return span < 0 ? nil : span / stride + 1
    }

    /// 2-D cross-correlation (the "convolution" of deep learning) of x (N, C, H, W)
    /// with filters w (F, C, kh, kw), zero padding `padding` on each side and
    /// `strides`; the result is (N, F, Ho, Wo) with Ho = ⌊(H + 2p − kh)/s⌋ + 1.
    ///
    /// Lowered to im2col + one matrix product through BLAS: a gather builds the
    /// (C·kh·kw, N·Ho·Wo) patch matrix (padding reads a zero appended to x), the
    /// filters reshaped to (F, C·kh·kw) multiply it, and a transpose restores
    /// NCHW. Its derivatives are those of the gather (a scatter-add: col2im) and
    /// of the product; it is bilinear, with no kink.
    public func conv2d(_ x: Value, _ w: Value, strides: [Int] = [1, 1], padding: [Int] = [0, 0]) throws -> Value {
        let label = "conv2d"
        try check(x, label)
        try check(w, label)
        try require(x.rank == 4 && w.rank == 4, label,
                    "needs x of shape (N, C, H, W) and w of shape (F, C, kh, kw), got \(Self.describe(x.shape)) and \(Self.describe(w.shape))")
        try require(strides.count == 2 && strides.allSatisfy { $0 >= 1 }, label, "strides must be two positive integers, got \(strides)")
        try require(padding.count == 2 && padding.allSatisfy { $0 >= 0 }, label, "padding must be two non-negative integers, got \(padding)")
        let (n, c, h, wd) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        let (f, kh, kw) = (w.shape[0], w.shape[2], w.shape[3])
        try require(w.shape[1] == c, label, "x has \(c) channels but w expects \(w.shape[1])")
        guard let ho = Self.convolutionOutputSize(input: h, kernel: kh, stride: strides[0], padding: padding[0]),
              let wo = Self.convolutionOutputSize(input: wd, kernel: kw, stride: strides[1], padding: padding[1]) else {
            throw NonsmoothError.invalidArgument(
                name: label, reason: "kernel (\(kh), \(kw)) is larger than the padded input (\(h + 2 * padding[0]), \(wd + 2 * padding[1]))")
        }
        let patch = c * kh * kw, columns = n * ho * wo
        var source = x
        let zero = x.count
        if padding != [0, 0] {
            source = try concatenate([reshape(x, [x.count]), constant([0], shape: [1])], axis: 0)
        }
        var indices = [Int](repeating: zero, count: patch * columns)
        for ci in 0..<c {
            for i in 0..<kh {
                for j in 0..<kw {
                    let row = (ci * kh + i) * kw + j
                    for b in 0..<n {
                        for oh in 0..<ho {
                            let hh = oh * strides[0] - padding[0] + i
                            guard hh >= 0 && hh < h else { continue }
                            for ow in 0..<wo {
                                let ww = ow * strides[1] - padding[1] + j
                                guard ww >= 0 && ww < wd else { continue }
                                indices[row * columns + (b * ho + oh) * wo + ow] = ((b * c + ci) * h + hh) * wd + ww
                            }
                        }
                    }
                }
            }
        }
        let cols = add(.gather(indices: indices), [source], shape: [patch, columns], label: label)
        let product = try matmul(reshape(w, [f, patch]), cols)
        return try transpose(reshape(product, [f, n, ho, wo]), axes: [1, 0, 2, 3])
    }

    /// Each row of z (its last axis, of length d) replaced by the nearest row of
    /// `codebook` (K, d); see `Operation.codebookLookup` for the derivatives.
    public func codebookLookup(_ z: Value, codebook: Value, straightThrough: Bool = true) throws -> Value {
        let label = "codebook_lookup"
        try check(z, label)
        try check(codebook, label)
        try require(codebook.rank == 2 && codebook.shape[0] >= 1, label,
                    "codebook must be a non-empty (K, d) array, got shape \(Self.describe(codebook.shape))")
        try require(z.rank >= 1 && z.shape.last == codebook.shape[1], label,
                    "z of shape \(Self.describe(z.shape)) does not end with the codebook's dimension \(codebook.shape[1])")
        return add(.codebookLookup(codes: codebook.shape[0], length: codebook.shape[1], straightThrough: straightThrough),
                   [z, codebook], shape: z.shape)
    }

    // MARK: spelled-out conveniences

    public func relu(_ x: Value) throws -> Value { try unary(.relu, x) }
    public func abs(_ x: Value) throws -> Value { try unary(.abs, x) }
    public func square(_ x: Value) throws -> Value { try unary(.square, x) }
    public func add(_ a: Value, _ b: Value) throws -> Value { try binary(.add, a, b) }
    public func subtract(_ a: Value, _ b: Value) throws -> Value { try binary(.subtract, a, b) }
    public func multiply(_ a: Value, _ b: Value) throws -> Value { try binary(.multiply, a, b) }
    public func maximum(_ a: Value, _ b: Value) throws -> Value { try binary(.maximum, a, b) }
    public func minimum(_ a: Value, _ b: Value) throws -> Value { try binary(.minimum, a, b) }
    public func sum(_ x: Value, axes: [Int]? = nil) throws -> Value { try reduce(.sum, x, axes: axes) }
    public func mean(_ x: Value, axes: [Int]? = nil) throws -> Value { try reduce(.mean, x, axes: axes) }
}
