/// A message prepared for the extraction rules in one pass: its UTF-8 bytes, and its words (runs of bytes
/// between ASCII whitespace) with their positions. Every rule walks these arrays forwards with bounded
/// look-back, so extraction stays linear in the message's length whatever it holds.
///
/// The rules look for ASCII cues, separators, addresses and digits; any byte of a non-ASCII character
/// counts as a letter. A value found always starts and ends at an ASCII byte followed by no non-ASCII one,
/// so it is quoted exactly as the customer wrote it.
struct ScannedText {
    /// A run of bytes between whitespace.
    struct Word {
        /// Where the word starts and ends in `bytes`.
        let start: Int
        let end: Int
    }

    let bytes: [UInt8]
    let words: [Word]
    /// For each position in `bytes`, how many `/` come before it (an address inside a URL is no one's).
    private let slashesBefore: [Int32]

    init(_ text: String) {
        bytes = Array(text.utf8)
        var words: [Word] = []
        var slashes = [Int32](repeating: 0, count: bytes.count + 1)
        var count: Int32 = 0
        var start = -1
        for index in 0..<bytes.count {
            let byte = bytes[index]
            slashes[index] = count
            if byte == UInt8(ascii: "/") { count += 1 }
            if byte.isASCIIWhitespace {
                if start >= 0 {
                    words.append(Word(start: start, end: index))
                    start = -1
                }
            } else if start < 0 {
                start = index
            }
        }
        slashes[bytes.count] = count
        if start >= 0 { words.append(Word(start: start, end: bytes.count)) }
        self.words = words
        slashesBefore = slashes
    }

    var count: Int { bytes.count }

    subscript(_ index: Int) -> UInt8 { bytes[index] }

    /// The text from `start` up to `end`, as it was written (both at character boundaries).
    func text(_ start: Int, _ end: Int) -> String { String(decoding: bytes[start..<end], as: UTF8.self) }

    /// Where the word holding the (non-whitespace) byte at `index` starts.
    func wordStart(containing index: Int) -> Int {
        var low = 0
        var high = words.count
        while low < high {
            let middle = (low + high) / 2
            if words[middle].end <= index { low = middle + 1 } else { high = middle }
        }
        return low < words.count ? min(words[low].start, index) : index
    }

    /// Whether a `/` stands anywhere from `start` up to `end`.
    func hasSlash(_ start: Int, _ end: Int) -> Bool { slashesBefore[end] > slashesBefore[start] }

    /// Whether the word is `lowercase` (ASCII, in lower case), ignoring the case of its letters.
    func word(_ word: Word, is lowercase: [UInt8]) -> Bool {
        word.end - word.start == lowercase.count && ends(at: word.end, with: lowercase)
    }

    /// Whether the bytes just before `end` are `lowercase` (ASCII, in lower case), ignoring case.
    func ends(at end: Int, with lowercase: [UInt8]) -> Bool {
        let start = end - lowercase.count
        guard start >= 0 else { return false }
        var offset = 0
        while offset < lowercase.count {
            guard bytes[start + offset].asciiLowercased == lowercase[offset] else { return false }
            offset += 1
        }
        return true
    }

    /// Whether the lower-case ASCII `needle` occurs within `range`, ignoring case.
    func contains(_ needle: [UInt8], in range: Range<Int>) -> Bool {
        guard let first = needle.first, range.count >= needle.count else { return false }
        var start = range.lowerBound
        while start + needle.count <= range.upperBound {
            if bytes[start].asciiLowercased == first, ends(at: start + needle.count, with: needle) { return true }
            start += 1
        }
        return false
    }

    /// Whether the lower-case ASCII `needle` occurs anywhere, ignoring case. Linear for a short needle.
    func contains(_ needle: [UInt8]) -> Bool {
        guard !needle.isEmpty, needle.count <= bytes.count else { return needle.isEmpty }
        let first = needle[0]
        var start = 0
        let last = bytes.count - needle.count
        while start <= last {
            if bytes[start].asciiLowercased == first, ends(at: start + needle.count, with: needle) { return true }
            start += 1
        }
        return false
    }

    /// Where the word starts and ends without the punctuation around it (`,.;:!?"()` and `¿¡`).
    func trimmedPunctuation(_ word: Word) -> (start: Int, end: Int) {
        var start = word.start
        var end = word.end
        while start < end {
            if Self.isPunctuation(bytes[start]) {
                start += 1
            } else if bytes[start] == 0xC2, start + 1 < end, bytes[start + 1] == 0xBF || bytes[start + 1] == 0xA1 {
                start += 2
            } else {
                break
            }
        }
        while end > start, Self.isPunctuation(bytes[end - 1]) { end -= 1 }
        return (start, end)
    }

    /// Punctuation that may stand around a value's word.
    static func isPunctuation(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: ","), UInt8(ascii: "."), UInt8(ascii: ";"), UInt8(ascii: ":"), UInt8(ascii: "!"), UInt8(ascii: "?"), UInt8(ascii: "\""),
            UInt8(ascii: "("), UInt8(ascii: ")"):
            true
        default: false
        }
    }

    /// Where the character that holds the byte at `index` starts (a UTF-8 continuation byte belongs to the one before).
    func characterStart(_ index: Int) -> Int {
        var start = index
        while start > 0, start < bytes.count, bytes[start] & 0xC0 == 0x80 { start -= 1 }
        return start
    }
}

extension UInt8 {
    /// Space, tab, line feed, vertical tab, form feed or carriage return.
    var isASCIIWhitespace: Bool { self == 32 || (9...13).contains(self) }
    /// An ASCII letter or digit.
    var isASCIIAlphanumeric: Bool { isASCIIDigit || isASCIILetter }
    /// An ASCII letter.
    var isASCIILetter: Bool { (65...90).contains(self) || (97...122).contains(self) }
    /// An ASCII digit.
    var isASCIIDigit: Bool { (48...57).contains(self) }
    /// A letter for the rules: an ASCII letter or any byte of a non-ASCII character.
    var isLetterLike: Bool { isASCIILetter || self >= 0x80 }
    /// A word character as regular expressions have it (letters, digits, `_`), any non-ASCII byte included.
    var isWordByte: Bool { isASCIIAlphanumeric || self == UInt8(ascii: "_") || self >= 0x80 }
    /// An upper-case ASCII letter in lower case; any other byte as it is.
    var asciiLowercased: UInt8 { (65...90).contains(self) ? self + 32 : self }
}
