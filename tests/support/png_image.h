// Reads the pixels of a PNG file (8-bit RGB or RGBA, not interlaced: what
// Chromium's screenshots are), for checks such as "the page is not blank".
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace salesfollow::testing {

struct PngImage {
  std::uint32_t width = 0;
  std::uint32_t height = 0;
  std::vector<std::uint32_t> pixels;  // 0xRRGGBB, row by row (alpha dropped)
};

// Throws std::runtime_error for a file that is not such a PNG.
PngImage read_png(const std::filesystem::path& path);

struct PixelStats {
  std::size_t distinct_colours = 0;
  double most_common_share = 0;  // share of the most frequent colour
};
PixelStats pixel_stats(const PngImage& image);

}  // namespace salesfollow::testing
