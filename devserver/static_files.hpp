// static_files.hpp: --static DIR with the production headers the deploy sets on S3/CloudFront:
// content-hashed names are immutable for a year, the service worker (sw.js) is revalidated on every use
// (no-cache: the deploy sets the same; a stale worker would keep residents on an old build), everything
// else is cached 5 minutes; exact MIME types
// (.wasm must be application/wasm for streaming compilation). No traversal, no dotfiles, no symlink escapes.
// Compression as CloudFront does it: a file with precompressed siblings (name.br, name.gz, written by
// scripts/build) is sent in the encoding the request's Accept-Encoding prefers (br > gzip > identity,
// q-values honoured, q=0 refuses), with Content-Encoding and Vary: Accept-Encoding. The siblings are never
// served under their own names (the deploy does not upload them), and one more than 2 s older than its
// file is stale (the file was edited after the build) and not used.
#pragma once
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

namespace devserver {

inline constexpr const char* kImmutableCacheControl = "public, max-age=31536000, immutable";
inline constexpr const char* kShortCacheControl = "public, max-age=300";
inline constexpr const char* kNoCacheControl = "no-cache";
inline constexpr const char* kServiceWorkerName = "sw.js";
inline constexpr std::size_t kMaxStaticFileBytes = 64u * 1024u * 1024u;

enum class ContentCoding { kIdentity, kGzip, kBrotli };
const char* to_string(ContentCoding coding);  // "identity", "gzip", "br"
// The sibling suffix of a coding: "", ".gz", ".br".
const char* sibling_suffix(ContentCoding coding);

struct StaticFile {
  std::string body;                   // the representation sent: the file or one of its siblings
  std::string content_type;           // always the file's own type, whatever the encoding
  std::string cache_control;
  ContentCoding coding = ContentCoding::kIdentity;
  bool vary_accept_encoding = false;  // the file has siblings: the answer depends on Accept-Encoding
};
enum class StaticError { kNotFound, kBadRequest, kTooLarge };
const char* to_string(StaticError error);

// RFC 9110 section 12.5.3 for the codings this server can send. `accept_encoding` is the header's value,
// nullopt when the request has none (then identity, as CloudFront answers such requests). Among the
// available codings (identity always is) the highest q wins, ties going br > gzip > identity; q=0 refuses
// a coding, "*" stands for the codings not listed, "x-gzip" is gzip. Parameters other than q are ignored,
// and an element with a malformed q-value is ignored. When nothing acceptable is available (for example
// "br;q=0, identity;q=0" on a file without siblings) the answer is identity, as CloudFront and nginx do.
ContentCoding negotiate_coding(std::optional<std::string_view> accept_encoding, bool have_br, bool have_gzip);

// `root` must already be canonical (std::filesystem::canonical). `raw_path` is the request path without
// its query string, still percent-encoded. `accept_encoding`: see negotiate_coding.
std::variant<StaticFile, StaticError> load_static_file(const std::string& root, std::string_view raw_path,
                                                       std::optional<std::string_view> accept_encoding = std::nullopt);

std::string content_type_for(std::string_view filename);
// The deploy's rule: the name matches \.[0-9a-f]{8,}\.[^/]+$
bool is_content_hashed(std::string_view path);
// The Cache-Control --static sends for `path` (decoded): kImmutableCacheControl, kNoCacheControl, kShortCacheControl.
const char* cache_control_for(std::string_view path);

}  // namespace devserver
