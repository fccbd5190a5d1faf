// Console progress bar.
#include "driver/progress.h"

#include <unistd.h>

#include <algorithm>

namespace spp::driver {

std::string ConsoleProgress::render(int stage_id, int done, int running, int total, int width) {
  // Appends, not `"(" + std::to_string(..)`: GCC 12 at -O3 warns falsely (-Wrestrict) on that.
  std::string header = "[Stage ";
  header += std::to_string(stage_id);
  header += ':';
  std::string tailer = "(";
  tailer += std::to_string(done);
  tailer += " + ";
  tailer += std::to_string(running);
  tailer += ") / ";
  tailer += std::to_string(total);
  tailer += ']';
  int w = width - static_cast<int>(header.size() + tailer.size());
  std::string bar;
  if (w > 0) {
    int percent = total > 0 ? static_cast<int>(static_cast<int64_t>(w) * done / total) : 0;
    for (int i = 0; i < w; ++i) bar += i < percent ? '=' : (i == percent ? '>' : ' ');
  }
  return header + bar + tailer;
}

void ConsoleProgress::show(std::vector<Stage> stages) {
  if (!enabled_) return;
  stages.erase(std::remove_if(stages.begin(), stages.end(), [](const Stage& s) { return s.age_ms < 500; }), stages.end());
  if (stages.empty()) return;
  std::sort(stages.begin(), stages.end(), [](const Stage& a, const Stage& b) { return a.stage_id < b.stage_id; });
  if (stages.size() > 3) stages.resize(3);
  const int width = 80 / static_cast<int>(stages.size());
  std::string line;
  for (const Stage& s : stages) line += render(s.stage_id, s.done, s.running, s.total, width);
  if (line == last_) return;
  last_ = line;
  std::string out = "\r" + line;
  ssize_t n = ::write(2, out.data(), out.size());
  (void)n;
  drawn_ = true;
}

void ConsoleProgress::clear() {
  if (!drawn_) return;
  std::string out = "\r" + std::string(80, ' ') + "\r";
  ssize_t n = ::write(2, out.data(), out.size());
  (void)n;
  drawn_ = false;
  last_.clear();
}

}  // namespace spp::driver
