import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An exclusive lock on `DATA/galleyd.lock`, held while `galleyd serve` runs on a SQLite data
/// directory. The server keeps what it knows to be the current state of entities in memory
/// (read results marked current, dropped when its own commits change them); a second server on
/// the same directory would commit changes the first never hears of. Other commands (`token`,
/// `backup`, `check`) do not take it: they write no content.
///
/// `flock(2)` by hand: Foundation has no advisory file lock, and the kernel drops the lock when
/// the process dies, however it dies, so a `kill -9` leaves nothing to clean up.
enum ServingLock {
    /// Released when the last reference goes (or the process ends).
    final class Held {
        private let descriptor: Int32
        fileprivate init(descriptor: Int32) { self.descriptor = descriptor }
        deinit { close(self.descriptor) }
    }

    enum Failure: Error, CustomStringConvertible {
        case inUse(String)
        case cannotOpen(String, errno: Int32)

        var description: String {
            switch self {
            case .inUse(let path):
                "another galleyd serves this data directory (it holds the lock \(path)); stop it, or give this one its own --data"
            case .cannotOpen(let path, let errno):
                "cannot open the lock file \(path): \(String(cString: strerror(errno)))"
            }
        }
    }

    /// Takes the lock of `directory` (created when missing), or says why not.
    static func acquire(directory: String) throws(Failure) -> Held {
        let path = directory + "/galleyd.lock"
        // The store creates the directory too, but only after the lock is decided; a directory
        // that cannot be made shows as the lock file that cannot be opened.
        try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw .cannotOpen(path, errno: errno) }
        guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
            close(descriptor)
            throw .inUse(path)
        }
        return Held(descriptor: descriptor)
    }
}
