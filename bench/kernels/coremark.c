/* coremark.c: a CoreMark-like mix written for pith (not EEMBC's code): linked-list
 * operations, small integer matrix work, a byte-driven state machine and CRC-16, each
 * round's results folded into one CRC. Exercises pointers, branches and 16-bit arithmetic. */
#include "common.h"

/* ---------------------------------------------------------------- CRC-16 (CCITT, reflected) */
static uint16_t crc16_byte(uint16_t crc, uint8_t b)
{
    crc ^= b;
    for (int i = 0; i < 8; i++)
        crc = (crc & 1) ? (uint16_t)((crc >> 1) ^ 0x8408) : (uint16_t)(crc >> 1);
    return crc;
}

static uint16_t crc16_u32(uint16_t crc, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        crc = crc16_byte(crc, (uint8_t)(v >> (8 * i)));
    return crc;
}

/* ---------------------------------------------------------------- linked list */
#define NODES 512
typedef struct node {
    struct node *next;
    int16_t value;
    uint16_t index;
} node;
static node nodes[NODES];

static node *list_build(uint32_t *seed)
{
    node *head = 0;
    for (int i = NODES - 1; i >= 0; i--) {
        nodes[i].value = (int16_t)(rng_next(seed) & 0x7fff);
        nodes[i].index = (uint16_t)i;
        nodes[i].next = head;
        head = &nodes[i];
    }
    return head;
}

static node *list_reverse(node *head)
{
    node *prev = 0;
    while (head) {
        node *next = head->next;
        head->next = prev;
        prev = head;
        head = next;
    }
    return prev;
}

static node *list_find(node *head, int16_t value)
{
    while (head && head->value != value)
        head = head->next;
    return head;
}

/* Merge sort by value (ties by index), bottom-up, no recursion, as in a small embedded system. */
static node *list_sort(node *list)
{
    for (uint32_t width = 1;; width *= 2) {
        node *p = list, *tail = 0;
        list = 0;
        uint32_t merges = 0;
        while (p) {
            merges++;
            node *q = p;
            uint32_t psize = 0, qsize = width;
            while (psize < width && q) {
                psize++;
                q = q->next;
            }
            while (psize > 0 || (qsize > 0 && q)) {
                node *e;
                if (psize == 0) {
                    e = q, q = q->next, qsize--;
                } else if (qsize == 0 || !q ||
                           p->value < q->value || (p->value == q->value && p->index <= q->index)) {
                    e = p, p = p->next, psize--;
                } else {
                    e = q, q = q->next, qsize--;
                }
                if (tail)
                    tail->next = e;
                else
                    list = e;
                tail = e;
            }
            p = q;
        }
        tail->next = 0;
        if (merges <= 1)
            return list;
    }
}

static uint16_t bench_list(uint16_t crc, uint32_t *seed)
{
    node *head = list_build(seed);
    head = list_reverse(head);
    uint32_t found = 0;
    for (int i = 0; i < 64; i++) {
        node *hit = list_find(head, nodes[(i * 37) % NODES].value);
        found += hit ? hit->index : 0xffff;
        if (!list_find(head, (int16_t)-1 - i))
            found++;
    }
    head = list_sort(head);
    for (node *p = head; p; p = p->next)
        crc = crc16_byte(crc, (uint8_t)p->value);
    return crc16_u32(crc, found);
}

/* ---------------------------------------------------------------- matrix */
#define MDIM 32
static int16_t ma[MDIM * MDIM], mb[MDIM * MDIM];
static int32_t mc[MDIM * MDIM];

static uint16_t bench_matrix(uint16_t crc, uint32_t *seed)
{
    for (int i = 0; i < MDIM * MDIM; i++) {
        ma[i] = (int16_t)(rng_next(seed) % 2048) - 1024;
        mb[i] = (int16_t)(rng_next(seed) % 2048) - 1024;
    }
    int16_t k = (int16_t)(rng_next(seed) % 64);
    for (int i = 0; i < MDIM * MDIM; i++) /* add constant */
        ma[i] = (int16_t)(ma[i] + k);
    for (int i = 0; i < MDIM * MDIM; i++) /* multiply by constant */
        mc[i] = (int32_t)ma[i] * k;
    int32_t vsum = 0;
    for (int i = 0; i < MDIM; i++) /* matrix times vector (first column of mb) */
        for (int j = 0; j < MDIM; j++)
            vsum += (int32_t)ma[i * MDIM + j] * mb[j * MDIM];
    for (int i = 0; i < MDIM; i++) /* matrix times matrix */
        for (int j = 0; j < MDIM; j++) {
            int32_t s = 0;
            for (int x = 0; x < MDIM; x++)
                s += (int32_t)ma[i * MDIM + x] * mb[x * MDIM + j];
            mc[i * MDIM + j] = s;
        }
    for (int i = 0; i < MDIM * MDIM; i++) /* extract bit fields, as CoreMark does */
        crc = crc16_byte(crc, (uint8_t)((mc[i] >> 2) & 0xff));
    return crc16_u32(crc, (uint32_t)vsum);
}

/* ---------------------------------------------------------------- state machine */
enum state { START, INT, FLOAT, EXP_SIGN, EXP, INVALID, NSTATES };
#define TEXT_SIZE 1024
static uint8_t text[TEXT_SIZE];

/* Classifies the comma-separated tokens of text; counts final states and transitions. */
static uint16_t bench_state(uint16_t crc, uint32_t *seed)
{
    static const char alphabet[] = "0123456789012345.e+-,x";
    for (int i = 0; i < TEXT_SIZE; i++)
        text[i] = (uint8_t)alphabet[rng_next(seed) % (sizeof alphabet - 1)];
    uint32_t finals[NSTATES] = {0}, transitions = 0;
    enum state s = START;
    for (int i = 0; i < TEXT_SIZE; i++) {
        uint8_t c = text[i];
        enum state next = s;
        if (c == ',') {
            finals[s]++;
            next = START;
        } else {
            int digit = c >= '0' && c <= '9';
            switch (s) {
            case START: next = digit ? INT : (c == '+' || c == '-') ? INT : c == '.' ? FLOAT : INVALID; break;
            case INT: next = digit ? INT : c == '.' ? FLOAT : c == 'e' ? EXP_SIGN : INVALID; break;
            case FLOAT: next = digit ? FLOAT : c == 'e' ? EXP_SIGN : INVALID; break;
            case EXP_SIGN: next = (digit || c == '+' || c == '-') ? EXP : INVALID; break;
            case EXP: next = digit ? EXP : INVALID; break;
            default: next = INVALID; break;
            }
        }
        transitions += next != s;
        s = next;
    }
    for (int i = 0; i < NSTATES; i++)
        crc = crc16_u32(crc, finals[i]);
    return crc16_u32(crc, transitions);
}

uint32_t run(uint32_t n)
{
    uint32_t seed = 0x66u;
    uint16_t crc = 0;
    for (uint32_t r = 0; r < n; r++) {
        crc = bench_list(crc, &seed);
        crc = bench_matrix(crc, &seed);
        crc = bench_state(crc, &seed);
    }
    return crc;
}
