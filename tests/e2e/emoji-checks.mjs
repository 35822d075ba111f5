// emoji-checks.mjs: what tests/e2e/emoji.test.mjs and the Firefox/WebKit flows (tests/engines/flows.mjs)
// check about text the ImGui font cannot draw (issue 17): the clusters of every class, a probe that the
// browser has a colour emoji font and a font for each script (so a missing font fails loudly instead of
// passing on boxes), and the colour test on a screenshot. Plain data and functions that run in the page
// through the drivers' evaluate (never eval: the page's CSP forbids it).
import { decodePng } from '../engines/png.mjs';

// One or more clusters of each class the issue names; `units` is how many grapheme clusters it is.
export const CLASSES = [
  { name: 'ZWJ family', text: '\u{1F468}\u200D\u{1F469}\u200D\u{1F467}', units: 1 },
  { name: 'flag', text: '\u{1F1E7}\u{1F1F7}', units: 1 },
  { name: 'skin tone', text: '\u{1F44D}\u{1F3FD}', units: 1 },
  { name: 'keycap', text: '1\uFE0F\u20E3', units: 1 },
  { name: 'variation selector', text: '\u2764\uFE0F', units: 1 },
  { name: 'emoji', text: '\u{1F6D7}', units: 1 },  // not among distinctEmoji's: those are new to the cache
  { name: 'CJK', text: '\u6F22\u5B57', units: 2 },
  { name: 'kana', text: '\u3072\u3089\u304C\u306A', units: 4 },
  { name: 'Hangul', text: '\uD55C\uAD6D\uC5B4', units: 3 },
  { name: 'Hebrew', text: '\u05E9\u05DC\u05D5\u05DD', units: 4 },
  { name: 'Arabic', text: '\u0645\u0631\u062D\u0628\u0627', units: 5 },
  { name: 'Devanagari', text: '\u0928\u092E\u0938\u094D\u0924\u0947', units: 3 },
  { name: 'Thai', text: '\u0E2A\u0E27\u0E31\u0E2A\u0E14\u0E35', units: 4 },
  { name: 'Cyrillic', text: '\u041F\u0440\u0438\u0432\u0435\u0442', units: 6 },
  { name: 'Greek', text: '\u03A9\u03BC\u03AD\u03B3\u03B1', units: 5 },
  { name: 'symbols', text: '\u2605\u221E\u266B\u2192\u20BD', units: 5 },
  { name: 'combining accent', text: 'e\u0301', units: 1 },
];

// A message holding every class, as a resident would mix them.
export const MIXED = 'Oi ' + CLASSES.map((c) => c.text).join(' ') + ' fim';

// 200 distinct emoji, one cluster each: a screen of them (issue 17: one rasterisation each, first sight only).
export function distinctEmoji(n = 200) {
  const out = [];
  for (const [from, to] of [[0x1F600, 0x1F64F], [0x1F680, 0x1F6C5], [0x1F400, 0x1F43E], [0x1F330, 0x1F37F]]) {
    for (let cp = from; cp <= to && out.length < n; cp++) out.push(String.fromCodePoint(cp));
  }
  return out;
}

// Runs in the page: can the browser draw each class with the app's font stacks (window.BOSText.fonts), in
// colour where it is emoji? A cluster drawn exactly like a code point no font has (U+0378, unassigned:
// tofu) or like U+FFFD has no font. Returns { emojiColoured, missing: [class names], tofuWidth }.
export function fontProbe(classes) {
  const fonts = window.BOSText && window.BOSText.fonts;
  if (!fonts) return { error: 'window.BOSText.fonts is missing' };
  const c = document.createElement('canvas');
  c.width = 256; c.height = 64;
  const g = c.getContext('2d', { willReadFrequently: true });
  const draw = (text, stack) => {
    g.clearRect(0, 0, c.width, c.height);
    g.font = '32px ' + stack;
    g.fillStyle = '#000';
    g.textBaseline = 'alphabetic';
    g.fillText(text, 8, 44);
    return { px: g.getImageData(0, 0, c.width, c.height).data, width: g.measureText(text).width };
  };
  const same = (a, b) => {
    if (Math.abs(a.width - b.width) > 0.01) return false;
    for (let i = 0; i < a.px.length; i++) if (a.px[i] !== b.px[i]) return false;
    return true;
  };
  const tofu = draw('\u0378', fonts.text), fffd = draw('\uFFFD', fonts.text);
  const missing = [];
  for (const k of classes) {
    const stack = /\p{Extended_Pictographic}|\u20E3|[\u{1F1E6}-\u{1F1FF}]/u.test(k.text) ? fonts.emoji : fonts.text;
    // Each code point that is a base letter, one at a time: one missing script is enough to fail.
    for (const ch of [...k.text].filter((x) => /[\p{L}\p{N}\p{S}]/u.test(x))) {
      const d = draw(ch, stack);
      if (same(d, tofu) || same(d, fffd)) { missing.push(`${k.name} (U+${ch.codePointAt(0).toString(16).toUpperCase()})`); break; }
    }
  }
  const e = draw('\u{1F600}', fonts.emoji);
  let coloured = 0;
  for (let i = 0; i < e.px.length; i += 4) {
    const r = e.px[i], gg = e.px[i + 1], b = e.px[i + 2], a = e.px[i + 3];
    if (a > 64 && Math.max(r, gg, b) - Math.min(r, gg, b) > 48) coloured++;
  }
  return { emojiColoured: coloured, missing, tofuWidth: tofu.width };
}

// Pixels of `rect` in a decoded screenshot by hue, for the strongly coloured ones (max - min channel ≥ 100):
// six 60° bins. The chat's own colours are teal (the resident's bubble, the connected dot: 160-175°), so
// colour emoji show as pixels in the other bins (red hearts, yellow faces, the flag's green and blue).
export function hueBins(img, rect) {
  const bins = [0, 0, 0, 0, 0, 0];
  const x0 = Math.max(0, Math.floor(rect.x)), y0 = Math.max(0, Math.floor(rect.y));
  const x1 = Math.min(img.width, Math.floor(rect.x + rect.width)), y1 = Math.min(img.height, Math.floor(rect.y + rect.height));
  for (let y = y0; y < y1; y++) {
    for (let x = x0; x < x1; x++) {
      const i = (y * img.width + x) * img.channels;
      const r = img.data[i], g = img.data[i + 1], b = img.data[i + 2];
      const max = Math.max(r, g, b), min = Math.min(r, g, b), d = max - min;
      if (d < 100) continue;
      let h = max === r ? ((g - b) / d) % 6 : max === g ? (b - r) / d + 2 : (r - g) / d + 4;
      h = (h * 60 + 360) % 360;
      if (h >= 150 && h < 185) continue;  // the chat's teal
      bins[Math.floor(h / 60)]++;
    }
  }
  return bins;
}

// The colour verdict on a PNG screenshot: colour emoji drawn means many strongly coloured pixels outside the
// chat's teal, in at least three hue bins. Boxes, U+FFFD or a monochrome font have none.
// The same on what a new message added: `before` and `after` are screenshots taken right before it came
// and once it is drawn. The chat's other colours (the notification stripe, ticks) are in both; a scroll
// can only take coloured pixels away. So only pixels the message drew can pass.
export function colourDelta(before, after, rect, { minTotal = 150, minBins = 3 } = {}) {
  const a = decodePng(before), b = decodePng(after);
  const s = b.width / rect.cssWidth;
  const r = { x: rect.x * s, y: rect.y * s, width: rect.width * s, height: rect.height * s };
  const b0 = hueBins(a, r), b1 = hueBins(b, r);
  const bins = b1.map((n, i) => n - b0[i]);
  const total = bins.reduce((x, y) => x + y, 0);
  const binsUsed = bins.filter((n) => n >= 20 * s * s).length;
  return { bins, total, binsUsed, scale: s, ok: total >= minTotal * s * s && binsUsed >= minBins };
}

// `minTotal` is in CSS pixels (a 1x emoji has about 150 strongly coloured ones).
export function colourVerdict(png, rect, { minTotal = 150, minBins = 3 } = {}) {
  const img = decodePng(png);
  const s = img.width / rect.cssWidth;
  const bins = hueBins(img, { x: rect.x * s, y: rect.y * s, width: rect.width * s, height: rect.height * s });
  const total = bins.reduce((a, b) => a + b, 0);
  const binsUsed = bins.filter((n) => n >= 20 * s * s).length;
  return { bins, total, binsUsed, scale: s, ok: total >= minTotal * s * s && binsUsed >= minBins };
}
