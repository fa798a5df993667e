/// Identifiers such as `acc_3fK9…`: a prefix naming the kind, and 20 random base-62 characters.
public enum Identifier {
    /// A new identifier with `prefix` (`run`, `acc`, `agt`, …).
    public static func make(_ prefix: String) -> String {
        let alphabet = Array("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz".utf8)
        var generator = SystemRandomNumberGenerator()
        var id = Array((prefix + "_").utf8)
        let length = id.count + 20
        id.reserveCapacity(length)
        // Random bytes, eight per draw; bytes from 248 up are dropped so that each of the 62 letters is equally likely.
        while id.count < length {
            var draw = generator.next() as UInt64
            for _ in 0..<8 where id.count < length {
                let byte = UInt8(truncatingIfNeeded: draw)
                draw >>= 8
                if byte < 248 { id.append(alphabet[Int(byte) % alphabet.count]) }
            }
        }
        return String(decoding: id, as: UTF8.self)
    }
}
