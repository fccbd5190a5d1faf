// The files of web/ compiled into the binary (scripts/embed_assets.py writes web_assets.cpp at
// build time): the UIs never read files at run time.
#pragma once
#include <cstddef>
#include <string_view>

namespace spp::web {

struct Asset {
  std::string_view path;  // relative to web/, e.g. "app.js"
  std::string_view data;
  std::string_view mime;
};

// nullptr when no such asset.
const Asset* find_asset(std::string_view path);

}  // namespace spp::web
