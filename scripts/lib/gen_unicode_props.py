#!/usr/bin/python3
"""Generates src/core/unicode_props.cpp's table from Debian's unicode-data (/usr/share/unicode).

One table answers, for every code point, what text segmentation and the chat's text layout need:
  Grapheme_Cluster_Break (UAX #29), Extended_Pictographic and Emoji_Presentation (emoji-data.txt),
  Indic_Conjunct_Break Linker/Consonant (UAX #29 GB9c; derived here as Unicode 15.1 defines it, from
  IndicSyllabicCategory.txt and Scripts.txt, because bookworm's data is 15.0), a strong bidi direction
  (DerivedBidiClass.txt: L, R/AL, or neither), East_Asian_Width W/F (line breaks between wide clusters),
  and whether the script needs shaping across clusters (Scripts.txt, the list below).

The output is a run-length table: run i starts at the sum of kStartDeltas' first i + 1 varints and has the
properties kPalette[kPaletteIndex[i]] until the next run starts (src/core/unicode_props.cpp decodes it once). Hangul syllables (LV/LVT) are left out and computed (AC00 + 28 n is LV).
It is generated at build time (src/core/CMakeLists.txt), never committed: the Unicode data files are the
one source.

Usage: gen_unicode_props.py --data /usr/share/unicode --out build/.../unicode_props_table.inc
"""
import argparse
import os
import re
import sys

# Keep in sync with src/core/unicode_props.hpp (Gcb and the Prop* bits).
GCB = {"Other": 0, "CR": 1, "LF": 2, "Control": 3, "Extend": 4, "ZWJ": 5, "Regional_Indicator": 6,
       "Prepend": 7, "SpacingMark": 8, "L": 9, "V": 10, "T": 11, "LV": 12, "LVT": 13}
EXT_PICT = 1 << 4
EMOJI_PRESENTATION = 1 << 5
INCB_CONSONANT = 1 << 6
INCB_LINKER = 1 << 7
BIDI_L = 1 << 8
BIDI_R = 1 << 9
WIDE = 1 << 10
SHAPED = 1 << 11

# Unicode 15.1's Indic_Conjunct_Break scripts.
INCB_SCRIPTS = {"Bengali", "Devanagari", "Gujarati", "Oriya", "Telugu", "Malayalam"}
# Scripts whose letters change shape or order with their neighbours (joining, reordering, stacking): the
# browser draws their words whole. Arabic, Syriac, N'Ko, Mongolian join; the Brahmic scripts reorder and
# form conjuncts; Thai, Lao, Khmer, Myanmar stack marks and have no spaces between words.
SHAPED_SCRIPTS = {
    "Arabic", "Syriac", "Thaana", "Nko", "Mandaic", "Samaritan", "Hebrew", "Mongolian", "Adlam", "Hanifi_Rohingya",
    "Devanagari", "Bengali", "Gurmukhi", "Gujarati", "Oriya", "Tamil", "Telugu", "Kannada", "Malayalam", "Sinhala",
    "Thai", "Lao", "Tibetan", "Myanmar", "Khmer", "Tai_Tham", "Tai_Viet", "Tai_Le", "New_Tai_Lue", "Balinese",
    "Javanese", "Sundanese", "Batak", "Buginese", "Lepcha", "Limbu", "Cham", "Kayah_Li", "Meetei_Mayek", "Chakma",
    "Sharada", "Takri", "Tirhuta", "Grantha", "Newa", "Ahom", "Syloti_Nagri", "Saurashtra", "Rejang", "Tagalog",
    "Hanunoo", "Buhid", "Tagbanwa", "Khojki", "Khudawadi", "Mahajani", "Modi", "Siddham", "Kaithi", "Brahmi",
    "Dogra", "Masaram_Gondi", "Gunjala_Gondi", "Nandinagari", "Zanabazar_Square", "Soyombo", "Bhaiksuki",
    "Marchen", "Tai_Yo", "Kawi", "Makasar", "Dives_Akuru", "Yezidi", "Sogdian", "Old_Uyghur", "Manichaean",
    "Psalter_Pahlavi", "Phags_Pa",
}
MAX_CP = 0x10FFFF
HANGUL_FIRST, HANGUL_LAST = 0xAC00, 0xD7A3


def parse(path, with_missing=False):
    """Yields (first, last, value) for each data line (and for @missing lines when asked)."""
    line_re = re.compile(r"^([0-9A-F]{4,6})(?:\.\.([0-9A-F]{4,6}))?\s*;\s*([^#;]+?)\s*(?:[;#]|$)")
    with open(path, encoding="utf-8") as f:
        for raw in f:
            line = raw
            if raw.startswith("# @missing:"):
                if not with_missing:
                    continue
                line = raw[len("# @missing:"):].strip()
            elif raw.startswith("#") or not raw.strip():
                continue
            m = line_re.match(line.strip())
            if not m:
                continue
            first = int(m.group(1), 16)
            last = int(m.group(2), 16) if m.group(2) else first
            yield first, last, m.group(3).strip()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default="/usr/share/unicode")
    ap.add_argument("--out", required=True)
    a = ap.parse_args()
    files = {
        "gcb": "auxiliary/GraphemeBreakProperty.txt",
        "emoji": "emoji/emoji-data.txt",
        "isc": "IndicSyllabicCategory.txt",
        "scripts": "Scripts.txt",
        "bidi": "extracted/DerivedBidiClass.txt",
        "eaw": "EastAsianWidth.txt",
    }
    paths = {k: os.path.join(a.data, v) for k, v in files.items()}
    for p in paths.values():
        if not os.path.exists(p):
            print(f"gen_unicode_props: {p} is missing: run scripts/bootstrap (Debian package unicode-data)",
                  file=sys.stderr)
            sys.exit(1)

    props = [0] * (MAX_CP + 1)
    for first, last, v in parse(paths["gcb"]):
        if v not in GCB:
            sys.exit(f"gen_unicode_props: unknown Grapheme_Cluster_Break value {v}")
        for cp in range(first, last + 1):
            props[cp] = (props[cp] & ~0xF) | GCB[v]
    for first, last, v in parse(paths["emoji"]):
        bit = {"Extended_Pictographic": EXT_PICT, "Emoji_Presentation": EMOJI_PRESENTATION}.get(v)
        if bit:
            for cp in range(first, last + 1):
                props[cp] |= bit
    script = {}
    for first, last, v in parse(paths["scripts"]):
        for cp in range(first, last + 1):
            script[cp] = v
    for first, last, v in parse(paths["isc"]):
        for cp in range(first, last + 1):
            if script.get(cp) not in INCB_SCRIPTS:
                continue
            if v == "Virama":
                props[cp] |= INCB_LINKER
            elif v == "Consonant":
                props[cp] |= INCB_CONSONANT
    for cp, s in script.items():
        if s in SHAPED_SCRIPTS:
            props[cp] |= SHAPED
    # Bidi: the @missing defaults first (unassigned code points in RTL blocks are RTL), then the data.
    bidi = ["L"] * (MAX_CP + 1)
    for first, last, v in list(parse(paths["bidi"], with_missing=True)):
        for cp in range(first, last + 1):
            bidi[cp] = v
    for cp in range(MAX_CP + 1):
        b = bidi[cp]
        if b in ("L", "Left_To_Right"):
            props[cp] |= BIDI_L
        elif b in ("R", "AL", "Right_To_Left", "Arabic_Letter"):
            props[cp] |= BIDI_R
    for first, last, v in parse(paths["eaw"]):
        if v in ("W", "F"):
            for cp in range(first, last + 1):
                props[cp] |= WIDE
    # Hangul syllables are computed; give the whole block one run (LV's properties) to keep the table short.
    for cp in range(HANGUL_FIRST, HANGUL_LAST + 1):
        props[cp] = props[HANGUL_FIRST]
    # Surrogates never reach the table (valid UTF-8 has none); private use and unassigned stay as the data says.

    starts, values = [], []
    for cp in range(MAX_CP + 1):
        if not values or props[cp] != values[-1]:
            starts.append(cp)
            values.append(props[cp])

    # Stored small (the wasm ships it): the distance from the previous run's start as a LEB128 varint, and
    # each run's properties as an index into the palette of the distinct values.
    palette = sorted(set(values))
    if len(palette) > 256:
        sys.exit("gen_unicode_props: more than 256 distinct property values")
    deltas = bytearray()
    prev = 0
    for start in starts:
        x = start - prev
        prev = start
        while True:
            b = x & 0x7F
            x >>= 7
            deltas.append(b | 0x80 if x else b)
            if not x:
                break
    index = [palette.index(v) for v in values]

    def rows(items, per, fmt):
        return "".join("  " + ", ".join(fmt(v) for v in items[i:i + per]) + ",\n" for i in range(0, len(items), per))

    os.makedirs(os.path.dirname(os.path.abspath(a.out)), exist_ok=True)
    tmp = a.out + ".tmp"
    with open(tmp, "w") as f:
        f.write("// Generated by scripts/lib/gen_unicode_props.py from /usr/share/unicode: do not edit.\n")
        f.write(f"constexpr std::size_t kRuns = {len(starts)};\n")
        f.write(f"constexpr std::uint16_t kPalette[{len(palette)}] = {{\n" + rows(palette, 12, lambda v: f"0x{v:X}") + "};\n")
        f.write(f"constexpr std::uint8_t kStartDeltas[{len(deltas)}] = {{\n" + rows(list(deltas), 20, str) + "};\n")
        f.write("constexpr std::uint8_t kPaletteIndex[kRuns] = {\n" + rows(index, 24, str) + "};\n")
    os.replace(tmp, a.out)
    print(f"gen_unicode_props: {len(starts)} runs -> {a.out}", file=sys.stderr)


if __name__ == "__main__":
    main()
