#include "svg_chart.h"

#include <fmt/format.h>

#include <algorithm>

#include "html.h"

namespace salesfollow::salesctl {
namespace {

// Colour-blind-safe series colours (Okabe-Ito).
constexpr const char* kColours[] = {"#0072B2", "#E69F00", "#009E73", "#CC79A7"};
constexpr int kLabelWidth = 150;
constexpr int kValueWidth = 70;
constexpr int kBarHeight = 14;
constexpr int kRowGap = 10;
constexpr int kTop = 28;

}  // namespace

std::string bar_chart_svg(const BarChart& chart) {
  double largest = 0;
  std::size_t series_count = std::max<std::size_t>(chart.series.size(), 1);
  for (const auto& bar : chart.bars) {
    series_count = std::max(series_count, bar.values.size());
    for (const double v : bar.values) largest = std::max(largest, v);
  }
  const int legend_height = chart.series.size() > 1 ? 18 : 0;
  const int row_height = kBarHeight * static_cast<int>(series_count) + kRowGap;
  const int rows = std::max<int>(static_cast<int>(chart.bars.size()), 1);
  const int height = kTop + legend_height + rows * row_height + 6;
  const int plot_width = chart.width - kLabelWidth - kValueWidth;
  std::string svg = fmt::format(
      R"(<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" width="{0}" height="{1}" viewBox="0 0 {0} {1}" font-size="12">)"
      "<title>{2}</title>"
      R"(<text x="0" y="16" font-size="14" font-weight="bold">{2}</text>)",
      chart.width, height, html_escape(chart.title));
  int y = kTop;
  if (chart.series.size() > 1) {
    int x = kLabelWidth;
    for (std::size_t s = 0; s < chart.series.size(); ++s) {
      svg += fmt::format(R"(<rect x="{}" y="{}" width="12" height="12" fill="{}"/>)", x, y,
                         kColours[s % std::size(kColours)]);
      svg += fmt::format(R"(<text x="{}" y="{}">{}</text>)", x + 16, y + 11,
                         html_escape(chart.series[s]));
      x += 110;
    }
    y += legend_height;
  }
  if (chart.bars.empty() || largest <= 0) {
    svg += fmt::format(R"(<text x="{}" y="{}" fill="#666">（本周无数据）</text>)", kLabelWidth,
                       y + kBarHeight);
    return svg + "</svg>";
  }
  for (const auto& bar : chart.bars) {
    svg += fmt::format(R"(<text x="{}" y="{}" text-anchor="end">{}</text>)", kLabelWidth - 8,
                       y + kBarHeight - 3, html_escape(bar.label));
    for (std::size_t s = 0; s < bar.values.size(); ++s) {
      const double value = std::max(bar.values[s], 0.0);
      const double length = value / largest * plot_width;
      svg += fmt::format(
          R"(<rect class="bar" x="{}" y="{}" width="{:.1f}" height="{}" fill="{}" data-value="{}"/>)",
          kLabelWidth, y + static_cast<int>(s) * kBarHeight, length, kBarHeight - 2,
          kColours[s % std::size(kColours)], value);
    }
    const double first = bar.values.empty() ? 0.0 : std::max(bar.values[0], 0.0);
    svg += fmt::format(R"(<text x="{:.1f}" y="{}">{}</text>)",
                       kLabelWidth + first / largest * plot_width + 4, y + kBarHeight - 3,
                       html_escape(bar.value_text));
    y += row_height;
  }
  return svg + "</svg>";
}

}  // namespace salesfollow::salesctl
