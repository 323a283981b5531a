#if canImport(Glibc)
import Glibc
#endif
import Synchronization

/// When a matrix product of the autodiff engine uses more than one core.
///
/// The rule (README "Threads"): a product of at least `minimumWork` = 2²²
/// multiply-adds whose output has at least 128 rows or columns is computed as
/// `blocks` ≤ 8 panels of its longer output dimension, each one BLAS call; the
/// panels are a function of the shape alone, so the result is the same bits
/// whether they run on one thread or several. They run on up to as many
/// threads as the process may use CPUs (its affinity mask), unless
/// - another autodiff evaluation or training loop is running in the process at
///   that moment (the caller already runs calls in parallel — its own thread
///   pool, Dask, joblib —, so its cores are taken), or
/// - BLAS itself was given several threads (`ns_set_num_threads` > 1), or
/// - `limit` was lowered (`ns_set_autodiff_threads`; 1 turns the rule off).
/// Smaller products are one BLAS call on the calling thread, as before.
public enum ProductThreads {
    static let minimumWork = 1 << 22
    static let panelMinimum = 64
    static let maximumPanels = 8

    /// Autodiff calls in flight (workspaces taken), process-wide.
    static let active = Atomic<Int>(0)
    private static let limitStorage = Atomic<Int>(0)

    /// CPUs of the process's affinity mask (at least 1), read once: the
    /// "Cpus_allowed" mask of /proc/self/status (sched_getaffinity is a GNU
    /// extension Swift does not import), else the CPUs online.
    public static let available: Int = {
        let online = Swift.max(Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))), 1)
        guard let file = fopen("/proc/self/status", "r") else { return online }
        defer { fclose(file) }
        var line = [CChar](repeating: 0, count: 4096)
        while fgets(&line, Int32(line.count), file) != nil {
            let text = String(cString: line)
            guard text.hasPrefix("Cpus_allowed:") else { continue }
            let bits = text.dropFirst("Cpus_allowed:".count).reduce(0) { count, c in
                count + (c.hexDigitValue?.nonzeroBitCount ?? 0)
            }
            return Swift.max(Swift.min(bits, online), 1)
        }
        return online
    }()

    /// The most threads a product may use (default: `available`).
    public static var limit: Int {
        get { let l = limitStorage.load(ordering: .relaxed); return l > 0 ? l : available }
        set { limitStorage.store(Swift.min(Swift.max(newValue, 1), 256), ordering: .relaxed) }
    }

    /// Panels of an m × n output of a product with k terms (1: no split).
    static func panels(m: Int, n: Int, k: Int) -> Int {
        let (mn, o1) = m.multipliedReportingOverflow(by: n)
        let (work, o2) = mn.multipliedReportingOverflow(by: k)
        guard o1 || o2 || work >= minimumWork else { return 1 }
        return Swift.max(1, Swift.min(maximumPanels, Swift.max(m, n) / panelMinimum))
    }

    /// Threads for a product split into `panels` panels, under the rule above.
    static func threads(panels: Int) -> Int {
        guard panels > 1, active.load(ordering: .relaxed) <= 1, LinearAlgebraThreads.count == 1 else { return 1 }
        return Swift.min(panels, limit)
    }
}

/// One thread's share of the panels: panel first, first + stride, …
private final class PanelShare {
    let body: (Int) -> Void
    let first: Int, stride: Int, count: Int

    init(_ body: @escaping (Int) -> Void, first: Int, stride: Int, count: Int) {
        self.body = body
        self.first = first
        self.stride = stride
        self.count = count
    }

    func run() {
        var p = first
        while p < count { body(p); p += stride }
    }
}

/// Runs body(0..<count) on `threads` threads (the caller's included) and waits for all.
func runPanels(_ count: Int, threads: Int, _ body: (Int) -> Void) {
    guard threads > 1 else {
        for p in 0..<count { body(p) }
        return
    }
    withoutActuallyEscaping(body) { body in
        var spawned: [pthread_t] = []
        for t in 1..<threads {
            let share = PanelShare(body, first: t, stride: threads, count: count)
            var id = pthread_t()
            let context = Unmanaged.passRetained(share).toOpaque()
            let status = pthread_create(&id, nil, { context in
                Unmanaged<PanelShare>.fromOpaque(context!).takeRetainedValue().run()
                return nil
            }, context)
            if status == 0 {
                spawned.append(id)
            } else {
                Unmanaged<PanelShare>.fromOpaque(context).release()
                share.run()   // no thread to be had: the caller does this share too
            }
        }
        PanelShare(body, first: 0, stride: threads, count: count).run()
        for id in spawned { pthread_join(id, nil) }
    }
}

/// C ← α·op(A)·op(B) + β·C (row-major) by panels of C's longer dimension when
/// `ProductThreads` says so; `call(m, n, a, b, c)` is one BLAS call on a panel.
@inline(__always)
func panelledProduct<T>(
    transA: Bool, transB: Bool, m: Int, n: Int, k: Int,
    a: UnsafePointer<T>, lda: Int, b: UnsafePointer<T>, ldb: Int, c: UnsafeMutablePointer<T>, ldc: Int,
    _ call: (Int, Int, UnsafePointer<T>, UnsafePointer<T>, UnsafeMutablePointer<T>) -> Void
) {
    let panels = ProductThreads.panels(m: m, n: n, k: k)
    guard panels > 1 else { return call(m, n, a, b, c) }
    let byRows = m >= n
    let dim = byRows ? m : n, size = (dim + panels - 1) / panels
    runPanels(panels, threads: ProductThreads.threads(panels: panels)) { p in
        let start = p * size, length = Swift.min(size, dim - start)
        guard length > 0 else { return }
        if byRows {
            call(length, n, a + (transA ? start : start * lda), b, c + start * ldc)
        } else {
            call(m, length, a, b + (transB ? start * ldb : start), c + start)
        }
    }
}
