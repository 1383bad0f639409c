/* prepare_api.c: the public entry to pre-instantiation (pre.h), for embedders that create
 * many instances of one component, as pith serve does per request. */
#include "component/pre.h"

pith_status pith_clinker_prepare(pith_clinker *linker, pith_component *c, pith_error *err)
{
    if (!linker || !c) {
        pith_fail(err, PITH_ERR_ARG, SIZE_MAX, "pith_clinker_prepare: no linker or component");
        return PITH_ERR_ARG;
    }
    return clinker_prepare(linker, c, err);
}
