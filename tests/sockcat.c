/*
 * sockcat.c: a minimal socat for the tests — send standard input to a Unix socket, then print
 * the reply lines. Options: -n N stop after N lines; -t SECONDS give up after this long;
 * -q send and quit without reading (a client that vanishes mid-request); -h half-close
 * (shutdown(SHUT_WR)) after sending, then read to the end (a client like `socat -t N`).
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

/* Milliseconds on a monotonic clock. */
static long long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int
main(int argc, char **argv)
{
	struct sockaddr_un sa;
	struct pollfd pfd;
	char buf[65536];
	long lines = -1, seen = 0;
	double timeout = 10;
	long long deadline;
	int fd, opt, quit = 0, half = 0;
	ssize_t n, i;

	while ((opt = getopt(argc, argv, "n:t:qh")) != -1) {
		switch (opt) {
		case 'n': lines = atol(optarg); break;
		case 't': timeout = atof(optarg); break;
		case 'q': quit = 1; break;
		case 'h': half = 1; break;
		default: return 2;
		}
	}
	if (optind != argc - 1) {
		fprintf(stderr, "usage: sockcat [-n LINES] [-t SECONDS] [-q] [-h] SOCKET\n");
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	memset(&sa, 0, sizeof sa);
	sa.sun_family = AF_UNIX;
	strncpy(sa.sun_path, argv[optind], sizeof sa.sun_path - 1);
	if ((fd = socket(AF_UNIX, SOCK_STREAM, 0)) < 0 ||
	    connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
		fprintf(stderr, "sockcat: %s: %s\n", argv[optind], strerror(errno));
		return 1;
	}
	while ((n = read(0, buf, sizeof buf)) > 0) {
		for (i = 0; i < n; ) {
			ssize_t w = write(fd, buf + i, (size_t)(n - i));

			if (w < 0) {	/* the server stopped reading: read what it said */
				fprintf(stderr, "sockcat: write: %s\n", strerror(errno));
				goto reply;
			}
			i += w;
		}
	}
	if (quit)
		return 0;
	if (half && shutdown(fd, SHUT_WR) != 0) {
		fprintf(stderr, "sockcat: shutdown: %s\n", strerror(errno));
		return 1;
	}
reply:
	deadline = now_ms() + (long long)(timeout * 1000);
	pfd.fd = fd;
	pfd.events = POLLIN;
	while (lines < 0 || seen < lines) {
		long long left = deadline - now_ms();

		if (left <= 0 || poll(&pfd, 1, (int)left) <= 0)
			break;
		if ((n = read(fd, buf, sizeof buf)) <= 0)
			break;
		fwrite(buf, 1, (size_t)n, stdout);
		for (i = 0; i < n; i++)
			seen += buf[i] == '\n';
	}
	close(fd);
	return 0;
}
