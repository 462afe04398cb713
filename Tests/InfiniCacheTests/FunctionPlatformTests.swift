import ChunkTransport
import ChunkWire
import FunctionPlatform
import InfiniCacheTesting
import InstanceLaunchers
import LocalFunctionPlatform
import NIOCore
import TestSupport
import Testing

@Suite("Function platform")
struct FunctionPlatformTests {
    private func platform(granularity: Duration = .milliseconds(1), memoryMiB: Int = 1536, policy: ReclaimPolicy = ReclaimPolicy()) -> (LocalFunctionPlatform, ManualClock) {
        let clock = ManualClock()
        let configuration = LocalFunctionPlatform.Configuration(memoryMiB: memoryMiB, nodeCapacity: 1 << 20, billingGranularity: granularity, reclaimPolicy: policy)
        return (LocalFunctionPlatform(functions: ["f", "g"], configuration: configuration, launcher: InProcessLauncher(), clock: clock), clock)
    }

    private func probe(_ invocation: any FunctionInvocation) async throws -> Frame {
        try await invocation.transport.request(Frame(.getChunk, key: ByteBuffer(string: "k"), payloadChecksum: 0))
    }

    @Test("an invocation reuses an idle warm instance; concurrent ones run on distinct instances")
    func routing() async throws {
        let (platform, _) = self.platform()
        let first = try await platform.invoke("f", payload: .serve)
        let concurrent = try await platform.invoke("f", payload: .backup)
        #expect(first.isColdStart && concurrent.isColdStart)
        #expect(first.instanceID != concurrent.instanceID)
        first.end()
        concurrent.end()
        let again = try await platform.invoke("f", payload: .serve)
        #expect(!again.isColdStart)
        #expect(again.instanceID == first.instanceID, "the oldest idle instance (the primary) takes the invocation")
        #expect(platform.usage().first { $0.function == "f" }?.invocations == 3)
    }

    @Test("a frozen instance serves nothing; an unknown function is a typed error")
    func frozenAndUnknown() async throws {
        let (platform, _) = self.platform()
        let invocation = try await platform.invoke("f", payload: .serve)
        #expect(try await self.probe(invocation).opcode == .notFound)
        invocation.end()
        #expect(!invocation.isRunning)
        await #expect {
            _ = try await self.probe(invocation)
        } throws: { error in
            (error as? TransportError)?.code == .connectionClosed
        }
        await #expect {
            _ = try await platform.invoke("nope", payload: .serve)
        } throws: { error in
            (error as? PlatformError)?.code == .unknownFunction
        }
    }

    @Test("an invocation asked to end while it serves a request ends after the request")
    func endWhileServing() async throws {
        let clock = ManualClock()
        let straggler = InProcessLauncher { _, node in DelayedResponder(base: node, delay: .milliseconds(200)) }
        let platform = LocalFunctionPlatform(functions: ["f"], launcher: straggler, clock: clock)
        let invocation = try await platform.invoke("f", payload: .warmUp)
        let request = Task { try await self.probe(invocation) }
        try await poll(attempts: 500, every: .milliseconds(1)) { platform.requestsInFlight > 0 }
        invocation.end()
        #expect(invocation.isRunning, "the request in flight keeps it running")
        await platform.tick()
        #expect(invocation.isRunning)
        #expect(try await request.value.opcode == .notFound)
        #expect(!invocation.isRunning, "it ended with the request's final response")
    }

    @Test("a serving instance returns after the extension window, at the billing boundary")
    func idleReturn() async throws {
        let (platform, clock) = self.platform(granularity: .milliseconds(100))
        let invocation = try await platform.invoke("f", payload: .serve)
        clock.advance(by: .milliseconds(250))
        _ = try await self.probe(invocation)
        // Idle for the 1 s window from 1.25 s; the next 100 ms boundary is 1.3 s.
        clock.advance(by: .milliseconds(1049))
        await platform.tick()
        #expect(invocation.isRunning)
        clock.advance(by: .milliseconds(1))
        await platform.tick()
        #expect(!invocation.isRunning)
        #expect(platform.usage().first { $0.function == "f" }?.billedDuration == .milliseconds(1300))
    }

    @Test("idle instances are reclaimed after the maximum idle lifetime and by chaos, taking their memory")
    func reclaim() async throws {
        let (platform, clock) = self.platform(policy: ReclaimPolicy(maximumIdleLifetime: .seconds(600)))
        let invocation = try await platform.invoke("f", payload: .warmUp)
        invocation.end()
        clock.advance(by: .seconds(599))
        await platform.tick()
        #expect(platform.instances(of: "f").count == 1)
        clock.advance(by: .seconds(1))
        await platform.tick()
        #expect(platform.instances(of: "f").isEmpty)
        #expect(try await platform.invoke("f", payload: .serve).isColdStart)
        let running = try #require(platform.instances(of: "f").first)
        await platform.reclaim("f", instance: running.id)
        #expect(platform.instances(of: "f").isEmpty)
        #expect(platform.usage().first { $0.function == "f" }?.reclaims == 2)
    }

    /// 1000 warm-ups of 12.3 ms, a serve whose last request came 500.3 ms in (1 s
    /// extension window), and a backup of an hour and 40 ms, on 10 GiB functions:
    /// - 1 ms:   13 s + 1.501 s + 3600.040 s = 3614.541 s × 10 GB = 36145.41 GB-s.
    /// - 100 ms: 100 s + 1.6 s + 3600.1 s = 3701.7 s × 10 GB = 37017 GB-s.
    /// Each adds 1002 invocations × $0.0000002 = $0.0002004.
    @Test("the bill of a scripted run equals the hand-computed value", arguments: [(1, 36145.41, 0.602625104847), (100, 37017.0, 0.6171516339)])
    func bill(granularityMilliseconds: Int, gigabyteSeconds: Double, dollars: Double) async throws {
        let (platform, clock) = self.platform(granularity: .milliseconds(granularityMilliseconds), memoryMiB: 10 * 1024)
        for _ in 0..<1000 {
            let warmUp = try await platform.invoke("f", payload: .warmUp)
            clock.advance(by: .microseconds(12_300))
            warmUp.end()
            clock.advance(by: .seconds(1))
        }
        let serve = try await platform.invoke("f", payload: .serve)
        clock.advance(by: .microseconds(500_300))
        _ = try await self.probe(serve)
        clock.advance(by: .seconds(5))
        await platform.tick()
        #expect(!serve.isRunning)
        let backup = try await platform.invoke("g", payload: .backup)
        clock.advance(by: .seconds(3600) + .milliseconds(40))
        backup.end()
        let bill = CostMeter().bill(for: platform.usage(), over: .seconds(3600))
        #expect(bill.invocations == 1002)
        #expect(abs(bill.gigabyteSeconds - gigabyteSeconds) < 1e-6)
        #expect(abs(bill.total - dollars) < 1e-9)
        #expect((bill.total * 100).rounded() == (dollars * 100).rounded())
        #expect(bill.alwaysOnCost == 10.368)
    }
}
