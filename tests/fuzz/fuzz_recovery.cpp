// libFuzzer target: arbitrary bytes as a master recovery file (`worker_<id>.json` /
// `app_<id>.json`, master/persistence.h) parsed as FileStore::read_all does. The first byte
// picks the record kind. Invariants: nothing crashes, and a record it accepts re-serializes and
// parses back to the same record.
#include <cstddef>
#include <cstdint>
#include <string>

#include "common/log.h"
#include "master/persistence.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace spp::master;
  spp::set_log_level(spp::LogLevel::kOff);  // skipped records warn
  if (size == 0) return 0;
  std::string name = (data[0] & 1) ? "app_fuzz" : "worker_fuzz";
  std::string text(reinterpret_cast<const char*>(data) + 1, size - 1);
  nlohmann::json j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return 0;
  StoredState st;
  if (!add_stored_record(st, name, j)) return 0;
  StoredState again;
  nlohmann::json out = st.apps.empty() ? to_json(st.workers.at(0)) : to_json(st.apps.at(0));
  if (!add_stored_record(again, name, nlohmann::json::parse(out.dump())) ||
      (st.apps.empty() ? to_json(again.workers.at(0)) : to_json(again.apps.at(0))) != out)
    __builtin_trap();
  return 0;
}
