// glyph_cache.hpp: text the ImGui font cannot draw (emoji, CJK, Hebrew, Arabic, Devanagari, ...), drawn by
// the platform and kept in one bounded texture. The platform measures and rasterises (GlyphRasterizer:
// wasm/glyphs.js draws with a 2D canvas and the system's fonts; tests inject advances); this class decides
// what is measured, what is rasterised, where it lies in the texture and what is evicted, so all of that
// is tested natively. No ImGui, no GPU: uploads go through the rasterizer too.
//
// Bounds: the texture is at most kMaxTextureSize² (RGBA); it is filled in shelves (rows of one height) and
// the least recently drawn shelf is evicted whole when a new glyph does not fit; a shelf drawn in the
// current frame is never evicted (its glyphs would show the newcomer). Measurements outlive their images
// (a layout needs them for every message, not only the visible ones): up to kMaxMetrics texts, then the
// ones not in the texture are forgotten at once.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace bos::ui {

enum class GlyphFace : uint8_t {
  Text = 0,   // the system's text fonts (Noto Sans first, as the ImGui font)
  Bold = 1,   // the same, bold (titles)
  Emoji = 2,  // colour emoji fonts first
};

// How a piece of text is drawn: all in physical px.
struct GlyphStyle {
  float em_px = 0;      // the CSS font size that matches the ImGui font's visual size
  float line_px = 0;    // the line's height (the ImGui font size)
  float ascent_px = 0;  // the baseline, below the line's top
  GlyphFace face = GlyphFace::Text;
  bool rtl = false;     // a right-to-left run (the browser orders it)
};

struct GlyphMetrics {
  float advance = 0;  // the pen moves this much
  float left = 0;     // ink extent relative to the pen: usually ≤ 0
  float right = 0;    // usually ≈ advance
};

// The platform's part.
class GlyphRasterizer {
 public:
  virtual ~GlyphRasterizer() = default;
  virtual GlyphMetrics measure(std::string_view text, const GlyphStyle& style) = 0;
  // Draws `text` with its pen at (pen_x, baseline_y) into a w×h RGBA bitmap (straight alpha), white unless
  // the font has colours of its own. False if it could not draw.
  virtual bool rasterize(std::string_view text, const GlyphStyle& style, int w, int h, float pen_x, float baseline_y,
                         uint8_t* rgba) = 0;
  // Copies a bitmap into the cache texture at (x, y).
  virtual void upload(int x, int y, int w, int h, const uint8_t* rgba) = 0;
};

// Where a rasterised text lies in the texture, and how to place it.
struct GlyphImage {
  float u0 = 0, v0 = 0, u1 = 0, v1 = 0;  // in the texture (0..1 of the cache, then mapped by the caller)
  float x = 0;      // the bitmap's left edge, relative to the pen
  float y = 0;      // its top, relative to the line's top
  float w = 0, h = 0;
  bool coloured = false;  // its own colours (emoji): drawn untinted; else a white mask tinted with the text colour
};

struct GlyphCacheStats {
  uint64_t measured = 0;        // platform measure calls
  uint64_t rasterized = 0;      // platform rasterise calls
  uint64_t evicted_shelves = 0;
  uint64_t evicted_glyphs = 0;
  uint64_t full = 0;            // a glyph that could not be placed this frame (the texture is full of visible ones)
  uint64_t failed = 0;          // the platform could not draw it
  uint64_t texture_resets = 0;  // context losses, font changes
  std::size_t resident = 0;     // glyphs in the texture now
  std::size_t shelves = 0;
  // Counted by ui/text_layout as it draws: U+FFFD drawn through the ImGui atlas (only text that holds
  // U+FFFD itself: what the atlas lacks is never handed to it), and images drawn.
  uint64_t replacement_drawn = 0;
  uint64_t images_drawn = 0;
};

class GlyphCache {
 public:
  static constexpr int kMaxTextureSize = 1024;
  static constexpr std::size_t kMaxMetrics = 8192;
  static constexpr int kGutterPx = 1;       // between glyphs, so linear filtering never bleeds
  static constexpr float kCellPadFactor = 0.2f;  // room above and below the line (marks, tall emoji), × line height

  // `texture_size` ≤ kMaxTextureSize (tests use smaller ones to reach eviction quickly).
  explicit GlyphCache(GlyphRasterizer* platform, int texture_size = kMaxTextureSize);

  void set_rasterizer(GlyphRasterizer* platform) { platform_ = platform; }
  // The texture the images are in, as the renderer names it (an ImTextureID); the cache never reads it.
  void set_texture_id(void* id) { texture_id_ = id; }
  void* texture_id() const { return texture_id_; }
  bool available() const { return platform_ != nullptr; }
  int texture_size() const { return size_; }
  // The widest text one image can hold (the layout splits longer runs).
  float max_image_width() const { return static_cast<float>(size_ - 2 * kGutterPx - 2); }

  // Once per frame, before drawing: the LRU clock.
  void begin_frame() { ++frame_; }
  // The advance of `text` in `style`: measured by the platform once, then remembered.
  const GlyphMetrics& metrics(std::string_view text, const GlyphStyle& style);
  // The image of `text`: rasterised and uploaded on first sight. Null when it cannot be drawn this frame.
  const GlyphImage* image(std::string_view text, const GlyphStyle& style);
  // The texture lost its contents (WebGL context loss): every glyph is rasterised again when next drawn.
  // Measurements stay (they do not depend on the GPU).
  void reset_texture();
  // Fonts or scale changed: forget everything.
  void clear();

  GlyphCacheStats& stats() { return stats_; }
  const GlyphCacheStats& stats() const { return stats_; }

 private:
  struct Entry {
    GlyphMetrics metrics;
    GlyphImage image;
    int shelf = -1;  // -1: measured only, not in the texture
  };
  struct Shelf {
    int y = 0, h = 0, x = 0;  // x: the first free column
    uint64_t used = 0;         // the last frame one of its glyphs was drawn
    std::vector<Entry*> glyphs;  // map nodes stay put until erased, and resident ones never are
  };
  Entry& entry(std::string_view text, const GlyphStyle& style);
  int place(int w, int h);  // a shelf with room for w×h, or -1

  GlyphRasterizer* platform_;
  void* texture_id_ = nullptr;
  int size_;
  uint64_t frame_ = 1;
  // Measured texts by a 64-bit FNV-1a hash of style and text (a collision among 8,192 texts: ~1e-12), the
  // resident ones with their image.
  std::unordered_map<uint64_t, Entry> entries_;
  std::vector<Shelf> shelves_;
  int next_y_ = 0;  // the first row no shelf uses
  std::vector<uint8_t> pixels_;
  GlyphCacheStats stats_;
};

}  // namespace bos::ui
