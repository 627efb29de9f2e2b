/* execcheck.h: tuna-exec --check — can a trainer start here, and write where it must? */
#ifndef TUNA_EXECCHECK_H
#define TUNA_EXECCHECK_H

int execcheck_line(const char *text, char **cause);

#endif
