import COpenBLAS

/// The linear system of implicit differentiation restricted to a set of features
/// (the support S, or the equicorrelation set E):
///
///     A = X_c,Sᵀ X_c,S / n + (λ2 + ε) I        (|S|×|S|, never p×p)
///
/// applied matrix-free (cost: the stored entries of the columns of S), formed
/// densely for Cholesky when |S| is at most `choleskyMaxSize`, and diagnosed:
/// Cholesky success plus a reciprocal condition estimate λ_min/λ_max (power and
/// inverse iteration on the factor), or, for large sets, the extreme Ritz values
/// of the Lanczos matrix that conjugate gradient builds as it runs.
struct SupportSystem<X: DesignMatrix> {
    let columns: CentredColumns<X>
    let features: [Int]
    /// λ2 + ε.
    let diagonalShift: Double

    var size: Int { features.count }

    /// out = A u (u, out: |S| entries); `scratch` holds n entries.
    func apply(_ u: UnsafePointer<Double>, _ out: UnsafeMutablePointer<Double>, scratch: UnsafeMutablePointer<Double>) {
        let n = columns.n
        scratch.update(repeating: 0, count: n)
        var sum = 0.0
        for (a, j) in features.enumerated() where u[a] != 0 { columns.axpy(j, u[a], scratch, sum: &sum) }
        let scale = 1 / Double(n)
        for (a, j) in features.enumerated() {
            out[a] = columns.dot(j, UnsafePointer(scratch), sum: sum) * scale + diagonalShift * u[a]
        }
    }

    /// diag(A).
    var diagonal: [Double] { features.map { columns.lipschitz[$0] + diagonalShift } }

    /// The dense matrix (column-major, both triangles), or nil when the gathered
    /// n×|S| block would exceed `gatherLimit` entries.
    func dense() -> [Double]? {
        let k = size, n = columns.n
        guard k > 0, k <= Int(Int32.max), n <= Int(Int32.max) else { return nil }
        guard let xs = columns.gather(features, limit: gatherLimit) else { return nil }
        var a = [Double](repeating: 0, count: k * k)
        let k32 = Int32(k), n32 = Int32(n)
        xs.withUnsafeBufferPointer { x in
            a.withUnsafeMutableBufferPointer { out in
                guard let xb = x.baseAddress, let ob = out.baseAddress else { return }
                cblas_dsyrk(CblasColMajor, CblasUpper, CblasTrans, k32, n32, 1 / Double(n), xb, n32, 0, ob, k32)
            }
        }
        for c in 0..<k {
            a[c * k + c] += diagonalShift
            for r in 0..<c { a[r * k + c] = a[c * k + r] }
        }
        return a
    }
}

/// At most 2²⁴ doubles (128 MiB) are gathered to form A densely.
let gatherLimit = 1 << 24

// MARK: - Cholesky with a condition estimate

struct DenseCholesky {
    let k: Int
    /// The matrix itself (for residuals and the power iteration).
    let matrix: [Double]
    /// Its upper Cholesky factor (LAPACK dpotrf layout).
    let factor: [Double]

    /// nil when dpotrf reports a non-positive pivot (the matrix is not numerically
    /// positive definite).
    init?(_ matrix: [Double], k: Int) {
        guard k > 0, matrix.count == k * k, k <= Int(Int32.max) else { return nil }
        var f = matrix
        guard choleskyFactorize(&f, k) == 0 else { return nil }
        for i in 0..<k where !(f[i * k + i] > 0) || !f[i * k + i].isFinite { return nil }
        self.k = k
        self.matrix = matrix
        self.factor = f
    }

    /// A⁻¹ b for `columns` right-hand sides stored column-major (k × columns).
    func solve(_ b: [Double], columns: Int = 1) -> [Double]? {
        guard b.count == k * columns, columns >= 1, columns <= Int(Int32.max) else { return nil }
        var x = b
        guard choleskySolve(factor, k, &x, columns: columns) == 0 else { return nil }
        return x
    }

    /// ‖A x − b‖ / ‖b‖ for one right-hand side.
    func relativeResidual(_ x: [Double], _ b: [Double]) -> Double {
        var r = b
        let k32 = Int32(k)
        cblas_dsymv(CblasColMajor, CblasUpper, k32, 1, matrix, k32, x, 1, -1, &r, 1)
        let nb = b.reduce(0) { $0 + $1 * $1 }.squareRoot()
        let nr = r.reduce(0) { $0 + $1 * $1 }.squareRoot()
        return nb > 0 ? nr / nb : nr
    }

    /// λ_min/λ_max by power iteration (λ_max, on A) and inverse iteration
    /// (λ_min, with the factor): 2·30 products of cost k² at most, against k³/3 for
    /// the factorization. Both estimates converge from inside the spectrum, so the
    /// value slightly over-estimates the reciprocal condition number when the two
    /// smallest (largest) eigenvalues are close; it is exact to a few digits when
    /// the matrix is singular or nearly so, which is what the diagnosis needs.
    func reciprocalCondition() -> Double {
        let k32 = Int32(k)
        // A deterministic start with components along every eigenvector in practice.
        var v = (0..<k).map { 1 + 0.3 * Double(($0 * 7919) % 97) / 97 }
        func normalize(_ x: inout [Double]) -> Double {
            let s = x.reduce(0) { $0 + $1 * $1 }.squareRoot()
            guard s > 0, s.isFinite else { return s }
            for i in x.indices { x[i] /= s }
            return s
        }
        _ = normalize(&v)
        var w = [Double](repeating: 0, count: k)
        var largest = 0.0
        for _ in 0..<30 {
            cblas_dsymv(CblasColMajor, CblasUpper, k32, 1, matrix, k32, v, 1, 0, &w, 1)
            let s = normalize(&w)
            guard s.isFinite else { return 0 }
            let converged = abs(s - largest) <= 1e-3 * s
            largest = s
            swap(&v, &w)
            if converged { break }
        }
        guard largest > 0 else { return 0 }
        var u = (0..<k).map { 1 - 0.5 * Double(($0 * 104_729) % 89) / 89 }
        _ = normalize(&u)
        var inverseLargest = 0.0
        for _ in 0..<30 {
            guard var x = solve(u) else { return 0 }
            let s = normalize(&x)
            guard s.isFinite else { return 0 }
            let converged = abs(s - inverseLargest) <= 1e-3 * s
            inverseLargest = s
            u = x
            if converged { break }
        }
        guard inverseLargest > 0 else { return 0 }
        return min(1, (1 / inverseLargest) / largest)
    }
}

// MARK: - Preconditioned conjugate gradient with Lanczos estimates

struct ConjugateGradientResult {
    var solution: [Double]
    var iterations: Int
    var relativeResidual: Double
    var converged: Bool
    /// pᵀAp ≤ 0 was met: A is singular or indefinite along a search direction.
    var breakdown: Bool
    /// λ_min/λ_max of the Jacobi-preconditioned operator, from the extreme Ritz
    /// values of the Lanczos tridiagonal matrix built by CG (NaN with no iteration).
    var rcondEstimate: Double
}

/// Solves A x = b with Jacobi-preconditioned CG from x = 0.
func conjugateGradient<X: DesignMatrix>(
    _ system: SupportSystem<X>, _ b: [Double], tolerance: Double, maxIterations: Int,
    progress: ProgressObserver
) throws -> ConjugateGradientResult {
    let k = system.size, n = system.columns.n
    var x = [Double](repeating: 0, count: k)
    let nb = b.reduce(0) { $0 + $1 * $1 }.squareRoot()
    guard k > 0, nb > 0 else {
        return ConjugateGradientResult(solution: x, iterations: 0, relativeResidual: 0, converged: true,
                                       breakdown: false, rcondEstimate: .nan)
    }
    let inverseDiagonal = system.diagonal.map { $0 > 0 && $0.isFinite ? 1 / $0 : 1 }
    var r = b
    var z = (0..<k).map { r[$0] * inverseDiagonal[$0] }
    var d = z
    var ad = [Double](repeating: 0, count: k)
    var rz = zip(r, z).reduce(0) { $0 + $1.0 * $1.1 }
    var alphas: [Double] = [], betas: [Double] = []
    var relative = 1.0, iterations = 0, breakdown = false
    let scratch = UnsafeMutablePointer<Double>.allocate(capacity: max(n, 1))
    defer { scratch.deallocate() }
    while iterations < maxIterations {
        d.withUnsafeBufferPointer { db in
            ad.withUnsafeMutableBufferPointer { ab in
                guard let dp = db.baseAddress, let ap = ab.baseAddress else { return }
                system.apply(dp, ap, scratch: scratch)
            }
        }
        let dad = zip(d, ad).reduce(0) { $0 + $1.0 * $1.1 }
        guard dad > 0, dad.isFinite else {
            breakdown = true
            break
        }
        let alpha = rz / dad
        for i in 0..<k {
            x[i] += alpha * d[i]
            r[i] -= alpha * ad[i]
        }
        iterations += 1
        alphas.append(alpha)
        relative = r.reduce(0) { $0 + $1 * $1 }.squareRoot() / nb
        try progress.checkpoint(iterations, certificate: relative)
        if relative <= tolerance { break }
        for i in 0..<k { z[i] = r[i] * inverseDiagonal[i] }
        let rzNew = zip(r, z).reduce(0) { $0 + $1.0 * $1.1 }
        guard rz > 0 else { break }
        let beta = rzNew / rz
        betas.append(beta)
        rz = rzNew
        for i in 0..<k { d[i] = z[i] + beta * d[i] }
    }
    // Lanczos matrix: T_jj = 1/α_j + β_{j-1}/α_{j-1}, T_{j,j+1} = √β_j / α_j.
    var rcond = Double.nan
    let m = alphas.count
    if m > 0 {
        var diag = [Double](repeating: 0, count: m), off = [Double](repeating: 0, count: max(m - 1, 0))
        for j in 0..<m {
            diag[j] = 1 / alphas[j] + (j > 0 ? betas[j - 1] / alphas[j - 1] : 0)
            if j < m - 1 { off[j] = betas[j].squareRoot() / alphas[j] }
        }
        let (low, high) = tridiagonalExtremeEigenvalues(diag, off)
        rcond = high > 0 ? max(low, 0) / high : 0
    }
    if breakdown { rcond = 0 }
    return ConjugateGradientResult(solution: x, iterations: iterations, relativeResidual: relative,
                                   converged: !breakdown && relative <= tolerance, breakdown: breakdown,
                                   rcondEstimate: rcond)
}

/// Smallest and largest eigenvalues of the symmetric tridiagonal matrix
/// (diag, off) by Sturm-sequence bisection inside the Gershgorin interval.
func tridiagonalExtremeEigenvalues(_ diag: [Double], _ off: [Double]) -> (Double, Double) {
    let m = diag.count
    guard m > 0 else { return (.nan, .nan) }
    var lo = Double.infinity, hi = -Double.infinity
    for i in 0..<m {
        let radius = (i > 0 ? abs(off[i - 1]) : 0) + (i < m - 1 ? abs(off[i]) : 0)
        lo = min(lo, diag[i] - radius)
        hi = max(hi, diag[i] + radius)
    }
    guard lo.isFinite, hi.isFinite else { return (.nan, .nan) }
    /// Number of eigenvalues < x.
    func count(_ x: Double) -> Int {
        var c = 0, q = diag[0] - x
        let tiny = 1e-300
        if q < 0 { c += 1 }
        for i in 1..<max(m, 1) where i < m {
            let denominator = q == 0 ? tiny : q
            q = diag[i] - x - off[i - 1] * off[i - 1] / denominator
            if q < 0 { c += 1 }
        }
        return c
    }
    func bisect(_ target: Int) -> Double {  // smallest x with count(x) ≥ target
        var a = lo - 1e-12 * max(abs(lo), 1), b = hi + 1e-12 * max(abs(hi), 1)
        for _ in 0..<200 {
            let mid = 0.5 * (a + b)
            if mid <= a || mid >= b { break }
            if count(mid) >= target { b = mid } else { a = mid }
        }
        return 0.5 * (a + b)
    }
    return (bisect(1), bisect(m))
}

// MARK: - Diagnosis of a set

struct SetAnalysis {
    var invertible: Bool
    var rcond: Double
    /// Kept for the implicit method's solve on S.
    var cholesky: DenseCholesky?
    /// Large sets: CG on the given right-hand side (the implicit solve itself when
    /// the set is S and the right-hand side is ∇C_S).
    var conjugateGradient: ConjugateGradientResult?
}

/// Factors (or, beyond `choleskyMaxSize`, runs CG on) the system of `set`.
/// `rhs` is the right-hand side for the CG diagnosis (ones when nil, with at most
/// 50 iterations: enough for the extreme Ritz values).
func analyzeSet<X: DesignMatrix>(
    _ columns: CentredColumns<X>, _ set: [Int], l2: Double, options: HypergradientOptions,
    rhs: [Double]?, progress: ProgressObserver
) throws -> SetAnalysis {
    let k = set.count
    guard k > 0 else { return SetAnalysis(invertible: true, rcond: .nan, cholesky: nil, conjugateGradient: nil) }
    let system = SupportSystem(columns: columns, features: set, diagonalShift: l2)
    if k <= options.choleskyMaxSize, let a = system.dense() {
        guard let chol = DenseCholesky(a, k: k) else {
            return SetAnalysis(invertible: false, rcond: 0, cholesky: nil, conjugateGradient: nil)
        }
        let rcond = chol.reciprocalCondition()
        return SetAnalysis(invertible: rcond >= options.rcondThreshold, rcond: rcond, cholesky: chol,
                           conjugateGradient: nil)
    }
    let b = rhs ?? [Double](repeating: 1, count: k)
    let cg = try conjugateGradient(system, b, tolerance: rhs == nil ? 0 : options.tolerance,
                                   maxIterations: rhs == nil ? min(50, options.maxIterations) : options.maxIterations,
                                   progress: progress)
    let rcond = cg.rcondEstimate
    let invertible = !cg.breakdown && (rcond.isNaN || rcond >= options.rcondThreshold)
    return SetAnalysis(invertible: invertible, rcond: rcond, cholesky: nil, conjugateGradient: cg)
}
