// Checks on the web UIs' mutating endpoints (kill an application, ...): same-origin only
// (a page elsewhere cannot make a visitor's browser post here: CSRF), and with authentication
// on, the cluster secret as the password of HTTP Basic auth (any user name) or a Bearer token.
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

MutationVerdict check_mutation(const MutationRequest& req, const auth::Policy& policy);

}  // namespace spp
