// ProviderConfiguration: which LLM provider to use, read from the environment; keys redacted.
import Foundation

/// An API key. Its text is reachable only through ``reveal()``; printing, interpolating,
/// dumping or mirroring it shows `[redacted]`.
public struct APIKey: Sendable, Hashable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
  private let value: String

  public init(_ value: String) { self.value = value }

  /// The key itself, for the one header that carries it.
  public func reveal() -> String { value }

  public var description: String { "[redacted]" }
  public var debugDescription: String { "APIKey([redacted])" }
  public var customMirror: Mirror { Mirror(self, children: [], displayStyle: .struct) }
}

/// A configuration problem, naming the environment variable to fix (never a key's value).
public struct ConfigurationError: Error, Sendable, Hashable, CustomStringConvertible {
  public struct Code: Hashable, Sendable, CustomStringConvertible {
    public let rawValue: String
    public init(_ rawValue: String) { self.rawValue = rawValue }
    public var description: String { rawValue }

    public static let unknownProvider = Code("unknown_provider")
    public static let missingAPIKey = Code("missing_api_key")
    public static let invalidBaseURL = Code("invalid_base_url")
  }

  public var code: Code
  public var message: String
  /// The environment variable at fault, when there is one.
  public var variable: String?

  public init(code: Code, message: String, variable: String?) {
    self.code = code
    self.message = message
    self.variable = variable
  }

  public var description: String { message }
}

/// Everything needed to build an ``LLMProvider``.
///
/// `CustomStringConvertible` shows the key as `[redacted]` (or `none`), so a configuration can
/// be printed or logged.
public struct ProviderConfiguration: Sendable, Hashable, CustomStringConvertible {
  public enum Kind: String, Sendable, Hashable, CaseIterable {
    /// Offline and deterministic: the SQL's own wording. The default.
    case template
    /// Anthropic's Messages API.
    case anthropic
    /// Any OpenAI-compatible chat completions server (OpenAI, Ollama, vLLM, llama.cpp).
    case openai
  }

  public var kind: Kind
  /// The server root; providers append `/v1/messages` or `/v1/chat/completions`.
  public var baseURL: URL
  public var model: String
  public var apiKey: APIKey?
  public var transport: TransportOptions

  public init(kind: Kind, baseURL: URL, model: String, apiKey: APIKey?, transport: TransportOptions = TransportOptions()) {
    self.kind = kind
    self.baseURL = baseURL
    self.model = model
    self.apiKey = apiKey
    self.transport = transport
  }

  public static let providerVariable = "AUDIENCE_LLM_PROVIDER"
  public static let baseURLVariable = "AUDIENCE_LLM_BASE_URL"
  public static let modelVariable = "AUDIENCE_LLM_MODEL"
  public static let anthropicKeyVariable = "ANTHROPIC_API_KEY"
  public static let openAIKeyVariable = "OPENAI_API_KEY"

  public static let defaultAnthropicBaseURL = URL(string: "https://api.anthropic.com")!
  public static let defaultOpenAIBaseURL = URL(string: "https://api.openai.com")!
  public static let defaultAnthropicModel = "claude-sonnet-4-5"
  public static let defaultOpenAIModel = "gpt-4o-mini"

  /// Reads the configuration from environment variables.
  ///
  /// - The provider: `provider` (e.g. from `--provider`) when given, else
  ///   `AUDIENCE_LLM_PROVIDER`, else `template`. Case-insensitive.
  /// - `AUDIENCE_LLM_BASE_URL`: an absolute http(s) URL; default `https://api.anthropic.com`
  ///   or `https://api.openai.com`. A trailing `/v1` is accepted (`http://localhost:11434/v1`).
  /// - `AUDIENCE_LLM_MODEL`: default `claude-sonnet-4-5` (anthropic), `gpt-4o-mini` (openai),
  ///   `template` (template).
  /// - `ANTHROPIC_API_KEY`: required for anthropic. `OPENAI_API_KEY`: required for openai
  ///   against the default `https://api.openai.com`; optional with `AUDIENCE_LLM_BASE_URL`
  ///   (Ollama and llama.cpp need none; without a key no `Authorization` header is sent).
  ///
  /// Empty or blank values count as unset.
  public static func fromEnvironment(
    _ env: [String: String], override provider: String? = nil, transport: TransportOptions = TransportOptions()
  ) throws(ConfigurationError) -> ProviderConfiguration {
    func value(_ name: String) -> String? {
      guard let raw = env[name]?.trimmingCharacters(in: .whitespacesAndNewlines), !raw.isEmpty else { return nil }
      return raw
    }
    let overrideValue = provider?.trimmingCharacters(in: .whitespacesAndNewlines)
    let chosen: String
    let source: String?
    if let overrideValue, !overrideValue.isEmpty {
      chosen = overrideValue
      source = nil
    } else if let fromEnv = value(providerVariable) {
      chosen = fromEnv
      source = providerVariable
    } else {
      chosen = Kind.template.rawValue
      source = nil
    }
    guard let kind = Kind(rawValue: chosen.lowercased()) else {
      let shown = chosen.count > 40 ? String(chosen.prefix(40)) + "…" : chosen
      let origin = source.map { " in \($0)" } ?? ""
      throw ConfigurationError(
        code: .unknownProvider,
        message: "unknown LLM provider \"\(shown)\"\(origin); expected template, anthropic or openai",
        variable: source)
    }

    var baseURL: URL?
    if let text = value(baseURLVariable) {
      guard let url = URL(string: text), let scheme = url.scheme?.lowercased(), scheme == "http" || scheme == "https",
        let host = url.host, !host.isEmpty
      else {
        throw ConfigurationError(
          code: .invalidBaseURL,
          message: "\(baseURLVariable) is not an absolute http or https URL (e.g. http://127.0.0.1:11434)",
          variable: baseURLVariable)
      }
      baseURL = url
    }
    let model = value(modelVariable)

    switch kind {
    case .template:
      return ProviderConfiguration(
        kind: .template, baseURL: baseURL ?? URL(string: "about:blank")!, model: TemplateProvider.modelName,
        apiKey: nil, transport: transport)
    case .anthropic:
      guard let key = value(anthropicKeyVariable) else {
        throw ConfigurationError(
          code: .missingAPIKey,
          message: "the anthropic provider needs an API key: set \(anthropicKeyVariable)",
          variable: anthropicKeyVariable)
      }
      return ProviderConfiguration(
        kind: .anthropic, baseURL: baseURL ?? defaultAnthropicBaseURL, model: model ?? defaultAnthropicModel,
        apiKey: APIKey(key), transport: transport)
    case .openai:
      let key = value(openAIKeyVariable)
      if key == nil, baseURL == nil {
        throw ConfigurationError(
          code: .missingAPIKey,
          message:
            "the openai provider needs an API key for https://api.openai.com: set \(openAIKeyVariable), or set \(baseURLVariable) to a server that needs none (Ollama, llama.cpp)",
          variable: openAIKeyVariable)
      }
      return ProviderConfiguration(
        kind: .openai, baseURL: baseURL ?? defaultOpenAIBaseURL, model: model ?? defaultOpenAIModel,
        apiKey: key.map(APIKey.init), transport: transport)
    }
  }

  /// The provider this configuration describes.
  public func makeProvider() -> any LLMProvider {
    switch kind {
    case .template: TemplateProvider()
    case .anthropic: AnthropicProvider(baseURL: baseURL, apiKey: apiKey ?? APIKey(""), model: model, options: transport)
    case .openai: OpenAIProvider(baseURL: baseURL, apiKey: apiKey, model: model, options: transport)
    }
  }

  /// `anthropic model=claude-sonnet-4-5 base=https://api.anthropic.com key=[redacted]`.
  public var description: String {
    switch kind {
    case .template:
      return "template model=template"
    case .anthropic, .openai:
      return "\(kind.rawValue) model=\(model) base=\(Self.describe(baseURL)) key=\(apiKey == nil ? "none" : "[redacted]")"
    }
  }

  /// The URL without user info or query (either could carry a credential).
  static func describe(_ url: URL) -> String {
    guard var components = URLComponents(url: url, resolvingAgainstBaseURL: false) else { return "(invalid URL)" }
    components.user = nil
    components.password = nil
    components.query = nil
    components.fragment = nil
    return components.string ?? "(invalid URL)"
  }
}
