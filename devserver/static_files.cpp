// static_files.cpp: see static_files.hpp.
#include "static_files.hpp"

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

}  // namespace

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

std::variant<StaticFile, StaticError> load_static_file(const std::string& root, std::string_view raw_path) {
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
  std::error_code ec;
  // Symbolic links may not lead outside the root.
  const fs::path real = fs::canonical(file, ec);
  if (ec) return StaticError::kNotFound;
  const std::string real_str = real.string();
  const std::string prefix = !root.empty() && root.back() == '/' ? root : root + "/";
  if (real_str.size() <= prefix.size() || real_str.compare(0, prefix.size(), prefix) != 0) {
    return StaticError::kNotFound;
  }
  if (!fs::is_regular_file(real, ec) || ec) return StaticError::kNotFound;
  const auto size = fs::file_size(real, ec);
  if (ec) return StaticError::kNotFound;
  if (size > kMaxStaticFileBytes) return StaticError::kTooLarge;
  std::ifstream in(real, std::ios::binary);
  if (!in) return StaticError::kNotFound;
  StaticFile out;
  out.body.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  out.content_type = content_type_for(file.filename().string());
  out.cache_control = is_content_hashed(path) ? kImmutableCacheControl : kShortCacheControl;
  return out;
}

}  // namespace devserver
