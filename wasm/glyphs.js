/* glyphs.js (--pre-js, after pre.js): the page measures and draws the text the ImGui font cannot (emoji,
   CJK, Hebrew, Arabic, Devanagari, ...) with a 2D canvas and the fonts the device already has: no font is
   downloaded. It only measures and rasterises what the app hands it (one grapheme cluster, or one shaped
   run): segmentation, layout, caching and eviction are the app's (src/ui/text_layout.hpp, glyph_cache.hpp),
   the GPU upload too (wasm/glyphs.cpp).

   Index
     [SECTION] Fonts      the system stacks: text (Noto Sans first, as the ImGui font) and colour emoji
     [SECTION] Canvas     one reusable 2D canvas, read back often (willReadFrequently)
     [SECTION] API        Module.bosGlyphs.measure / rasterize, called from wasm/glyphs.cpp
     [SECTION] Test hook  window.BOSText: counters, the app's clusters, the font stacks (not a contract) */
(function () {
  'use strict';

  // [SECTION] Fonts ---------------------------------------------------------------------------------
  // Faces, as ui::GlyphFace numbers them: 0 text, 1 bold text, 2 emoji.
  var TEXT = '"Noto Sans", system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif, ' +
    '"Apple Color Emoji", "Segoe UI Emoji", "Noto Color Emoji"';
  var EMOJI = '"Apple Color Emoji", "Segoe UI Emoji", "Noto Color Emoji", ' + TEXT;

  function fontFor(face, emPx) {
    var px = Math.max(1, Math.round(emPx * 100) / 100) + 'px ';
    if (face === 2) return px + EMOJI;
    return (face === 1 ? 'bold ' : '') + px + TEXT;
  }

  // [SECTION] Canvas --------------------------------------------------------------------------------
  var canvas = null, ctx = null, lastFont = '', lastDir = '';
  function context(w, h) {
    if (!ctx) {
      try {
        canvas = typeof OffscreenCanvas === 'function' ? new OffscreenCanvas(64, 64) : document.createElement('canvas');
        ctx = canvas.getContext('2d', { willReadFrequently: true });
      } catch (e) {
        ctx = null;
      }
      if (!ctx) return null;
    }
    if (w && h && (canvas.width < w || canvas.height < h)) {
      // Grows, never shrinks (a resize clears it and resets its state).
      canvas.width = Math.max(canvas.width, Math.ceil(w / 64) * 64);
      canvas.height = Math.max(canvas.height, Math.ceil(h / 64) * 64);
      lastFont = lastDir = '';
    }
    return ctx;
  }
  function prepare(c, face, emPx, rtl) {
    var font = fontFor(face, emPx);
    if (font !== lastFont) { c.font = font; lastFont = font; }
    var dir = rtl ? 'rtl' : 'ltr';
    if (dir !== lastDir) { c.direction = dir; lastDir = dir; }
    c.textAlign = 'left';
    c.textBaseline = 'alphabetic';
  }

  // [SECTION] API -----------------------------------------------------------------------------------
  Module.bosGlyphs = {
    measure: function (ptr, len, emPx, face, rtl, out) {
      var c = context(0, 0);
      if (!c) return 0;
      prepare(c, face, emPx, rtl);
      var m = c.measureText(UTF8ToString(ptr, len));
      HEAPF32[out >> 2] = m.width;
      HEAPF32[(out >> 2) + 1] = -(m.actualBoundingBoxLeft || 0);
      HEAPF32[(out >> 2) + 2] = m.actualBoundingBoxRight || m.width;
      return 1;
    },
    rasterize: function (ptr, len, emPx, face, rtl, w, h, penX, baselineY, out) {
      var c = context(w, h);
      if (!c) return 0;
      c.clearRect(0, 0, w, h);
      prepare(c, face, emPx, rtl);
      c.fillStyle = '#fff';  // a white mask the app tints; colour fonts keep their colours
      c.fillText(UTF8ToString(ptr, len), penX, baselineY);
      var px = c.getImageData(0, 0, w, h).data;  // straight alpha, as the renderer blends
      HEAPU8.set(px, out);
      return 1;
    }
  };

  // [SECTION] Test hook -----------------------------------------------------------------------------
  // For tests and the bench only: what the glyph cache did, and the app's own cluster boundaries.
  window.BOSText = Object.freeze({
    stats: function () {
      return Module._bos_text_stats ? JSON.parse(UTF8ToString(Module._bos_text_stats())) : null;
    },
    clusters: function (text) {
      var s = String(text);
      var n = lengthBytesUTF8(s) + 1;
      var p = _malloc(n);
      stringToUTF8(s, p, n);
      var ends;
      try {
        ends = UTF8ToString(Module._bos_text_clusters(p));
      } finally {
        _free(p);
      }
      var out = [], at = 0;
      (ends ? ends.split(',') : []).forEach(function (e) { out.push(s.slice(at, +e)); at = +e; });
      return out;
    },
    fonts: Object.freeze({ text: TEXT, emoji: EMOJI })
  });
})();
