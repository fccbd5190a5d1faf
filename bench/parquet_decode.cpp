// Decode-only throughput of the native Parquet reader (no query): every row group of the given
// files read into batches of the named columns, --runs times; prints the thread's CPU time per
// pass and MB/s of decoded column data (fixed-width columns). Not run by tests.
//   build/bench/parquet_decode [--runs N] [--batch ROWS] COLUMNS FILE...     (COLUMNS: a,b,c)
// --batch: row groups read in batches of ROWS rows as the scan reads them (else whole).
#include <time.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "sql/parquet/file_reader.h"

using namespace spp::sql;

static double cpu_now() {
  timespec t;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return double(t.tv_sec) + double(t.tv_nsec) * 1e-9;
}

int main(int argc, char** argv) {
  int runs = 5, a = 1;
  int64_t batch = 0;
  while (argc - a > 2 && argv[a][0] == '-') {
    if (std::strcmp(argv[a], "--runs") == 0) runs = std::atoi(argv[a + 1]);
    else if (std::strcmp(argv[a], "--batch") == 0) batch = std::atoll(argv[a + 1]);
    else break;
    a += 2;
  }
  if (argc - a < 2) { std::fprintf(stderr, "usage: parquet_decode [--runs N] COLUMNS FILE...\n"); return 2; }
  std::vector<std::string> names;
  for (std::string cs = argv[a]; !cs.empty();) {
    const size_t c = cs.find(',');
    names.push_back(cs.substr(0, c));
    cs = c == std::string::npos ? "" : cs.substr(c + 1);
  }
  std::vector<double> times;
  parquet::ScanBuffers bufs;  // kept across files and runs, as a scan keeps them
  for (int r = 0; r < runs; ++r) {
    int64_t bytes = 0;
    const double t0 = cpu_now();
    for (int f = a + 1; f < argc; ++f) {
      auto file = parquet::ParquetFile::open_path(argv[f]);
      if (!file) { std::fprintf(stderr, "%s\n", file.error_message().c_str()); return 1; }
      std::vector<std::string> want_names;
      std::vector<col::ColType> want_types;
      for (const auto& n : names)
        for (const auto& fl : file.value()->schema().fields)
          if (fl.name == n) { want_names.push_back(n); want_types.push_back(fl.type); }
      auto want = col::make_type(col::ColType::strct(want_names, want_types));
      for (size_t g = 0; g < file.value()->metadata().row_groups.size(); ++g) {
        if (batch > 0) {
          auto& pf = *file.value();
          if (auto s = pf.begin_row_group(int(g), want, batch, &bufs); !s) { std::fprintf(stderr, "%s\n", s.message().c_str()); return 1; }
          while (pf.has_batch()) {
            auto b = pf.next_batch();
            if (!b) { std::fprintf(stderr, "%s\n", b.error_message().c_str()); return 1; }
            for (const auto& c : b.value().columns) bytes += c->length * col::fixed_width(c->id());
          }
          continue;
        }
        auto b = file.value()->read_row_group(int(g), want);
        if (!b) { std::fprintf(stderr, "%s\n", b.error_message().c_str()); return 1; }
        for (const auto& c : b.value().columns) bytes += c->length * col::fixed_width(c->id());
      }
    }
    times.push_back(cpu_now() - t0);
    std::printf("run %d: %.3f s CPU, %.0f MB decoded, %.0f MB/s\n", r, times.back(), bytes / 1e6, bytes / 1e6 / times.back());
  }
  std::sort(times.begin(), times.end());
  std::printf("median %.3f s CPU\n", times[times.size() / 2]);
  return 0;
}
