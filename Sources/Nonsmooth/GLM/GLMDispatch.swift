/// The datafits of `solveGLM(design:datafit:penalty:...)` by name, for callers
/// that choose them at run time (the C ABI).
public enum DatafitChoice {
    case quadratic
    /// Labels must be −1 or +1.
    case logistic
    /// Huber's loss with threshold δ > 0.
    case huber(delta: Double)
    /// Poisson with log link; targets ≥ 0.
    case poisson
}

/// The separable penalties by name, with their parameters.
public enum PenaltyChoice {
    case l1(strength: Double, weights: [Double]?, positive: Bool)
    case elasticNet(strength: Double, l1Ratio: Double, weights: [Double]?, positive: Bool)
    case box(lower: [Double], upper: [Double])
    case mcp(strength: Double, gamma: Double)
    case scad(strength: Double, a: Double)
    case l0(strength: Double)
}

/// `solveGLM` for a datafit and a penalty chosen at run time and a design of
/// either layout. The switch happens here, inside the module, so that every
/// (datafit, penalty, layout) triple is a specialized instance of the generic
/// solver (a generic call from another module would run unspecialized).
public func solveGLM(
    design: any DesignMatrix, target y: [Double], sampleWeights: [Double]?, datafit: DatafitChoice,
    penalty: PenaltyChoice, options: GLMOptions, warmStart: [Double]? = nil, warmIntercept: Double = 0,
    progress: ProgressObserver = .silent
) throws -> GLMResult {
    switch design {
    case let d as DenseColumnMajor:
        return try solveGLM(d, y, sampleWeights, datafit, penalty, options, warmStart, warmIntercept, progress)
    case let s as SparseCSC:
        return try solveGLM(s, y, sampleWeights, datafit, penalty, options, warmStart, warmIntercept, progress)
    default:
        throw NonsmoothError.invalidArgument(name: "X", reason: "must be a DenseColumnMajor or SparseCSC design")
    }
}

private func solveGLM<X: EntryDesign>(
    _ design: X, _ y: [Double], _ weights: [Double]?, _ datafit: DatafitChoice, _ penalty: PenaltyChoice,
    _ options: GLMOptions, _ warm: [Double]?, _ warmIntercept: Double, _ progress: ProgressObserver
) throws -> GLMResult {
    switch datafit {
    case .quadratic:
        let fit = try Datafits.Quadratic(target: y, sampleWeights: weights)
        return try solveGLM(design, fit, penalty, options, warm, warmIntercept, progress)
    case .logistic:
        let fit = try Datafits.Logistic(labels: y, sampleWeights: weights)
        return try solveGLM(design, fit, penalty, options, warm, warmIntercept, progress)
    case let .huber(delta):
        let fit = try Datafits.Huber(target: y, delta: delta, sampleWeights: weights)
        return try solveGLM(design, fit, penalty, options, warm, warmIntercept, progress)
    case .poisson:
        let fit = try Datafits.Poisson(target: y, sampleWeights: weights)
        return try solveGLM(design, fit, penalty, options, warm, warmIntercept, progress)
    }
}

private func solveGLM<X: EntryDesign, F: Datafit>(
    _ design: X, _ fit: F, _ penalty: PenaltyChoice, _ options: GLMOptions, _ warm: [Double]?,
    _ warmIntercept: Double, _ progress: ProgressObserver
) throws -> GLMResult {
    func run<P: SeparablePenalty>(_ p: P) throws -> GLMResult {
        try solveGLM(design: design, datafit: fit, penalty: p, options: options, warmStart: warm,
                     warmIntercept: warmIntercept, progress: progress)
    }
    switch penalty {
    case let .l1(strength, weights, positive):
        return try run(Penalties.L1(strength: strength, weights: weights, positive: positive))
    case let .elasticNet(strength, l1Ratio, weights, positive):
        return try run(Penalties.ElasticNet(strength: strength, l1Ratio: l1Ratio, weights: weights, positive: positive))
    case let .box(lower, upper):
        return try run(Penalties.Box(lower: lower, upper: upper))
    case let .mcp(strength, gamma):
        return try run(Penalties.MCP(strength: strength, gamma: gamma))
    case let .scad(strength, a):
        return try run(Penalties.SCAD(strength: strength, a: a))
    case let .l0(strength):
        return try run(Penalties.L0(strength: strength))
    }
}
