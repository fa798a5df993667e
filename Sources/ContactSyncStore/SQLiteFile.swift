import ContactSyncCore
import Foundation
import Logging
import NIOCore
import SQLiteKit
import SQLKit
import Synchronization
import VaporCSQLite

/// One open SQLite file: a connection whose prepared statements are kept and reused, each statement run on
/// the calling thread, one at a time (a mutex; ``SQLiteFileDatabase`` also gives sessions the file to
/// themselves).
final class SQLiteFile: @unchecked Sendable {
    /// A statement prepared once, with the names of its result columns; used only under the mutex.
    private struct Prepared: @unchecked Sendable {
        let statement: OpaquePointer
        let columns: SQLiteColumnNames
        /// Whether it stays prepared after this use.
        let kept: Bool
        /// How often SQLite had prepared it again (after a schema change, perhaps by another process) when
        /// `columns` were read.
        let reprepared: Int32
    }

    /// Statements kept at most; past this the cache starts again (queries are a fixed set, so it is never reached
    /// in practice).
    private static let keptStatements = 512

    private let handle: OpaquePointer
    /// Kept statements by their SQL; `nil` once the file is closed.
    private let kept = Mutex<[String: Prepared]?>([:])
    private let encoder = SQLiteDataEncoder()
    let decoder = SQLiteDataDecoder()

    private init(handle: OpaquePointer) {
        self.handle = handle
    }

    /// Opens (creating when missing) the file at `path`.
    static func open(path: String) throws -> SQLiteFile {
        var handle: OpaquePointer?
        let flags = SQLITE_OPEN_CREATE | SQLITE_OPEN_READWRITE | SQLITE_OPEN_FULLMUTEX | SQLITE_OPEN_EXRESCODE
        let status = sqlite_nio_sqlite3_open_v2(path, &handle, flags, nil)
        guard status == SQLITE_OK, let handle else {
            let message = handle.map { String(cString: sqlite_nio_sqlite3_errmsg($0)) } ?? "cannot open"
            if let handle { sqlite_nio_sqlite3_close_v2(handle) }
            throw SQLiteFileError(code: status, message: message)
        }
        return SQLiteFile(handle: handle)
    }

    /// Finalizes every kept statement and closes the file.
    func close() {
        kept.withLock { kept in
            guard var prepared = kept else { return }
            forget(&prepared)
            kept = nil
            sqlite_nio_sqlite3_close_v2(handle)
        }
    }

    /// Runs `sql` with `binds`, handing each result row to `onRow`. Throws ``SQLiteFileError`` with `isBusy` when
    /// another process holds the lock; nothing has run then and the statement may be tried again.
    func run(_ sql: String, binds: [any Encodable & Sendable], onRow: (any SQLRow) -> Void) throws {
        let values = try binds.map { try encoder.encode($0) }
        try kept.withLock { kept in
            guard var prepared = kept else { throw SQLiteFileError(code: SQLITE_MISUSE, message: "the database is closed") }
            kept = nil
            defer { kept = prepared }
            try run(sql, values, onRow, &prepared)
        }
    }

    private func run(_ sql: String, _ values: [SQLiteData], _ onRow: (any SQLRow) -> Void, _ prepared: inout [String: Prepared]) throws {
        var entry = try statement(for: sql, in: &prepared)
        defer {
            if !entry.kept {
                sqlite_nio_sqlite3_finalize(entry.statement)
                forget(&prepared)
            } else {
                sqlite_nio_sqlite3_reset(entry.statement)
                sqlite_nio_sqlite3_clear_bindings(entry.statement)
            }
        }
        for (offset, value) in values.enumerated() {
            try check(bind(value, at: Int32(offset + 1), to: entry.statement))
        }
        while true {
            let status = sqlite_nio_sqlite3_step(entry.statement)
            switch status {
            case SQLITE_ROW:
                // SQLite prepares a statement again when the schema changed; `*` may then name other columns.
                if sqlite_nio_sqlite3_stmt_status(entry.statement, SQLITE_STMTSTATUS_REPREPARE, 0) != entry.reprepared {
                    entry = Self.describe(entry.statement, kept: entry.kept)
                    if entry.kept { prepared[sql] = entry }
                }
                onRow(SQLiteFileRow(columns: entry.columns, values: try row(of: entry.statement, count: entry.columns.names.count), decoder: decoder))
            case SQLITE_DONE:
                return
            default:
                throw error(status)
            }
        }
    }

    /// The kept statement for `sql`, or a new one (kept unless it changes the schema).
    private func statement(for sql: String, in prepared: inout [String: Prepared]) throws -> Prepared {
        if let entry = prepared[sql] { return entry }
        let keep = !Self.changesSchema(sql)
        var statement: OpaquePointer?
        let status = sqlite_nio_sqlite3_prepare_v3(handle, sql, -1, keep ? UInt32(SQLITE_PREPARE_PERSISTENT) : 0, &statement, nil)
        guard status == SQLITE_OK, let statement else { throw error(status) }
        let entry = Self.describe(statement, kept: keep)
        if keep {
            if prepared.count >= Self.keptStatements { forget(&prepared) }
            prepared[sql] = entry
        }
        return entry
    }

    /// The statement with the names of its result columns as they are now.
    private static func describe(_ statement: OpaquePointer, kept: Bool) -> Prepared {
        let count = sqlite_nio_sqlite3_column_count(statement)
        let names = (0..<count).map { String(cString: sqlite_nio_sqlite3_column_name(statement, $0)) }
        let reprepared = sqlite_nio_sqlite3_stmt_status(statement, SQLITE_STMTSTATUS_REPREPARE, 0)
        return Prepared(statement: statement, columns: SQLiteColumnNames(names), kept: kept, reprepared: reprepared)
    }

    /// Schema changes can change what `*` means in a kept statement: they are not kept, and clear the cache.
    private static func changesSchema(_ sql: String) -> Bool {
        let isLetter = { (byte: UInt8) in (byte | 0x20) >= UInt8(ascii: "a") && (byte | 0x20) <= UInt8(ascii: "z") }
        let head = sql.utf8.drop { !isLetter($0) }.prefix(while: isLetter).map { $0 | 0x20 }
        return ["create", "alter", "drop", "pragma"].contains { Array($0.utf8) == head }
    }

    private func forget(_ prepared: inout [String: Prepared]) {
        for entry in prepared.values { sqlite_nio_sqlite3_finalize(entry.statement) }
        prepared.removeAll()
    }

    private func bind(_ value: SQLiteData, at index: Int32, to statement: OpaquePointer) -> Int32 {
        switch value {
        case .integer(let number): return sqlite_nio_sqlite3_bind_int64(statement, index, Int64(number))
        case .float(let number): return sqlite_nio_sqlite3_bind_double(statement, index, number)
        case .null: return sqlite_nio_sqlite3_bind_null(statement, index)
        case .text(let text):
            var text = text
            return text.withUTF8 { bytes in
                guard let start = bytes.baseAddress, !bytes.isEmpty else {
                    return sqlite_nio_sqlite3_bind_text64(statement, index, "", 0, Self.transient, UInt8(SQLITE_UTF8))
                }
                return sqlite_nio_sqlite3_bind_text64(statement, index, UnsafeRawPointer(start).assumingMemoryBound(to: CChar.self), UInt64(bytes.count), Self.transient, UInt8(SQLITE_UTF8))
            }
        case .blob(let buffer):
            return buffer.withUnsafeReadableBytes { bytes in
                sqlite_nio_sqlite3_bind_blob64(statement, index, bytes.baseAddress, UInt64(bytes.count), Self.transient)
            }
        }
    }

    private func row(of statement: OpaquePointer, count: Int) throws -> [SQLiteData] {
        try (0..<Int32(count)).map { column in
            switch sqlite_nio_sqlite3_column_type(statement, column) {
            case SQLITE_INTEGER: return .integer(Int(sqlite_nio_sqlite3_column_int64(statement, column)))
            case SQLITE_FLOAT: return .float(sqlite_nio_sqlite3_column_double(statement, column))
            case SQLITE_TEXT:
                let length = Int(sqlite_nio_sqlite3_column_bytes(statement, column))
                guard let text = sqlite_nio_sqlite3_column_text(statement, column) else { return .text("") }
                return .text(String(decoding: UnsafeBufferPointer(start: text, count: length), as: UTF8.self))
            case SQLITE_BLOB:
                let length = Int(sqlite_nio_sqlite3_column_bytes(statement, column))
                var buffer = ByteBufferAllocator().buffer(capacity: length)
                if let bytes = sqlite_nio_sqlite3_column_blob(statement, column) {
                    buffer.writeBytes(UnsafeRawBufferPointer(start: bytes, count: length))
                }
                return .blob(buffer)
            case SQLITE_NULL: return .null
            default: throw SQLiteFileError(code: SQLITE_MISMATCH, message: "unexpected column type")
            }
        }
    }

    private func check(_ status: Int32) throws {
        guard status == SQLITE_OK else { throw error(status) }
    }

    private func error(_ status: Int32) -> SQLiteFileError {
        SQLiteFileError(code: status, message: String(cString: sqlite_nio_sqlite3_errmsg(handle)))
    }

    private static let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)
}

/// A SQLite failure: its (extended) result code and message, e.g. "UNIQUE constraint failed: runs.id".
struct SQLiteFileError: Error, CustomStringConvertible {
    let code: Int32
    let message: String

    /// Another connection holds the lock.
    var isBusy: Bool { code & 0xff == SQLITE_BUSY }
    /// A unique or primary key was violated (the extended codes `SQLITE_CONSTRAINT_UNIQUE` and
    /// `SQLITE_CONSTRAINT_PRIMARYKEY`, which the C headers define as expressions Swift does not import).
    var isUniqueViolation: Bool { code == SQLITE_CONSTRAINT | (8 << 8) || code == SQLITE_CONSTRAINT | (6 << 8) }
    var description: String { "SQLite error \(code): \(message)" }
}

/// The result columns of a statement, shared by its rows.
final class SQLiteColumnNames: Sendable {
    let names: [String]

    init(_ names: [String]) { self.names = names }

    func index(of column: String) -> Int? { names.firstIndex(of: column) }
}

/// A result row of a ``SQLiteFile`` statement, decoded as SQLiteKit decodes.
struct SQLiteFileRow: SQLRow {
    let columns: SQLiteColumnNames
    let values: [SQLiteData]
    let decoder: SQLiteDataDecoder

    var allColumns: [String] { columns.names }

    func contains(column: String) -> Bool { columns.index(of: column) != nil }

    func decodeNil(column: String) throws -> Bool {
        guard let index = columns.index(of: column) else { return true }
        return values[index] == .null
    }

    func decode<D: Decodable>(column: String, as type: D.Type) throws -> D {
        guard let index = columns.index(of: column) else {
            throw DecodingError.keyNotFound(SQLiteColumnKey(stringValue: column), .init(codingPath: [], debugDescription: "no column \(column)"))
        }
        return try decoder.decode(D.self, from: values[index])
    }
}

private struct SQLiteColumnKey: CodingKey {
    let stringValue: String
    var intValue: Int? { nil }
    init(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
}
