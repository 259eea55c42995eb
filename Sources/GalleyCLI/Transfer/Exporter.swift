import Foundation
import GalleyModel
import JSONRPC

/// `galley export`: every live entity as NDJSON. The first line is a header
/// `{"format":"galley-export","formatVersion":1,"head":N,...}` naming the format and the changeset
/// the content is consistent at; then one entity per line, `{"type","id","version","data"}` with
/// the entity's stored document, in dependency order: media, articles, links (so an import can
/// create each before what refers to it).
public enum Exporter {
    public static let format = "galley-export"
    public static let formatVersion = 1
    /// The order entity types are written (and must be imported) in.
    public static let typeOrder: [EntityType] = [.media, .article, .link]

    /// Reads a consistent snapshot and writes it through `write`, one line per call. Returns the
    /// number of entities of each type.
    @discardableResult
    public static func export(
        from backend: any ContentBackend,
        types: Set<EntityType> = Set(EntityType.allCases),
        source: String,
        progress: ((Int) -> Void)? = nil,
        write: (String) -> Void
    ) async throws -> [EntityType: Int] {
        var byType: [EntityType: [JSONObject]] = [:]
        var cursor: String?
        var head = 0
        var read = 0
        repeat {
            let page = try await backend.snapshot(cursor: cursor)
            for item in page.items where item["deleted"] != true {
                guard let type = item["type"]?.stringValue.flatMap(EntityType.init(rawValue:)), types.contains(type) else { continue }
                byType[type, default: []].append(item)
            }
            read += page.items.count
            progress?(read)
            head = page.head
            cursor = page.nextCursor
        } while cursor != nil
        var counts: JSONObject = [:]
        for type in Self.typeOrder where types.contains(type) {
            counts[type.rawValue] = .number(JSONNumber(byType[type]?.count ?? 0))
        }
        let header: JSONObject = [
            "format": .string(Self.format), "formatVersion": .number(JSONNumber(Self.formatVersion)),
            "head": .number(JSONNumber(head)), "source": .string(source),
            "exportedAt": .string(ISO8601DateFormatter().string(from: Date())), "counts": .object(counts),
        ]
        write(JSONWriter.string(.object(header)))
        for type in Self.typeOrder {
            for item in byType[type] ?? [] {
                let line: JSONObject = [
                    "type": .string(type.rawValue), "id": item["id"] ?? .null, "version": item["version"] ?? .null,
                    "data": item["data"] ?? .null,
                ]
                write(JSONWriter.string(.object(line)))
            }
        }
        return Dictionary(uniqueKeysWithValues: Self.typeOrder.map { ($0, byType[$0]?.count ?? 0) })
    }
}
