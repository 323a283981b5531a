/// A small, fast, seedable generator (SplitMix64, Steele, Lea & Flood 2014):
/// the same seed gives the same minibatches on every machine and thread count.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    private var state: UInt64
    public init(seed: UInt64) { state = seed }
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Draws minibatch row indices: uniformly with replacement, or by reshuffled
/// epochs without replacement (the stochastic "integral rule" setting of
/// Bolte, Le & Pauwels 2022). With `batchSize == rows` and no replacement the
/// rows come in their original order, so the loop is the deterministic method.
public struct MinibatchSampler: Sendable {
    public let rows: Int
    public let batchSize: Int
    public let replacement: Bool
    private var generator: SplitMix64
    private var order: [Int]
    private var position: Int

    public init(rows: Int, batchSize: Int, replacement: Bool, seed: UInt64) throws {
        try require(rows >= 1, "data", "needs at least one row")
        try require(batchSize >= 1, "batch_size", "must be at least 1, got \(batchSize)")
        try require(replacement || batchSize <= rows, "batch_size",
                    "\(batchSize) exceeds the \(rows) rows of the data; sample with replacement or lower it")
        self.rows = rows
        self.batchSize = batchSize
        self.replacement = replacement
        generator = SplitMix64(seed: seed)
        order = Array(0..<rows)
        position = rows
    }

    /// Writes the next batch's row indices.
    public mutating func next(into batch: inout [Int]) {
        if batch.count != batchSize { batch = [Int](repeating: 0, count: batchSize) }
        if replacement {
            for i in 0..<batchSize { batch[i] = Int(generator.next() % UInt64(rows)) }
            return
        }
        if batchSize == rows {
            for i in 0..<rows { batch[i] = i }
            return
        }
        for i in 0..<batchSize {
            if position == rows {
                // Fisher–Yates with our own generator (Swift's shuffle algorithm may change).
                for j in stride(from: rows - 1, to: 0, by: -1) {
                    let k = Int(generator.next() % UInt64(j + 1))
                    order.swapAt(j, k)
                }
                position = 0
            }
            batch[i] = order[position]
            position += 1
        }
    }
}
