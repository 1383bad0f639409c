/* sort.c: quicksort (median of three, insertion sort for short runs) of 256 Ki pseudo-random
 * u32, n rounds: unpredictable branches and swaps. Returns a checksum of sorted samples. */
#include "common.h"

#define COUNT (256u * 1024u)
static uint32_t values[COUNT];

static void insertion_sort(uint32_t *a, int32_t lo, int32_t hi)
{
    for (int32_t i = lo + 1; i <= hi; i++) {
        uint32_t v = a[i];
        int32_t j = i - 1;
        while (j >= lo && a[j] > v) {
            a[j + 1] = a[j];
            j--;
        }
        a[j + 1] = v;
    }
}

static void swap(uint32_t *a, int32_t i, int32_t j)
{
    uint32_t t = a[i];
    a[i] = a[j];
    a[j] = t;
}

static void quicksort(uint32_t *a, int32_t lo, int32_t hi)
{
    while (hi - lo > 16) {
        int32_t mid = lo + (hi - lo) / 2;
        if (a[mid] < a[lo]) swap(a, mid, lo);
        if (a[hi] < a[lo]) swap(a, hi, lo);
        if (a[hi] < a[mid]) swap(a, hi, mid);
        uint32_t pivot = a[mid];
        int32_t i = lo, j = hi;
        while (i <= j) {
            while (a[i] < pivot) i++;
            while (a[j] > pivot) j--;
            if (i <= j) swap(a, i++, j--);
        }
        /* Recurse into the smaller side, loop on the larger: depth stays O(log n). */
        if (j - lo < hi - i) {
            quicksort(a, lo, j);
            lo = i;
        } else {
            quicksort(a, i, hi);
            hi = j;
        }
    }
    insertion_sort(a, lo, hi);
}

uint32_t run(uint32_t n)
{
    uint32_t seed = 0x2545f491u, acc = 0;
    for (uint32_t r = 0; r < n; r++) {
        for (uint32_t i = 0; i < COUNT; i++)
            values[i] = rng_next(&seed);
        quicksort(values, 0, (int32_t)COUNT - 1);
        uint32_t unsorted = 0;
        for (uint32_t i = 1; i < COUNT; i++)
            unsorted += values[i - 1] > values[i];
        acc = mix(acc, unsorted);
        for (uint32_t i = 0; i < COUNT; i += 1021)
            acc = mix(acc, values[i]);
    }
    return acc;
}
