// libFuzzer target: arbitrary bytes as what a stranger sends before the handshake is over.
// The bytes go through the pre-handshake frame decoder (kHelloMaxFrame) and the catalog, and
// every decoded message drives both handshake cores (common/auth.h), an authenticating acceptor
// and connector. Invariants: nothing crashes, and without the key neither side ever becomes
// ready (a proof cannot be guessed), so a stranger's messages are never delivered.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "common/auth.h"
#include "common/frame.h"
#include "common/messages.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  spp::FrameDecoder d(8192);  // net.h kHelloMaxFrame
  std::vector<spp::Frame> frames;
  size_t cut = size ? data[0] % (size + 1) : 0;
  (void)d.feed(reinterpret_cast<const char*>(data), cut, frames);
  (void)d.feed(reinterpret_cast<const char*>(data) + cut, size - cut, frames);
  std::vector<spp::msg::Envelope> envs;
  for (auto& f : frames)
    if (f.kind == spp::kFrameJson)
      if (auto r = spp::msg::decode_header(f.payload)) envs.push_back(std::move(r->first));
  std::string raw(reinterpret_cast<const char*>(data), size);
  if (auto r = spp::msg::decode_header(raw)) envs.push_back(std::move(r->first));

  const spp::auth::Policy on{true, "fuzz-secret"};
  spp::auth::Acceptor acc(on, "master", "m", std::string(64, 'a'));
  spp::auth::Connector con(on, "worker", "w", std::string(64, 'c'));
  spp::auth::Acceptor open(spp::auth::Policy{}, "master", "m", std::string(64, 'a'));
  for (const auto& e : envs) {
    auto a = acc.on_message(e);
    auto c = con.on_message(e);
    (void)open.on_message(e);
    if (a.ready || c.ready) __builtin_trap();
    if (acc.state() == spp::auth::Acceptor::State::kReady) __builtin_trap();
    if (con.state() == spp::auth::Connector::State::kReady) __builtin_trap();
  }
  return 0;
}
