import XCTest
@testable import Nonsmooth

// Tests draw from the core's SplitMix64, so they need no seeds from Foundation.

func randomVector(_ n: Int, scale: Double = 3, using rng: inout SplitMix64) -> [Double] {
    (0..<n).map { _ in Double.random(in: -scale...scale, using: &rng) }
}

/// The prox objective f(x) + ‖x − v‖²/(2t).
func proxObjective<F: ProximalOperator>(_ f: F, _ x: [Double], _ v: [Double], _ t: Double) throws -> Double {
    var d = 0.0
    for i in x.indices { d += (x[i] - v[i]) * (x[i] - v[i]) }
    return try f.value(x) + d / (2 * t)
}

/// Global minimizer of a scalar function on [lo, hi] by a dense grid followed by
/// golden-section refinement around the best grid point: an oracle that knows
/// nothing about the closed forms under test.
func bruteForceMinimize(_ h: (Double) -> Double, lo: Double, hi: Double, points: Int = 20_001) -> Double {
    let dx = (hi - lo) / Double(points - 1)
    var best = lo, bestValue = h(lo)
    for k in 1..<points {
        let x = lo + Double(k) * dx
        let y = h(x)
        if y < bestValue { best = x; bestValue = y }
    }
    var a = best - dx, b = best + dx
    let r = (5.0.squareRoot() - 1) / 2
    for _ in 0..<200 {
        let c = b - r * (b - a), d = a + r * (b - a)
        if h(c) < h(d) { b = d } else { a = c }
    }
    let refined = (a + b) / 2
    // The kink may be exactly at a grid point (e.g. 0); keep whichever is lower.
    return h(refined) < bestValue ? refined : best
}
