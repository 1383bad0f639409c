/* fuzz_wit.c: libFuzzer target over the WIT front end: any input is parsed and resolved; an
 * accepted package is printed, and the printed text must parse again and print the same
 * (print -> parse -> print fixed point). No crash, hang or leak on any input. */
#include <pith/pith.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Fuzz targets get only the public include dir. */
#include "../../src/wit/wit.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    wit_resolve *r = wit_resolve_new();
    if (!r) return 0;
    pith_error err;
    uint32_t root;
    if (wit_parse_text(r, "fuzz.wit", (const char *)data, size, &root, &err) != PITH_OK) {
        wit_resolve_free(r);
        return 0;
    }
    wit_buf first = {0};
    bool ok = wit_print_package(&first, r, root);
    wit_resolve_free(r);
    if (!ok) {
        wit_buf_free(&first);
        return 0;
    }
    wit_resolve *r2 = wit_resolve_new();
    if (!r2) {
        wit_buf_free(&first);
        return 0;
    }
    if (wit_parse_text(r2, "printed.wit", first.data, first.len, &root, &err) != PITH_OK) {
        fprintf(stderr, "printed text does not parse: %s\n%s\n", err.message, first.data);
        __builtin_trap();
    }
    wit_buf second = {0};
    if (wit_print_package(&second, r2, root) &&
        (second.len != first.len || memcmp(first.data, second.data, first.len) != 0)) {
        fprintf(stderr, "not a fixed point:\n%s\n---\n%s\n", first.data, second.data);
        __builtin_trap();
    }
    wit_buf_free(&first);
    wit_buf_free(&second);
    wit_resolve_free(r2);
    return 0;
}
