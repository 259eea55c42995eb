import Foundation
import GalleyModel
import JSONRPC

/// The single-entity writes behind `article set/publish/delete/new`, `media set/new/delete`:
/// read the entity, build the smallest op based on the version read, commit it as one changeset.
public enum EntityWriter {
    /// What a write did: the commit result (nil when nothing needed to change) and the entity after.
    public struct Outcome: Sendable {
        public var result: JSONObject?
        public var entity: JSONObject?
        public var type: EntityType

        public init(result: JSONObject?, entity: JSONObject?, type: EntityType) {
            self.result = result
            self.entity = entity
            self.type = type
        }

        /// One line for a person: `updated article SLUG to version 4 (changeset 12)`.
        public var summary: String {
            let name = self.type == .article ? Listing.plain(self.entity?["slug"]) : Listing.plain(self.entity?["id"])
            guard let result else { return "\(self.type.rawValue) \(name) already as asked: nothing to commit\n" }
            let seq = Listing.plain(result["seq"])
            let results = result["results"]?.arrayValue ?? []
            let verb = Listing.plain(results.first?["op"])
            let cascaded = results.filter { $0["cascade"] == true }.count
            var line: String
            switch verb {
            case "create": line = "created \(self.type.rawValue) \(name) (\(Listing.plain(self.entity?["id"])))"
            case "delete": line = "deleted \(self.type.rawValue) \(Listing.plain(results.first?["id"]))"
            default: line = "updated \(self.type.rawValue) \(name) to version \(Listing.plain(self.entity?["version"]))"
            }
            if result["queued"] == true {
                line += " in the replica: queued as changeset \(Listing.plain(result["id"])); `galley push` or `galley sync` sends it"
            } else {
                line += " in changeset \(seq)"
            }
            if cascaded > 0 { line += ", with \(cascaded) link\(cascaded == 1 ? "" : "s") to or from it" }
            if result["replayed"] == true { line += " (replayed: it was already committed)" }
            return line + "\n"
        }

        /// `{changeset, entity}`, as the API's wrappers answer.
        public var json: JSONObject {
            ["changeset": self.result.map { .object($0) } ?? .null, "entity": self.entity.map { .object($0) } ?? .null]
        }
    }

    /// A fresh changeset id (time-ordered).
    public static func newChangesetID() -> String { UUIDv7.make() }

    /// Reads an entity by reference (articles: id or slug; media: id).
    public static func read(_ type: EntityType, _ reference: String, backend: any ContentBackend) async throws -> JSONObject {
        switch type {
        case .article: try await backend.article(reference, version: nil)
        case .media: try await backend.media(id: reference, version: nil)
        case .link: throw CLIError.usage("links are read through their article: galley link list SLUG")
        }
    }

    /// Applies `changes` to the entity as last read: nothing when it is already so.
    public static func update(_ type: EntityType, _ reference: String, changes: FieldChanges, message: String, backend: any ContentBackend) async throws -> Outcome {
        let current = try await Self.read(type, reference, backend: backend)
        guard let update = changes.update(for: current) else { return Outcome(result: nil, entity: current, type: type) }
        let id = Listing.plain(current["id"])
        let op = Ops.update(type, id: id, baseVersion: current["version"]?.intValue, set: update.set, unset: update.unset)
        let result = try await backend.commit(ChangesetRequest(id: Self.newChangesetID(), message: message, ops: [op]))
        return Outcome(result: result, entity: try await Self.read(type, id, backend: backend), type: type)
    }

    /// Creates an entity (with `id`, or a new one) and reads it back.
    public static func create(_ type: EntityType, id: String?, data: JSONObject, message: String, backend: any ContentBackend) async throws -> Outcome {
        let errors = ContentRules.validateCreate(data, type: type, pathPrefix: "")
        if !errors.isEmpty {
            throw CLIError.usage("the new \(type.rawValue) breaks the content rules:\n" + errors.map { "  \($0)" }.joined(separator: "\n"))
        }
        let entityID = id ?? UUIDv7.make()
        let result = try await backend.commit(ChangesetRequest(id: Self.newChangesetID(), message: message, ops: [Ops.create(type, id: entityID, data: data)]))
        let entity: JSONObject? = type == .link ? nil : try await Self.read(type, entityID, backend: backend)
        return Outcome(result: result, entity: entity ?? ["id": .string(entityID)], type: type)
    }

    /// Deletes an entity based on the version read (a change since then is a conflict).
    public static func delete(_ type: EntityType, _ reference: String, message: String, backend: any ContentBackend) async throws -> Outcome {
        let current = try await Self.read(type, reference, backend: backend)
        let op = Ops.delete(type, id: Listing.plain(current["id"]), baseVersion: current["version"]?.intValue)
        let result = try await backend.commit(ChangesetRequest(id: Self.newChangesetID(), message: message, ops: [op]))
        return Outcome(result: result, entity: nil, type: type)
    }
}
