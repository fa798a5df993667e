import Foundation

/// Prints a line to standard output at once, so scripts that wait for it see it.
func announce(_ line: String) {
    FileHandle.standardOutput.write(Data((line + "\n").utf8))
}
