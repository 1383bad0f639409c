/* trap.c: trap kinds as values: their canonical messages (the spec tests' texts) and the
 * helper that turns a kind into a filled pith_error. */
#include <stdio.h>

#include "core/runtime.h"

const char *pith_trap_message(pith_trap_kind kind)
{
    switch (kind) {
    case PITH_TRAP_NONE: return "no trap";
    case PITH_TRAP_UNREACHABLE: return "unreachable";
    case PITH_TRAP_MEMORY_OOB: return "out of bounds memory access";
    case PITH_TRAP_TABLE_OOB: return "out of bounds table access";
    case PITH_TRAP_UNDEFINED_ELEMENT: return "undefined element";
    case PITH_TRAP_UNINITIALIZED_ELEMENT: return "uninitialized element";
    case PITH_TRAP_INDIRECT_MISMATCH: return "indirect call type mismatch";
    case PITH_TRAP_INT_OVERFLOW: return "integer overflow";
    case PITH_TRAP_DIV_ZERO: return "integer divide by zero";
    case PITH_TRAP_INVALID_CONVERSION: return "invalid conversion to integer";
    case PITH_TRAP_CALL_STACK_EXHAUSTED: return "call stack exhausted";
    case PITH_TRAP_OUT_OF_FUEL: return "all fuel consumed";
    case PITH_TRAP_INTERRUPTED: return "interrupted";
    case PITH_TRAP_HOST: return "host function error";
    }
    return "unknown trap";
}

pith_status rt_trap(pith_error *err, pith_trap_kind kind)
{
    if (err) {
        err->status = PITH_ERR_TRAP;
        err->trap = kind;
        err->exit_code = 0;
        err->offset = SIZE_MAX;
        snprintf(err->message, sizeof err->message, "%s", pith_trap_message(kind));
        err->backtrace[0] = '\0';
    }
    return PITH_ERR_TRAP;
}
