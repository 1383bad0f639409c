/* wit.h: the WIT layer: a resolved model of WIT packages (interfaces, worlds, types and
 * functions) that is parsed from text or built by hand, and printed back as canonical WIT. */
#ifndef PITH_WIT_H
#define PITH_WIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pith/pith.h"

/* Model entities live in arrays of a wit_resolve and refer to each other by index; an index
 * stays valid for the life of the resolve, a pointer into an array does not (arrays grow).
 * WIT_NONE is "no entity" / "no type". */
#define WIT_NONE UINT32_MAX

/* ------------------------------------------------------------------ types */

typedef enum wit_prim {
    WIT_BOOL, WIT_S8, WIT_U8, WIT_S16, WIT_U16, WIT_S32, WIT_U32, WIT_S64, WIT_U64,
    WIT_F32, WIT_F64, WIT_CHAR, WIT_STRING,
    WIT_PRIM_COUNT
} wit_prim;

/* A value type: a primitive (< WIT_PRIM_COUNT) or a type definition (WIT_TYPE_DEF(id)).
 * WIT_NONE where a type is optional (a function without result, a payload-less case). */
typedef uint32_t wit_type;
#define WIT_TYPE_DEF(id) ((wit_type)(id) + (wit_type)WIT_PRIM_COUNT)
static inline bool wit_type_is_def(wit_type t) { return t != WIT_NONE && t >= WIT_PRIM_COUNT; }
static inline uint32_t wit_type_def_id(wit_type t) { return t - (uint32_t)WIT_PRIM_COUNT; }

typedef enum wit_def_kind {
    WIT_DEF_ALIAS,      /* type x = a;  also a `use`d name: an alias of the other interface's type */
    WIT_DEF_RECORD,     /* cases = fields */
    WIT_DEF_VARIANT,    /* cases, type WIT_NONE when a case has no payload */
    WIT_DEF_ENUM,       /* cases, no types */
    WIT_DEF_FLAGS,      /* cases, no types */
    WIT_DEF_RESOURCE,   /* its functions are in the owner's function list (kind != FREE) */
    WIT_DEF_TUPLE,      /* cases without names */
    WIT_DEF_LIST,       /* a = element */
    WIT_DEF_OPTION,     /* a = payload */
    WIT_DEF_RESULT,     /* a = ok, b = err; either WIT_NONE */
    WIT_DEF_OWN,        /* a = WIT_TYPE_DEF(resource or alias of one); printed as the bare name */
    WIT_DEF_BORROW      /* a = WIT_TYPE_DEF(resource or alias of one) */
} wit_def_kind;

typedef enum wit_owner_kind { WIT_OWNER_NONE, WIT_OWNER_INTERFACE, WIT_OWNER_WORLD } wit_owner_kind;

/* Feature gate of an item: @since(version = v) or @unstable(feature = f), optionally with
 * @deprecated(version = d). Strings are NULL when absent. */
typedef enum wit_gate_kind { WIT_GATE_NONE, WIT_GATE_SINCE, WIT_GATE_UNSTABLE } wit_gate_kind;
typedef struct wit_gate {
    wit_gate_kind kind;
    const char *since;
    const char *feature;
    const char *deprecated;
} wit_gate;

/* A named field (record), case (variant/enum/flags), tuple element (name NULL) or function
 * parameter. docs: doc comment text (lines joined by '\n'), or NULL. */
typedef struct wit_case {
    const char *name;
    wit_type type;
    const char *docs;
} wit_case;

typedef struct wit_typedef {
    wit_def_kind kind;
    const char *name;               /* NULL for anonymous types (list<..>, own<..>, ...) */
    wit_owner_kind owner_kind;
    uint32_t owner;                 /* interface or world index */
    const char *docs;
    wit_gate gate;
    wit_type a, b;                  /* see wit_def_kind */
    wit_case *cases;
    uint32_t ncases, cap_cases;
} wit_typedef;

typedef enum wit_func_kind {
    WIT_FUNC_FREE, WIT_FUNC_METHOD, WIT_FUNC_STATIC, WIT_FUNC_CONSTRUCTOR
} wit_func_kind;

/* A function. name is the component-level name: "f", "[method]r.m", "[static]r.s",
 * "[constructor]r". A method's first parameter is `self: borrow<r>`, a constructor's result
 * is own<r> or result<r, e>. */
typedef struct wit_func {
    const char *name;
    wit_func_kind kind;
    uint32_t resource;              /* typedef index of the resource, or WIT_NONE */
    wit_case *params;
    uint32_t nparams, cap_params;
    wit_type result;                /* WIT_NONE: no result */
    const char *docs;
    wit_gate gate;
} wit_func;

typedef struct wit_interface {
    const char *name;               /* NULL for an inline interface of a world */
    uint32_t package;               /* WIT_NONE if none */
    const char *docs;
    wit_gate gate;
    uint32_t *types;                /* named typedefs in order (incl. `use`d aliases) */
    uint32_t ntypes, cap_types;
    uint32_t *funcs;                /* functions in order, resource functions included */
    uint32_t nfuncs, cap_funcs;
} wit_interface;

typedef enum wit_item_kind { WIT_ITEM_INTERFACE, WIT_ITEM_FUNC, WIT_ITEM_TYPE } wit_item_kind;

/* An import or export of a world. name is the plain name (`import foo: func();`,
 * `import foo: interface {..}`, a type), or NULL for an interface imported by its
 * interface name (`import wasi:io/poll@0.2.0;`). id: interface, function or typedef index. */
typedef struct wit_world_item {
    wit_item_kind kind;
    const char *name;
    uint32_t id;
    const char *docs;
    wit_gate gate;
} wit_world_item;

/* A world after elaboration: includes are merged in, and every interface the items
 * depend on through `use` is imported (dependencies before their users). */
typedef struct wit_world {
    const char *name;
    uint32_t package;
    const char *docs;
    wit_gate gate;
    wit_world_item *imports;
    uint32_t nimports, cap_imports;
    wit_world_item *exports;
    uint32_t nexports, cap_exports;
} wit_world;

typedef struct wit_package {
    const char *ns, *name, *version;    /* version NULL if none */
    const char *docs;
    uint32_t *ifaces;
    uint32_t nifaces, cap_ifaces;
    uint32_t *worlds;
    uint32_t nworlds, cap_worlds;
} wit_package;

struct arena;

/* The container of everything. Read the arrays directly; change them only through the
 * functions below. */
typedef struct wit_resolve {
    wit_package *packages;
    uint32_t npackages, cap_packages;
    wit_interface *ifaces;
    uint32_t nifaces, cap_ifaces;
    wit_world *worlds;
    uint32_t nworlds, cap_worlds;
    wit_typedef *types;
    uint32_t ntypes, cap_types;
    wit_func *funcs;
    uint32_t nfuncs, cap_funcs;
    struct arena *strings;      /* every string of the model */
    bool oom;                       /* sticky: an allocation failed; the model is incomplete */
} wit_resolve;

/* ------------------------------------------------------------------ building */

/* Building a model by hand (e.g. from a component's type) follows what the resolver makes:
 * - a type of another interface is referenced through an alias owned by the referencing
 *   interface or world (WIT_DEF_ALIAS with a = WIT_TYPE_DEF(that type)); the printer shows
 *   it as `use other.{name}` (or `use other.{name as alias}`);
 * - a resource handle is an anonymous WIT_DEF_OWN / WIT_DEF_BORROW of the resource or of
 *   such an alias; records, variants, enums, flags and resources must be named;
 * - resource functions go in the owner's function list (interface) or are FUNC imports
 *   (world) with kind and resource set; a method's first parameter is `self: borrow<r>`;
 * - a world's types are TYPE imports; interfaces imported by interface name have name NULL,
 *   inline interfaces have a plain name and an interface without name;
 * - worlds are printed as they are: add the interfaces that items `use` as imports first
 *   (the resolver's elaboration does this for parsed worlds). */

wit_resolve *wit_resolve_new(void);
void wit_resolve_free(wit_resolve *r);

/* Copies a string into the resolve (NULL stays NULL; NULL on allocation failure). */
const char *wit_strdup(wit_resolve *r, const char *s);

/* Every adder returns the new index, or WIT_NONE when out of memory (r->oom is then set).
 * Strings are copied. Adders do not check names; parsed input is checked by the resolver. */
uint32_t wit_add_package(wit_resolve *r, const char *ns, const char *name, const char *version);
/* A named interface is listed in its package; pkg may be WIT_NONE, name NULL (inline). */
uint32_t wit_add_interface(wit_resolve *r, uint32_t pkg, const char *name);
uint32_t wit_add_world(wit_resolve *r, uint32_t pkg, const char *name);
/* A named typedef owned by an interface is appended to its type list. A world's types are
 * world items: add them with wit_world_add_import(.., WIT_ITEM_TYPE, ..). */
uint32_t wit_add_typedef(wit_resolve *r, wit_def_kind kind, const char *name,
                         wit_owner_kind owner_kind, uint32_t owner);
/* Appends a field/case/element to a record, variant, enum, flags or tuple. */
bool wit_typedef_add_case(wit_resolve *r, uint32_t def, const char *name, wit_type type);
/* Anonymous types. Return WIT_NONE when out of memory. */
wit_type wit_type_list(wit_resolve *r, wit_type elem);
wit_type wit_type_option(wit_resolve *r, wit_type payload);
wit_type wit_type_result(wit_resolve *r, wit_type ok, wit_type err);
wit_type wit_type_tuple(wit_resolve *r, const wit_type *elems, uint32_t n);
wit_type wit_type_own(wit_resolve *r, uint32_t resource);
wit_type wit_type_borrow(wit_resolve *r, uint32_t resource);

/* A function (not yet attached anywhere). name is the component-level name (see wit_func). */
uint32_t wit_add_func(wit_resolve *r, wit_func_kind kind, const char *name, uint32_t resource);
bool wit_func_add_param(wit_resolve *r, uint32_t func, const char *name, wit_type type);
bool wit_interface_add_func(wit_resolve *r, uint32_t iface, uint32_t func);
bool wit_world_add_import(wit_resolve *r, uint32_t world, wit_item_kind kind, const char *name,
                          uint32_t id);
bool wit_world_add_export(wit_resolve *r, uint32_t world, wit_item_kind kind, const char *name,
                          uint32_t id);

/* The interface named "ns:pkg/iface" or "ns:pkg/iface@version" (a component's import or
 * export name), added with its package when missing. WIT_NONE if the name has another form
 * or memory ran out. */
uint32_t wit_intern_interface(wit_resolve *r, const char *name);

/* ------------------------------------------------------------------ queries */

/* Exact match; with version NULL, the package without version or else the only one of
 * that ns:name. WIT_NONE if not found. */
uint32_t wit_find_package(const wit_resolve *r, const char *ns, const char *name,
                          const char *version);
uint32_t wit_find_interface(const wit_resolve *r, uint32_t pkg, const char *name);
uint32_t wit_find_world(const wit_resolve *r, uint32_t pkg, const char *name);
/* Follows aliases to the defining typedef. */
uint32_t wit_typedef_deref(const wit_resolve *r, uint32_t def);
/* The part of a function name that WIT shows: "m" for "[method]r.m", "" for constructors. */
const char *wit_func_item_name(const wit_func *f);
/* Name of a primitive: "u32", "string", ... */
const char *wit_prim_name(wit_prim p);

/* ------------------------------------------------------------------ parsing */

/* One WIT source text: name is used in error messages (file:line:col). */
typedef struct wit_source {
    const char *name;
    const char *text;
    size_t len;
} wit_source;

/* The files of one package (a directory, or a single file). Nested `package x:y { }` blocks
 * in them define further packages. */
typedef struct wit_group {
    const wit_source *files;
    size_t nfiles;
    const char *name;               /* the directory or file, for messages */
} wit_group;

/* Parses and resolves groups[0] (the root) with the other groups as its dependencies.
 * On success *root is the root package. On error r may hold partial packages: free it.
 * Errors: "file:line:col: cause"; PITH_ERR_MALFORMED (syntax), PITH_ERR_INVALID (names,
 * types, cycles), PITH_ERR_UNSUPPORTED (WASI 0.3 features), PITH_ERR_NOMEM. */
pith_status wit_resolve_groups(wit_resolve *r, const wit_group *groups, size_t ngroups,
                               uint32_t *root, pith_error *err);

/* Convenience: one in-memory file as the root package. */
pith_status wit_parse_text(wit_resolve *r, const char *name, const char *text, size_t len,
                           uint32_t *root, pith_error *err);

/* Loads a package from the file system: a .wit file, or a directory whose *.wit files are
 * the package and whose deps/ folder holds dependencies (each entry a .wit file or a folder,
 * which may have its own deps/). extra_deps are more dependency paths (files or folders). */
pith_status wit_load(wit_resolve *r, const char *path, const char *const *extra_deps,
                     size_t nextra, uint32_t *root, pith_error *err);

/* ------------------------------------------------------------------ printing */

/* A growable output string. After any append failure, oom is set and data may be short. */
typedef struct wit_buf {
    char *data;
    size_t len, cap;
    bool oom;
} wit_buf;
void wit_buf_free(wit_buf *b);
void wit_buf_puts(wit_buf *b, const char *s);
void wit_buf_printf(wit_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Prints package pkg as canonical WIT, then every package it depends on, as nested
 * `package ns:name@v { ... }` blocks, dependencies first. The text parses back into the
 * same model (print -> parse -> print is a fixed point). Returns false when out of memory. */
bool wit_print_package(wit_buf *out, const wit_resolve *r, uint32_t pkg);
/* A value type as WIT text ("list<u8>", "result<_, error-code>", a type's name). */
void wit_print_type(wit_buf *out, const wit_resolve *r, wit_type t);
/* The interface name of an interface: "ns:pkg/name@version" (or just its name when it has
 * no package, "<inline>" when it has neither). */
void wit_print_interface_name(wit_buf *out, const wit_resolve *r, uint32_t iface);

#endif
