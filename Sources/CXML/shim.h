// CXML: libxml2, reached through pkg-config (its headers live under /usr/include/libxml2).
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xmlreader.h>
#include <libxml/xmlwriter.h>
#include <libxml/uri.h>
