/// A collection of disjoint groups of coordinates, stored as in compressed sparse
/// formats: group g holds `indices[pointers[g] ..< pointers[g + 1]]`.
///
/// Coordinates in no group are left alone by group penalties (unpenalized).
/// Overlapping groups are rejected: their prox has no closed form.
public struct Groups: Equatable {
    public let pointers: [Int]
    public let indices: [Int]

    public init(pointers: [Int], indices: [Int]) throws {
        try require(pointers.count >= 2, "groups", "must hold at least one group")
        try require(pointers[0] == 0, "group_pointers", "must start at 0, got \(pointers[0])")
        try require(pointers.last == indices.count, "group_pointers",
                    "must end at the number of indices (\(indices.count)), got \(pointers.last ?? -1)")
        for g in 0..<(pointers.count - 1) where pointers[g + 1] <= pointers[g] {
            throw NonsmoothError.invalidArgument(name: "groups", reason: "group \(g) is empty")
        }
        var seen = Set<Int>()
        for i in indices {
            try require(i >= 0, "groups", "holds a negative index \(i)")
            try require(seen.insert(i).inserted, "groups", "overlap: index \(i) is in more than one group")
        }
        self.pointers = pointers
        self.indices = indices
    }

    /// Consecutive groups of the given sizes: [0, s₀), [s₀, s₀ + s₁), ...
    public init(sizes: [Int]) throws {
        var pointers = [0]
        for s in sizes {
            try require(s > 0, "sizes", "group sizes must be positive, got \(s)")
            pointers.append(pointers[pointers.count - 1] + s)
        }
        try self.init(pointers: pointers, indices: Array(0..<(pointers.last ?? 0)))
    }

    public var count: Int { pointers.count - 1 }

    public func size(_ g: Int) -> Int { pointers[g + 1] - pointers[g] }

    /// The coordinates of group g.
    public func members(_ g: Int) -> ArraySlice<Int> { indices[pointers[g]..<pointers[g + 1]] }

    public func validate(length n: Int) throws {
        if let m = indices.max() {
            try require(m < n, "groups", "index \(m) is out of range for a vector of length \(n)")
        }
    }
}
