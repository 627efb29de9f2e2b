/* probe.h: tuna-worker --check — open a "dataset" setting as a trial would, report its shape. */
#ifndef TUNA_PROBE_H
#define TUNA_PROBE_H

int probe_dataset(const char *text, const char *where, char **cause);

#endif
