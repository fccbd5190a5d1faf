// Spark-style console progress bar on stderr: [Stage 1:=====>      (12 + 2) / 40], one bar per
// running stage (up to 3 side by side, as Spark's ConsoleProgressBar).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace spp::driver {

class ConsoleProgress {
 public:
  // Enabled only when stderr is a terminal and spark.ui.showConsoleProgress is true.
  void set_enabled(bool on) { enabled_ = on; }
  bool enabled() const { return enabled_; }
  struct Stage {
    int stage_id = 0, done = 0, running = 0, total = 0;
    int64_t age_ms = 0;
  };
  // Redraws the bars of the stages that have run for over 500 ms (short stages never flash a
  // bar), by stage id, the first 3.
  void show(std::vector<Stage> stages);
  void clear();
  static std::string render(int stage_id, int done, int running, int total, int width);
 private:
  bool enabled_ = false;
  bool drawn_ = false;
  std::string last_;
};

}  // namespace spp::driver
