#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Lets a host stop computations that have no progress callback of their own
/// (the evaluations and derivatives of an autodiff program): the executor polls
/// `hook` between primitives, at most every `interval` seconds, and throws
/// `NonsmoothError.cancelled` when it returns non-zero. A host such as the
/// Python extension sets the hook once (it checks for Ctrl-C) and enables
/// polling around the calls it wants interruptible, on the calling thread only,
/// so loops with their own observer (training) are never stopped behind their back.
public enum Interruption {
    /// Returns non-zero to stop. Set once, before any computation runs.
    nonisolated(unsafe) public static var hook: (@convention(c) () -> Int32)?

    /// Seconds between two calls of the hook (its cost is a lock in the host).
    public static let interval = 0.02

    /// Runs `body` with polling enabled on this thread (nested calls keep it).
    public static func polling<R>(_ body: () throws -> R) rethrows -> R {
        let previous = pthread_getspecific(enabledKey)
        pthread_setspecific(enabledKey, UnsafeRawPointer(bitPattern: 1))
        defer { pthread_setspecific(enabledKey, previous) }
        return try body()
    }

    private static let enabledKey: pthread_key_t = {
        var key = pthread_key_t()
        pthread_key_create(&key, nil)
        return key
    }()

    /// One computation's polling state: inert (one branch per check) unless a
    /// hook is set and polling is enabled on this thread.
    struct Poller {
        private let hook: (@convention(c) () -> Int32)?
        private var next: Double

        init() {
            hook = pthread_getspecific(Interruption.enabledKey) == nil ? nil : Interruption.hook
            next = hook == nil ? .infinity : monotonicSeconds() + Interruption.interval
        }

        /// Throws `.cancelled` when the hook asks to stop.
        @inline(__always)
        mutating func check() throws {
            guard let hook else { return }
            let now = monotonicSeconds()
            guard now >= next else { return }
            next = now + Interruption.interval
            if hook() != 0 { throw NonsmoothError.cancelled }
        }
    }
}
