/* fuzz_component.c: libFuzzer target over component decode + validate (pith_component_new);
 * any input must be accepted or rejected with an error, never crash, hang or leak. */
#include <stddef.h>
#include <stdint.h>

#include "pith/component.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static pith_engine *engine;
    if (!engine)
        engine = pith_engine_new(NULL);
    pith_component *c = NULL;
    pith_error err;
    if (pith_component_new(engine, data, size, &c, &err) == PITH_OK)
        pith_component_free(c);
    return 0;
}
