import ChunkTransport
import ChunkTransportTCP
import ChunkWire
import Synchronization

/// One of a client's TCP connections to a proxy, re-established on the next request once
/// the proxy (or the network) closed it: requests that arrive while it reconnects wait
/// for the new connection and are sent on it, or fail with the reason it could not be
/// made. Closing it for good ends that.
final class ProxyConnection: FrameTransport {
    /// The connection's state: what the next request does.
    enum State {
        /// Send on this connection while it is open; reconnect when it has closed.
        case connected(FrameConnection)
        /// Reconnecting: requests wait.
        case connecting([WaitingRequest])
        /// The last reconnect failed: the next request tries again.
        case disconnected
        /// Closed by its owner: requests fail.
        case closed
    }

    private let host: String
    private let port: Int
    private let token: [UInt8]?
    private let configuration: TransportConfiguration
    private let state: Mutex<State>

    private init(host: String, port: Int, token: [UInt8]?, configuration: TransportConfiguration, connection: FrameConnection) {
        self.host = host
        self.port = port
        self.token = token
        self.configuration = configuration
        self.state = Mutex(.connected(connection))
    }

    /// Connects to the proxy at `host`:`port`, presenting `token` if given.
    ///
    /// - Throws: `TransportError` if it cannot be reached or refuses the token.
    static func connect(host: String, port: Int, token: [UInt8]? = nil, configuration: TransportConfiguration) async throws -> ProxyConnection {
        let connection = try await FrameClient.connect(host: host, port: port, token: token, configuration: configuration)
        return ProxyConnection(host: host, port: port, token: token, configuration: configuration, connection: connection)
    }

    func send(_ request: Frame, onResponse: @escaping ResponseHandler) -> PendingRequest {
        let waiting = WaitingRequest(request, onResponse: onResponse)
        enum Next {
            case send(FrameConnection)
            case wait
            case reconnect
            case fail
        }
        let next = self.state.withLock { state -> Next in
            switch state {
            case .connected(let connection) where connection.isOpen:
                return .send(connection)
            case .connected, .disconnected:
                state = .connecting([waiting])
                return .reconnect
            case .connecting(var waiters):
                waiters.append(waiting)
                state = .connecting(waiters)
                return .wait
            case .closed:
                return .fail
            }
        }
        switch next {
        case .send(let connection):
            return connection.send(request, onResponse: onResponse)
        case .wait:
            return PendingRequest { waiting.cancel() }
        case .reconnect:
            self.reconnect()
            return PendingRequest { waiting.cancel() }
        case .fail:
            onResponse(.failure(TransportError(.connectionClosed, "the connection to the proxy was closed")))
            return PendingRequest {}
        }
    }

    /// The connection in use, if one is: for tests that close it under the client's feet.
    var currentConnection: FrameConnection? {
        self.state.withLock { state in
            if case .connected(let connection) = state { connection } else { nil }
        }
    }

    /// Closes the connection for good: waiting and later requests fail.
    func close() async {
        let previous = self.state.withLock { state in
            defer { state = .closed }
            return state
        }
        switch previous {
        case .connected(let connection):
            await connection.close()
        case .connecting(let waiters):
            for waiter in waiters {
                waiter.fail(TransportError(.connectionClosed, "the connection to the proxy was closed"))
            }
        case .disconnected, .closed:
            break
        }
    }

    private func reconnect() {
        Task {
            let result: Result<FrameConnection, any Error>
            do {
                result = .success(try await FrameClient.connect(host: self.host, port: self.port, token: self.token, configuration: self.configuration))
            } catch {
                result = .failure(error)
            }
            // Requests that waited go on the new connection; if it could not be made they
            // fail, and the next request tries again.
            let (waiters, stillWanted) = self.state.withLock { state -> ([WaitingRequest], Bool) in
                guard case .connecting(let waiters) = state else { return ([], false) }
                switch result {
                case .success(let connection): state = .connected(connection)
                case .failure: state = .disconnected
                }
                return (waiters, true)
            }
            switch result {
            case .success(let connection):
                guard stillWanted else {
                    await connection.close()
                    return
                }
                for waiter in waiters {
                    waiter.send(on: connection)
                }
            case .failure(let error):
                for waiter in waiters {
                    waiter.fail(TransportError(.connectFailed, "cannot reconnect to the proxy at \(self.host):\(self.port)", cause: error))
                }
            }
        }
    }
}

/// A request waiting for its connection to be re-established, and how to cancel it
/// whether it has been sent on by then or not.
final class WaitingRequest: Sendable {
    private let request: Frame
    private let onResponse: ResponseHandler
    private let state = Mutex<(isCancelled: Bool, sent: PendingRequest?)>((false, nil))

    init(_ request: Frame, onResponse: @escaping ResponseHandler) {
        self.request = request
        self.onResponse = onResponse
    }

    func send(on connection: FrameConnection) {
        guard !self.state.withLock({ $0.isCancelled }) else { return }
        let sent = connection.send(self.request, onResponse: self.onResponse)
        let isCancelled = self.state.withLock { state in
            state.sent = sent
            return state.isCancelled
        }
        if isCancelled {
            sent.cancel()
        }
    }

    func fail(_ error: TransportError) {
        if !self.state.withLock({ $0.isCancelled }) {
            self.onResponse(.failure(error))
        }
    }

    func cancel() {
        self.state.withLock { state in
            state.isCancelled = true
            return state.sent
        }?.cancel()
    }
}
