// Micro-benchmark of SQL kernels and operators: CPU ns per row on 4,096-row batches.
// Run: ./build/bench/sql_kernels   (figures in docs/benchmarks.md)
#include <algorithm>
#include <ctime>
#include <fstream>
#include <malloc.h>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <random>

#include "sql/columnar/builder.h"
#include "sql/exec/aggregate.h"
#include "sql/exec/sort.h"
#include "sql/kernels/string_fns.h"
#include "sql/kernels/arith.h"
#include "sql/kernels/cast.h"
#include "sql/kernels/compare.h"
#include "sql/kernels/hash.h"

using namespace spp::sql;
using namespace spp::sql::kern;

namespace {
constexpr int64_t kRows = 4096;

// Process CPU time, not wall time: the machine is shared, and these kernels run on one thread.
double cpu_ns() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return double(ts.tv_sec) * 1e9 + double(ts.tv_nsec);
}

double ns_per_row(int64_t rows_per_iter, const std::function<void()>& f) {
  for (int i = 0; i < 3; ++i) f();  // warm up
  int iters = 0;
  const double t0 = cpu_ns();
  double el = 0;
  do {
    f();
    ++iters;
    el = cpu_ns() - t0;
  } while (el < 3e8);
  return el / (double(iters) * double(rows_per_iter));
}
}  // namespace

int main(int argc, char** argv) {
  mallopt(M_MMAP_THRESHOLD, 32 << 20);  // as executors run (src/main.cpp)
  mallopt(M_TRIM_THRESHOLD, 256 << 20);
  std::mt19937_64 rng(1);
  col::ColumnBuilder lb(type_of(TypeId::Long)), db(type_of(TypeId::Double)), sb(type_of(TypeId::String)), nb(type_of(TypeId::Long));
  for (int64_t i = 0; i < kRows; ++i) {
    lb.append<int64_t>(int64_t(rng() % 1000000));
    db.append<double>(double(rng() % 1000) / 7.0);
    sb.append_str(std::to_string(rng() % 100000));
    if (i % 10 == 0) nb.append_null(); else nb.append<int64_t>(int64_t(i));
  }
  Vec l = Vec::flat(lb.finish()), d = Vec::flat(db.finish()), s = Vec::flat(sb.finish()), nl = Vec::flat(nb.finish());
  col::ColumnBuilder one(type_of(TypeId::Long));
  one.append<int64_t>(7);
  Vec c7 = Vec::constant_of(one.finish());
  col::ColumnBuilder onef(type_of(TypeId::Double));
  onef.append<double>(50.0);
  Vec c50 = Vec::constant_of(onef.finish());

  std::printf("%-44s %8s\n", "kernel (4096-row batches)", "ns/row");
  std::printf("%-44s %8.2f\n", "add bigint + literal (no nulls)", ns_per_row(kRows, [&] { arith(ArithOp::Add, l, c7, type_of(TypeId::Long), kRows); }));
  std::printf("%-44s %8.2f\n", "add bigint + bigint (10% nulls)", ns_per_row(kRows, [&] { arith(ArithOp::Add, nl, l, type_of(TypeId::Long), kRows); }));
  std::printf("%-44s %8.2f\n", "double > literal", ns_per_row(kRows, [&] { compare(CmpOp::Gt, d, c50, kRows); }));
  std::printf("%-44s %8.2f\n", "double > literal, then selection vector", ns_per_row(kRows, [&] { select_true(compare(CmpOp::Gt, d, c50, kRows), kRows, nullptr); }));
  std::printf("%-44s %8.2f\n", "string = string", ns_per_row(kRows, [&] { compare(CmpOp::Eq, s, s, kRows); }));
  std::printf("%-44s %8.2f\n", "murmur3 hash(bigint, string)", ns_per_row(kRows, [&] { hash({l, s}, kRows); }));
  std::printf("%-44s %8.2f\n", "cast string -> int", ns_per_row(kRows, [&] { cast(s, type_of(TypeId::Int), kRows); }));
  std::printf("%-44s %8.2f\n", "cast double -> string", ns_per_row(kRows, [&] { cast(d, type_of(TypeId::String), kRows); }));

  // Operators over 64 batches.
  auto schema = col::make_type(col::ColType::strct({"k", "v"}, {col::ColType::scalar(TypeId::Long), col::ColType::scalar(TypeId::Double)}));
  std::vector<col::Batch> batches;
  for (int b = 0; b < 64; ++b) {
    col::BatchBuilder bb(schema);
    for (int64_t i = 0; i < kRows; ++i) { bb.column(0).append<int64_t>(int64_t(rng() % 10000)); bb.column(1).append<double>(double(i)); }
    batches.push_back(bb.finish());
  }
  exec::MemoryManager mm(int64_t(1) << 32);
  exec::ExecContext ctx;
  ctx.memory = &mm;
  auto k = exec::col_ref(0, type_of(TypeId::Long));
  auto v = exec::col_ref(1, type_of(TypeId::Double));
  std::printf("%-44s %8.2f\n", "hash aggregate sum(v) by k (10k groups)", ns_per_row(64 * kRows, [&] {
    auto op = exec::make_hash_aggregate(exec::make_source(schema, batches), {k}, {"k"},
                                        {{exec::AggFn::Sum, v, nullptr, false, "s"}}, exec::AggMode::Complete, ctx);
    (void)exec::drain(*op);
  }));
  std::printf("%-44s %8.2f\n", "sort by k (262k rows, in memory)", ns_per_row(64 * kRows, [&] {
    auto op = exec::make_sort(exec::make_source(schema, batches), {exec::SortKey::asc(k)}, ctx);
    (void)exec::drain(*op);
  }));

  // Word count pieces (W1 on the DataFrame engine): 1 MB batches of 8..12-word lines — the first
  // 8 MB of W1's text.txt when it is there (Zipf-distributed words: what the table really sees;
  // path from argv[1], default /tmp/sparkpp-bench-data/text.txt), else uniform random words.
  // argv[2]: MB to read instead of 8 (100: one of W1's two tasks, its table at full size).
  auto text = col::make_type(col::ColType::strct({"value"}, {col::ColType::scalar(TypeId::String)}));
  std::vector<col::Batch> lines;
  int64_t words = 0;
  std::ifstream real(argc > 1 ? argv[1] : "/tmp/sparkpp-bench-data/text.txt");
  const int text_mb = argc > 2 ? std::max(1, std::atoi(argv[2])) : 8;
  for (int b = 0; b < text_mb; ++b) {
    col::BatchBuilder bb(text);
    for (int64_t bytes = 0; bytes < (1 << 20);) {
      std::string line;
      if (real) {
        if (!std::getline(real, line)) break;
        words += 1 + int64_t(std::count(line.begin(), line.end(), ' '));
      } else {
        int n = 8 + int(rng() % 5);
        for (int w = 0; w < n; ++w) line += (w ? " w" : "w") + std::to_string(rng() % 50000);
        words += n;
      }
      bytes += int64_t(line.size()) + 1;
      bb.column(0).append_str(line);
    }
    lines.push_back(bb.finish());
  }
  std::printf("(word count input: %s, %lld words)\n", real ? "text.txt" : "random words", static_cast<long long>(words));
  auto value = exec::col_ref(0, type_of(TypeId::String));
  auto split_e = exec::split(value, " ").value();
  std::printf("%-44s %8.2f\n", "split(value, ' ') (per word)", ns_per_row(words, [&] {
    for (const auto& b : lines) (void)exec::eval_flat(*split_e, b, ctx.eval);
  }));
  std::printf("%-44s %8.2f\n", "explode(split(value, ' ')) (per word)", ns_per_row(words, [&] {
    auto op = exec::make_generate(exec::make_source(text, lines), split_e, false, false, ctx, std::vector<int>{});
    (void)exec::drain(*op);
  }));
  std::printf("%-44s %8.2f\n", "word count, partial (per word)", ns_per_row(words, [&] {
    auto gen = exec::make_generate(exec::make_source(text, lines), split_e, false, false, ctx, std::vector<int>{});
    auto w = exec::col_ref(0, type_of(TypeId::String));
    auto op = exec::make_hash_aggregate(std::move(gen), {w}, {"word"}, {{exec::AggFn::CountStar, nullptr, nullptr, false, "count"}},
                                        exec::AggMode::Partial, ctx);
    (void)exec::drain(*op);
  }));
  return 0;
}
