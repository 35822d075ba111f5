// glyph_cache.cpp: see glyph_cache.hpp.
#include "ui/glyph_cache.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>

namespace bos::ui {

namespace {
// The platform draws text in white: a pixel with ink that is not white (a hue, or grey: the family
// silhouettes 👨‍👩‍👧 of recent emoji fonts are grey) comes from a font with colours of its own.
constexpr int kNotWhite = 48;         // the darkest channel this far below white: not a white mask's pixel
constexpr int kOpaqueEnough = 64;     // ...and it counts only where the glyph has ink
constexpr int kColouredPixels = 3;    // an emoji has thousands; anti-aliasing rounding has none
constexpr int kShelfSlackDivisor = 3; // a glyph may use a shelf up to a third taller than itself
constexpr uint64_t kFnvOffset = 14695981039346656037ull;
constexpr uint64_t kFnvPrime = 1099511628211ull;

uint64_t fnv1a(std::string_view s, uint64_t h) {
  for (const char c : s) h = (h ^ static_cast<unsigned char>(c)) * kFnvPrime;
  return h;
}

bool has_colour(const uint8_t* px, std::size_t n) {
  int found = 0;
  for (std::size_t i = 0; i < n; i += 4) {
    if (px[i + 3] < kOpaqueEnough) continue;
    const int lo = std::min({px[i], px[i + 1], px[i + 2]});
    if (255 - lo > kNotWhite && ++found >= kColouredPixels) return true;
  }
  return false;
}
}  // namespace

GlyphCache::GlyphCache(GlyphRasterizer* platform, int texture_size)
    : platform_(platform), size_(std::clamp(texture_size, 16, kMaxTextureSize)) {}

GlyphCache::Entry& GlyphCache::entry(std::string_view text, const GlyphStyle& style) {
  char head[3 * sizeof(float) + 2];
  std::memcpy(head, &style.em_px, sizeof(float));
  std::memcpy(head + sizeof(float), &style.line_px, sizeof(float));
  std::memcpy(head + 2 * sizeof(float), &style.ascent_px, sizeof(float));
  head[3 * sizeof(float)] = static_cast<char>(style.face);
  head[3 * sizeof(float) + 1] = style.rtl ? 1 : 0;
  const uint64_t key = fnv1a(text, fnv1a(std::string_view(head, sizeof head), kFnvOffset));
  const auto it = entries_.find(key);
  if (it != entries_.end()) return it->second;
  if (entries_.size() >= kMaxMetrics) {
    // Bounded: forget what is only measured (what is still shown is measured again); keep what is resident.
    for (auto e = entries_.begin(); e != entries_.end();) e = e->second.shelf < 0 ? entries_.erase(e) : std::next(e);
  }
  Entry& e = entries_[key];
  ++stats_.measured;
  e.metrics = platform_->measure(text, style);
  return e;
}

const GlyphMetrics& GlyphCache::metrics(std::string_view text, const GlyphStyle& style) {
  static const GlyphMetrics kNone;
  return platform_ ? entry(text, style).metrics : kNone;
}

int GlyphCache::place(int w, int h) {
  int best = -1;
  for (int i = 0; i < static_cast<int>(shelves_.size()); ++i) {
    const Shelf& s = shelves_[static_cast<std::size_t>(i)];
    if (s.h >= h && s.h <= h + h / kShelfSlackDivisor + 2 && s.x + w <= size_ &&
        (best < 0 || s.h < shelves_[static_cast<std::size_t>(best)].h)) {
      best = i;
    }
  }
  if (best >= 0) return best;
  auto evict = [&](Shelf& s) {
    for (Entry* e : s.glyphs) e->shelf = -1;
    stats_.evicted_glyphs += s.glyphs.size();
    stats_.resident -= s.glyphs.size();
    ++stats_.evicted_shelves;
    s.glyphs.clear();
    s.x = 0;
  };
  // The bottom shelves nobody drew this frame give their rows back (so a texture filled with one size can
  // take shelves of another).
  while (next_y_ + h > size_ && !shelves_.empty() && shelves_.back().used < frame_) {
    evict(shelves_.back());
    next_y_ = shelves_.back().y;
    shelves_.pop_back();
  }
  if (next_y_ + h <= size_) {
    shelves_.push_back({next_y_, h, 0, frame_, {}});
    next_y_ += h;
    return static_cast<int>(shelves_.size()) - 1;
  }
  // The least recently drawn shelf that is tall enough, if it was not drawn this frame.
  int oldest = -1;
  for (int i = 0; i < static_cast<int>(shelves_.size()); ++i) {
    const Shelf& s = shelves_[static_cast<std::size_t>(i)];
    if (s.used < frame_ && s.h >= h && (oldest < 0 || s.used < shelves_[static_cast<std::size_t>(oldest)].used)) oldest = i;
  }
  if (oldest < 0) return -1;
  evict(shelves_[static_cast<std::size_t>(oldest)]);
  return oldest;
}

const GlyphImage* GlyphCache::image(std::string_view text, const GlyphStyle& style) {
  if (!platform_) return nullptr;
  Entry& e = entry(text, style);
  if (e.shelf >= 0) {
    shelves_[static_cast<std::size_t>(e.shelf)].used = frame_;
    return &e.image;
  }
  const GlyphMetrics& m = e.metrics;
  const int x0 = static_cast<int>(std::floor(std::min(0.0f, m.left))) - 1;
  const int x1 = static_cast<int>(std::ceil(std::max(m.advance, m.right))) + 1;
  const int w = std::clamp(x1 - x0, 1, static_cast<int>(max_image_width()));
  const int pad = static_cast<int>(std::ceil(style.line_px * kCellPadFactor));
  const int h = std::clamp(static_cast<int>(std::ceil(style.line_px)) + 2 * pad, 1, size_ - 2 * kGutterPx);
  const int si = place(w + kGutterPx, h + kGutterPx);
  if (si < 0) {
    ++stats_.full;
    return nullptr;
  }
  Shelf& shelf = shelves_[static_cast<std::size_t>(si)];
  pixels_.assign(static_cast<std::size_t>(w) * static_cast<std::size_t>(h) * 4, 0);
  ++stats_.rasterized;
  const bool ok = platform_->rasterize(text, style, w, h, static_cast<float>(-x0), static_cast<float>(pad) + style.ascent_px,
                                       pixels_.data());
  if (!ok) ++stats_.failed;  // kept as a blank image: not tried again every frame
  platform_->upload(shelf.x, shelf.y, w, h, pixels_.data());
  const float inv = 1.0f / static_cast<float>(size_);
  GlyphImage& img = e.image;
  img.coloured = ok && has_colour(pixels_.data(), pixels_.size());
  img.u0 = static_cast<float>(shelf.x) * inv;
  img.v0 = static_cast<float>(shelf.y) * inv;
  img.u1 = static_cast<float>(shelf.x + w) * inv;
  img.v1 = static_cast<float>(shelf.y + h) * inv;
  img.x = static_cast<float>(x0);
  img.y = static_cast<float>(-pad);
  img.w = static_cast<float>(w);
  img.h = static_cast<float>(h);
  shelf.x += w + kGutterPx;
  shelf.used = frame_;
  shelf.glyphs.push_back(&e);
  e.shelf = si;
  ++stats_.resident;
  stats_.shelves = shelves_.size();
  return &img;
}

void GlyphCache::reset_texture() {
  for (Shelf& s : shelves_) {
    for (Entry* e : s.glyphs) e->shelf = -1;
  }
  shelves_.clear();
  next_y_ = 0;
  stats_.resident = 0;
  stats_.shelves = 0;
  ++stats_.texture_resets;
}

void GlyphCache::clear() {
  reset_texture();
  entries_.clear();
}

}  // namespace bos::ui
