/// A serverless platform with the semantics of AWS Lambda that InfiniCache relies on.
///
/// - ``invoke(_:payload:)`` runs the function on an idle warm instance if there is one,
///   else cold-starts a new instance with empty memory; concurrent invocations of one
///   function run on distinct instances (this is how a function gets a backup peer).
/// - An instance runs from invocation until it returns; the platform meters the billed
///   duration, rounded up to its granularity, with the invocation count and memory size.
/// - The provider may reclaim an idle instance at any time; its memory is gone.
public protocol FunctionPlatform: Sendable {
    /// Invokes `function` and returns once the instance is running and reachable.
    ///
    /// - Throws: ``PlatformError`` if the function is unknown or cannot be started.
    func invoke(_ function: String, payload: InvocationPayload) async throws(PlatformError) -> any FunctionInvocation

    /// What every function has been billed for so far.
    func usage() -> [FunctionUsage]
}
