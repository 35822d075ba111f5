// static_files.cpp: see static_files.hpp.
#include "static_files.hpp"

#include <array>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <system_error>
#include <vector>

#include "encoding.hpp"

namespace devserver {

namespace fs = std::filesystem;

namespace {

bool is_lower_hex(char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); }

constexpr auto kSiblingClockSlack = std::chrono::seconds(2);

std::string_view trim_ows(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// qvalue = ( "0" [ "." 0*3DIGIT ] ) / ( "1" [ "." 0*3("0") ] ), as thousandths; nullopt if malformed.
std::optional<int> parse_qvalue(std::string_view v) {
  if (v.empty() || (v[0] != '0' && v[0] != '1')) return std::nullopt;
  int thousandths = v[0] == '1' ? 1000 : 0;
  if (v.size() == 1) return thousandths;
  if (v[1] != '.' || v.size() > 5) return std::nullopt;
  int scale = 100;
  for (std::size_t i = 2; i < v.size(); ++i, scale /= 10) {
    if (v[i] < '0' || v[i] > '9') return std::nullopt;
    if (v[0] == '1' && v[i] != '0') return std::nullopt;
    thousandths += (v[i] - '0') * scale;
  }
  return thousandths;
}

// `file` resolved, if it is a regular file inside `prefix` (symbolic links may not lead outside).
struct Resolved {
  fs::path real;
  std::uintmax_t size = 0;
};
std::optional<Resolved> resolve_inside(const fs::path& file, const std::string& prefix) {
  std::error_code ec;
  Resolved r;
  r.real = fs::canonical(file, ec);
  if (ec) return std::nullopt;
  const std::string real_str = r.real.string();
  if (real_str.size() <= prefix.size() || real_str.compare(0, prefix.size(), prefix) != 0) return std::nullopt;
  if (!fs::is_regular_file(r.real, ec) || ec) return std::nullopt;
  r.size = fs::file_size(r.real, ec);
  if (ec) return std::nullopt;
  return r;
}

bool read_all(const fs::path& real, std::string& out) {
  std::ifstream in(real, std::ios::binary);
  if (!in) return false;
  out.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  return !in.bad();
}

// A sibling counts only if it is a regular file inside the root, within the size limit, and not older
// than the file it encodes by more than kSiblingClockSlack: a file edited after the build must not be
// answered with the old bytes, while copies that do not keep times (cp -r, fs.cpSync) write the two
// within milliseconds of each other, in either order.
std::optional<Resolved> usable_sibling(const Resolved& file, const fs::path& sibling, const std::string& prefix) {
  auto r = resolve_inside(sibling, prefix);
  if (!r || r->size > kMaxStaticFileBytes) return std::nullopt;
  std::error_code ec;
  const auto sibling_time = fs::last_write_time(r->real, ec);
  if (ec) return std::nullopt;
  const auto file_time = fs::last_write_time(file.real, ec);
  if (ec || sibling_time + kSiblingClockSlack < file_time) return std::nullopt;
  return r;
}

bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

}  // namespace

const char* to_string(ContentCoding coding) {
  switch (coding) {
    case ContentCoding::kIdentity: return "identity";
    case ContentCoding::kGzip: return "gzip";
    case ContentCoding::kBrotli: return "br";
  }
  return "identity";
}

const char* sibling_suffix(ContentCoding coding) {
  switch (coding) {
    case ContentCoding::kIdentity: return "";
    case ContentCoding::kGzip: return ".gz";
    case ContentCoding::kBrotli: return ".br";
  }
  return "";
}

ContentCoding negotiate_coding(std::optional<std::string_view> accept_encoding, bool have_br, bool have_gzip) {
  if (!accept_encoding) return ContentCoding::kIdentity;
  // q in thousandths per coding as the header states it; -1 = not listed.
  int q_br = -1, q_gzip = -1, q_identity = -1, q_star = -1;
  std::string_view rest = *accept_encoding;
  while (!rest.empty()) {
    const std::size_t comma = rest.find(',');
    std::string_view element = trim_ows(rest.substr(0, comma));
    rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
    if (element.empty()) continue;
    const std::size_t semi = element.find(';');
    const std::string coding = ascii_lower(trim_ows(element.substr(0, semi)));
    int q = 1000;
    bool malformed = false;
    std::string_view params = semi == std::string_view::npos ? std::string_view() : element.substr(semi + 1);
    while (!params.empty()) {
      const std::size_t next = params.find(';');
      const std::string_view param = trim_ows(params.substr(0, next));
      params = next == std::string_view::npos ? std::string_view() : params.substr(next + 1);
      const std::size_t eq = param.find('=');
      if (eq == std::string_view::npos) continue;
      if (!iequals(trim_ows(param.substr(0, eq)), "q")) continue;
      const auto parsed = parse_qvalue(trim_ows(param.substr(eq + 1)));
      if (!parsed) malformed = true;
      else q = *parsed;
    }
    if (malformed) continue;
    // The first mention of a coding counts; later repeats are ignored.
    int* slot = coding == "br" ? &q_br : (coding == "gzip" || coding == "x-gzip") ? &q_gzip
              : coding == "identity" ? &q_identity : coding == "*" ? &q_star : nullptr;
    if (slot && *slot < 0) *slot = q;
  }
  const auto effective = [&](int listed, bool is_identity) {
    if (listed >= 0) return listed;
    if (q_star >= 0) return q_star;
    return is_identity ? 1 : 0;  // identity stays acceptable unless refused; unlisted codings are not
  };
  struct Candidate {
    ContentCoding coding;
    int q;
    bool available;
  };
  const std::array<Candidate, 3> candidates{{
      {ContentCoding::kBrotli, effective(q_br, false), have_br},
      {ContentCoding::kGzip, effective(q_gzip, false), have_gzip},
      {ContentCoding::kIdentity, effective(q_identity, true), true},
  }};
  ContentCoding best = ContentCoding::kIdentity;
  int best_q = 0;
  for (const Candidate& c : candidates) {  // in preference order: a later one must beat, not tie
    if (c.available && c.q > best_q) {
      best = c.coding;
      best_q = c.q;
    }
  }
  return best;
}

const char* to_string(StaticError error) {
  switch (error) {
    case StaticError::kNotFound: return "not found";
    case StaticError::kBadRequest: return "bad request";
    case StaticError::kTooLarge: return "too large";
  }
  return "error";
}

bool is_content_hashed(std::string_view path) {
  const std::size_t slash = path.rfind('/');
  const std::string_view name = slash == std::string_view::npos ? path : path.substr(slash + 1);
  // Some '.' must start a run of >= 8 lowercase hex digits followed by '.' and at least one more character.
  for (std::size_t dot = name.find('.'); dot != std::string_view::npos; dot = name.find('.', dot + 1)) {
    std::size_t k = dot + 1;
    while (k < name.size() && is_lower_hex(name[k])) ++k;
    if (k - dot - 1 >= 8 && k < name.size() && name[k] == '.' && k + 1 < name.size()) return true;
  }
  return false;
}

const char* cache_control_for(std::string_view path) {
  const std::size_t slash = path.rfind('/');
  const std::string_view name = slash == std::string_view::npos ? path : path.substr(slash + 1);
  if (name == kServiceWorkerName) return kNoCacheControl;
  return is_content_hashed(path) ? kImmutableCacheControl : kShortCacheControl;
}

std::string content_type_for(std::string_view filename) {
  const std::size_t dot = filename.rfind('.');
  const std::string ext = dot == std::string_view::npos ? std::string() : ascii_lower(filename.substr(dot + 1));
  if (ext == "html" || ext == "htm") return "text/html; charset=utf-8";
  if (ext == "js" || ext == "mjs") return "text/javascript";
  if (ext == "css") return "text/css";
  if (ext == "wasm") return "application/wasm";
  if (ext == "json" || ext == "map") return "application/json";
  if (ext == "webmanifest") return "application/manifest+json";
  if (ext == "svg") return "image/svg+xml";
  if (ext == "png") return "image/png";
  if (ext == "jpg" || ext == "jpeg") return "image/jpeg";
  if (ext == "webp") return "image/webp";
  if (ext == "ico") return "image/x-icon";
  if (ext == "ttf") return "font/ttf";
  if (ext == "otf") return "font/otf";
  if (ext == "woff") return "font/woff";
  if (ext == "woff2") return "font/woff2";
  if (ext == "txt") return "text/plain; charset=utf-8";
  return "application/octet-stream";
}

std::variant<StaticFile, StaticError> load_static_file(const std::string& root, std::string_view raw_path,
                                                       std::optional<std::string_view> accept_encoding) {
  if (raw_path.empty() || raw_path.front() != '/') return StaticError::kBadRequest;
  const auto decoded = percent_decode(raw_path);
  if (!decoded) return StaticError::kBadRequest;
  if (decoded->find('\0') != std::string::npos) return StaticError::kBadRequest;
  std::string path = *decoded;
  if (path.back() == '/') path += "index.html";
  // Every segment must be a plain name: no "", ".", "..", dotfiles or backslashes.
  std::vector<std::string_view> segments;
  std::string_view rest = std::string_view(path).substr(1);
  while (true) {
    const std::size_t slash = rest.find('/');
    const std::string_view seg = rest.substr(0, slash);
    if (seg.empty() || seg.front() == '.' || seg.find('\\') != std::string_view::npos) return StaticError::kNotFound;
    segments.push_back(seg);
    if (slash == std::string_view::npos) break;
    rest.remove_prefix(slash + 1);
  }
  fs::path file(root);
  for (const auto seg : segments) file /= std::string(seg);
  const std::string prefix = !root.empty() && root.back() == '/' ? root : root + "/";
  std::error_code ec;
  // A precompressed sibling is not a file of the site (production has none): 404 under its own name.
  for (const char* suffix : {".br", ".gz"}) {
    if (ends_with(path, suffix)) {
      const fs::path base = fs::path(file).replace_extension();
      if (fs::exists(base, ec)) return StaticError::kNotFound;
    }
  }
  const auto resolved = resolve_inside(file, prefix);
  if (!resolved) return StaticError::kNotFound;
  if (resolved->size > kMaxStaticFileBytes) return StaticError::kTooLarge;
  StaticFile out;
  out.content_type = content_type_for(file.filename().string());
  out.cache_control = cache_control_for(path);
  const auto sibling = [&](ContentCoding c) {
    return usable_sibling(*resolved, fs::path(resolved->real.string() + sibling_suffix(c)), prefix);
  };
  const auto br = sibling(ContentCoding::kBrotli);
  const auto gz = sibling(ContentCoding::kGzip);
  out.vary_accept_encoding = br || gz;
  out.coding = negotiate_coding(accept_encoding, br.has_value(), gz.has_value());
  const fs::path& chosen = out.coding == ContentCoding::kBrotli ? br->real
                         : out.coding == ContentCoding::kGzip   ? gz->real
                                                                : resolved->real;
  if (!read_all(chosen, out.body)) {
    // A sibling that vanished since the check: the file itself is still a right answer.
    if (out.coding == ContentCoding::kIdentity || !read_all(resolved->real, out.body)) return StaticError::kNotFound;
    out.coding = ContentCoding::kIdentity;
  }
  return out;
}

}  // namespace devserver
