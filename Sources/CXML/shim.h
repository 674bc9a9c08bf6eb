// CXML: libxml2, reached through pkg-config (its headers live under /usr/include/libxml2).
//
// Debian's libxml2 is built with ICU, so encoding.h would pull in ICU's <unicode/ucnv.h>. Swift's Foundation
// carries its own copy of ICU's types, and a module that sees both fails to build ("'UErrorCode' has different
// definitions in different modules"), depending on build order. ossfs never touches libxml2's encoding
// handlers (the only structs whose layout the ICU fields change), so we hide ICU from the import.
#include <libxml/xmlversion.h>
#undef LIBXML_ICU_ENABLED
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xmlreader.h>
#include <libxml/xmlwriter.h>
#include <libxml/uri.h>
