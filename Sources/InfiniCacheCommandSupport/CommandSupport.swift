public import ArgumentParser
import Foundation
public import Logging

/// The options the proxy and node executables share: the node token and the log level.
public struct ServiceOptions: ParsableArguments {
    @Option(help: "Shared secret cache nodes present in their hello. Defaults to $INFINICACHE_TOKEN.")
    public var token: String?

    @Option(help: "Log level: trace, debug, info, notice, warning, error or critical.")
    public var logLevel = "info"

    public init() {}

    /// The token from the option, else from `INFINICACHE_TOKEN`.
    public func resolvedToken() throws -> [UInt8] {
        guard let token = self.token ?? ProcessInfo.processInfo.environment["INFINICACHE_TOKEN"], !token.isEmpty else {
            throw ValidationError("a token is required: pass --token or set INFINICACHE_TOKEN")
        }
        return Array(token.utf8)
    }

    /// Sends log lines to stderr at the chosen level and returns the executable's logger.
    public func bootstrapLogging(label: String) throws -> Logger {
        guard let level = Logger.Level(rawValue: self.logLevel) else {
            throw ValidationError("unknown log level \(self.logLevel)")
        }
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        return Logger(label: label)
    }
}

/// The token a proxy requires of its clients, as the proxy and the client commands read
/// it: `option` when given, else `INFINICACHE_CLIENT_TOKEN`; nil (no token) when neither
/// is set or the value is empty.
public func resolvedClientToken(_ option: String?) -> [UInt8]? {
    (option ?? ProcessInfo.processInfo.environment["INFINICACHE_CLIENT_TOKEN"]).flatMap { $0.isEmpty ? nil : Array($0.utf8) }
}
