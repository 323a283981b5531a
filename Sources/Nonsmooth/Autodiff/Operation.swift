/// The primitives of a traced program.
///
/// Each primitive's forward kernel, vector-Jacobian product, forward-mode rule and
/// kink rule live together in one kernel file (`Kernels/`); this file only names
/// them. Shapes are resolved when the graph is built, so every kernel sees either
/// equal-shaped operands (elementwise) or a row layout (reductions, sort, losses
/// act on the last axis of a (rows, length) view).

/// Elementwise functions of one argument.
public enum UnaryFunction: Sendable, Equatable {
    case negate, abs, sign, relu, square, reciprocal
    case leakyRelu(slope: Double)
    case sqrt, exp, log, log1p, softplus, sigmoid, tanh, sin, cos
    case gelu(approximate: Bool)
    case power(Double)
    case addScalar(Double)
    case multiplyScalar(Double)
    case clip(lower: Double, upper: Double)
    case softThreshold(Double)
    /// max(0, 1 − x).
    case hinge
    /// x²/2 for |x| ≤ δ, δ(|x| − δ/2) beyond.
    case huber(delta: Double)
    /// Derivative 0, or 1 with the straight-through estimator.
    case round(straightThrough: Bool)
    case floor(straightThrough: Bool)
    /// sign(x) with a straight-through derivative: 1 everywhere, or
    /// 1_{|x| ≤ 1} when `clipped` (the derivative of clip(x, −1, 1), the
    /// estimator of binarized networks, Hubara et al. 2016).
    case signStraightThrough(clipped: Bool)
    /// The identity with derivative 0 (JAX's `stop_gradient`, PyTorch's `detach`).
    case stopGradient

    public var name: String {
        switch self {
        case .negate: return "negative"
        case .abs: return "abs"
        case .sign: return "sign"
        case .relu: return "relu"
        case .square: return "square"
        case .reciprocal: return "reciprocal"
        case .leakyRelu: return "leaky_relu"
        case .sqrt: return "sqrt"
        case .exp: return "exp"
        case .log: return "log"
        case .log1p: return "log1p"
        case .softplus: return "softplus"
        case .sigmoid: return "sigmoid"
        case .tanh: return "tanh"
        case .sin: return "sin"
        case .cos: return "cos"
        case .gelu: return "gelu"
        case .power: return "power"
        case .addScalar: return "add"
        case .multiplyScalar: return "multiply"
        case .clip: return "clip"
        case .softThreshold: return "soft_threshold"
        case .hinge: return "hinge"
        case .huber: return "huber"
        case .round: return "round"
        case .floor: return "floor"
        case .signStraightThrough: return "sign"
        case .stopGradient: return "stop_gradient"
        }
    }

    /// Whether the kernel records a per-element derivative decision in the forward pass.
    var hasDecisions: Bool {
        switch self {
        case .abs, .relu, .leakyRelu, .clip, .softThreshold, .hinge: return true
        case .signStraightThrough(let clipped): return clipped
        default: return false
        }
    }
}

/// Elementwise functions of two equal-shaped arguments (broadcasting is made
/// explicit by the graph builder).
public enum BinaryFunction: Sendable, Equatable {
    case add, subtract, multiply, divide, maximum, minimum, power
    case compare(Comparison)

    public var name: String {
        switch self {
        case .add: return "add"
        case .subtract: return "subtract"
        case .multiply: return "multiply"
        case .divide: return "divide"
        case .maximum: return "maximum"
        case .minimum: return "minimum"
        case .power: return "power"
        case .compare(let c): return c.name
        }
    }
}

/// Comparisons give 1.0 or 0.0 and have zero derivative; they feed `select`.
public enum Comparison: Sendable, Equatable {
    case less, lessEqual, greater, greaterEqual, equal, notEqual

    public var name: String {
        switch self {
        case .less: return "less"
        case .lessEqual: return "less_equal"
        case .greater: return "greater"
        case .greaterEqual: return "greater_equal"
        case .equal: return "equal"
        case .notEqual: return "not_equal"
        }
    }
}

/// Reductions over the last axis of a (rows, length) view.
public enum Reduction: Sendable, Equatable {
    case sum, mean, max, min, norm1, norm2, normInf, logSumExp

    public var name: String {
        switch self {
        case .sum: return "sum"
        case .mean: return "mean"
        case .max: return "max"
        case .min: return "min"
        case .norm1: return "norm1"
        case .norm2: return "norm2"
        case .normInf: return "norm_inf"
        case .logSumExp: return "logsumexp"
        }
    }

    var hasDecisions: Bool {
        switch self {
        case .sum, .mean, .logSumExp: return false
        default: return true
        }
    }
}

/// One node's operation. `length` attributes give the row length of the
/// (rows, length) view the kernel works on.
public enum Operation: Sendable {
    /// The `index`-th argument of the program.
    case input(index: Int)
    case constant([Double])
    case unary(UnaryFunction)
    case binary(BinaryFunction)
    /// where(condition, a, b): condition is nonzero → a, else b.
    case select
    /// Copy with a new shape (same element order).
    case reshape
    /// Broadcasting along leading axes: the input repeated `times` times.
    case tile(times: Int)
    /// Broadcasting along trailing axes: each input element repeated `times` times.
    case repeatEach(times: Int)
    /// out[i] = x[indices[i]]; covers other broadcasts, transposes, indexing,
    /// slicing and pooling windows. The vector-Jacobian product scatter-adds.
    case gather(indices: [Int])
    /// Stacks the inputs' elements: the output is (rows, Σ lengths) with each
    /// input viewed as (rows, lengths[k]).
    case concatenate(lengths: [Int])
    case reduce(Reduction, length: Int)
    /// (m, k) @ (k, n) → (m, n), row-major, through BLAS.
    case matmul(m: Int, k: Int, n: Int)
    /// Ascending sort of each row.
    case sort(length: Int)
    /// Per row: −Σ_j t_j log softmax(z)_j, inputs (logits, targets).
    case softmaxCrossEntropy(length: Int)
    /// Inputs (z, codebook): each row of z (length `length`) replaced by the
    /// nearest of the `codes` rows of the codebook (VQ-VAE's quantizer, van den
    /// Oord et al. 2017). The codebook receives the cotangent of the rows it
    /// supplied; z receives it unchanged when `straightThrough`, else nothing.
    case codebookLookup(codes: Int, length: Int, straightThrough: Bool)

    public var name: String {
        switch self {
        case .input: return "input"
        case .constant: return "constant"
        case .unary(let f): return f.name
        case .binary(let f): return f.name
        case .select: return "where"
        case .reshape: return "reshape"
        case .gather: return "gather"
        case .tile, .repeatEach: return "broadcast_to"
        case .concatenate: return "concatenate"
        case .reduce(let r, _): return r.name
        case .matmul: return "matmul"
        case .sort: return "sort"
        case .softmaxCrossEntropy: return "softmax_cross_entropy"
        case .codebookLookup: return "codebook_lookup"
        }
    }
}

/// A node of a graph: an operation, its operands (earlier nodes) and its shape.
public struct Node: Sendable {
    public var operation: Operation
    public var inputs: [Int]
    public var shape: [Int]
    /// Name used in kink reports (e.g. "max_pool2d" for the max of a pooling).
    public var label: String
    public var count: Int { shape.reduce(1, *) }

    /// Size of the buffer of derivative decisions recorded by the forward pass.
    var decisionCount: Int {
        switch operation {
        case .unary(let f): return f.hasDecisions ? count : 0
        case .binary(.maximum), .binary(.minimum): return count
        case .reduce(let r, let length): return r.hasDecisions ? count * length : 0
        case .sort: return 2 * count
        case .codebookLookup(_, let length, _): return length == 0 ? 0 : count / length
        default: return 0
        }
    }
}
