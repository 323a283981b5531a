extension Penalties {
    /// The indicator of lⱼ ≤ b ≤ uⱼ (bounds may be infinite; `nonnegative` is
    /// l = 0, u = +∞): constrained least squares or logistic regression.
    ///
    /// prox: clip(v, lⱼ, uⱼ) whatever the step. ∂pⱼ(b) is the normal cone
    /// ({0} inside, (−∞, 0] at a finite lower bound, [0, ∞) at a finite upper one).
    /// pⱼ*(v) = max(v·lⱼ, v·uⱼ) is finite everywhere only when both bounds are
    /// finite, so the duality gap certifies bounded boxes and the KKT violation the others.
    public struct Box: SeparablePenalty {
        public let lower: [Double]
        public let upper: [Double]

        /// `lower`/`upper` hold one bound for every feature or one per feature.
        public init(lower: [Double], upper: [Double]) throws {
            _ = try Nonsmooth.Box(lower: lower, upper: upper)
            self.lower = lower
            self.upper = upper
        }

        public static var nonnegative: Box { Box(checked: [0], [.infinity]) }

        private init(checked lower: [Double], _ upper: [Double]) {
            self.lower = lower
            self.upper = upper
        }

        public func validate(features p: Int) throws { try Nonsmooth.Box(lower: lower, upper: upper).validate(length: p) }

        @inline(__always) func lo(_ j: Int) -> Double { lower.count == 1 ? lower[0] : lower[j] }
        @inline(__always) func hi(_ j: Int) -> Double { upper.count == 1 ? upper[0] : upper[j] }

        @inline(__always)
        public func value(_ j: Int, _ b: Double) -> Double { b >= lo(j) && b <= hi(j) ? 0 : .infinity }

        @inline(__always)
        public func prox(_ j: Int, _ v: Double, step t: Double) -> Double {
            let l = lo(j), u = hi(j)
            return v < l ? l : (v > u ? u : v)
        }

        @inline(__always)
        public func subdifferentialDistance(_ j: Int, _ b: Double, gradient g: Double) -> Double {
            let l = lo(j), u = hi(j)
            if l == u { return 0 }
            if b == l { return max(-g, 0) }   // −g in (−∞, 0]
            if b == u { return max(g, 0) }    // −g in [0, ∞)
            return abs(g)
        }

        /// Coordinates at a finite bound may leave it; every coordinate is "in support"
        /// unless it sits at a bound (the analogue of a zero).
        @inline(__always)
        public func isInGeneralizedSupport(_ j: Int, _ b: Double) -> Bool { b != lo(j) && b != hi(j) }

        public var isConvex: Bool { true }
        public var hasDualCertificate: Bool {
            lower.allSatisfy { $0.isFinite } && upper.allSatisfy { $0.isFinite }
        }

        @inline(__always)
        public func conjugate(_ j: Int, _ u: Double) -> Double { max(u * lo(j), u * hi(j)) }
    }
}
