/*
 * fuzz_request.c: libFuzzer target for tunad's client protocol. The daemon is set up in this
 * process as daemon/tunad.c main sets it up — the default libuv loop, a store on a temporary
 * database, the socket server, the front and its engine — but with no worker slots
 * (max_workers 0; spec_parse treats it as 1, as tunad --workers 1 does) and an executor of the
 * harness's own that checks data sets in this process (with the worker's loader, as
 * `tuna-worker --check` does) and starts no trial (a fork made each accepted submit 15 times
 * slower). Each input is written by a new client to the socket in two pieces (lines split
 * across reads), followed by "\n" and a hello request (the sentinel), and the loop runs until
 * every line has its reply. So the real code runs: conn.c reads, lines.c splits, request.c
 * parses and dispatches, spec.c checks a submitted spec, and a spec that passes goes on to the
 * engine — the data-set check, the memory model, the store, the scheduler, events.
 *
 * Checked: every line the daemon sends is one JSON object, either a reply with a boolean "ok"
 * (and a string "error" when false) or a watch event; every non-empty line of the input gets
 * exactly one reply (fewer only when the daemon closes the connection: shutdown); the sentinel
 * is answered; nothing hangs. Any failure aborts, which libFuzzer reports (ASan and UBSan do
 * the rest). Between inputs the searches an input started are cancelled, a shut-down daemon
 * is started again, and the store is started afresh when it grows, so memory stays bounded.
 *
 * Specs can name two small data sets the harness provides, so that submits get through:
 * "/proc/self/fd/900" (a CSV file) and "/proc/self/fd/901" (a directory of IDX files).
 */
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dataset.h"
#include "engine.h"
#include "exec.h"
#include "front.h"
#include "log.h"
#include "server.h"
#include "xmalloc.h"

#define FUZZ_REQUEST_MAX_INPUT	(1 << 19)
#define FUZZ_REQUEST_SENTINEL	"\n{\"type\":\"hello\",\"id\":\"fuzz-sentinel\"}\n"
#define FUZZ_REQUEST_CSV_FD	900
#define FUZZ_REQUEST_IDX_FD	901
#define FUZZ_REQUEST_MAX_EVENTS	64	/* the store starts afresh beyond (status replies grow) */
#define FUZZ_REQUEST_DEADLINE	30	/* seconds an input may take */

/* What the client has read back for one input. */
struct fuzz_request_replies {
	char *buf;
	size_t len, cap;
	int ok;			/* replies {"ok": …} */
	int events;		/* watch events */
	bool sentinel;		/* the sentinel was answered */
};

static char *fuzz_request_dir;
static struct front fuzz_front;

/* Report a broken property and abort. */
static void __attribute__((noreturn))
fuzz_request_fail(const char *what, const char *detail)
{
	fprintf(stderr, "fuzz_request: %s%s%s\n", what, detail != NULL ? ": " : "",
	    detail != NULL ? detail : "");
	abort();
}

/* Remove one entry of the temporary directory (nftw callback). */
static int
fuzz_request_rm(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	remove(path);
	return 0;
}

/* At exit: remove the temporary directory. */
static void
fuzz_request_cleanup(void)
{
	if (fuzz_request_dir != NULL)
		nftw(fuzz_request_dir, fuzz_request_rm, 16, FTW_DEPTH | FTW_PHYS);
}

/* Write a file in the temporary directory. */
static void
fuzz_request_file(const char *name, const void *data, size_t len)
{
	char *path = xasprintf("%s/%s", fuzz_request_dir, name);
	FILE *f = fopen(path, "wb");

	if (f == NULL || fwrite(data, 1, len, f) != len || fclose(f) != 0)
		fuzz_request_fail("cannot write", path);
	free(path);
}

/* Open a file of the temporary directory on a fixed descriptor (its /proc/self/fd path). */
static void
fuzz_request_fd(const char *name, int flags, int target)
{
	char *path = xasprintf("%s/%s", fuzz_request_dir, name);
	int fd = open(path, flags | O_RDONLY);

	if (fd < 0 || dup2(fd, target) != target)
		fuzz_request_fail("cannot open", path);
	close(fd);
	free(path);
}

/* The small data sets a spec can name: 12 rows of 2 features, 2 classes, CSV and IDX. */
static void
fuzz_request_datasets(void)
{
	static const unsigned char images[4 + 12 + 12 * 4] = { 0, 0, 8, 3, 0, 0, 0, 12,
	    0, 0, 0, 2, 0, 0, 0, 2, 1, 2, 3, 4, 9, 8, 7, 6, 1, 3, 5, 7, 8, 6, 4, 2, 2, 2, 3, 3,
	    9, 9, 8, 8, 0, 1, 2, 3, 7, 7, 6, 6, 1, 1, 1, 1, 8, 8, 9, 9, 3, 2, 1, 0, 6, 7, 8, 9 };
	static const unsigned char labels[8 + 12] = { 0, 0, 8, 1, 0, 0, 0, 12,
	    0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1 };
	static const char csv[] = "label,a,b\n0,1,2\n1,9,8\n0,1.5,3\n1,8.5,7\n0,2,2\n1,9,9\n"
	    "0,0,1\n1,7,6\n0,1,1\n1,8,9\n0,3,2\n1,6,7\n";
	char *dir = xasprintf("%s/idx", fuzz_request_dir);

	fuzz_request_file("data.csv", csv, sizeof csv - 1);
	if (mkdir(dir, 0700) != 0)
		fuzz_request_fail("cannot create", dir);
	free(dir);
	fuzz_request_file("idx/train-images-idx3-ubyte", images, sizeof images);
	fuzz_request_file("idx/train-labels-idx1-ubyte", labels, sizeof labels);
	fuzz_request_fd("data.csv", 0, FUZZ_REQUEST_CSV_FD);
	fuzz_request_fd("idx", O_DIRECTORY, FUZZ_REQUEST_IDX_FD);
}

/* The harness's executor: checks a data set here, as tuna-worker --check does. */
static void
fuzz_request_check(struct exec *x, const struct exec_check_req *req, exec_check_cb *cb,
    void *arg)
{
	struct dataset_source src;
	struct exec_dataset info;
	struct dataset ds;
	char *cause = NULL, *msg;

	(void)x;
	memset(&ds, 0, sizeof ds);
	memset(&src, 0, sizeof src);
	memset(&info, 0, sizeof info);
	if (req->dataset == NULL) {	/* a user's trainer: nothing here can run it */
		cb(arg, NULL, "trainer: not in the fuzz harness", EXEC_FAULT_NONE);
		return;
	}
	if (source_parse(&src, req->dataset, "dataset", &cause) != 0 ||
	    dataset_open(&ds, &src, &cause) != 0) {
		msg = xasprintf("dataset: %s", cause);	/* as tuna-worker --check answers */
		cb(arg, NULL, msg, EXEC_FAULT_NONE);
		free(msg);
		goto out;
	}
	info.n_train = ds.n_train;
	info.n_val = ds.n_val;
	info.n_test = ds.n_test;
	info.features = ds.features;
	info.classes = ds.classes;
	info.element_size = ds.ftype == DATASET_U8 ? 1 : 4;
	info.class_names = dataset_class_names_json(&ds);
	cb(arg, &info, NULL, EXEC_FAULT_NONE);
	cJSON_Delete(info.class_names);
out:
	source_free(&src);
	dataset_close(&ds);
	free(cause);
}

/* The harness's executor starts no trial (there are no worker slots anyway). */
static int
fuzz_request_start_trial(struct exec *x, const struct exec_job *job, void *trial,
    char **cause)
{
	(void)x;
	(void)trial;
	return xcause(cause, -ENOEXEC, "trial %lld: the fuzz harness runs no trials",
	    (long long)job->id);
}

/* No trial runs: no command has a trial to go to. */
static int
fuzz_request_command(struct exec *x, void *trial, const struct exec_cmd *cmd, char **cause)
{
	(void)x;
	(void)trial;
	return xcause(cause, -EPIPE, "%s: no trial runs here", exec_cmd_name(cmd->kind));
}

/* Nothing to kill. */
static void
fuzz_request_kill(struct exec *x, void *trial)
{
	(void)x;
	(void)trial;
}

/* Nothing to kill. */
static void
fuzz_request_kill_all(struct exec *x)
{
	(void)x;
}

/* No process runs. */
static int
fuzz_request_slots(const struct exec *x)
{
	(void)x;
	return 0;
}

/* The executor is static. */
static void
fuzz_request_exec_free(struct exec *x)
{
	(void)x;
}

static const struct exec_ops fuzz_request_exec_ops = {
	.name = "fuzz",
	.check = fuzz_request_check,
	.start = fuzz_request_start_trial,
	.command = fuzz_request_command,
	.kill = fuzz_request_kill,
	.kill_all = fuzz_request_kill_all,
	.slots = fuzz_request_slots,
	.free = fuzz_request_exec_free,
};

static struct exec fuzz_request_exec = { .ops = &fuzz_request_exec_ops };

/* Start serving, as tunad.c main does after opening the store (signals left to libFuzzer). */
static void
fuzz_request_start(void)
{
	struct front *f = &fuzz_front;
	char *cause = NULL;

	f->stopping = false;
	f->server_stopped = f->server_paused = f->server_timer_ready = false;
	if (server_listen(f, &cause) != 0)
		fuzz_request_fail("server_listen", cause);
	if (front_open(f, &cause) != 0)
		fuzz_request_fail("front_open", cause);
}

/* Open the store on a new, empty database. */
static void
fuzz_request_store(void)
{
	static const char *const suffix[] = { "", "-wal", "-shm" };
	struct front *f = &fuzz_front;
	char *cause = NULL, *path;
	int i;

	if (f->store != NULL)
		store_close(f->store);
	for (i = 0; i < 3; i++) {
		path = xasprintf("%s%s", f->db_path, suffix[i]);
		unlink(path);
		free(path);
	}
	if (store_open(&f->store, f->db_path, &cause) != 0)
		fuzz_request_fail("store_open", cause);
}

/* Set up the daemon once: a temporary directory with its database, socket and data sets. */
int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct front *f = &fuzz_front;
	const char *tmp = getenv("TMPDIR");
	char *cache;

	(void)argc;
	(void)argv;
	fuzz_request_dir = xasprintf("%s/fuzz_request.XXXXXX", tmp != NULL && *tmp ? tmp : "/tmp");
	if (mkdtemp(fuzz_request_dir) == NULL)
		fuzz_request_fail("mkdtemp", strerror(errno));
	atexit(fuzz_request_cleanup);
	cache = xasprintf("%s/cache", fuzz_request_dir);
	setenv("TUNA_CACHE_DIR", cache, 1);
	free(cache);
	fuzz_request_datasets();
	if (getenv("TUNA_FUZZ_LOG") == NULL)
		log_open("/dev/null");
	signal(SIGPIPE, SIG_IGN);

	f->max_workers = 0;	/* no trial starts (see the top) */
	f->socket_path = xasprintf("%s/tunad.sock", fuzz_request_dir);
	f->db_path = xasprintf("%s/tuna.db", fuzz_request_dir);
	f->ckpt_dir = xasprintf("%s/tuna.db.ckpt", fuzz_request_dir);
	f->worker_path = NULL;	/* no Slurm executor here: its searches are refused */
	f->exec = &fuzz_request_exec;
	fuzz_request_store();
	f->loop = uv_default_loop();
	fuzz_request_start();
	return 0;
}

/* Lines the daemon must answer in buf: '\n'-terminated and not empty ("\r" alone counts). */
static int
fuzz_request_lines(const char *buf, size_t len)
{
	size_t i, start = 0;
	int n = 0;

	for (i = 0; i < len; i++) {
		if (buf[i] == '\n') {
			n += i > start;
			start = i + 1;
		}
	}
	return n;
}

/* Check one line the daemon sent: a reply with a boolean "ok", or a watch event. */
static void
fuzz_request_reply(struct fuzz_request_replies *r, const char *line, size_t len)
{
	const char *end = NULL;
	const cJSON *ok, *id;
	cJSON *json;

	json = cJSON_ParseWithLengthOpts(line, len, &end, 0);
	if (json == NULL || end != line + len || !cJSON_IsObject(json))
		fuzz_request_fail("a reply is not one JSON object", line);
	if ((ok = cJSON_GetObjectItemCaseSensitive(json, "ok")) != NULL) {
		if (!cJSON_IsBool(ok))
			fuzz_request_fail("\"ok\" is not a boolean", line);
		if (cJSON_IsFalse(ok) &&
		    !cJSON_IsString(cJSON_GetObjectItemCaseSensitive(json, "error")))
			fuzz_request_fail("a refusal without an \"error\" string", line);
		id = cJSON_GetObjectItemCaseSensitive(json, "id");
		if (cJSON_IsString(id) && strcmp(id->valuestring, "fuzz-sentinel") == 0) {
			if (!cJSON_IsTrue(ok) || r->sentinel)
				fuzz_request_fail("the sentinel is not answered once, ok", line);
			r->sentinel = true;
		}
		r->ok++;
	} else if (cJSON_IsString(cJSON_GetObjectItemCaseSensitive(json, "event")))
		r->events++;
	else
		fuzz_request_fail("a line that is neither a reply nor an event", line);
	cJSON_Delete(json);
}

/* Read what the daemon sent; check each whole line. Returns 1 at EOF, else 0. */
static int
fuzz_request_read(int fd, struct fuzz_request_replies *r, bool *progress)
{
	char *nl, *start;
	ssize_t n;

	for (;;) {
		if (r->cap - r->len < 65536) {
			r->cap = r->cap ? r->cap * 2 : 1 << 17;
			r->buf = xreallocarray(r->buf, r->cap, 1);
		}
		n = read(fd, r->buf + r->len, r->cap - r->len - 1);
		if (n == 0 || (n < 0 && errno == ECONNRESET))
			return 1;
		if (n < 0) {
			if (errno == EAGAIN || errno == EINTR)
				return 0;
			fuzz_request_fail("read", strerror(errno));
		}
		*progress = true;
		r->len += (size_t)n;
		start = r->buf;
		while ((nl = memchr(start, '\n', r->len - (size_t)(start - r->buf))) != NULL) {
			*nl = '\0';
			if ((size_t)(nl - start) != strlen(start))
				fuzz_request_fail("a reply holds a NUL byte", start);
			fuzz_request_reply(r, start, (size_t)(nl - start));
			start = nl + 1;
		}
		r->len -= (size_t)(start - r->buf);
		memmove(r->buf, start, r->len);
	}
}

/* Wait a little for the client socket (fd >= 0) or the loop's epoll descriptor to have news. */
static void
fuzz_request_wait(int fd, bool writing)
{
	struct pollfd p[2] = {
		{ .fd = uv_backend_fd(fuzz_front.loop), .events = POLLIN },
		{ .fd = fd, .events = POLLIN | (writing ? POLLOUT : 0) },
	};
	int timeout = uv_backend_timeout(fuzz_front.loop);

	poll(p, fd >= 0 ? 2 : 1, timeout < 0 || timeout > 10 ? 10 : timeout);
}

/* Whether the daemon has accepted the client (the conns list is empty between inputs). */
static bool
fuzz_request_accepted(void)
{
	return !TAILQ_EMPTY(&fuzz_front.conns);
}

/* Whether the daemon has let go of every client. */
static bool
fuzz_request_no_conns(void)
{
	return TAILQ_EMPTY(&fuzz_front.conns);
}

/* Whether a stopped daemon has closed every handle (main's uv_run would return). */
static bool
fuzz_request_stopped(void)
{
	return !uv_loop_alive(fuzz_front.loop);
}

/* Whether a stopped engine has closed its timers. */
static bool
fuzz_request_engine_stopped(void)
{
	return fuzz_front.engine->stopped && fuzz_front.engine->handles == 0;
}

/* Run the loop until done() holds; a hang is a failure, with the handles still open. */
static void
fuzz_request_until(bool (*done)(void), const char *what)
{
	uint64_t deadline = uv_hrtime() + (uint64_t)FUZZ_REQUEST_DEADLINE * 1000000000;

	for (;;) {
		uv_run(fuzz_front.loop, UV_RUN_NOWAIT);
		if (done())
			break;
		if (uv_hrtime() > deadline) {
			uv_print_all_handles(fuzz_front.loop, stderr);
			fuzz_request_fail("the daemon hangs", what);
		}
		fuzz_request_wait(-1, false);
	}
	uv_run(fuzz_front.loop, UV_RUN_NOWAIT);	/* close callbacks */
}

/* Connect a client to the daemon and let it accept the connection. */
static int
fuzz_request_connect(void)
{
	struct sockaddr_un sa;
	int fd;

	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0)) < 0)
		fuzz_request_fail("socket", strerror(errno));
	memset(&sa, 0, sizeof sa);
	sa.sun_family = AF_UNIX;
	strncpy(sa.sun_path, fuzz_front.socket_path, sizeof sa.sun_path - 1);
	if (connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0)
		fuzz_request_fail("connect", strerror(errno));
	fuzz_request_until(fuzz_request_accepted, "accepting a client");
	return fd;
}

/*
 * After an input: forget its searches, start a stopped daemon again, keep the store small (a
 * new store needs a new engine: the old one is stopped first).
 */
static void
fuzz_request_tidy(void)
{
	struct front *f = &fuzz_front;
	int64_t ids[1];
	char *cause = NULL;
	int n;

	if (f->stopping) {	/* a shutdown request */
		fuzz_request_until(fuzz_request_stopped, "stopping after a shutdown");
		front_close(f);
		fuzz_request_start();
	}
	while (engine_searches(f->engine, ids, 1) > 0) {	/* no trial runs: a cancel ends it */
		if (engine_cancel(f->engine, ids[0], &n, &cause) != 0)
			fuzz_request_fail("cancel", cause);
		if (engine_running(f->engine, ids[0]))
			fuzz_request_fail("a cancelled search is still running", NULL);
	}
	if (engine_commit(f->engine, &cause) != 0)
		fuzz_request_fail("engine_commit", cause);
	if (engine_last_event(f->engine) > FUZZ_REQUEST_MAX_EVENTS) {
		engine_stop(f->engine, "a new store");
		fuzz_request_until(fuzz_request_engine_stopped, "stopping the engine");
		front_close(f);
		fuzz_request_store();
		if (front_open(f, &cause) != 0)
			fuzz_request_fail("front_open", cause);
	}
}

/* Where to cut an input in two writes the daemon reads apart: a hash of its bytes. */
static size_t
fuzz_request_cut(const uint8_t *data, size_t size)
{
	uint64_t h = 14695981039346656037u;
	size_t i;

	for (i = 0; i < size; i++)
		h = (h ^ data[i]) * 1099511628211u;
	return size > 0 ? (size_t)(h % (size + 1)) : 0;
}

/* Whether the daemon has read everything the client wrote (nothing left in the socket). */
static bool
fuzz_request_drained(int fd)
{
	int queued = 0;

	return ioctl(fd, TIOCOUTQ, &queued) != 0 || queued == 0;
}

/*
 * One input: the bytes a client sends — in two writes, cut where fuzz_request_cut says, the
 * second only once the daemon has read the first, so lines are split across reads — then the
 * sentinel; every line must be answered.
 */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct fuzz_request_replies r;	/* its buffer is kept from input to input */
	uint64_t deadline = uv_hrtime() + (uint64_t)FUZZ_REQUEST_DEADLINE * 1000000000;
	size_t len = size + sizeof FUZZ_REQUEST_SENTINEL - 1, off = 0, cut;
	bool eof = false, progress;
	int fd, expected;
	ssize_t n;
	char *buf, msg[128];

	if (size > FUZZ_REQUEST_MAX_INPUT)
		return -1;
	buf = xmalloc(len);
	memcpy(buf, data, size);
	memcpy(buf + size, FUZZ_REQUEST_SENTINEL, sizeof FUZZ_REQUEST_SENTINEL - 1);
	expected = fuzz_request_lines(buf, len);
	r.len = 0;
	r.ok = r.events = 0;
	r.sentinel = false;
	cut = fuzz_request_cut(data, size);

	fd = fuzz_request_connect();
	while (!eof) {
		progress = false;
		if (off == cut && cut < len && fuzz_request_drained(fd))
			cut = len;
		if (off < cut) {
			n = send(fd, buf + off, cut - off, MSG_NOSIGNAL);
			if (n > 0) {
				off += (size_t)n;
				progress = true;
			} else if (n < 0 && errno != EAGAIN && errno != EINTR)
				off = cut = len;	/* the daemon closed the connection */
		}
		uv_run(fuzz_front.loop, UV_RUN_NOWAIT);
		eof = fuzz_request_read(fd, &r, &progress);
		if (off == len && r.ok >= expected)
			break;
		if (uv_hrtime() > deadline) {
			snprintf(msg, sizeof msg, "%d replies of %d after %d s", r.ok, expected,
			    FUZZ_REQUEST_DEADLINE);
			fuzz_request_fail("the daemon does not answer", msg);
		}
		if (!progress)
			fuzz_request_wait(fd, off < cut);
	}
	if (r.ok > expected || (!eof && (r.ok != expected || !r.sentinel))) {
		snprintf(msg, sizeof msg, "%d replies to %d lines%s", r.ok, expected,
		    eof ? " before the daemon closed the connection" : "");
		fuzz_request_fail("not one reply per line", msg);
	}
	close(fd);
	fuzz_request_until(fuzz_request_no_conns, "closing a client");
	fuzz_request_tidy();
	free(buf);
	return 0;
}
