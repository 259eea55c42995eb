import GalleyModel
import JSONRPC
import Testing

@testable import GalleyCLI

/// `galley import` reads its file in blocks as it goes; a line may be cut anywhere between two
/// blocks, and what a person's editor did to the file must not matter.
struct ExportReaderTests {
    static let header = #"{"format":"galley-export","formatVersion":1,"head":3}"#
    static let photo = "019b76da-a801-708d-b1b4-81e47fa7794a"
    static let article = "019b76da-a801-708d-b1b4-81e47fa7794b"

    /// A reader that gets `bytes` in blocks of `size`.
    static func reader(_ bytes: [UInt8], blocksOf size: Int) -> ExportReader {
        var offset = 0
        return ExportReader {
            defer { offset = min(offset + size, bytes.count) }
            return Array(bytes[offset..<min(offset + size, bytes.count)])
        }
    }

    static func read(_ reader: inout ExportReader) throws -> [ExportReader.Line] {
        var lines: [ExportReader.Line] = []
        while let line = try reader.next() { lines.append(line) }
        return lines
    }

    @Test(arguments: [1, 7, 64, 1 << 20])
    func linesCutAcrossBlocksReadAsWrittenWithTheirNumbers(blockSize: Int) throws {
        var file = Array("\r\n  \(Self.header)\t\r\n\n".utf8)
        file += Array(#"{"type":"media","id":"\#(Self.photo)","version":4,"data":{"kind":"image","uri":"a.jpg","version":4,"seq":9}}"#.utf8) + [10]
        file += Array("not json\n".utf8)
        file += Array(#"{"type":"article","id":"bad","data":{}}"#.utf8) + [10]
        file += Array(#"{"type":"article","headline":"caf"#.utf8) + [0xC3, 0x28] + Array("\"}\n".utf8)  // invalid UTF-8
        file += Array("   \r\n".utf8)
        file += Array(#"{"type":"article","id":"\#(Self.article.uppercased())","data":{"headline":"Last, no newline"}}"#.utf8)
        var reader = Self.reader(file, blocksOf: blockSize)

        let lines = try Self.read(&reader)
        #expect(reader.header?["head"] == 3)
        #expect(reader.bytesRead == file.count)
        #expect(reader.entityLines == 5, "the header and blank lines are not entities")
        guard lines.count == 5, case .entry(let photo) = lines[0], case .failure(let notJSON) = lines[1],
            case .failure(let notEntity) = lines[2], case .failure(let notUTF8) = lines[3], case .entry(let article) = lines[4]
        else {
            Issue.record("unexpected lines: \(lines)")
            return
        }
        #expect(photo.line == 4 && photo.type == .media && photo.id == Self.photo)
        #expect(photo.data == ["kind": "image", "uri": "a.jpg"], "server-set fields are not imported")
        #expect(notJSON.line == 5 && notJSON.reason.hasPrefix("not JSON"))
        #expect(notEntity.line == 6 && notEntity.id == "bad" && notEntity.reason.contains("not an entity line"))
        #expect(notUTF8.line == 7 && notUTF8.reason.hasPrefix("not JSON"))
        #expect(article.line == 9 && article.id == Self.article, "ids are compared in lower case")
        #expect(article.data["headline"] == "Last, no newline")
    }

    @Test func aFileThatIsNotAnExportIsRefusedBeforeAnyEntity() throws {
        for (text, message) in [
            ("", "the file is empty"),
            ("\n \r\n", "the file is empty"),
            ("hello\n", "line 1 is not JSON"),
            ("\n{\"type\":\"media\"}\n", "the first line is not a galley export header"),
            ("{\"format\":\"galley-export\",\"formatVersion\":99}\n", "format version 99"),
        ] {
            var reader = Self.reader(Array(text.utf8), blocksOf: 1 << 20)
            #expect {
                _ = try reader.next()
            } throws: { error in
                "\(error)".contains(message)
            }
        }
    }

    /// A file that cannot be read (here a closed descriptor) stops the import with the reason,
    /// instead of looking like an empty file.
    @Test func aReadErrorStopsTheImportWithItsReason() {
        var reader = ExportReader(fileDescriptor: -1)
        #expect {
            _ = try reader.next()
        } throws: { error in
            "\(error)".contains("cannot read the export: Bad file descriptor")
        }
    }
}
