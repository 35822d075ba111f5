// Chat view helpers: links in messages, local times, "Hoje"/"Ontem" day separators.
#include <catch2/catch.hpp>

#include "ui/text_util.hpp"

using namespace bos;
using namespace bos::ui;

TEST_CASE("links are found in message text without trailing punctuation", "[text]") {
  const auto [text, links] = GENERATE(table<std::string, std::vector<std::string>>({
      {"veja https://buildingos.com/ajuda.", {"https://buildingos.com/ajuda"}},
      {"(http://a.b/c?x=1&y=2), e www.exemplo.com.br!", {"http://a.b/c?x=1&y=2", "www.exemplo.com.br"}},
      {"sem links aqui", {}},
      {"javascript:alert(1) data:text/html,x", {}},
      {"xhttps://nope.com", {}},
      {"https://", {}},
      {"https://a.com https://b.com https://c.com https://d.com https://e.com https://f.com",
       {"https://a.com", "https://b.com", "https://c.com", "https://d.com", "https://e.com"}},
      {"https://exemplo.com/a\xC3\xA7\xC3\xA3o", {"https://exemplo.com/a\xC3\xA7\xC3\xA3o"}},
  }));
  CAPTURE(text);
  CHECK(find_links(text) == links);
}

TEST_CASE("link targets are http(s) only and labels are short", "[text]") {
  CHECK(link_target("www.x.com") == "https://www.x.com");
  CHECK(link_target("https://x.com") == "https://x.com");
  CHECK(link_target("ftp://x.com").empty());
  CHECK(link_label("https://example.com/ajuda") == "example.com/ajuda");
  const auto label = link_label("https://example.com/" + std::string(100, 'a'));
  CHECK(label.size() < 60);
  CHECK(label.substr(label.size() - 3) == "\xE2\x80\xA6");
}

TEST_CASE("local times and days follow the time zone offset", "[text]") {
  constexpr int64_t kUtc = 1'764'345'600'000;  // 2025-11-28 16:00:00 UTC
  CHECK(format_time(kUtc, 0) == "16:00");
  CHECK(format_time(kUtc, -180) == "13:00");  // Brasília
  CHECK(format_time(kUtc + 59'999, 0) == "16:00");
  CHECK(format_time(0, -180) == "21:00");     // before the epoch in local time
  const int64_t today = local_day(kUtc, -180);
  CHECK(format_day(today, today, Lang::Pt) == "Hoje");
  CHECK(format_day(today - 1, today, Lang::Pt) == "Ontem");
  CHECK(format_day(today, today, Lang::En) == "Today");
  CHECK(format_day(today - 2, today, Lang::Pt) == "26/11/2025");
  CHECK(format_day(today - 2, today, Lang::En) == "Nov 26, 2025");
  CHECK(local_day(kUtc, -17 * 60) == today - 1);  // 16:00 UTC is 23:00 the day before at UTC-17
}

TEST_CASE("civil dates are right across leap years", "[text]") {
  const auto d = civil_from_days(19782);  // 2024-02-29
  CHECK(d.year == 2024);
  CHECK(d.month == 2u);
  CHECK(d.day == 29u);
  const auto e = civil_from_days(0);
  CHECK(e.year == 1970);
  CHECK(e.month == 1u);
  CHECK(e.day == 1u);
}
