// glyph_cache.cpp: see glyph_cache.hpp.
#include "ui/glyph_cache.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>

namespace bos::ui {

namespace {
constexpr int kChromaThreshold = 48;  // max-min of a pixel's channels: above it the pixel has a colour
constexpr int kOpaqueEnough = 64;     // ...and it counts only where the glyph has ink
constexpr int kColouredPixels = 3;    // an emoji has thousands; anti-aliasing rounding has none
constexpr int kShelfSlackDivisor = 3; // a glyph may use a shelf up to a third taller than itself

bool has_colour(const uint8_t* px, std::size_t n) {
  int found = 0;
  for (std::size_t i = 0; i < n; i += 4) {
    if (px[i + 3] < kOpaqueEnough) continue;
    const int hi = std::max({px[i], px[i + 1], px[i + 2]});
    const int lo = std::min({px[i], px[i + 1], px[i + 2]});
    if (hi - lo > kChromaThreshold && ++found >= kColouredPixels) return true;
  }
  return false;
}
}  // namespace

GlyphCache::GlyphCache(GlyphRasterizer* platform, int texture_size)
    : platform_(platform), size_(std::clamp(texture_size, 16, kMaxTextureSize)) {}

const std::string& GlyphCache::key_of(std::string_view text, const GlyphStyle& style) {
  key_.clear();
  char head[3 * sizeof(float) + 2];
  std::memcpy(head, &style.em_px, sizeof(float));
  std::memcpy(head + sizeof(float), &style.line_px, sizeof(float));
  std::memcpy(head + 2 * sizeof(float), &style.ascent_px, sizeof(float));
  head[3 * sizeof(float)] = static_cast<char>(style.face);
  head[3 * sizeof(float) + 1] = style.rtl ? 1 : 0;
  key_.append(head, sizeof head);
  key_.append(text);
  return key_;
}

const GlyphMetrics& GlyphCache::metrics(std::string_view text, const GlyphStyle& style) {
  static const GlyphMetrics kNone;
  if (!platform_) return kNone;
  const std::string& k = key_of(text, style);
  const auto it = metrics_.find(k);
  if (it != metrics_.end()) return it->second;
  if (metrics_.size() >= kMaxMetrics) metrics_.clear();  // bounded; what is still shown is measured again
  ++stats_.measured;
  return metrics_.emplace(k, platform_->measure(text, style)).first->second;
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
    for (const auto& k : s.keys) images_.erase(k);
    stats_.evicted_glyphs += s.keys.size();
    ++stats_.evicted_shelves;
    s.keys.clear();
    s.x = 0;
  };
  // The bottom shelves nobody drew this frame give their rows back (so a texture filled with one size can
  // take shelves of another).
  if (next_y_ + h > size_) {
    while (!shelves_.empty() && shelves_.back().used < frame_ && next_y_ + h > size_) {
      evict(shelves_.back());
      next_y_ = shelves_.back().y;
      shelves_.pop_back();
    }
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
    if (s.used < frame_ && s.h >= h && (oldest < 0 || s.used < shelves_[static_cast<std::size_t>(oldest)].used)) {
      oldest = i;
    }
  }
  if (oldest < 0) return -1;
  evict(shelves_[static_cast<std::size_t>(oldest)]);
  stats_.resident = images_.size();
  return oldest;
}

const GlyphImage* GlyphCache::image(std::string_view text, const GlyphStyle& style) {
  if (!platform_) return nullptr;
  {
    const auto it = images_.find(key_of(text, style));
    if (it != images_.end()) {
      shelves_[static_cast<std::size_t>(it->second.shelf)].used = frame_;
      return &it->second.image;
    }
  }
  const GlyphMetrics m = metrics(text, style);
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
  const int sx = shelf.x, sy = shelf.y;
  pixels_.assign(static_cast<std::size_t>(w) * static_cast<std::size_t>(h) * 4, 0);
  ++stats_.rasterized;
  const bool ok = platform_->rasterize(text, style, w, h, static_cast<float>(-x0), static_cast<float>(pad) + style.ascent_px,
                                       pixels_.data());
  if (!ok) ++stats_.failed;  // kept as a blank image: not tried again every frame
  Entry e;
  e.shelf = si;
  e.image.coloured = ok && has_colour(pixels_.data(), pixels_.size());
  platform_->upload(sx, sy, w, h, pixels_.data());
  const float inv = 1.0f / static_cast<float>(size_);
  e.image.u0 = static_cast<float>(sx) * inv;
  e.image.v0 = static_cast<float>(sy) * inv;
  e.image.u1 = static_cast<float>(sx + w) * inv;
  e.image.v1 = static_cast<float>(sy + h) * inv;
  e.image.x = static_cast<float>(x0);
  e.image.y = static_cast<float>(-pad);
  e.image.w = static_cast<float>(w);
  e.image.h = static_cast<float>(h);
  shelf.x += w + kGutterPx;
  shelf.used = frame_;
  const std::string& k = key_of(text, style);
  shelf.keys.push_back(k);
  auto& slot = images_[k];
  slot = e;
  stats_.resident = images_.size();
  stats_.shelves = shelves_.size();
  return &slot.image;
}

void GlyphCache::reset_texture() {
  images_.clear();
  shelves_.clear();
  next_y_ = 0;
  stats_.resident = 0;
  stats_.shelves = 0;
  ++stats_.texture_resets;
}

void GlyphCache::clear() {
  reset_texture();
  metrics_.clear();
}

}  // namespace bos::ui
