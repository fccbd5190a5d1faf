// Master UI routes: the embedded page replaces the server-rendered one at "/".
#include "master/ui_routes.h"

#include "web_routes.h"

namespace spp {

void install_master_ui(httplib::Server& svr) { web::install_static_assets(svr, "master.html"); }

}  // namespace spp
