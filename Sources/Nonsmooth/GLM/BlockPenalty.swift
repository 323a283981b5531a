/// A penalty Σ_g p_g(β_g) over disjoint blocks of coefficients, through the
/// block operations block coordinate descent and its certificates need (the
/// shape of skglm's block-separable penalties).
///
/// A block is handed over gathered into a contiguous buffer, so the penalty
/// knows nothing of where its entries live: a group of features of a
/// single-task model (group Lasso, sparse-group Lasso) or a row of the
/// coefficient matrix of a multi-task model (the ℓ2,1 penalty) are instances
/// alike. `gradient` arguments are ∇_g F, the datafit's gradient on the block;
/// optimality of block g reads −∇_g F ∈ ∂p_g(β_g).
public protocol BlockPenalty {
    /// Throws when the penalty holds per-block parameters for another number of blocks.
    func validate(blocks count: Int) throws
    /// p_g(b) (+∞ outside a constraint).
    func value(_ g: Int, _ b: UnsafeBufferPointer<Double>) -> Double
    /// v ← prox_{t p_g}(v), in place.
    func prox(_ g: Int, _ v: UnsafeMutableBufferPointer<Double>, step t: Double)
    /// dist(−∇_g F, ∂p_g(b)) in the Euclidean norm of the block: its KKT violation.
    func subdifferentialDistance(_ g: Int, _ b: UnsafeBufferPointer<Double>,
                                 gradient: UnsafeBufferPointer<Double>) -> Double
    /// Whether the block lies in the generalized support (b ≠ 0, or the block is
    /// unpenalized): the blocks a working set always keeps.
    func isInGeneralizedSupport(_ g: Int, _ b: UnsafeBufferPointer<Double>) -> Bool
    /// Whether every p_g is convex.
    var isConvex: Bool { get }
    /// Whether the duality gap applies: convex, and every p_g* finite on a
    /// neighbourhood of 0 (no unpenalized block, whose conjugate is ι{0}).
    var hasDualCertificate: Bool { get }
    /// The largest s ∈ [0, 1] with p_g*(s·u) < ∞.
    func dualScale(_ g: Int, _ u: UnsafeBufferPointer<Double>) -> Double
    /// p_g*(u) = sup_b ⟨u, b⟩ − p_g(b), for u where it is finite.
    func conjugate(_ g: Int, _ u: UnsafeBufferPointer<Double>) -> Double
}

extension BlockPenalty {
    public func validate(blocks count: Int) throws {}
    public var hasDualCertificate: Bool { false }
    public func dualScale(_ g: Int, _ u: UnsafeBufferPointer<Double>) -> Double { 1 }
    public func conjugate(_ g: Int, _ u: UnsafeBufferPointer<Double>) -> Double { .infinity }
}
