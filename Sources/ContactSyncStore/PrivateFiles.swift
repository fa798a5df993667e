import ContactSyncCore
import Foundation

/// The data directory and what it holds (the SQLite file and its WAL, the secret key file) are the
/// operator's alone: the directory is created 0700 and files 0600. SQLite gives its `-wal` and `-shm` files
/// the database file's mode.
public enum PrivateFiles {
    /// Creates `directory` (and missing parents) with mode 0700; an existing one keeps its mode.
    public static func directory(_ directory: String) throws {
        guard !directory.isEmpty, !FileManager.default.fileExists(atPath: directory) else { return }
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
    }

    /// Creates an empty file at `path` with mode 0600 unless one exists.
    public static func file(_ path: String) throws {
        let descriptor = Foundation.open(path, O_CREAT | O_WRONLY | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw CocoaError(.fileWriteNoPermission, userInfo: [NSFilePathErrorKey: path]) }
        close(descriptor)
    }
}
