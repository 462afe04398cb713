import ArgumentParser
import Foundation
import FunctionPlatform
import InfiniCacheLifecycle
import InfiniCacheProxy
import InstanceLaunchers
import LocalFunctionPlatform
import Logging

/// The proxy's serverless mode: its cache nodes are functions of a local platform whose
/// instances are `infinicache-node` processes, started on invocation and stopped between
/// invocations, with warm-up and delta-sync backup.
struct FunctionOptions: ParsableArguments {
    @Option(help: "Run this many functions as the cache nodes (infinicache-node processes next to this executable, started on invocation); 0 waits for nodes to dial the node port instead.")
    var functions = 0

    @Option(help: "Memory of each function as billed, in MiB.")
    var functionMemoryMib = 1536

    @Option(help: "Chunk memory of each function instance, in MiB.")
    var functionCapacityMib = 1024

    @Option(help: "Seconds between warm-up invocations of idle functions; 0 turns warm-up off.")
    var warmUpSeconds = 60

    @Option(help: "Seconds between delta-sync backups of every function; 0 turns backup off.")
    var backupSeconds = 300

    @Option(help: "Milliseconds a serving instance waits after its last request before it returns.")
    var extensionWindowMs = 1000

    @Option(help: "Billed durations are rounded up to this many milliseconds.")
    var billingGranularityMs = 1

    @Option(help: "Seconds an idle instance lives before the platform reclaims it; 0 keeps it forever.")
    var maximumIdleSeconds = 27 * 60

    @Option(help: "Chance per hour that the platform reclaims an idle instance at random.")
    var hazardPerHour = 0.0

    func validate() throws {
        guard self.functions >= 0, self.functionMemoryMib > 0, self.functionCapacityMib > 0, self.warmUpSeconds >= 0, self.backupSeconds >= 0,
            self.extensionWindowMs >= 0, self.billingGranularityMs > 0, self.maximumIdleSeconds >= 0, self.hazardPerHour >= 0
        else {
            throw ValidationError("function counts, sizes, intervals and rates cannot be negative (memory, capacity and granularity must be positive)")
        }
    }

    /// Deploys the functions as `infinicache-node` processes found in `executables` and
    /// registers them with `proxy`; nil when there are no functions.
    func deploy(proxy: InfiniCacheProxy, executables: URL, logger: Logger) async throws -> (platform: LocalFunctionPlatform, lifecycle: FunctionLifecycle)? {
        guard self.functions > 0 else { return nil }
        let launcher = try await ProcessLauncher.start(executables: executables)
        let names = (0..<self.functions).map { "function-\($0)" }
        let capacity = self.functionCapacityMib << 20
        let clock = SystemPlatformClock()
        let platform = LocalFunctionPlatform(
            functions: names,
            configuration: LocalFunctionPlatform.Configuration(
                memoryMiB: self.functionMemoryMib,
                nodeCapacity: capacity,
                billingGranularity: .milliseconds(self.billingGranularityMs),
                extensionWindow: .milliseconds(self.extensionWindowMs),
                reclaimPolicy: ReclaimPolicy(maximumIdleLifetime: self.maximumIdleSeconds > 0 ? .seconds(self.maximumIdleSeconds) : nil, hazardPerHour: self.hazardPerHour)
            ),
            launcher: launcher,
            clock: clock,
            logger: logger
        )
        let lifecycle = FunctionLifecycle(
            proxy: proxy,
            platform: platform,
            functions: names,
            nodeCapacity: capacity,
            configuration: FunctionLifecycle.Configuration(
                warmUpInterval: self.warmUpSeconds > 0 ? .seconds(self.warmUpSeconds) : nil,
                backupInterval: self.backupSeconds > 0 ? .seconds(self.backupSeconds) : nil
            ),
            clock: clock,
            logger: logger
        )
        return (platform, lifecycle)
    }
}
