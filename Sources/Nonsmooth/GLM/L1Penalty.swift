extension Penalties {
    /// pⱼ(b) = λ wⱼ |b| (wⱼ = 1 without weights; wⱼ = 0 leaves βⱼ unpenalized),
    /// restricted to b ≥ 0 when `positive`.
    ///
    /// prox: soft thresholding at tλwⱼ (then max(·, 0) when positive).
    /// ∂pⱼ(0) = [−λwⱼ, λwⱼ] ((−∞, λwⱼ] when positive); pⱼ*(u) is the indicator
    /// of |u| ≤ λwⱼ (u ≤ λwⱼ when positive), so the dual point is scaled into it.
    public struct L1: SeparablePenalty {
        let levels: FeatureLevels

        public init(strength: Double, weights: [Double]? = nil, positive: Bool = false) throws {
            levels = try FeatureLevels(strength: strength, weights: weights, positive: positive)
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
            return c == 0 ? 0 : c * abs(b)
        }

        @inline(__always)
        public func prox(_ j: Int, _ v: Double, step t: Double) -> Double {
            positive ? max(v - t * level(j), 0) : softThreshold(v, t * level(j))
        }

        @inline(__always)
        public func subdifferentialDistance(_ j: Int, _ b: Double, gradient g: Double) -> Double {
            let c = level(j)
            if b == 0 { return positive ? max(-g - c, 0) : distanceToInterval(g, c) }
            return abs(g + (b > 0 ? c : -c))
        }

        @inline(__always)
        public func isInGeneralizedSupport(_ j: Int, _ b: Double) -> Bool { b != 0 || level(j) == 0 }

        public var isConvex: Bool { true }
        public var hasDualCertificate: Bool { levels.allPenalized }

        @inline(__always)
        public func dualScale(_ j: Int, _ u: Double) -> Double {
            levels.scale(u, level(j))
        }

        @inline(__always)
        public func conjugate(_ j: Int, _ u: Double) -> Double { 0 }
    }
}
