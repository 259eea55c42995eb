import Foundation
import JSONRPC

/// A failure the CLI reports itself, with the exit code scripts rely on: 1 the server (or the
/// replica) refused, 2 the command line is wrong, 3 the server cannot be reached, 4 a conflict.
/// Every message says what to do next.
public enum CLIError: Error, Sendable, CustomStringConvertible {
    case usage(String)
    case server(String)
    case cannotConnect(String)
    case conflict(String)

    public var exitCode: Int32 {
        switch self {
        case .server: 1
        case .usage: 2
        case .cannotConnect: 3
        case .conflict: 4
        }
    }

    public var description: String {
        switch self {
        case .usage(let text), .server(let text), .cannotConnect(let text), .conflict(let text): text
        }
    }
}

/// Turns any error a command meets into the text for stderr and the exit code.
public enum ErrorReport {
    /// Exit code and message for `error`; server errors are printed with their `data`.
    public static func describe(_ error: any Error) -> (exitCode: Int32, text: String) {
        switch error {
        case let error as CLIError:
            return (error.exitCode, "galley: \(error.description)")
        case let error as JSONRPCError:
            return (error.code == -32009 ? 4 : 1, Self.describe(error))
        default:
            return (1, "galley: \(error)")
        }
    }

    /// `error CODE: message`, the data as JSON, then a line saying what to do next.
    public static func describe(_ error: JSONRPCError) -> String {
        var text = "error \(error.code): \(error.message)\n"
        if error.code == -32009, let conflicts = error.data?["conflicts"]?.arrayValue {
            text += Self.conflictSummary(conflicts)
        }
        if error.code == -32022, let errors = error.data?["errors"]?.arrayValue {
            for item in errors {
                text += "  \(item["path"]?.stringValue ?? "") \(item["message"]?.stringValue ?? "")\n"
            }
        }
        if let data = error.data { text += JSONWriter.prettyString(data) + "\n" }
        text += Self.nextStep(error)
        return text
    }

    /// One line per conflicting field: `article 0190… headline: base "A", theirs "B", mine "C"`.
    static func conflictSummary(_ conflicts: [JSONValue]) -> String {
        var text = ""
        for conflict in conflicts {
            let type = conflict["type"]?.stringValue ?? "entity"
            let id = conflict["id"]?.stringValue ?? "?"
            let reason = conflict["reason"]?.stringValue ?? "field_changed"
            let current = conflict["currentVersion"]?.intValue.map(String.init) ?? "?"
            let base = conflict["baseVersion"]?.intValue.map(String.init) ?? "?"
            text += "  \(type) \(id): based on version \(base), now at \(current) (\(reason))\n"
            for field in conflict["fields"]?.arrayValue ?? [] {
                let name = field["field"]?.stringValue ?? "?"
                text += "    \(name): base \(Self.short(field["base"])), theirs \(Self.short(field["theirs"])), mine \(Self.short(field["mine"]))\n"
            }
        }
        return text
    }

    private static func short(_ value: JSONValue?) -> String {
        let text = JSONWriter.string(value ?? .null)
        return text.count > 60 ? String(text.prefix(57)) + "..." : text
    }

    private static func nextStep(_ error: JSONRPCError) -> String {
        switch error.code {
        case -32001:
            "Authenticate: pass --token-file FILE (e.g. galley-data/admin.token) or set GALLEY_TOKEN."
        case -32003:
            "This needs a token with the role named above (writes need editor): ask an admin for one (`galley call token.create`)."
        case -32004:
            "Check the slug or id: `galley article list --query WORDS` or `galley media list` finds it."
        case -32009:
            "Someone changed the same fields since you read them: read the current version (`galley article show SLUG`) and redo your change on it."
        case -32010:
            "The change breaks the rule named by data.kind above; fix the ops (see docs/content-api.md) and run the command again."
        case -32022:
            "Fix the fields listed above and run the command again."
        case -32602:
            "The parameters were refused as listed above; `galley <command> --help` shows the accepted values."
        default:
            "Run the command again; if it keeps failing, the server log says more."
        }
    }
}
