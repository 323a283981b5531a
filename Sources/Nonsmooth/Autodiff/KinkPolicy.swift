/// Which element of the conservative gradient is used at a kink.
///
/// Every piecewise-linear primitive is written with one rule: where the slope
/// jumps between 0 and 1 the derivative is `reluAtZero` (call it s). So
///
/// - relu'(0) = s, maximum(a, b) at a = b gives s to a and 1 − s to b, and
///   minimum(a, b) at a = b gives s to a and 1 − s to b — hence relu(x),
///   maximum(x, 0) and clip(x, 0, ∞) all have derivative s at 0;
/// - clip(x, lo, hi) has derivative s at both bounds, soft_threshold(x, t) has
///   derivative s at |x| = t, hinge(x) = max(0, 1 − x) has −s at x = 1, and
///   leaky_relu with slope α has α + (1 − α)s at 0.
///
/// abs'(0) = `absAtZero` ∈ [−1, 1] (also for the zero entries of norm1 and for
/// norm_inf at 0). Ties of max/min reductions, norm_inf, sort and max pooling go
/// to the lowest index or are split evenly (`ties`). norm2 at 0 uses the
/// subgradient c·(1, …, 1)/√n with c = `norm2AtZero` ∈ [−1, 1] (0 by default,
/// never NaN). Each choice is an element of a conservative gradient of the
/// primitive (Bolte & Pauwels 2021), so the chain rule keeps the result
/// conservative for the whole program.
///
/// Singular points of smooth primitives (sqrt and x^p with p < 1 at 0, log at 0,
/// division by 0) have derivative 0 by choice, and are reported as kinks.
/// With `strict`, any kink or singular point raises instead.
public struct KinkPolicy: Sendable, Equatable {
    public enum Ties: Sendable, Equatable {
        case lowestIndex, split
    }

    public var reluAtZero: Double
    public var absAtZero: Double
    public var ties: Ties
    public var norm2AtZero: Double
    public var strict: Bool

    public init(reluAtZero: Double = 0, absAtZero: Double = 0, ties: Ties = .lowestIndex,
                norm2AtZero: Double = 0, strict: Bool = false) throws {
        try require(reluAtZero >= 0 && reluAtZero <= 1, "relu_at_zero", "must lie in [0, 1], got \(reluAtZero)")
        try require(absAtZero >= -1 && absAtZero <= 1, "abs_at_zero", "must lie in [-1, 1], got \(absAtZero)")
        try require(norm2AtZero >= -1 && norm2AtZero <= 1, "norm2_at_zero",
                    "must lie in [-1, 1] so the subgradient is in the unit ball, got \(norm2AtZero)")
        self.init(checked: reluAtZero, absAtZero, ties, norm2AtZero, strict)
    }

    private init(checked reluAtZero: Double, _ absAtZero: Double, _ ties: Ties, _ norm2AtZero: Double, _ strict: Bool) {
        self.reluAtZero = reluAtZero
        self.absAtZero = absAtZero
        self.ties = ties
        self.norm2AtZero = norm2AtZero
        self.strict = strict
    }

    /// relu'(0) = 0, abs'(0) = 0, ties to the lowest index: PyTorch's choices for relu and abs.
    public static let standard = KinkPolicy(checked: 0, 0, .lowestIndex, 0, false)
}

/// How many inputs landed exactly on a kink (or a singular point), per primitive:
/// elements for elementwise primitives and norm1, rows for reductions (a max,
/// min, norm_inf with a tie, a norm2 at zero), windows for max pooling, tied
/// neighbours for sort.
///
/// A program whose report is empty was evaluated at a point where every
/// primitive is differentiable, so its derivative there is the true one; a
/// nonempty report says the derivative is a choice made by the `KinkPolicy`.
///
/// NaN propagates as in NumPy (max, min, norms, sort — NaN last —, maximum,
/// clip... return NaN or carry it) and is reported under "label[nan]": the
/// elements where a primitive's decision met NaN, or where it made NaN out of
/// a number (log, sqrt of a negative number). `nanCount` sums those entries.
public struct KinkReport: Sendable, Equatable, CustomStringConvertible {
    /// (primitive label, count), in program order, nonzero counts only.
    public private(set) var entries: [(String, Int)] = []

    public init() {}

    public var total: Int { entries.reduce(0) { $0 + $1.1 } }

    /// The suffix of the labels that count NaN rather than kinks.
    public static let nanSuffix = "[nan]"

    /// Elements that met or produced NaN (the entries labelled "…[nan]").
    public var nanCount: Int { entries.reduce(0) { $0 + ($1.0.hasSuffix(Self.nanSuffix) ? $1.1 : 0) } }
    public var isEmpty: Bool { entries.isEmpty }

    public subscript(label: String) -> Int { entries.first { $0.0 == label }?.1 ?? 0 }

    mutating func add(_ label: String, _ count: Int) {
        guard count > 0 else { return }
        if let i = entries.firstIndex(where: { $0.0 == label }) {
            entries[i].1 += count
        } else {
            entries.append((label, count))
        }
    }

    public static func == (a: KinkReport, b: KinkReport) -> Bool {
        a.entries.count == b.entries.count && zip(a.entries, b.entries).allSatisfy { $0 == $1 }
    }

    public var description: String {
        isEmpty ? "no kinks" : entries.map { "\($0.0): \($0.1)" }.joined(separator: ", ")
    }
}
