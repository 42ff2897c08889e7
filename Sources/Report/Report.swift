// The library entry point of `audiencectl report`: read the numbers, render the HTML.
import Foundation
import PostgresClient

/// A rendered report and what it took.
public struct RenderedReport: Sendable {
  public var html: String
  public var data: ReportData
  /// Time spent reading the RPCs and rendering, in milliseconds.
  public var fetchMilliseconds: Double
  public var renderMilliseconds: Double
}

public enum Report {
  /// Reads `request`'s numbers through the RPCs (as service_role) and renders the HTML.
  public static func make(_ request: ReportRequest, connection: Connection) throws -> RenderedReport {
    let start = DispatchTime.now().uptimeNanoseconds
    let data = try ReportFetcher().fetch(request, connection: connection)
    let fetched = DispatchTime.now().uptimeNanoseconds
    let html = ReportRenderer().render(data)
    let done = DispatchTime.now().uptimeNanoseconds
    return RenderedReport(
      html: html, data: data, fetchMilliseconds: Double(fetched - start) / 1e6, renderMilliseconds: Double(done - fetched) / 1e6)
  }
}
