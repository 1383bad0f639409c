/* test_wit.c: unit tests of the WIT layer: lexer, semver and kebab checks, every construct
 * of the parser and resolver checked in the model, errors with exact positions, packages
 * from several groups, the builder API with the printer, and print -> parse fixed points. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "wit/wit.h"
#include "wit/wit_int.h"

/* ------------------------------------------------------------------ helpers */

static wit_resolve *parse_ok(const char *src, uint32_t *root) {
    wit_resolve *r = wit_resolve_new();
    assert_non_null(r);
    pith_error err;
    pith_status st = wit_parse_text(r, "t.wit", src, strlen(src), root, &err);
    if (st != PITH_OK) fail_msg("unexpected error: %s", err.message);
    return r;
}

static void parse_err(const char *src, pith_status want, const char *msg) {
    wit_resolve *r = wit_resolve_new();
    assert_non_null(r);
    pith_error err;
    uint32_t root;
    pith_status st = wit_parse_text(r, "t.wit", src, strlen(src), &root, &err);
    if (st == PITH_OK) fail_msg("no error for:\n%s", src);
    if (strcmp(err.message, msg)) fail_msg("message '%s', expected '%s'", err.message, msg);
    assert_int_equal(st, want);
    wit_resolve_free(r);
}

static char *print_pkg(const wit_resolve *r, uint32_t pkg) {
    wit_buf b = {0};
    assert_true(wit_print_package(&b, r, pkg));
    return b.data;
}

static char *type_text(const wit_resolve *r, wit_type t) {
    static char buf[256];
    wit_buf b = {0};
    wit_print_type(&b, r, t);
    snprintf(buf, sizeof buf, "%s", b.data ? b.data : "");
    wit_buf_free(&b);
    return buf;
}

/* print -> parse -> print must not change the text. */
static void assert_fixed_point(const char *text) {
    uint32_t root;
    wit_resolve *r = parse_ok(text, &root);
    char *again = print_pkg(r, root);
    if (strcmp(text, again)) fail_msg("not a fixed point:\n--- first\n%s\n--- second\n%s", text, again);
    free(again);
    wit_resolve_free(r);
}

static uint32_t iface_by_name(const wit_resolve *r, uint32_t pkg, const char *name) {
    uint32_t id = wit_find_interface(r, pkg, name);
    assert_int_not_equal(id, WIT_NONE);
    return id;
}

static const wit_typedef *type_in(const wit_resolve *r, uint32_t iface, const char *name) {
    const wit_interface *in = &r->ifaces[iface];
    for (uint32_t i = 0; i < in->ntypes; i++)
        if (!strcmp(r->types[in->types[i]].name, name)) return &r->types[in->types[i]];
    fail_msg("no type %s", name);
    return NULL;
}

static const wit_func *func_in(const wit_resolve *r, uint32_t iface, const char *name) {
    const wit_interface *in = &r->ifaces[iface];
    for (uint32_t i = 0; i < in->nfuncs; i++)
        if (!strcmp(r->funcs[in->funcs[i]].name, name)) return &r->funcs[in->funcs[i]];
    fail_msg("no function %s", name);
    return NULL;
}

/* ------------------------------------------------------------------ lexer and checks */

static void test_lexer(void **state) {
    (void)state;
    static const char src[] = "/// doc one\n///  two\n// plain\ninterface %record a-B -> @ _ 42 \"s\"";
    wit_source f = {"x.wit", src, sizeof src - 1};
    wit_ctx c = {0};
    pith_error err;
    c.files = &f;
    c.nfiles = 1;
    c.err = &err;
    if (setjmp(c.jb)) fail_msg("lexer error: %s", err.message);
    wit_lexer lx;
    wit_lex_init(&lx, &c, 0);
    wit_tok t;
    wit_lex_next(&lx, &t);
    assert_int_equal(t.kind, WT_ID);
    assert_int_equal(t.kw, KW_INTERFACE);
    assert_string_equal(t.docs, "doc one\n two");
    wit_lex_next(&lx, &t);
    assert_int_equal(t.kind, WT_ID);
    assert_int_equal(t.kw, KW_NONE); /* escaped keyword */
    assert_int_equal(t.len, 6);
    assert_null(t.docs);
    wit_lex_next(&lx, &t);
    assert_int_equal(t.kind, WT_ID);
    assert_int_equal(t.len, 3);
    wit_lex_next(&lx, &t);
    assert_int_equal(t.kind, WT_ARROW);
    wit_lex_next(&lx, &t);
    assert_int_equal(t.kind, WT_AT);
    wit_lex_next(&lx, &t);
    assert_int_equal(t.kind, WT_UNDERSCORE);
    wit_lex_next(&lx, &t);
    assert_int_equal(t.kind, WT_INT);
    wit_lex_next(&lx, &t);
    assert_int_equal(t.kind, WT_STRING);
    wit_lex_next(&lx, &t);
    assert_int_equal(t.kind, WT_EOF);
    char pos[64];
    const wit_pos at = {0, 35};
    wit_pos_text(&c, at, pos, sizeof pos);
    assert_string_equal(pos, "x.wit:4:6");
    arena_free(&c.arena);
}

static void test_semver(void **state) {
    (void)state;
    static const char *const good[] = {"0.0.0", "1.2.3", "10.20.30", "1.0.0-alpha", "1.0.0-alpha.1",
                                       "1.0.0-0.3.7", "1.0.0-x.7.z.92", "1.0.0+20130313144700",
                                       "1.0.0-beta+exp.sha.5114f85", "0.2.12", "1.0.0-rc-1"};
    static const char *const bad[] = {"1", "1.2", "1.2.3.4", "01.2.3", "1.02.3", "1.2.03",
                                      "1.2.3-", "1.2.3+", "1.2.3-01", "1.2.3-a..b", "a.b.c",
                                      "1.2.3-a_b", "", "1..3"};
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++)
        if (!wit_semver_valid(good[i], strlen(good[i]))) fail_msg("rejected %s", good[i]);
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        if (wit_semver_valid(bad[i], strlen(bad[i]))) fail_msg("accepted %s", bad[i]);
}

static void test_kebab(void **state) {
    (void)state;
    char why[128];
    static const char *const good[] = {"a", "abc", "a-b", "XML", "parse-XML-document", "a1-2-3",
                                       "HTTP2", "x-1y"};
    static const char *const bad[] = {"", "-a", "a-", "a--b", "aB", "Ab", "1a", "a_b", "a-bC"};
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++)
        if (!wit_kebab_valid(good[i], strlen(good[i]), why, sizeof why)) fail_msg("rejected %s", good[i]);
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        if (wit_kebab_valid(bad[i], strlen(bad[i]), why, sizeof why)) fail_msg("accepted %s", bad[i]);
    assert_true(!wit_kebab_valid("aB", 2, why, sizeof why));
    assert_string_equal(why, "the word `aB` mixes lower and upper case");
}

/* ------------------------------------------------------------------ constructs */

static void test_types(void **state) {
    (void)state;
    uint32_t root;
    wit_resolve *r = parse_ok(
        "package ns:pkg@1.2.3;\n"
        "interface t {\n"
        "  record point { x: s32, y: list<u8> }\n"
        "  variant v { none, some(string) }\n"
        "  enum e { a, b, c }\n"
        "  flags f { r, w }\n"
        "  type r0 = result;\n"
        "  type r1 = result<u32>;\n"
        "  type r2 = result<_, e>;\n"
        "  type r3 = result<u32, e>;\n"
        "  type tu = tuple<u8, char, bool>;\n"
        "  type op = option<option<f64>>;\n"
        "  type al = point;\n"
        "}\n",
        &root);
    const wit_package *pk = &r->packages[root];
    assert_string_equal(pk->ns, "ns");
    assert_string_equal(pk->name, "pkg");
    assert_string_equal(pk->version, "1.2.3");
    uint32_t t = iface_by_name(r, root, "t");
    assert_int_equal(r->ifaces[t].ntypes, 11);
    const wit_typedef *d = type_in(r, t, "point");
    assert_int_equal(d->kind, WIT_DEF_RECORD);
    assert_int_equal(d->owner_kind, WIT_OWNER_INTERFACE);
    assert_int_equal(d->owner, t);
    assert_int_equal(d->ncases, 2);
    assert_string_equal(d->cases[0].name, "x");
    assert_int_equal(d->cases[0].type, WIT_S32);
    assert_string_equal(type_text(r, d->cases[1].type), "list<u8>");
    d = type_in(r, t, "v");
    assert_int_equal(d->kind, WIT_DEF_VARIANT);
    assert_int_equal(d->cases[0].type, WIT_NONE);
    assert_int_equal(d->cases[1].type, WIT_STRING);
    assert_int_equal(type_in(r, t, "e")->kind, WIT_DEF_ENUM);
    assert_int_equal(type_in(r, t, "f")->ncases, 2);
    d = type_in(r, t, "r0");
    const wit_typedef *res = &r->types[wit_type_def_id(d->a)];
    assert_int_equal(res->kind, WIT_DEF_RESULT);
    assert_int_equal(res->a, WIT_NONE);
    assert_int_equal(res->b, WIT_NONE);
    assert_string_equal(type_text(r, type_in(r, t, "r1")->a), "result<u32>");
    assert_string_equal(type_text(r, type_in(r, t, "r2")->a), "result<_, e>");
    assert_string_equal(type_text(r, type_in(r, t, "r3")->a), "result<u32, e>");
    assert_string_equal(type_text(r, type_in(r, t, "tu")->a), "tuple<u8, char, bool>");
    assert_string_equal(type_text(r, type_in(r, t, "op")->a), "option<option<f64>>");
    d = type_in(r, t, "al");
    assert_int_equal(d->kind, WIT_DEF_ALIAS);
    assert_int_equal(wit_typedef_deref(r, (uint32_t)(d - r->types)),
                     (uint32_t)(type_in(r, t, "point") - r->types));
    wit_resolve_free(r);
}

static void test_resources(void **state) {
    (void)state;
    uint32_t root;
    wit_resolve *r = parse_ok(
        "package a:b;\n"
        "interface i {\n"
        "  resource blob {\n"
        "    constructor(init: list<u8>);\n"
        "    read: func(n: u32) -> list<u8>;\n"
        "    merge: static func(lhs: borrow<blob>, rhs: own<blob>) -> blob;\n"
        "  }\n"
        "  resource file { constructor() -> result<file, string>; }\n"
        "  resource bare;\n"
        "  use-it: func(b: blob, f: borrow<file>);\n"
        "}\n",
        &root);
    uint32_t i = iface_by_name(r, root, "i");
    const wit_typedef *blob = type_in(r, i, "blob");
    uint32_t blob_id = (uint32_t)(blob - r->types);
    assert_int_equal(blob->kind, WIT_DEF_RESOURCE);
    assert_int_equal(r->ifaces[i].nfuncs, 5);
    const wit_func *f = func_in(r, i, "[constructor]blob");
    assert_int_equal(f->kind, WIT_FUNC_CONSTRUCTOR);
    assert_int_equal(f->resource, blob_id);
    assert_int_equal(f->nparams, 1);
    const wit_typedef *own = &r->types[wit_type_def_id(f->result)];
    assert_int_equal(own->kind, WIT_DEF_OWN);
    assert_int_equal(wit_type_def_id(own->a), blob_id);
    f = func_in(r, i, "[method]blob.read");
    assert_int_equal(f->kind, WIT_FUNC_METHOD);
    assert_string_equal(wit_func_item_name(f), "read");
    assert_int_equal(f->nparams, 2);
    assert_string_equal(f->params[0].name, "self");
    assert_string_equal(type_text(r, f->params[0].type), "borrow<blob>");
    f = func_in(r, i, "[static]blob.merge");
    assert_int_equal(f->kind, WIT_FUNC_STATIC);
    assert_string_equal(type_text(r, f->params[1].type), "blob");
    assert_int_equal(r->types[wit_type_def_id(f->params[1].type)].kind, WIT_DEF_OWN);
    f = func_in(r, i, "[constructor]file");
    assert_string_equal(type_text(r, f->result), "result<file, string>");
    f = func_in(r, i, "use-it");
    assert_int_equal(f->kind, WIT_FUNC_FREE);
    assert_int_equal(r->types[wit_type_def_id(f->params[0].type)].kind, WIT_DEF_OWN);
    assert_int_equal(r->types[wit_type_def_id(f->params[1].type)].kind, WIT_DEF_BORROW);
    wit_resolve_free(r);
}

static void test_use_and_worlds(void **state) {
    (void)state;
    uint32_t root;
    wit_resolve *r = parse_ok(
        "package a:b;\n"
        "use c:d/types@1.0.0 as ct;\n"
        "interface x { use ct.{id as cid}; use y.{r}; get: func() -> cid; }\n"
        "interface y { resource r; }\n"
        "world w {\n"
        "  import x;\n"
        "  import f: func();\n"
        "  import host: interface { h: func(); }\n"
        "  export x;\n"
        "}\n"
        "world w2 { include w with { f as g } export e: func(); }\n"
        "package c:d@1.0.0 { interface types { type id = u64; } }\n",
        &root);
    assert_int_equal(r->npackages, 2);
    assert_int_equal(root, 1); /* dependencies come first in the model */
    uint32_t x = iface_by_name(r, root, "x");
    const wit_typedef *cid = type_in(r, x, "cid");
    assert_int_equal(cid->kind, WIT_DEF_ALIAS);
    const wit_typedef *id = &r->types[wit_type_def_id(cid->a)];
    assert_string_equal(id->name, "id");
    assert_int_equal(r->ifaces[id->owner].package, 0);
    uint32_t w = wit_find_world(r, root, "w");
    assert_int_not_equal(w, WIT_NONE);
    const wit_world *ww = &r->worlds[w];
    /* Elaborated: c:d/types and y come before x, which uses them. */
    assert_int_equal(ww->nimports, 5);
    wit_buf b = {0};
    wit_print_interface_name(&b, r, ww->imports[0].id);
    assert_string_equal(b.data, "c:d/types@1.0.0");
    wit_buf_free(&b);
    assert_string_equal(r->ifaces[ww->imports[1].id].name, "y");
    assert_int_equal(ww->imports[2].id, x);
    assert_null(ww->imports[2].name);
    assert_int_equal(ww->imports[3].kind, WIT_ITEM_FUNC);
    assert_string_equal(ww->imports[3].name, "f");
    assert_int_equal(ww->imports[4].kind, WIT_ITEM_INTERFACE);
    assert_string_equal(ww->imports[4].name, "host");
    assert_null(r->ifaces[ww->imports[4].id].name);
    assert_int_equal(ww->nexports, 1);
    const wit_world *w2 = &r->worlds[wit_find_world(r, root, "w2")];
    assert_int_equal(w2->nimports, 5);
    assert_string_equal(w2->imports[3].name, "g");
    assert_int_equal(w2->nexports, 2);
    assert_null(w2->exports[0].name);
    assert_string_equal(w2->exports[1].name, "e");
    wit_resolve_free(r);
}

static void test_gates_and_docs(void **state) {
    (void)state;
    uint32_t root;
    wit_resolve *r = parse_ok(
        "/// pkg docs\n"
        "package a:b@0.2.0;\n"
        "/// iface docs\n"
        "@since(version = 0.2.0)\n"
        "interface i {\n"
        "  /** block\n"
        "   * docs */\n"
        "  @unstable(feature = fancy-thing)\n"
        "  @deprecated(version = 0.2.1)\n"
        "  f: func();\n"
        "}\n",
        &root);
    assert_string_equal(r->packages[root].docs, "pkg docs");
    uint32_t i = iface_by_name(r, root, "i");
    assert_string_equal(r->ifaces[i].docs, "iface docs");
    assert_int_equal(r->ifaces[i].gate.kind, WIT_GATE_SINCE);
    assert_string_equal(r->ifaces[i].gate.since, "0.2.0");
    const wit_func *f = func_in(r, i, "f");
    assert_string_equal(f->docs, "block\ndocs");
    assert_int_equal(f->gate.kind, WIT_GATE_UNSTABLE);
    assert_string_equal(f->gate.feature, "fancy-thing");
    assert_string_equal(f->gate.deprecated, "0.2.1");
    char *text = print_pkg(r, root);
    assert_string_equal(text,
                        "/// pkg docs\n"
                        "package a:b@0.2.0;\n"
                        "\n"
                        "/// iface docs\n"
                        "@since(version = 0.2.0)\n"
                        "interface i {\n"
                        "  /// block\n"
                        "  /// docs\n"
                        "  @unstable(feature = fancy-thing)\n"
                        "  @deprecated(version = 0.2.1)\n"
                        "  f: func();\n"
                        "}\n");
    assert_fixed_point(text);
    free(text);
    wit_resolve_free(r);
}

/* ------------------------------------------------------------------ errors */

static void test_errors(void **state) {
    (void)state;
    static const struct {
        const char *src;
        pith_status st;
        const char *msg;
    } cases[] = {
        {"package a:b;\ninterface i {\n  type x = y;\n}", PITH_ERR_INVALID,
         "t.wit:3:12: type `y` is not defined"},
        {"package a:b;\ninterface i { type x = u32; type x = u8; }", PITH_ERR_INVALID,
         "t.wit:2:34: `x` is defined more than once (first at t.wit:2:20)"},
        {"package a:b;\ninterface i { record r { a: u32 } r: func(); }", PITH_ERR_INVALID,
         "t.wit:2:35: `r` is defined more than once (first at t.wit:2:22)"},
        {"package a:b@1.2;", PITH_ERR_MALFORMED, "t.wit:1:13: invalid semver version `1.2`"},
        {"package a:b@v1;", PITH_ERR_MALFORMED, "t.wit:1:13: invalid semver version `v1`"},
        {"package a:b;\ninterface i { use j.{t}; type u = u8; }\ninterface j { use i.{u}; type t = u8; }",
         PITH_ERR_INVALID, "t.wit:3:19: interface `i` depends on itself (cyclic `use`)"},
        {"package a:b;\ninterface Foo-bar {}", PITH_ERR_MALFORMED,
         "t.wit:2:11: invalid identifier `Foo-bar`: the word `Foo` mixes lower and upper case"},
        {"package a:b;\ninterface i { f: func(a_b: u32); }", PITH_ERR_MALFORMED,
         "t.wit:2:23: invalid identifier `a_b`: `_` is not allowed (identifiers are kebab-case)"},
        {"package a:b;\ninterface i {\n  f: func() -> stream<u8>;\n}", PITH_ERR_UNSUPPORTED,
         "t.wit:3:16: `stream` is not supported in WASI 0.2 (streams and futures are WASI 0.3 features)"},
        {"package a:b;\ninterface i { type f = future; }", PITH_ERR_UNSUPPORTED,
         "t.wit:2:24: `future` is not supported in WASI 0.2 (streams and futures are WASI 0.3 features)"},
        {"package a:b;\ninterface i { f: async func(); }", PITH_ERR_UNSUPPORTED,
         "t.wit:2:18: `async` functions are not supported in WASI 0.2 (async is a WASI 0.3 feature)"},
        {"package a:b;\nworld w { import x: async func(); }", PITH_ERR_UNSUPPORTED,
         "t.wit:2:21: `async` functions are not supported in WASI 0.2 (async is a WASI 0.3 feature)"},
        {"package a:b;\ninterface i { record r { a: list<r> } }", PITH_ERR_INVALID,
         "t.wit:2:22: type `r` refers to itself (recursive types are not allowed)"},
        {"package a:b;\ninterface i { type a = b; type b = a; }", PITH_ERR_INVALID,
         "t.wit:2:20: type `a` refers to itself (recursive types are not allowed)"},
        {"package a:b;\nworld w { import a: func(); import A: func(); }", PITH_ERR_INVALID,
         "t.wit:2:36: import `A` conflicts with an earlier import of the same name"},
        {"package a:b;\nworld v { include w; }\nworld w { include v; }", PITH_ERR_INVALID,
         "t.wit:3:19: world `v` includes itself (cyclic `include`)"},
        {"package a:b;\ninterface i { use x:y/z.{t}; }", PITH_ERR_INVALID,
         "t.wit:2:19: package `x:y` not found (add it to deps/)"},
        {"package a:b;\ninterface i { f: func(x: borrow<u32>); }", PITH_ERR_MALFORMED,
         "t.wit:2:33: expected an identifier, found keyword `u32` (write `%u32` to use it as a name)"},
        {"package a:b;\ninterface i {\n  resource r { constructor(); constructor(); }\n}",
         PITH_ERR_INVALID, "t.wit:3:31: resource `r` has more than one constructor"},
        {"package a:b;\ninterface i { resource r { f: func(self: u8); } }", PITH_ERR_INVALID,
         "t.wit:2:36: parameter `self` is defined more than once (methods have an implicit `self`)"},
        {"package a:b;\ninterface i { resource r { constructor() -> r; } }", PITH_ERR_INVALID,
         "t.wit:2:45: a constructor of `r` must return `r` or `result<r, E>`"},
        {"package a:b;\ninterface i {}\nworld w { include i; }", PITH_ERR_INVALID,
         "t.wit:3:19: `i` is an interface, not a world"},
        {"package a:b;\nworld v { import f: func(); }\nworld w { include v with { g as h } }",
         PITH_ERR_INVALID,
         "t.wit:3:28: `g` is not a plain-named import or export of world `v` (`with` cannot rename "
         "interfaces)"},
        {"interface i {}", PITH_ERR_INVALID,
         "t.wit:1:1: no `package` declaration (every package needs one, e.g. `package ns:name;`)"},
        {"package a:b;\ninterface i {\n  f: func();\n", PITH_ERR_MALFORMED,
         "t.wit:4:1: expected `use`, a type definition or a function, found end of file"},
        {"package a:b;\n/* /* */", PITH_ERR_MALFORMED, "t.wit:2:1: unterminated block comment"},
        {"package a:b;\ninterface i { f: func() -> u32 }", PITH_ERR_MALFORMED,
         "t.wit:2:32: expected `;`, found `}`"},
        {"package a:b;\ninterface i { @since(version = 1.0.0) f: func(); }", PITH_ERR_INVALID,
         "t.wit:2:15: feature gates need a package version (`package a:b@x.y.z`)"},
        {"package a:b@1.0.0;\ninterface i { @deprecated(version = 1.0.0) f: func(); }",
         PITH_ERR_MALFORMED, "t.wit:2:15: `@deprecated` must be paired with `@since` or `@unstable`"},
        {"package a:b;\ninterface i { type t = list<u8, 4>; }", PITH_ERR_UNSUPPORTED,
         "t.wit:2:31: fixed-length lists (`list<T, N>`) are not supported in WASI 0.2"},
        {"package a:b;\ninterface i { enum e {} }", PITH_ERR_MALFORMED,
         "t.wit:2:23: enum `e` must have at least one case"},
        {"package a:b;\ninterface i { use: func(); }", PITH_ERR_MALFORMED,
         "t.wit:2:15: `use` is a keyword; write `%use` to use it as a name"},
        {"package a:b;\n\xc3\x28", PITH_ERR_MALFORMED, "t.wit:2:1: invalid UTF-8"},
        {"package a:b;\ninterface i {}\ninterface i {}", PITH_ERR_INVALID,
         "t.wit:3:11: `i` is defined more than once (first at t.wit:2:11)"},
        {"package a:b;\ninterface i { type t = u8; }\ninterface j { use i.{t, v}; }",
         PITH_ERR_INVALID, "t.wit:3:25: type `v` is not defined in interface `a:b/i`"},
        {"package a:b;\npackage c:d { interface i {} }\npackage c:d { interface j {} }",
         PITH_ERR_INVALID, "t.wit:3:9: package `c:d` is defined more than once"},
        {"package a:b;\ninterface i { resource r; f: func() -> option<borrow<r>>; }", PITH_ERR_INVALID,
         "t.wit:2:40: a function result cannot contain a `borrow` handle (borrows are only allowed "
         "in parameters)"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        wit_resolve *r = wit_resolve_new();
        pith_error err;
        uint32_t root;
        pith_status st = wit_parse_text(r, "t.wit", cases[i].src, strlen(cases[i].src), &root, &err);
        wit_resolve_free(r);
        if (st == PITH_OK || strcmp(err.message, cases[i].msg) || st != cases[i].st)
            fail_msg("case %zu: status %d message '%s', expected %d '%s'", i, st,
                     st == PITH_OK ? "" : err.message, cases[i].st, cases[i].msg);
    }
}

/* ------------------------------------------------------------------ several groups */

static void test_groups(void **state) {
    (void)state;
    static const char root_a[] = "package app:main;\ninterface a { use dep:x/t.{id}; f: func(i: id); }";
    static const char root_b[] = "world w { import a; }";
    static const char dep1[] = "package dep:x@2.0.0;\ninterface t { use dep:y/base.{n}; type id = n; }";
    static const char dep2[] = "package dep:y;\ninterface base { type n = u32; }";
    wit_source rs[] = {{"main/a.wit", root_a, sizeof root_a - 1}, {"main/b.wit", root_b, sizeof root_b - 1}};
    wit_source d1[] = {{"deps/x.wit", dep1, sizeof dep1 - 1}};
    wit_source d2[] = {{"deps/y.wit", dep2, sizeof dep2 - 1}};
    wit_group groups[] = {{rs, 2, "main"}, {d1, 1, "x"}, {d2, 1, "y"}};
    wit_resolve *r = wit_resolve_new();
    pith_error err;
    uint32_t root;
    pith_status st = wit_resolve_groups(r, groups, 3, &root, &err);
    if (st != PITH_OK) fail_msg("%s", err.message);
    assert_int_equal(r->npackages, 3);
    /* Dependencies first: dep:y, then dep:x (which uses it), the root last. */
    assert_string_equal(r->packages[0].name, "y");
    assert_string_equal(r->packages[1].name, "x");
    assert_int_equal(root, 2);
    char *text = print_pkg(r, root);
    assert_string_equal(text,
                        "package app:main;\n"
                        "\n"
                        "interface a {\n"
                        "  use dep:x/t@2.0.0.{id};\n"
                        "\n"
                        "  f: func(i: id);\n"
                        "}\n"
                        "\n"
                        "world w {\n"
                        "  import dep:y/base;\n"
                        "  import dep:x/t@2.0.0;\n"
                        "  import a;\n"
                        "}\n"
                        "\n"
                        "package dep:y {\n"
                        "  interface base {\n"
                        "    type n = u32;\n"
                        "  }\n"
                        "}\n"
                        "\n"
                        "package dep:x@2.0.0 {\n"
                        "  interface t {\n"
                        "    use dep:y/base.{n};\n"
                        "\n"
                        "    type id = n;\n"
                        "  }\n"
                        "}\n");
    assert_fixed_point(text);
    free(text);
    wit_resolve_free(r);

    /* The same dependency twice (identical files) is loaded once. */
    static const char dep2_copy[] = "package dep:y;\ninterface base { type n = u32; }";
    wit_source d2c[] = {{"other/deps/y.wit", dep2_copy, sizeof dep2_copy - 1}};
    wit_group g1[] = {{rs, 2, "main"}, {d1, 1, "x"}, {d2, 1, "y"}, {d2c, 1, "y2"}};
    r = wit_resolve_new();
    st = wit_resolve_groups(r, g1, 4, &root, &err);
    if (st != PITH_OK) fail_msg("%s", err.message);
    assert_int_equal(r->npackages, 3);
    wit_resolve_free(r);

    /* An error in a dependency names its file. */
    static const char bad[] = "package dep:y;\ninterface base { type n = nope; }";
    wit_source d3[] = {{"deps/y.wit", bad, sizeof bad - 1}};
    wit_group g2[] = {{rs, 2, "main"}, {d1, 1, "x"}, {d3, 1, "y"}};
    r = wit_resolve_new();
    assert_int_equal(wit_resolve_groups(r, g2, 3, &root, &err), PITH_ERR_INVALID);
    assert_string_equal(err.message, "deps/y.wit:2:27: type `nope` is not defined");
    wit_resolve_free(r);

    /* Files of one package must agree on its name. */
    static const char other[] = "package app:other;";
    wit_source rs2[] = {{"main/a.wit", root_a, sizeof root_a - 1}, {"main/c.wit", other, sizeof other - 1}};
    wit_group g3[] = {{rs2, 2, "main"}, {d1, 1, "x"}, {d2, 1, "y"}};
    r = wit_resolve_new();
    assert_int_equal(wit_resolve_groups(r, g3, 3, &root, &err), PITH_ERR_INVALID);
    assert_string_equal(err.message, "main/c.wit:1:9: package `app:other` does not match package "
                                     "`app:main` declared at main/a.wit:1:9");
    wit_resolve_free(r);
}

static void test_load_dir(void **state) {
    (void)state;
    wit_resolve *r = wit_resolve_new();
    pith_error err;
    uint32_t root;
    pith_status st = wit_load(r, "tests/wit/ok/dirpkg", NULL, 0, &root, &err);
    if (st != PITH_OK) fail_msg("%s", err.message);
    assert_string_equal(r->packages[root].name, "dirpkg");
    assert_int_equal(r->npackages, 5);
    wit_resolve_free(r);
    r = wit_resolve_new();
    assert_int_equal(wit_load(r, "tests/wit/ok/no-such-dir", NULL, 0, &root, &err), PITH_ERR_IO);
    assert_non_null(strstr(err.message, "no-such-dir"));
    wit_resolve_free(r);
}

static void test_wasi(void **state) {
    (void)state;
    static const char *const pkgs[] = {"io", "clocks", "random", "filesystem", "sockets", "cli", "http"};
    enum { N = sizeof pkgs / sizeof pkgs[0] };
    char paths[N][256];
    for (int i = 0; i < N; i++) snprintf(paths[i], sizeof paths[i], "../shared/spec/wasi-0.2/%s", pkgs[i]);
    FILE *probe = fopen("../shared/spec/wasi-0.2/io/poll.wit", "r");
    if (!probe) skip();
    fclose(probe);
    for (int i = 0; i < N; i++) {
        const char *deps[N];
        size_t nd = 0;
        for (int k = 0; k < N; k++)
            if (k != i) deps[nd++] = paths[k];
        wit_resolve *r = wit_resolve_new();
        pith_error err;
        uint32_t root;
        if (wit_load(r, paths[i], deps, nd, &root, &err) != PITH_OK) fail_msg("%s: %s", pkgs[i], err.message);
        char *text = print_pkg(r, root);
        assert_fixed_point(text);
        free(text);
        wit_resolve_free(r);
    }
}

/* ------------------------------------------------------------------ building by hand */

static void test_builder(void **state) {
    (void)state;
    wit_resolve *r = wit_resolve_new();
    uint32_t io = wit_add_package(r, "wasi", "io", "0.2.0");
    uint32_t poll = wit_add_interface(r, io, "poll");
    uint32_t pollable = wit_add_typedef(r, WIT_DEF_RESOURCE, "pollable", WIT_OWNER_INTERFACE, poll);
    uint32_t ready = wit_add_func(r, WIT_FUNC_METHOD, "[method]pollable.ready", pollable);
    wit_func_add_param(r, ready, "self", wit_type_borrow(r, pollable));
    r->funcs[ready].result = WIT_BOOL;
    wit_interface_add_func(r, poll, ready);
    uint32_t pf = wit_add_func(r, WIT_FUNC_FREE, "poll", WIT_NONE);
    wit_func_add_param(r, pf, "in", wit_type_list(r, wit_type_borrow(r, pollable)));
    r->funcs[pf].result = wit_type_list(r, WIT_U32);
    wit_interface_add_func(r, poll, pf);

    uint32_t app = wit_add_package(r, "root", "component", NULL);
    uint32_t w = wit_add_world(r, app, "root");
    wit_world_add_import(r, w, WIT_ITEM_INTERFACE, NULL, poll);
    uint32_t host = wit_add_interface(r, app, NULL);
    uint32_t alias = wit_add_typedef(r, WIT_DEF_ALIAS, "pollable", WIT_OWNER_INTERFACE, host);
    r->types[alias].a = WIT_TYPE_DEF(pollable);
    uint32_t rec = wit_add_typedef(r, WIT_DEF_RECORD, "options", WIT_OWNER_INTERFACE, host);
    wit_typedef_add_case(r, rec, "timeout", wit_type_option(r, WIT_U64));
    wit_typedef_add_case(r, rec, "type", WIT_STRING); /* a keyword: printed as %type */
    uint32_t wait = wit_add_func(r, WIT_FUNC_FREE, "wait", WIT_NONE);
    wit_func_add_param(r, wait, "p", wit_type_own(r, alias));
    wit_func_add_param(r, wait, "o", WIT_TYPE_DEF(rec));
    wit_type elems[] = {WIT_U8, WIT_STRING};
    r->funcs[wait].result = wit_type_result(r, wit_type_tuple(r, elems, 2), WIT_NONE);
    wit_interface_add_func(r, host, wait);
    wit_world_add_import(r, w, WIT_ITEM_INTERFACE, "host", host);
    uint32_t run = wit_add_func(r, WIT_FUNC_FREE, "run", WIT_NONE);
    r->funcs[run].result = wit_type_result(r, WIT_NONE, WIT_NONE);
    wit_world_add_export(r, w, WIT_ITEM_FUNC, "run", run);
    assert_false(r->oom);

    char *text = print_pkg(r, app);
    assert_string_equal(text,
                        "package root:component;\n"
                        "\n"
                        "world root {\n"
                        "  import wasi:io/poll@0.2.0;\n"
                        "  import host: interface {\n"
                        "    use wasi:io/poll@0.2.0.{pollable};\n"
                        "\n"
                        "    record options {\n"
                        "      timeout: option<u64>,\n"
                        "      %type: string,\n"
                        "    }\n"
                        "\n"
                        "    wait: func(p: pollable, o: options) -> result<tuple<u8, string>>;\n"
                        "  }\n"
                        "\n"
                        "  export run: func() -> result;\n"
                        "}\n"
                        "\n"
                        "package wasi:io@0.2.0 {\n"
                        "  interface poll {\n"
                        "    resource pollable {\n"
                        "      ready: func() -> bool;\n"
                        "    }\n"
                        "\n"
                        "    poll: func(in: list<borrow<pollable>>) -> list<u32>;\n"
                        "  }\n"
                        "}\n");
    assert_fixed_point(text);
    free(text);
    assert_int_equal(wit_find_package(r, "wasi", "io", NULL), io);
    assert_int_equal(wit_find_package(r, "wasi", "io", "0.2.1"), WIT_NONE);
    assert_int_equal(wit_find_interface(r, io, "poll"), poll);
    assert_int_equal(wit_find_world(r, app, "root"), w);
    assert_int_equal(wit_intern_interface(r, "wasi:io/poll@0.2.0"), poll);
    uint32_t streams = wit_intern_interface(r, "wasi:io/streams@0.2.0");
    assert_int_equal(r->ifaces[streams].package, io);
    uint32_t other = wit_intern_interface(r, "wasi:io/poll");
    assert_int_not_equal(other, poll);
    assert_null(r->packages[r->ifaces[other].package].version);
    static const char *const bad[] = {"poll", "wasi:io", "wasi:/x", ":io/x", "wasi:io/", "a:b/c@",
                                      "a:b:c/d", "a:b/c/d"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        if (wit_intern_interface(r, bad[i]) != WIT_NONE) fail_msg("accepted %s", bad[i]);
    wit_resolve_free(r);
}

static void test_fixed_points(void **state) {
    (void)state;
    static const char *const srcs[] = {
        "package a:b;\ninterface %interface { type %type = %interface-x; type %interface-x = u8; }",
        "package a:b;\nworld w { use i.{t}; import f: func(x: t); export g: func() -> t; }\n"
        "interface i { type t = string; }",
        "package a:b@1.0.0;\n@since(version = 1.0.0)\nworld w {\n  @since(version = 1.0.0)\n"
        "  import i;\n  @unstable(feature = x)\n  export j;\n}\ninterface i {}\n"
        "interface j { use i.{}; }",
    };
    for (size_t i = 0; i < 2; i++) {
        uint32_t root;
        wit_resolve *r = parse_ok(srcs[i], &root);
        char *text = print_pkg(r, root);
        assert_fixed_point(text);
        free(text);
        wit_resolve_free(r);
    }
    parse_err(srcs[2], PITH_ERR_MALFORMED, "t.wit:10:22: expected an identifier, found `}`");
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lexer),        cmocka_unit_test(test_semver),
        cmocka_unit_test(test_kebab),        cmocka_unit_test(test_types),
        cmocka_unit_test(test_resources),    cmocka_unit_test(test_use_and_worlds),
        cmocka_unit_test(test_gates_and_docs), cmocka_unit_test(test_errors),
        cmocka_unit_test(test_groups),       cmocka_unit_test(test_load_dir),
        cmocka_unit_test(test_wasi),         cmocka_unit_test(test_builder),
        cmocka_unit_test(test_fixed_points),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
