// xpath functions through libxml2 (xml_fns.h).
#include "sql/kernels/xml_fns.h"

#include <libxml/parser.h>
#include <libxml/xpath.h>

#include <cmath>
#include <limits>
#include <mutex>

#include "sql/columnar/builder.h"
#include "sql/kernels/fn_util.h"

namespace spp::sql::kern {

namespace {
void quiet(void*, const char*, ...) {}

void init_xml() {
  static std::once_flag once;
  std::call_once(once, [] {
    xmlInitParser();
    xmlSetGenericErrorFunc(nullptr, quiet);
  });
}

template <typename T>
T narrow(double d) {  // Java's (int) / (long) of a double: NaN 0, saturating
  if (std::isnan(d)) return 0;
  if (d >= double(std::numeric_limits<T>::max())) return std::numeric_limits<T>::max();
  if (d <= double(std::numeric_limits<T>::min())) return std::numeric_limits<T>::min();
  return T(d);
}
}  // namespace

struct XPathExpr {
  xmlXPathCompExprPtr comp = nullptr;
  ~XPathExpr() { if (comp) xmlXPathFreeCompExpr(comp); }
};

std::shared_ptr<const XPathExpr> xpath_compile(std::string_view path) {
  init_xml();
  auto p = std::make_shared<XPathExpr>();
  std::string ps(path);
  p->comp = xmlXPathCompile(reinterpret_cast<const xmlChar*>(ps.c_str()));
  if (!p->comp) return nullptr;
  return p;
}

Vec xpath_eval(XKind k, const XPathExpr& p, const Vec& xml, const ColTypePtr& type, int64_t n, std::string* error) {
  StrArg X(xml);
  col::ColumnBuilder b(type);
  b.reserve(n);
  for (int64_t i = 0; i < n; ++i) {
    if (X.null(i) || X[i].empty()) { b.append_null(); continue; }
    std::string_view s = X[i];
    xmlDocPtr doc = xmlReadMemory(s.data(), int(s.size()), nullptr, nullptr,
                                  XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
    if (!doc) {
      if (error && error->empty()) *error = "java.lang.RuntimeException: Invalid XML document: " + std::string(s);
      b.append_null();
      continue;
    }
    xmlXPathContextPtr xc = xmlXPathNewContext(doc);
    xc->node = reinterpret_cast<xmlNodePtr>(doc);  // relative paths from the document, as javax.xml
    xmlXPathObjectPtr o = xmlXPathCompiledEval(p.comp, xc);
    if (!o) {
      b.append_null();
    } else {
      switch (k) {
        case XKind::Bool: b.append_bool(xmlXPathCastToBoolean(o) != 0); break;
        case XKind::Double: b.append<double>(xmlXPathCastToNumber(o)); break;
        case XKind::Float: b.append<float>(float(xmlXPathCastToNumber(o))); break;
        case XKind::Long: b.append<int64_t>(narrow<int64_t>(xmlXPathCastToNumber(o))); break;
        case XKind::Int: b.append<int32_t>(narrow<int32_t>(xmlXPathCastToNumber(o))); break;
        case XKind::Short: b.append<int16_t>(int16_t(narrow<int32_t>(xmlXPathCastToNumber(o)))); break;
        case XKind::String: {
          xmlChar* v = xmlXPathCastToString(o);
          b.append_str(v ? reinterpret_cast<const char*>(v) : "");
          xmlFree(v);
          break;
        }
        case XKind::Nodes: {
          if (o->type != XPATH_NODESET) { b.append_null(); break; }
          auto& e = b.child(0);
          const xmlNodeSetPtr ns = o->nodesetval;
          for (int j = 0; ns && j < ns->nodeNr; ++j) {
            xmlNodePtr nd = ns->nodeTab[j];
            if (nd->type == XML_ELEMENT_NODE || nd->type == XML_DOCUMENT_NODE) { e.append_null(); continue; }
            xmlChar* v = xmlNodeGetContent(nd);
            if (v) e.append_str(reinterpret_cast<const char*>(v));
            else e.append_null();
            xmlFree(v);
          }
          b.finish_list();
          break;
        }
      }
      xmlXPathFreeObject(o);
    }
    xmlXPathFreeContext(xc);
    xmlFreeDoc(doc);
  }
  return Vec::flat(b.finish());
}

}  // namespace spp::sql::kern
