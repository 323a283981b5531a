import COpenBLAS

/// Threads used by OpenBLAS/LAPACK inside the core (process-wide).
///
/// The default of the system OpenBLAS is one thread per core, which
/// oversubscribes the machine as soon as callers run solves in parallel (the
/// C ABI and the Python extension release the GIL precisely so they can) and
/// makes small LAPACK calls (a 50×50 SVD) tens of times slower under load.
public enum LinearAlgebraThreads {
    public static var count: Int { Int(openblas_get_num_threads()) }

    /// Sets the number of BLAS threads; values are clamped to [1, 256].
    public static func set(_ n: Int) {
        openblas_set_num_threads(Int32(min(max(n, 1), 256)))
    }
}
