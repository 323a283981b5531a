extension Datafits {
    /// F(η) = Σᵢ sᵢ h_δ(yᵢ − ηᵢ) / S, S = Σᵢ sᵢ, with Huber's function
    /// h_δ(r) = r²/2 for |r| ≤ δ and δ|r| − δ²/2 beyond (skglm's `Huber`; robust
    /// regression whose large residuals cost linearly).
    ///
    /// gᵢ = −(sᵢ/S) clip(yᵢ − ηᵢ, −δ, δ); curvature ≤ sᵢ/S (attained in the
    /// quadratic zone), so the coordinate Lipschitz constants are those of the
    /// quadratic. h_δ*(u) = u²/2 on |u| ≤ δ (+∞ beyond), hence
    /// F*(θ) = Σᵢ θᵢyᵢ + S θᵢ²/(2sᵢ), finite only when |θᵢ| ≤ δ sᵢ/S (θᵢ = 0
    /// where sᵢ = 0): the quadratic's conjugate on a box, which the gradient
    /// always lies in. The second derivative is a step function, so the engine
    /// runs plain coordinate descent (no proximal Newton).
    public struct Huber: PointwiseDatafit {
        public let y: [Double]
        public let delta: Double
        let sampleWeights: SampleWeights

        /// `delta` must be finite and > 0; y finite; weights as for `Quadratic`.
        public init(target y: [Double], delta: Double, sampleWeights: [Double]? = nil) throws {
            try require(delta.isFinite && delta > 0, "delta", "must be finite and > 0, got \(delta)")
            for (i, v) in y.enumerated() where !v.isFinite {
                throw NonsmoothError.invalidArgument(name: "y", reason: "entry \(i) is \(v); it must be finite")
            }
            self.y = y
            self.delta = delta
            self.sampleWeights = try SampleWeights(sampleWeights, samples: y.count)
        }

        public var weights: [Double] { sampleWeights.values }
        public var totalWeight: Double { sampleWeights.total }

        public var samples: Int { y.count }

        /// φᵢ′(e) = −clip(yᵢ − e, −δ, δ).
        @inline(__always)
        public func derivative(_ i: Int, _ e: Double) -> Double { -min(max(y[i] - e, -delta), delta) }

        public func value(_ eta: UnsafePointer<Double>) -> Double {
            var s = 0.0
            for i in 0..<y.count where weights[i] > 0 {
                let r = abs(y[i] - eta[i])
                s += weights[i] * (r <= delta ? r * r / 2 : delta * (r - delta / 2))
            }
            return s / totalWeight
        }

        public func curvatureBound(into h: UnsafeMutablePointer<Double>) {
            for i in 0..<y.count { h[i] = weights[i] / totalWeight }
        }

        public var uniformCurvatureBound: Double? { sampleWeights.uniform ? weights.first.map { $0 / totalWeight } : nil }

        public func conjugate(_ theta: UnsafePointer<Double>) -> Double {
            conjugateSum(theta) { i, w, t in
                // |θᵢ| ≤ δsᵢ/S, up to the rounding of the scaled gradient.
                let bound = delta * w / totalWeight
                guard abs(t) <= bound * (1 + 1e-12) else { return .infinity }
                let c = min(max(t, -bound), bound)
                return c * y[i] + totalWeight * c * c / (2 * w)
            }
        }

        /// The box |θᵢ| ≤ δsᵢ/S is symmetric: scaling the larger of the positive
        /// and negative parts down to the other gives Σθ = 0 inside it.
        public func centerDual(_ theta: UnsafeMutablePointer<Double>) {
            balanceSigns(theta, count: y.count)
        }
    }
}

/// Scales the larger of Σ_{θᵢ>0} θᵢ and Σ_{θᵢ<0} |θᵢ| down to the other, so
/// that Σθ = 0; every entry moves toward 0 (a box or interval around 0 holding
/// θ still holds it).
func balanceSigns(_ theta: UnsafeMutablePointer<Double>, count n: Int) {
    var positive = 0.0, negative = 0.0
    for i in 0..<n {
        if theta[i] > 0 { positive += theta[i] } else { negative -= theta[i] }
    }
    guard positive != negative else { return }
    if positive > negative {
        let c = negative / positive
        for i in 0..<n where theta[i] > 0 { theta[i] *= c }
    } else {
        let c = positive / negative
        for i in 0..<n where theta[i] < 0 { theta[i] *= c }
    }
}
