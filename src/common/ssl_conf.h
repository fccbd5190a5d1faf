// TLS for the web UIs and REST (spark.ssl.*): which PEM files a server uses. Spark's keys and
// namespaces -- spark.ssl.enabled, overridden per server by spark.ssl.<ns>.enabled, with <ns>
// "standalone" (the master's and workers' UIs) or "ui" (an application's UI) -- and, as in
// Spark 4's PEM options, spark.ssl[.<ns>].certChain / .privateKey instead of Java key stores.
#pragma once
#include <string>

#include "common/config.h"
#include "common/status.h"

namespace spp {

struct SslFiles {
  std::string cert_chain;   // PEM: the server certificate, then any intermediates
  std::string private_key;  // PEM, unencrypted; keep it owner-only
  bool enabled() const { return !cert_chain.empty(); }
};

// SslFiles{} when TLS is off for `ns`; an error when it is on without both files or with a file
// that cannot be read.
Result<SslFiles> ssl_files(const Conf& conf, const std::string& ns);

}  // namespace spp
