extension Datafits {
    /// F(η) = Σᵢ sᵢ (yᵢ − ηᵢ)² / (2S), S = Σᵢ sᵢ: the least-squares loss of
    /// scikit-learn's Lasso (sᵢ = 1: ‖y − η‖²/(2n)).
    ///
    /// gᵢ = sᵢ(ηᵢ − yᵢ)/S is affine in η, so the epochs update g alone (one
    /// axpy per move) and F is read from g: F = Σ_{sᵢ>0} S gᵢ²/(2sᵢ).
    /// Conjugate: F*(θ) = Σᵢ θᵢyᵢ + S θᵢ²/(2sᵢ), with θᵢ = 0 required where sᵢ = 0.
    public struct Quadratic: Datafit {
        public let y: [Double]
        let sampleWeights: SampleWeights

        /// `weights` (nil: all 1) must be finite, ≥ 0, with a positive sum.
        public init(target y: [Double], sampleWeights: [Double]? = nil) throws {
            for (i, v) in y.enumerated() where !v.isFinite {
                throw NonsmoothError.invalidArgument(name: "y", reason: "entry \(i) is \(v); it must be finite")
            }
            self.y = y
            self.sampleWeights = try SampleWeights(sampleWeights, samples: y.count)
        }

        public var weights: [Double] { sampleWeights.values }
        public var totalWeight: Double { sampleWeights.total }
        var uniform: Bool { sampleWeights.uniform }

        public var samples: Int { y.count }
        public var maintainsPredictor: Bool { false }

        public func gradient(_ eta: UnsafePointer<Double>, into g: UnsafeMutablePointer<Double>) {
            let inv = 1 / totalWeight
            for i in 0..<y.count { g[i] = weights[i] * inv * (eta[i] - y[i]) }
        }

        public func value(eta: UnsafePointer<Double>, gradient g: UnsafePointer<Double>) -> Double {
            var s = 0.0
            if uniform {
                s = denseDot(g, g, y.count) / weights[0]
            } else {
                for i in 0..<y.count where weights[i] > 0 { s += g[i] * g[i] / weights[i] }
            }
            return s * totalWeight / 2
        }

        public func value(_ eta: UnsafePointer<Double>) -> Double {
            var s = 0.0
            for i in 0..<y.count {
                let d = y[i] - eta[i]
                s += weights[i] * d * d
            }
            return s / (2 * totalWeight)
        }

        public func curvatureBound(into h: UnsafeMutablePointer<Double>) {
            for i in 0..<y.count { h[i] = weights[i] / totalWeight }
        }

        public var uniformCurvatureBound: Double? { uniform ? weights.first.map { $0 / totalWeight } : nil }

        @inline(__always)
        public func step<X: EntryDesign>(_ design: X, column j: Int, by delta: Double,
                                         eta: UnsafeMutablePointer<Double>, gradient g: UnsafeMutablePointer<Double>) {
            if uniform {
                design.columnAxpy(j, delta * weights[0] / totalWeight, g)
            } else {
                let c = delta / totalWeight
                weights.withUnsafeBufferPointer { w in
                    design.forEachEntry(j) { i, x in g[i] += c * w[i] * x }
                }
            }
        }

        public func shift(by delta: Double, eta: UnsafeMutablePointer<Double>, gradient g: UnsafeMutablePointer<Double>) {
            let c = delta / totalWeight
            for i in 0..<y.count { g[i] += c * weights[i] }
        }

        public func conjugate(_ theta: UnsafePointer<Double>) -> Double {
            var s = 0.0
            for i in 0..<y.count {
                let t = theta[i]
                if weights[i] > 0 {
                    s += t * y[i] + totalWeight * t * t / (2 * weights[i])
                } else if t != 0 {
                    return .infinity
                }
            }
            return s
        }

        /// θ ← θ − (Σθ) s/S: zero sum, and still 0 where sᵢ = 0.
        public func centerDual(_ theta: UnsafeMutablePointer<Double>) {
            var m = 0.0
            for i in 0..<y.count { m += theta[i] }
            let c = m / totalWeight
            for i in 0..<y.count { theta[i] -= c * weights[i] }
        }
    }
}
