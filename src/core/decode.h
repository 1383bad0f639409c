/* decode.h: internal interface between the parts of the binary decoder (decode*.c, module.c).
 * Not part of the module contract; module.h stays the only thing other layers read. */
#ifndef PITH_CORE_DECODE_H
#define PITH_CORE_DECODE_H

#include "core/module.h"

/* Caps on counts that the spec leaves to implementations. Rejected as "too many locals". */
#define DECODE_MAX_LOCALS 50000u

/* Parses the custom "name" section payload [start, end) of m->bytes and fills
 * m->func_names. Malformed name sections are ignored (m->func_names stays NULL);
 * returns false only when an allocation failed. Needs the import and function counts. */
bool decode_name_section(module *m, size_t start, size_t end);

/* Fills m->import_of_kind from m->imports; false when out of memory. */
bool module_index_imports(module *m);

#endif
