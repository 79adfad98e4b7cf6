// Charts for the weekly review page as inline SVG, drawn from the numbers
// alone: the page needs no script and no network to be read.
#pragma once

#include <string>
#include <vector>

namespace salesfollow::salesctl {

struct ChartBar {
  std::string label;
  // One value per series (e.g. this week, last week); negative values are
  // drawn as zero.
  std::vector<double> values;
  // Shown at the end of the first series' bar, e.g. "12" or "35.0%".
  std::string value_text;
};

struct BarChart {
  std::string title;
  std::vector<std::string> series;  // legend names; one series needs none
  std::vector<ChartBar> bars;
  int width = 560;
};

// A horizontal bar chart: one row per bar, one <rect> per series, lengths
// proportional to the largest value. With no bars (or all zero) it says so.
std::string bar_chart_svg(const BarChart& chart);

}  // namespace salesfollow::salesctl
