// Checks on the web UIs' mutating endpoints (kill an application, ...): same-origin only
// (a page elsewhere cannot make a visitor's browser post here: CSRF), and with authentication
// on, the UI credential (below) as the password of HTTP Basic auth (any user name) or a Bearer
// token. The cluster secret itself is never accepted over HTTP: whoever sees a UI request (a
// proxy, a browser's saved password, plain HTTP on the wire) learns at most the credential,
// which kills applications from the UI and nothing else -- it cannot join the cluster.
// Pure: the caller passes the request's headers and applies the answer.
#pragma once
#include <string>

#include "common/auth.h"

namespace spp {

struct MutationRequest {
  std::string host;           // Host header
  std::string origin;         // Origin header ("" when absent; "null" from sandboxed pages)
  std::string referer;        // Referer header
  std::string authorization;  // Authorization header
};

struct MutationVerdict {
  int status = 200;            // 200 allowed; 403 cross-origin; 401 needs credentials
  std::string message;         // why not, for the response body and the log
  std::string www_authenticate;  // set with 401
  bool allowed() const { return status == 200; }
};

// The UI credential of a cluster secret: hex(HMAC-SHA256(key: secret, message: "sparkpp-ui")),
// 64 characters. `sparkpp secret ui` prints it;
//   printf %s sparkpp-ui | openssl dgst -sha256 -hmac "$(cat SECRET_FILE)"
// computes the same.
std::string ui_credential(const std::string& cluster_secret);

MutationVerdict check_mutation(const MutationRequest& req, const auth::Policy& policy);

}  // namespace spp
