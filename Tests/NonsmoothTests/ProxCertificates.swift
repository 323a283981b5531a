import XCTest
@testable import Nonsmooth

// Helpers shared by the tests of the non-separable operators (projections,
// group norms, total variation, matrix operators). Each is an independent
// fact about the mathematics, not a re-run of the code under test.

func certDot(_ a: [Double], _ b: [Double]) -> Double {
    var s = 0.0
    for i in a.indices { s += a[i] * b[i] }
    return s
}

func certNorm(_ a: [Double]) -> Double { certDot(a, a).squareRoot() }

func certMaxAbsDiff(_ a: [Double], _ b: [Double]) -> Double {
    var m = 0.0
    for i in a.indices { m = max(m, abs(a[i] - b[i])) }
    return m
}

/// Checks g ∈ ∂f(x) on random probes from the definition of the convex
/// subdifferential, f(y) ≥ f(x) + gᵀ(y − x): far probes, near probes, and probes
/// along coordinate directions.
func assertSubgradientInequality<F: ProximalOperator>(
    _ f: F, x: [Double], g: [Double], probes: Int = 200, using rng: inout SplitMix64,
    tolerance: Double = 1e-9, _ message: String = "", file: StaticString = #filePath, line: UInt = #line
) throws {
    let fx = try f.value(x)
    let n = x.count
    if n == 0 { return }
    for k in 0..<probes {
        var y = x
        switch k % 3 {
        case 0:
            y = randomVector(n, scale: 4, using: &rng)
        case 1:
            let eps = [1e-6, 1e-3, 0.1][Int.random(in: 0..<3, using: &rng)]
            for i in 0..<n { y[i] += eps * Double.random(in: -1...1, using: &rng) }
        default:
            let i = Int.random(in: 0..<n, using: &rng)
            y[i] += Double.random(in: -1...1, using: &rng)
        }
        let fy = try f.value(y)
        if fy == .infinity { continue }
        var inner = 0.0
        for i in 0..<n { inner += g[i] * (y[i] - x[i]) }
        let scale = 1 + abs(fx) + abs(fy) + abs(inner)
        XCTAssertGreaterThanOrEqual(fy, fx + inner - tolerance * scale,
                                    "subgradient inequality fails \(message)", file: file, line: line)
    }
}

/// The variational inequality of a projection p = P_C(v): (v − p)ᵀ(y − p) ≤ 0 for
/// every y in C. When `points` are the extreme points of a polytope C, passing
/// for all of them proves p is the projection (given p ∈ C).
func assertProjectionInequality(v: [Double], p: [Double], points: [[Double]], tolerance: Double = 1e-10,
                                _ message: String = "", file: StaticString = #filePath, line: UInt = #line) {
    var r = [Double](repeating: 0, count: v.count)
    for i in v.indices { r[i] = v[i] - p[i] }
    let scale = 1 + certNorm(r) * (1 + certNorm(p))
    for y in points {
        var s = 0.0
        for i in v.indices { s += r[i] * (y[i] - p[i]) }
        XCTAssertLessThanOrEqual(s, tolerance * scale, "projection inequality fails \(message)", file: file, line: line)
    }
}

/// A random vector with many exact ties (small integers, possibly scaled).
func tiedVector(_ n: Int, levels: Int = 4, scale: Double = 1, using rng: inout SplitMix64) -> [Double] {
    (0..<n).map { _ in scale * Double(Int.random(in: -levels...levels, using: &rng)) }
}

func assertInvalidArgument(_ name: String, file: StaticString = #filePath, line: UInt = #line,
                           _ body: () throws -> Void) {
    do {
        try body()
        XCTFail("expected invalidArgument(\(name))", file: file, line: line)
    } catch let NonsmoothError.invalidArgument(got, _) {
        XCTAssertEqual(got, name, file: file, line: line)
    } catch {
        XCTFail("expected invalidArgument(\(name)), got \(error)", file: file, line: line)
    }
}
