// pyjson.hpp: the bytes the seed's Python Lambdas put on the wire. json.dumps(obj) with its defaults:
// separators ", " and ": ", ensure_ascii=True (\uXXXX in lowercase hex, astral code points as surrogate
// pairs), keys in insertion order; and str.strip() with Python's notion of whitespace. Never throws.
#pragma once
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace devserver {

using ordered_json = nlohmann::ordered_json;

// json.dumps(value). Invalid UTF-8 in strings becomes \ufffd instead of failing.
std::string py_dumps(const ordered_json& value);
// A Python string literal as json.dumps writes it, quotes included.
std::string py_quote(std::string_view utf8);
// str.strip(): removes leading and trailing code points for which str.isspace() is true.
std::string py_strip(std::string_view utf8);

}  // namespace devserver
