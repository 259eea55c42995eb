import GalleyModel
import JSONRPC

/// The `sync.pull` cursor: opaque to clients, readable by any galleyd (no server-side state).
/// `s.<head>.<type>.<id>` resumes a snapshot taken at `head`; `l.<seq>` continues the log.
enum SyncCursor: Equatable {
    case snapshot(head: Int64, after: (type: EntityType, id: String)?)
    case log(after: Int64)

    static func == (lhs: SyncCursor, rhs: SyncCursor) -> Bool { lhs.text == rhs.text }

    var text: String {
        switch self {
        case .snapshot(let head, let after):
            guard let after else { return "s.\(head)" }
            return "s.\(head).\(after.type.rawValue).\(after.id)"
        case .log(let seq):
            return "l.\(seq)"
        }
    }

    static func parse(_ text: String) throws -> SyncCursor {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        switch parts.first {
        case "s" where parts.count == 2:
            if let head = Int64(parts[1]), head >= 0 { return .snapshot(head: head, after: nil) }
        case "s" where parts.count == 4:
            if let head = Int64(parts[1]), head >= 0, let type = EntityType(rawValue: parts[2]), ContentRules.isUUID(parts[3]) {
                return .snapshot(head: head, after: (type, parts[3]))
            }
        case "l" where parts.count == 2:
            if let seq = Int64(parts[1]), seq >= 0 { return .log(after: seq) }
        default:
            break
        }
        throw JSONRPCError.invalidParams([(path: "cursor", message: "is not a sync cursor this server issued")])
    }
}
