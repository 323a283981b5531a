/// f(x) = 0. Its prox is the identity; it turns a composite solver into a smooth one.
public struct ZeroFunction: ProximalOperator {
    public init() {}

    public func value(_ x: UnsafeBufferPointer<Double>) -> Double { 0 }

    public func prox(_ v: UnsafeBufferPointer<Double>, step: Double, into out: UnsafeMutableBufferPointer<Double>) {
        for i in v.indices { out[i] = v[i] }
    }

    public func subgradient(_ x: UnsafeBufferPointer<Double>, into g: UnsafeMutableBufferPointer<Double>) {
        for i in g.indices { g[i] = 0 }
    }
}
