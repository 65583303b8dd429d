import Foundation
import Testing
@testable import earshot

/// Runs the built `earshot` executable with arguments; returns (status, stdout, stderr).
func runEarshot(_ args: [String], cwd: String? = nil) throws -> (Int32, String, String) {
    let exe = productsDirectory.appendingPathComponent("earshot")
    let p = Process()
    p.executableURL = exe
    p.arguments = args
    if let cwd { p.currentDirectoryURL = URL(fileURLWithPath: cwd) }
    let out = Pipe(), err = Pipe()
    p.standardOutput = out
    p.standardError = err
    try p.run()
    let o = out.fileHandleForReading.readDataToEndOfFile()
    let e = err.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    return (p.terminationStatus, String(decoding: o, as: UTF8.self), String(decoding: e, as: UTF8.self))
}

/// The build products folder (where the test bundle and the executable are).
let productsDirectory: URL = {
    for b in Bundle.allBundles where b.bundleURL.pathExtension == "xctest" {
        return b.bundleURL.deletingLastPathComponent()
    }
    return URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
}()

let repoRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

@Test func rootHelpListsTheSubcommands() {
    let help = Earshot.helpMessage()
    #expect(help.contains("Wake-word detection for Linux"))
    for sub in ["score", "bench"] { #expect(help.contains(sub)) }
}

@Test func scoreHelpDocumentsFormatsLabelsAndThresholds() {
    let help = Earshot.helpMessage(for: Score.self)
    for needle in ["--format", "--labels", "--labels-from-folders", "--threshold", "--keyword-threshold",
                   "--jobs", "--evaluate-every", "--report-peak", "exit status is 1"] {
        #expect(help.contains(needle), "score help lacks \(needle)")
    }
}

@Test func badOptionValuesAreRejected() {
    #expect(throws: (any Error).self) { try Score.parse(["x.wav", "--format", "xml"]) }
    #expect(throws: (any Error).self) { try Score.parse(["x.wav", "--jobs", "0"]) }
    #expect(throws: (any Error).self) {
        let s = try Score.parse(["x.wav", "--keyword-threshold", "alexa"])
        _ = try s.detection.engineOptions()
    }
}

@Test func missingModelIsOneLineAndExitTwo() throws {
    let (status, out, err) = try runEarshot(["score", "--model", "/nonexistent/m.tflite", "x.wav"])
    #expect(status == 2)
    #expect(out.isEmpty)
    #expect(err.split(separator: "\n").count == 1 && err.contains("/nonexistent/m.json"))
}
