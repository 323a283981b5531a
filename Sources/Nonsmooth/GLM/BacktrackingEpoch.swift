/// Coordinate descent for datafits without a global curvature bound (Poisson):
/// each coordinate starts from its curvature at the current point and doubles
/// it until the proximal step decreases F by the quadratic model,
///     F(β + δeⱼ) ≤ F(β) + gⱼδ + (L/2)δ²,
/// which with δ = prox_{pⱼ/L}(βⱼ − gⱼ/L) − βⱼ makes the objective decrease
/// (the backtracking of Beck & Teboulle 2009 applied to one coordinate; the
/// role line searches play in skglm's Poisson solver). Zeros are the prox's,
/// so exact.
extension GLMCoordinateDescent {
    static var backtrackingSteps: Int { 40 }

    func backtrackingEpoch(_ ws: UnsafeBufferPointer<Int>) {
        let e = eta.base, gb = g.base, b = beta.base
        for j in ws {
            let gj = X.columnDot(j, gb)
            var L = F.coordinateCurvature(X, column: j, eta: e, gradient: gb)
            guard L > 0, L.isFinite else { continue }
            let old = b[j]
            for _ in 0..<Self.backtrackingSteps {
                let new = P.prox(j, old - gj / L, step: 1 / L)
                let d = new - old
                if d == 0 { break }
                let change = F.coordinateChange(X, column: j, by: d, eta: e)
                // A relative slack absorbs the rounding of `change` near the optimum.
                if change <= gj * d + L / 2 * d * d + 1e-14 * abs(gj * d) {
                    F.step(X, column: j, by: d, eta: e, gradient: gb)
                    b[j] = new
                    break
                }
                L *= 2
            }
            lipschitz[j] = L
        }
        if options.fitIntercept { backtrackingInterceptStep() }
        epochs += 1
    }

    /// The same step on b: curvature Σᵢ hᵢ(η), change from two values of F.
    private func backtrackingInterceptStep() {
        let e = eta.base, s = scratch.base
        let gsum = gradientSum()
        guard gsum != 0, F.curvature(e, into: s) else { return }
        var L = 0.0
        for i in 0..<n { L += s[i] }
        guard L > 0, L.isFinite else { return }
        let current = F.value(e)
        for _ in 0..<Self.backtrackingSteps {
            let d = -gsum / L
            for i in 0..<n { s[i] = e[i] + d }
            if F.value(s) - current <= gsum * d + L / 2 * d * d + 1e-14 * abs(gsum * d) {
                intercept += d
                F.shift(by: d, eta: e, gradient: g.base)
                return
            }
            L *= 2
        }
    }
}
