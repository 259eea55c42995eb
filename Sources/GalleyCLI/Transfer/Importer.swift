import Foundation
import GalleyModel
import JSONRPC

/// `galley import`: creates or updates entities by id from a `galley export` file, in changesets
/// of at most 10,000 ops and 4 MiB, in the file's (dependency) order. An entity identical to the target's is
/// left alone; an op the server refuses is taken out of its changeset, reported with the reason,
/// and the rest is committed. Changeset ids are derived from their content, so running the same
/// import again replays instead of writing twice.
public struct Importer: Sendable {
    /// One entity line of the file, reduced to its client-writable fields.
    public struct Entry: Sendable {
        public var line: Int
        public var type: EntityType
        public var id: String
        public var data: JSONObject
    }

    /// An entity that could not be imported, and why.
    public struct Failure: Sendable, CustomStringConvertible {
        public var line: Int
        public var type: String
        public var id: String
        public var reason: String
        public var description: String {
            self.id == "?" ? "line \(self.line): \(self.reason)" : "line \(self.line): \(self.type) \(self.id): \(self.reason)"
        }
    }

    /// What an import did (or, in a dry run, would do).
    public struct Summary: Sendable {
        public var created = 0
        public var updated = 0
        public var unchanged = 0
        public var failures: [Failure] = []
        /// The seqs of the committed changesets, in ascending order.
        public var changesets: [Int] = []
        /// False when a dry run could only check locally (more than one changeset: later ones
        /// depend on earlier ones being committed).
        public var checkedByServer = true

        mutating func count(_ ops: [PlannedOp]) {
            for op in ops {
                if op.kind == .create { self.created += 1 } else { self.updated += 1 }
            }
        }
    }

    enum Kind { case create, update }

    struct PlannedOp {
        var entry: Entry
        var kind: Kind
        var op: JSONValue
    }

    public let backend: any ContentBackend
    public var chunkSize: Int
    /// The most JSON bytes of ops one changeset carries: a quarter of galleyd's default 16 MiB
    /// message limit, so 10,000 ops of long articles are split instead of refused as too large.
    public var maximumChunkBytes = 4 * 1024 * 1024

    public init(backend: any ContentBackend, chunkSize: Int = BulkRun.maximumOps) {
        self.backend = backend
        self.chunkSize = min(max(1, chunkSize), BulkRun.maximumOps)
    }

    // MARK: - Reading the file

    /// Reads an export: the header (checked) and the entities; unreadable lines are failures.
    public static func read(_ text: String) throws -> (header: JSONObject, entries: [Entry], failures: [Failure]) {
        // Lines are found and trimmed in the UTF-8 bytes and parsed where they lie: splitting the
        // String into Characters and trimming each line through Foundation (NSString, UTF-16) took
        // four fifths of an import's client CPU. JSON's own whitespace (space, tab, CR) is trimmed;
        // the parser refuses anything else.
        let bytes = Array(text.utf8)
        var header: JSONObject?
        var entries: [Entry] = []
        var failures: [Failure] = []
        var number = 0
        var next = 0
        while next <= bytes.count {
            let end = bytes[next...].firstIndex(of: UInt8(ascii: "\n")) ?? bytes.count
            var (first, last) = (next, end)
            next = end + 1
            number += 1
            while first < last, Self.isBlank(bytes[first]) { first += 1 }
            while last > first, Self.isBlank(bytes[last - 1]) { last -= 1 }
            if first == last { continue }
            let parsed = bytes.withUnsafeBytes { buffer in
                Result { () throws(JSONParseError) in try JSONParser.parse(UnsafeRawBufferPointer(rebasing: buffer[first..<last]), maxDepth: 512) }
            }
            let value: JSONValue
            do {
                value = try parsed.get()
            } catch {
                if header == nil { throw CLIError.usage("line \(number) is not JSON (\(error.message)): is this a `galley export` file?") }
                failures.append(Failure(line: number, type: "?", id: "?", reason: "not JSON: \(error.message)"))
                continue
            }
            guard let header else {
                guard value["format"] == .string(Exporter.format), let version = value["formatVersion"]?.intValue else {
                    throw CLIError.usage("the first line is not a galley export header ({\"format\":\"galley-export\",...}); make the file with `galley export`")
                }
                guard version <= Exporter.formatVersion else {
                    throw CLIError.usage("the file has format version \(version); this galley reads up to \(Exporter.formatVersion): update galley")
                }
                header = value.objectValue
                continue
            }
            _ = header
            guard let type = value["type"]?.stringValue.flatMap(EntityType.init(rawValue:)), let id = value["id"]?.stringValue,
                ContentRules.isUUID(id), let data = value["data"]?.objectValue
            else {
                failures.append(Failure(line: number, type: value["type"]?.stringValue ?? "?", id: value["id"]?.stringValue ?? "?", reason: "not an entity line ({type, id, data})"))
                continue
            }
            let writable = ContentRules.writableFields(type)
            entries.append(Entry(line: number, type: type, id: id.lowercased(), data: JSONObject(data.filter { writable.contains($0.key) }.map { ($0.key, $0.value) })))
        }
        guard let header else { throw CLIError.usage("the file is empty; make one with `galley export > content.ndjson`") }
        return (header, entries, failures)
    }

    private static func isBlank(_ byte: UInt8) -> Bool {
        byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") || byte == UInt8(ascii: "\r")
    }

    // MARK: - Planning

    /// Compares each entry with the target's current state and plans a create, an update or nothing.
    func plan(_ entries: [Entry], summary: inout Summary, progress: ((Int) -> Void)?) async throws -> [PlannedOp] {
        var existing: [String: JSONObject] = [:]
        var cursor: String?
        repeat {
            let page = try await self.backend.snapshot(cursor: cursor)
            for item in page.items where item["deleted"] != true {
                if let id = item["id"]?.stringValue { existing[id.lowercased()] = item }
            }
            cursor = page.nextCursor
        } while cursor != nil
        var planned: [PlannedOp] = []
        for (index, entry) in entries.enumerated() {
            progress?(index + 1)
            let errors = ContentRules.validateCreate(entry.data, type: entry.type, pathPrefix: "data")
            if !errors.isEmpty {
                summary.failures.append(Failure(line: entry.line, type: entry.type.rawValue, id: entry.id, reason: errors.map(\.description).joined(separator: "; ")))
                continue
            }
            guard let current = existing[entry.id] else {
                planned.append(PlannedOp(entry: entry, kind: .create, op: Ops.create(entry.type, id: entry.id, data: entry.data)))
                continue
            }
            guard current["type"]?.stringValue == entry.type.rawValue else {
                summary.failures.append(Failure(line: entry.line, type: entry.type.rawValue, id: entry.id, reason: "the id belongs to a \(Listing.plain(current["type"])) on the target"))
                continue
            }
            let target = current["data"]?.objectValue ?? [:]
            var set = JSONObject()
            var unset: [String] = []
            for field in ContentRules.writableFields(entry.type).sorted() {
                let mine = entry.data[field]
                let theirs = target[field]
                if ContentRules.sameValue(mine, theirs) { continue }
                if ContentRules.immutableFields(entry.type).contains(field) {
                    set = [:]
                    unset = []
                    summary.failures.append(Failure(line: entry.line, type: entry.type.rawValue, id: entry.id, reason: "\(field) differs on the target and cannot change: delete the link there first"))
                    break
                }
                if let mine, !mine.isNull {
                    set[field] = mine
                } else if !ContentRules.permanentFields(entry.type).contains(field) {
                    unset.append(field)
                }
            }
            if set.isEmpty && unset.isEmpty {
                if !summary.failures.contains(where: { $0.id == entry.id }) { summary.unchanged += 1 }
                continue
            }
            let op = Ops.update(entry.type, id: entry.id, baseVersion: current["version"]?.intValue, set: set, unset: unset)
            planned.append(PlannedOp(entry: entry, kind: .update, op: op))
        }
        return planned
    }

    // MARK: - Committing

    /// Plans and commits (or, with `dryRun`, checks) the entries.
    public func run(_ entries: [Entry], message: String, dryRun: Bool, progress: ((String, Int, Int) -> Void)? = nil) async throws -> Summary {
        var summary = Summary()
        let planned = try await self.plan(entries, summary: &summary) { progress?("comparing", $0, entries.count) }
        let chunks = Self.chunked(planned, maximumOps: self.chunkSize, maximumBytes: self.maximumChunkBytes)
        if dryRun, chunks.count > 1 {
            // Later changesets refer to what earlier ones create, so only a real run can check them.
            summary.checkedByServer = false
            summary.count(planned)
            return summary
        }
        var done = 0
        // Each changeset after the first is sent while the one before it commits, so galleyd reads
        // and checks it while its writer is busy (the client and server otherwise took turns).
        var ahead: Task<JSONObject, any Error>?
        defer { ahead?.cancel() }
        for (index, chunk) in chunks.enumerated() {
            var first = ahead
            ahead = nil
            if !dryRun, index + 1 < chunks.count {
                if first == nil { first = self.backend.startCommit(Self.request(chunk, message: message, dryRun: dryRun)) }
                if first != nil { ahead = self.backend.startCommit(Self.request(chunks[index + 1], message: message, dryRun: dryRun)) }
            }
            try await self.commit(chunk, message: message, dryRun: dryRun, summary: &summary, sent: first)
            done += chunk.count
            progress?("importing", done, planned.count)
        }
        // Two changesets sent one right after the other may commit in either order (galleyd reads
        // them in parallel; one that needs the other is refused and sent again after it).
        summary.changesets.sort()
        return summary
    }

    /// The changeset of `ops`; its id is derived from its content, so a run of the same import
    /// again replays it instead of writing twice.
    static func request(_ ops: [PlannedOp], message: String, dryRun: Bool) -> ChangesetRequest {
        let ops = ops.map(\.op)
        let id = UUIDv5.make(namespace: UUIDv5.galleyNamespace, name: "import:" + JSONWriter.string(["message": .string(message), "ops": .array(ops)]))
        return ChangesetRequest(id: id, message: message, ops: ops, dryRun: dryRun)
    }

    /// Splits ops into changesets of at most `maximumOps` ops and `maximumBytes` bytes of JSON (an
    /// op larger than that on its own still gets a changeset of its own), in order.
    static func chunked(_ planned: [PlannedOp], maximumOps: Int, maximumBytes: Int) -> [[PlannedOp]] {
        var chunks: [[PlannedOp]] = []
        var current: [PlannedOp] = []
        var bytes = 0
        for op in planned {
            let size = JSONWriter.bytes(op.op).count + 1
            if !current.isEmpty && (current.count >= maximumOps || bytes + size > maximumBytes) {
                chunks.append(current)
                current = []
                bytes = 0
            }
            current.append(op)
            bytes += size
        }
        if !current.isEmpty { chunks.append(current) }
        return chunks
    }

    /// Commits one chunk; ops the server names as the cause of a refusal are taken out (and
    /// reported), then the rest is tried again. `sent` is the chunk already sent while the one
    /// before it committed: its success counts, but a refusal may only mean it arrived before what
    /// it builds on was committed, so the chunk is then sent again as if it had not been.
    private func commit(_ chunk: [PlannedOp], message: String, dryRun: Bool, summary: inout Summary, sent: Task<JSONObject, any Error>?) async throws {
        var remaining = chunk
        var sent = sent
        while !remaining.isEmpty {
            do {
                let result: JSONObject
                if let early = sent {
                    sent = nil
                    do {
                        result = try await early.value
                    } catch is JSONRPCError {
                        continue
                    }
                } else {
                    result = try await self.backend.commit(Self.request(remaining, message: message, dryRun: dryRun))
                }
                if let seq = result["seq"]?.intValue { summary.changesets.append(seq) }
                summary.count(remaining)
                return
            } catch let error as JSONRPCError {
                let culprits = Self.opIndices(error).filter { remaining.indices.contains($0) }
                let reason = Self.reason(error)
                if culprits.isEmpty {
                    for op in remaining { summary.failures.append(Self.failure(op.entry, reason)) }
                    return
                }
                for index in culprits { summary.failures.append(Self.failure(remaining[index].entry, reason)) }
                remaining = remaining.enumerated().filter { !culprits.contains($0.offset) }.map(\.element)
            }
        }
    }

    private static func failure(_ entry: Entry, _ reason: String) -> Failure {
        Failure(line: entry.line, type: entry.type.rawValue, id: entry.id, reason: reason)
    }

    /// `message (kind)` with the details a person needs.
    static func reason(_ error: JSONRPCError) -> String {
        var text = "\(error.code) \(error.message)"
        if let kind = error.kind { text += " (\(kind))" }
        if let errors = error.data?["errors"]?.arrayValue {
            text += ": " + errors.map { "\(Listing.plain($0["path"])) \(Listing.plain($0["message"]))" }.joined(separator: "; ")
        }
        return text
    }

    /// The ops a refusal names: `opIndex`, conflicts' `opIndex`, validation paths `ops[N]...`.
    static func opIndices(_ error: JSONRPCError) -> Set<Int> {
        var indices = Set<Int>()
        if let index = error.data?["opIndex"]?.intValue { indices.insert(index) }
        for conflict in error.data?["conflicts"]?.arrayValue ?? [] {
            if let index = conflict["opIndex"]?.intValue { indices.insert(index) }
        }
        for item in error.data?["errors"]?.arrayValue ?? [] {
            guard let path = item["path"]?.stringValue, path.hasPrefix("ops["), let close = path.firstIndex(of: "]"),
                let index = Int(path[path.index(path.startIndex, offsetBy: 4)..<close])
            else { continue }
            indices.insert(index)
        }
        return indices
    }
}
