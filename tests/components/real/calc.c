/* calc.c: the demo:calc/api interface as a C reactor with hand-written canonical-ABI exports
 * (no bindings generator): built with clang-19 -mexec-model=reactor, then `jco embed` and
 * `jco new` make it a component. Memory comes from a bump allocator behind cabi_realloc. */
#include <stddef.h>
#include <stdint.h>

#define IFACE "demo:calc/api@0.1.0"
#define EXPORT(name) __attribute__((export_name(name)))

extern unsigned char __heap_base;
static uintptr_t heap_top;

EXPORT("cabi_realloc")
void *cabi_realloc(void *old, size_t old_size, size_t align, size_t new_size)
{
    if (!heap_top)
        heap_top = (uintptr_t)&__heap_base;
    uintptr_t p = (heap_top + align - 1) & ~(uintptr_t)(align - 1);
    size_t need = p + new_size;
    size_t have = __builtin_wasm_memory_size(0) * 65536;
    if (need > have && __builtin_wasm_memory_grow(0, (need - have + 65535) / 65536) == (size_t)-1)
        __builtin_trap();
    heap_top = need;
    if (old)
        __builtin_memcpy((void *)p, old, old_size < new_size ? old_size : new_size);
    return (void *)p;
}

static void *alloc(size_t n, size_t align) { return cabi_realloc(0, 0, align, n); }

/* results that do not fit one core value go through a static return area */
static int32_t ret_area[8];

EXPORT(IFACE "#add")
uint32_t add(uint32_t a, uint32_t b) { return a + b; }

/* greet's argument and result are the newest allocations: post-return frees them */
static uintptr_t greet_mark;

EXPORT(IFACE "#greet")
int32_t *greet(const char *name, size_t len)
{
    static const char hello[] = "hello, ";
    char *out = alloc(len + 8, 1);
    greet_mark = len && (uintptr_t)name < (uintptr_t)out ? (uintptr_t)name : (uintptr_t)out;
    __builtin_memcpy(out, hello, 7);
    __builtin_memcpy(out + 7, name, len);
    out[len + 7] = '!';
    ret_area[0] = (int32_t)(uintptr_t)out;
    ret_area[1] = (int32_t)(len + 8);
    return ret_area;
}

EXPORT("cabi_post_" IFACE "#greet")
void greet_post(int32_t *ret)
{
    (void)ret;
    heap_top = greet_mark;
}

typedef struct point { int32_t x, y; } point;

/* tuple<point, u32>: x, y, count */
EXPORT(IFACE "#sum-points")
int32_t *sum_points(const point *pts, size_t n)
{
    int32_t x = 0, y = 0;
    for (size_t i = 0; i < n; i++) {
        x += pts[i].x;
        y += pts[i].y;
    }
    ret_area[0] = x;
    ret_area[1] = y;
    ret_area[2] = (int32_t)n;
    return ret_area;
}

/* words: split on spaces; list<string> is (ptr, len) of (ptr, len) pairs */
EXPORT(IFACE "#words")
int32_t *words(const char *text, size_t len)
{
    int32_t *pairs = alloc(8 * (len / 2 + 1), 4);
    size_t n = 0, i = 0;
    while (i < len) {
        while (i < len && text[i] == ' ')
            i++;
        size_t start = i;
        while (i < len && text[i] != ' ')
            i++;
        if (i > start) {
            pairs[2 * n] = (int32_t)(uintptr_t)(text + start);
            pairs[2 * n + 1] = (int32_t)(i - start);
            n++;
        }
    }
    ret_area[0] = (int32_t)(uintptr_t)pairs;
    ret_area[1] = (int32_t)n;
    return ret_area;
}

/* resource counter: the rep is a pointer to its state */
__attribute__((import_module("[export]" IFACE), import_name("[resource-new]counter")))
int32_t counter_new(int32_t rep);

typedef struct counter { uint32_t value; } counter;

EXPORT(IFACE "#[constructor]counter")
int32_t counter_ctor(uint32_t start)
{
    counter *c = alloc(sizeof *c, 4);
    c->value = start;
    return counter_new((int32_t)(uintptr_t)c);
}

EXPORT(IFACE "#[method]counter.inc")
uint32_t counter_inc(counter *self, uint32_t by) { return self->value += by; }

EXPORT(IFACE "#[method]counter.value")
uint32_t counter_value(counter *self) { return self->value; }

static uint32_t dropped;

EXPORT(IFACE "#[dtor]counter")
void counter_dtor(counter *self) { self->value = 0xdead; dropped++; }
