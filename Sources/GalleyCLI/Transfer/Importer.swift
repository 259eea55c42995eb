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

    // MARK: - Planning

    /// The target's live entities by id (one consistent snapshot), to compare the file with.
    func targetEntities() async throws -> [String: JSONObject] {
        var existing: [String: JSONObject] = [:]
        var cursor: String?
        repeat {
            let page = try await self.backend.snapshot(cursor: cursor)
            for item in page.items where item["deleted"] != true {
                if let id = item["id"]?.stringValue { existing[id.lowercased()] = item }
            }
            cursor = page.nextCursor
        } while cursor != nil
        return existing
    }

    /// Compares an entry with the target's current state: a create, an update, or nil for an
    /// entity that is the same there (counted as unchanged) or cannot be imported (a failure).
    func plan(_ entry: Entry, existing: [String: JSONObject], summary: inout Summary) -> PlannedOp? {
        let errors = ContentRules.validateCreate(entry.data, type: entry.type, pathPrefix: "data")
        if !errors.isEmpty {
            summary.failures.append(Failure(line: entry.line, type: entry.type.rawValue, id: entry.id, reason: errors.map(\.description).joined(separator: "; ")))
            return nil
        }
        guard let current = existing[entry.id] else {
            return PlannedOp(entry: entry, kind: .create, op: Ops.create(entry.type, id: entry.id, data: entry.data))
        }
        guard current["type"]?.stringValue == entry.type.rawValue else {
            summary.failures.append(Failure(line: entry.line, type: entry.type.rawValue, id: entry.id, reason: "the id belongs to a \(Listing.plain(current["type"])) on the target"))
            return nil
        }
        let target = current["data"]?.objectValue ?? [:]
        var set = JSONObject()
        var unset: [String] = []
        for field in ContentRules.writableFields(entry.type).sorted() {
            let mine = entry.data[field]
            let theirs = target[field]
            if ContentRules.sameValue(mine, theirs) { continue }
            if ContentRules.immutableFields(entry.type).contains(field) {
                summary.failures.append(Failure(line: entry.line, type: entry.type.rawValue, id: entry.id, reason: "\(field) differs on the target and cannot change: delete the link there first"))
                return nil
            }
            if let mine, !mine.isNull {
                set[field] = mine
            } else if !ContentRules.permanentFields(entry.type).contains(field) {
                unset.append(field)
            }
        }
        if set.isEmpty && unset.isEmpty {
            summary.unchanged += 1
            return nil
        }
        let op = Ops.update(entry.type, id: entry.id, baseVersion: current["version"]?.intValue, set: set, unset: unset)
        return PlannedOp(entry: entry, kind: .update, op: op)
    }

    // MARK: - Committing

    /// Reads the export, plans each entity against the target and commits (or, with `dryRun`,
    /// checks) the changes in changesets, in the file's order. `progress` gets the bytes of the
    /// file read so far.
    ///
    /// The file is read as the changesets go: each one is sent as soon as it is full, while the
    /// one before it commits (galleyd reads and checks it while its writer is busy), and reading
    /// waits only while two are on their way. So galleyd starts on the first changeset while the
    /// rest of the file is still being read, and the import holds about three changesets of the
    /// file at a time.
    public func run(_ reader: inout ExportReader, message: String, dryRun: Bool, progress: ((Int) -> Void)? = nil) async throws -> Summary {
        // A file that is not an export is refused before the target is read.
        try reader.readHeader()
        var state = RunState()
        defer { for sending in state.inFlight { sending.outcome.cancel() } }
        let existing = try await self.targetEntities()
        var chunker = Chunker(maximumOps: self.chunkSize, maximumBytes: self.maximumChunkBytes)
        while let line = try reader.next() {
            progress?(reader.bytesRead)
            switch line {
            case .failure(let failure):
                state.summary.failures.append(failure)
            case .entry(let entry):
                guard let op = self.plan(entry, existing: existing, summary: &state.summary) else { continue }
                if let full = chunker.add(op) { try await self.dispatch(full, &state, message: message, dryRun: dryRun) }
            }
        }
        if let last = chunker.finish() { try await self.dispatch(last, &state, message: message, dryRun: dryRun) }
        while !state.inFlight.isEmpty { try await self.answerOldest(&state, message: message) }
        if let lone = state.heldForDryRun {
            // The only changeset of a dry run: the server checks it.
            try await self.commit(lone, message: message, dryRun: true, summary: &state.summary, sent: nil)
        }
        // Two changesets sent one right after the other may commit in either order (galleyd reads
        // them in parallel; one that needs the other is refused and sent again after it).
        state.summary.changesets.sort()
        state.summary.failures.sort { $0.line < $1.line }
        return state.summary
    }

    /// What a run has sent and not yet heard back about, and what it has counted.
    struct RunState {
        var summary = Summary()
        /// Changesets sent and not answered yet, oldest first: at most two.
        var inFlight: [(chunk: [PlannedOp], outcome: Task<JSONObject, any Error>)] = []
        /// A dry run's first changeset, kept back until the file shows whether it is the only
        /// one: later changesets refer to what earlier ones create, so the server can check a
        /// dry run only when it fits in one.
        var heldForDryRun: [PlannedOp]?
    }

    /// Sends a full changeset on its way, or (in a dry run) holds or counts it.
    private func dispatch(_ chunk: [PlannedOp], _ state: inout RunState, message: String, dryRun: Bool) async throws {
        if dryRun {
            if state.summary.checkedByServer, state.heldForDryRun == nil {
                state.heldForDryRun = chunk
                return
            }
            if let held = state.heldForDryRun { state.summary.count(held) }
            state.heldForDryRun = nil
            state.summary.checkedByServer = false
            state.summary.count(chunk)
            return
        }
        if state.inFlight.count >= 2 { try await self.answerOldest(&state, message: message) }
        if let outcome = self.backend.startCommit(Self.request(chunk, message: message, dryRun: false)) {
            state.inFlight.append((chunk, outcome))
        } else {
            // A backend that takes one changeset at a time (a replica's outbox).
            while !state.inFlight.isEmpty { try await self.answerOldest(&state, message: message) }
            try await self.commit(chunk, message: message, dryRun: false, summary: &state.summary, sent: nil)
        }
    }

    private func answerOldest(_ state: inout RunState, message: String) async throws {
        let (chunk, outcome) = state.inFlight.removeFirst()
        try await self.commit(chunk, message: message, dryRun: false, summary: &state.summary, sent: outcome)
    }

    /// The changeset of `ops`; its id is derived from its content, so a run of the same import
    /// again replays it instead of writing twice.
    static func request(_ ops: [PlannedOp], message: String, dryRun: Bool) -> ChangesetRequest {
        let ops = ops.map(\.op)
        let id = UUIDv5.make(namespace: UUIDv5.galleyNamespace, name: "import:" + JSONWriter.string(["message": .string(message), "ops": .array(ops)]))
        return ChangesetRequest(id: id, message: message, ops: ops, dryRun: dryRun)
    }

    /// Fills changesets of at most `maximumOps` ops and `maximumBytes` bytes of JSON, in order; an
    /// op larger than that on its own still gets a changeset of its own.
    struct Chunker {
        let maximumOps: Int
        let maximumBytes: Int
        private var current: [PlannedOp] = []
        private var bytes = 0

        init(maximumOps: Int, maximumBytes: Int) {
            self.maximumOps = maximumOps
            self.maximumBytes = maximumBytes
        }

        /// Adds `op`; returns the changeset it closed, if it did not fit there.
        mutating func add(_ op: PlannedOp) -> [PlannedOp]? {
            let size = JSONWriter.bytes(op.op).count + 1
            var full: [PlannedOp]?
            if !self.current.isEmpty && (self.current.count >= self.maximumOps || self.bytes + size > self.maximumBytes) {
                full = self.current
                self.current = []
                self.bytes = 0
            }
            self.current.append(op)
            self.bytes += size
            return full
        }

        /// The last changeset, if any op is left.
        mutating func finish() -> [PlannedOp]? {
            defer { self.current = [] }
            return self.current.isEmpty ? nil : self.current
        }
    }

    /// `planned` split as `Chunker` splits it.
    static func chunked(_ planned: [PlannedOp], maximumOps: Int, maximumBytes: Int) -> [[PlannedOp]] {
        var chunker = Chunker(maximumOps: maximumOps, maximumBytes: maximumBytes)
        var chunks = planned.compactMap { chunker.add($0) }
        if let last = chunker.finish() { chunks.append(last) }
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
