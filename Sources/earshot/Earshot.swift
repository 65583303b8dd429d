import ArgumentParser

/// The `earshot` command: a wake-word engine for Linux.
@main
struct Earshot: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "earshot",
        abstract: "Wake-word detection for Linux: live, in batch, and on microcontrollers.",
        version: "0.1.0",
        subcommands: [ListenCommand.self, Score.self, DevicesCommand.self, FeaturesCommand.self, InspectCommand.self, ReportCommand.self, Bench.self, BenchModelCommand.self, RunModelCommand.self])
}
