import Foundation
import GalleyModel
import JSONRPC

/// Reads a `galley export` file one line at a time, for `galley import`.
///
/// The file is read in blocks as the import goes, so `galley import` holds the changeset it is
/// filling and the ones on their way, not the whole file (a 100,000-article export is about a
/// gigabyte), and the first changeset is committed while the rest of the file is still being read.
///
/// Lines are found and trimmed in the UTF-8 bytes and parsed where they lie: splitting a String
/// into Characters and trimming each line through Foundation (NSString, UTF-16) took four fifths
/// of an import's client CPU. JSON's own whitespace (space, tab, CR) is trimmed; the parser
/// refuses anything else, and a line that is not valid UTF-8 is a failure of that line only.
public struct ExportReader {
    /// One entity line: an entity to import, or why the line cannot be.
    public enum Line {
        case entry(Importer.Entry)
        case failure(Importer.Failure)
    }

    /// The next block of the source; empty at its end.
    private let readBlock: () throws -> [UInt8]
    private var buffer: [UInt8] = []
    /// Where the unread part of `buffer` starts, and how far it has been searched for a line end.
    private var start = 0
    private var searched = 0
    private var atEnd = false
    private var lineNumber = 0

    /// The checked header line, once read.
    public private(set) var header: JSONObject?
    /// Bytes taken from the source so far.
    public private(set) var bytesRead = 0
    /// Entity lines read so far, importable or not (blank lines and the header not counted).
    public private(set) var entityLines = 0

    /// Reads blocks from `readBlock` until it returns an empty one.
    public init(readBlock: @escaping () throws -> [UInt8]) {
        self.readBlock = readBlock
    }

    /// Reads the open descriptor `fd` (a file, or standard input) in blocks of up to `blockSize`
    /// bytes. Each block is what one `read(2)` returns, so from a pipe the import goes on with
    /// what has arrived instead of waiting for a full block or the writer's end, as
    /// `FileHandle.read(upToCount:)` does. Written by hand because NIOFS's `BufferedReader`
    /// reads at file offsets (`pread`), which a pipe does not have.
    public init(fileDescriptor fd: Int32, blockSize: Int = 1 << 20) {
        self.init {
            var block = [UInt8](repeating: 0, count: blockSize)
            while true {
                let count = block.withUnsafeMutableBytes { read(fd, $0.baseAddress, blockSize) }
                if count >= 0 {
                    block.removeSubrange(count...)
                    return block
                }
                if errno != EINTR { throw CLIError.usage("cannot read the export: \(String(cString: strerror(errno)))") }
            }
        }
    }

    /// Reads and checks the header, the first line that is not blank: a file that is not an
    /// export, or is of a newer format, is refused before anything is imported.
    @discardableResult
    public mutating func readHeader() throws -> JSONObject {
        if let header = self.header { return header }
        while let (number, bytes) = try self.nextLine() {
            let value: JSONValue
            do {
                value = try Self.parse(bytes)
            } catch {
                throw CLIError.usage("line \(number) is not JSON (\(error.message)): is this a `galley export` file?")
            }
            guard value["format"] == .string(Exporter.format), let version = value["formatVersion"]?.intValue else {
                throw CLIError.usage("the first line is not a galley export header ({\"format\":\"galley-export\",...}); make the file with `galley export`")
            }
            guard version <= Exporter.formatVersion else {
                throw CLIError.usage("the file has format version \(version); this galley reads up to \(Exporter.formatVersion): update galley")
            }
            let header = value.objectValue ?? [:]
            self.header = header
            return header
        }
        throw CLIError.usage("the file is empty; make one with `galley export > content.ndjson`")
    }

    /// The next entity line, reduced to its client-writable fields; nil at the end of the file.
    public mutating func next() throws -> Line? {
        try self.readHeader()
        guard let (number, bytes) = try self.nextLine() else { return nil }
        self.entityLines += 1
        let value: JSONValue
        do {
            value = try Self.parse(bytes)
        } catch {
            return .failure(Importer.Failure(line: number, type: "?", id: "?", reason: "not JSON: \(error.message)"))
        }
        guard let type = value["type"]?.stringValue.flatMap(EntityType.init(rawValue:)), let id = value["id"]?.stringValue,
            ContentRules.isUUID(id), let data = value["data"]?.objectValue
        else {
            return .failure(
                Importer.Failure(line: number, type: value["type"]?.stringValue ?? "?", id: value["id"]?.stringValue ?? "?", reason: "not an entity line ({type, id, data})")
            )
        }
        let writable = ContentRules.writableFields(type)
        return .entry(Importer.Entry(line: number, type: type, id: id.lowercased(), data: JSONObject(data.filter { writable.contains($0.key) }.map { ($0.key, $0.value) })))
    }

    private static func parse(_ bytes: ArraySlice<UInt8>) throws(JSONParseError) -> JSONValue {
        let parsed = bytes.withUnsafeBytes { buffer in
            Result { () throws(JSONParseError) in try JSONParser.parse(buffer, maxDepth: 512) }
        }
        return try parsed.get()
    }

    /// The next line that is not blank, trimmed, with its 1-based number in the file.
    private mutating func nextLine() throws -> (Int, ArraySlice<UInt8>)? {
        while true {
            guard var (first, last) = try self.nextRawLine() else { return nil }
            self.lineNumber += 1
            while first < last, Self.isBlank(self.buffer[first]) { first += 1 }
            while last > first, Self.isBlank(self.buffer[last - 1]) { last -= 1 }
            if first < last { return (self.lineNumber, self.buffer[first..<last]) }
        }
    }

    /// The bounds in `buffer` of the next line without its "\n", reading blocks until one ends
    /// (or the source does).
    private mutating func nextRawLine() throws -> (Int, Int)? {
        while true {
            if let end = self.buffer[self.searched...].firstIndex(of: UInt8(ascii: "\n")) {
                defer { (self.start, self.searched) = (end + 1, end + 1) }
                return (self.start, end)
            }
            self.searched = self.buffer.count
            if self.atEnd {
                guard self.start < self.buffer.count else { return nil }
                defer { self.start = self.buffer.count }
                return (self.start, self.buffer.count)
            }
            // Drop what was read before taking more, so the buffer holds about a block and the
            // line being read (which may be longer).
            self.buffer.removeFirst(self.start)
            (self.searched, self.start) = (self.searched - self.start, 0)
            let block = try self.readBlock()
            if block.isEmpty {
                self.atEnd = true
            } else {
                self.buffer += block
                self.bytesRead += block.count
            }
        }
    }

    private static func isBlank(_ byte: UInt8) -> Bool {
        byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") || byte == UInt8(ascii: "\r")
    }
}
