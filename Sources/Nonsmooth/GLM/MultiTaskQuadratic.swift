extension Datafits {
    /// F(H) = Σᵢ sᵢ‖Yᵢ − Hᵢ‖²/(2S), S = Σᵢ sᵢ, for an n×T target Y and
    /// predictions H = XW + 1bᵀ (W of p×T): the loss of scikit-learn's
    /// MultiTaskLasso and MultiTaskElasticNet (sᵢ = 1: ‖Y − H‖²_F/(2n)).
    ///
    /// Every n×T matrix is row-major (the T entries of sample i contiguous), so
    /// that one stored entry x_ij of a sparse column touches one contiguous block.
    /// The gradient is G = ∇F(H), Gᵢ = sᵢ(Hᵢ − Yᵢ)/S, and F is read from it:
    /// F = Σ_{sᵢ>0} S‖Gᵢ‖²/(2sᵢ). Conjugate: F*(Θ) = Σᵢ ⟨Θᵢ, Yᵢ⟩ + S‖Θᵢ‖²/(2sᵢ),
    /// with Θᵢ = 0 required where sᵢ = 0.
    public struct MultiTaskQuadratic {
        /// Y, n×T row-major.
        public let y: [Double]
        public let tasks: Int
        let sampleWeights: SampleWeights

        /// `y` holds n·T finite entries (row-major); `sampleWeights` (nil: all 1)
        /// must be finite, ≥ 0, with a positive sum.
        public init(target y: [Double], tasks: Int, sampleWeights: [Double]? = nil) throws {
            try require(tasks >= 1, "Y", "must have at least one task (column), got \(tasks)")
            try require(y.count % tasks == 0, "Y", "has \(y.count) entries, not a multiple of \(tasks) tasks")
            for (k, v) in y.enumerated() where !v.isFinite {
                throw NonsmoothError.invalidArgument(
                    name: "Y", reason: "entry (\(k / tasks), \(k % tasks)) is \(v); it must be finite")
            }
            self.y = y
            self.tasks = tasks
            self.sampleWeights = try SampleWeights(sampleWeights, samples: y.count / tasks)
        }

        public var samples: Int { y.count / tasks }
        public var weights: [Double] { sampleWeights.values }
        public var totalWeight: Double { sampleWeights.total }
        var uniform: Bool { sampleWeights.uniform }

        /// hᵢ = sᵢ/S, the curvature of F in Hᵢ (Σᵢ hᵢ = 1).
        func curvatures() -> [Double] { weights.map { $0 / totalWeight } }

        /// The weighted mean Σᵢ sᵢYᵢ/S of each task: the intercept of the zero model.
        func targetMeans() -> [Double] {
            var m = [Double](repeating: 0, count: tasks)
            for i in 0..<samples where weights[i] != 0 {
                let c = weights[i] / totalWeight
                for t in 0..<tasks { m[t] += c * y[i * tasks + t] }
            }
            return m
        }

        /// F at a consistent gradient G (n×T).
        public func value(gradient g: UnsafePointer<Double>) -> Double {
            let count = y.count
            if uniform { return denseDot(g, g, count) * totalWeight / (2 * weights[0]) }
            var s = 0.0
            for i in 0..<samples where weights[i] > 0 {
                s += denseDot(g + i * tasks, g + i * tasks, tasks) / weights[i]
            }
            return s * totalWeight / 2
        }

        /// F*(Θ) (+∞ when Θᵢ ≠ 0 for a sample of zero weight).
        public func conjugate(_ theta: UnsafePointer<Double>) -> Double {
            var s = 0.0
            for i in 0..<samples {
                let row = theta + i * tasks
                if weights[i] > 0 {
                    let q = denseDot(row, row, tasks)
                    var d = 0.0
                    for t in 0..<tasks { d += row[t] * y[i * tasks + t] }
                    s += d + totalWeight * q / (2 * weights[i])
                } else {
                    for t in 0..<tasks where row[t] != 0 { return .infinity }
                }
            }
            return s
        }

        /// Θ ← Θ − s(1ᵀΘ)/S task by task: every column sums to 0 (the intercept's
        /// dual constraint) and rows of zero weight stay 0.
        public func centerDual(_ theta: UnsafeMutablePointer<Double>) {
            var sums = [Double](repeating: 0, count: tasks)
            for i in 0..<samples {
                for t in 0..<tasks { sums[t] += theta[i * tasks + t] }
            }
            for i in 0..<samples where weights[i] != 0 {
                let c = weights[i] / totalWeight
                for t in 0..<tasks { theta[i * tasks + t] -= c * sums[t] }
            }
        }
    }
}
