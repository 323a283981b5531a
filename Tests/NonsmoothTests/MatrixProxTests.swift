import XCTest
@testable import Nonsmooth

/// Nuclear norm and PSD cone, checked on matrices built from known factors
/// (random orthogonal matrices by Gram–Schmidt, independent of LAPACK), on
/// diagonal matrices, and through the optimality conditions.
final class MatrixProxTests: XCTestCase {
    /// A random m×k matrix with orthonormal columns (column-major, k ≤ m), by
    /// twice-repeated modified Gram–Schmidt.
    func orthonormalColumns(_ m: Int, _ k: Int, using rng: inout SplitMix64) -> [[Double]] {
        var q: [[Double]] = []
        while q.count < k {
            var v = randomVector(m, scale: 1, using: &rng)
            for _ in 0..<2 {
                for u in q {
                    let c = certDot(u, v)
                    for i in 0..<m { v[i] -= c * u[i] }
                }
            }
            let nv = certNorm(v)
            if nv > 1e-8 { q.append(v.map { $0 / nv }) }
        }
        return q
    }

    /// Row-major m×n matrix Σⱼ sⱼ uⱼ vⱼᵀ.
    func compose(_ u: [[Double]], _ s: [Double], _ v: [[Double]], _ m: Int, _ n: Int) -> [Double] {
        var x = [Double](repeating: 0, count: m * n)
        for j in s.indices {
            for r in 0..<m { for c in 0..<n { x[r * n + c] += s[j] * u[j][r] * v[j][c] } }
        }
        return x
    }

    func transpose(_ x: [Double], _ m: Int, _ n: Int) -> [Double] {
        var t = [Double](repeating: 0, count: m * n)
        for r in 0..<m { for c in 0..<n { t[c * m + r] = x[r * n + c] } }
        return t
    }

    /// Spectral norm by power iteration on XᵀX (independent of LAPACK).
    func spectralNorm(_ x: [Double], _ m: Int, _ n: Int, using rng: inout SplitMix64) -> Double {
        var v = randomVector(n, scale: 1, using: &rng)
        var sigma = 0.0
        for _ in 0..<3000 {
            var w = [Double](repeating: 0, count: m)
            for r in 0..<m { for c in 0..<n { w[r] += x[r * n + c] * v[c] } }
            var z = [Double](repeating: 0, count: n)
            for r in 0..<m { for c in 0..<n { z[c] += x[r * n + c] * w[r] } }
            let nz = certNorm(z)
            if nz == 0 { return 0 }
            sigma = certNorm(w)
            v = z.map { $0 / nz }
        }
        return sigma
    }

    // MARK: Nuclear norm

    func testNuclearNormOnKnownFactors() throws {
        var rng = SplitMix64(seed: 41)
        for (m, n) in [(1, 1), (1, 5), (5, 1), (3, 3), (4, 7), (8, 3), (10, 10)] {
            for _ in 0..<5 {
                let k = min(m, n)
                let rank = Int.random(in: 0...k, using: &rng)
                let u = orthonormalColumns(m, rank, using: &rng), v = orthonormalColumns(n, rank, using: &rng)
                let s = (0..<rank).map { _ in Double.random(in: 0.1...5, using: &rng) }
                let x = compose(u, s, v, m, n)
                let lambda = 0.7, t = 1.3, tau = lambda * t
                let f = try NuclearNorm(strength: lambda)
                XCTAssertEqual(try f.value(x.withUnsafeBufferPointer { $0 }, rows: m, columns: n),
                               lambda * s.reduce(0, +), accuracy: 1e-12 * (1 + s.reduce(0, +)))
                let p = try f.prox(x, rows: m, columns: n, step: t)
                let expected = compose(u, s.map { max($0 - tau, 0) }, v, m, n)
                XCTAssertLessThanOrEqual(certMaxAbsDiff(p, expected), 1e-12 * 10, "\(m)×\(n) rank \(rank)")
                // Minimal-norm subgradient λ Uᵣ Vᵣᵀ.
                var g = [Double](repeating: .nan, count: m * n)
                try x.withUnsafeBufferPointer { xb in
                    try g.withUnsafeMutableBufferPointer { try f.subgradient(xb, rows: m, columns: n, into: $0) }
                }
                let expectedG = compose(u, [Double](repeating: lambda, count: rank), v, m, n)
                XCTAssertLessThanOrEqual(certMaxAbsDiff(g, expectedG), 1e-10, "\(m)×\(n) rank \(rank)")
            }
        }
    }

    func testNuclearNormDiagonalAndTranspose() throws {
        let f = try NuclearNorm(strength: 1)
        // diag(3, −2, 0.5) padded to 3×4: singular values 3, 2, 0.5.
        var d = [Double](repeating: 0, count: 12)
        d[0] = 3; d[5] = -2; d[10] = 0.5
        var expected = [Double](repeating: 0, count: 12)
        expected[0] = 2; expected[5] = -1
        XCTAssertLessThanOrEqual(certMaxAbsDiff(try f.prox(d, rows: 3, columns: 4, step: 1), expected), 1e-14)
        XCTAssertLessThanOrEqual(certMaxAbsDiff(try f.prox(transpose(d, 3, 4), rows: 4, columns: 3, step: 1),
                                                transpose(expected, 3, 4)), 1e-14)
        XCTAssertEqual(try d.withUnsafeBufferPointer { try f.value($0, rows: 3, columns: 4) }, 5.5, accuracy: 1e-14)
        // A row vector: the nuclear norm is the ℓ2 norm.
        let row = [3.0, 4]
        XCTAssertLessThanOrEqual(certMaxAbsDiff(try f.prox(row, rows: 1, columns: 2, step: 1),
                                                try L2Norm(strength: 1).prox(row)), 1e-14)
    }

    func testNuclearNormOptimalityOnRandomMatrices() throws {
        var rng = SplitMix64(seed: 42)
        for (m, n) in [(6, 4), (4, 9), (7, 7)] {
            for lambda in [0.0, 0.5, 2.5] {
                let f = try NuclearNorm(strength: lambda)
                let v = randomVector(m * n, using: &rng)
                let t = 0.8
                let p = try f.prox(v, rows: m, columns: n, step: t)
                // G = (V − P)/t ∈ ∂(λ‖·‖_*)(P) ⇔ ‖G‖₂ ≤ λ and ⟨G, P⟩ = λ‖P‖_*.
                let g = zip(v, p).map { ($0 - $1) / t }
                XCTAssertLessThanOrEqual(spectralNorm(g, m, n, using: &rng), lambda * (1 + 1e-9) + 1e-12)
                let nuclear = try p.withUnsafeBufferPointer { try NuclearNorm(strength: 1).value($0, rows: m, columns: n) }
                XCTAssertEqual(certDot(g, p), lambda * nuclear, accuracy: 1e-10 * (1 + nuclear))
                if lambda == 0 { XCTAssertEqual(p, v) }
            }
        }
    }

    func testNuclearNormEdgeCasesAndValidation() throws {
        let f = try NuclearNorm(strength: 1)
        XCTAssertEqual(try f.prox([], rows: 0, columns: 3, step: 1), [])
        XCTAssertEqual(try f.prox([], rows: 0, columns: 0, step: 1), [])
        XCTAssertEqual(try [Double]().withUnsafeBufferPointer { try f.value($0, rows: 3, columns: 0) }, 0)
        XCTAssertEqual(try f.prox([0, 0, 0, 0], rows: 2, columns: 2, step: 1), [0, 0, 0, 0])
        XCTAssertEqual(try f.prox([0.1, 0, 0, -0.2], rows: 2, columns: 2, step: 1), [0, 0, 0, 0])
        assertInvalidArgument("strength") { _ = try NuclearNorm(strength: -1) }
        assertInvalidArgument("rows") { try f.validate(rows: Int(Int32.max) + 1, columns: 1) }
        assertInvalidArgument("columns") { try f.validate(rows: 1, columns: -1) }
        assertInvalidArgument("v") { _ = try f.prox([1, .nan, 0, 1], rows: 2, columns: 2, step: 1) }
        assertInvalidArgument("v") { _ = try f.prox([1, 2, 3], rows: 2, columns: 2, step: 1) }
    }

    // MARK: PSD cone

    func testPSDProjectionOnKnownEigendecomposition() throws {
        var rng = SplitMix64(seed: 43)
        let f = PSDCone()
        for n in [1, 2, 3, 6, 12] {
            for negatives in Set([0, n / 3, n / 2, n - 1, n]) {
                let q = orthonormalColumns(n, n, using: &rng)
                let w = (0..<n).map { i in (i < negatives ? -1.0 : 1.0) * Double.random(in: 0.1...4, using: &rng) }
                let s = compose(q, w, q, n, n)
                let expected = compose(q, w.map { max($0, 0) }, q, n, n)
                // Add an antisymmetric part: the projection only sees (V + Vᵀ)/2.
                var v = s
                for i in 0..<n { for j in (i + 1)..<max(i + 1, n) {
                    let a = Double.random(in: -1...1, using: &rng)
                    v[i * n + j] += a; v[j * n + i] -= a
                } }
                let p = try f.prox(v, rows: n, columns: n, step: 0.5)
                XCTAssertLessThanOrEqual(certMaxAbsDiff(p, expected), 1e-12 * 40, "n=\(n) negatives=\(negatives)")
                XCTAssertEqual(p, transpose(p, n, n), "exactly symmetric")
                XCTAssertEqual(try p.withUnsafeBufferPointer { try f.value($0, rows: n, columns: n) }, 0)
                var g = [Double](repeating: .nan, count: n * n)
                try p.withUnsafeBufferPointer { pb in
                    try g.withUnsafeMutableBufferPointer { try f.subgradient(pb, rows: n, columns: n, into: $0) }
                }
                XCTAssertEqual(g, [Double](repeating: 0, count: n * n))
                // Moreau: S = P₊(S) − P₊(−S).
                let minus = try f.prox(s.map { -$0 }, rows: n, columns: n, step: 1)
                XCTAssertLessThanOrEqual(certMaxAbsDiff(zip(p, minus).map { $0 - $1 }, s), 1e-12 * 40)
                // Complementarity ⟨P, S − P⟩ = 0.
                XCTAssertEqual(certDot(p, zip(s, p).map { $0 - $1 }), 0, accuracy: 1e-10)
            }
        }
    }

    func testPSDValueAndValidation() throws {
        let f = PSDCone()
        func value(_ x: [Double], _ n: Int) throws -> Double {
            try x.withUnsafeBufferPointer { try f.value($0, rows: n, columns: n) }
        }
        XCTAssertEqual(try value([2, 1, 1, 2], 2), 0)
        XCTAssertEqual(try value([1, 2, 2, 1], 2), .infinity, "eigenvalue −1")
        XCTAssertEqual(try value([2, 1, 0, 2], 2), .infinity, "not symmetric")
        XCTAssertEqual(try value([], 0), 0)
        XCTAssertEqual(try value([0], 1), 0)
        XCTAssertEqual(try value([-1e-3], 1), .infinity)
        XCTAssertEqual(try f.prox([-3], rows: 1, columns: 1, step: 1), [0])
        XCTAssertEqual(try f.prox([], rows: 0, columns: 0, step: 1), [])
        XCTAssertEqual(try f.prox([1, 0, 0, -1], rows: 2, columns: 2, step: 1), [1, 0, 0, 0])
        assertInvalidArgument("v") { try f.validate(rows: 2, columns: 3) }
        assertInvalidArgument("v") { _ = try f.prox([1, 2, 3, 4, 5, 6], rows: 2, columns: 3, step: 1) }
        assertInvalidArgument("v") { _ = try f.prox([1, .infinity, 3, 4], rows: 2, columns: 2, step: 1) }
        assertInvalidArgument("x") {
            var g = [0.0, 0, 0, 0]
            try [1.0, 2, 2, 1].withUnsafeBufferPointer { xb in
                try g.withUnsafeMutableBufferPointer { try f.subgradient(xb, rows: 2, columns: 2, into: $0) }
            }
        }
    }

    // MARK: Near the float64 limit (issue 12 item 5)

    /// A random row-major m×n matrix (symmetric when `symmetric`) with max|xᵢⱼ| = 1.5.
    func unitScaleMatrix(_ m: Int, _ n: Int, symmetric: Bool, using rng: inout SplitMix64) -> [Double] {
        var x = randomVector(m * n, scale: 1, using: &rng)
        if symmetric { for i in 0..<m { for j in 0..<i { x[i * n + j] = x[j * n + i] } } }
        let top = x.map(abs).max()!
        return x.map { $0 / top * 1.5 }
    }

    /// Both operators run on the input scaled by a power of two once it is near the
    /// float64 limit, so at 2¹⁰⁰⁰ they are exactly 2¹⁰⁰⁰ times their value at scale 1
    /// (singular values and eigenvalues of 1e308-sized matrices overflowed, and the
    /// prox came out NaN).
    func testMatrixProxIsExactlyHomogeneousNearTheFloat64Limit() throws {
        var rng = SplitMix64(seed: 44)
        let big = 0x1p1000
        for (m, n) in [(2, 2), (6, 4), (3, 7), (5, 5)] {
            let v = unitScaleMatrix(m, n, symmetric: false, using: &rng)
            let nuclear = try NuclearNorm(strength: 0.8)
            let p = try nuclear.prox(v, rows: m, columns: n, step: 0.5)
            let pBig = try nuclear.prox(v.map { $0 * big }, rows: m, columns: n, step: 0.5 * big)
            XCTAssertEqual(pBig, p.map { $0 * big }, "nuclear \(m)×\(n)")
            let huge = try nuclear.prox(v.map { $0 * 0x1p1023 }, rows: m, columns: n, step: 1)
            XCTAssertTrue(huge.allSatisfy(\.isFinite), "nuclear \(m)×\(n) at 2¹⁰²³")
            let value = try v.map { $0 * big }.withUnsafeBufferPointer { try nuclear.value($0, rows: m, columns: n) }
            XCTAssertEqual(value, try v.withUnsafeBufferPointer { try nuclear.value($0, rows: m, columns: n) } * big)
        }
        let psd = PSDCone()
        for n in [2, 5, 9] {
            let v = unitScaleMatrix(n, n, symmetric: true, using: &rng)
            let p = try psd.prox(v, rows: n, columns: n, step: 1)
            let pBig = try psd.prox(v.map { $0 * big }, rows: n, columns: n, step: 1)
            XCTAssertEqual(pBig, p.map { $0 * big }, "psd \(n)")
            XCTAssertEqual(try pBig.withUnsafeBufferPointer { try psd.value($0, rows: n, columns: n) }, 0)
            let huge = try psd.prox(v.map { $0 * 0x1p1023 }, rows: n, columns: n, step: 1)
            XCTAssertTrue(huge.allSatisfy(\.isFinite), "psd \(n) at 2¹⁰²³")
            XCTAssertEqual(try v.map { -$0 * big }.withUnsafeBufferPointer { try psd.value($0, rows: n, columns: n) },
                           .infinity)
        }
        // diag(d, −d, 0): the negative eigenvalue is clipped, and the diagonal is never negative.
        for d in [1.7e308, 1.0, 1e-300] {
            let p = try psd.prox([d, 0, 0, 0, -d, 0, 0, 0, 0], rows: 3, columns: 3, step: 1)
            XCTAssertEqual(p[0], d, accuracy: d * 1e-15)
            XCTAssertEqual(Array(p[1...]), [Double](repeating: 0, count: 8))
        }
    }
}
