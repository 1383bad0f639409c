/* lz.c: a file compressor written for the tests (LZSS with hash chains + CRC-32), run under
 * pith and natively on the same input: stdout and the compressed bytes must be identical.
 * usage: lz c IN OUT | lz d IN OUT | lz t IN (round trip in memory, prints statistics) */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define WIN_BITS 15
#define WIN (1u << WIN_BITS)
#define MIN_MATCH 3
#define MAX_MATCH 258
#define HASH_BITS 15
#define MAX_CHAIN 64

static uint32_t crc_table[256];

static void crc_init(void)
{
    for (uint32_t i = 0; i < 256; i++) {
        uint32_t c = i;
        for (int k = 0; k < 8; k++)
            c = (c & 1) ? 0xedb88320u ^ (c >> 1) : c >> 1;
        crc_table[i] = c;
    }
}

static uint32_t crc32(const uint8_t *p, size_t n)
{
    uint32_t c = 0xffffffffu;
    while (n--)
        c = crc_table[(c ^ *p++) & 0xff] ^ (c >> 8);
    return c ^ 0xffffffffu;
}

typedef struct buf {
    uint8_t *p;
    size_t n, cap;
} buf;

static void put(buf *b, uint8_t v)
{
    if (b->n == b->cap) {
        b->cap = b->cap ? b->cap * 2 : 4096;
        b->p = realloc(b->p, b->cap);
        if (!b->p) {
            fprintf(stderr, "out of memory\n");
            exit(2);
        }
    }
    b->p[b->n++] = v;
}

static uint32_t hash3(const uint8_t *p)
{
    return ((uint32_t)p[0] << 16 ^ (uint32_t)p[1] << 8 ^ p[2]) * 2654435761u >> (32 - HASH_BITS);
}

/* Format: "LZS1", u32 length, u32 crc, then groups of 8 items led by a flag byte (bit set =
 * match: u16 distance-1, u8 length-MIN_MATCH; clear = literal byte). */
static buf compress(const uint8_t *in, size_t n, size_t *matches, size_t *literals)
{
    buf out = {0};
    const char *magic = "LZS1";
    for (int i = 0; i < 4; i++)
        put(&out, (uint8_t)magic[i]);
    uint32_t crc = crc32(in, n);
    for (int i = 0; i < 4; i++)
        put(&out, (uint8_t)(n >> (8 * i)));
    for (int i = 0; i < 4; i++)
        put(&out, (uint8_t)(crc >> (8 * i)));
    int32_t *head = malloc(sizeof(int32_t) << HASH_BITS);
    int32_t *prev = malloc(sizeof(int32_t) * WIN);
    for (size_t i = 0; i < (1u << HASH_BITS); i++)
        head[i] = -1;
    size_t pos = 0, flag_at = 0;
    int nitems = 8;
    *matches = *literals = 0;
    while (pos < n) {
        if (nitems == 8) {
            flag_at = out.n;
            put(&out, 0);
            nitems = 0;
        }
        size_t best = 0, dist = 0;
        if (pos + MIN_MATCH <= n) {
            uint32_t h = hash3(in + pos);
            int32_t cand = head[h];
            for (int chain = 0; cand >= 0 && chain < MAX_CHAIN; chain++) {
                size_t d = pos - (size_t)cand;
                if (d > WIN)
                    break;
                size_t len = 0, lim = n - pos < MAX_MATCH ? n - pos : MAX_MATCH;
                while (len < lim && in[cand + len] == in[pos + len])
                    len++;
                if (len > best) {
                    best = len;
                    dist = d;
                    if (len == lim)
                        break;
                }
                cand = prev[cand & (WIN - 1)];
            }
        }
        size_t step = best >= MIN_MATCH ? best : 1;
        for (size_t k = 0; k < step && pos + k + MIN_MATCH <= n; k++) {
            uint32_t h = hash3(in + pos + k);
            prev[(pos + k) & (WIN - 1)] = head[h];
            head[h] = (int32_t)(pos + k);
        }
        if (best >= MIN_MATCH) {
            out.p[flag_at] |= (uint8_t)(1u << nitems);
            put(&out, (uint8_t)((dist - 1) & 0xff));
            put(&out, (uint8_t)((dist - 1) >> 8));
            put(&out, (uint8_t)(best - MIN_MATCH));
            (*matches)++;
        } else {
            put(&out, in[pos]);
            (*literals)++;
        }
        pos += step;
        nitems++;
    }
    free(head);
    free(prev);
    return out;
}

static int decompress(const uint8_t *in, size_t n, buf *out)
{
    if (n < 12 || memcmp(in, "LZS1", 4))
        return -1;
    uint32_t len = 0, crc = 0;
    for (int i = 0; i < 4; i++) {
        len |= (uint32_t)in[4 + i] << (8 * i);
        crc |= (uint32_t)in[8 + i] << (8 * i);
    }
    size_t pos = 12;
    while (out->n < len) {
        if (pos >= n)
            return -1;
        uint8_t flags = in[pos++];
        for (int i = 0; i < 8 && out->n < len; i++) {
            if (flags & (1u << i)) {
                if (pos + 3 > n)
                    return -1;
                size_t d = (size_t)(in[pos] | in[pos + 1] << 8) + 1, l = in[pos + 2] + MIN_MATCH;
                pos += 3;
                if (d > out->n)
                    return -1;
                for (size_t k = 0; k < l; k++)
                    put(out, out->p[out->n - d]);
            } else {
                if (pos >= n)
                    return -1;
                put(out, in[pos++]);
            }
        }
    }
    return crc32(out->p, out->n) == crc ? 0 : -2;
}

static buf slurp(const char *path)
{
    buf b = {0};
    FILE *f = fopen(path, "rb");
    if (!f) {
        perror(path);
        exit(1);
    }
    int c;
    while ((c = getc(f)) != EOF)
        put(&b, (uint8_t)c);
    fclose(f);
    return b;
}

static void spit(const char *path, const buf *b)
{
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(b->p, 1, b->n, f) != b->n || fclose(f)) {
        perror(path);
        exit(1);
    }
}

int main(int argc, char **argv)
{
    crc_init();
    if (argc < 3) {
        fprintf(stderr, "usage: lz c|d IN OUT, lz t IN\n");
        return 2;
    }
    buf in = slurp(argv[2]);
    size_t m, l;
    if (!strcmp(argv[1], "c") && argc > 3) {
        buf out = compress(in.p, in.n, &m, &l);
        spit(argv[3], &out);
        printf("%zu -> %zu bytes, %zu matches, %zu literals, crc %08x\n", in.n, out.n, m, l,
               crc32(in.p, in.n));
    } else if (!strcmp(argv[1], "d") && argc > 3) {
        buf out = {0};
        int r = decompress(in.p, in.n, &out);
        if (r) {
            fprintf(stderr, "corrupt input (%d)\n", r);
            return 1;
        }
        spit(argv[3], &out);
        printf("%zu -> %zu bytes, crc %08x\n", in.n, out.n, crc32(out.p, out.n));
    } else if (!strcmp(argv[1], "t")) {
        buf out = compress(in.p, in.n, &m, &l), back = {0};
        int r = decompress(out.p, out.n, &back);
        printf("round trip %s: %zu -> %zu -> %zu\n", r == 0 && back.n == in.n &&
               !memcmp(back.p, in.p, in.n) ? "ok" : "FAILED", in.n, out.n, back.n);
    } else {
        fprintf(stderr, "usage: lz c|d IN OUT, lz t IN\n");
        return 2;
    }
    return 0;
}
