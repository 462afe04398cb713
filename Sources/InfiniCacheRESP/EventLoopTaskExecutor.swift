import NIOCore

/// Runs a task's jobs on one NIO event loop: a connection's commands are then carried out
/// on the thread that reads and writes its socket, without a hop to the global executor and
/// back for each command.
final class EventLoopTaskExecutor: TaskExecutor {
    private let eventLoop: any EventLoop

    init(_ eventLoop: any EventLoop) {
        self.eventLoop = eventLoop
    }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        self.eventLoop.execute {
            job.runSynchronously(on: self.asUnownedTaskExecutor())
        }
    }
}
