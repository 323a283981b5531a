#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension Datafits {
    /// F(η) = Σᵢ sᵢ (e^{ηᵢ} − yᵢηᵢ) / S, S = Σᵢ sᵢ, yᵢ ≥ 0: the Poisson negative
    /// log-likelihood with log link. It differs from scikit-learn's
    /// `PoissonRegressor` loss (half the mean Poisson deviance) by a constant.
    ///
    /// gᵢ = (sᵢ/S)(μᵢ − yᵢ) with μᵢ = e^{ηᵢ}; the curvature (sᵢ/S)μᵢ has no
    /// global bound, so `hasCurvatureBound` is false: the engine runs proximal
    /// Newton steps and backtracks its coordinate steps (skglm's `Poisson` runs
    /// only under its `ProxNewton` solver for the same reason), and Gap Safe
    /// screening is off. With cᵢ = sᵢ/S and uᵢ = θᵢ + cᵢyᵢ,
    /// F*(θ) = Σᵢ uᵢ log(uᵢ/cᵢ) − uᵢ, finite only when every uᵢ ≥ 0 (θᵢ = 0 where
    /// sᵢ = 0); at θ = g, uᵢ = cᵢμᵢ > 0.
    public struct Poisson: PointwiseDatafit {
        public let y: [Double]
        let sampleWeights: SampleWeights

        /// Targets must be finite and ≥ 0 (counts, or rates with weights).
        public init(target y: [Double], sampleWeights: [Double]? = nil) throws {
            for (i, v) in y.enumerated() where !(v.isFinite && v >= 0) {
                throw NonsmoothError.invalidArgument(name: "y", reason: "entry \(i) is \(v); Poisson targets must be finite and ≥ 0")
            }
            self.y = y
            self.sampleWeights = try SampleWeights(sampleWeights, samples: y.count)
        }

        public var weights: [Double] { sampleWeights.values }
        public var totalWeight: Double { sampleWeights.total }

        public var samples: Int { y.count }
        public var hasCurvatureBound: Bool { false }

        /// φᵢ′(e) = e^e − yᵢ.
        @inline(__always)
        public func derivative(_ i: Int, _ e: Double) -> Double { exp(e) - y[i] }

        public func value(_ eta: UnsafePointer<Double>) -> Double {
            var s = 0.0
            for i in 0..<y.count where weights[i] > 0 { s += weights[i] * (exp(eta[i]) - y[i] * eta[i]) }
            return s / totalWeight
        }

        /// hᵢ = (sᵢ/S)μᵢ.
        public func curvature(_ eta: UnsafePointer<Double>, into h: UnsafeMutablePointer<Double>) -> Bool {
            let inv = 1 / totalWeight
            for i in 0..<y.count { h[i] = weights[i] * inv * exp(eta[i]) }
            return true
        }

        /// Not a bound (there is none): the curvature at η = 0, a starting scale only.
        public func curvatureBound(into h: UnsafeMutablePointer<Double>) {
            for i in 0..<y.count { h[i] = weights[i] / totalWeight }
        }

        public var uniformCurvatureBound: Double? { nil }

        /// Σᵢ (sᵢ/S)μᵢ x_ij², read from the gradient: (sᵢ/S)μᵢ = gᵢ + (sᵢ/S)yᵢ.
        public func coordinateCurvature<X: EntryDesign>(_ design: X, column j: Int, eta: UnsafePointer<Double>,
                                                        gradient g: UnsafePointer<Double>) -> Double {
            let inv = 1 / totalWeight
            var s = 0.0
            y.withUnsafeBufferPointer { y in
                weights.withUnsafeBufferPointer { w in
                    design.forEachEntry(j) { i, x in s += max(g[i] + w[i] * inv * y[i], 0) * x * x }
                }
            }
            return s
        }

        /// Σᵢ (sᵢ/S)(μᵢ(e^{δx_ij} − 1) − yᵢδx_ij) over the entries of column j.
        public func coordinateChange<X: EntryDesign>(_ design: X, column j: Int, by delta: Double,
                                                     eta: UnsafePointer<Double>) -> Double {
            var s = 0.0
            y.withUnsafeBufferPointer { y in
                weights.withUnsafeBufferPointer { w in
                    design.forEachEntry(j) { i, x in
                        let d = delta * x
                        s += w[i] * (exp(eta[i]) * expm1(d) - y[i] * d)
                    }
                }
            }
            return s / totalWeight
        }

        public func conjugate(_ theta: UnsafePointer<Double>) -> Double {
            conjugateSum(theta) { i, w, t in
                let c = w / totalWeight
                // uᵢ = cᵢμᵢ may round below 0 when μᵢ underflows.
                let u = t + c * y[i]
                guard u >= -1e-12 * (abs(t) + c * y[i]) else { return .infinity }
                return u > 0 ? u * (log(u / c) - 1) : 0
            }
        }

        /// u ← u·(Σcᵢyᵢ)/(Σuᵢ) keeps u ≥ 0 and gives Σθ = 0; θ = 0 (u = cy)
        /// when u vanishes.
        public func centerDual(_ theta: UnsafeMutablePointer<Double>) {
            let inv = 1 / totalWeight
            var target = 0.0, total = 0.0
            for i in 0..<y.count {
                let cy = weights[i] * inv * y[i]
                target += cy
                total += theta[i] + cy
            }
            guard total > 0, total.isFinite else {
                theta.update(repeating: 0, count: y.count)
                return
            }
            let k = target / total
            for i in 0..<y.count {
                let cy = weights[i] * inv * y[i]
                theta[i] = max(theta[i] + cy, 0) * k - cy
            }
        }
    }
}
