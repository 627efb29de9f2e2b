/* probe.h: tuna-worker --check — a data set (and directories) checked where trials run. */
#ifndef TUNA_PROBE_H
#define TUNA_PROBE_H

int probe_dataset(const char *text, const char *where, char **cause);

#endif
