/* wat_expect.h: checks for the text encoder's unit tests: a source must encode to exact bytes
 * (EXPECT), or be rejected as malformed with a message part. Define WAT_EXPECT_FILE first. */
#ifndef PITH_TEST_WAT_EXPECT_H
#define PITH_TEST_WAT_EXPECT_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "text/text.h"

/* The file name the encoder puts in its messages ("NAME:line:col: ..."). */
#ifndef WAT_EXPECT_FILE
#define WAT_EXPECT_FILE "t.wat"
#endif

static inline void expect_bytes(const char *src, const uint8_t *want, size_t want_len)
{
    uint8_t *out = NULL;
    size_t len = 0;
    pith_error err;
    pith_status st = text_wat_to_wasm(src, strlen(src), WAT_EXPECT_FILE, &out, &len, &err);
    if (st != PITH_OK) fail_msg("parse failed: %s", err.message);
    if (len != want_len || memcmp(out, want, len) != 0) {
        fprintf(stderr, "got:");
        for (size_t i = 0; i < len; i++) fprintf(stderr, " %02x", out[i]);
        fprintf(stderr, "\n");
        free(out);
        fail_msg("encoding differs (%zu vs %zu bytes)", len, want_len);
    }
    free(out);
}

#define EXPECT(src, ...)                                                                  \
    do {                                                                                  \
        static const uint8_t want_[] = {__VA_ARGS__};                                     \
        expect_bytes(src, want_, sizeof want_);                                           \
    } while (0)

static inline void expect_error(const char *src, const char *msg_part)
{
    uint8_t *out = NULL;
    size_t len = 0;
    pith_error err;
    pith_status st = text_wat_to_wasm(src, strlen(src), WAT_EXPECT_FILE, &out, &len, &err);
    free(out);
    if (st == PITH_OK) fail_msg("accepted: %s", src);
    assert_int_equal(st, PITH_ERR_MALFORMED);
    if (!strstr(err.message, msg_part)) fail_msg("message '%s' lacks '%s'", err.message, msg_part);
}

#endif
