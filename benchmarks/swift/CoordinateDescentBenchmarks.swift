import Foundation
import Nonsmooth

/// Coordinate descent on celer/skglm-style correlated data and on a large sparse design.
enum CoordinateDescentBenchmarks {
    /// As celer's and skglm's `make_correlated_data`: rows N(0, Toeplitz(ρ^|i−j|)),
    /// ⌈density·p⌉ Gaussian coefficients, noise scaled to a signal-to-noise ratio.
    static func correlatedData(n: Int, p: Int, rho: Double, density: Double = 0.1, snr: Double = 3,
                               seed: UInt64 = 2024) -> LassoData {
        var d = LassoData(n: n, p: p, correlation: rho, support: 0, noise: 0, seed: seed)
        var rng = SplitMix64(seed: seed &+ 1)
        let nnz = max(1, Int((density * Double(p)).rounded(.up)))
        var signal = [Double](repeating: 0, count: n)
        for k in 0..<nnz {
            let j = (k * p) / nnz
            let w = gaussian(&rng)
            for i in 0..<n { signal[i] += w * d.x[j * n + i] }
        }
        var noise = (0..<n).map { _ in gaussian(&rng) }
        let sNorm = signal.map { $0 * $0 }.reduce(0, +).squareRoot()
        let eNorm = noise.map { $0 * $0 }.reduce(0, +).squareRoot()
        for i in 0..<n { noise[i] *= sNorm / (snr * eNorm) }
        d.y = zip(signal, noise).map(+)
        return d
    }

    static func sparseLasso() throws {
        let (n, p, density) = (20_000, 50_000, 1e-3)
        var rng = SplitMix64(seed: 7)
        var csc = CSC(dense: [], rows: 0, columns: 0)
        csc.columnPointers = [0]
        let perColumn = Int(density * Double(n))
        for _ in 0..<p {
            var rows = Set<Int>()
            while rows.count < perColumn { rows.insert(Int.random(in: 0..<n, using: &rng)) }
            for i in rows.sorted() {
                csc.rowIndices.append(Int32(i))
                csc.values.append(gaussian(&rng))
            }
            csc.columnPointers.append(Int64(csc.values.count))
        }
        var y = [Double](repeating: 0, count: n)
        for k in 0..<500 {
            let j = (k * 97) % p, w = gaussian(&rng)
            for e in Int(csc.columnPointers[j])..<Int(csc.columnPointers[j + 1]) {
                y[Int(csc.rowIndices[e])] += w * csc.values[e]
            }
        }
        let signal = y.map { $0 * $0 }.reduce(0, +).squareRoot()
        var noise = (0..<n).map { _ in gaussian(&rng) }
        let noiseNorm = noise.map { $0 * $0 }.reduce(0, +).squareRoot()
        for i in 0..<n { noise[i] *= signal / (3 * noiseNorm); y[i] += noise[i] }
        if let dir = getenv("NONSMOOTH_CD_DUMP").map({ String(cString: $0) }) {
            func write<T>(_ a: [T], _ name: String) {
                let f = fopen("\(dir)/sparse_\(name).bin", "wb")
                _ = a.withUnsafeBufferPointer { fwrite($0.baseAddress, MemoryLayout<T>.stride, $0.count, f) }
                fclose(f)
            }
            write(csc.values, "data"); write(csc.rowIndices, "indices"); write(csc.columnPointers, "indptr"); write(y, "y")
        }
        var lmax = 0.0
        for j in 0..<p {
            var c = 0.0
            for e in Int(csc.columnPointers[j])..<Int(csc.columnPointers[j + 1]) { c += csc.values[e] * y[Int(csc.rowIndices[e])] }
            lmax = max(lmax, abs(c) / Double(n))
        }
        for ratio in [0.1, 0.01] {
            for intercept in [false, true] {
                let clock = ContinuousClock()
                var res: CoordinateDescentResult? = nil
                let t = try clock.measure {
                    res = try csc.solve(rows: n, columns: p, y: y, try ElasticNetPenalty(alpha: ratio * lmax),
                                        CoordinateDescentOptions(tolerance: 1e-8, maxIterations: 100_000, fitIntercept: intercept))
                }
                let r = res!
                print("CD timing sparse \(n)x\(p) density \(density) alpha=\(ratio)·λmax tol=1e-8 intercept \(intercept): \(t), epochs \(r.epochs), gap \(r.dualityGap) ≤ \(r.gapTolerance), nnz \(r.coefficients.filter { $0 != 0 }.count), screened \(r.screenedFeatures), \(r.stopReason)")
            }
        }
    }

    /// Prints timings. With
    /// NONSMOOTH_CD_DUMP=dir set, also writes each design (Fortran order) and
    /// target as raw float64 files for comparisons with other libraries.
    static func toeplitzLasso() throws {
        let dump = getenv("NONSMOOTH_CD_DUMP").map { String(cString: $0) }
        for (n, p, rho) in [(100, 10_000, 0.6), (100, 10_000, 0.9), (500, 5_000, 0.6), (10_000, 100, 0.6)] {
            let d = correlatedData(n: n, p: p, rho: rho)
            if let dir = dump {
                let name = "\(dir)/cd_\(n)x\(p)_\(rho)"
                for (suffix, array) in [("X", d.x), ("y", d.y)] {
                    let f = fopen("\(name)_\(suffix).f64", "wb")
                    _ = array.withUnsafeBufferPointer { fwrite($0.baseAddress, 8, $0.count, f) }
                    fclose(f)
                }
            }
            let lmax = try d.lambdaMax()
            for ratio in [0.1, 0.01, 0.001] {
                for tol in [1e-4, 1e-8] {
                    let pen = try ElasticNetPenalty(alpha: ratio * lmax)
                    let variants = ratio == 0.01 && tol == 1e-8
                        ? ["default", "no-extrapolation", "no-ws", "no-screening"] : ["default"]
                    for variant in variants {
                        var o = CoordinateDescentOptions(tolerance: tol, maxIterations: 1_000_000)
                        if variant == "no-extrapolation" { o.useExtrapolation = false }
                        if variant == "no-ws" { o.useWorkingSets = false }
                        if variant == "no-screening" { o.useScreening = false }
                        let clock = ContinuousClock()
                        var res: CoordinateDescentResult? = nil
                        var best = Duration.seconds(1000)
                        for _ in 0..<3 {
                            let elapsed = try clock.measure { res = try d.solve(pen, o) }
                            best = min(best, elapsed)
                        }
                        let r = res!
                        if let dir = dump, variant == "default" {
                            let f = fopen("\(dir)/coef_\(n)x\(p)_\(rho)_\(ratio)_\(tol).f64", "wb")
                            _ = r.coefficients.withUnsafeBufferPointer { fwrite($0.baseAddress, 8, $0.count, f) }
                            fclose(f)
                        }
                        let ms = Double(best.components.seconds) * 1e3 + Double(best.components.attoseconds) * 1e-15
                        print("CD timing \(n)x\(p) rho=\(rho) alpha=\(ratio)·λmax tol=\(tol) [\(variant)]: \(String(format: "%.1f", ms)) ms, epochs \(r.epochs), gap \(String(format: "%.2e", r.dualityGap)) ≤ \(String(format: "%.2e", r.gapTolerance)), nnz \(r.coefficients.filter { $0 != 0 }.count), \(r.stopReason), gram \(r.usedGram), screened \(r.screenedFeatures), gaps \(r.gapHistory.count)")
                    }
                }
            }
        }
    }
}
