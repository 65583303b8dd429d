import Testing
import EarshotEvents

@Test func textJSONAndCSVLines() {
    let d = Detection(file: "a, \"b\".wav", keyword: "smart_mirror", score: 0.91234, audioTime: 12.3456, keywordEnd: 12.2)
    #expect(DetectionFormat.json.line(d)
            == #"{"file":"a, \"b\".wav","keyword":"smart_mirror","time":12.346,"score":0.9123,"keyword_end":12.200}"#)
    #expect(DetectionFormat.csv.line(d) == #""a, ""b"".wav",smart_mirror,12.346,0.9123,12.200"#)
    #expect(DetectionFormat.csv.header == "file,keyword,time,score,keyword_end")
    #expect(DetectionFormat.text.line(d) == "a, \"b\".wav  smart_mirror  12.346 s  score 0.912  end 12.200 s")
    let live = Detection(keyword: "alexa", score: 1, audioTime: 1, wallClock: 1700000000.5,
                         latency: DetectionLatency(features: 0.0012))
    #expect(DetectionFormat.json.line(live)
            == #"{"keyword":"alexa","time":1.000,"score":1.0000,"keyword_end":1.000,"wall_clock":1700000000.500000,"latency_ms":{"features":1.200,"total":1.200}}"#)
    let full = Detection(keyword: "alexa", score: 0.5, audioTime: 2, latency: DetectionLatency(
        captureBuffering: 0.010, ringWait: 0.0005, features: 0.0002, inference: 0.003, decision: 0.0001))
    #expect(DetectionFormat.text.line(full)
            == "alexa         2.000 s  score 0.500  end 2.000 s  latency capture=10.00ms ring=0.50ms features=0.20ms inference=3.00ms decision=0.10ms total=13.80ms")
    #expect(DetectionFormat.json.line(full)
            == #"{"keyword":"alexa","time":2.000,"score":0.5000,"keyword_end":2.000,"latency_ms":{"capture":10.000,"ring":0.500,"features":0.200,"inference":3.000,"decision":0.100,"total":13.800}}"#)
    #expect(DetectionFormat.csv.line(full) == ",alexa,2.000,0.5000,2.000")
    #expect(full.latency != DetectionLatency() && DetectionLatency().isEmpty && DetectionLatency().fields.isEmpty)
}

@Test func fixedFormatting() {
    #expect(fixed(0, 3) == "0.000")
    #expect(fixed(-0.0004, 3) == "0.000")
    #expect(fixed(-1.5, 1) == "-1.5")
    #expect(fixed(2.5, 0) == "3")
    #expect(fixed(.nan, 2) == "nan")
    #expect(jsonString("a\u{1}b") == "\"a\\u0001b\"")
}

@Test func labelsCSVParsesAndRejectsWithLineNumbers() throws {
    let l = try Labels.parseCSV("file,keyword,start,end\nx.wav,alexa,1.0,1.5\ny.wav,,,\nz.wav,jarvis\n", name: "l.csv")
    #expect(l.instances == [KeywordInstance(file: "x.wav", keyword: "alexa", start: 1, end: 1.5),
                            KeywordInstance(file: "z.wav", keyword: "jarvis")])
    #expect(throws: LabelsError.self) { try Labels.parseCSV("x.wav,alexa,2,1\n", name: "l.csv") }
    do { _ = try Labels.parseCSV("a\nx.wav,alexa,1,b\n", name: "l.csv"); Issue.record("no error") } catch {
        #expect(error.description.hasPrefix("l.csv:1:"))
    }
}

@Test func labelsCSVWithWindowsLineEnds() throws {
    let l = try Labels.parseCSV("file,keyword,start,end\r\nx.wav,alexa,1.0,1.5\r\ny.wav,jarvis,2,3\r\n", name: "l.csv")
    #expect(l.instances == [KeywordInstance(file: "x.wav", keyword: "alexa", start: 1, end: 1.5),
                            KeywordInstance(file: "y.wav", keyword: "jarvis", start: 2, end: 3)])
}

@Test func missRateAndFalseAlarmsPerHour() {
    let labels = Labels(instances: [
        KeywordInstance(file: "s.wav", keyword: "alexa", start: 10, end: 11),
        KeywordInstance(file: "s.wav", keyword: "alexa", start: 100, end: 101),
        KeywordInstance(file: "dir/alexa/1.flac", keyword: "alexa"),
    ])
    let stream = FileResult(file: "./s.wav", durationSeconds: 3600 + 2, detections: [
        Detection(keyword: "alexa", score: 1, audioTime: 11.4),   // hit (within 0.5 s after the end)
        Detection(keyword: "alexa", score: 1, audioTime: 11.45),  // second hit on the same instance: false alarm
        Detection(keyword: "alexa", score: 1, audioTime: 101.6),  // too late: false alarm, instance missed
        Detection(keyword: "jarvis", score: 1, audioTime: 50),    // jarvis false alarm
    ])
    let clip = FileResult(file: "/data/dir/alexa/1.flac", durationSeconds: 1.5,
                          detections: [Detection(keyword: "alexa", score: 1, audioTime: 0.9)])
    let m = scoreDetections([stream, clip], labels: labels, keywords: ["alexa", "jarvis"])
    #expect(m[0].instances == 3 && m[0].hits == 2 && m[0].falseAlarms == 2)
    #expect(abs(m[0].missRate! - 1.0 / 3) < 1e-12)
    #expect(abs(m[0].nonKeywordHours - 1.0) < 1e-12)
    #expect(abs(m[0].falseAlarmsPerHour! - 2) < 1e-9)
    #expect(abs(m[0].meanDelay! - 0.4) < 1e-9)
    #expect(m[1].instances == 0 && m[1].missRate == nil && m[1].falseAlarms == 1)
    #expect(abs(m[1].nonKeywordHours - (3602 + 1.5) / 3600) < 1e-12)
}

@Test func folderLabels() {
    let l = Labels.fromFolders(files: ["a/alexa/1.flac", "a/noise/2.wav", "x.wav"], keywords: ["alexa"])
    #expect(l.instances == [KeywordInstance(file: "a/alexa/1.flac", keyword: "alexa")])
}
