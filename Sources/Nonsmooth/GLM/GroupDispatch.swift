/// The block penalties of `solveGroupGLM` by name, with their parameters.
public enum GroupPenaltyChoice {
    /// λ Σ_g w_g‖β_g‖₂ (weights nil: all 1).
    case groupLasso(strength: Double, weights: [Double]?)
    /// λ Σ_g (ρ‖β_g‖₁ + (1 − ρ)w_g‖β_g‖₂).
    case sparseGroupLasso(strength: Double, l1Ratio: Double, weights: [Double]?)
}

/// `solveGroupGLM` for a datafit and a block penalty chosen at run time and a
/// design of either layout, switched to concrete types inside the module so
/// that every instance is specialized (as `solveGLM(design:target:...)`).
public func solveGroupGLM(
    design: any DesignMatrix, target y: [Double], sampleWeights: [Double]?, datafit: DatafitChoice,
    groups: Groups, penalty: GroupPenaltyChoice, options: GLMOptions, warmStart: [Double]? = nil,
    warmIntercept: Double = 0, progress: ProgressObserver = .silent
) throws -> GLMResult {
    func run<X: EntryDesign>(_ design: X) throws -> GLMResult {
        switch datafit {
        case .quadratic:
            return try run(design, try Datafits.Quadratic(target: y, sampleWeights: sampleWeights))
        case .logistic:
            return try run(design, try Datafits.Logistic(labels: y, sampleWeights: sampleWeights))
        case .huber, .poisson:
            // Not measured with block penalties yet (Poisson's missing curvature bound would need backtracking).
            throw NonsmoothError.invalidArgument(name: "datafit",
                                                 reason: "block penalties take the quadratic or logistic datafit")
        }
    }
    func run<X: EntryDesign, F: Datafit>(_ design: X, _ fit: F) throws -> GLMResult {
        switch penalty {
        case let .groupLasso(strength, weights):
            return try solveGroupGLM(design: design, datafit: fit, groups: groups,
                                     penalty: try Penalties.GroupLasso(strength: strength, weights: weights),
                                     options: options, warmStart: warmStart, warmIntercept: warmIntercept,
                                     progress: progress)
        case let .sparseGroupLasso(strength, l1Ratio, weights):
            return try solveGroupGLM(design: design, datafit: fit, groups: groups,
                                     penalty: try Penalties.SparseGroupLasso(strength: strength, l1Ratio: l1Ratio,
                                                                             weights: weights),
                                     options: options, warmStart: warmStart, warmIntercept: warmIntercept,
                                     progress: progress)
        }
    }
    switch design {
    case let d as DenseColumnMajor: return try run(d)
    case let s as SparseCSC: return try run(s)
    default:
        throw NonsmoothError.invalidArgument(name: "X", reason: "must be a DenseColumnMajor or SparseCSC design")
    }
}
