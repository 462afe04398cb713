import CompressNIO
import Foundation
import InfiniCacheTraces
import NIOCore
import Testing

@Suite("Trace reader")
struct TraceReaderTests {
    private func read(_ text: String, strict: Bool = false, maximumBytes: Int = 1 << 30) throws -> Trace {
        try TraceReader(strict: strict, maximumBytes: maximumBytes).read(ByteBuffer(string: text))
    }

    static let registry = """
        ,Unnamed: 0,host,http.request.duration,http.request.method,http.request.remoteaddr,http.request.uri,http.request.useragent,http.response.status,http.response.written,id,timestamp
        1,1,h,1.5,GET,r,v2/a/b/blobs/one,"docker/1.8.1 go/go1.4.2, kernel/3.19",200,28540435.0,x1,2017-06-20 00:00:26.626
        0,0,h,2.5,GET,r,v2/a/b/blobs/two,docker/1.8.1,200,10000000.0,x0,2017-06-20 00:00:20.000
        2,2,h,0.5,GET,r,v2/a/b/blobs/one,docker/1.8.1,200,28540435.0,x2,2017-06-21 01:00:26.626
        """

    @Test("a registry trace: key, size and time from the named columns, sorted by time from zero; a quoted comma stays in its field")
    func registry() throws {
        let trace = try self.read(Self.registry)
        #expect(trace.requests.map(\.key) == ["v2/a/b/blobs/two", "v2/a/b/blobs/one", "v2/a/b/blobs/one"])
        #expect(trace.requests.map(\.size) == [10_000_000, 28_540_435, 28_540_435])
        #expect(trace.requests.map(\.time) == [.zero, .milliseconds(6626), .seconds(25 * 3600) + .milliseconds(6626)])
        #expect(trace.requests.map(\.row) == [3, 2, 4])
        #expect(trace.hours == 26)
        #expect(trace.requests.allSatisfy { $0.operation == .get })
        #expect(trace.malformedRowCount == 0)
    }

    @Test("registry timestamps: days across months and leap years, fractions, T and Z")
    func timestamps() throws {
        let base = "2016-02-28 23:59:59"
        let trace = try self.read(
            """
            http.request.uri,http.response.written,timestamp
            a,1,\(base)
            b,1,2016-03-01T00:00:00.5Z
            c,1,2017-01-01 00:00:00
            """
        )
        #expect(trace.requests.map(\.time) == [.zero, .seconds(86_401) + .milliseconds(500), .seconds(307 * 86_400 + 1)])
    }

    static let plain = """
        # a comment
        seconds,key,size,op
        0,alpha,100
        1.5,beta,200,PUT

        3,alpha,100,get
        4,beta,0,delete
        """

    @Test("a plain trace: seconds,key,size[,op], with a header, comments and blank rows")
    func plain() throws {
        let trace = try self.read(Self.plain)
        #expect(trace.requests.map(\.key) == ["alpha", "beta", "alpha", "beta"])
        #expect(trace.requests.map(\.operation) == [.get, .put, .get, .delete])
        #expect(trace.requests.map(\.time) == [.zero, .milliseconds(1500), .seconds(3), .seconds(4)])
        #expect(trace.requests.map(\.row) == [3, 4, 6, 7])
        #expect(trace.duration == .seconds(4) && trace.hours == 1)
        #expect(trace.prefix(.seconds(3)).requests.count == 2)
    }

    static let malformed = """
        0,ok,10
        x,a,10
        1,,10
        1,a,-5
        1,a,1.5
        1,a,10,frob
        1,a
        2,fine,20.0
        """

    @Test("malformed rows are skipped, counted and reported with their row number")
    func malformedRows() throws {
        let trace = try self.read(Self.malformed)
        #expect(trace.requests.map(\.key) == ["ok", "fine"])
        #expect(trace.requests.map(\.size) == [10, 20])
        #expect(trace.malformedRowCount == 6)
        #expect(trace.malformedRows.map(\.row) == [2, 3, 4, 5, 6, 7])
        #expect(trace.malformedRows[0].reason.contains("\"x\""))
        #expect(trace.malformedRows[5].reason.contains("2 fields"))
    }

    @Test("a strict reader fails at the first malformed row, naming it")
    func strict() {
        #expect {
            try self.read(Self.malformed, strict: true)
        } throws: { error in
            (error as? TraceError)?.code == .malformedRow && "\(error)".contains("line 2")
        }
    }

    @Test("a registry row with the wrong number of fields, a bad method or timestamp is malformed")
    func malformedRegistryRows() throws {
        let trace = try self.read(
            """
            http.request.method,http.request.uri,http.response.written,timestamp
            GET,a,1.0,2017-06-20 00:00:00
            HEAD,b,1.0,2017-06-20 00:00:00
            GET,c,1.0,2017-13-20 00:00:00
            GET,d,1.0
            PUT,e,1e400,2017-06-20 00:00:00
            DELETE,f,0,2017-06-20 00:00:01
            """
        )
        #expect(trace.requests.map(\.key) == ["a", "f"])
        #expect(trace.requests.map(\.operation) == [.get, .delete])
        #expect(trace.malformedRows.map(\.row) == [3, 4, 5, 6])
    }

    @Test("CRLF line ends read as LF ones")
    func crlf() throws {
        let trace = try self.read("0,a,10\r\n1,b,20\r\n")
        #expect(trace.requests.map(\.key) == ["a", "b"])
        #expect(trace.requests.map(\.size) == [10, 20])
    }

    @Test("an unterminated quote fails the read, naming its line, instead of swallowing the rest of the file")
    func unterminatedQuote() {
        #expect {
            try self.read("0,a,10\n1,\"b,20\n2,c,30\n3,d,40\n")
        } throws: { error in
            (error as? TraceError)?.code == .malformedRow && "\(error)".contains("line 2")
        }
    }

    @Test("an impossible date is malformed, not the next month")
    func impossibleDate() throws {
        let trace = try self.read(
            """
            http.request.uri,http.response.written,timestamp
            a,1,2017-02-28 00:00:00
            b,1,2017-02-29 00:00:00
            c,1,2016-02-29 00:00:00
            """
        )
        #expect(trace.requests.map(\.key) == ["c", "a"])
        #expect(trace.malformedRows.map(\.row) == [3])
    }

    @Test("reasons are kept for the first 100 malformed rows; all are counted")
    func malformedCap() throws {
        let text = (0..<250).map { "x\($0),k,1" }.joined(separator: "\n") + "\n0,ok,1\n"
        let trace = try self.read(text)
        #expect(trace.malformedRowCount == 250)
        #expect(trace.malformedRows.count == Trace.maximumMalformedRowsKept)
        #expect(trace.requests.count == 1)
    }

    @Test("gzip-compressed traces read the same")
    func gzip() throws {
        var text = ByteBuffer(string: Self.plain)
        let compressed = try text.compress(with: .gzip())
        let trace = try TraceReader().read(compressed)
        #expect(trace.requests == (try self.read(Self.plain)).requests)
    }

    @Test("bad input is a typed error: corrupt gzip, over the size limit, empty, nothing readable, unreadable file")
    func badInput() throws {
        func code(_ body: () throws -> Trace) -> TraceError.Code? {
            do {
                _ = try body()
                return nil
            } catch {
                return (error as? TraceError)?.code
            }
        }
        #expect(code { try TraceReader().read(ByteBuffer(bytes: [0x1F, 0x8B, 8, 0, 1, 2, 3, 4, 5, 6, 7])) } == .badCompression)
        var big = ByteBuffer(string: String(repeating: "0,key,1\n", count: 10_000))
        let compressed = try big.compress(with: .gzip())
        #expect(code { try TraceReader(maximumBytes: 1000).read(compressed) } == .badCompression, "a gzip bomb stops at the limit")
        #expect(code { try self.read("0,a,1\n", maximumBytes: 3) } == .unreadable)
        #expect(code { try self.read("") } == .empty)
        #expect(code { try self.read("# only a comment\n\n") } == .empty)
        #expect(code { try self.read("x,y,z\n") } == .empty)
        #expect(code { try TraceReader().read(contentsOf: "/nonexistent/trace.csv") } == .unreadable)
    }

    @Test("the bundled 50-hour registry trace: 37,474 GETs of 12,541 objects")
    func bundled() throws {
        let path = #filePath.replacingOccurrences(of: "Tests/InfiniCacheTracesTests/TraceReaderTests.swift", with: "Benchmarks/infinicache-bench/Traces/dal09_10mb_50h.csv.gz")
        let trace = try TraceReader(strict: true).read(contentsOf: path)
        #expect(trace.requests.count == 37_474)
        #expect(Set(trace.requests.map(\.key)).count == 12_541)
        #expect(trace.duration > .seconds(49 * 3600) && trace.duration <= .seconds(50 * 3600))
        #expect(trace.requests.allSatisfy { $0.size >= 10_000_000 && $0.operation == .get })
    }
}
