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

    init(text: [UInt8]) throws {
        var page: Self?
        try text.withUnsafeBytes { bytes in page = try Self(bytes) }
        self = page!
    }

    private init(_ bytes: UnsafeRawBufferPointer) throws {
        guard let members = try? JSONParser.members(of: bytes, in: 0..<bytes.count, maxDepth: 512) else {
            throw ReplicaError.unusable("the server sent a malformed sync page")
        }
        let page = PageText(bytes: bytes, members: members)
        guard let cursor = page.value("cursor")?.stringValue, let head = page.value("head")?.intValue,
            let items = page.range("items"), let elements = try? JSONParser.elements(of: bytes, in: items, maxDepth: 512)
        else {
            throw ReplicaError.unusable("the server sent a malformed sync page")
        }
        self.cursor = cursor
        self.head = head
        self.consistentAt = page.value("consistentAt")?.intValue.map(Int64.init)
        self.hasMore = page.value("hasMore")?.boolValue ?? false
        self.snapshotSize = page.value("snapshotSize")?.intValue
        self.items = try elements.map { try PulledItem(bytes, $0) }
    }
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

    fileprivate init(_ bytes: UnsafeRawBufferPointer, _ range: Range<Int>) throws {
        let members = bytes[range.lowerBound] == UInt8(ascii: "{") ? try? JSONParser.members(of: bytes, in: range, maxDepth: 512) : nil
        let item = PageText(bytes: bytes, members: members ?? [])
        guard let typeName = item.value("type")?.stringValue, let type = EntityType(rawValue: typeName),
            let id = item.value("id")?.stringValue, let version = item.value("version")?.intValue, let seq = item.value("seq")?.intValue
        else {
            let text = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[range]), as: UTF8.self)
            throw ReplicaError.unusable("the server sent a malformed sync item: \(text)")
        }
        self.type = type
        self.id = id
        self.version = version
        self.seq = Int64(seq)
        self.deleted = item.value("deleted")?.boolValue ?? false
        if !self.deleted, let data = item.range("data"), bytes[data.lowerBound] == UInt8(ascii: "{") {
            self.document = try PulledDocument(bytes, data, type: type)
        }
    }
}

/// A pulled document: the text the replica stores (without the metadata members the page adds)
/// and what the replica's columns and `media_use` need from it.
struct PulledDocument: Sendable {
    /// Whether `name` is one of the metadata members of an item's `data`, which are the row's
    /// columns, not its document.
    static func isMetadata(_ name: String) -> Bool {
        switch name {
        case "id", "version", "seq", "createdAt", "updatedAt", "createdBy", "updatedBy": true
        default: false
        }
    }

    var text: String
    var createdAt: String
    var updatedAt: String
    var createdBy: String
    var updatedBy: String
    /// The media an article uses (``ChangesetApplier/mediaIDs(usedBy:)``); empty for others.
    var mediaIDs: Set<String>

    fileprivate init(_ bytes: UnsafeRawBufferPointer, _ range: Range<Int>, type: EntityType) throws {
        let data = PageText(bytes: bytes, members: try JSONParser.members(of: bytes, in: range, maxDepth: 512))
        self.createdAt = data.value("createdAt")?.stringValue ?? ""
        self.updatedAt = data.value("updatedAt")?.stringValue ?? ""
        self.createdBy = data.value("createdBy")?.stringValue ?? ""
        self.updatedBy = data.value("updatedBy")?.stringValue ?? ""
        // The document's own members, as they came; of a repeated name the last counts, as in parsing.
        // (A document has a dozen members: comparing names costs less than hashing them.)
        let members = data.members
        var text: [UInt8] = [UInt8(ascii: "{")]
        text.reserveCapacity(range.count)
        for (index, member) in members.enumerated() where !Self.isMetadata(member.name) {
            if members[(index + 1)...].contains(where: { $0.name == member.name }) { continue }
            if text.count > 1 { text.append(UInt8(ascii: ",")) }
            JSONWriter.write(.string(member.name), into: &text)
            text.append(UInt8(ascii: ":"))
            text.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[member.value]))
        }
        text.append(UInt8(ascii: "}"))
        self.text = String(decoding: text, as: UTF8.self)
        self.mediaIDs = type == .article ? Self.mediaIDs(data) : []
    }

    /// ``ChangesetApplier/mediaIDs(usedBy:)`` over the text: the lead media and every media block's.
    private static func mediaIDs(_ data: PageText) -> Set<String> {
        var ids = Set<String>()
        if let lead = data.value("leadMediaId")?.stringValue { ids.insert(lead.lowercased()) }
        guard let body = data.range("body"), data.bytes[body.lowerBound] == UInt8(ascii: "["),
            let blocks = try? JSONParser.elements(of: data.bytes, in: body, maxDepth: 512)
        else { return ids }
        for block in blocks where data.bytes[block.lowerBound] == UInt8(ascii: "{") {
            guard let members = try? JSONParser.members(of: data.bytes, in: block, maxDepth: 512) else { continue }
            let fields = PageText(bytes: data.bytes, members: members)
            if fields.value("type") == "media", let id = fields.value("mediaId")?.stringValue { ids.insert(id.lowercased()) }
        }
        return ids
    }
}

/// An object's members within the page text, parsed one at a time when asked for.
private struct PageText {
    let bytes: UnsafeRawBufferPointer
    let members: [(name: String, value: Range<Int>)]

    /// The byte range of member `name`'s value (the last, when the name repeats).
    func range(_ name: String) -> Range<Int>? {
        self.members.last { $0.name == name }?.value
    }

    /// Member `name`'s value, parsed.
    func value(_ name: String) -> JSONValue? {
        self.range(name).flatMap { try? JSONParser.parse(UnsafeRawBufferPointer(rebasing: self.bytes[$0]), maxDepth: 512) }
    }
}
