import Foundation

// The Swift-side timings of the core (no competitor in this process; the
// comparisons with celer, skglm, scikit-learn and JAX are the Python scripts
// next to this folder). Run in release:
//
//     swift run -c release nonsmooth-bench [autodiff|solvers|cd-toeplitz|cd-sparse ...]
//
// With no argument every benchmark runs. NS_TIMING_SIZES="32x64,256x64" narrows
// the autodiff sizes; NONSMOOTH_CD_DUMP=dir writes the coordinate-descent data
// as raw float64 files for comparisons with other libraries.

#if DEBUG
print("warning: a debug build; timings mean something only with `swift run -c release nonsmooth-bench`")
#endif

let benchmarks: [(name: String, run: () throws -> Void)] = [
    ("autodiff", {
        try AutodiffBenchmarks.mlpValueAndGradient()
        try AutodiffBenchmarks.scalarChain()
    }),
    ("solvers", GenericSolverBenchmarks.boydLasso),
    ("cd-toeplitz", CoordinateDescentBenchmarks.toeplitzLasso),
    ("cd-sparse", CoordinateDescentBenchmarks.sparseLasso),
]
let requested = Array(CommandLine.arguments.dropFirst())
let unknown = requested.filter { name in !benchmarks.contains { $0.name == name } }
if !unknown.isEmpty {
    print("unknown benchmark(s) \(unknown.joined(separator: ", ")); choose from "
          + benchmarks.map(\.name).joined(separator: ", "))
    exit(2)
}
for (name, run) in benchmarks where requested.isEmpty || requested.contains(name) {
    print("== \(name)")
    do {
        try run()
    } catch {
        print("\(name) failed: \(error)")
        exit(1)
    }
}
