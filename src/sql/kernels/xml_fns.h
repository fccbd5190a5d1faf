// The xpath family's evaluation (xml.scala, Spark 3.5's XPathExtract over javax.xml XPath)
// through Debian's libxml2, kept in its own library (sparkpp_sql_xml) so only it is compiled
// with libxml2's flags. A path compiles once; each row's document is parsed and evaluated.
#pragma once
#include <memory>
#include <string>
#include <string_view>

#include "sql/kernels/vec.h"

namespace spp::sql::kern {

enum class XKind { Nodes, Bool, Short, Int, Long, Float, Double, String };
struct XPathExpr;  // a compiled path
// nullptr: not a valid XPath.
std::shared_ptr<const XPathExpr> xpath_compile(std::string_view path);
// NULL or empty XML gives NULL; numbers narrow as Java's Double.intValue & co.; Nodes returns
// each matched node's value (NULL for element nodes, as Node.getNodeValue). A document that does
// not parse sets *error (once) and gives NULL.
Vec xpath_eval(XKind k, const XPathExpr& p, const Vec& xml, const ColTypePtr& type, int64_t n, std::string* error);

}  // namespace spp::sql::kern
