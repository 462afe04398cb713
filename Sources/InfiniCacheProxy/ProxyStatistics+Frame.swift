package import ChunkWire
import Foundation
package import InfiniCacheStatistics
import NIOCore

extension ProxyStatistics {
    /// These statistics as the `statsReport` frame that answers `stats`: JSON.
    package func frame() throws -> Frame {
        Frame(.statsReport, payload: ByteBuffer(bytes: try JSONEncoder().encode(self)))
    }
}
