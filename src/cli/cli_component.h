/* cli_component.h: the component paths of `pith run` and `pith inspect` (cmd_component.c),
 * chosen when FILE carries the component preamble (layer 1). */
#ifndef PITH_CLI_COMPONENT_H
#define PITH_CLI_COMPONENT_H

#include <stdbool.h>

/* True if the first non-option argument names a file that starts with a component preamble. */
bool cli_is_component_file(int argc, char **argv);
int cmd_component_run(int argc, char **argv);
int cmd_component_inspect(int argc, char **argv);

#endif
