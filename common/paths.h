/* paths.h: where tunad's socket and database live by default; directories made and checked. */
#ifndef TUNA_PATHS_H
#define TUNA_PATHS_H

char *paths_socket(void);
char *paths_db(void);
int paths_mkdir_parent(const char *path, char **cause);
int paths_writable(const char *dir, char **cause);

#endif
