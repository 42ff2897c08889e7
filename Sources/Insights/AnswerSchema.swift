// AnswerSchema: the JSON Schema of the answer, sent as Anthropic's tool input_schema and as
// OpenAI's strict response_format, so the model can only answer in this shape.
import Foundation

/// The JSON Schema of `{"insights": [{"insight_type", "subject_key", "title", "description",
/// "action_suggestion", "rank"}]}`.
///
/// Stays within what OpenAI's strict structured outputs accept (every property required,
/// `additionalProperties: false`, no length keywords), and narrows `insight_type` and
/// `subject_key` to the candidates' own values so a constrained decoder cannot invent one.
/// The validator still checks everything: not every server enforces a schema.
public enum AnswerSchema {
  public static func make(candidates: [InsightCandidate], maxInsights: Int = 8) -> JSONValue {
    let types = unique(candidates.map(\.insightType))
    let subjects = unique(candidates.map(\.subjectKey))
    let item: JSONValue = [
      "type": "object",
      "additionalProperties": false,
      "required": ["insight_type", "subject_key", "title", "description", "action_suggestion", "rank"],
      "properties": [
        "insight_type": [
          "type": "string", "enum": .array(types.map(JSONValue.string)),
          "description": "The insight_type of one of the candidates, copied exactly.",
        ],
        "subject_key": [
          "type": "string", "enum": .array(subjects.map(JSONValue.string)),
          "description": "The subject_key of that same candidate, copied exactly.",
        ],
        "title": [
          "type": "string",
          "description": "At most 80 characters. Numbers only as {id} placeholders of the candidate's facts.",
        ],
        "description": [
          "type": "string",
          "description": "One or two sentences, at most 500 characters. Numbers only as {id} placeholders of the candidate's facts.",
        ],
        "action_suggestion": [
          "type": "string",
          "description": "One concrete next step, one sentence, at most 300 characters.",
        ],
        "rank": [
          "type": "integer",
          "description": "1 for the most important insight, then 2, 3, ... without gaps or repeats.",
        ],
      ],
    ]
    return [
      "type": "object",
      "additionalProperties": false,
      "required": ["insights"],
      "properties": [
        "insights": [
          "type": "array",
          "description": .string("At most \(maxInsights) insights, each phrasing one candidate; never a new one."),
          "items": item,
        ]
      ],
    ]
  }

  private static func unique(_ values: [String]) -> [String] {
    var seen = Set<String>()
    return values.filter { seen.insert($0).inserted }
  }
}

enum Endpoint {
  /// `{base}/v1/{path}`; a base that already ends in `/v1` is not doubled.
  static func url(base: URL, path: String) -> URL {
    guard var components = URLComponents(url: base, resolvingAgainstBaseURL: false) else {
      return base.appendingPathComponent("v1").appendingPathComponent(path)
    }
    var basePath = components.path
    while basePath.hasSuffix("/") { basePath.removeLast() }
    if !basePath.hasSuffix("/v1") { basePath += "/v1" }
    components.path = basePath + "/" + path
    return components.url ?? base.appendingPathComponent("v1").appendingPathComponent(path)
  }
}
