extension Penalties {
    /// pⱼ(b) = α wⱼ (ρ|b| + (1 − ρ) b²/2), scikit-learn's elastic net (wⱼ = 0:
    /// unpenalized), restricted to b ≥ 0 when `positive`.
    ///
    /// prox: soft(v, tαρwⱼ)/(1 + tα(1 − ρ)wⱼ) (the scalar of `ElasticNet`).
    /// For ρ < 1 the conjugate is finite everywhere:
    /// pⱼ*(u) = soft(u, αρwⱼ)² / (2α(1 − ρ)wⱼ) (u₊ in place of |u| when positive).
    public struct ElasticNet: SeparablePenalty {
        let levels: FeatureLevels
        public let l1Ratio: Double

        public init(strength: Double, l1Ratio: Double, weights: [Double]? = nil, positive: Bool = false) throws {
            try require(l1Ratio >= 0 && l1Ratio <= 1, "l1_ratio", "must lie in [0, 1], got \(l1Ratio)")
            levels = try FeatureLevels(strength: strength, weights: weights, positive: positive)
            self.l1Ratio = l1Ratio
        }

        public func validate(features p: Int) throws { try levels.validate(features: p) }

        public var strength: Double { levels.strength }
        public var weights: [Double]? { levels.weights }
        public var positive: Bool { levels.positive }
        @inline(__always) func level(_ j: Int) -> Double { levels.level(j) }

        @inline(__always)
        public func value(_ j: Int, _ b: Double) -> Double {
            if positive && b < 0 { return .infinity }
            let c = level(j)
            return c == 0 ? 0 : c * (l1Ratio * abs(b) + (1 - l1Ratio) / 2 * b * b)
        }

        @inline(__always)
        public func prox(_ j: Int, _ v: Double, step t: Double) -> Double {
            let c = t * level(j)
            let shrunk = positive ? max(v - c * l1Ratio, 0) : softThreshold(v, c * l1Ratio)
            return shrunk / (1 + c * (1 - l1Ratio))
        }

        @inline(__always)
        public func subdifferentialDistance(_ j: Int, _ b: Double, gradient g: Double) -> Double {
            let c = level(j)
            if b == 0 { return positive ? max(-g - c * l1Ratio, 0) : distanceToInterval(g, c * l1Ratio) }
            return abs(g + c * (l1Ratio * (b > 0 ? 1 : -1) + (1 - l1Ratio) * b))
        }

        @inline(__always)
        public func isInGeneralizedSupport(_ j: Int, _ b: Double) -> Bool { b != 0 || level(j) == 0 }

        public var isConvex: Bool { true }
        public var hasDualCertificate: Bool { levels.allPenalized }

        @inline(__always)
        public func dualScale(_ j: Int, _ u: Double) -> Double {
            if l1Ratio < 1 { return 1 }
            return levels.scale(u, level(j))
        }

        @inline(__always)
        public func conjugate(_ j: Int, _ u: Double) -> Double {
            if l1Ratio == 1 { return 0 }
            let c = level(j)
            let excess = positive ? max(u - c * l1Ratio, 0) : distanceToInterval(u, c * l1Ratio)
            return excess * excess / (2 * c * (1 - l1Ratio))
        }
    }
}
