// Ascending sort of each row. The forward pass records the permutation
// (`perm[j]` = input index of output j) and, for each output position, the
// first position of its tie group (`group[j]`). Ties go to the lowest index
// (a stable sort, groups of one) or are split evenly (the group's cotangents
// are averaged); in lexicographic mode groups are refined by the tangents of
// each pass, which sorts ties by their directional derivatives. NaN sorts
// last, in input order, as in NumPy, and each is counted in `ctx.nans`.

func sortForward<S: ADScalar>(
    _ x: UnsafeMutablePointer<S>, _ out: UnsafeMutablePointer<S>, _ dec: UnsafeMutablePointer<Double>,
    count n: Int, length: Int, _ ctx: inout KinkContext
) {
    guard length > 0 else { return }
    let rows = n / length
    let perm = dec, group = dec + n
    var order = [Int](repeating: 0, count: length)
    for r in 0..<rows {
        let base = r * length
        let xr = x + base, p = perm + base, gr = group + base
        let fresh = !ctx.lexicographic || ctx.firstPass
        if fresh {
            for j in 0..<length { order[j] = j }
            var nans = 0
            for j in 0..<length where xr[j].primal.isNaN { nans += 1 }
            if nans == 0 {
                order.sort { xr[$0].primal < xr[$1].primal || (xr[$0].primal == xr[$1].primal && $0 < $1) }
            } else {
                // `<` is not a strict weak order with NaN: the sort would be arbitrary.
                ctx.nans += nans
                order.sort {
                    let a = xr[$0].primal, b = xr[$1].primal
                    if a.isNaN || b.isNaN { return a.isNaN == b.isNaN ? $0 < $1 : b.isNaN }
                    return a < b || (a == b && $0 < $1)
                }
            }
            var start = 0
            for j in 0..<length {
                p[j] = Double(order[j])
                if j > 0 && xr[order[j]].primal == xr[order[j - 1]].primal {
                    ctx.kinks += 1
                } else {
                    start = j
                }
                gr[j] = Double(start)
            }
            if !ctx.lexicographic && ctx.policy.ties == .lowestIndex {
                for j in 0..<length { gr[j] = Double(j) }
            }
        }
        if ctx.lexicographic {
            // Refine each remaining group by this pass's tangents (stable).
            var j = 0
            while j < length {
                var e = j + 1
                while e < length && Int(gr[e]) == j { e += 1 }
                if e - j > 1 {
                    var members = (j..<e).map { Int(p[$0]) }
                    members.sort { xr[$0].tangent < xr[$1].tangent || (xr[$0].tangent == xr[$1].tangent && $0 < $1) }
                    var start = j
                    for (o, m) in members.enumerated() {
                        let pos = j + o
                        p[pos] = Double(m)
                        if o > 0 && xr[m].tangent != xr[members[o - 1]].tangent { start = pos }
                        gr[pos] = Double(start)
                    }
                }
                j = e
            }
        }
        // Output: the permuted inputs; a split group shares its mean tangent.
        var j = 0
        while j < length {
            var e = j + 1
            while e < length && Int(gr[e]) == j { e += 1 }
            if e - j == 1 || ctx.lexicographic {
                for q in j..<e { out[base + q] = xr[Int(p[q])] }
            } else {
                var acc = S.zero
                for q in j..<e { acc += xr[Int(p[q])] }
                let mean = (1 / Double(e - j)) * acc
                for q in j..<e { out[base + q] = mean.replacingPrimal(xr[Int(p[q])].primal) }
            }
            j = e
        }
    }
}

func sortBackward<S: ADScalar>(
    _ dec: UnsafeMutablePointer<Double>, _ g: UnsafeMutablePointer<S>, _ gx: UnsafeMutablePointer<S>,
    count n: Int, length: Int
) {
    guard length > 0 else { return }
    let rows = n / length
    let perm = dec, group = dec + n
    for r in 0..<rows {
        let base = r * length
        var j = 0
        while j < length {
            var e = j + 1
            while e < length && Int(group[base + e]) == j { e += 1 }
            if e - j == 1 {
                gx[base + Int(perm[base + j])] += g[base + j]
            } else {
                var acc = S.zero
                for q in j..<e { acc += g[base + q] }
                let mean = (1 / Double(e - j)) * acc
                for q in j..<e { gx[base + Int(perm[base + q])] += mean }
            }
            j = e
        }
    }
}
