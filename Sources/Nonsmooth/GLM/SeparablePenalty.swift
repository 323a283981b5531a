/// A penalty Σⱼ pⱼ(βⱼ) acting on each coefficient alone, through the scalar
/// operations coordinate descent and its certificates need (the shape of
/// skglm's penalties).
///
/// `gradient` arguments are gⱼ = ∂F/∂βⱼ of the datafit; optimality of
/// coordinate j reads −gⱼ ∈ ∂pⱼ(βⱼ) (the limiting subdifferential for
/// nonconvex penalties).
public protocol SeparablePenalty {
    /// Throws when the penalty holds per-feature parameters of another length.
    func validate(features p: Int) throws
    /// pⱼ(b) (+∞ outside a constraint).
    func value(_ j: Int, _ b: Double) -> Double
    /// prox_{t pⱼ}(v).
    func prox(_ j: Int, _ v: Double, step t: Double) -> Double
    /// dist(−g, ∂pⱼ(b)): the KKT violation of coordinate j.
    func subdifferentialDistance(_ j: Int, _ b: Double, gradient g: Double) -> Double
    /// Whether b lies in the generalized support (b ≠ 0, or coordinate j is unpenalized):
    /// the features a working set always keeps.
    func isInGeneralizedSupport(_ j: Int, _ b: Double) -> Bool
    /// Whether every pⱼ is convex (then a duality gap can certify; otherwise the KKT violation does).
    var isConvex: Bool { get }
    /// Whether the duality gap applies: convex, and every conjugate pⱼ* finite on an
    /// interval around 0 (not an unpenalized coordinate, whose conjugate is the indicator of {0}).
    var hasDualCertificate: Bool { get }
    /// The largest s ∈ [0, 1] with pⱼ*(s·u) < ∞ (1 when pⱼ* is finite everywhere).
    func dualScale(_ j: Int, _ u: Double) -> Double
    /// pⱼ*(u) = sup_b ub − pⱼ(b), for u where it is finite.
    func conjugate(_ j: Int, _ u: Double) -> Double
}

extension SeparablePenalty {
    public func validate(features p: Int) throws {}
    public var hasDualCertificate: Bool { false }
    public func dualScale(_ j: Int, _ u: Double) -> Double { 1 }
    public func conjugate(_ j: Int, _ u: Double) -> Double { .infinity }
}

/// Namespace of the separable penalties the engine runs (`Penalties.L1`, `.MCP`, ...).
public enum Penalties {}

/// λ·wⱼ for penalties with a strength and optional per-feature weights
/// (wⱼ = 0: unpenalized), and a positivity constraint.
struct FeatureLevels {
    let strength: Double
    let weights: [Double]?
    let positive: Bool
    /// λ > 0 and every wⱼ > 0: no coordinate has the conjugate ι{0}.
    let allPenalized: Bool

    init(strength: Double, weights: [Double]?, positive: Bool) throws {
        try requireNonnegative(strength, "alpha")
        if let w = weights {
            for (i, v) in w.enumerated() where !(v.isFinite && v >= 0) {
                throw NonsmoothError.invalidArgument(name: "weights", reason: "entry \(i) is \(v); weights must be finite and ≥ 0")
            }
        }
        self.strength = strength
        self.weights = weights
        self.positive = positive
        allPenalized = strength > 0 && (weights?.allSatisfy { $0 > 0 } ?? true)
    }

    func validate(features p: Int) throws {
        if let w = weights { try require(w.count == p, "weights", "has \(w.count) entries for \(p) features") }
    }

    @inline(__always) func level(_ j: Int) -> Double { weights.map { strength * $0[j] } ?? strength }

    /// The largest s ≤ 1 with s·u in {|u| ≤ c} ({u ≤ c} when positive), c = λwⱼ·ratio.
    @inline(__always)
    func scale(_ u: Double, _ c: Double) -> Double {
        let m = positive ? u : abs(u)
        return m > c ? c / m : 1
    }
}

/// dist(−g, [−c, c]) = (|g| − c)₊, the KKT violation at 0 of c|b|.
@inline(__always)
func distanceToInterval(_ g: Double, _ c: Double) -> Double { max(abs(g) - c, 0) }
