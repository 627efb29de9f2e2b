/*
 * client.h: a connection to tunad over its Unix socket: newline-delimited JSON requests, replies
 * and watch events (common/protocol.h).
 *
 * Errors (negative errno, message in *cause): -ENOTCONN when the daemon cannot be reached,
 * -EREMOTEIO when it replied {"ok":false,…}, -EPROTO for a reply that is not what the protocol
 * says, -ECONNRESET when the connection broke or closed, -EINTR when *stop became set while
 * waiting.
 */
#ifndef TUNA_CLIENT_H
#define TUNA_CLIENT_H

#include <signal.h>

#include <cJSON.h>

#define CLIENT_MAX_LINE (512 << 20)	/* longest reply line accepted, bytes */

struct client {
	int fd;
	char *path;			/* the socket */
	char *buf;			/* received bytes: buf[start..len) are not consumed yet */
	size_t size, start, len;
	size_t scan;			/* buf[start..scan) holds no newline */
	char *line;			/* the last line read (NUL-terminated, inside buf) */
	long long next_id;		/* the "id" of the next request */
	volatile sig_atomic_t *stop;	/* when set, a wait interrupted by a signal gives up */
};

int client_connect(struct client *c, const char *path, char **cause);
void client_close(struct client *c);
int client_send(struct client *c, cJSON *req, char **cause);
int client_poll(struct client *c, int timeout_ms, char **cause);
int client_read(struct client *c, cJSON **out, char **cause);
int client_request(struct client *c, cJSON *req, cJSON **reply, char **cause);

#endif
