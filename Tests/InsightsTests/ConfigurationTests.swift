// ProviderConfiguration: environment variables, clear errors, redacted keys.
import Foundation
import Insights
import Testing

@Suite("Provider configuration from the environment")
struct ConfigurationTests {
  @Test("nothing set: the offline template provider")
  func defaultIsTemplate() throws {
    let configuration = try ProviderConfiguration.fromEnvironment([:])
    #expect(configuration.kind == .template)
    #expect(configuration.model == "template")
    #expect(configuration.apiKey == nil)
    #expect(configuration.description == "template model=template")
    #expect(configuration.makeProvider() is TemplateProvider)
  }

  @Test("anthropic with its key and the defaults")
  func anthropicDefaults() throws {
    let configuration = try ProviderConfiguration.fromEnvironment(
      ["AUDIENCE_LLM_PROVIDER": "anthropic", "ANTHROPIC_API_KEY": Fixtures.anthropicKey])
    #expect(configuration.kind == .anthropic)
    #expect(configuration.baseURL.absoluteString == "https://api.anthropic.com")
    #expect(configuration.model == "claude-sonnet-4-5")
    #expect(configuration.apiKey?.reveal() == Fixtures.anthropicKey)
    #expect(configuration.description == "anthropic model=claude-sonnet-4-5 base=https://api.anthropic.com key=[redacted]")
    #expect(configuration.makeProvider() is AnthropicProvider)
  }

  @Test("openai with base URL, model and key from the environment; case-insensitive provider; blanks trimmed")
  func openAIConfigured() throws {
    let configuration = try ProviderConfiguration.fromEnvironment([
      "AUDIENCE_LLM_PROVIDER": " OpenAI ", "AUDIENCE_LLM_BASE_URL": "http://127.0.0.1:11434/v1",
      "AUDIENCE_LLM_MODEL": "llama3.1", "OPENAI_API_KEY": "  ",
    ])
    #expect(configuration.kind == .openai)
    #expect(configuration.baseURL.absoluteString == "http://127.0.0.1:11434/v1")
    #expect(configuration.model == "llama3.1")
    #expect(configuration.apiKey == nil)
    #expect(configuration.description == "openai model=llama3.1 base=http://127.0.0.1:11434/v1 key=none")
    #expect(configuration.makeProvider() is OpenAIProvider)
  }

  @Test("the override (--provider) wins over AUDIENCE_LLM_PROVIDER")
  func overrideWins() throws {
    let env = ["AUDIENCE_LLM_PROVIDER": "anthropic", "OPENAI_API_KEY": Fixtures.openAIKey]
    #expect(try ProviderConfiguration.fromEnvironment(env, override: "openai").kind == .openai)
    #expect(try ProviderConfiguration.fromEnvironment(env, override: "template").kind == .template)
  }

  @Test("anthropic without a key names the variable")
  func anthropicMissingKey() {
    let expected = ConfigurationError(
      code: .missingAPIKey, message: "the anthropic provider needs an API key: set ANTHROPIC_API_KEY",
      variable: "ANTHROPIC_API_KEY")
    #expect(throws: expected) { try ProviderConfiguration.fromEnvironment(["AUDIENCE_LLM_PROVIDER": "anthropic"]) }
    #expect(throws: expected) {
      try ProviderConfiguration.fromEnvironment(["ANTHROPIC_API_KEY": " "], override: "anthropic")
    }
  }

  @Test("openai against api.openai.com without a key names the variable")
  func openAIMissingKey() {
    #expect(
      throws: ConfigurationError(
        code: .missingAPIKey,
        message:
          "the openai provider needs an API key for https://api.openai.com: set OPENAI_API_KEY, or set AUDIENCE_LLM_BASE_URL to a server that needs none (Ollama, llama.cpp)",
        variable: "OPENAI_API_KEY")
    ) { try ProviderConfiguration.fromEnvironment([:], override: "openai") }
  }

  @Test("an unknown provider says where it came from and what is allowed")
  func unknownProvider() {
    #expect(
      throws: ConfigurationError(
        code: .unknownProvider,
        message: #"unknown LLM provider "gemini" in AUDIENCE_LLM_PROVIDER; expected template, anthropic or openai"#,
        variable: "AUDIENCE_LLM_PROVIDER")
    ) { try ProviderConfiguration.fromEnvironment(["AUDIENCE_LLM_PROVIDER": "gemini"]) }
    #expect(
      throws: ConfigurationError(
        code: .unknownProvider, message: #"unknown LLM provider "gemini"; expected template, anthropic or openai"#,
        variable: nil)
    ) { try ProviderConfiguration.fromEnvironment([:], override: "gemini") }
  }

  @Test("a base URL that is not absolute http(s) is rejected without echoing it")
  func invalidBaseURL() {
    for value in ["localhost:11434", "ftp://example.com", "not a url", "http://"] {
      #expect(
        throws: ConfigurationError(
          code: .invalidBaseURL,
          message: "AUDIENCE_LLM_BASE_URL is not an absolute http or https URL (e.g. http://127.0.0.1:11434)",
          variable: "AUDIENCE_LLM_BASE_URL")
      ) {
        try ProviderConfiguration.fromEnvironment(
          ["AUDIENCE_LLM_BASE_URL": value, "ANTHROPIC_API_KEY": "k"], override: "anthropic")
      }
    }
  }

  @Test("keys are redacted in every rendering: description, interpolation, reflection, dump; and so are URL credentials")
  func redaction() throws {
    let configuration = try ProviderConfiguration.fromEnvironment([
      "AUDIENCE_LLM_PROVIDER": "openai", "OPENAI_API_KEY": Fixtures.openAIKey,
      "AUDIENCE_LLM_BASE_URL": "https://user:secret-password@llm.example.net/v1?key=secret-query",
    ])
    var dumped = ""
    dump(configuration, to: &dumped)
    var dumpedProvider = ""
    dump(configuration.makeProvider(), to: &dumpedProvider)
    let renderings = [
      configuration.description, "\(configuration)", String(reflecting: configuration), dumped, dumpedProvider,
      String(describing: configuration.apiKey), String(reflecting: configuration.makeProvider()),
    ]
    for rendering in renderings {
      #expect(!rendering.contains(Fixtures.openAIKey))
    }
    #expect(configuration.description == "openai model=gpt-4o-mini base=https://llm.example.net/v1 key=[redacted]")
    #expect(String(describing: configuration.makeProvider()) == "openai model=gpt-4o-mini base=https://llm.example.net/v1")
    #expect(APIKey(Fixtures.openAIKey).description == "[redacted]")
    #expect(String(reflecting: APIKey(Fixtures.openAIKey)) == "APIKey([redacted])")
    #expect("\(APIKey(Fixtures.openAIKey))" == "[redacted]")
  }

  @Test("errors never contain a key's value")
  func errorsWithoutKeys() {
    do {
      _ = try ProviderConfiguration.fromEnvironment(
        ["AUDIENCE_LLM_BASE_URL": "bad url \(Fixtures.anthropicKey)", "ANTHROPIC_API_KEY": Fixtures.anthropicKey],
        override: "anthropic")
      Issue.record("expected an error")
    } catch {
      #expect(!error.message.contains(Fixtures.anthropicKey))
      #expect(error.code == .invalidBaseURL)
    }
  }
}
