/// The working set of a coordinate-descent engine from the scores of its
/// coordinates (or blocks): +∞ for the generalized support (always kept), −1
/// for those that cannot move (left out), else the proximal-step size. Keeps
/// the support and the best-scored candidates, at least twice the support and
/// never fewer than the last size (`size` is updated); every candidate when
/// working sets are off. Returned in increasing order.
func selectWorkingSet(scores: UnsafePointer<Double>, count: Int, size: inout Int, options: GLMOptions) -> [Int] {
    var candidates: [Int] = []
    candidates.reserveCapacity(count)
    var support = 0
    for j in 0..<count where scores[j] >= 0 {
        candidates.append(j)
        if scores[j] == .infinity { support += 1 }
    }
    guard options.workingSets else { return candidates }
    let kept = min(candidates.count, max(size, options.initialWorkingSet, 2 * support))
    size = kept
    if kept < candidates.count {
        candidates.sort { scores[$0] > scores[$1] }
        candidates.removeLast(candidates.count - kept)
        candidates.sort()
    }
    return candidates
}
