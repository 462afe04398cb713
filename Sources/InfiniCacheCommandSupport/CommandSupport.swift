import ArgumentParser
import Foundation
public import Logging

// What the executables share: logging set-up and the node token.

/// Sends log lines to stderr at `level` and returns the executable's logger.
public func bootstrapLogging(label: String, level: String) throws -> Logger {
    guard let level = Logger.Level(rawValue: level) else {
        throw ValidationError("unknown log level \(level)")
    }
    LoggingSystem.bootstrap { label in
        var handler = StreamLogHandler.standardError(label: label)
        handler.logLevel = level
        return handler
    }
    return Logger(label: label)
}

/// The token from the option, else from `INFINICACHE_TOKEN`.
public func resolveToken(_ option: String?) throws -> [UInt8] {
    guard let token = option ?? ProcessInfo.processInfo.environment["INFINICACHE_TOKEN"], !token.isEmpty else {
        throw ValidationError("a token is required: pass --token or set INFINICACHE_TOKEN")
    }
    return Array(token.utf8)
}
