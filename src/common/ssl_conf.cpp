#include "common/ssl_conf.h"

#include <unistd.h>

#include <cctype>

namespace spp {
namespace {
std::string lower_trimmed(std::string s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.pop_back();
  size_t i = 0;
  while (i < s.size() && std::isspace(static_cast<unsigned char>(s[i]))) ++i;
  s.erase(0, i);
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// spark.ssl.<ns>.<name> if set, else spark.ssl.<name>.
std::string ns_get(const Conf& conf, const std::string& ns, const std::string& name) {
  std::string k = "spark.ssl." + ns + "." + name;
  return conf.contains(k) ? conf.get(k) : conf.get("spark.ssl." + name);
}
}  // namespace

Result<SslFiles> ssl_files(const Conf& conf, const std::string& ns) {
  std::string on = lower_trimmed(ns_get(conf, ns, "enabled"));
  if (on != "true") {
    if (!on.empty() && on != "false")
      return Result<SslFiles>::error("spark.ssl." + ns + ".enabled / spark.ssl.enabled: not a boolean: '" + on + "'");
    return SslFiles{};
  }
  SslFiles f{ns_get(conf, ns, "certChain"), ns_get(conf, ns, "privateKey")};
  if (f.cert_chain.empty() || f.private_key.empty())
    return Result<SslFiles>::error("TLS is enabled for the " + ns + " web UI (spark.ssl." + ns +
                                   ".enabled or spark.ssl.enabled) but spark.ssl[." + ns +
                                   "].certChain and spark.ssl[." + ns + "].privateKey (PEM files) are not both set");
  for (const auto* p : {&f.cert_chain, &f.private_key})
    if (::access(p->c_str(), R_OK) != 0) return Result<SslFiles>::error("TLS: cannot read '" + *p + "'");
  return f;
}

}  // namespace spp
