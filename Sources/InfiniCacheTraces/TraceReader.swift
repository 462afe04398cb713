import CSV
import CompressNIO
import Foundation
public import NIOCore

/// Reads workload traces: a container registry trace (the IBM Docker registry traces as
/// CSV, e.g. `Benchmarks/infinicache-bench/Traces/dal09_10mb_50h.csv.gz`; key `http.request.uri`, size
/// `http.response.written`, time `timestamp`) or a plain trace a user writes, one request
/// per row: `seconds,key,size[,op]` (op `get`, `put` or `delete`; `get` when left out; an
/// optional header row `seconds,key,size,op`; rows starting with `#` are comments). Either
/// may be gzip-compressed; the format is told from the first row.
///
/// A malformed row is skipped and reported with its line number in
/// ``Trace/malformedRows``, or, when ``strict``, fails the read with
/// ``TraceError/Code/malformedRow``. A quoted field that runs across lines (an
/// unterminated quote would swallow the rest of the file) always fails the read.
public struct TraceReader: Sendable {
    /// Whether a malformed row fails the read instead of being skipped.
    public var strict: Bool
    /// The most bytes a trace may hold, after decompression: a larger one fails with
    /// ``TraceError/Code/badCompression`` (compressed) or ``TraceError/Code/unreadable``.
    public var maximumBytes: Int

    /// Creates a reader; by default it skips malformed rows and reads traces of up to
    /// 1 GiB.
    public init(strict: Bool = false, maximumBytes: Int = 1 << 30) {
        self.strict = strict
        self.maximumBytes = maximumBytes
    }

    /// Reads the trace in the file at `path`.
    ///
    /// - Throws: ``TraceError``.
    public func read(contentsOf path: String) throws(TraceError) -> Trace {
        let data: Data
        do {
            let url = URL(fileURLWithPath: path)
            let size = try url.resourceValues(forKeys: [.fileSizeKey]).fileSize ?? 0
            guard size <= self.maximumBytes else {
                throw TraceError(.unreadable, "\(path) holds \(size) bytes; the limit is \(self.maximumBytes)")
            }
            data = try Data(contentsOf: url)
        } catch let error as TraceError {
            throw error
        } catch {
            throw TraceError(.unreadable, "cannot read \(path): \(error.localizedDescription)")
        }
        return try self.read(ByteBuffer(bytes: data))
    }

    /// Reads a trace from the bytes of its file, gzip-compressed or not.
    ///
    /// - Throws: ``TraceError``.
    public func read(_ file: ByteBuffer) throws(TraceError) -> Trace {
        let text = try String(decoding: self.decompressed(file).readableBytesView, as: UTF8.self)
        let reader: CSVReader
        do {
            reader = try CSVReader(string: text)
        } catch {
            throw TraceError(.unknownFormat, "not CSV: \(error)")
        }
        var parser: any RowParser
        var row = 0
        // The first row that is not blank or a comment tells the format.
        while true {
            guard let first = reader.next() else {
                throw TraceError(.empty, "the trace holds no request")
            }
            row += 1
            try Self.checkSingleLine(first, row: row)
            if Self.isSkipped(first) { continue }
            if let registry = RegistryRowParser(header: first) {
                parser = registry
            } else {
                parser = PlainRowParser()
                if !PlainRowParser.isHeader(first) {
                    try self.parse(first, row: row, with: &parser)
                }
            }
            break
        }
        while let fields = reader.next() {
            row += 1
            try Self.checkSingleLine(fields, row: row)
            if Self.isSkipped(fields) { continue }
            try self.parse(fields, row: row, with: &parser)
        }
        let rows = parser.rows
        guard !rows.requests.isEmpty else {
            throw TraceError(.empty, "the trace holds no readable request (\(rows.malformedCount) malformed rows)")
        }
        return Trace(requests: rows.requests, malformedRows: rows.malformed, malformedRowCount: rows.malformedCount)
    }

    private func parse(_ fields: [String], row: Int, with parser: inout any RowParser) throws(TraceError) {
        if let reason = parser.parse(fields, row: row), self.strict {
            throw TraceError(.malformedRow, "line \(row): \(reason)")
        }
    }

    /// Fails on a row with a quoted field that runs across lines: no trace format has one,
    /// and an unterminated quote makes the rest of the file one field.
    private static func checkSingleLine(_ fields: [String], row: Int) throws(TraceError) {
        if let field = fields.first(where: { $0.contains(where: \.isNewline) }) {
            throw TraceError(.malformedRow, "line \(row): a quoted field runs across lines (an unterminated quote?): \(field.prefix(60))…")
        }
    }

    /// Blank rows and comments.
    private static func isSkipped(_ fields: [String]) -> Bool {
        fields.allSatisfy { $0.trimmingCharacters(in: .whitespaces).isEmpty } || fields.first?.hasPrefix("#") == true
    }

    /// The file's bytes, decompressed if they start with gzip's magic number.
    private func decompressed(_ file: ByteBuffer) throws(TraceError) -> ByteBuffer {
        guard file.readableBytesView.starts(with: [0x1F, 0x8B]) else {
            guard file.readableBytes <= self.maximumBytes else {
                throw TraceError(.unreadable, "the trace holds \(file.readableBytes) bytes; the limit is \(self.maximumBytes)")
            }
            return file
        }
        var compressed = file
        do {
            return try compressed.decompress(with: .gzip(), maxSize: self.maximumBytes)
        } catch {
            throw TraceError(.badCompression, "the gzip stream does not decompress within \(self.maximumBytes) bytes: \(error)")
        }
    }
}
