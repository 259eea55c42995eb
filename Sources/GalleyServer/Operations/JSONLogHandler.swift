import Foundation
import GalleyModel
import JSONRPC
import Logging

/// A swift-log handler that writes one JSON object per line (`--log-format json`), for log
/// shippers (journald, Loki, Elasticsearch...): `{"ts","level","label","message", ...metadata}`.
/// Metadata keys come after the fixed ones; a metadata key that collides with one is prefixed
/// with `meta.`. Written by hand: swift-log ships only a plain-text stream handler.
public struct JSONLogHandler: LogHandler {
    public var logLevel: Logger.Level = .info
    public var metadata: Logger.Metadata = [:]
    public var metadataProvider: Logger.MetadataProvider?
    private let label: String
    private let write: @Sendable (String) -> Void

    /// Writes to standard error, one line per record.
    public static func standardError(label: String) -> JSONLogHandler {
        JSONLogHandler(label: label) { line in
            FileHandle.standardError.write(Data(line.utf8))
        }
    }

    public init(label: String, write: @escaping @Sendable (String) -> Void) {
        self.label = label
        self.write = write
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { self.metadata[key] }
        set { self.metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var object: JSONObject = [
            "ts": .string(Timestamp.now()),
            "level": .string(event.level.rawValue),
            "label": .string(self.label),
            "message": .string(event.message.description),
        ]
        var merged = self.metadata
        if let provided = self.metadataProvider?.get() { merged.merge(provided) { $1 } }
        if let extra = event.metadata { merged.merge(extra) { $1 } }
        for key in merged.keys.sorted() {
            let name = object[key] == nil ? key : "meta." + key
            object[name] = Self.json(merged[key]!)
        }
        self.write(JSONWriter.string(.object(object)) + "\n")
    }

    private static func json(_ value: Logger.Metadata.Value) -> JSONValue {
        switch value {
        case .string(let text): .string(text)
        case .stringConvertible(let convertible): .string(convertible.description)
        case .array(let values): .array(values.map(Self.json))
        case .dictionary(let values):
            .object(JSONObject(values.sorted { $0.key < $1.key }.map { ($0.key, Self.json($0.value)) }))
        }
    }
}
