/* token.js: the resident token as the page reads it BEFORE the wasm is downloaded (issue 13). Plain ES5.
   The same rule as src/core/token.hpp (read there first), with the numbers from window.BOSFacts.token
   (generated from src/core/limits.hpp): size; three segments of canonical unpadded base64url; the header a
   JSON object with alg HS256, typ absent or JWT, no crit or b64; the payload a JSON object with each claim of
   its type and rule; exp <= now - leeway is expired. The signature is the server's to check.
   What JSON.parse cannot see (a duplicate key, 1.0 written for an integer) this copy lets through and the
   C++ refuses once the wasm runs: tests/ui/token_rule.test.mjs runs both on the shared vectors
   (tests/fixtures/auth/token-vectors.json) and allows exactly those differences.
   BOSToken.read(token, nowS) -> {status: 'usable' | 'expired' | 'malformed', reason, claims}. */
(function () {
  'use strict';
  var L = window.BOSFacts.token;
  var B64 = /^[A-Za-z0-9_-]*$/;
  var ID = new RegExp('^[A-Za-z0-9._+-]{1,' + L.maxIdChars + '}$');
  var JTI = new RegExp('^[A-Za-z0-9_-]{' + L.minJtiChars + ',' + L.maxJtiChars + '}$');
  var ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

  // Canonical base64url to a string of UTF-8 decoded text, or null (bad characters, length, unused bits set,
  // or bytes that are not UTF-8: decodeURIComponent refuses overlongs and encoded surrogates).
  function decodeText(seg) {
    if (!B64.test(seg) || seg.length % 4 === 1) return null;
    var acc = 0, bits = 0, pct = '';
    for (var i = 0; i < seg.length; i++) {
      acc = ((acc << 6) | ALPHABET.indexOf(seg.charAt(i))) & 0xffffff;
      bits += 6;
      if (bits >= 8) {
        bits -= 8;
        var b = (acc >> bits) & 0xff;
        pct += (b < 16 ? '%0' : '%') + b.toString(16);
      }
    }
    if (bits > 0 && (acc & ((1 << bits) - 1)) !== 0) return null;
    try { return decodeURIComponent(pct); } catch (e) { return null; }
  }
  function depth(s) {
    var d = 0, max = 0, inStr = false, esc = false;
    for (var i = 0; i < s.length; i++) {
      var c = s.charAt(i);
      if (inStr) { if (esc) esc = false; else if (c === '\\') esc = true; else if (c === '"') inStr = false; }
      else if (c === '"') inStr = true;
      else if (c === '{' || c === '[') { d++; if (d > max) max = d; }
      else if (c === '}' || c === ']') d--;
    }
    return max;
  }
  function object(text) {
    if (text === null || depth(text) > 8) return null;
    var v;
    try { v = JSON.parse(text); } catch (e) { return null; }
    return v !== null && typeof v === 'object' && !(v instanceof Array) ? v : null;
  }
  function has(o, k) { return Object.prototype.hasOwnProperty.call(o, k); }
  function date(o, k) {
    var v = o[k];
    return typeof v === 'number' && isFinite(v) && Math.floor(v) === v && v >= 0 && v <= L.maxTimeS ? v : null;
  }
  function isName(s) {
    var n = 0, onlySpaces = true;
    for (var i = 0; i < s.length; i++) {
      var c = s.charCodeAt(i);
      if (c >= 0xD800 && c <= 0xDBFF && i + 1 < s.length) {
        var d = s.charCodeAt(i + 1);
        if (d >= 0xDC00 && d <= 0xDFFF) { i++; n++; onlySpaces = false; continue; }
      }
      n++;
      if (c !== 0x20) onlySpaces = false;
      if (c <= 0x1F || (c >= 0x7F && c <= 0x9F) || c === 0x061C || c === 0x200E || c === 0x200F || c === 0x2028 ||
          c === 0x2029 || (c >= 0x202A && c <= 0x202E) || (c >= 0x2066 && c <= 0x2069) || (c >= 0xD800 && c <= 0xDFFF)) {
        return false;
      }
    }
    return n >= 1 && n <= L.maxNameCodePoints && !onlySpaces;
  }

  function read(token, nowS) {
    function fail(reason) { return { status: 'malformed', reason: reason, claims: null }; }
    if (typeof token !== 'string' || !token) return fail('malformed');
    if (token.length > L.maxBytes) return fail('oversize');  // base64url is ASCII: characters are bytes
    var parts = token.split('.');
    if (parts.length !== 3 || !parts[0] || !parts[1]) return fail('malformed');
    var headerText = decodeText(parts[0]), payloadText = decodeText(parts[1]);
    if (headerText === null || payloadText === null || decodeSignature(parts[2]) === null) return fail('malformed');
    var h = object(headerText);
    if (!h) return fail('malformed');
    if (h.alg !== 'HS256' || (has(h, 'typ') && h.typ !== 'JWT') || has(h, 'crit') || has(h, 'b64')) return fail('bad_header');
    var p = object(payloadText);
    if (!p) return fail('bad_claims');
    var iat = date(p, 'iat'), exp = date(p, 'exp');
    if (typeof p.sub !== 'string' || typeof p.bld !== 'string' || typeof p.name !== 'string' || typeof p.jti !== 'string' ||
        iat === null || exp === null || has(p, 'aud') || (has(p, 'nbf') && date(p, 'nbf') === null)) {
      return fail('bad_claims');
    }
    var at = p.sub.indexOf('@');
    if (!ID.test(p.bld) || at < 0 || !ID.test(p.sub.slice(0, at)) || p.sub.slice(at + 1) !== p.bld || !isName(p.name) ||
        !JTI.test(p.jti)) {
      return fail('bad_claims');
    }
    if (exp <= iat || exp - iat > L.maxLifetimeS) return fail('bad_claims');
    var claims = { sub: p.sub, bld: p.bld, name: p.name, jti: p.jti, iat: iat, exp: exp };
    if (exp <= nowS - L.leewayS) return { status: 'expired', reason: 'expired', claims: claims };
    return { status: 'usable', reason: 'usable', claims: claims };
  }
  // The signature's bytes are not text: only its spelling is checked.
  function decodeSignature(seg) {
    if (!B64.test(seg) || seg.length % 4 === 1) return null;
    var last = seg.length ? ALPHABET.indexOf(seg.charAt(seg.length - 1)) : 0;
    var unused = seg.length % 4 === 2 ? 4 : seg.length % 4 === 3 ? 2 : 0;
    return (last & ((1 << unused) - 1)) === 0 ? seg : null;
  }
  window.BOSToken = { read: read };
})();
