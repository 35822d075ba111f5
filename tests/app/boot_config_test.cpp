// Boot configuration: which endpoint (?ws= > config.json > hostname table, wss outside loopback), which
// resident (#resident= from a QR code > stored > new), which language, which storage keys.
#include <catch2/catch.hpp>

#include "app/boot_config.hpp"
#include "core/limits.hpp"

using namespace bos;
using namespace bos::app;

namespace {
PageInfo page(std::string host, std::string search = "", std::string config = "", std::string hash = "") {
  PageInfo p;
  p.hostname = std::move(host);
  p.search = std::move(search);
  p.config_json = std::move(config);
  p.hash = std::move(hash);
  p.language = "pt-BR";
  return p;
}
}  // namespace

TEST_CASE("endpoint: ?ws= on loopback pages wins, and only there", "[boot]") {
  const auto [host, search, config, url, source, error] = GENERATE(table<std::string, std::string, std::string, std::string, EndpointSource, EndpointError>({
      {"127.0.0.1", "?ws=ws%3A%2F%2F127.0.0.1%3A4567", R"({"websocketEndpoint":"ws://127.0.0.1:3001"})", "ws://127.0.0.1:4567", EndpointSource::QueryParam, EndpointError::None},
      {"localhost", "?x=1&ws=ws://localhost:9/dev", "", "ws://localhost:9/dev", EndpointSource::QueryParam, EndpointError::None},
      {"[::1]", "?ws=ws://[::1]:9", "", "ws://[::1]:9", EndpointSource::QueryParam, EndpointError::None},
      // Not loopback: ?ws= is ignored (an attacker's link must not redirect a resident's chat).
      {"buildingos.yourdomain.com", "?ws=wss://evil.example.com", R"({"websocketEndpoint":"wss://websocket-api.buildingos.com"})", "wss://websocket-api.buildingos.com", EndpointSource::ConfigJson, EndpointError::None},
      {"buildingos.yourdomain.com", "?ws=wss://evil.example.com", "", "wss://websocket-api.buildingos.com", EndpointSource::HostnameTable, EndpointError::None},
      // A bad ?ws= falls through to the next source.
      {"127.0.0.1", "?ws=http://127.0.0.1:1", R"({"websocketEndpoint":"ws://127.0.0.1:3001"})", "ws://127.0.0.1:3001", EndpointSource::ConfigJson, EndpointError::None},
      // config.json per environment.
      {"buildingos-dev.yourdomain.com", "", R"({"websocketEndpoint":"wss://websocket-api-dev.buildingos.com"})", "wss://websocket-api-dev.buildingos.com", EndpointSource::ConfigJson, EndpointError::None},
      // An insecure endpoint in a deployed config.json is refused, loudly, not replaced.
      {"buildingos.yourdomain.com", "", R"({"websocketEndpoint":"ws://websocket-api.buildingos.com"})", "ws://websocket-api.buildingos.com", EndpointSource::ConfigJson, EndpointError::InsecureOutsideLoopback},
      // Broken config.json: the hostname table.
      {"buildingos.yourdomain.com", "", "<html>404</html>", "wss://websocket-api.buildingos.com", EndpointSource::HostnameTable, EndpointError::None},
      {"buildingos.yourdomain.com", "", R"({"websocketEndpoint":42})", "wss://websocket-api.buildingos.com", EndpointSource::HostnameTable, EndpointError::None},
      // The seed's hostname table.
      {"localhost", "", "", "ws://localhost:3001", EndpointSource::HostnameTable, EndpointError::None},
      {"buildingos-dev.yourdomain.com", "", "", "wss://websocket-api-dev.buildingos.com", EndpointSource::HostnameTable, EndpointError::None},
      {"dev-buildingos.example.com", "", "", "wss://websocket-api-dev.buildingos.com", EndpointSource::HostnameTable, EndpointError::None},
      {"buildingos.yourdomain.com", "", "", "wss://websocket-api.buildingos.com", EndpointSource::HostnameTable, EndpointError::None},
  }));
  CAPTURE(host, search, config);
  const auto c = choose_endpoint(page(host, search, config));
  CHECK(c.url == url);
  CHECK(c.source == source);
  CHECK(c.error == error);
}

TEST_CASE("the resident from the link is used and keeps the stored session when it is the same resident", "[boot]") {
  const std::string stored = R"({"v":1,"user_id":"apto-502","session_id":"session-7"})";
  SECTION("same resident") {
    const auto id = choose_identity(page("x", "", "", "#resident=apto-502"), stored);
    CHECK(id.user_id == "apto-502");
    CHECK(id.session_id == "session-7");
    CHECK(id.from_link);
  }
  SECTION("another resident on a shared phone: new session") {
    const auto id = choose_identity(page("x", "", "", "#resident=apto-101"), stored);
    CHECK(id.user_id == "apto-101");
    CHECK(id.session_id.empty());
  }
  SECTION("no link: the stored identity") {
    const auto id = choose_identity(page("x"), stored);
    CHECK(id.user_id == "apto-502");
    CHECK_FALSE(id.from_link);
  }
  SECTION("an invalid resident id in the link is ignored") {
    // Too long: over kMaxResidentIdBytes (129 since issue 13: a token's sub is <id>@<bld>, 64 + 1 + 64).
    for (const std::string hash : {std::string("#resident="), std::string("#resident=a%20b"), std::string("#resident=<script>"),
                                   "#resident=" + std::string(kMaxResidentIdBytes + 1, 'a')}) {
      CAPTURE(hash);
      const auto id = choose_identity(page("x", "", "", hash), stored);
      CHECK(id.user_id == "apto-502");
    }
  }
  SECTION("nothing stored: the engine makes one") {
    const auto id = choose_identity(page("x"), "");
    CHECK(id.user_id.empty());
    CHECK(id.session_id.empty());
  }
  SECTION("corrupt stored identity: treated as none") {
    for (const char* blob : {"{", R"({"v":2,"user_id":"a","session_id":"b"})", R"({"v":1,"user_id":"a b","session_id":"s"})", "null"}) {
      CAPTURE(blob);
      CHECK(choose_identity(page("x"), blob).user_id.empty());
    }
  }
}

TEST_CASE("English UI when the browser's language is not Portuguese", "[boot]") {
  CHECK(language_from("pt-BR") == Lang::Pt);
  CHECK(language_from("pt") == Lang::Pt);
  CHECK(language_from("PT-pt") == Lang::Pt);
  CHECK(language_from("en-US") == Lang::En);
  CHECK(language_from("es") == Lang::En);
  CHECK(language_from("ptx") == Lang::En);
  CHECK(language_from("") == Lang::En);
}

TEST_CASE("storage keys are versioned and per resident", "[boot]") {
  CHECK(storage_key_identity() == "bos.v1.identity");
  CHECK(storage_key(StoreKey::Outbox, "apto-502", "t1") == "bos.v1.outbox/apto-502/t1");
  CHECK(storage_key(StoreKey::History, "apto-502", "t1") == "bos.v1.history/apto-502/t1");
}

TEST_CASE("query and hash parameters are found and percent-decoded", "[boot]") {
  std::string v;
  CHECK(query_param("?a=1&ws=ws%3A%2F%2Fx%3A1&b", "ws", v));
  CHECK(v == "ws://x:1");
  CHECK_FALSE(query_param("?wss=1", "ws", v));
  CHECK(query_param("?ws", "ws", v));
  CHECK(v.empty());
  CHECK(hash_param("#resident=apto%2D502&x=1", "resident", v));
  CHECK(v == "apto-502");
  CHECK(percent_decode("%E7%") == "\xEF\xBF\xBD%");  // invalid UTF-8 repaired, a dangling % kept
  CHECK(percent_decode("a+b%20c") == "a b c");
}

TEST_CASE("?rotate_ms= shortens the rotation on loopback pages only, within its bounds", "[boot]") {
  const auto [host, search, rotate, note] = GENERATE(table<std::string, std::string, int64_t, std::string>({
      {"127.0.0.1", "?ws=ws://127.0.0.1:9&rotate_ms=3000", 3000, "?rotate_ms=3000: connections rotate after 3000 ms (test hook)"},
      {"localhost", "?rotate_ms=1000", 1000, "?rotate_ms=1000: connections rotate after 1000 ms (test hook)"},
      {"127.0.0.1", "?rotate_ms=6600000", 6'600'000, "?rotate_ms=6600000: connections rotate after 6600000 ms (test hook)"},
      // Outside loopback a link must not change how the resident's chat connects.
      {"buildingos.yourdomain.com", "?rotate_ms=3000", 0, "?rotate_ms= ignored: only honoured on loopback pages"},
      // Out of bounds or not a number: ignored, and said so.
      {"127.0.0.1", "?rotate_ms=999", 0, "?rotate_ms= ignored: not a whole number of ms in [1000, 6600000]"},
      {"127.0.0.1", "?rotate_ms=6600001", 0, "?rotate_ms= ignored: not a whole number of ms in [1000, 6600000]"},
      {"127.0.0.1", "?rotate_ms=3e3", 0, "?rotate_ms= ignored: not a whole number of ms in [1000, 6600000]"},
      {"127.0.0.1", "?rotate_ms=-5", 0, "?rotate_ms= ignored: not a whole number of ms in [1000, 6600000]"},
      {"127.0.0.1", "?rotate_ms=", 0, "?rotate_ms= ignored: not a whole number of ms in [1000, 6600000]"},
      {"127.0.0.1", "?rotate_ms=99999999999999999999", 0, "?rotate_ms= ignored: not a whole number of ms in [1000, 6600000]"},
      // Not asked: nothing to say.
      {"127.0.0.1", "?ws=ws://127.0.0.1:9", 0, ""},
  }));
  CAPTURE(host, search);
  const auto o = choose_test_overrides(page(host, search));
  CHECK(o.rotate_after_ms == rotate);
  CHECK(o.note == note);
}
