// StatusBatch, when an executor sends finished tasks' StatusUpdates: held while every task
// thread has queued work left, sent together, never late, never out of order.
#include <doctest/doctest.h>

#include <vector>

#include "executor/status_batch.h"

using spp::executor::StatusBatch;
using spp::executor::StatusBatchConf;

namespace {
StatusBatchConf conf(int max_updates = 16, int64_t hold_ms = 5, int slack = 2) {
  StatusBatchConf c;
  c.max_updates = max_updates;
  c.max_hold_ms = hold_ms;
  c.slack = slack;
  return c;
}
}  // namespace

TEST_CASE("one-core executor with a queue of 4: three updates leave together, two queued tasks remain") {
  StatusBatch<int> b(conf());
  // Task i ends while `queued` tasks still wait (the thread takes the next one after add()).
  CHECK(b.add(1, true, 0, 4, 1, 100).empty());
  CHECK(b.add(2, true, 0, 3, 1, 100).empty());
  CHECK(b.add(3, true, 0, 2, 1, 101) == std::vector<int>{1, 2, 3});  // 2 left: 2 per thread is the slack
  CHECK(b.held() == 0);
  CHECK(b.add(4, true, 0, 1, 1, 101) == std::vector<int>{4});
  CHECK(b.add(5, true, 0, 0, 1, 101) == std::vector<int>{5});  // nothing queued: at once
}

TEST_CASE("the slack scales with the task threads") {
  StatusBatch<int> b(conf());
  CHECK(b.add(1, true, 0, 5, 2, 0).empty());  // 5 queued > 2 x 2
  CHECK(b.add(2, true, 0, 4, 2, 0) == std::vector<int>{1, 2});
}

TEST_CASE("a failed or killed task sends everything held, in order, at once") {
  StatusBatch<int> b(conf());
  CHECK(b.add(1, true, 0, 10, 1, 0).empty());
  CHECK(b.add(2, true, 0, 9, 1, 0).empty());
  CHECK(b.add(3, false, 0, 8, 1, 0) == std::vector<int>{1, 2, 3});
}

TEST_CASE("at most max_updates updates or max_bytes of results wait") {
  StatusBatch<int> b(conf(3));
  CHECK(b.add(1, true, 0, 100, 1, 0).empty());
  CHECK(b.add(2, true, 0, 100, 1, 0).empty());
  CHECK(b.add(3, true, 0, 100, 1, 0) == std::vector<int>{1, 2, 3});
  StatusBatchConf c = conf();
  c.max_bytes = 1000;
  StatusBatch<int> big(c);
  CHECK(big.add(1, true, 600, 100, 1, 0).empty());
  CHECK(big.add(2, true, 600, 100, 1, 0) == std::vector<int>{1, 2});
  CHECK(big.add(3, true, 600, 100, 1, 0).empty());  // the byte count starts again
}

TEST_CASE("the tick sends what has waited max_hold_ms; a later task end sends an old batch too") {
  StatusBatch<int> b(conf(16, 5));
  CHECK(b.add(1, true, 0, 10, 1, 1000).empty());
  CHECK(b.add(2, true, 0, 9, 1, 1003).empty());
  CHECK(b.tick(1004).empty());  // the oldest has waited 4 ms
  CHECK(b.tick(1005) == std::vector<int>{1, 2});
  CHECK(b.tick(1006).empty());
  CHECK(b.add(3, true, 0, 10, 1, 2000).empty());
  CHECK(b.add(4, true, 0, 10, 1, 2007) == std::vector<int>{3, 4});  // the oldest is 7 ms old
}

TEST_CASE("batching off: every update at once") {
  StatusBatch<int> b(conf(1));
  CHECK(b.add(1, true, 0, 100, 1, 0) == std::vector<int>{1});
  StatusBatch<int> zero(conf(0));
  CHECK(zero.add(1, true, 0, 100, 1, 0) == std::vector<int>{1});
}

TEST_CASE("may_hold: the executor's timer starts only once a hold is possible") {
  StatusBatch<int> b(conf());
  CHECK_FALSE(b.may_hold(2, 1));  // a job of a few tasks: never held, no timer
  CHECK(b.may_hold(3, 1));
  CHECK_FALSE(b.may_hold(4, 2));
  CHECK(b.may_hold(5, 2));
  StatusBatch<int> off(conf(1));
  CHECK_FALSE(off.may_hold(100, 1));
}
