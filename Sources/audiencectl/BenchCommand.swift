import ArgumentParser
extension AudienceCtl { struct Bench: ParsableCommand { static let configuration = CommandConfiguration(abstract: "Benchmarks."); func run() {} } }
