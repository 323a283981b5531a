import Nonsmooth

/// What an `ns_prox*` handle points to.
final class ProxHandle {
    enum Operator {
        case vector(any ProximalOperator)
        case matrix(any MatrixProximalOperator)
    }
    let op: Operator
    init(_ op: Operator) { self.op = op }
}

/// Builds the operator named `kind`; the table of kinds and parameters is in nonsmooth.h.
func makeOperator(kind: String, scalars s: [Double], a: [Double]?, b: [Double]?, groups: Groups?) throws
    -> ProxHandle.Operator
{
    func scalars(_ names: String...) throws {
        try require(s.count == names.count, "scalars",
                    "\(kind) takes \(names.count) scalar parameter(s) (\(names.joined(separator: ", "))), got \(s.count)")
    }
    func noVectors() throws {
        try require(a == nil && b == nil, "a", "\(kind) takes no vector parameters")
    }
    func needGroups() throws -> Groups {
        guard let groups else { throw invalid("groups", "\(kind) needs groups") }
        return groups
    }
    if kind != "group_l2" && kind != "sparse_group" {
        try require(groups == nil, "groups", "\(kind) takes no groups")
    }
    switch kind {
    case "zero":
        try scalars(); try noVectors()
        return .vector(ZeroFunction())
    case "l1":
        try scalars("strength")
        return .vector(try L1Norm(strength: s[0], weights: a))
    case "l2_squared":
        try scalars("strength")
        return .vector(try SquaredL2Norm(strength: s[0], weights: a))
    case "l2":
        try scalars("strength"); try noVectors()
        return .vector(try L2Norm(strength: s[0]))
    case "group_l2":
        try scalars("strength")
        return .vector(try GroupL2Norm(strength: s[0], groups: needGroups(), weights: a))
    case "sparse_group":
        try scalars("l1_strength", "group_strength")
        return .vector(try SparseGroupNorm(l1Strength: s[0], groupStrength: s[1], groups: needGroups(), weights: a))
    case "elastic_net":
        try scalars("strength", "l1_ratio")
        return .vector(try ElasticNet(strength: s[0], l1Ratio: s[1], weights: a))
    case "linf":
        try scalars("strength"); try noVectors()
        return .vector(try LinfNorm(strength: s[0]))
    case "box":
        try scalars()
        guard let a, let b else { throw invalid("a", "box needs lower (a) and upper (b) bounds") }
        return .vector(try Box(lower: a, upper: b))
    case "nonnegative":
        try scalars(); try noVectors()
        return .vector(Box.nonnegative)
    case "l2_ball":
        try scalars("radius"); try noVectors()
        return .vector(try L2Ball(radius: s[0]))
    case "linf_ball":
        try scalars("radius"); try noVectors()
        try require(s[0].isFinite && s[0] >= 0, "radius", "must be non-negative and finite, got \(s[0])")
        return .vector(try Box(lower: -s[0], upper: s[0]))
    case "l1_ball":
        try scalars("radius"); try noVectors()
        return .vector(try L1Ball(radius: s[0]))
    case "simplex":
        try scalars("total"); try noVectors()
        return .vector(try Simplex(total: s[0]))
    case "hyperplane", "halfspace":
        try scalars("offset")
        guard let a, b == nil else { throw invalid("a", "\(kind) needs its normal vector (a) only") }
        return kind == "hyperplane" ? .vector(try Hyperplane(normal: a, offset: s[0]))
                                    : .vector(try Halfspace(normal: a, offset: s[0]))
    case "tv1d":
        try scalars("strength"); try noVectors()
        return .vector(try TotalVariation1D(strength: s[0]))
    case "huber":
        try scalars("strength", "delta"); try noVectors()
        return .vector(try Huber(strength: s[0], delta: s[1]))
    case "hinge":
        try scalars("strength")
        try require(b == nil, "b", "hinge takes labels (a) only")
        return .vector(try Hinge(strength: s[0], labels: a))
    case "l0":
        try scalars("strength"); try noVectors()
        return .vector(try L0Penalty(strength: s[0]))
    case "mcp":
        try scalars("strength", "gamma"); try noVectors()
        return .vector(try MCP(strength: s[0], gamma: s[1]))
    case "scad":
        try scalars("strength", "a"); try noVectors()
        return .vector(try SCAD(strength: s[0], a: s[1]))
    case "nuclear":
        try scalars("strength"); try noVectors()
        return .matrix(try NuclearNorm(strength: s[0]))
    case "psd":
        try scalars(); try noVectors()
        return .matrix(PSDCone())
    default:
        throw invalid("kind", "unknown proximal operator '\(kind)'")
    }
}

@_cdecl("ns_prox_create")
public func ns_prox_create(
    _ kind: UnsafePointer<CChar>?,
    _ scalars: UnsafePointer<Double>?, _ nScalars: Int64,
    _ a: UnsafePointer<Double>?, _ nA: Int64,
    _ b: UnsafePointer<Double>?, _ nB: Int64,
    _ groupPointers: UnsafePointer<Int64>?, _ nGroupPointers: Int64,
    _ groupIndices: UnsafePointer<Int64>?, _ nGroupIndices: Int64,
    _ out: UnsafeMutablePointer<OpaquePointer?>?
) -> Int32 {
    guarded {
        let out = try nonNull(out, "out")
        out.pointee = nil
        let kind = String(cString: try nonNull(kind, "kind"))
        try require(nScalars >= 0 && nScalars <= 8, "scalars", "has invalid length \(nScalars)")
        let s = try optionalArray(scalars, nScalars, "scalars") ?? []
        let a = try optionalArray(a, nA, "a")
        let b = try optionalArray(b, nB, "b")
        var groups: Groups? = nil
        if let pointers = try optionalArray(groupPointers, nGroupPointers, "group_pointers") {
            let indices = try optionalArray(groupIndices, nGroupIndices, "group_indices") ?? []
            groups = try Groups(pointers: pointers.map { Int($0) }, indices: indices.map { Int($0) })
        } else {
            try require(nGroupIndices == 0, "group_indices", "given without group_pointers")
        }
        let handle = ProxHandle(try makeOperator(kind: kind, scalars: s, a: a, b: b, groups: groups))
        out.pointee = handles.register(handle)
    }
}

@_cdecl("ns_prox_destroy")
public func ns_prox_destroy(_ handle: OpaquePointer?) -> Int32 {
    handles.destroy(handle, as: ProxHandle.self, "prox")
}

func proxHandle(_ handle: OpaquePointer?) throws -> ProxHandle {
    try handles.object(handle, as: ProxHandle.self, "prox")
}

@_cdecl("ns_prox_is_matrix")
public func ns_prox_is_matrix(_ handle: OpaquePointer?, _ out: UnsafeMutablePointer<Int32>?) -> Int32 {
    guarded {
        let out = try nonNull(out, "out")
        if case .matrix = try proxHandle(handle).op { out.pointee = 1 } else { out.pointee = 0 }
    }
}

@_cdecl("ns_prox_apply")
public func ns_prox_apply(
    _ handle: OpaquePointer?, _ step: Double,
    _ v: UnsafePointer<Double>?, _ rows: Int64, _ columns: Int64, _ rowStride: Int64, _ columnStride: Int64,
    _ out: UnsafeMutablePointer<Double>?
) -> Int32 {
    guarded {
        let op = try proxHandle(handle).op
        let v = try stridedMatrix(v, rows, columns, rowStride, columnStride, "v")
        try require(step.isFinite && step > 0, "step", "must be positive and finite, got \(step)")
        let count = v.rows * v.columns
        if count == 0 { return }
        let out = UnsafeMutableBufferPointer(start: try nonNull(out, "out"), count: count)
        switch op {
        case .vector(let f):
            try f.proxRows(v, step: step, into: out)
        case .matrix(let f):
            try f.validate(rows: v.rows, columns: v.columns)
            try v.withContiguous { try f.prox($0, rows: v.rows, columns: v.columns, step: step, into: out) }
        }
    }
}

@_cdecl("ns_prox_value")
public func ns_prox_value(
    _ handle: OpaquePointer?,
    _ x: UnsafePointer<Double>?, _ rows: Int64, _ columns: Int64, _ rowStride: Int64, _ columnStride: Int64,
    _ values: UnsafeMutablePointer<Double>?
) -> Int32 {
    guarded {
        let op = try proxHandle(handle).op
        let x = try stridedMatrix(x, rows, columns, rowStride, columnStride, "x")
        let values = try nonNull(values, "values")
        switch op {
        case .vector(let f):
            try f.valueRows(x, into: UnsafeMutableBufferPointer(start: values, count: x.rows))
        case .matrix(let f):
            try f.validate(rows: x.rows, columns: x.columns)
            values.pointee = try x.withContiguous { try f.value($0, rows: x.rows, columns: x.columns) }
        }
    }
}

@_cdecl("ns_prox_subgradient")
public func ns_prox_subgradient(
    _ handle: OpaquePointer?,
    _ x: UnsafePointer<Double>?, _ rows: Int64, _ columns: Int64, _ rowStride: Int64, _ columnStride: Int64,
    _ out: UnsafeMutablePointer<Double>?
) -> Int32 {
    guarded {
        let op = try proxHandle(handle).op
        let x = try stridedMatrix(x, rows, columns, rowStride, columnStride, "x")
        let count = x.rows * x.columns
        if count == 0 { return }
        let out = UnsafeMutableBufferPointer(start: try nonNull(out, "out"), count: count)
        switch op {
        case .vector(let f):
            try f.subgradientRows(x, into: out)
        case .matrix(let f):
            try f.validate(rows: x.rows, columns: x.columns)
            try x.withContiguous { try f.subgradient($0, rows: x.rows, columns: x.columns, into: out) }
        }
    }
}
