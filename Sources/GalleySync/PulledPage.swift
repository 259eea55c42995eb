import GalleyModel
import JSONRPC

/// A `sync.pull` page read from its JSON text. The page's own members and each item's metadata
/// are parsed; each document stays text, cut from the page, because the replica stores it as
/// text: building its values only to write them again was a third of what a clone cost the
/// client (BENCHMARKS.md, "Documents through the sync feed as text"). Every byte is still
/// checked as strictly as the parser checks it.
struct PulledPage: Sendable {
    var items: [PulledItem]
    var cursor: String
    var head: Int
    var consistentAt: Int64?
    var hasMore: Bool
    var snapshotSize: Int?

    /// Reads the page in one pass over its text.
    init(text: [UInt8]) throws {
        var items: [PulledItem]?
        var values: [String: JSONValue] = [:]
        do {
            try text.withUnsafeBytes { bytes in
                try JSONParser.scan(bytes, in: 0..<bytes.count, maxDepth: 512) { page in
                    guard page.peek() == UInt8(ascii: "{") else { throw PulledPage.malformed }
                    try page.readObject { name, value in
                        switch name {
                        case "items":
                            // Of a repeated name the last counts, as in parsing.
                            guard value.peek() == UInt8(ascii: "[") else {
                                items = nil
                                _ = try value.skip()
                                return
                            }
                            var list: [PulledItem] = []
                            try value.readArray { item in list.append(try PulledItem(&item, bytes)) }
                            items = list
                        case "cursor", "head", "consistentAt", "hasMore", "snapshotSize":
                            values[name] = try value.value()
                        default:
                            _ = try value.skip()
                        }
                    }
                }
            }
        } catch let error as ReplicaError {
            throw error
        } catch {
            throw Self.malformed
        }
        guard let items, let cursor = values["cursor"]?.stringValue, let head = values["head"]?.intValue else { throw Self.malformed }
        self.items = items
        self.cursor = cursor
        self.head = head
        self.consistentAt = values["consistentAt"]?.intValue.map(Int64.init)
        self.hasMore = values["hasMore"]?.boolValue ?? false
        self.snapshotSize = values["snapshotSize"]?.intValue
    }

    static let malformed = ReplicaError.unusable("the server sent a malformed sync page")
}

/// One entity of a pulled page: its metadata, and its document as text (nil for a tombstone,
/// or an item whose `data` is not an object, which the replica reads as one).
struct PulledItem: Sendable {
    var type: EntityType
    var id: String
    var version: Int
    var seq: Int64
    var deleted: Bool
    var document: PulledDocument?

    fileprivate init(_ scanner: inout JSONScanner, _ bytes: UnsafeRawBufferPointer) throws {
        let start = scanner.offset
        // One variable per member, not a dictionary: hashing names was 2% of a clone.
        var type: JSONValue?
        var id: JSONValue?
        var version: JSONValue?
        var seq: JSONValue?
        var deleted: JSONValue?
        var document: PulledDocument?
        if scanner.peek() == UInt8(ascii: "{") {
            try scanner.readObject { name, value in
                switch name {
                case "type": type = try value.value()
                case "id": id = try value.value()
                case "version": version = try value.value()
                case "seq": seq = try value.value()
                case "deleted": deleted = try value.value()
                case "data":
                    document = value.peek() == UInt8(ascii: "{") ? try PulledDocument(&value, bytes) : nil
                    if document == nil { _ = try value.skip() }
                default:
                    _ = try value.skip()
                }
            }
        } else {
            _ = try scanner.skip()
        }
        guard let typeName = type?.stringValue, let type = EntityType(rawValue: typeName),
            let id = id?.stringValue, let version = version?.intValue, let seq = seq?.intValue
        else {
            let text = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[start..<scanner.offset]), as: UTF8.self)
            throw ReplicaError.unusable("the server sent a malformed sync item: \(text)")
        }
        self.type = type
        self.id = id
        self.version = version
        self.seq = Int64(seq)
        self.deleted = deleted?.boolValue ?? false
        if !self.deleted, var document {
            if type != .article { document.mediaIDs = [] }
            self.document = document
        }
    }
}

/// A pulled document: the text the replica stores (without the metadata members the page adds)
/// and what the replica's columns and `media_use` need from it.
struct PulledDocument: Sendable {
    var text: String
    var createdAt = ""
    var updatedAt = ""
    var createdBy = ""
    var updatedBy = ""
    /// The media an article uses (``ChangesetApplier/mediaIDs(usedBy:)``): the lead media and
    /// every media block's. Gathered before the item's type is known; kept for articles only.
    var mediaIDs: Set<String> = []
    /// The lookup members (`slug`, `fromId`, `toId`) when they are strings, the last of a
    /// repeated name, as the stored text keeps it.
    var lookups = Lookups()

    /// Whether `name` is one of the metadata members of an item's `data`, which are the row's
    /// columns, not its document.
    static func isMetadata(_ name: String) -> Bool {
        switch name {
        case "id", "version", "seq", "createdAt", "updatedAt", "createdBy", "updatedBy": true
        default: false
        }
    }

    fileprivate init(_ scanner: inout JSONScanner, _ bytes: UnsafeRawBufferPointer) throws {
        var members: [(name: String, value: Range<Int>)] = []
        var createdAt: String?
        var updatedAt: String?
        var createdBy: String?
        var updatedBy: String?
        var lead: String?
        var blockMedia: [String]?
        var lookups = Lookups()
        let documentStart = scanner.offset
        try scanner.readObject { name, value in
            let start = value.offset
            switch name {
            case "createdAt": createdAt = try value.value().stringValue
            case "updatedAt": updatedAt = try value.value().stringValue
            case "createdBy": createdBy = try value.value().stringValue
            case "updatedBy": updatedBy = try value.value().stringValue
            case "leadMediaId":
                lead = try value.value().stringValue
            case "slug":
                lookups.slug = try value.value().stringValue
            case "fromId":
                lookups.fromID = try value.value().stringValue
            case "toId":
                lookups.toID = try value.value().stringValue
            case "body":
                blockMedia = value.peek() == UInt8(ascii: "[") ? try Self.mediaBlocks(&value) : nil
                if blockMedia == nil { _ = try value.skip() }
            default:
                _ = try value.skip()
            }
            members.append((name, start..<value.offset))
        }
        self.createdAt = createdAt ?? ""
        self.updatedAt = updatedAt ?? ""
        self.createdBy = createdBy ?? ""
        self.updatedBy = updatedBy ?? ""
        self.lookups = lookups
        if let lead { self.mediaIDs.insert(lead.lowercased()) }
        for id in blockMedia ?? [] { self.mediaIDs.insert(id.lowercased()) }
        // The document's own members, as they came; of a repeated name the last counts, as in
        // parsing. (A document has a dozen members: comparing names costs less than hashing them.)
        var text: [UInt8] = [UInt8(ascii: "{")]
        text.reserveCapacity(scanner.offset - documentStart)
        for (index, member) in members.enumerated() where !Self.isMetadata(member.name) {
            if members[(index + 1)...].contains(where: { $0.name == member.name }) { continue }
            if text.count > 1 { text.append(UInt8(ascii: ",")) }
            JSONWriter.write(.string(member.name), into: &text)
            text.append(UInt8(ascii: ":"))
            text.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[member.value]))
        }
        text.append(UInt8(ascii: "}"))
        self.text = String(decoding: text, as: UTF8.self)
    }

    /// The `mediaId` of every block of `type` "media" in the body array at the scanner.
    private static func mediaBlocks(_ scanner: inout JSONScanner) throws -> [String] {
        var ids: [String] = []
        try scanner.readArray { block in
            guard block.peek() == UInt8(ascii: "{") else {
                _ = try block.skip()
                return
            }
            var type: JSONValue?
            var mediaID: String?
            try block.readObject { name, value in
                switch name {
                case "type": type = try value.value()
                case "mediaId": mediaID = try value.value().stringValue
                default: _ = try value.skip()
                }
            }
            if type == "media", let mediaID { ids.append(mediaID) }
        }
        return ids
    }
}
