// Spark-style console progress bar on stderr: [Stage 1:=====>      (12 + 2) / 40]
#pragma once
#include <cstdint>
#include <string>

namespace spp::driver {

class ConsoleProgress {
 public:
  // Enabled only when stderr is a terminal and spark.ui.showConsoleProgress is true.
  void set_enabled(bool on) { enabled_ = on; }
  bool enabled() const { return enabled_; }
  // Redraws the bar if the stage has run for over 500 ms (short stages never flash a bar).
  void show(int stage_id, int done, int running, int total, int64_t stage_age_ms);
  void clear();
  static std::string render(int stage_id, int done, int running, int total, int width);
 private:
  bool enabled_ = false;
  bool drawn_ = false;
  std::string last_;
};

}  // namespace spp::driver
