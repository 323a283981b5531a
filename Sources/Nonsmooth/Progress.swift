/// What a long-running loop reports every few iterations.
///
/// The observer returns `true` to continue and `false` to stop; the loop then
/// throws `NonsmoothError.cancelled` with its state left at the last iterate.
/// Solvers call it every `every` iterations, never in the innermost loop.
public struct ProgressObserver {
    public var every: Int
    public var observe: (_ iteration: Int, _ certificate: Double) -> Bool

    public init(every: Int = 10, _ observe: @escaping (_ iteration: Int, _ certificate: Double) -> Bool) {
        self.every = max(1, every)
        self.observe = observe
    }

    /// Never stops, never reports.
    public static let silent = ProgressObserver(every: Int.max) { _, _ in true }

    /// Call at the end of iteration `k`; throws `.cancelled` when asked to stop.
    @inline(__always)
    public func checkpoint(_ k: Int, certificate: Double) throws {
        if k % every == 0, !observe(k, certificate) { throw NonsmoothError.cancelled }
    }
}
