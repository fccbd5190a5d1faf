// Block server request handling without sockets: which paths may be served (only shuffle data
// files inside the scratch dir) and the reply's framing and content.
#include <doctest/doctest.h>

#include <filesystem>

#include "common/frame.h"
#include "common/messages.h"
#include "executor/block_server.h"
#include "shuffle_test_util.h"

using namespace spp;
using namespace spp::executor;
using spp::testing::TempDir;
using spp::testing::write_file;
namespace fs = std::filesystem;

TEST_CASE("block paths: only shuffle data files inside the scratch dir") {
  TempDir outside;
  TempDir d;
  std::string root = d.file("scratch");
  fs::create_directories(root + "/pyfiles");
  fs::create_directories(d.file("scratch2"));
  write_file(root + "/shuffle_1_0_5.data", "data");
  write_file(root + "/shuffle_1_0_5.index", "idx");
  write_file(root + "/pyfiles/mod.py", "x = 1");
  write_file(d.file("scratch2/shuffle_1_0_6.data"), "sibling");
  write_file(outside.file("shuffle_9_9_9.data"), "secret");
  fs::create_symlink(outside.file("shuffle_9_9_9.data"), root + "/shuffle_2_0_1.data");
  fs::create_directories(root + "/shuffle_3_0_1.data");

  auto ok = resolve_block_path(root, root + "/shuffle_1_0_5.data");
  REQUIRE(ok.is_ok());
  CHECK(ok.value() == root + "/shuffle_1_0_5.data");
  // Dot segments that stay inside are fine once canonical.
  CHECK(resolve_block_path(root, root + "/pyfiles/../shuffle_1_0_5.data").is_ok());

  for (const std::string& bad : {
           root + "/shuffle_1_0_5.index",                 // not a data file
           root + "/pyfiles/mod.py",                      // not a shuffle file
           root + "/../scratch2/shuffle_1_0_6.data",      // escapes with ..
           d.file("scratch2/shuffle_1_0_6.data"),         // sibling sharing the prefix
           outside.file("shuffle_9_9_9.data"),            // elsewhere
           root + "/shuffle_2_0_1.data",                  // symlink pointing out
           root + "/shuffle_3_0_1.data",                  // a directory
           root + "/shuffle_4_0_1.data",                  // missing
           std::string("shuffle_1_0_5.data"),             // relative
           std::string("/etc/passwd"),
           std::string(""),
       }) {
    CAPTURE(bad);
    CHECK_FALSE(resolve_block_path(root, bad).is_ok());
  }
  CHECK_FALSE(resolve_block_path("", root + "/shuffle_1_0_5.data").is_ok());  // not ready yet
}

namespace {
struct Reply {
  msg::BlockData head;
  std::vector<std::string> blobs;
};
Reply decode_reply(const std::string& wire) {
  FrameDecoder dec(kDataMaxFrame);
  std::vector<Frame> frames;
  REQUIRE(dec.feed(wire.data(), wire.size(), frames).is_ok());
  REQUIRE(dec.buffered() == 0);
  REQUIRE_FALSE(frames.empty());
  auto h = msg::decode_header(frames[0].payload);
  REQUIRE(h.is_ok());
  REQUIRE(h.value().first.as<msg::BlockData>());
  Reply r;
  r.head = *h.value().first.as<msg::BlockData>();
  REQUIRE(frames.size() == h.value().second + 1);
  for (size_t i = 1; i < frames.size(); ++i) {
    CHECK(frames[i].kind == kFrameBlob);
    r.blobs.push_back(frames[i].payload);
  }
  return r;
}
}  // namespace

TEST_CASE("block reply: requested ranges as blobs, in order") {
  TempDir d;
  write_file(d.file("shuffle_1_0_5.data"), "0123456789abcdef");
  write_file(d.file("shuffle_1_1_6.data"), "ABCDEFGHIJ");
  msg::FetchBlocks req;
  req.req = 42;
  req.shuffle_id = 1;
  req.blocks = {{d.file("shuffle_1_0_5.data"), 10, 6}, {d.file("shuffle_1_1_6.data"), 0, 3}, {d.file("shuffle_1_0_5.data"), 0, 0}};
  std::string error;
  Reply r = decode_reply(build_block_reply(d.path, req, &error));
  CHECK(error.empty());
  CHECK(r.head.req == 42);
  CHECK(r.head.error.empty());
  CHECK(r.blobs == std::vector<std::string>{"abcdef", "ABC", ""});
}

TEST_CASE("block reply: refusals name the failing block and carry no data") {
  TempDir d;
  write_file(d.file("shuffle_1_0_5.data"), "0123456789");
  write_file(d.file("other.data"), "nope");
  struct Case {
    msg::BlockRange bad;
    std::string why;
  };
  for (const Case& c : std::vector<Case>{{{d.file("shuffle_1_0_5.data"), 8, 5}, "past the end"},
                                         {{d.file("shuffle_1_0_5.data"), -1, 2}, "bad byte range"},
                                         {{d.file("shuffle_1_9_9.data"), 0, 1}, "cannot open"},
                                         {{d.file("other.data"), 0, 1}, "not a shuffle data file"},
                                         {{"/etc/hostname", 0, 1}, "refusing"}}) {
    msg::FetchBlocks req;
    req.req = 7;
    req.blocks = {{d.file("shuffle_1_0_5.data"), 0, 2}, c.bad};
    std::string error;
    Reply r = decode_reply(build_block_reply(d.path, req, &error));
    CAPTURE(c.why);
    CHECK(r.head.req == 7);
    CHECK(r.head.failed == 1);
    CHECK(r.head.error.find(c.why) != std::string::npos);
    CHECK(error == r.head.error);
    CHECK(r.blobs.empty());
  }
  msg::FetchBlocks req;
  req.blocks = {{d.file("shuffle_1_0_5.data"), 0, 2}};
  Reply r = decode_reply(build_block_reply("", req));
  CHECK_FALSE(r.head.error.empty());
}

TEST_CASE("block reply: streamed in bounded pieces, the same bytes as the whole reply") {
  TempDir d;
  std::string big(3 * 1000 * 1000 + 7, '\0');
  for (size_t i = 0; i < big.size(); ++i) big[i] = static_cast<char>('a' + i % 26);
  write_file(d.file("shuffle_1_0_5.data"), big);
  write_file(d.file("shuffle_1_1_6.data"), "ABCDEFGHIJ");
  msg::FetchBlocks req;
  req.req = 9;
  req.blocks = {{d.file("shuffle_1_0_5.data"), 5, 2'500'000}, {d.file("shuffle_1_1_6.data"), 0, 0},
                {d.file("shuffle_1_1_6.data"), 2, 8}};
  std::string whole = build_block_reply(d.path, req);
  for (size_t chunk : {size_t{7}, size_t{4096}, size_t{1} << 20}) {
    CAPTURE(chunk);
    BlockReply r = BlockReply::open(d.path, req);
    std::string streamed;
    size_t pieces = 0;
    while (!r.done()) {
      auto p = r.next(chunk);
      REQUIRE(p.is_ok());
      // Never much more than asked: the reply is not read into memory at once.
      CHECK(p.value().size() <= std::max<size_t>(chunk, 1) + 2 * kFrameHeader + 512);
      streamed += p.value();
      if (++pieces > 10'000'000) break;
    }
    CHECK(streamed == whole);
  }
  Reply r = decode_reply(whole);
  REQUIRE(r.blobs.size() == 3);
  CHECK(r.blobs[0] == big.substr(5, 2'500'000));
  CHECK(r.blobs[1].empty());
  CHECK(r.blobs[2] == "CDEFGHIJ");

  SUBCASE("a file that shrinks after the request was checked fails the stream") {
    BlockReply s = BlockReply::open(d.path, req);
    REQUIRE(s.next(1000).is_ok());
    fs::resize_file(d.file("shuffle_1_0_5.data"), 10);
    bool failed = false;
    while (!s.done() && !failed) failed = !s.next(1 << 20).is_ok();
    CHECK(failed);
  }
}
