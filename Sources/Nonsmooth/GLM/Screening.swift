#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Gap Safe screening (Fercoq, Gramfort & Salmon 2015, "Mind the duality gap";
/// Ndiaye, Fercoq, Gramfort & Salmon 2017 for generalized linear models):
/// features proved to be 0 at every optimum leave the problem for good.
///
/// When every per-sample curvature of F is bounded by hᵢ, F* is strongly
/// convex in the norm ‖u‖²_{H⁻¹} = Σ uᵢ²/hᵢ, so the dual D is strongly
/// concave in it and, for any dual-feasible θ with gap G = P(β) − D(θ),
///     ½‖θ − θ*‖²_{H⁻¹} ≤ D(θ*) − D(θ) ≤ G.
/// By Cauchy–Schwarz |x_jᵀθ − x_jᵀθ*| ≤ ‖x_j‖_H √(2G), and ‖x_j‖_H² = Σᵢ hᵢx_ij²
/// is the coordinate's Lipschitz constant Lⱼ. At the optimum −x_jᵀθ* ∈ ∂pⱼ(βⱼ*)
/// with θ* = ∇F(Xβ*) unique; for convex pⱼ, −x_jᵀθ* in the interior of ∂pⱼ(0)
/// forces βⱼ* = 0 (subgradients at b ≠ 0 lie outside that interior). So j is
/// screened when the whole interval x_jᵀθ ± √(2GLⱼ) (slightly widened against
/// rounding) lies in −∂pⱼ(0), which the penalty's subdifferential distance
/// at 0 tests at both ends. The screened problem has the same solutions, so its
/// gap (over the remaining features) still bounds the suboptimality.
extension GLMCoordinateDescent {
    /// The pair allows the sphere test: a duality gap and a global curvature bound.
    var canScreen: Bool { options.screening && kind == .dualityGap && F.hasCurvatureBound }

    /// Xᵀv for `k` stacked n-vectors into `out` (k·p entries); screened features
    /// get 0 and cost nothing once enough of them are out.
    func correlateActive(_ v: UnsafePointer<Double>, vectors k: Int, into out: UnsafeMutablePointer<Double>) {
        // Below a quarter screened, the blocked product over all columns is faster.
        guard screenedCount * 4 >= p else {
            X.transposeMultiply(v, vectors: k, into: out)
            return
        }
        for j in 0..<p {
            if screened[j] {
                for r in 0..<k { out[r * p + j] = 0 }
            } else if k == 2 {
                (out[j], out[p + j]) = X.columnDots(j, v, v + n)
            } else {
                for r in 0..<k { out[r * p + j] = X.columnDot(j, v + r * n) }
            }
        }
    }

    /// Screens with the dual point θ = scale·θ₀ (Xᵀθ₀ = `ct`) whose gap is `gap`.
    /// Returns true when a screened coefficient was not 0 (it is set to 0 and
    /// the state updated; the caller evaluates again).
    func screen(_ ct: UnsafePointer<Double>, scale: Double, gap: Double,
                scores: UnsafeMutablePointer<Double>?) -> Bool {
        guard canScreen, gap.isFinite else { return false }
        let radius = (2 * max(gap, 0)).squareRoot()
        var moved = false
        for j in 0..<p where !screened[j] && P.value(j, 0).isFinite {
            let u = scale * ct[j]
            let r = radius * lipschitz[j].squareRoot()
            let slack = r * (1 + 1e-9) + 1e-12 * (abs(u) + 1e-300)
            guard P.subdifferentialDistance(j, 0, gradient: u + slack) == 0,
                  P.subdifferentialDistance(j, 0, gradient: u - slack) == 0 else { continue }
            screened[j] = true
            screenedCount += 1
            scores?[j] = -1
            if beta[j] != 0 {
                F.step(X, column: j, by: -beta[j], eta: eta.base, gradient: g.base)
                beta[j] = 0
                moved = true
            }
        }
        return moved
    }
}
