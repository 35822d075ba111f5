// pixels.mjs: reading what the resident sees. A PNG decoder (Node's zlib; Chromium's screenshots are 8-bit
// RGB or RGBA, not interlaced), the chat's palette and layout constants read from the C++ that owns them
// (src/ui/theme.hpp, src/ui/chat_layout.hpp: one source), and the checks the e2e tests make on screenshots:
// a region's colour, where the ink is, what changed, how far the picture moved.
//
// Index
//   [SECTION] PNG        decodePng
//   [SECTION] Facts      palette(), layoutConstants(), blend()
//   [SECTION] Regions    crop, pixel, colour counts, ink extent, differences, vertical shift
//   [SECTION] Checks     assertFill, assertBubble, bubbleSide
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

// [SECTION] PNG ---------------------------------------------------------------------------------------------

// -> { width, height, data: Uint8Array RGBA }
export function decodePng(buf) {
  const sig = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  assert.ok(buf.length > 8 && buf.subarray(0, 8).equals(sig), 'not a PNG');
  let pos = 8, width = 0, height = 0, depth = 0, type = 0, interlace = 0;
  const idat = [];
  while (pos + 8 <= buf.length) {
    const len = buf.readUInt32BE(pos);
    const kind = buf.toString('latin1', pos + 4, pos + 8);
    const body = buf.subarray(pos + 8, pos + 8 + len);
    pos += 12 + len;
    if (kind === 'IHDR') {
      width = body.readUInt32BE(0);
      height = body.readUInt32BE(4);
      depth = body[8];
      type = body[9];
      interlace = body[12];
    } else if (kind === 'IDAT') {
      idat.push(body);
    } else if (kind === 'IEND') {
      break;
    }
  }
  assert.equal(depth, 8, 'only 8-bit PNGs');
  assert.equal(interlace, 0, 'no interlaced PNGs');
  const channels = { 2: 3, 6: 4, 0: 1, 4: 2 }[type];
  assert.ok(channels, `PNG colour type ${type} not supported`);
  const raw = zlib.inflateSync(Buffer.concat(idat));
  const stride = width * channels;
  const cur = new Uint8Array(stride);
  const prev = new Uint8Array(stride);
  const data = new Uint8Array(width * height * 4);
  for (let y = 0; y < height; y++) {
    const off = y * (stride + 1);
    const filter = raw[off];
    for (let i = 0; i < stride; i++) {
      const x = raw[off + 1 + i];
      const a = i >= channels ? cur[i - channels] : 0;
      const b = prev[i];
      const c = i >= channels ? prev[i - channels] : 0;
      let v;
      switch (filter) {
        case 0: v = x; break;
        case 1: v = x + a; break;
        case 2: v = x + b; break;
        case 3: v = x + ((a + b) >> 1); break;
        case 4: {
          const p = a + b - c, pa = Math.abs(p - a), pb = Math.abs(p - b), pc = Math.abs(p - c);
          v = x + (pa <= pb && pa <= pc ? a : pb <= pc ? b : c);
          break;
        }
        default: throw new Error(`bad PNG filter ${filter}`);
      }
      cur[i] = v & 255;
    }
    for (let px = 0; px < width; px++) {
      const o = (y * width + px) * 4, s = px * channels;
      if (channels >= 3) {
        data[o] = cur[s]; data[o + 1] = cur[s + 1]; data[o + 2] = cur[s + 2];
        data[o + 3] = channels === 4 ? cur[s + 3] : 255;
      } else {
        data[o] = data[o + 1] = data[o + 2] = cur[s];
        data[o + 3] = channels === 2 ? cur[s + 1] : 255;
      }
    }
    prev.set(cur);
  }
  return { width, height, data };
}

// [SECTION] Facts -------------------------------------------------------------------------------------------

let paletteCache = null;
// The dark and light palettes of src/ui/theme.hpp as { name: [r, g, b] }, plus the named status colours.
export function palette(which = 'dark') {
  if (!paletteCache) {
    const src = fs.readFileSync(path.join(ROOT, 'src/ui/theme.hpp'), 'utf8');
    const named = {};
    for (const m of src.matchAll(/inline constexpr uint32_t (k\w+) = 0x([0-9a-fA-F]{6});/g)) named[m[1]] = rgbOf(m[2]);
    const read = (name) => {
      const body = new RegExp(`${name}\\{([^}]*)\\}`).exec(src)[1];
      const out = {};
      for (const m of body.matchAll(/\.(\w+) = (0x[0-9a-fA-F]{6}|k\w+)/g)) {
        out[m[1]] = m[2].startsWith('0x') ? rgbOf(m[2].slice(2)) : named[m[2]];
      }
      return out;
    };
    paletteCache = { dark: read('kDarkPalette'), light: read('kLightPalette'), named };
  }
  return which === 'named' ? paletteCache.named : paletteCache[which];
}
function rgbOf(hex) { return [parseInt(hex.slice(0, 2), 16), parseInt(hex.slice(2, 4), 16), parseInt(hex.slice(4, 6), 16)]; }

let layoutCache = null;
// The named sizes of src/ui/chat_layout.hpp (CSS px): { kMarginX: 12, ... }.
export function layoutConstants() {
  if (!layoutCache) {
    const src = fs.readFileSync(path.join(ROOT, 'src/ui/chat_layout.hpp'), 'utf8');
    layoutCache = {};
    for (const m of src.matchAll(/inline constexpr float (k\w+) = ([0-9.]+)f?;/g)) layoutCache[m[1]] = Number(m[2]);
  }
  return layoutCache;
}

// `fg` at alpha `a` (0-255) over `bg`, as the GPU blends it.
export function blend(fg, bg, a) {
  return fg.map((c, i) => Math.round((c * a + bg[i] * (255 - a)) / 255));
}

// [SECTION] Regions -----------------------------------------------------------------------------------------
// Rectangles are { x, y, w, h } in CSS px; `scale` is the screenshot's pixels per CSS px (its device pixel
// ratio). Regions are rounded inwards, so a rectangle's edge (antialiased) is not part of it.

function box(img, r, scale) {
  const x0 = Math.max(0, Math.ceil(r.x * scale)), y0 = Math.max(0, Math.ceil(r.y * scale));
  const x1 = Math.min(img.width, Math.floor((r.x + r.w) * scale)), y1 = Math.min(img.height, Math.floor((r.y + r.h) * scale));
  return { x0, y0, x1, y1 };
}

export function pixel(img, x, y) {
  const o = (y * img.width + x) * 4;
  return [img.data[o], img.data[o + 1], img.data[o + 2]];
}

export function near(a, b, tol = 3) {
  return Math.abs(a[0] - b[0]) <= tol && Math.abs(a[1] - b[1]) <= tol && Math.abs(a[2] - b[2]) <= tol;
}
// The same for the pixel at byte offset `o` of `d` (no allocation: these loops run over whole screenshots).
function nearAt(d, o, c, tol) {
  return Math.abs(d[o] - c[0]) <= tol && Math.abs(d[o + 1] - c[1]) <= tol && Math.abs(d[o + 2] - c[2]) <= tol;
}

export const hex = (c) => '#' + c.map((v) => v.toString(16).padStart(2, '0')).join('');

// The share of the region's pixels within `tol` of `colour`, and how many pixels it has.
export function share(img, r, colour, scale = 1, tol = 3) {
  const b = box(img, r, scale);
  let n = 0, hit = 0;
  for (let y = b.y0; y < b.y1; y++) {
    for (let x = b.x0; x < b.x1; x++) {
      n++;
      if (nearAt(img.data, (y * img.width + x) * 4, colour, tol)) hit++;
    }
  }
  return { share: n ? hit / n : 0, pixels: n };
}

// The most common colour of a region.
export function dominant(img, r, scale = 1) {
  const b = box(img, r, scale);
  const counts = new Map();
  for (let y = b.y0; y < b.y1; y++) {
    for (let x = b.x0; x < b.x1; x++) {
      const k = pixel(img, x, y).join(',');
      counts.set(k, (counts.get(k) || 0) + 1);
    }
  }
  let best = null, n = 0;
  for (const [k, c] of counts) if (c > n) { best = k; n = c; }
  return best ? best.split(',').map(Number) : null;
}

// Where pixels differ from `background` by more than `tol` in the region: their bounding box in CSS px
// (relative to the page) and how many there are. Text is the ink on a bubble.
export function ink(img, r, background, scale = 1, tol = 40) {
  const b = box(img, r, scale);
  let x0 = Infinity, y0 = Infinity, x1 = -Infinity, y1 = -Infinity, count = 0;
  for (let y = b.y0; y < b.y1; y++) {
    for (let x = b.x0; x < b.x1; x++) {
      if (nearAt(img.data, (y * img.width + x) * 4, background, tol)) continue;
      count++;
      if (x < x0) x0 = x;
      if (x > x1) x1 = x;
      if (y < y0) y0 = y;
      if (y > y1) y1 = y;
    }
  }
  if (!count) return { count: 0 };
  return { count, x: x0 / scale, y: y0 / scale, w: (x1 + 1 - x0) / scale, h: (y1 + 1 - y0) / scale };
}

// How many pixels of the region differ between two pictures of the same size.
export function changed(a, b, r = null, scale = 1, tol = 0) {
  assert.equal(a.width, b.width);
  assert.equal(a.height, b.height);
  const bx = r ? box(a, r, scale) : { x0: 0, y0: 0, x1: a.width, y1: a.height };
  const da = a.data, db = b.data;
  let n = 0;
  for (let y = bx.y0; y < bx.y1; y++) {
    for (let o = (y * a.width + bx.x0) * 4, end = (y * a.width + bx.x1) * 4; o < end; o += 4) {
      if (Math.abs(da[o] - db[o]) > tol || Math.abs(da[o + 1] - db[o + 1]) > tol || Math.abs(da[o + 2] - db[o + 2]) > tol) n++;
    }
  }
  return n;
}

// The vertical shift (in the pictures' pixels, positive: the content moved down) that best maps `before`
// onto `after` over the columns [x0, x1), trying every shift up to `max`; with the share of compared
// pixels that then match exactly. Rows that are one flat colour carry no information and are skipped.
export function verticalShift(before, after, { x0 = 0, x1 = before.width, max = before.height - 1 } = {}) {
  const w = before.width;
  const rowKey = (img, y) => {
    let h = 0, flat = true;
    const first = (y * w + x0) * 4;
    for (let x = x0; x < x1; x++) {
      const o = (y * w + x) * 4;
      if (img.data[o] !== img.data[first] || img.data[o + 1] !== img.data[first + 1] || img.data[o + 2] !== img.data[first + 2]) flat = false;
      h = (Math.imul(h, 31) + img.data[o] * 65536 + img.data[o + 1] * 256 + img.data[o + 2]) | 0;
    }
    return flat ? null : h;
  };
  const a = [], b = [];
  for (let y = 0; y < before.height; y++) { a.push(rowKey(before, y)); b.push(rowKey(after, y)); }
  let best = { shift: 0, match: -1, compared: 0 };
  for (let s = -max; s <= max; s++) {
    let same = 0, n = 0;
    for (let y = Math.max(0, -s); y < before.height && y + s < after.height; y++) {
      if (a[y] === null || y + s < 0) continue;
      n++;
      if (a[y] === b[y + s]) same++;
    }
    if (n > 20 && same / n > best.match) best = { shift: s, match: same / n, compared: n };
  }
  return best;
}

// A region of a picture as a new picture (CSS px rectangle).
export function crop(img, r, scale = 1) {
  const b = box(img, r, scale);
  const width = b.x1 - b.x0, height = b.y1 - b.y0;
  const data = new Uint8Array(width * height * 4);
  for (let y = 0; y < height; y++) {
    data.set(img.data.subarray(((b.y0 + y) * img.width + b.x0) * 4, ((b.y0 + y) * img.width + b.x1) * 4), y * width * 4);
  }
  return { width, height, data };
}

// [SECTION] Checks ------------------------------------------------------------------------------------------

// Every pixel of the region (rounded inwards) is `colour`.
export function assertFill(img, r, colour, what, scale = 1, tol = 3) {
  const s = share(img, r, colour, scale, tol);
  assert.ok(s.pixels > 0, `${what}: empty region ${JSON.stringify(r)}`);
  assert.ok(s.share >= 0.99, `${what}: ${(s.share * 100).toFixed(1)} % of ${JSON.stringify(r)} is ${hex(colour)}; ` +
    `mostly ${hex(dominant(img, r, scale))}`);
}

// The fill colour a bubble of this role has in the palette (notifications: by priority).
export function bubbleFill(rect, pal, priority = 'normal') {
  switch (rect.detail) {
    case 'user': return pal.user_bubble;
    case 'notification': return priority === 'high' ? pal.notice_high_bubble : pal.notice_bubble;
    case 'error': return pal.error_bubble;
    default: return pal.assistant_bubble;
  }
}

// A bubble from the layout hook (BuildingOS.__test.hitRects('bubble')) is drawn on the screenshot: its
// left inner margin (between the border or stripe and the text) is its role's colour, it has ink (text),
// and it sits on its side: the resident's own against the right margin, everyone else's against the left.
// `viewWidth`: the canvas's width in CSS px.
export function assertBubble(img, rect, { pal = palette(), scale = 1, viewWidth, priority = 'normal', what = rect.id } = {}) {
  const L = layoutConstants();
  const [fx, fy, fw, fh] = rect.full;
  const fill = bubbleFill(rect, pal, priority);
  const left = rect.detail === 'notification' ? L.kStripe + 2 : 3;  // the stripe, or the 1-2 px outline
  // A vertical band inside the bubble, clear of the rounded corners and the text: only the fill.
  const band = { x: fx + left, y: Math.max(rect.y, fy + L.kRounding), w: L.kPadX - left - 3, h: 0 };
  band.h = Math.min(rect.y + rect.h, fy + fh - L.kRounding) - band.y;
  if (band.h >= 2) assertFill(img, band, fill, `${what}: the ${rect.detail} bubble's fill`, scale);
  // Text (or the time under it) unless only an edge of the bubble is on screen.
  if (rect.h >= Math.min(fh, 30)) {
    const inside = ink(img, { x: fx + L.kPadX - 2, y: rect.y, w: fw - 2 * L.kPadX + 4, h: rect.h }, fill, scale);
    assert.ok(inside.count > 10, `${what}: the ${rect.detail} bubble has no text drawn in it`);
  }
  if (viewWidth !== undefined) {
    if (rect.detail === 'user') {
      assert.ok(Math.abs(fx + fw - (viewWidth - L.kMarginX)) <= 1, `${what}: the resident's bubble ends at ${fx + fw}, not at the right margin ${viewWidth - L.kMarginX}`);
    } else {
      assert.ok(Math.abs(fx - L.kMarginX) <= 1, `${what}: the ${rect.detail} bubble starts at ${fx}, not at the left margin`);
    }
  }
}
