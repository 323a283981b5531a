extension Penalties {
    /// Σⱼ p(Wⱼ) over the rows Wⱼ ∈ ℝᵀ of a p×T coefficient matrix, with
    /// p(w) = λ(ρ‖w‖₂ + (1 − ρ)‖w‖₂²/2): the ℓ2,1 penalty of scikit-learn's
    /// MultiTaskLasso (ρ = 1) and its elastic-net mix (MultiTaskElasticNet).
    /// A row is zero or not as a whole, so every task selects the same features.
    ///
    /// prox_{tp}(v) = BST(v, tλρ)/(1 + tλ(1 − ρ)), BST the block soft
    /// thresholding of `L2Norm` (the same operator, not a second copy).
    /// Conjugate, with a = λρ and c = λ(1 − ρ): p*(u) = (‖u‖ − a)₊²/(2c) for c > 0,
    /// the indicator of the ball ‖u‖ ≤ a for c = 0 (then dual points are scaled into it).
    public struct RowL21 {
        public let strength: Double
        public let l1Ratio: Double
        let norm: L2Norm

        public init(strength: Double, l1Ratio: Double = 1) throws {
            try requireNonnegative(strength, "alpha")
            try require(l1Ratio >= 0 && l1Ratio <= 1, "l1_ratio", "must lie in [0, 1], got \(l1Ratio)")
            self.strength = strength
            self.l1Ratio = l1Ratio
            norm = try L2Norm(strength: strength * l1Ratio)
        }

        /// a = λρ, the radius of ∂p(0).
        @inline(__always) var a: Double { strength * l1Ratio }
        /// c = λ(1 − ρ), the ridge part.
        @inline(__always) var c: Double { strength * (1 - l1Ratio) }

        /// Whether a duality gap certifies (λ > 0; with λ = 0 the conjugate is ι{0}).
        public var hasDualCertificate: Bool { strength > 0 }

        @inline(__always)
        public func value(_ w: UnsafeBufferPointer<Double>) -> Double {
            if strength == 0 { return 0 }
            let r = euclideanNorm(w)
            return a * r + c / 2 * r * r
        }

        /// out ← prox_{tp}(v) (`out` and `v` must not overlap).
        @inline(__always)
        public func prox(_ v: UnsafeBufferPointer<Double>, step t: Double, into out: UnsafeMutableBufferPointer<Double>) {
            norm.prox(v, step: t, into: out)
            let shrink = 1 + t * c
            if shrink != 1 {
                for k in out.indices { out[k] /= shrink }
            }
        }

        /// dist(−g, ∂p(w)): ‖g + a w/‖w‖ + c w‖ when w ≠ 0, (‖g‖ − a)₊ at 0.
        @inline(__always)
        public func subdifferentialDistance(_ w: UnsafeBufferPointer<Double>, gradient g: UnsafePointer<Double>,
                                            scratch: UnsafeMutablePointer<Double>) -> Double {
            let r = euclideanNorm(w)
            if r == 0 {
                return max(euclideanNorm(UnsafeBufferPointer(start: g, count: w.count)) - a, 0)
            }
            let k = a / r + c
            for t in w.indices { scratch[t] = g[t] + k * w[t] }
            return euclideanNorm(UnsafeBufferPointer(start: scratch, count: w.count))
        }

        /// The largest s ≤ 1 with p*(s·u) < ∞, for ‖u‖ = `normU`.
        @inline(__always)
        public func dualScale(normU: Double) -> Double {
            if c > 0 || normU <= a { return 1 }
            return a / normU
        }

        /// p*(u) for ‖u‖ = `normU` where it is finite.
        @inline(__always)
        public func conjugate(normU: Double) -> Double {
            guard c > 0 else { return 0 }
            let excess = max(normU - a, 0)
            return excess * excess / (2 * c)
        }
    }
}
