/// One labelled keyword occurrence.
public struct KeywordInstance: Sendable, Equatable {
    /// The audio file (as named in the labels).
    public var file: String
    /// Keyword label.
    public var keyword: String
    /// Start and end in seconds; nil means "somewhere in the file" (folder labels).
    public var start: Double?
    /// End in seconds, or nil with `start`.
    public var end: Double?
    /// Creates an instance.
    public init(file: String, keyword: String, start: Double? = nil, end: Double? = nil) {
        self.file = file; self.keyword = keyword; self.start = start; self.end = end
    }
}

/// Why a labels file could not be used.
public struct LabelsError: Error, CustomStringConvertible, Sendable {
    /// One line naming the file, line and reason.
    public var description: String
}

/// Ground truth for scoring: keyword instances per file.
public struct Labels: Sendable {
    /// Every labelled keyword occurrence.
    public var instances: [KeywordInstance]

    /// Creates labels from instances.
    public init(instances: [KeywordInstance]) { self.instances = instances }

    /// Parses CSV text with rows `file,keyword,start,end` (seconds; a header row is allowed;
    /// an empty keyword marks a file with no keyword; empty start/end mean the whole file).
    public static func parseCSV(_ text: String, name: String) throws(LabelsError) -> Labels {
        var out: [KeywordInstance] = []
        var lineNo = 0
        // "\r\n" is one Character in Swift, so both line ends are separators.
        for raw in text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" }) {
            lineNo += 1
            let line = raw.hasSuffix("\r") ? String(raw.dropLast()) : String(raw)
            if line.trimmingSpaces().isEmpty || line.hasPrefix("#") { continue }
            let cols = line.split(separator: ",", omittingEmptySubsequences: false).map { String($0).trimmingSpaces() }
            if lineNo == 1 && cols.first?.lowercased() == "file" { continue }
            guard cols.count == 2 || cols.count == 4 else {
                throw LabelsError(description: "\(name):\(lineNo): expected file,keyword,start,end but found \(cols.count) fields")
            }
            if cols[0].isEmpty { throw LabelsError(description: "\(name):\(lineNo): empty file name") }
            if cols[1].isEmpty { continue }
            var start: Double? = nil, end: Double? = nil
            if cols.count == 4 && !(cols[2].isEmpty && cols[3].isEmpty) {
                guard let s = Double(cols[2]), let e = Double(cols[3]), s.isFinite, e.isFinite, s >= 0, e >= s else {
                    throw LabelsError(description: "\(name):\(lineNo): start '\(cols[2])' and end '\(cols[3])' are not seconds with start ≤ end")
                }
                start = s; end = e
            }
            out.append(KeywordInstance(file: cols[0], keyword: cols[1], start: start, end: end))
        }
        return Labels(instances: out)
    }

    /// Labels from folder names: a file whose parent folder is named like a keyword holds one
    /// instance of it; other files hold none.
    public static func fromFolders(files: [String], keywords: [String]) -> Labels {
        let set = Set(keywords)
        var out: [KeywordInstance] = []
        for f in files {
            let parts = f.split(separator: "/")
            if parts.count >= 2 {
                let parent = String(parts[parts.count - 2])
                if set.contains(parent) { out.append(KeywordInstance(file: f, keyword: parent)) }
            }
        }
        return Labels(instances: out)
    }

    /// The instances that belong to `file` (matching the path exactly, or as a path suffix).
    public func instances(for file: String) -> [KeywordInstance] {
        instances.filter { sameFile($0.file, file) }
    }
}

/// True when two paths name the same file: equal after removing "./", or one ends with "/" + the other.
func sameFile(_ a: String, _ b: String) -> Bool {
    let x = a.hasPrefix("./") ? String(a.dropFirst(2)) : a
    let y = b.hasPrefix("./") ? String(b.dropFirst(2)) : b
    return x == y || x.hasSuffix("/" + y) || y.hasSuffix("/" + x)
}

extension String {
    func trimmingSpaces() -> String {
        var s = Substring(self)
        while let f = s.first, f == " " || f == "\t" { s = s.dropFirst() }
        while let l = s.last, l == " " || l == "\t" { s = s.dropLast() }
        return String(s)
    }
}
