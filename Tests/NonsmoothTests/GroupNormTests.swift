import XCTest
@testable import Nonsmooth

/// Group lasso and sparse-group lasso penalties: proxes against their exact
/// optimality conditions, subgradients against minimality and the definition.
final class GroupNormTests: XCTestCase {
    /// Non-contiguous groups on 11 coordinates; coordinates 3 and 9 are in no group.
    func scatteredGroups() throws -> Groups {
        try Groups(pointers: [0, 3, 4, 7, 9], indices: [0, 5, 10, 2, 1, 4, 8, 6, 7])
    }
    let ungrouped = [3, 9]

    func norm(_ x: [Double], _ members: ArraySlice<Int>) -> Double {
        members.reduce(0) { $0 + x[$1] * x[$1] }.squareRoot()
    }

    /// g ∈ ∂f(x) for f = λ₁‖·‖₁ + λ₂Σ w_g‖·_g‖₂, from the exact characterization:
    /// on a nonzero group g − λ₂w x_g/‖x_g‖ must lie in λ₁∂‖x_g‖₁; on a zero group
    /// the distance from g_g to λ₁[−1,1]^|g|, i.e. ‖soft(g_g, λ₁)‖, is ≤ λ₂w; on
    /// ungrouped coordinates g must lie in λ₁∂|xᵢ|.
    func assertInSubdifferential(_ g: [Double], at x: [Double], l1: Double, group: Double,
                                 groups: Groups, weights: [Double], tolerance: Double = 1e-10,
                                 file: StaticString = #filePath, line: UInt = #line) {
        func assertL1(_ r: Double, _ xi: Double) {
            if xi > 0 { XCTAssertEqual(r, l1, accuracy: tolerance, file: file, line: line) }
            else if xi < 0 { XCTAssertEqual(r, -l1, accuracy: tolerance, file: file, line: line) }
            else { XCTAssertLessThanOrEqual(abs(r), l1 + tolerance, file: file, line: line) }
        }
        var grouped = Set<Int>()
        for k in 0..<groups.count {
            let m = groups.members(k)
            grouped.formUnion(m)
            let nx = norm(x, m)
            let c = group * weights[k]
            if nx > 0 {
                for i in m { assertL1(g[i] - c * x[i] / nx, x[i]) }
            } else {
                let distance = m.reduce(0.0) { let s = softThreshold(g[$1], l1); return $0 + s * s }.squareRoot()
                XCTAssertLessThanOrEqual(distance, c + tolerance, file: file, line: line)
            }
        }
        for i in x.indices where !grouped.contains(i) { assertL1(g[i], x[i]) }
    }

    func testGroupL2ProxOptimality() throws {
        var rng = SplitMix64(seed: 21)
        let groups = try scatteredGroups()
        for lambda in [0.0, 0.3, 1.5] {
            for weights in [nil, [1.0, 0.0, 2.0, 0.5]] {
                let f = try GroupL2Norm(strength: lambda, groups: groups, weights: weights)
                let w = f.weights
                for _ in 0..<50 {
                    let v = Bool.random(using: &rng) ? randomVector(11, using: &rng) : tiedVector(11, levels: 1, using: &rng)
                    let t = [0.2, 1.0, 3.0][Int.random(in: 0..<3, using: &rng)]
                    let p = try f.prox(v, step: t)
                    let g = zip(v, p).map { ($0 - $1) / t }
                    assertInSubdifferential(g, at: p, l1: 0, group: lambda, groups: groups, weights: w)
                    for i in ungrouped { XCTAssertEqual(p[i], v[i]) }
                    let s = try f.subgradient(p)
                    assertInSubdifferential(s, at: p, l1: 0, group: lambda, groups: groups, weights: w)
                    XCTAssertLessThanOrEqual(certNorm(s), certNorm(g) + 1e-12, "minimal norm")
                    try assertSubgradientInequality(f, x: p, g: s, probes: 30, using: &rng)
                }
            }
        }
        XCTAssertEqual(try GroupL2Norm(strength: 1, groups: groups, weights: nil).weights,
                       [Double(3).squareRoot(), 1, Double(3).squareRoot(), Double(2).squareRoot()], "default weights √|g|")
    }

    func testGroupL2ClosedForms() throws {
        let f = try GroupL2Norm(strength: 1, groups: try Groups(sizes: [2, 1]), weights: [1, 1])
        XCTAssertLessThanOrEqual(certMaxAbsDiff(try f.prox([3, 4, -0.5], step: 1), [2.4, 3.2, 0]), 1e-15)
        XCTAssertEqual(try f.value([3, 4, -2]), 7)
        XCTAssertEqual(try f.subgradient([0, 0, -2]), [0, 0, -1])
        XCTAssertEqual(try f.prox([1e300, 1e300, 0], step: 1)[0], 1e300, accuracy: 1e286, "no overflow")
        XCTAssertEqual(try f.prox([1e-300, 0, 0], step: 1e-301)[0], 9e-301, accuracy: 0x1p-1030, "no underflow")
    }

    func testGroupL2Validation() throws {
        let groups = try scatteredGroups()
        assertInvalidArgument("weights") { _ = try GroupL2Norm(strength: 1, groups: groups, weights: [1, 1]) }
        assertInvalidArgument("weights") { _ = try GroupL2Norm(strength: 1, groups: groups, weights: [1, 1, -1, 1]) }
        assertInvalidArgument("strength") { _ = try GroupL2Norm(strength: .nan, groups: groups, weights: nil) }
        let f = try GroupL2Norm(strength: 1, groups: groups, weights: nil)
        assertInvalidArgument("groups") { try f.validate(length: 10) }
        assertInvalidArgument("groups") { _ = try f.prox([1, 2, 3]) }
        var v = [Double](repeating: 1, count: 3)
        var out = v
        // Unvalidated buffer calls do not read out of range.
        try v.withUnsafeBufferPointer { vb in
            try out.withUnsafeMutableBufferPointer { ob in
                XCTAssertThrowsError(try f.prox(vb, step: 1, into: ob))
                XCTAssertTrue(f.value(vb).isNaN)
            }
        }
        v = []
        XCTAssertThrowsError(try f.prox(v))
    }

    func testSparseGroupProxOptimality() throws {
        var rng = SplitMix64(seed: 22)
        let groups = try scatteredGroups()
        for (l1, l2) in [(0.0, 0.0), (0.5, 0.0), (0.0, 0.7), (0.3, 0.6), (1.2, 0.2)] {
            for weights in [nil, [1.0, 0.0, 2.0, 0.5]] {
                let f = try SparseGroupNorm(l1Strength: l1, groupStrength: l2, groups: groups, weights: weights)
                let w = f.weights
                for _ in 0..<50 {
                    let v = Bool.random(using: &rng) ? randomVector(11, using: &rng) : tiedVector(11, levels: 2, using: &rng)
                    let t = [0.2, 1.0, 3.0][Int.random(in: 0..<3, using: &rng)]
                    let p = try f.prox(v, step: t)
                    let g = zip(v, p).map { ($0 - $1) / t }
                    assertInSubdifferential(g, at: p, l1: l1, group: l2, groups: groups, weights: w)
                    for i in ungrouped { XCTAssertEqual(p[i], softThreshold(v[i], t * l1)) }
                    let s = try f.subgradient(p)
                    assertInSubdifferential(s, at: p, l1: l1, group: l2, groups: groups, weights: w)
                    XCTAssertLessThanOrEqual(certNorm(s), certNorm(g) + 1e-12, "minimal norm")
                    try assertSubgradientInequality(f, x: p, g: s, probes: 30, using: &rng)
                    // The prox objective is not beaten by perturbations.
                    let best = try proxObjective(f, p, v, t)
                    for _ in 0..<20 {
                        var y = p
                        for i in y.indices { y[i] += 1e-3 * Double.random(in: -1...1, using: &rng) }
                        XCTAssertGreaterThanOrEqual(try proxObjective(f, y, v, t), best - 1e-12)
                    }
                }
            }
        }
    }

    func testSparseGroupReducesToItsParts() throws {
        var rng = SplitMix64(seed: 23)
        let groups = try scatteredGroups()
        for _ in 0..<30 {
            let v = randomVector(11, using: &rng)
            let onlyGroup = try SparseGroupNorm(l1Strength: 0, groupStrength: 0.8, groups: groups, weights: nil)
            XCTAssertEqual(try onlyGroup.prox(v, step: 0.7),
                           try GroupL2Norm(strength: 0.8, groups: groups, weights: nil).prox(v, step: 0.7))
            let onlyL1 = try SparseGroupNorm(l1Strength: 0.6, groupStrength: 0, groups: groups, weights: nil)
            XCTAssertEqual(try onlyL1.prox(v, step: 0.7), try L1Norm(strength: 0.6).prox(v, step: 0.7))
            XCTAssertEqual(try onlyL1.value(v), try L1Norm(strength: 0.6).value(v), accuracy: 1e-12)
        }
        // Closed form: one group [3, 4], λ₁ = 1, λ₂w = 1, t = 1 → soft = [2, 3], scale 1 − 1/√13.
        let f = try SparseGroupNorm(l1Strength: 1, groupStrength: 1, groups: try Groups(sizes: [2]), weights: [1])
        let p = try f.prox([3, 4])
        let s = 1 - 1 / 13.0.squareRoot()
        XCTAssertEqual(p[0], 2 * s, accuracy: 1e-15)
        XCTAssertEqual(p[1], 3 * s, accuracy: 1e-15)
        XCTAssertEqual(try f.subgradient([0, 2]), [0, 2])
        XCTAssertEqual(try f.subgradient([0, 0]), [0, 0])
        XCTAssertThrowsError(try f.prox([Double](), step: 1), "the groups need coordinates 0 and 1")
    }

    func testSparseGroupValidation() throws {
        let groups = try scatteredGroups()
        assertInvalidArgument("l1Strength") { _ = try SparseGroupNorm(l1Strength: -1, groupStrength: 1, groups: groups, weights: nil) }
        assertInvalidArgument("groupStrength") { _ = try SparseGroupNorm(l1Strength: 1, groupStrength: .infinity, groups: groups, weights: nil) }
        assertInvalidArgument("weights") { _ = try SparseGroupNorm(l1Strength: 1, groupStrength: 1, groups: groups, weights: [1, 2, 3, 4, 5]) }
        let f = try SparseGroupNorm(l1Strength: 1, groupStrength: 1, groups: groups, weights: nil)
        assertInvalidArgument("groups") { try f.validate(length: 4) }
    }
}
