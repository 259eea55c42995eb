/// SplitMix64: small, fast and deterministic, so the same seed gives the same content on every
/// machine and Swift version (the standard library's generator is neither seedable nor stable).
struct SeededGenerator: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) {
        self.state = seed
    }

    /// A generator for one item of a stream (article `index` of seed `seed`), independent of the
    /// order in which items are generated, so connections can generate in parallel.
    init(seed: UInt64, stream: UInt64, index: Int) {
        var mixer = SeededGenerator(seed: seed ^ (stream &* 0x9E37_79B9_7F4A_7C15))
        for _ in 0..<2 { _ = mixer.next() }
        self.state = mixer.next() ^ UInt64(truncatingIfNeeded: index) &* 0xBF58_476D_1CE4_E5B9
        _ = self.next()
    }

    mutating func next() -> UInt64 {
        self.state &+= 0x9E37_79B9_7F4A_7C15
        var z = self.state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// UUIDs for benchmark entities and changesets, written as lowercase 8-4-4-4-12 text.
enum BenchUUID {
    private static let hex = Array("0123456789abcdef".utf8)

    /// A version-7 layout (48-bit milliseconds, then random bits), like the ids galleyd generates,
    /// so client-supplied ids keep the server's index locality.
    static func v7(milliseconds: UInt64, random: inout some RandomNumberGenerator) -> String {
        let high = (milliseconds << 16) | 0x7000 | (random.next() & 0x0FFF)
        let low = (random.next() & 0x3FFF_FFFF_FFFF_FFFF) | 0x8000_0000_0000_0000
        return Self.format(high: high, low: low)
    }

    /// A random version-4 UUID.
    static func v4(random: inout some RandomNumberGenerator) -> String {
        let high = (random.next() & 0xFFFF_FFFF_FFFF_0FFF) | 0x4000
        let low = (random.next() & 0x3FFF_FFFF_FFFF_FFFF) | 0x8000_0000_0000_0000
        return Self.format(high: high, low: low)
    }

    static func format(high: UInt64, low: UInt64) -> String {
        var bytes = [UInt8]()
        bytes.reserveCapacity(36)
        for (index, shift) in stride(from: 60, through: 0, by: -4).enumerated() {
            if index == 8 || index == 12 { bytes.append(UInt8(ascii: "-")) }
            bytes.append(Self.hex[Int((high >> UInt64(shift)) & 0xF)])
        }
        for (index, shift) in stride(from: 60, through: 0, by: -4).enumerated() {
            if index == 0 || index == 4 { bytes.append(UInt8(ascii: "-")) }
            bytes.append(Self.hex[Int((low >> UInt64(shift)) & 0xF)])
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
