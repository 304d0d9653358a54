// Modelfile parsing: the cases of Ollama's parser_test.go re-expressed, error messages with line
// numbers, PARAMETER typing (spec §3.2) and the Modelfile → create request conversion.
#include <catch2/catch.hpp>

#include <random>

#include "engine/store/errors.h"
#include "engine/store/manifest.h"
#include "engine/store/modelfile.h"
#include "store_test_util.h"

using namespace hearth::store;
using namespace hearth::store::test;
using hearth::Json;
using Cmds = std::vector<ModelfileCommand>;

namespace {
Cmds parse(const std::string& text) { return Modelfile::parse(text).commands; }

std::string parse_error(const std::string& text) {
  try {
    Modelfile::parse(text);
  } catch (const ModelfileError& e) {
    return e.what();
  }
  return "(no error)";
}

const char* kInvalidCommand =
    "command must be one of \"from\", \"license\", \"template\", \"system\", \"adapter\", \"renderer\", \"parser\", "
    "\"parameter\", \"message\", or \"requires\"";
}  // namespace

TEST_CASE("Modelfile commands parse like Ollama's parser", "[store][modelfile]") {
  const std::string tmpl =
      "{{ if .System }}<|start_header_id|>system<|end_header_id|>\n\n{{ .System }}<|eot_id|>{{ end }}{{ if .Prompt "
      "}}<|start_header_id|>user<|end_header_id|>\n\n{{ .Prompt }}<|eot_id|>{{ end "
      "}}<|start_header_id|>assistant<|end_header_id|>\n\n{{ .Response }}<|eot_id|>";
  CHECK(parse("\nFROM model1\nADAPTER adapter1\nLICENSE MIT\nPARAMETER param1 value1\nPARAMETER param2 value2\n"
              "TEMPLATE \"\"\"" + tmpl + "\"\"\"\n") ==
        Cmds{{"model", "model1"}, {"adapter", "adapter1"}, {"license", "MIT"}, {"param1", "value1"},
             {"param2", "value2"}, {"template", tmpl}});
  // Trimming: unquoted values are trimmed, quoted ones keep their spaces.
  CHECK(parse("\nFROM \"     model 1\"\nADAPTER      adapter3\nLICENSE \"MIT       \"\nPARAMETER param1        value1\n"
              "TEMPLATE \"\"\"   x   \"\"\"\n") ==
        Cmds{{"model", "     model 1"}, {"adapter", "adapter3"}, {"license", "MIT       "}, {"param1", "value1"},
             {"template", "   x   "}});
  CHECK(parse("FROM \"FOO  BAR  \"") == Cmds{{"model", "FOO  BAR  "}});
  CHECK(parse("FROM     FOOO BAR    ") == Cmds{{"model", "FOOO BAR"}});
  CHECK(parse("FROM /what/is/the path ") == Cmds{{"model", "/what/is/the path"}});
  CHECK(parse("FROM llama3:7b-instruct-q4_K_M") == Cmds{{"model", "llama3:7b-instruct-q4_K_M"}});
  CHECK(parse("PARAMETER param1 value1\nFROM foo") == Cmds{{"param1", "value1"}, {"model", "foo"}});
  CHECK(parse("PARAMETER what the \nFROM lemons make lemonade ") ==
        Cmds{{"what", "the"}, {"model", "lemons make lemonade"}});
  // Commands are case-insensitive; parameter names are kept as written.
  CHECK(parse("from foo\nsystem hi\nParameter Top_K 5\nsYsTeM there") ==
        Cmds{{"model", "foo"}, {"system", "hi"}, {"Top_K", "5"}, {"system", "there"}});
  // Comments and blank lines.
  CHECK(parse("\n# comment\nFROM foo\n\t") == Cmds{{"model", "foo"}});
  CHECK(parse("# a\n  # b\nFROM foo # not a comment\n") == Cmds{{"model", "foo # not a comment"}});
}

TEST_CASE("Modelfile quoting, multi-line strings and messages", "[store][modelfile]") {
  CHECK(parse("\nFROM foo\nSYSTEM \"\"\"\nThis is a\nmultiline system.\n\"\"\"\n\t\t\t") ==
        Cmds{{"model", "foo"}, {"system", "\nThis is a\nmultiline system.\n"}});
  CHECK(parse("\nFROM foo\nSYSTEM \"\"\"This is a\nmultiline system.\"\"\"\n") ==
        Cmds{{"model", "foo"}, {"system", "This is a\nmultiline system."}});
  CHECK(parse("\nFROM foo\nSYSTEM \"\"\"\nThis is a multiline system with \"quotes\".\n\"\"\"\n") ==
        Cmds{{"model", "foo"}, {"system", "\nThis is a multiline system with \"quotes\".\n"}});
  CHECK(parse("\nFROM foo\nSYSTEM \"\"\"\"\"\"\n") == Cmds{{"model", "foo"}, {"system", ""}});
  CHECK(parse("\nFROM foo\nSYSTEM \"\"\n") == Cmds{{"model", "foo"}, {"system", ""}});
  CHECK(parse("\nFROM foo\nSYSTEM \"'\"\n") == Cmds{{"model", "foo"}, {"system", "'"}});
  CHECK(parse("\nFROM foo\nSYSTEM \"\"\"''\"'\"\"'\"\"'\"'''''\"\"'\"\"'\"\"\"\n") ==
        Cmds{{"model", "foo"}, {"system", "''\"'\"\"'\"\"'\"'''''\"\"'\"\"'"}});
  CHECK(parse("\nFROM foo\nTEMPLATE \"\"\"\n{{ .Prompt }}\n\"\"\"") ==
        Cmds{{"model", "foo"}, {"template", "\n{{ .Prompt }}\n"}});
  CHECK(parse("\nFROM foo\nMESSAGE system You are a file parser. Always parse things.\nMESSAGE user Hey there!\n"
              "MESSAGE assistant Hello, I want to parse all the things!\n") ==
        Cmds{{"model", "foo"},
             {"message", "system: You are a file parser. Always parse things."},
             {"message", "user: Hey there!"},
             {"message", "assistant: Hello, I want to parse all the things!"}});
  CHECK(parse("\nFROM foo\nMESSAGE system \"\"\"\nYou are a multiline file parser. Always parse things.\n\"\"\"\n\t\t\t") ==
        Cmds{{"model", "foo"}, {"message", "system: \nYou are a multiline file parser. Always parse things.\n"}});
  // PARAMETER stop values as in TestParseFileParameters.
  CHECK(parse("FROM foo\nPARAMETER stop ### User: \n").at(1) == ModelfileCommand{"stop", "### User:"});
  CHECK(parse("FROM foo\nPARAMETER stop \"### User: \"\n").at(1) == ModelfileCommand{"stop", "### User: "});
  CHECK(parse("FROM foo\nPARAMETER stop \"\"\"### User:\n\"\"\"\n").at(1) == ModelfileCommand{"stop", "### User:\n"});
  CHECK(parse("FROM foo\nPARAMETER stop <|eot_id|>\n").at(1) == ModelfileCommand{"stop", "<|eot_id|>"});
  // Multi-byte text, UTF-8 BOM, UTF-16 with BOM (little and big endian).
  CHECK(parse("FROM test\n\tSYSTEM 你好👋") == Cmds{{"model", "test"}, {"system", "你好👋"}});
  CHECK(parse("\xEF\xBB\xBF" "FROM bob\n") == Cmds{{"model", "bob"}});
  const std::u16string data = u"FROM bob\nPARAMETER param1 1\nSYSTEM You are a utf16 file 👋.\n";
  for (bool little : {true, false}) {
    std::string bytes = little ? std::string("\xFF\xFE") : std::string("\xFE\xFF");
    for (char16_t u : data) {
      char lo = static_cast<char>(u & 0xFF), hi = static_cast<char>(u >> 8);
      bytes += little ? std::string{lo, hi} : std::string{hi, lo};
    }
    CHECK(parse(bytes) == Cmds{{"model", "bob"}, {"param1", "1"}, {"system", "You are a utf16 file 👋."}});
  }
  // CRLF line endings.
  CHECK(parse("FROM foo\r\nSYSTEM hi\r\n") == Cmds{{"model", "foo"}, {"system", "hi"}});
}

TEST_CASE("Modelfile errors carry Ollama's messages and line numbers", "[store][modelfile]") {
  CHECK(parse_error("") == "no FROM line");
  CHECK(parse_error("PARAMETER param1 value1") == "no FROM line");
  CHECK(parse_error("\nFROM foo\nBADCOMMAND param1 value1\n") == std::string("(line 3): ") + kInvalidCommand);
  CHECK(parse_error("FROM foo\n\n\n\nBAD x\n") == std::string("(line 5): ") + kInvalidCommand);
  CHECK(parse_error("FROM\n") == std::string("(line 2): ") + kInvalidCommand);
  CHECK(parse_error("FROM foo\nSYS7EM x\n") == std::string("(line 2): ") + kInvalidCommand);
  CHECK(parse_error("\nFROM foo\nMESSAGE badguy I'm a bad guy!\n") ==
        "(line 3): message role must be one of \"system\", \"user\", or \"assistant\"");
  CHECK(parse_error("\nFROM foo\nPARAMETER param1\n") == "unexpected EOF: param1");
  CHECK(parse_error("\nFROM foo\nMESSAGE system\n") == "unexpected EOF: system");
  CHECK(parse_error("\nFROM foo\nMESSAGE system") == "unexpected EOF");
  CHECK(parse_error("\nFROM foo\nSYSTEM \"\"\"This is a multiline system.\"\"\n\t\t\t") == "unexpected EOF");
  CHECK(parse_error("\nFROM foo\nSYSTEM \"\n\t\t\t") == "unexpected EOF");
  try {
    Modelfile::parse("FROM foo\nFROB x");
  } catch (const ModelfileError& e) {
    CHECK(e.line() == 2);
    CHECK(e.kind() == ErrorKind::BadRequest);
  }
}

TEST_CASE("Modelfiles round-trip through format_command", "[store][modelfile]") {
  for (const std::string& text : {
           std::string("\nFROM foo\nADAPTER adapter1\nLICENSE MIT\nPARAMETER param1 value1\nTEMPLATE template1\n"
                       "MESSAGE system You are a file parser. Always parse things.\nMESSAGE user Hey there!\n"),
           std::string("\nFROM foo\nLICENSE \"\"\"\nVery long and boring legal text.\n\"Oh look, a quote!\"\n\"\"\"\n\n"
                       "MESSAGE system \"\"\"\nYou are a store greeter. Always responsed with \"Hello!\".\n\"\"\"\n"),
           std::string("\nFROM foo\nSYSTEM \"\"\n"),
           std::string("FROM foo\nSYSTEM \" leading space\"\nPARAMETER stop \"a\nb\"\n"),
       }) {
    INFO(text);
    Modelfile once = Modelfile::parse(text);
    Modelfile twice = Modelfile::parse(once.to_string());
    CHECK(once.commands == twice.commands);
  }
  CHECK(quote_value("plain") == "plain");
  CHECK(quote_value("two\nlines") == "\"two\nlines\"");
  CHECK(quote_value(" lead") == "\" lead\"");
  CHECK(quote_value("say \"hi\"\n") == "\"\"\"say \"hi\"\n\"\"\"");
  CHECK(quote_value("inner \"quote\" only") == "inner \"quote\" only");
  CHECK(format_command({"message", "user: hello there"}) == "MESSAGE user hello there");
  CHECK(format_command({"stop", "<|eot_id|>"}) == "PARAMETER stop <|eot_id|>");
  CHECK(format_command({"model", "/x/y"}) == "FROM /x/y");
}

TEST_CASE("PARAMETER values are typed by option", "[store][modelfile][params]") {
  CHECK(parse_parameter("num_ctx", "4096").value == Json(4096));
  CHECK(parse_parameter("seed", "-1").value == Json(-1));
  CHECK(parse_parameter("top_k", "+40").value == Json(40));
  CHECK(parse_parameter("temperature", "0.7").value == Json(0.7));   // float32 0.7, shortest
  CHECK(parse_parameter("top_p", "1").value == Json(1.0));
  CHECK(parse_parameter("min_p", ".05").value == Json(0.05));
  CHECK(parse_parameter("repeat_penalty", "1.1e0").value == Json(1.1));
  CHECK(parse_parameter("use_mmap", "false").value == Json(false));
  CHECK(parse_parameter("use_mmap", "T").value == Json(true));
  CHECK(parse_parameter("stop", "<|eot_id|>").value == Json::array({"<|eot_id|>"}));
  CHECK(parse_parameter("mirostat", "2").deprecated);
  CHECK(parse_parameter("penalize_newline", "true").deprecated);

  auto error_of = [](const std::string& name, const std::string& value) {
    try {
      parse_parameter(name, value);
    } catch (const StoreError& e) {
      return std::string(e.what());
    }
    return std::string("(no error)");
  };
  CHECK(error_of("num_ctx", "4k") == "invalid int value [4k]");
  CHECK(error_of("num_ctx", "1.5") == "invalid int value [1.5]");
  CHECK(error_of("num_ctx", "99999999999999999999") == "invalid int value [99999999999999999999]");
  CHECK(error_of("temperature", "warm") == "invalid float value [warm]");
  CHECK(error_of("temperature", "1e39") == "invalid float value [1e39]");  // beyond float32
  CHECK(error_of("use_mmap", "yes") == "invalid bool value [yes]");
  CHECK(error_of("numa", "true") == "unknown parameter 'numa'");
  CHECK(error_of("tfs_z", "1.0") == "unknown parameter 'tfs_z'");
  CHECK(error_of("num_gqa", "1") == "unknown parameter 'num_gqa'");
  CHECK(error_of("enable_thinking", "false") == "unknown parameter 'enable_thinking'");
  CHECK(is_known_parameter("num_ctx"));
  CHECK_FALSE(is_known_parameter("mirostat"));
}

TEST_CASE("a Modelfile becomes the /api/create request the CLI would send", "[store][modelfile]") {
  TempDir dir;
  write_text(dir.path() / "weights" / "model.gguf", "GGUF-ish");
  std::vector<std::string> hashed;
  auto digest_of = [&](const std::filesystem::path& p) {
    hashed.push_back(p.string());
    return std::string("sha256:") + std::string(64, 'e');
  };
  Modelfile mf = Modelfile::parse(
      "FROM ./weights/model.gguf\nTEMPLATE {{ .Prompt }}\nSYSTEM be nice\nLICENSE one\nLICENSE two\n"
      "PARAMETER stop <|a|>\nPARAMETER temperature 0.5\nPARAMETER stop <|b|>\nPARAMETER mirostat 1\n"
      "MESSAGE user hi\nMESSAGE assistant hello: there\nREQUIRES v0.9.0\n");
  ModelfileRequest r = modelfile_to_request(mf, dir.path(), "mine", digest_of);
  CHECK(r.request.model == "mine");
  CHECK(r.request.from.empty());
  REQUIRE(r.request.files.size() == 1);
  CHECK(r.request.files.at("model.gguf") == "sha256:" + std::string(64, 'e'));
  REQUIRE(r.local_files.size() == 1);
  CHECK(r.local_files[0].path == dir.path() / "weights" / "model.gguf");
  CHECK(hashed.size() == 1);
  CHECK(r.request.tmpl == "{{ .Prompt }}");
  CHECK(r.request.system == "be nice");
  CHECK(r.request.licenses == std::vector<std::string>{"one", "two"});
  CHECK(r.request.parameters.dump() == "{\"stop\":[\"<|a|>\",\"<|b|>\"],\"temperature\":0.5}");
  CHECK(r.request.messages.dump() ==
        "[{\"role\":\"user\",\"content\":\"hi\"},{\"role\":\"assistant\",\"content\":\"hello: there\"}]");
  CHECK(r.request.requires_version == "0.9.0");
  CHECK(r.warnings == std::vector<std::string>{"parameter mirostat is deprecated"});

  // FROM a name that is not a path, or a blob digest.
  ModelfileRequest by_name = modelfile_to_request(Modelfile::parse("FROM llama3.2:1b"), dir.path(), "x", digest_of);
  CHECK(by_name.request.from == "llama3.2:1b");
  CHECK(by_name.request.files.empty());
  const std::string hex(64, 'a');
  ModelfileRequest by_digest = modelfile_to_request(Modelfile::parse("FROM sha256:" + hex), dir.path(), "x", digest_of);
  CHECK(by_digest.request.files.at("sha256-" + hex) == "sha256:" + hex);
  // A directory contributes its .gguf files.
  write_text(dir.path() / "weights" / "b.gguf", "x");
  write_text(dir.path() / "weights" / "notes.txt", "x");
  ModelfileRequest by_dir = modelfile_to_request(Modelfile::parse("FROM weights"), dir.path(), "x", digest_of);
  CHECK(by_dir.request.files.size() == 2);
  CHECK(by_dir.request.files.count("b.gguf") == 1);

  CHECK_THROWS_WITH(modelfile_to_request(Modelfile::parse("FROM foo\nADAPTER ./lora.gguf"), dir.path(), "x", digest_of),
                    "LoRA adapters are no longer supported");
  CHECK_THROWS_WITH(modelfile_to_request(Modelfile::parse("FROM foo\nPARAMETER numa true"), dir.path(), "x", digest_of),
                    "unknown parameter 'numa'");
}

TEST_CASE("arbitrary bytes never crash the Modelfile or manifest parsers", "[store][modelfile][robust]") {
  // Deterministic garbage built from Modelfile and JSON fragments: every input must either parse
  // or throw the module's own error type.
  std::mt19937 rng(12345);
  const std::vector<std::string> pieces = {"FROM ", "PARAMETER ", "MESSAGE ", "user ", "SYSTEM ", "\"\"\"", "\"", "\n",
                                           "\r", "\t", " ", "#", "x", "stop", "\xff", "\xe4\xbd\xa0", "{", "}", "[",
                                           "]", ":", ",", "\"digest\"", "\"sha256:", "\"layers\"", "0", "-1", "1e999"};
  for (int i = 0; i < 3000; ++i) {
    std::string text;
    int n = static_cast<int>(rng() % 24);
    for (int k = 0; k < n; ++k) text += pieces[rng() % pieces.size()];
    try {
      Modelfile::parse(text);
    } catch (const StoreError&) {
    }
    try {
      Manifest::parse(text, "fuzz");
    } catch (const ManifestError&) {
    }
  }
  SUCCEED("no crash and no foreign exception in 3000 inputs");
}
