/// The library version, shared by the Swift package, the C ABI and the Python package.
public let version = "0.1.0"
