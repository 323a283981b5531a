#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension Datafits {
    /// F(η) = Σᵢ sᵢ log(1 + exp(−yᵢηᵢ)) / S with labels yᵢ ∈ {−1, +1} and
    /// S = Σᵢ sᵢ (sᵢ = 1: the mean logistic loss).
    ///
    /// gᵢ = −(sᵢ/S) yᵢ σ(−yᵢηᵢ); curvature ≤ sᵢ/(4S). With φ(z) = log(1 + e^{−z}),
    /// φ*(u) = (−u)log(−u) + (1 + u)log(1 + u) on [−1, 0], and
    /// F*(θ) = Σᵢ (sᵢ/S) φ*(S yᵢθᵢ/sᵢ), finite only when every aᵢ = −S yᵢθᵢ/sᵢ
    /// lies in [0, 1] (θᵢ = 0 where sᵢ = 0). The gradient has aᵢ = σ(−yᵢηᵢ) ∈ (0, 1).
    public struct Logistic: Datafit {
        public let y: [Double]
        let sampleWeights: SampleWeights

        /// Labels must be exactly −1 or +1.
        public init(labels y: [Double], sampleWeights: [Double]? = nil) throws {
            for (i, v) in y.enumerated() where v != 1 && v != -1 {
                throw NonsmoothError.invalidArgument(name: "y", reason: "entry \(i) is \(v); labels must be -1 or +1")
            }
            self.y = y
            self.sampleWeights = try SampleWeights(sampleWeights, samples: y.count)
        }

        public var weights: [Double] { sampleWeights.values }
        public var totalWeight: Double { sampleWeights.total }
        var uniform: Bool { sampleWeights.uniform }

        public var samples: Int { y.count }
        public var maintainsPredictor: Bool { true }

        public func gradient(_ eta: UnsafePointer<Double>, into g: UnsafeMutablePointer<Double>) {
            let inv = 1 / totalWeight
            for i in 0..<y.count { g[i] = -weights[i] * inv * y[i] * LogisticLoss.sigmoidOfNegative(y[i] * eta[i]) }
        }

        public func value(eta: UnsafePointer<Double>, gradient g: UnsafePointer<Double>) -> Double {
            value(eta)
        }

        public func value(_ eta: UnsafePointer<Double>) -> Double {
            var s = 0.0
            for i in 0..<y.count where weights[i] > 0 { s += weights[i] * LogisticLoss.softplusOfNegative(y[i] * eta[i]) }
            return s / totalWeight
        }

        /// hᵢ = (sᵢ/S) σ(yᵢηᵢ) σ(−yᵢηᵢ).
        public func curvature(_ eta: UnsafePointer<Double>, into h: UnsafeMutablePointer<Double>) -> Bool {
            let inv = 1 / totalWeight
            for i in 0..<y.count {
                let q = LogisticLoss.sigmoidOfNegative(y[i] * eta[i])
                h[i] = weights[i] * inv * q * (1 - q)
            }
            return true
        }

        public func curvatureBound(into h: UnsafeMutablePointer<Double>) {
            for i in 0..<y.count { h[i] = weights[i] / (4 * totalWeight) }
        }

        public var uniformCurvatureBound: Double? { uniform ? weights.first.map { $0 / (4 * totalWeight) } : nil }

        @inline(__always)
        public func step<X: EntryDesign>(_ design: X, column j: Int, by delta: Double,
                                         eta: UnsafeMutablePointer<Double>, gradient g: UnsafeMutablePointer<Double>) {
            let inv = 1 / totalWeight
            y.withUnsafeBufferPointer { y in
                weights.withUnsafeBufferPointer { w in
                    design.forEachEntry(j) { i, x in
                        let e = eta[i] + delta * x
                        eta[i] = e
                        g[i] = -w[i] * inv * y[i] * LogisticLoss.sigmoidOfNegative(y[i] * e)
                    }
                }
            }
        }

        public func shift(by delta: Double, eta: UnsafeMutablePointer<Double>, gradient g: UnsafeMutablePointer<Double>) {
            for i in 0..<y.count { eta[i] += delta }
            gradient(eta, into: g)
        }

        public func conjugate(_ theta: UnsafePointer<Double>) -> Double {
            var s = 0.0
            for i in 0..<y.count {
                let w = weights[i]
                if w == 0 {
                    if theta[i] != 0 { return .infinity }
                    continue
                }
                var a = -totalWeight * y[i] * theta[i] / w
                // Rounding of the scaled gradient may leave a by an ulp or so.
                guard a >= -1e-12 && a <= 1 + 1e-12 else { return .infinity }
                a = min(max(a, 0), 1)
                let entropy = (a > 0 ? a * log(a) : 0) + (a < 1 ? (1 - a) * log(1 - a) : 0)
                s += w * entropy
            }
            return s / totalWeight
        }

        /// θᵢ = −(sᵢ/S) yᵢ aᵢ with aᵢ ∈ [0, 1]: Σθ = 0 when Σ_{y=+1} sᵢaᵢ =
        /// Σ_{y=−1} sᵢaᵢ, so the larger class sum is scaled down to the smaller
        /// (aᵢ stays in [0, 1]).
        public func centerDual(_ theta: UnsafeMutablePointer<Double>) {
            var positive = 0.0, negative = 0.0
            for i in 0..<y.count {
                if y[i] > 0 { positive -= theta[i] } else { negative += theta[i] }
            }
            guard positive != negative else { return }
            if positive > negative {
                let c = positive > 0 ? negative / positive : 0
                for i in 0..<y.count where y[i] > 0 { theta[i] *= c }
            } else {
                let c = negative > 0 ? positive / negative : 0
                for i in 0..<y.count where y[i] < 0 { theta[i] *= c }
            }
        }
    }
}
