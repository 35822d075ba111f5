// Nothing deceives the resident (issue 13): a table of deceptive links and texts. Links are shown with the
// real host in full as the browser's `new URL()` gives it (lower case, punycode for non-ASCII labels), or are
// not links at all (userinfo, http: outside loopback, numeric hosts a browser reads as IPv4, invisible
// characters); server text loses C0/C1 and bidi controls but keeps emoji ZWJ sequences and variation
// selectors. Hosts expected here were checked against Chromium's new URL() and Python's punycode codec.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "core/protocol.hpp"
#include "core/utf8.hpp"
#include "ui/text_util.hpp"

using namespace bos;
using namespace bos::ui;

TEST_CASE("punycode: RFC 3492 known answers", "[links]") {
  const auto [label, want] = GENERATE(table<std::u32string, std::string>({
      {U"b\u00fccher", "bcher-kva"},
      {U"m\u00fcnchen", "mnchen-3ya"},
      {U"\u0430pple", "pple-43d"},
      {U"\u043f\u0440\u0438\u043c\u0435\u0440", "e1afmkfd"},
      {U"\u65e5\u672c\u8a9e", "wgv71a119e"},
      {U"\u00f1", "ida"},
  }));
  std::string out;
  REQUIRE(punycode_encode(label, out));
  CHECK(out == want);
}

TEST_CASE("deceptive links: the real host in full, or no link at all", "[links]") {
  struct Row {
    const char* what;
    std::string link;
    bool ok;
    std::string host;   // when ok
    std::string label;  // when ok and given
  };
  const std::vector<Row> rows = {
      {"plain https", "https://buildingos.com.br/avisos/42", true, "buildingos.com.br", "buildingos.com.br/avisos/42"},
      {"userinfo that looks like the host", "https://buildingos.com.br@evil.example/", false, "", ""},
      {"userinfo with password", "https://admin:senha@evil.example/login", false, "", ""},
      {"http outside loopback", "http://buildingos.com.br/", false, "", ""},
      {"http on loopback", "http://127.0.0.1:3001/ajuda", true, "127.0.0.1", "127.0.0.1:3001/ajuda"},
      {"Cyrillic a lookalike (homograph)", "https://\xD0\xB0pple.com/", true, "xn--pple-43d.com", "xn--pple-43d.com"},
      {"IDN host shown as punycode", "https://b\xC3\xBC" "cher.example/loja", true, "xn--bcher-kva.example", ""},
      {"capitals are the same host", "https://BuildingOS.COM.br/X", true, "buildingos.com.br", "buildingos.com.br/X"},
      {"long subdomain: the host is never cut",
       "https://buildingos.com.br.secure-login-verify-account-now.evil.example/entrar/agora/mesmo", true,
       "buildingos.com.br.secure-login-verify-account-now.evil.example", ""},
      {"bidi override in the host", "https://evil\xE2\x80\xAEmoc.example/", false, "", ""},
      {"zero-width space in the host", "https://buildingos\xE2\x80\x8B.com.br/", false, "", ""},
      {"soft hyphen in the host", "https://building\xC2\xADos.com.br/", false, "", ""},
      {"percent-encoded host", "https://%62uildingos.com.br/", false, "", ""},
      {"numeric IPv4 in hex", "https://0x7f.1/", false, "", ""},
      {"decimal IPv4 as one number", "https://2130706433/", false, "", ""},
      {"canonical IPv4", "https://192.168.0.10/", true, "192.168.0.10", ""},
      {"backslash trick", "https://evil.example\\@buildingos.com.br/", false, "", ""},
      {"empty host", "https:///path", false, "", ""},
      {"port out of range", "https://buildingos.com.br:99999/", false, "", ""},
      {"default port dropped as the browser does", "https://buildingos.com.br:443/a", true, "buildingos.com.br",
       "buildingos.com.br/a"},
      {"ideographic full stop separates labels", "https://evil\xE3\x80\x82" "example/", true, "evil.example", ""},
      {"www. without scheme is https", "www.buildingos.com.br", true, "www.buildingos.com.br", "www.buildingos.com.br"},
      {"IPv6 other than loopback", "https://[2001:db8::1]/", false, "", ""},
  };
  REQUIRE(rows.size() >= 15);
  for (const auto& r : rows) {
    CAPTURE(r.what, r.link);
    const SafeLink l = safe_link(r.link);
    CHECK(l.ok == r.ok);
    if (!r.ok) continue;
    CHECK(l.host == r.host);
    if (!r.label.empty()) CHECK(l.label == r.label);
    // The label starts with the whole host: only the path is ever cut.
    CHECK(l.label.rfind(l.host, 0) == 0);
    CHECK(l.url.find("://" + l.host) != std::string::npos);
  }
}

TEST_CASE("deceptive links are not made links inside messages, and a long path is cut, never the host", "[links]") {
  const auto links = find_links("confirme em https://buildingos.com.br@evil.example/pagar ou http://evil.example/x");
  REQUIRE(links.size() == 2);  // found as text...
  for (const auto& l : links) CHECK_FALSE(safe_link(l).ok);  // ...but never a chip
  const SafeLink longpath = safe_link("https://buildingos.com.br/" + std::string(200, 'a'));
  REQUIRE(longpath.ok);
  CHECK(longpath.label.rfind("buildingos.com.br/", 0) == 0);
  CHECK(utf8::count_codepoints(longpath.label) <= 40);
}

TEST_CASE("deceptive texts: controls and bidi go, emoji sequences stay", "[links][text]") {
  const auto [what, in, want] = GENERATE(table<std::string, std::string, std::string>({
      {"RLO reorders a file name", "fatura\xE2\x80\xAE" "fdp.exe", "faturafdp.exe"},
      {"embeddings and pop", "\xE2\x80\xAA" "a\xE2\x80\xAB" "b\xE2\x80\xAC", "ab"},
      {"isolates", "\xE2\x81\xA6" "x\xE2\x81\xA7" "y\xE2\x81\xA8" "z\xE2\x81\xA9", "xyz"},
      {"LRM RLM ALM around a price", "R$\xE2\x80\x8F 50\xE2\x80\x8E,00\xD8\x9C", "R$ 50,00"},
      {"C0: escape sequence and bell", "\x1B[2J\x07ok", "[2Jok"},
      {"CR removed, LF and tab kept", "a\r\nb\tc", "a\nb\tc"},
      {"C1 controls", "a\xC2\x85" "b\xC2\x9B" "c", "abc"},
      {"DEL", "a\x7F" "b", "ab"},
      {"ZWJ family emoji stays", "\xF0\x9F\x91\xA8\xE2\x80\x8D\xF0\x9F\x91\xA9\xE2\x80\x8D\xF0\x9F\x91\xA7",
       "\xF0\x9F\x91\xA8\xE2\x80\x8D\xF0\x9F\x91\xA9\xE2\x80\x8D\xF0\x9F\x91\xA7"},
      {"variation selector stays", "\xE2\x9D\xA4\xEF\xB8\x8F", "\xE2\x9D\xA4\xEF\xB8\x8F"},
      {"Portuguese accents stay", "a\xC3\xA7\xC3\xA3o", "a\xC3\xA7\xC3\xA3o"},
  }));
  CAPTURE(what);
  CHECK(utf8::without_deceptive_controls(in) == want);
  // And through the protocol, as frames arrive.
  const std::string frame = R"({"type":"message","role":"assistant","message":)" +
                            nlohmann::json(in).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "}";
  const ServerFrame f = parse_server_frame(frame, 0);
  REQUIRE(f.type == FrameType::Message);
  CHECK(f.message == want);
}
