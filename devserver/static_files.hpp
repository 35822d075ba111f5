// static_files.hpp: --static DIR with the production headers the deploy sets on S3/CloudFront:
// content-hashed names are immutable for a year, everything else is cached 5 minutes; exact MIME types
// (.wasm must be application/wasm for streaming compilation). No traversal, no dotfiles, no symlink escapes.
#pragma once
#include <cstddef>
#include <string>
#include <string_view>
#include <variant>

namespace devserver {

inline constexpr const char* kImmutableCacheControl = "public, max-age=31536000, immutable";
inline constexpr const char* kShortCacheControl = "public, max-age=300";
inline constexpr std::size_t kMaxStaticFileBytes = 64u * 1024u * 1024u;

struct StaticFile {
  std::string body;
  std::string content_type;
  std::string cache_control;
};
enum class StaticError { kNotFound, kBadRequest, kTooLarge };
const char* to_string(StaticError error);

// `root` must already be canonical (std::filesystem::canonical). `raw_path` is the request path without
// its query string, still percent-encoded.
std::variant<StaticFile, StaticError> load_static_file(const std::string& root, std::string_view raw_path);

std::string content_type_for(std::string_view filename);
// The deploy's rule: the name matches \.[0-9a-f]{8,}\.[^/]+$
bool is_content_hashed(std::string_view path);

}  // namespace devserver
