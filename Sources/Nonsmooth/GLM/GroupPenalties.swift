extension Penalties {
    /// p_g(b) = λ w_g ‖b‖₂ (w_g = 0: an unpenalized group), the group Lasso
    /// (Yuan & Lin 2006). With blocks taken as the rows of a coefficient matrix it
    /// is also the ℓ2,1 penalty of multi-task models.
    ///
    /// prox: block soft thresholding at tλw_g (`GroupL2Norm.shrinkBlock`).
    /// ∂p_g(0) is the ball of radius λw_g, so dist(−∇, ∂p_g(0)) = (‖∇‖ − λw_g)₊;
    /// off 0 it is ‖∇ + λw_g b/‖b‖‖. p_g* is the indicator of ‖u‖ ≤ λw_g: the dual
    /// point is scaled into it.
    public struct GroupLasso: BlockPenalty {
        let levels: FeatureLevels

        public init(strength: Double, weights: [Double]? = nil) throws {
            levels = try FeatureLevels(strength: strength, weights: weights, positive: false)
        }

        public var strength: Double { levels.strength }
        public var weights: [Double]? { levels.weights }
        @inline(__always) func level(_ g: Int) -> Double { levels.level(g) }

        public func validate(blocks count: Int) throws { try validateGroupWeights(weights, count) }

        public func value(_ g: Int, _ b: UnsafeBufferPointer<Double>) -> Double {
            let c = level(g)
            return c == 0 ? 0 : c * blockNorm(b)
        }

        @inline(__always)
        public func prox(_ g: Int, _ v: UnsafeMutableBufferPointer<Double>, step t: Double) {
            GroupL2Norm.shrinkBlock(v, threshold: weightedThreshold(t, level(g)))
        }

        public func subdifferentialDistance(_ g: Int, _ b: UnsafeBufferPointer<Double>,
                                            gradient d: UnsafeBufferPointer<Double>) -> Double {
            let c = level(g), norm = blockNorm(b)
            if norm == 0 { return max(blockNorm(d) - c, 0) }
            let s = c / norm
            return robustNorm(b.count) { d[$0] + s * b[$0] }
        }

        public func isInGeneralizedSupport(_ g: Int, _ b: UnsafeBufferPointer<Double>) -> Bool {
            level(g) == 0 || b.contains { $0 != 0 }
        }

        public var isConvex: Bool { true }
        public var hasDualCertificate: Bool { levels.allPenalized }

        public func dualScale(_ g: Int, _ u: UnsafeBufferPointer<Double>) -> Double {
            let c = level(g), norm = blockNorm(u)
            return norm > c ? c / norm : 1
        }

        public func conjugate(_ g: Int, _ u: UnsafeBufferPointer<Double>) -> Double { 0 }
    }

    /// p_g(b) = λ(ρ‖b‖₁ + (1 − ρ) w_g ‖b‖₂), the sparse-group Lasso (Simon,
    /// Friedman, Hastie & Tibshirani 2013) in scikit-learn's `l1_ratio` style.
    ///
    /// prox: soft thresholding at tλρ, then block soft thresholding at
    /// tλ(1 − ρ)w_g (the composition is exact, see `SparseGroupNorm`).
    /// ∂p_g(0) = λρ[−1, 1]^|g| + λ(1 − ρ)w_g·Ball, so dist(−∇, ∂p_g(0)) =
    /// (‖S_{λρ}(∇)‖ − λ(1 − ρ)w_g)₊ with S the soft thresholding; off 0, entries
    /// at 0 contribute (|∇ᵢ| − λρ)₊ and the others ∇ᵢ + λρ sign bᵢ + λ(1 − ρ)w_g bᵢ/‖b‖.
    /// p_g* is the indicator of ‖S_{λρ}(u)‖ ≤ λ(1 − ρ)w_g (Ndiaye, Fercoq,
    /// Gramfort & Salmon 2016, "GAP safe screening rules for sparse-group lasso").
    public struct SparseGroupLasso: BlockPenalty {
        public let strength: Double
        public let l1Ratio: Double
        public let weights: [Double]?

        public init(strength: Double, l1Ratio: Double, weights: [Double]? = nil) throws {
            try requireNonnegative(strength, "alpha")
            try require(l1Ratio >= 0 && l1Ratio <= 1, "l1_ratio", "must lie in [0, 1], got \(l1Ratio)")
            if let w = weights {
                for (i, v) in w.enumerated() where !(v.isFinite && v >= 0) {
                    throw NonsmoothError.invalidArgument(name: "weights", reason: "entry \(i) is \(v); weights must be finite and ≥ 0")
                }
            }
            self.strength = strength
            self.l1Ratio = l1Ratio
            self.weights = weights
        }

        public func validate(blocks count: Int) throws { try validateGroupWeights(weights, count) }

        /// λρ, the ℓ1 level.
        @inline(__always) var l1Level: Double { strength * l1Ratio }
        /// λ(1 − ρ)w_g, the group level.
        @inline(__always) func groupLevel(_ g: Int) -> Double {
            let c = strength * (1 - l1Ratio)
            return weights.map { c * $0[g] } ?? c
        }

        public func value(_ g: Int, _ b: UnsafeBufferPointer<Double>) -> Double {
            let a = l1Level, c = groupLevel(g)
            var l1 = 0.0
            if a > 0 { for v in b { l1 += abs(v) } }
            return (a > 0 ? a * l1 : 0) + (c > 0 ? c * blockNorm(b) : 0)
        }

        @inline(__always)
        public func prox(_ g: Int, _ v: UnsafeMutableBufferPointer<Double>, step t: Double) {
            let a = weightedThreshold(t, l1Level)
            for k in v.indices { v[k] = softThreshold(v[k], a) }
            GroupL2Norm.shrinkBlock(v, threshold: weightedThreshold(t, groupLevel(g)))
        }

        public func subdifferentialDistance(_ g: Int, _ b: UnsafeBufferPointer<Double>,
                                            gradient d: UnsafeBufferPointer<Double>) -> Double {
            let a = l1Level, c = groupLevel(g), norm = blockNorm(b)
            if norm == 0 { return max(robustNorm(d.count) { softThreshold(d[$0], a) } - c, 0) }
            let s = c / norm
            return robustNorm(b.count) { k in
                let x = b[k]
                if x == 0 { return max(abs(d[k]) - a, 0) }
                return d[k] + (x > 0 ? a : -a) + s * x
            }
        }

        public func isInGeneralizedSupport(_ g: Int, _ b: UnsafeBufferPointer<Double>) -> Bool {
            (l1Level == 0 && groupLevel(g) == 0) || b.contains { $0 != 0 }
        }

        public var isConvex: Bool { true }
        public var hasDualCertificate: Bool {
            strength > 0 && (l1Ratio > 0 || (weights?.allSatisfy { $0 > 0 } ?? true))
        }

        /// The largest s ∈ [0, 1] with ‖S_a(s·u)‖ ≤ c (a = λρ, c = λ(1 − ρ)w_g):
        /// s ↦ ‖S_a(su)‖² is increasing and, on each interval where the entries
        /// above a/s are the k largest |uᵢ|, the quadratic Σ_{i≤k}(s|uᵢ| − a)².
        public func dualScale(_ g: Int, _ u: UnsafeBufferPointer<Double>) -> Double {
            let a = l1Level, c = groupLevel(g)
            if robustNorm(u.count, { softThreshold(u[$0], a) }) <= c { return 1 }
            if a == 0 { return c / blockNorm(u) }
            let sorted = u.map { abs($0) }.sorted(by: >)
            var sumSquares = 0.0, sumAbs = 0.0
            for k in sorted.indices {
                sumSquares += sorted[k] * sorted[k]
                sumAbs += sorted[k]
                // A s² − 2B s + C = 0 with k + 1 active entries.
                let A = sumSquares, B = a * sumAbs, C = Double(k + 1) * a * a - c * c
                let s = (B + max(B * B - A * C, 0).squareRoot()) / A
                if k + 1 == sorted.count || s * sorted[k + 1] <= a { return min(max(s, 0), 1) }
            }
            return 0
        }

        public func conjugate(_ g: Int, _ u: UnsafeBufferPointer<Double>) -> Double { 0 }
    }
}

/// One weight per group when weights are given.
private func validateGroupWeights(_ weights: [Double]?, _ count: Int) throws {
    if let w = weights { try require(w.count == count, "weights", "has \(w.count) entries for \(count) groups") }
}
