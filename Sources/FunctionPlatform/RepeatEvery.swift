import ServiceLifecycle

/// Runs `tick` now and then every `interval` of real time after it finished, until a
/// graceful shutdown is requested or the task is cancelled: the `run()` of the platform's
/// and the lifecycle's services.
package func tickUntilShutdown(every interval: Duration, _ tick: @escaping @Sendable () async -> Void) async {
    await cancelWhenGracefulShutdown {
        while !Task.isCancelled {
            await tick()
            try? await Task.sleep(for: interval)
        }
    }
}
