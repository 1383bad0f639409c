/* fuzz_wat.c: libFuzzer target over the text front end: the input is parsed both as a WAT
 * module (encoded to binary) and as a WAST script. Neither may crash, hang or leak. */
#include <pith/pith.h>

#include <stdio.h>
#include <stdlib.h>

/* Fuzz targets get only the public include dir; these headers need nothing else. */
#include "../../src/text/text.h"
#include "../../src/text/wast.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint8_t *out = NULL;
    size_t out_len = 0;
    pith_error err;
    if (text_wat_to_wasm((const char *)data, size, "fuzz.wat", &out, &out_len, &err) == PITH_OK)
        free(out);

    wast_script script;
    if (wast_parse((const char *)data, size, "fuzz.wast", &script, &err) == PITH_OK)
        wast_script_free(&script);
    return 0;
}
