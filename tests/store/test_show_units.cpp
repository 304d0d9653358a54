// Show/tags helpers against the rules written in spec §2.7/§2.8/§9.4 and Go's time format.
#include <catch2/catch.hpp>

#include <cstdlib>
#include <ctime>

#include "engine/store/show.h"

using namespace hearth::store;
using hearth::Json;

TEST_CASE("human_number formats parameter counts as spec §2.7 describes", "[store][show]") {
  CHECK(human_number(8000000000ull) == "8B");       // whole billions: no decimals
  CHECK(human_number(3212749888ull) == "3.2B");     // otherwise one decimal
  CHECK(human_number(70553706496ull) == "70.6B");
  CHECK(human_number(137000000ull) == "137M");      // whole millions
  CHECK(human_number(22565000ull) == "22.57M");     // otherwise two decimals
  CHECK(human_number(5245184ull) == "5.25M");
  CHECK(human_number(512000ull) == "512K");         // rounded thousands
  CHECK(human_number(513048ull) == "513K");
  CHECK(human_number(1500ull) == "2K");
  CHECK(human_number(999ull) == "999");             // plain integer
  CHECK(human_number(0) == "0");
}

TEST_CASE("file_type_name maps general.file_type to quantization names", "[store][show]") {
  CHECK(file_type_name(0) == "F32");
  CHECK(file_type_name(1) == "F16");
  CHECK(file_type_name(2) == "Q4_0");
  CHECK(file_type_name(7) == "Q8_0");
  CHECK(file_type_name(12) == "Q3_K_M");
  CHECK(file_type_name(15) == "Q4_K_M");
  CHECK(file_type_name(18) == "Q6_K");
  CHECK(file_type_name(25) == "IQ4_NL");
  CHECK(file_type_name(30) == "IQ4_XS");
  CHECK(file_type_name(32) == "BF16");
  CHECK(file_type_name(5) == "unknown");
  CHECK(file_type_name(1000) == "unknown");
}

TEST_CASE("format_modified_at is Go's RFC 3339 with nanoseconds in local time", "[store][show]") {
  const char* old = std::getenv("TZ");
  std::string saved = old ? old : "";
  auto at = [](int64_t sec, int64_t nanos) {
    return std::chrono::system_clock::time_point(std::chrono::duration_cast<std::chrono::system_clock::duration>(
        std::chrono::seconds(sec) + std::chrono::nanoseconds(nanos)));
  };
  ::setenv("TZ", "UTC", 1);
  ::tzset();
  CHECK(format_modified_at(at(1700000000, 0)) == "2023-11-14T22:13:20Z");
  CHECK(format_modified_at(at(1700000000, 500000000)) == "2023-11-14T22:13:20.5Z");        // zeros trimmed
  CHECK(format_modified_at(at(1700000000, 639712648)) == "2023-11-14T22:13:20.639712648Z");
  ::setenv("TZ", "XXX+7", 1);  // POSIX: seven hours west of UTC
  ::tzset();
  CHECK(format_modified_at(at(1700000000, 639712648)) == "2023-11-14T15:13:20.639712648-07:00");
  ::setenv("TZ", "YYY-5:30", 1);
  ::tzset();
  CHECK(format_modified_at(at(1700000000, 1000)) == "2023-11-15T03:43:20.000001+05:30");
  if (old) {
    ::setenv("TZ", saved.c_str(), 1);
  } else {
    ::unsetenv("TZ");
  }
  ::tzset();
}

TEST_CASE("template_vars finds the fields a Go template uses", "[store][show]") {
  CHECK(template_vars("{{ .Prompt }}") == std::vector<std::string>{"prompt"});
  CHECK(template_vars("{{- if .Tools }}{{ range $.Tools }}{{ .Function.Name }}{{ end }}{{ end -}}") ==
        std::vector<std::string>{"function", "name", "tools"});
  CHECK(template_vars("{{ if .Suffix }}<PRE> {{ .Prompt }} <SUF>{{ .Suffix }} <MID>{{ end }}") ==
        std::vector<std::string>{"prompt", "suffix"});
  // Text outside actions, string literals and comments are not fields.
  CHECK(template_vars(".Tools {{ \".Tools\" }} {{/* .Tools */}} {{ `x.Suffix` }} {{ printf \"%d\" 1.5 }}").empty());
  CHECK(template_vars("{{ range $i, $m := .Messages }}{{ $m.Content }}{{ end }}") ==
        std::vector<std::string>{"content", "messages"});
}

TEST_CASE("capabilities without weights come from the config and the template", "[store][show]") {
  ResolvedModel m;
  m.config.capabilities = {"completion"};
  CHECK(capabilities(m, nullptr) == std::vector<std::string>{"completion"});
  m.template_text = "{{ .Messages }}{{ .Tools }}{{ .Suffix }}";
  CHECK(capabilities(m, nullptr) == std::vector<std::string>{"completion", "tools", "insert"});
  m.projector_paths.push_back("/x");
  CHECK(capabilities(m, nullptr) == std::vector<std::string>{"completion", "tools", "insert", "vision"});
  m.config.model_family = "gptoss";
  CHECK(capabilities(m, nullptr).back() == "thinking");
  m.config.capabilities = {"image"};
  CHECK(capabilities(m, nullptr) == std::vector<std::string>{"image"});
}

TEST_CASE("parameters_text pads keys to 30 columns and prints Go syntax values", "[store][show]") {
  Json params = Json::parse(R"({"num_ctx":131072,"stop":["<|im_start|>","<|im_end|>"],"temperature":1,
                                "top_p":0.95,"use_mmap":false,"num_predict":1000000})");
  CHECK(parameters_text(params) ==
        "num_ctx                        131072\n"
        "stop                           \"<|im_start|>\"\n"
        "stop                           \"<|im_end|>\"\n"
        "temperature                    1\n"
        "top_p                          0.95\n"
        "use_mmap                       false\n"
        "num_predict                    1e+06");
  CHECK(parameters_text(Json::object()).empty());
}
