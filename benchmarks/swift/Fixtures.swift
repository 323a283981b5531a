import Foundation
#if canImport(Glibc)
import Glibc
#endif
import Nonsmooth

// Data of the Swift benchmarks (the same generators the XCTest suite uses).

/// Column-major n×p design whose rows are Gaussian with Toeplitz covariance
/// ρ^|i−j| (an AR(1) recursion along the features), and y = Xβ* + noise with
/// `support` non-zero coefficients.
struct LassoData {
    var n: Int
    var p: Int
    var x: [Double]
    var y: [Double]

    init(n: Int, p: Int, correlation rho: Double = 0.5, support: Int = 5, noise: Double = 0.1,
         seed: UInt64 = 1, xOffset: Double = 0, yOffset: Double = 0) {
        var rng = SplitMix64(seed: seed)
        self.n = n
        self.p = p
        x = [Double](repeating: 0, count: n * p)
        let scale = (1 - rho * rho).squareRoot()
        for i in 0..<n {
            var previous = gaussian(&rng)
            x[i] = previous + xOffset
            for j in 1..<max(p, 1) where j < p {
                previous = rho * previous + scale * gaussian(&rng)
                x[j * n + i] = previous + xOffset
            }
        }
        var betaStar = [Double](repeating: 0, count: p)
        for k in 0..<min(support, p) { betaStar[(k * 7919) % p] = (k % 2 == 0 ? 1 : -1) * (1 + Double(k) / 2) }
        y = [Double](repeating: yOffset, count: n)
        for j in 0..<p where betaStar[j] != 0 {
            for i in 0..<n { y[i] += betaStar[j] * x[j * n + i] }
        }
        for i in 0..<n { y[i] += noise * gaussian(&rng) }
    }

    func solve(_ penalty: ElasticNetPenalty, _ options: CoordinateDescentOptions = .init(),
               warmStart: [Double]? = nil, progress: ProgressObserver = .silent) throws -> CoordinateDescentResult {
        try solveElasticNet(columnMajor: x, rows: n, columns: p, target: y, penalty: penalty, options: options,
                            warmStart: warmStart, progress: progress)
    }

    func lambdaMax(l1Ratio: Double = 1, weights: [Double]? = nil, fitIntercept: Bool = false,
                   positive: Bool = false) throws -> Double {
        try x.withUnsafeBufferPointer { xb in
            let d = try DenseColumnMajor(base: xb.baseAddress!, rows: n, columns: p, leadingDimension: n)
            return try y.withUnsafeBufferPointer {
                try Nonsmooth.lambdaMax(design: d, target: $0, l1Ratio: l1Ratio, weights: weights,
                                        fitIntercept: fitIntercept, positive: positive)
            }
        }
    }
}

func gaussian(_ rng: inout SplitMix64) -> Double {
    // Box–Muller.
    let u = Double.random(in: Double.ulpOfOne..<1, using: &rng), v = Double.random(in: 0..<1, using: &rng)
    return (-2 * Glibc.log(u)).squareRoot() * Glibc.cos(2 * Double.pi * v)
}

/// Column-major dense → CSC with 64-bit indices.
struct CSC {
    var values: [Double] = []
    var rowIndices: [Int32] = []
    var columnPointers: [Int64] = [0]

    init(dense x: [Double], rows n: Int, columns p: Int) {
        for j in 0..<p {
            for i in 0..<n where x[j * n + i] != 0 {
                values.append(x[j * n + i])
                rowIndices.append(Int32(i))
            }
            columnPointers.append(Int64(values.count))
        }
    }

    func solve(rows: Int, columns: Int, y: [Double], _ pen: ElasticNetPenalty,
               _ options: CoordinateDescentOptions) throws -> CoordinateDescentResult {
        try values.withUnsafeBufferPointer { v in
            try rowIndices.withUnsafeBufferPointer { ri in
                try columnPointers.withUnsafeBufferPointer { cp in
                    let design = try SparseCSC(values: v.baseAddress!, rowIndices: ri.baseAddress!,
                                               columnPointers: cp.baseAddress!, rows: rows, columns: columns,
                                               nonzeros: v.count)
                    return try y.withUnsafeBufferPointer {
                        try solveElasticNet(design: design, target: $0, penalty: pen, options: options)
                    }
                }
            }
        }
    }
}
