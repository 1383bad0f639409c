/* annot.c: (@custom ...) and (@producers ...) annotations read as custom sections.
 * Every other annotation is white space; these two are checked strictly, as their bytes land. */
#include "text/annot.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/array.h"
#include "core/reader.h"

/* The section content being built, and what reading it needs. */
typedef struct areader {
    const tok_list *tl;
    const token *t;     /* tl->ann_t */
    const char *what;   /* "@custom" or "@producers", for messages */
    pith_error *err;
    uint8_t *p;
    size_t len, cap;
} areader;

static bool a_fail(areader *r, uint32_t at, const char *msg) {
    char full[128];
    snprintf(full, sizeof full, "%s annotation: %s", r->what, msg);
    return tok_error(r->err, r->tl->filename, &r->t[at], full);
}

static bool a_reserve(areader *r, size_t extra) {
    uint8_t *p = bytes_reserve(r->p, r->len, &r->cap, extra, 64);
    if (!p) return pith_fail(r->err, PITH_ERR_NOMEM, SIZE_MAX, "out of memory");
    r->p = p;
    return true;
}

/* Writes v as unsigned LEB128 (at most 5 bytes) at o; returns its length. */
static size_t put_leb(uint8_t *o, uint32_t v) {
    size_t k = 0;
    do {
        uint8_t byte = v & 0x7f;
        v >>= 7;
        o[k++] = byte | (v ? 0x80 : 0);
    } while (v);
    return k;
}

static bool a_u32(areader *r, uint32_t v) {
    if (!a_reserve(r, 5)) return false;
    r->len += put_leb(r->p + r->len, v);
    return true;
}

static bool a_bytes(areader *r, const void *p, size_t n) {
    if (!a_reserve(r, n)) return false;
    if (n) memcpy(r->p + r->len, p, n);
    r->len += n;
    return true;
}

static bool kw(const areader *r, uint32_t at, const char *word) {
    return r->t[at].kind == TK_KEYWORD && tok_is(r->tl, &r->t[at], word);
}

/* Appends the decoded string token at `at`; a name (length-prefixed, UTF-8) if `name`. */
static bool a_string(areader *r, uint32_t at, bool name, const char *missing) {
    const token *t = &r->t[at];
    if (t->kind != TK_STRING) return a_fail(r, at, missing);
    /* Decoding never grows the text; a name's length prefix takes at most 5 bytes. */
    if (!a_reserve(r, (size_t)t->len + 5)) return false;
    size_t mark = r->len;
    size_t n = lex_string_decode(r->tl->src, t, r->p + mark + 5);
    if (name && !utf8_valid(r->p + mark + 5, n)) return a_fail(r, at, "malformed UTF-8 encoding");
    uint8_t pre[5];
    size_t k = name ? put_leb(pre, (uint32_t)n) : 0;
    memmove(r->p + mark + k, r->p + mark + 5, n);
    memcpy(r->p + mark, pre, k);
    r->len = mark + k + n;
    return true;
}

static const char *const sec_word[SEC_ORDER_N] = {
    "type", "import", "func", "table", "memory", "tag", "global", "export",
    "start", "elem", "datacount", "code", "data"};

/* (before first), (after last) or (before|after SECTION) at `at`, whose ')' is `close`. */
static bool placement(areader *r, uint32_t at, uint32_t close, uint32_t *place) {
    bool after;
    if (kw(r, at + 1, "before")) after = false;
    else if (kw(r, at + 1, "after")) after = true;
    else return a_fail(r, at + 1, "malformed placement, expected before or after");
    uint32_t k = at + 2;
    int sec = -1;
    for (int s = 0; s < SEC_ORDER_N && sec < 0; s++)
        if (kw(r, k, sec_word[s])) sec = s;
    if (sec >= 0) *place = after ? CUSTOM_AFTER(sec) : CUSTOM_BEFORE(sec);
    else if (!after && kw(r, k, "first")) *place = CUSTOM_FIRST;
    else if (after && kw(r, k, "last")) *place = CUSTOM_LAST;
    else return a_fail(r, k, after ? "malformed placement, expected a section kind or last"
                                   : "malformed placement, expected a section kind or first");
    if (k + 1 != close) return a_fail(r, k + 1, "malformed placement, expected )");
    return true;
}

static bool custom_body(areader *r, uint32_t k, uint32_t end, custom_sec *out) {
    if (!a_string(r, k, true, "missing section name")) return false;
    k++;
    if (r->t[k].kind == TK_LPAREN) {
        if (!placement(r, k, r->t[k].match, &out->place)) return false;
        out->placed = true;
        k = r->t[k].match + 1;
    }
    for (; k < end; k++)
        if (!a_string(r, k, false, "unexpected token, expected a string")) return false;
    return true;
}

static const char *const producer_field[3] = {"language", "sdk", "processed-by"};

/* Fields are grouped by kind in the binary (one entry per kind, in producer_field order), so
 * the items are read once per kind; the first round also checks them all. */
static bool producers_body(areader *r, uint32_t first, uint32_t end) {
    uint32_t counts[3] = {0, 0, 0};
    for (uint32_t k = first; k < end; k = r->t[k].match + 1) {
        if (r->t[k].kind != TK_LPAREN) return a_fail(r, k, "unexpected token, expected (");
        int f = -1;
        for (int i = 0; i < 3 && f < 0; i++)
            if (kw(r, k + 1, producer_field[i])) f = i;
        if (f < 0) return a_fail(r, k + 1, "expected language, sdk or processed-by");
        if (r->t[k + 2].kind != TK_STRING) return a_fail(r, k + 2, "expected a name");
        if (r->t[k + 3].kind != TK_STRING) return a_fail(r, k + 3, "expected a version");
        if (k + 4 != r->t[k].match) return a_fail(r, k + 4, "unexpected token, expected )");
        counts[f]++;
    }
    uint32_t nfields = (counts[0] > 0) + (counts[1] > 0) + (counts[2] > 0);
    if (!a_u32(r, nfields)) return false;
    for (int f = 0; f < 3; f++) {
        if (!counts[f]) continue;
        size_t n = strlen(producer_field[f]);
        if (!a_u32(r, (uint32_t)n) || !a_bytes(r, producer_field[f], n) || !a_u32(r, counts[f]))
            return false;
        for (uint32_t k = first; k < end; k = r->t[k].match + 1) {
            if (!kw(r, k + 1, producer_field[f])) continue;
            if (!a_string(r, k + 2, true, "expected a name") ||
                !a_string(r, k + 3, true, "expected a version"))
                return false;
        }
    }
    return true;
}

static bool is_section_id(const tok_list *tl, const token *id) {
    return tok_is(tl, id, "@custom") || tok_is(tl, id, "@producers");
}

bool annot_is_section(const tok_list *tl, uint32_t i) {
    return is_section_id(tl, &tl->ann_t[tl->ann[i].first + 1]);
}

uint32_t annot_section_within(const tok_list *tl, uint32_t from, uint32_t to) {
    for (uint32_t i = tok_annot_from(tl, from + 1); i < tl->nann && tl->ann[i].at <= to; i++)
        if (annot_is_section(tl, i)) return i;
    return UINT32_MAX;
}

bool annot_misplaced(const tok_list *tl, uint32_t i, pith_error *err) {
    const token *open = &tl->ann_t[tl->ann[i].first], *id = open + 1;
    char msg[96];
    snprintf(msg, sizeof msg, "misplaced %.*s annotation", (int)(id->len > 40 ? 40 : id->len),
             tl->src + id->off);
    return tok_error(err, tl->filename, open, msg);
}

bool annot_none_outside(const tok_list *tl, pith_error *err) {
    for (uint32_t i = 0; i < tl->nann; i++) {
        uint32_t at = tl->ann[i].at;
        if ((at == 0 || at == tl->n) && annot_is_section(tl, i)) return annot_misplaced(tl, i, err);
    }
    return true;
}

pith_status annot_section(const tok_list *tl, uint32_t i, custom_sec *out, pith_error *err) {
    memset(out, 0, sizeof *out);
    out->place = CUSTOM_LAST;
    uint32_t open = tl->ann[i].first, end = tl->ann_t[open].match;
    bool producers = tok_is(tl, &tl->ann_t[open + 1], "@producers");
    areader r = {.tl = tl, .t = tl->ann_t, .what = producers ? "@producers" : "@custom",
                 .err = err};
    bool ok;
    if (producers) {
        static const char name[] = "producers";
        ok = a_u32(&r, sizeof name - 1) && a_bytes(&r, name, sizeof name - 1) &&
             producers_body(&r, open + 2, end);
    } else {
        ok = custom_body(&r, open + 2, end, out);
    }
    if (!ok) {
        free(r.p);
        return err->status;
    }
    out->bytes = r.p;
    out->len = r.len;
    return PITH_OK;
}
