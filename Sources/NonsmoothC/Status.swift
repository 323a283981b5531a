#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Nonsmooth

// Status codes; keep in sync with bindings/include/nonsmooth.h.
let NS_OK: Int32 = 0
let NS_INVALID_ARGUMENT: Int32 = 1
let NS_NUMERICAL_ERROR: Int32 = 2
let NS_CANCELLED: Int32 = 3
let NS_NOT_CONVERGED: Int32 = 4
let NS_OUT_OF_MEMORY: Int32 = 5
let NS_INTERNAL_ERROR: Int32 = 6
let NS_KINK: Int32 = 7

/// One message buffer per thread, created on first use and freed at thread exit.
private let messageKey: pthread_key_t = {
    var key = pthread_key_t()
    pthread_key_create(&key) { pointer in free(pointer) }
    return key
}()

private let messageCapacity = 1024

private func setLastError(_ message: String) {
    var buffer = pthread_getspecific(messageKey)?.assumingMemoryBound(to: CChar.self)
    if buffer == nil {
        guard let raw = malloc(messageCapacity) else { return }
        buffer = raw.assumingMemoryBound(to: CChar.self)
        pthread_setspecific(messageKey, raw)
    }
    guard let buffer else { return }
    var bytes = Array(message.utf8.prefix(messageCapacity - 1))
    // Do not cut a UTF-8 sequence in half.
    while let last = bytes.last, last & 0xC0 == 0x80 || (bytes.count == messageCapacity - 1 && last >= 0xC0) {
        bytes.removeLast()
    }
    for (i, b) in bytes.enumerated() { buffer[i] = CChar(bitPattern: b) }
    buffer[bytes.count] = 0
}

@_cdecl("ns_last_error_message")
public func ns_last_error_message() -> UnsafePointer<CChar>? {
    if pthread_getspecific(messageKey) == nil { setLastError("") }
    return UnsafePointer(pthread_getspecific(messageKey)?.assumingMemoryBound(to: CChar.self))
}

/// Runs `body`, turning every thrown error into a status code and a message.
/// `interruptible`: the host's interrupt hook is polled during `body` (see
/// `ns_set_interrupt_check`), for computations with no progress callback.
@inline(__always)
func guarded(interruptible: Bool = false, _ body: () throws -> Void) -> Int32 {
    do {
        if interruptible { try Interruption.polling(body) } else { try body() }
        setLastError("")
        return NS_OK
    } catch let error as NonsmoothError {
        setLastError(error.description)
        switch error {
        // Strict kink policies refuse to differentiate at a kink (see KinkPolicy).
        case .invalidArgument(name: "strict", _): return NS_KINK
        case .invalidArgument: return NS_INVALID_ARGUMENT
        case .numericalError: return NS_NUMERICAL_ERROR
        case .cancelled: return NS_CANCELLED
        case .notConverged: return NS_NOT_CONVERGED
        }
    } catch {
        setLastError("internal error: \(error)")
        return NS_INTERNAL_ERROR
    }
}

func invalid(_ name: String, _ reason: String) -> NonsmoothError {
    .invalidArgument(name: name, reason: reason)
}

/// Checks an ABI pointer that must be non-null.
func nonNull<T>(_ pointer: UnsafePointer<T>?, _ name: String) throws -> UnsafePointer<T> {
    guard let pointer else { throw invalid(name, "is a null pointer") }
    return pointer
}

func nonNull<T>(_ pointer: UnsafeMutablePointer<T>?, _ name: String) throws -> UnsafeMutablePointer<T> {
    guard let pointer else { throw invalid(name, "is a null pointer") }
    return pointer
}

func nonNullRaw(_ pointer: UnsafeRawPointer?, _ name: String) throws -> UnsafeRawPointer {
    guard let pointer else { throw invalid(name, "is a null pointer") }
    return pointer
}

/// Largest element count of any array the ABI accepts (2³¹·64 ≈ 1.4·10¹¹, 1 TiB
/// of doubles): a larger count is an overflowing size, refused before any
/// allocation or index computation.
let maxArrayCount = Int64(Int32.max) * 64

/// Copies an optional (pointer, count) pair of plain values (Double, Int64)
/// into an array; null with count 0 is nil.
func optionalArray<T>(_ pointer: UnsafePointer<T>?, _ count: Int64, _ name: String) throws -> [T]? {
    guard count != 0 else { return nil }
    try require(count > 0, name, "has negative length \(count)")
    try require(count <= maxArrayCount, name, "has length \(count), more than any array can hold")
    let p = try nonNull(pointer, name)
    // Swift traps when an allocation fails, so the copy goes through malloc first:
    // a length no memory can hold is an error, not SIGABRT. (The staging copy is
    // used, so the compiler cannot elide the allocation; these are parameter
    // vectors, small next to the data.)
    let bytes = Int(count) * MemoryLayout<T>.stride
    guard let staging = malloc(bytes)?.bindMemory(to: T.self, capacity: Int(count)) else {
        throw invalid(name, "has length \(count): \(bytes) bytes cannot be allocated")
    }
    defer { free(staging) }
    staging.initialize(from: p, count: Int(count))
    return Array(UnsafeBufferPointer(start: staging, count: Int(count)))
}

func require(_ condition: Bool, _ name: String, _ reason: @autoclosure () -> String) throws {
    if !condition { throw invalid(name, reason()) }
}

/// Validates a (rows, columns, strides) description, the product's size, and
/// (with `finite`) that every entry is finite.
func stridedMatrix(_ data: UnsafePointer<Double>?, _ rows: Int64, _ columns: Int64,
                   _ rowStride: Int64, _ columnStride: Int64, _ name: String,
                   finite: Bool = true) throws -> StridedMatrix {
    try require(rows >= 0 && columns >= 0, name, "has negative shape (\(rows), \(columns))")
    let (count, overflow) = rows.multipliedReportingOverflow(by: columns)
    try require(!overflow && count < maxArrayCount, name, "is too large (\(rows) × \(columns))")
    if count > 0 {
        // The farthest entry, |(rows − 1)·row_stride| + |(columns − 1)·column_stride|
        // elements away, must be addressable, or index arithmetic would trap.
        let (a, o1) = (rows - 1).multipliedReportingOverflow(by: rowStride)
        let (b, o2) = (columns - 1).multipliedReportingOverflow(by: columnStride)
        let (reach, o3) = a.magnitude.addingReportingOverflow(b.magnitude)
        try require(!o1 && !o2 && !o3 && reach <= UInt64(Int64.max / 8), name,
                    "strides (\(rowStride), \(columnStride)) reach beyond the address space for shape (\(rows), \(columns))")
    }
    let base: UnsafePointer<Double>
    if count == 0 {
        base = data ?? UnsafePointer(emptyStorage)
    } else {
        base = try nonNull(data, name)
    }
    let matrix = StridedMatrix(base: base, rows: Int(rows), columns: Int(columns),
                               rowStride: Int(rowStride), columnStride: Int(columnStride))
    try require(!finite || matrix.isFinite, name, "contains NaN or infinity")
    return matrix
}

/// A valid address for zero-length arrays passed as null.
private let emptyStorage = UnsafeMutablePointer<Double>.allocate(capacity: 1)

@_cdecl("ns_version")
public func ns_version() -> UnsafePointer<CChar>? {
    UnsafePointer(nonsmoothVersionCString)
}

private let nonsmoothVersionCString: UnsafeMutablePointer<CChar> = {
    let s = Array(Nonsmooth.version.utf8CString)
    let p = UnsafeMutablePointer<CChar>.allocate(capacity: s.count)
    p.initialize(from: s, count: s.count)
    return p
}()

/// Monotonic clock in seconds.
func secondsNow() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
}

@_cdecl("ns_set_interrupt_check")
public func ns_set_interrupt_check(_ check: (@convention(c) () -> Int32)?) {
    Interruption.hook = check
}

@_cdecl("ns_set_num_threads")
public func ns_set_num_threads(_ n: Int32) -> Int32 {
    guarded {
        try require(n >= 1, "n_threads", "must be at least 1, got \(n)")
        LinearAlgebraThreads.set(Int(n))
    }
}

@_cdecl("ns_get_num_threads")
public func ns_get_num_threads() -> Int32 {
    Int32(clamping: LinearAlgebraThreads.count)
}
