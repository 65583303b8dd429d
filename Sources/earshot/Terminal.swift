import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Writes to stdout and stderr; errors are prefixed with "earshot: ".
enum Terminal {
    /// Whether stderr is a terminal (progress bars only then).
    static var stderrIsTerminal: Bool { isatty(STDERR_FILENO) != 0 }

    /// One line to stdout.
    static func out(_ line: String) {
        print(line)
    }

    /// One error or warning line to stderr.
    static func error(_ line: String) {
        fflush(nil)
        writeStderr("earshot: " + line + "\n")
    }
}

/// A one-line progress bar on stderr, redrawn in place; disabled when stderr is not a terminal.
final class ProgressBar: @unchecked Sendable {
    private let total: Int
    private let enabled: Bool
    private var done = 0
    private var drawn = false

    init(total: Int, enabled: Bool) { self.total = total; self.enabled = enabled }

    /// Counts one more file and redraws.
    func advance() {
        done += 1
        guard enabled else { return }
        let width = 30
        let filled = total == 0 ? width : width * done / total
        let bar = String(repeating: "#", count: filled) + String(repeating: "-", count: width - filled)
        writeStderr("\r[\(bar)] \(done)/\(total)")
        drawn = true
    }

    /// Erases the bar so a normal line can be printed.
    func clear() {
        guard enabled, drawn else { return }
        fflush(nil)
        writeStderr("\r\u{1B}[K")
        drawn = false
    }
}

/// Writes a string to stderr unbuffered.
func writeStderr(_ s: String) {
    FileHandle.standardError.write(Data(s.utf8))
}
