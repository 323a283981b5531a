import Nonsmooth

// The block penalties of ns_glm_fit (NS_PENALTY_GROUP_LASSO, NS_PENALTY_SPARSE_GROUP_LASSO):
// the group fields that follow progress_every in ns_glm_options (see nonsmooth.h).

/// ns_glm_options up to group_weights.
let glmGroupOptionsSize: Int64 = 136

/// The groups and block penalty of an ns_glm_options whose penalty is 6 or 7, for p features.
func groupPenalty(_ raw: UnsafeRawPointer?, features p: Int) throws -> (Groups, GroupPenaltyChoice) {
    guard let raw else { throw invalid("options", "is a null pointer") }
    let o = RawStruct(base: raw)
    try require(o.int64(0) >= glmGroupOptionsSize, "options.size",
                "is \(o.int64(0)), expected at least \(glmGroupOptionsSize) for a group penalty")
    let count = o.int64(120)
    try require(count >= 1 && count <= Int64(max(p, 1)), "options.n_groups", "must lie in [1, \(p)], got \(count)")
    let groupCount = Int(count)
    guard let pointerBase = UnsafePointer<Int64>(bitPattern: raw.loadUnaligned(fromByteOffset: 104, as: UInt.self)),
          let indexBase = UnsafePointer<Int64>(bitPattern: raw.loadUnaligned(fromByteOffset: 112, as: UInt.self))
    else { throw invalid("options.group_pointers", "group pointers and indices must not be null") }
    let pointers = UnsafeBufferPointer(start: pointerBase, count: groupCount + 1).map { Int(truncatingIfNeeded: $0) }
    // Every feature in exactly one group: p indices (read no further than that).
    try require(pointers[0] == 0 && pointers[groupCount] == p, "options.group_pointers",
                "must run from 0 to the number of features \(p), got \(pointers[0])...\(pointers[groupCount])")
    let indices = UnsafeBufferPointer(start: indexBase, count: p).map { Int(truncatingIfNeeded: $0) }
    let groups = try Groups(pointers: pointers, indices: indices)
    let weights = o.doubles(128, count: groupCount)
    let alpha = o.double(16)
    switch o.int32(12) {
    case 6: return (groups, .groupLasso(strength: alpha, weights: weights))
    default: return (groups, .sparseGroupLasso(strength: alpha, l1Ratio: o.double(24), weights: weights))
    }
}
