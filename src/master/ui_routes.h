// The master's web UI pages (web/master.html, rendered in the browser from /json), added to the
// daemon's status HTTP server.
#pragma once
#include <httplib.h>

namespace spp {

// Serves "/" (the page) and /static/* from the embedded web assets.
void install_master_ui(httplib::Server& svr);

}  // namespace spp
