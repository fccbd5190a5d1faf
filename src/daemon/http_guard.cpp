#include "daemon/http_guard.h"

#include "common/util.h"

namespace spp {
namespace {
// "http://host:port" or "https://host:port" naming exactly `host`, optionally followed by a path.
bool names_host(const std::string& url, const std::string& host, bool path_allowed) {
  for (const char* scheme : {"http://", "https://"}) {
    std::string prefix = std::string(scheme) + host;
    if (url == prefix) return true;
    if (path_allowed && url.size() > prefix.size() && url.compare(0, prefix.size(), prefix) == 0 && url[prefix.size()] == '/')
      return true;
  }
  return false;
}
}  // namespace

std::string ui_credential(const std::string& cluster_secret) {
  return auth::to_hex(auth::hmac_sha256(cluster_secret, "sparkpp-ui"));
}

MutationVerdict check_mutation(const MutationRequest& req, const auth::Policy& policy) {
  MutationVerdict v;
  // Browsers send Origin on every cross-origin POST (and on same-origin fetch POSTs); older ones
  // at least a Referer. Tools such as curl send neither: they are not a victim's browser.
  if (!req.origin.empty()) {
    if (req.host.empty() || !names_host(req.origin, req.host, false)) {
      v.status = 403;
      v.message = "cross-origin request refused (Origin " + req.origin + ")";
      return v;
    }
  } else if (!req.referer.empty() && (req.host.empty() || !names_host(req.referer, req.host, true))) {
    v.status = 403;
    v.message = "cross-origin request refused (Referer does not name this server)";
    return v;
  }
  if (!policy.required) return v;
  std::string given;
  const std::string& a = req.authorization;
  if (a.rfind("Basic ", 0) == 0) {
    auto decoded = base64_decode(a.substr(6));
    if (decoded) {
      size_t colon = decoded->find(':');
      if (colon != std::string::npos) given = decoded->substr(colon + 1);
    }
  } else if (a.rfind("Bearer ", 0) == 0) {
    given = a.substr(7);
  }
  if (given.empty() || policy.key.empty() || !auth::equal_ct(given, ui_credential(policy.key))) {
    v.status = 401;
    v.message = "authentication required: the UI credential (`sparkpp secret ui`, derived from the cluster secret) "
                "as the password";
    // Someone tried the secret itself: say so (it is not accepted, and should not be sent here).
    if (!given.empty() && !policy.key.empty() && auth::equal_ct(given, policy.key))
      v.message += "; the cluster secret itself is never accepted over HTTP";
    v.www_authenticate = "Basic realm=\"sparkpp\", charset=\"UTF-8\"";
  }
  return v;
}

}  // namespace spp
