import Foundation

/// A program from the system run to completion, as the resp suite runs redis-benchmark
/// and redis-cli: its stdin and stdout may be files, its stdout otherwise captured.
enum Command {
    /// The program's path, from the usual places.
    static func locate(_ name: String) throws -> URL {
        guard let path = ["/usr/bin/\(name)", "/usr/local/bin/\(name)"].first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
            throw RedisError("\(name) is not installed (scripts/with-deps installs it)")
        }
        return URL(fileURLWithPath: path)
    }

    /// Runs `name` with `arguments`; returns its stdout (empty when it went to `output`).
    ///
    /// - Throws: `RedisError` if the program is missing, exits with a failure, or runs
    ///   longer than `timeout` (it is then killed).
    @discardableResult
    static func run(_ name: String, _ arguments: [String], input: URL? = nil, output: URL? = nil, timeout: Duration = .seconds(600)) async throws -> String {
        let process = Process()
        process.executableURL = try self.locate(name)
        process.arguments = arguments
        process.standardError = FileHandle.nullDevice
        if let input {
            process.standardInput = try FileHandle(forReadingFrom: input)
        }
        let pipe = Pipe()
        if let output {
            guard FileManager.default.createFile(atPath: output.path, contents: nil) else {
                throw RedisError("cannot create \(output.path)")
            }
            process.standardOutput = try FileHandle(forWritingTo: output)
        } else {
            process.standardOutput = pipe
        }
        let exited = AsyncStream<Int32>.makeStream()
        process.terminationHandler = { process in
            exited.continuation.yield(process.terminationStatus)
            exited.continuation.finish()
        }
        try process.run()
        // Read while it runs: a full pipe would stop the program.
        let captured = Task.detached { output == nil ? pipe.fileHandleForReading.readDataToEndOfFile() : Data() }
        let watchdog = Task {
            try await Task.sleep(for: timeout)
            process.terminate()
        }
        var status: Int32 = -1
        for await code in exited.stream {
            status = code
        }
        watchdog.cancel()
        let text = String(decoding: await captured.value, as: UTF8.self)
        guard status == 0 else {
            throw RedisError("\(name) \(arguments.prefix(4).joined(separator: " ")) … exited with status \(status)")
        }
        return text
    }
}
