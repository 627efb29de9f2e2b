/*
 * swarm.c: many clients of one tunad at once, for tests/clients.sh. It opens N connections to
 * the socket and holds every one open to the end: watchers follow a running search live
 * (watch with history and follow) through its search_end; submitters submit a small search and
 * ask for its status; the rest say hello and ask for the status of all searches. Once every
 * client has its first replies (all N held at once), swarm can open a gate file (the test's
 * workers wait for it, so that the watched search's trials run while everyone is watching) and
 * measure the daemon (/proc/PID: descriptors, RSS). Then it can open extra clients that must be
 * refused, and finally every client says hello once more and must be answered.
 *
 *     swarm [-n N] [-W WATCHERS -w SEARCH -t TRIALS] [-s SUBMITTERS -S SPEC.json] [-g GATE]
 *           [-p PID] [-x EXTRA -e ERROR] [-a] [-T SECONDS] SOCKET
 *
 * -a: clients may be turned away (a refusal reply, or the connection closed before any reply):
 * they are counted, not errors. Exit status 0 when every check passed, 1 with a message naming
 * each failure (expected and actual values), 2 for bad usage.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <cJSON.h>

#define SWARM_FINAL_ID 1000000	/* request ids of the last round of hellos: this + index */
#define SWARM_MAX_ERRORS 20	/* failures printed in full */

enum role { ROLE_WATCH, ROLE_SUBMIT, ROLE_HELLO };

enum stage {
	STAGE_FIRST,		/* first request sent, waiting for its reply */
	STAGE_SECOND,		/* submitter and hello: the status request sent */
	STAGE_STREAM,		/* watcher: reading events until eof */
	STAGE_HELD,		/* all answered; holding the connection */
	STAGE_FINAL,		/* the last hello sent */
	STAGE_DONE,		/* answered all; holding until the end */
	STAGE_REFUSED,		/* turned away with a refusal reply (-a) */
	STAGE_DROPPED,		/* closed before any reply (-a) */
	STAGE_FAILED,		/* something was wrong: see error */
};

static const char *const swarm_role_names[] = { "watcher", "submitter", "hello" };
static const char *const swarm_stage_names[] = { "waiting for the first reply",
	"waiting for the status reply", "reading events", "held", "waiting for the last hello",
	"done", "refused", "dropped", "failed" };

struct client {
	int fd;
	int index;
	enum role role;
	enum stage stage;
	char *in;		/* bytes read, not yet a whole line */
	size_t inlen, incap;
	char *out;		/* bytes to write */
	size_t outlen, outoff;
	int64_t search;		/* submitter: the search it submitted */
	int events;		/* watcher: events received */
	int trial_ends;		/* watcher: trial_end events of the watched search */
	bool search_end;	/* watcher: saw the search_end */
	char *error;		/* the first thing that went wrong */
};

/* Options and tallies. */
static struct {
	const char *socket;
	int n, watchers, submitters, extra, trials;
	int64_t watch_search;
	char *spec;		/* the submitters' spec, JSON text */
	const char *gate;
	const char *expect_error;
	long daemon_pid;
	bool allow_refusal;
	double timeout;
	long replies, events, failures;
	int refused, dropped;
	int held_peak;		/* connections open at once, at most */
	int open;		/* connections open now */
} swarm;

/* Seconds on a monotonic clock. */
static double
swarm_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Record that client c failed, saying why (the first reason is kept and printed). */
static void __attribute__((format(printf, 2, 3)))
swarm_fail(struct client *c, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	if (c->stage == STAGE_FAILED)
		return;
	c->stage = STAGE_FAILED;
	c->error = strdup(buf);
	if (++swarm.failures <= SWARM_MAX_ERRORS)
		fprintf(stderr, "swarm: client %d (%s): %s\n", c->index, swarm_role_names[c->role],
		    buf);
}

/* Close a client's connection. */
static void
swarm_close(struct client *c)
{
	if (c->fd >= 0) {
		close(c->fd);
		c->fd = -1;
		swarm.open--;
	}
}

/* Raise the soft open-file limit to what n connections need; 0, or -1 with a message. */
static int
swarm_rlimit(int n)
{
	struct rlimit rl;
	rlim_t need = (rlim_t)n + 64;

	if (getrlimit(RLIMIT_NOFILE, &rl) != 0) {
		fprintf(stderr, "swarm: getrlimit: %s\n", strerror(errno));
		return -1;
	}
	if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < need) {
		if (rl.rlim_max != RLIM_INFINITY && rl.rlim_max < need) {
			fprintf(stderr, "swarm: %d connections need %llu descriptors; the hard limit "
			    "is %llu\n", n, (unsigned long long)need,
			    (unsigned long long)rl.rlim_max);
			return -1;
		}
		rl.rlim_cur = need;
		if (setrlimit(RLIMIT_NOFILE, &rl) != 0) {
			fprintf(stderr, "swarm: setrlimit(%llu): %s\n", (unsigned long long)need,
			    strerror(errno));
			return -1;
		}
	}
	return 0;
}

/* Connect to the socket (blocking: a full backlog waits for the daemon), then non-blocking. */
static int
swarm_connect(void)
{
	struct sockaddr_un sa;
	int fd;

	memset(&sa, 0, sizeof sa);
	sa.sun_family = AF_UNIX;
	strncpy(sa.sun_path, swarm.socket, sizeof sa.sun_path - 1);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
		int e = errno;

		close(fd);
		return -e;
	}
	if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) != 0) {
		int e = errno;

		close(fd);
		return -e;
	}
	swarm.open++;
	if (swarm.open > swarm.held_peak)
		swarm.held_peak = swarm.open;
	return fd;
}

/* Queue a request line (fmt, printf style; a newline is added). */
static void __attribute__((format(printf, 2, 3)))
swarm_send(struct client *c, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	c->out = realloc(c->out, c->outlen + (size_t)n + 2);
	if (c->out == NULL) {
		fprintf(stderr, "swarm: out of memory\n");
		exit(1);
	}
	va_start(ap, fmt);
	vsnprintf(c->out + c->outlen, (size_t)n + 1, fmt, ap);
	va_end(ap);
	c->outlen += (size_t)n;
	c->out[c->outlen++] = '\n';
}

/* Write what is queued, as far as the socket takes it; -1 after a failure. */
static int
swarm_flush(struct client *c)
{
	ssize_t w;

	while (c->outoff < c->outlen) {
		w = write(c->fd, c->out + c->outoff, c->outlen - c->outoff);
		if (w < 0 && errno == EAGAIN)
			return 0;
		if (w < 0) {
			if (swarm.allow_refusal && (errno == EPIPE || errno == ECONNRESET) &&
			    c->stage == STAGE_FIRST)
				return 0;	/* turned away: read what it said */
			swarm_fail(c, "write: %s", strerror(errno));
			return -1;
		}
		c->outoff += (size_t)w;
	}
	c->outoff = c->outlen = 0;
	return 0;
}

/* The client's first request. */
static void
swarm_first_request(struct client *c)
{
	switch (c->role) {
	case ROLE_WATCH:
		swarm_send(c, "{\"type\":\"watch\",\"id\":%d,\"search\":%lld,\"history\":true,"
		    "\"follow\":true}", c->index, (long long)swarm.watch_search);
		break;
	case ROLE_SUBMIT:
		swarm_send(c, "{\"type\":\"submit\",\"id\":%d,\"spec\":%s}", c->index, swarm.spec);
		break;
	case ROLE_HELLO:
		swarm_send(c, "{\"type\":\"hello\",\"id\":%d}", c->index);
		break;
	}
	c->stage = STAGE_FIRST;
}

/* Check a reply: an object with ok:true and our id; else fail c. */
static bool
swarm_reply_ok(struct client *c, const cJSON *j, int id, const char *what)
{
	const cJSON *ok = cJSON_GetObjectItemCaseSensitive(j, "ok");
	const cJSON *jid = cJSON_GetObjectItemCaseSensitive(j, "id");
	const char *err = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(j, "error"));

	if (!cJSON_IsTrue(ok)) {
		swarm_fail(c, "%s: want ok:true, got ok:%s, error \"%s\"", what,
		    cJSON_IsFalse(ok) ? "false" : "missing", err != NULL ? err : "");
		return false;
	}
	if (!cJSON_IsNumber(jid) || jid->valuedouble != (double)id) {
		swarm_fail(c, "%s: want id %d, got %s", what, id,
		    cJSON_IsNumber(jid) ? "another id" : "no id");
		return false;
	}
	swarm.replies++;
	return true;
}

/* A refusal line (-a, or the extra clients): ok:false and an error naming the cause. */
static bool
swarm_is_refusal(const cJSON *j)
{
	const char *err = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(j, "error"));

	return cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(j, "ok")) && err != NULL &&
	    strstr(err, "too many connections") != NULL;
}

/* A watcher's event line. */
static void
swarm_event(struct client *c, const cJSON *j, const char *kind)
{
	const cJSON *s = cJSON_GetObjectItemCaseSensitive(j, "search");

	if (strcmp(kind, "eof") == 0) {
		if (!c->search_end)
			swarm_fail(c, "stream ended (eof) without the search_end of search %lld",
			    (long long)swarm.watch_search);
		else if (c->trial_ends != swarm.trials)
			swarm_fail(c, "trial_end events of search %lld: want %d, got %d",
			    (long long)swarm.watch_search, swarm.trials, c->trial_ends);
		else
			c->stage = STAGE_HELD;
		return;
	}
	c->events++;
	swarm.events++;
	if (!cJSON_IsNumber(s) || (int64_t)s->valuedouble != swarm.watch_search) {
		swarm_fail(c, "event %s: want search %lld, got %s", kind,
		    (long long)swarm.watch_search, cJSON_IsNumber(s) ? "another" : "none");
		return;
	}
	if (c->search_end) {
		swarm_fail(c, "event %s after the search_end (want eof)", kind);
		return;
	}
	if (strcmp(kind, "trial_end") == 0)
		c->trial_ends++;
	else if (strcmp(kind, "search_end") == 0)
		c->search_end = true;
}

/* One whole line from the daemon, by the client's stage. */
static void
swarm_line(struct client *c, const char *line)
{
	cJSON *j = cJSON_Parse(line);
	const char *kind;
	const cJSON *v;

	if (j == NULL || !cJSON_IsObject(j)) {
		swarm_fail(c, "not a JSON object: %.200s", line);
		goto out;
	}
	if (c->stage == STAGE_FIRST && swarm.allow_refusal && swarm_is_refusal(j)) {
		c->stage = STAGE_REFUSED;
		swarm.refused++;
		goto out;
	}
	switch (c->stage) {
	case STAGE_FIRST:
		if (!swarm_reply_ok(c, j, c->index, c->role == ROLE_WATCH ? "watch" :
		    c->role == ROLE_SUBMIT ? "submit" : "hello"))
			break;
		if (c->role == ROLE_WATCH) {
			c->stage = STAGE_STREAM;
		} else if (c->role == ROLE_SUBMIT) {
			v = cJSON_GetObjectItemCaseSensitive(j, "search");
			if (!cJSON_IsNumber(v) || v->valuedouble < 1) {
				swarm_fail(c, "submit: want a search id >= 1, got %s",
				    cJSON_IsNumber(v) ? "a smaller number" : "none");
				break;
			}
			c->search = (int64_t)v->valuedouble;
			swarm_send(c, "{\"type\":\"status\",\"id\":%d,\"search\":%lld}", c->index,
			    (long long)c->search);
			c->stage = STAGE_SECOND;
		} else {
			v = cJSON_GetObjectItemCaseSensitive(j, "version");
			if (!cJSON_IsNumber(v) || v->valuedouble != 1) {
				swarm_fail(c, "hello: want version 1, got %s",
				    cJSON_IsNumber(v) ? "another" : "none");
				break;
			}
			swarm_send(c, "{\"type\":\"status\",\"id\":%d}", c->index);
			c->stage = STAGE_SECOND;
		}
		break;
	case STAGE_SECOND:
		if (!swarm_reply_ok(c, j, c->index, "status"))
			break;
		v = cJSON_GetObjectItemCaseSensitive(j, c->role == ROLE_SUBMIT ? "search" :
		    "searches");
		if (c->role == ROLE_SUBMIT ? !cJSON_IsObject(v) : !cJSON_IsArray(v)) {
			swarm_fail(c, "status: want %s, got none",
			    c->role == ROLE_SUBMIT ? "a search object" : "a searches array");
			break;
		}
		c->stage = STAGE_HELD;
		break;
	case STAGE_STREAM:
		kind = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(j, "event"));
		if (kind == NULL) {
			swarm_fail(c, "in the watch stream, want an event, got: %.200s", line);
			break;
		}
		swarm_event(c, j, kind);
		break;
	case STAGE_FINAL:
		if (swarm_reply_ok(c, j, SWARM_FINAL_ID + c->index, "last hello"))
			c->stage = STAGE_DONE;
		break;
	default:
		swarm_fail(c, "unexpected line while %s: %.200s", swarm_stage_names[c->stage], line);
		break;
	}
out:
	cJSON_Delete(j);
}

/* Read what the daemon sent c and handle each whole line. */
static void
swarm_read(struct client *c)
{
	char *nl, *start;
	ssize_t n;

	for (;;) {
		if (c->incap - c->inlen < 4096) {
			c->incap = c->incap ? c->incap * 2 : 16384;
			if ((c->in = realloc(c->in, c->incap)) == NULL) {
				fprintf(stderr, "swarm: out of memory\n");
				exit(1);
			}
		}
		n = read(c->fd, c->in + c->inlen, c->incap - c->inlen - 1);
		if (n < 0 && errno == EAGAIN)
			return;
		if (n <= 0) {
			int e = n < 0 ? errno : 0;

			if (c->stage == STAGE_REFUSED) {
				swarm_close(c);
			} else if (c->stage == STAGE_FIRST && swarm.allow_refusal) {
				c->stage = STAGE_DROPPED;
				swarm.dropped++;
				swarm_close(c);
			} else {
				swarm_fail(c, "connection closed by the daemon (%s) while %s",
				    e ? strerror(e) : "EOF", swarm_stage_names[c->stage]);
				swarm_close(c);
			}
			return;
		}
		c->inlen += (size_t)n;
		c->in[c->inlen] = '\0';
		start = c->in;
		while ((nl = memchr(start, '\n', c->inlen - (size_t)(start - c->in))) != NULL) {
			*nl = '\0';
			if (nl > start)
				swarm_line(c, start);
			start = nl + 1;
		}
		c->inlen -= (size_t)(start - c->in);
		memmove(c->in, start, c->inlen);
	}
}

/* Whether c has reached the stage wanted (or can go no further). */
static bool
swarm_reached(const struct client *c, enum stage want)
{
	if (c->stage == STAGE_FAILED || c->stage == STAGE_REFUSED || c->stage == STAGE_DROPPED)
		return true;
	if (want == STAGE_STREAM && c->role == ROLE_WATCH)	/* watching: the ok is in */
		return c->stage == STAGE_STREAM || c->stage >= STAGE_HELD;
	if (want == STAGE_STREAM)
		return c->stage >= STAGE_HELD;
	return c->stage >= want;
}

/* Poll and serve every client until all have reached the stage (0), or the deadline (-1). */
static int
swarm_run(struct client *cl, int n, enum stage want, double deadline)
{
	struct pollfd *pfd = calloc((size_t)n, sizeof *pfd);
	int *who = calloc((size_t)n, sizeof *who);
	int i, k, left, rc;

	if (pfd == NULL || who == NULL) {
		fprintf(stderr, "swarm: out of memory\n");
		exit(1);
	}
	for (;;) {
		for (i = k = left = 0; i < n; i++) {
			struct client *c = &cl[i];

			if (c->fd >= 0 && c->outlen > c->outoff && swarm_flush(c) != 0)
				swarm_close(c);
			if (!swarm_reached(c, want))
				left++;
			if (c->fd < 0)
				continue;
			pfd[k].fd = c->fd;
			pfd[k].events = POLLIN | (c->outlen > c->outoff ? POLLOUT : 0);
			who[k++] = i;
		}
		if (left == 0) {
			rc = 0;
			break;
		}
		if (swarm_now() > deadline || k == 0) {	/* a guard against a hang, not a bound */
			fprintf(stderr, "swarm: %s: %d of %d clients have not reached \"%s\"\n",
			    k == 0 ? "no connection left" : "gave up waiting (-T)", left, n,
			    swarm_stage_names[want]);
			for (i = 0; i < n; i++) {
				if (!swarm_reached(&cl[i], want))
					swarm_fail(&cl[i], "want \"%s\", still \"%s\" (%d events, "
					    "%d trial_end of %d)", swarm_stage_names[want],
					    swarm_stage_names[cl[i].stage], cl[i].events,
					    cl[i].trial_ends, swarm.trials);
			}
			rc = -1;
			break;
		}
		if (poll(pfd, (nfds_t)k, 200) < 0 && errno != EINTR) {
			fprintf(stderr, "swarm: poll: %s\n", strerror(errno));
			exit(1);
		}
		for (i = 0; i < k; i++) {
			if (pfd[i].revents & (POLLIN | POLLHUP | POLLERR))
				swarm_read(&cl[who[i]]);
		}
	}
	free(pfd);
	free(who);
	return rc;
}

/* Descriptors and resident memory (kB) of a process, from /proc; -1 when unknown. */
static void
swarm_proc(long pid, long *fds, long *rss_kb)
{
	char path[64], line[256];
	struct dirent *d;
	FILE *f;
	DIR *dir;

	*fds = *rss_kb = -1;
	snprintf(path, sizeof path, "/proc/%ld/fd", pid);
	if ((dir = opendir(path)) != NULL) {
		*fds = 0;
		while ((d = readdir(dir)) != NULL)
			*fds += d->d_name[0] != '.';
		closedir(dir);
	}
	snprintf(path, sizeof path, "/proc/%ld/status", pid);
	if ((f = fopen(path, "r")) != NULL) {
		while (fgets(line, sizeof line, f) != NULL)
			if (sscanf(line, "VmRSS: %ld", rss_kb) == 1)
				break;
		fclose(f);
	}
}

/* Open the extra clients: each must be refused with the expected error, then closed. */
static int
swarm_extras(double deadline)
{
	char buf[4096];
	int i, fd, bad = 0;

	for (i = 0; i < swarm.extra; i++) {
		struct pollfd p;
		size_t len = 0;
		ssize_t r = 1;
		cJSON *j;
		const char *err;

		if ((fd = swarm_connect()) < 0) {
			fprintf(stderr, "swarm: extra client %d: connect: %s (want the refusal "
			    "\"%s\")\n", i, strerror(-fd), swarm.expect_error);
			bad++;
			continue;
		}
		p.fd = fd;
		p.events = POLLIN;
		while (len < sizeof buf - 1 && memchr(buf, '\n', len) == NULL && r > 0 &&
		    swarm_now() < deadline) {
			if (poll(&p, 1, 200) <= 0)
				continue;
			if ((r = read(fd, buf + len, sizeof buf - 1 - len)) > 0)
				len += (size_t)r;
		}
		buf[len] = '\0';
		buf[strcspn(buf, "\n")] = '\0';
		j = cJSON_Parse(buf);
		err = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(j, "error"));
		if (j == NULL || !cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(j, "ok")) ||
		    err == NULL || strcmp(err, swarm.expect_error) != 0) {
			fprintf(stderr, "swarm: extra client %d: want {\"ok\":false,\"error\":\"%s\"}, "
			    "got \"%s\"\n", i, swarm.expect_error, buf);
			bad++;
		} else {
			/* then the daemon closes it: EOF (or a reset, had we sent anything) */
			r = 1;
			while (r > 0 && swarm_now() < deadline) {
				if (poll(&p, 1, 200) > 0 && (r = read(fd, buf, sizeof buf)) > 0) {
					fprintf(stderr, "swarm: extra client %d: want the connection "
					    "closed after the refusal, got more: %.*s\n", i, (int)r, buf);
					bad++;
				}
			}
			if (r > 0 || (r < 0 && errno != ECONNRESET)) {
				fprintf(stderr, "swarm: extra client %d: want the connection closed "
				    "after the refusal, got %s\n", i,
				    r > 0 ? "no end (-T)" : strerror(errno));
				bad++;
			} else
				printf("swarm: extra client %d refused: %s\n", i, err);
		}
		cJSON_Delete(j);
		close(fd);
		swarm.open--;
	}
	return bad;
}

/* Read a whole file (the submitters' spec); NULL with a message. */
static char *
swarm_slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *s = NULL;
	size_t len = 0, cap = 0, n;

	if (f == NULL) {
		fprintf(stderr, "swarm: %s: %s\n", path, strerror(errno));
		return NULL;
	}
	do {
		if (cap - len < 4096 && (s = realloc(s, cap = cap * 2 + 8192)) == NULL)
			exit(1);
		n = fread(s + len, 1, cap - len - 1, f);
		len += n;
	} while (n > 0);
	fclose(f);
	s[len] = '\0';
	while (len > 0 && (s[len - 1] == '\n' || s[len - 1] == ' '))
		s[--len] = '\0';
	for (n = 0; n < len; n++)	/* one line on the wire */
		if (s[n] == '\n' || s[n] == '\r' || s[n] == '\t')
			s[n] = ' ';
	return s;
}

/* Print usage and exit 2. */
static void __attribute__((noreturn))
swarm_usage(void)
{
	fprintf(stderr, "usage: swarm [-n N] [-W WATCHERS -w SEARCH -t TRIALS] "
	    "[-s SUBMITTERS -S SPEC.json]\n"
	    "             [-g GATE] [-p PID] [-x EXTRA -e ERROR] [-a] [-T SECONDS] SOCKET\n");
	exit(2);
}

/* Connect, serve and check every client, phase by phase; print the summary. */
int
main(int argc, char **argv)
{
	struct client *cl;
	double t0, t_connect, t_first, t_all, deadline;
	long fds_base = -1, rss_base = -1, fds_peak = -1, rss_peak = -1;
	int opt, i, fd, bad = 0, served = 0;
	FILE *g;

	swarm.n = 1000;
	swarm.timeout = 600;
	while ((opt = getopt(argc, argv, "n:W:w:t:s:S:g:p:x:e:aT:")) != -1) {
		switch (opt) {
		case 'n': swarm.n = atoi(optarg); break;
		case 'W': swarm.watchers = atoi(optarg); break;
		case 'w': swarm.watch_search = atoll(optarg); break;
		case 't': swarm.trials = atoi(optarg); break;
		case 's': swarm.submitters = atoi(optarg); break;
		case 'S':
			if ((swarm.spec = swarm_slurp(optarg)) == NULL)
				return 2;
			break;
		case 'g': swarm.gate = optarg; break;
		case 'p': swarm.daemon_pid = atol(optarg); break;
		case 'x': swarm.extra = atoi(optarg); break;
		case 'e': swarm.expect_error = optarg; break;
		case 'a': swarm.allow_refusal = true; break;
		case 'T': swarm.timeout = atof(optarg); break;
		default: swarm_usage();
		}
	}
	if (optind != argc - 1 || swarm.n < 1 || swarm.watchers < 0 || swarm.submitters < 0 ||
	    swarm.watchers + swarm.submitters > swarm.n ||
	    (swarm.watchers > 0 && (swarm.watch_search < 1 || swarm.trials < 0)) ||
	    (swarm.submitters > 0 && swarm.spec == NULL) ||
	    (swarm.extra > 0 && swarm.expect_error == NULL))
		swarm_usage();
	swarm.socket = argv[optind];
	signal(SIGPIPE, SIG_IGN);
	if (swarm_rlimit(swarm.n + swarm.extra) != 0)
		return 1;
	if ((cl = calloc((size_t)swarm.n, sizeof *cl)) == NULL)
		return 1;
	if (swarm.daemon_pid > 0)
		swarm_proc(swarm.daemon_pid, &fds_base, &rss_base);

	/* 1. Every client connects and sends its first request. */
	t0 = swarm_now();
	deadline = t0 + swarm.timeout;
	for (i = 0; i < swarm.n; i++) {
		struct client *c = &cl[i];

		c->index = i;
		c->role = i < swarm.watchers ? ROLE_WATCH :
		    i < swarm.watchers + swarm.submitters ? ROLE_SUBMIT : ROLE_HELLO;
		if ((fd = swarm_connect()) < 0) {
			c->fd = -1;
			if (swarm.allow_refusal) {
				c->stage = STAGE_DROPPED;
				swarm.dropped++;
			} else
				swarm_fail(c, "connect: %s", strerror(-fd));
			continue;
		}
		c->fd = fd;
		swarm_first_request(c);
		if (swarm_flush(c) != 0)
			swarm_close(c);
	}
	t_connect = swarm_now() - t0;

	/* 2. Every client has its first replies: all of them are held at once. */
	swarm_run(cl, swarm.n, STAGE_STREAM, deadline);
	t_first = swarm_now() - t0;
	for (i = 0; i < swarm.n; i++)
		served += cl[i].fd >= 0 && cl[i].stage != STAGE_FAILED &&
		    cl[i].stage != STAGE_REFUSED;
	if (swarm.daemon_pid > 0)
		swarm_proc(swarm.daemon_pid, &fds_peak, &rss_peak);
	if (swarm.gate != NULL) {
		if ((g = fopen(swarm.gate, "w")) == NULL) {
			fprintf(stderr, "swarm: %s: %s\n", swarm.gate, strerror(errno));
			return 1;
		}
		fclose(g);
	}

	/* 3. The watchers follow the search to its end. */
	swarm_run(cl, swarm.n, STAGE_HELD, deadline);
	t_all = swarm_now() - t0;

	/* 4. Extra clients are refused while the first are held; then every held one is served. */
	if (swarm.extra > 0)
		bad += swarm_extras(deadline);
	for (i = 0; i < swarm.n; i++) {
		if (cl[i].fd >= 0 && cl[i].stage == STAGE_HELD) {
			swarm_send(&cl[i], "{\"type\":\"hello\",\"id\":%d}", SWARM_FINAL_ID + i);
			cl[i].stage = STAGE_FINAL;
		}
	}
	swarm_run(cl, swarm.n, STAGE_DONE, deadline);

	printf("swarm: clients %d (watchers %d, submitters %d, hello %d): served %d, refused %d, "
	    "dropped %d, failed %ld\n", swarm.n, swarm.watchers, swarm.submitters,
	    swarm.n - swarm.watchers - swarm.submitters, served, swarm.refused, swarm.dropped,
	    swarm.failures);
	printf("swarm: held at once %d, replies %ld, events %ld", swarm.held_peak, swarm.replies,
	    swarm.events);
	if (swarm.watchers > 0)
		printf(" (%ld per watcher, %d trial_end each)", swarm.events / swarm.watchers,
		    swarm.trials);
	printf("\nswarm: connected in %.2f s, all answered in %.2f s, watchers done in %.2f s, "
	    "finished in %.2f s\n", t_connect, t_first, t_all, swarm_now() - t0);
	if (swarm.daemon_pid > 0)
		printf("swarm: daemon %ld: %ld descriptors and %ld kB RSS before, %ld descriptors "
		    "and %ld kB RSS with every client held\n", swarm.daemon_pid, fds_base,
		    rss_base, fds_peak, rss_peak);
	printf("swarm-result: served=%d refused=%d dropped=%d failed=%ld held=%d replies=%ld "
	    "events=%ld daemon_fds_before=%ld daemon_fds_peak=%ld daemon_rss_kb_before=%ld "
	    "daemon_rss_kb_peak=%ld\n", served, swarm.refused, swarm.dropped, swarm.failures,
	    swarm.held_peak, swarm.replies, swarm.events, fds_base, fds_peak, rss_base, rss_peak);
	for (i = 0; i < swarm.n; i++) {
		swarm_close(&cl[i]);
		free(cl[i].in);
		free(cl[i].out);
		free(cl[i].error);
	}
	free(cl);
	free(swarm.spec);
	if (swarm.failures > 0)
		fprintf(stderr, "swarm: %ld clients failed (the first %d are listed above)\n",
		    swarm.failures, SWARM_MAX_ERRORS);
	return swarm.failures > 0 || bad > 0 ? 1 : 0;
}
