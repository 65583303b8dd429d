import Foundation

/// Finds the shipped model when the user names none.
public enum ModelLocator {
    /// File name of the shipped model under `Models/`.
    public static let shippedModelName = "earshot-kws.tflite"

    /// The default model path: `$EARSHOT_MODEL`, else `Models/earshot-kws.tflite` under the
    /// current directory or any ancestor of the executable (a build tree inside the repository),
    /// else `/usr/local/share/earshot/`. Returns the first that exists, or the cwd-relative path.
    public static func defaultModelPath(environment: [String: String] = ProcessInfo.processInfo.environment,
                                        executable: String = CommandLine.arguments.first ?? "") -> String {
        if let p = environment["EARSHOT_MODEL"], !p.isEmpty { return p }
        let fm = FileManager.default
        var candidates = [fm.currentDirectoryPath + "/Models/" + shippedModelName]
        var dir = URL(fileURLWithPath: executable).resolvingSymlinksInPath().deletingLastPathComponent()
        for _ in 0..<6 {
            candidates.append(dir.appendingPathComponent("Models/" + shippedModelName).path)
            dir = dir.deletingLastPathComponent()
        }
        candidates.append("/usr/local/share/earshot/" + shippedModelName)
        return candidates.first { fm.fileExists(atPath: $0) } ?? "Models/" + shippedModelName
    }

    /// Audio file extensions picked up when a folder is given.
    public static let audioExtensions: Set<String> = ["wav", "wave", "flac", "ogg", "oga", "opus", "aif", "aiff", "au", "mp3"]

    /// Expands folders (recursively, sorted) into audio files; plain paths are kept as given so
    /// that missing or odd files are reported, not skipped.
    public static func expand(_ paths: [String]) -> [String] {
        var out: [String] = []
        let fm = FileManager.default
        for p in paths {
            var isDir: ObjCBool = false
            if fm.fileExists(atPath: p, isDirectory: &isDir), isDir.boolValue {
                let base = p.hasSuffix("/") ? String(p.dropLast()) : p
                var found: [String] = []
                if let e = fm.enumerator(atPath: p) {
                    while let rel = e.nextObject() as? String {
                        let ext = (rel as NSString).pathExtension.lowercased()
                        if audioExtensions.contains(ext) { found.append(base + "/" + rel) }
                    }
                }
                out.append(contentsOf: found.sorted { $0.compare($1, options: .numeric) == .orderedAscending })
            } else {
                out.append(p)
            }
        }
        return out
    }
}
