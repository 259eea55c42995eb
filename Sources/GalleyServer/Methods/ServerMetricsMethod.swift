import GalleyModel
import GalleyStore
import JSONRPC
import Logging

/// `server.metrics`: the figures of the Prometheus endpoint, as samples `{name, labels, value}`.
struct ServerMetricsMethod: GalleyMethod {
    static let name = "server.metrics"
    static let access = MethodAccess.role(.admin)

    func call(_ params: JSONValue, context: MethodContext) async throws -> JSONValue {
        context.server.refreshGauges()
        return ["samples": .array(context.server.metrics.samples())]
    }
}
