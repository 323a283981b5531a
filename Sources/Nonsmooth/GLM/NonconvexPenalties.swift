extension Penalties {
    /// The minimax concave penalty (Zhang 2010) with strength λ and γ > 1 on
    /// every coefficient; the scalar formulas are those of the prox operator
    /// `MCP`. Coordinate descent needs γ > 1/Lⱼ for the coordinate objective to
    /// be convex (Breheny & Huang 2011); the prox handles every step exactly
    /// anyway. ∂p(0) = [−λ, λ]; p′(b) = sign(b)(λ − |b|/γ)₊ elsewhere.
    public struct MCP: SeparablePenalty {
        public let strength: Double
        public let gamma: Double

        public init(strength: Double, gamma: Double) throws {
            try requireNonnegative(strength, "alpha")
            try require(gamma.isFinite && gamma > 1, "gamma", "must be finite and > 1, got \(gamma)")
            self.strength = strength
            self.gamma = gamma
        }

        @inline(__always)
        public func value(_ j: Int, _ b: Double) -> Double { Nonsmooth.MCP.penalty(b, strength: strength, gamma: gamma) }

        @inline(__always)
        public func prox(_ j: Int, _ v: Double, step t: Double) -> Double {
            Nonsmooth.MCP.prox(v, strength: strength, gamma: gamma, step: t)
        }

        @inline(__always)
        public func subdifferentialDistance(_ j: Int, _ b: Double, gradient g: Double) -> Double {
            b == 0 ? distanceToInterval(g, strength) : abs(g + Nonsmooth.MCP.derivative(b, strength: strength, gamma: gamma))
        }

        @inline(__always)
        public func isInGeneralizedSupport(_ j: Int, _ b: Double) -> Bool { b != 0 || strength == 0 }

        public var isConvex: Bool { false }
    }

    /// The smoothly clipped absolute deviation penalty (Fan & Li 2001) with
    /// strength λ and a > 2 (the scalar formulas of the prox operator `SCAD`).
    /// ∂p(0) = [−λ, λ]; p′ elsewhere.
    public struct SCAD: SeparablePenalty {
        public let strength: Double
        public let a: Double

        public init(strength: Double, a: Double) throws {
            try requireNonnegative(strength, "alpha")
            try require(a.isFinite && a > 2, "gamma", "must be finite and > 2, got \(a)")
            self.strength = strength
            self.a = a
        }

        @inline(__always)
        public func value(_ j: Int, _ b: Double) -> Double { Nonsmooth.SCAD.penalty(b, strength: strength, a: a) }

        @inline(__always)
        public func prox(_ j: Int, _ v: Double, step t: Double) -> Double {
            Nonsmooth.SCAD.prox(v, strength: strength, a: a, step: t)
        }

        @inline(__always)
        public func subdifferentialDistance(_ j: Int, _ b: Double, gradient g: Double) -> Double {
            b == 0 ? distanceToInterval(g, strength) : abs(g + Nonsmooth.SCAD.derivative(b, strength: strength, a: a))
        }

        @inline(__always)
        public func isInGeneralizedSupport(_ j: Int, _ b: Double) -> Bool { b != 0 || strength == 0 }

        public var isConvex: Bool { false }
    }

    /// λ·#{j : βⱼ ≠ 0} (best-subset selection by coordinate descent).
    /// prox: hard thresholding at √(2tλ), ties to 0 (the scalar of `L0Penalty`).
    /// The limiting subdifferential is ℝ at 0 and {0} elsewhere, so the KKT
    /// violation is |gⱼ| on the support: a certified point is a coordinate-wise
    /// stationary point, not a global minimizer.
    public struct L0: SeparablePenalty {
        public let strength: Double

        public init(strength: Double) throws {
            try requireNonnegative(strength, "alpha")
            self.strength = strength
        }

        @inline(__always)
        public func value(_ j: Int, _ b: Double) -> Double { b != 0 ? strength : 0 }

        @inline(__always)
        public func prox(_ j: Int, _ v: Double, step t: Double) -> Double {
            Nonsmooth.L0Penalty.hardThreshold(v, threshold: (2 * t * strength).squareRoot())
        }

        @inline(__always)
        public func subdifferentialDistance(_ j: Int, _ b: Double, gradient g: Double) -> Double {
            b == 0 ? 0 : abs(g)
        }

        @inline(__always)
        public func isInGeneralizedSupport(_ j: Int, _ b: Double) -> Bool { b != 0 || strength == 0 }

        public var isConvex: Bool { false }
    }
}
