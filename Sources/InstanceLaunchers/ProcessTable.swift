import Foundation
import Synchronization

/// The live instance processes by instance id.
final class ProcessTable: Sendable {
    private let processes = Mutex<[UInt64: Process]>([:])

    var identifiers: [UInt64: Int32] {
        self.processes.withLock { $0.mapValues(\.processIdentifier) }
    }

    func insert(_ process: Process, instance: UInt64) {
        self.processes.withLock { $0[instance] = process }
    }

    func remove(instance: UInt64) {
        self.processes.withLock { _ = $0.removeValue(forKey: instance) }
    }
}
