/* execpath.h: the file a trainer's command[0] names, found as execvp would find it. */
#ifndef TUNA_EXECPATH_H
#define TUNA_EXECPATH_H

int execpath_resolve(const char *prog, const char *path, const char *cwd, char **out,
    char **cause);

#endif
