import ChunkTransport
import ChunkTransportInProcess
import ChunkWire
import InfiniCacheClient
import InfiniCacheProxy
@testable import InfiniCacheRESP
import InfiniCacheTesting
import NIOCore
import RESPWire
import Synchronization
import TestSupport
import Testing

/// Runs commands through an executor over an in-process cluster whose proxy reads a
/// manual clock.
private struct Harness {
    let cluster: LocalCluster
    let clock: ManualWallClock
    let executor: RESPCommandExecutor

    init(password: String? = nil) async throws {
        let clock = ManualWallClock()
        self.clock = clock
        self.cluster = try await LocalCluster.start(
            wiring: .inProcess, nodeCount: 6, client: ClientConfiguration(dataChunkCount: 4, parityChunkCount: 2), wallClock: { clock.milliseconds }
        )
        self.executor = RESPCommandExecutor(client: self.cluster.client, password: password.map { Array($0.utf8) })
    }

    func run(_ words: String..., session: inout RESPSession) async -> RESPValue {
        await self.executor.execute(words.map { ByteBuffer(string: $0) }, session: &session)
    }
}

@Suite("RESP commands")
struct RESPCommandExecutorTests {
    @Test("SET with an expiry reads as missing once the proxy's clock passes it; TTL rounds as Redis does")
    func expiryOnASimulatedClock() async throws {
        let harness = try await Harness()
        defer { Task { await harness.cluster.stop() } }
        var session = harness.executor.openSession()
        #expect(await harness.run("SET", "k", "v", "PX", "2600", session: &session) == .ok)
        #expect(await harness.run("TTL", "k", session: &session) == .integer(3))
        harness.clock.advance(by: 2_000)
        #expect(await harness.run("PTTL", "k", session: &session) == .integer(600))
        #expect(await harness.run("TTL", "k", session: &session) == .integer(1))
        #expect(await harness.run("GET", "k", session: &session) == .bulkString("v"))
        harness.clock.advance(by: 600)
        #expect(await harness.run("GET", "k", session: &session) == .bulkString(nil))
        #expect(await harness.run("TTL", "k", session: &session) == .integer(-2))
        #expect(await harness.run("DBSIZE", session: &session) == .integer(0))
    }

    @Test("GETRANGE with both ends from the start reads the range in one round trip, clamped as Redis clamps it")
    func getrangeInOneRoundTrip() async throws {
        let cluster = try await LocalCluster.start(wiring: .inProcess, nodeCount: 6, client: ClientConfiguration(dataChunkCount: 4, parityChunkCount: 2))
        defer { Task { await cluster.stop() } }
        let requests = CountingTransport(InProcessTransport(to: cluster.proxy))
        let client = try InfiniCacheClient(proxies: [[requests]], configuration: ClientConfiguration(dataChunkCount: 4, parityChunkCount: 2))
        let executor = RESPCommandExecutor(client: client)
        var session = executor.openSession()
        func run(_ words: String...) async -> RESPValue {
            await executor.execute(words.map { ByteBuffer(string: $0) }, session: &session)
        }
        #expect(await run("SET", "r", "Hello, World") == .ok)
        #expect(await run("GETRANGE", "r", "0", "4") == .bulkString("Hello"))
        #expect(await run("GETRANGE", "r", "7", "1000") == .bulkString("World"))
        #expect(await run("GETRANGE", "r", "100", "200") == .bulkString(""))
        #expect(await run("GETRANGE", "r", "5", "2") == .bulkString(""))
        #expect(await run("GETRANGE", "missing", "0", "2") == .bulkString(""))
        #expect(requests.count(of: .statObject) == 0, "no round trip to learn the length")
        #expect(await run("GETRANGE", "r", "-5", "-1") == .bulkString("World"))
        #expect(await run("GETRANGE", "r", "2", "9223372036854775807") == .bulkString("llo, World"))
        #expect(requests.count(of: .statObject) == 2, "a negative end, or a range past the client's limit, needs the length")
    }

    @Test("unknown commands and wrong arities are errors and the session goes on")
    func errorsKeepTheSession() async throws {
        let harness = try await Harness()
        defer { Task { await harness.cluster.stop() } }
        var session = harness.executor.openSession()
        #expect(await harness.run("FROB", "a", session: &session) == .error("ERR unknown command 'FROB', with args beginning with: 'a' "))
        #expect(await harness.run("get", session: &session) == .error("ERR wrong number of arguments for 'get' command"))
        #expect(await harness.run("MSET", "a", session: &session) == .error("ERR wrong number of arguments for 'mset' command"))
        #expect(await harness.run("set", "a", "1", session: &session) == .ok)
        #expect(await harness.run("Get", "a", session: &session) == .bulkString("1"))
    }

    @Test("with a password, only AUTH, HELLO and QUIT work before authenticating")
    func authentication() async throws {
        let harness = try await Harness(password: "secret")
        defer { Task { await harness.cluster.stop() } }
        var session = harness.executor.openSession()
        #expect(await harness.run("GET", "a", session: &session) == .error("NOAUTH Authentication required."))
        #expect(await harness.run("AUTH", "wrong", session: &session) == .error("WRONGPASS invalid username-password pair or user is disabled."))
        #expect(await harness.run("AUTH", "someone", "secret", session: &session) == .error("WRONGPASS invalid username-password pair or user is disabled."))
        guard case .error(let text) = await harness.run("HELLO", "3", session: &session) else {
            Issue.record("HELLO without AUTH answered")
            return
        }
        #expect(text.hasPrefix("NOAUTH"))
        #expect(await harness.run("AUTH", "default", "secret", session: &session) == .ok)
        #expect(await harness.run("GET", "a", session: &session) == .bulkString(nil))
        var other = harness.executor.openSession()
        guard case .map(let pairs) = await harness.run("HELLO", "3", "AUTH", "default", "secret", "SETNAME", "app", session: &other) else {
            Issue.record("HELLO with AUTH did not answer with a map")
            return
        }
        #expect(pairs.contains(.init(.bulkString("proto"), .integer(3))))
        #expect(other.version == .resp3 && other.isAuthenticated && other.name == "app")
        #expect(await harness.run("CLIENT", "GETNAME", session: &other) == .bulkString("app"))
    }

    @Test("COMMAND describes every command; INFO has Redis's sections and the keyspace")
    func introspection() async throws {
        let harness = try await Harness()
        defer { Task { await harness.cluster.stop() } }
        var session = harness.executor.openSession()
        #expect(await harness.run("COMMAND", "COUNT", session: &session) == .integer(Int64(RESPCommandExecutor.commands.count)))
        guard case .array(let infos?) = await harness.run("COMMAND", "INFO", "get", "nope", session: &session) else {
            Issue.record("COMMAND INFO did not answer with an array")
            return
        }
        #expect(infos.count == 2 && infos[1] == .array(nil))
        #expect(infos[0] == RESPCommandExecutor.commands["GET"]!.info)
        _ = await harness.run("SET", "a", "1", "EX", "100", session: &session)
        _ = await harness.run("SET", "b", "2", session: &session)
        guard case .verbatimString(_, let text) = await harness.run("INFO", session: &session) else {
            Issue.record("INFO did not answer with text")
            return
        }
        for section in ["# Server", "# Clients", "# Memory", "# Stats", "# Keyspace"] {
            #expect(text.contains(section + "\r\n"), "\(section)")
        }
        #expect(text.contains("db0:keys=2,expires=1,avg_ttl=0\r\n"))
        guard case .verbatimString(_, let keyspace) = await harness.run("INFO", "keyspace", session: &session) else { return }
        #expect(!keyspace.contains("# Server"))
    }

    @Test("SCAN walks every key in pages; MATCH filters each page")
    func scan() async throws {
        let harness = try await Harness()
        defer { Task { await harness.cluster.stop() } }
        var session = harness.executor.openSession()
        for index in 0..<25 {
            _ = await harness.run("SET", "user:\(index)", "x", session: &session)
        }
        _ = await harness.run("SET", "other", "x", session: &session)
        var cursor = "0"
        var keys: [String] = []
        repeat {
            guard case .array(let reply?) = await harness.run("SCAN", cursor, "MATCH", "user:*", "COUNT", "4", session: &session),
                case .bulkString(let next?) = reply[0], case .array(let page?) = reply[1]
            else {
                Issue.record("SCAN's reply has the wrong shape")
                return
            }
            cursor = String(buffer: next)
            keys += page.compactMap { if case .bulkString(let key?) = $0 { String(buffer: key) } else { nil } }
        } while cursor != "0"
        #expect(Set(keys) == Set((0..<25).map { "user:\($0)" }) && keys.count == 25)
    }
}

/// Passes requests on to `base`, counting them by opcode.
private final class CountingTransport: FrameTransport {
    private let base: any FrameTransport
    private let counts = Mutex<[Opcode: Int]>([:])

    init(_ base: any FrameTransport) {
        self.base = base
    }

    func count(of opcode: Opcode) -> Int {
        self.counts.withLock { $0[opcode] ?? 0 }
    }

    func send(_ request: Frame, onResponse: @escaping ResponseHandler) -> PendingRequest {
        self.counts.withLock { $0[request.opcode, default: 0] += 1 }
        return self.base.send(request, onResponse: onResponse)
    }

    func close() async {
        await self.base.close()
    }
}
