/// Runs `work` now and then every `interval` of real time after it finished, until the
/// task is cancelled: the tick loop of the platform's and the lifecycle's services.
package func repeatEvery(_ interval: Duration, _ work: () async -> Void) async {
    while !Task.isCancelled {
        await work()
        try? await Task.sleep(for: interval)
    }
}
