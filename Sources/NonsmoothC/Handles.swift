#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Nonsmooth

// Opaque handles (ns_prox*, ns_graph*, ns_program*, ns_optimizer*) are not
// addresses but ids into one registry, never reused within a process. A handle
// that was destroyed (once or twice), never created, or is of another kind is
// then reported as NS_INVALID_ARGUMENT instead of touching freed memory — a
// magic tag inside the object could not promise that, since the freed block may
// be reused by the time the stale handle comes back. Looking a handle up takes
// one lock and one hash lookup (tens of nanoseconds) and returns a strong
// reference, so a call in flight keeps its object alive even if another thread
// destroys the handle meanwhile.

final class HandleRegistry: @unchecked Sendable {
    private let mutex: UnsafeMutablePointer<pthread_mutex_t> = {
        let m = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
        pthread_mutex_init(m, nil)
        return m
    }()
    private var next: UInt = 1
    private var objects: [UInt: AnyObject] = [:]

    private func locked<R>(_ body: () -> R) -> R {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return body()
    }

    /// Registers `object` and returns its new handle.
    func register(_ object: AnyObject) -> OpaquePointer {
        locked {
            let id = next
            next += 1
            objects[id] = object
            return OpaquePointer(bitPattern: id)!
        }
    }

    /// The live object of kind `T` behind `handle`; `name` is the argument named in errors.
    func object<T: AnyObject>(_ handle: OpaquePointer?, as _: T.Type, _ name: String) throws -> T {
        guard let handle else { throw invalid(name, "is a null handle") }
        let object = locked { objects[UInt(bitPattern: handle)] }
        guard let typed = object as? T else {
            throw invalid(name, "is not a live \(name) handle (already destroyed, never created, or of another kind)")
        }
        return typed
    }

    /// Removes `handle` (NULL is ignored); the object is freed once no call in flight holds it.
    func destroy<T: AnyObject>(_ handle: OpaquePointer?, as _: T.Type, _ name: String) -> Int32 {
        guarded {
            guard let handle else { return }
            let removed: AnyObject? = locked {
                let key = UInt(bitPattern: handle)
                guard objects[key] is T else { return nil }
                return objects.removeValue(forKey: key)
            }
            try require(removed != nil, name,
                        "is not a live \(name) handle (already destroyed, never created, or of another kind)")
        }
    }

    /// Live handles (for leak tests).
    var count: Int { locked { objects.count } }
}

let handles = HandleRegistry()

@_cdecl("ns_live_handles")
public func ns_live_handles() -> Int64 {
    Int64(handles.count)
}
