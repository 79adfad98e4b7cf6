#include "png_image.h"

#include <zlib.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <stdexcept>
#include <unordered_map>

namespace salesfollow::testing {
namespace {

std::uint32_t big_endian(const std::string& bytes, std::size_t at) {
  return (static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[at])) << 24U) |
         (static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[at + 1])) << 16U) |
         (static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[at + 2])) << 8U) |
         static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[at + 3]));
}

unsigned char paeth(int a, int b, int c) {
  const int p = a + b - c;
  const int pa = std::abs(p - a), pb = std::abs(p - b), pc = std::abs(p - c);
  if (pa <= pb && pa <= pc) return static_cast<unsigned char>(a);
  return static_cast<unsigned char>(pb <= pc ? b : c);
}

}  // namespace

PngImage read_png(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  const std::string bytes{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  if (bytes.size() < 8 || bytes.compare(0, 8, "\x89PNG\r\n\x1a\n") != 0)
    throw std::runtime_error(path.string() + " is not a PNG file");
  PngImage image;
  int colour_type = -1;
  std::string compressed;
  for (std::size_t at = 8; at + 8 <= bytes.size();) {
    const std::uint32_t length = big_endian(bytes, at);
    const std::string type = bytes.substr(at + 4, 4);
    if (at + 12 + length > bytes.size()) throw std::runtime_error("truncated PNG chunk " + type);
    const std::size_t data = at + 8;
    if (type == "IHDR") {
      image.width = big_endian(bytes, data);
      image.height = big_endian(bytes, data + 4);
      const int depth = static_cast<unsigned char>(bytes[data + 8]);
      colour_type = static_cast<unsigned char>(bytes[data + 9]);
      const int interlace = static_cast<unsigned char>(bytes[data + 12]);
      if (depth != 8 || (colour_type != 2 && colour_type != 6) || interlace != 0)
        throw std::runtime_error("only 8-bit RGB/RGBA non-interlaced PNGs are read");
    } else if (type == "IDAT") {
      compressed.append(bytes, data, length);
    } else if (type == "IEND") {
      break;
    }
    at = data + length + 4;  // + CRC
  }
  if (colour_type < 0) throw std::runtime_error("PNG without IHDR");
  const std::size_t channels = colour_type == 6 ? 4 : 3;
  const std::size_t stride = image.width * channels;
  std::string raw((stride + 1) * image.height, '\0');
  uLongf raw_size = static_cast<uLongf>(raw.size());
  if (uncompress(reinterpret_cast<Bytef*>(raw.data()), &raw_size,
                 reinterpret_cast<const Bytef*>(compressed.data()),
                 static_cast<uLong>(compressed.size())) != Z_OK ||
      raw_size != raw.size())
    throw std::runtime_error("cannot inflate the PNG's pixels");
  std::vector<unsigned char> previous(stride, 0), row(stride);
  image.pixels.reserve(static_cast<std::size_t>(image.width) * image.height);
  for (std::uint32_t y = 0; y < image.height; ++y) {
    const std::size_t start = y * (stride + 1);
    const int filter = static_cast<unsigned char>(raw[start]);
    for (std::size_t x = 0; x < stride; ++x) {
      const int value = static_cast<unsigned char>(raw[start + 1 + x]);
      const int left = x >= channels ? row[x - channels] : 0;
      const int up = previous[x];
      const int up_left = x >= channels ? previous[x - channels] : 0;
      int out = value;
      switch (filter) {
        case 0:
          break;
        case 1:
          out = value + left;
          break;
        case 2:
          out = value + up;
          break;
        case 3:
          out = value + (left + up) / 2;
          break;
        case 4:
          out = value + paeth(left, up, up_left);
          break;
        default:
          throw std::runtime_error("unknown PNG filter " + std::to_string(filter));
      }
      row[x] = static_cast<unsigned char>(out & 0xFF);
    }
    for (std::size_t x = 0; x < stride; x += channels) {
      image.pixels.push_back((static_cast<std::uint32_t>(row[x]) << 16U) |
                             (static_cast<std::uint32_t>(row[x + 1]) << 8U) | row[x + 2]);
    }
    std::swap(previous, row);
  }
  return image;
}

PixelStats pixel_stats(const PngImage& image) {
  std::unordered_map<std::uint32_t, std::size_t> counts;
  for (const auto p : image.pixels) ++counts[p];
  std::size_t most = 0;
  for (const auto& [colour, count] : counts) most = std::max(most, count);
  PixelStats stats;
  stats.distinct_colours = counts.size();
  stats.most_common_share =
      image.pixels.empty() ? 1.0
                           : static_cast<double>(most) / static_cast<double>(image.pixels.size());
  return stats;
}

}  // namespace salesfollow::testing
