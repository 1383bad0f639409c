/* cworld.h: the world of a component as a WIT model (what `pith wit comp.wasm` prints), built
 * from the component's imports and exports with the WIT layer's builder API. */
#ifndef PITH_CWORLD_H
#define PITH_CWORLD_H

#include "pith/component.h"
#include "wit/wit.h"

/* Adds to r a package `root:component` with a world `root` holding c's imports and exports
 * (interfaces `ns:pkg/iface@v` go into their own packages; types shared between interfaces
 * become `use`s). *pkg is the root package. PITH_ERR_UNSUPPORTED when the component's type
 * has no WIT form (e.g. an anonymous record or resource, a module import), PITH_ERR_NOMEM. */
pith_status cworld_to_wit(const pith_component *c, wit_resolve *r, uint32_t *pkg,
                          pith_error *err);

#endif
