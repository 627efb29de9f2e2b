/*
 * server.h: the Unix socket tunad listens on.
 * Layer: front
 */
#ifndef TUNA_SERVER_H
#define TUNA_SERVER_H

#include "front.h"

int server_listen(struct front *f, char **cause);
void server_stop(struct front *f);

#endif
