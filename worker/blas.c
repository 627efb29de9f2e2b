/*
 * blas.c: the BLAS kernel tuna-worker trains on. OpenBLAS picks a kernel (its "core") from the
 * CPU when it loads: on a CPU it does not know it falls back to a slow one (Prescott, SSE3),
 * and older builds have picked wrong ones on some new CPUs. So before its first trial the
 * worker checks, unless the user set OPENBLAS_CORETYPE: it runs itself with --blas-probe once
 * per candidate — OpenBLAS's choice and each kernel of the same tier or better that the CPU
 * supports, OPENBLAS_CORETYPE set in the child's environment since OpenBLAS reads it only when
 * it loads — takes the fastest that passes the self-test (blastest.c), caches the choice for
 * the machine and re-executes itself with it. A child that crashes rejects its candidate only.
 */
#include <cblas.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cJSON.h>

#include "blas.h"
#include "blascpu.h"
#include "blastest.h"
#include "cache.h"
#include "source.h"
#include "worker-protocol.h"
#include "xmalloc.h"

#define BLAS_VERSION	1		/* of the probe and its cache entries: part of the key */
#define BLAS_MARGIN	1.05		/* another kernel must be this much faster to replace */
#define BLAS_MAX_REPORT	(64 << 10)	/* the longest report of a probe or cache entry */
#define BLAS_PROBE_TIMEOUT 60		/* seconds a probe may take before SIGALRM ends it */
#define BLAS_ENV_CHOSEN	"TUNA_BLAS_CHOSEN"	/* why, set for the re-executed worker */
#define BLAS_ENV_TEST	"TUNA_BLAS_TEST"	/* the tests' faults: see blas_hook */

/* The choice, made once per process. */
static struct {
	char *core;		/* the kernel OpenBLAS runs in this process */
	char *why;
	const char *cache;	/* hit, new, stale (re-measured), off (no cache directory) */
	char *cache_path;
	double seconds;		/* spent choosing in this process */
	cJSON *candidates;	/* the probes' reports; NULL when none ran or were cached */
} blas;

/* Whether the test hook (TUNA_BLAS_TEST="default=CORE,wrong=CORE,crash=CORE") says what=core. */
static bool
blas_hook(const char *what, const char *core)
{
	const char *s = getenv(BLAS_ENV_TEST), *p;
	size_t wl = strlen(what), cl = strlen(core);

	for (p = s; p != NULL && *p != '\0'; p += strcspn(p, ",") + (p[strcspn(p, ",")] == ',')) {
		if (strncmp(p, what, wl) == 0 && p[wl] == '=' && strncmp(p + wl + 1, core, cl) == 0 &&
		    (p[wl + 1 + cl] == ',' || p[wl + 1 + cl] == '\0'))
			return true;
	}
	return false;
}

/* The core the test hook says OpenBLAS chose ("default=CORE"), or NULL. */
static char *
blas_hook_default(void)
{
	const char *s = getenv(BLAS_ENV_TEST), *p;

	if (s == NULL || (p = strstr(s, "default=")) == NULL || (p != s && p[-1] != ','))
		return NULL;
	p += strlen("default=");
	return xasprintf("%.*s", (int)strcspn(p, ","), p);
}

/* tuna-worker --blas-probe [MS]: self-test and time the loaded kernel; print the report. */
int
blas_probe_main(int argc, char **argv)
{
	const char *core = openblas_get_corename();
	const char *fault = blas_hook("crash", core) ? "crash" : blas_hook("wrong", core) ?
	    "wrong" : NULL;
	int ms = argc > 2 ? atoi(argv[2]) : BLASTEST_PROBE_MS;
	cJSON *report;
	char *line;

	alarm(BLAS_PROBE_TIMEOUT);	/* a kernel that hangs is rejected as one that crashes */
	report = blastest_run(core, fault, ms > 0 ? ms : BLASTEST_PROBE_MS);
	line = cJSON_PrintUnformatted(report);
	printf("%s\n", line);
	free(line);
	cJSON_Delete(report);
	return fflush(stdout) == 0 ? 0 : 1;
}

/* The environment of a probe: ours without the variables the probe must not inherit. */
static char **
blas_probe_env(const char *core)
{
	extern char **environ;
	static const char *const drop[] = { "OPENBLAS_CORETYPE=", "OPENBLAS_NUM_THREADS=",
	    "TUNA_PARENT=", BLAS_ENV_CHOSEN "=" };
	size_t n = 0, j = 0, i, k;
	char **env;

	while (environ[n] != NULL)
		n++;
	env = xcalloc(n + 3, sizeof *env);
	for (i = 0; i < n; i++) {
		for (k = 0; k < sizeof drop / sizeof *drop; k++)
			if (strncmp(environ[i], drop[k], strlen(drop[k])) == 0)
				break;
		if (k == sizeof drop / sizeof *drop)
			env[j++] = xstrdup(environ[i]);
	}
	env[j++] = xstrdup("OPENBLAS_NUM_THREADS=1");
	if (*core != '\0')
		env[j++] = xasprintf("OPENBLAS_CORETYPE=%s", core);
	return env;
}

/* Free a NULL-terminated array of strings. */
static void
blas_free_strv(char **v)
{
	size_t i;

	for (i = 0; v != NULL && v[i] != NULL; i++)
		free(v[i]);
	free(v);
}

/*
 * Run exe --blas-probe with OPENBLAS_CORETYPE=core ("": OpenBLAS's own choice) and return its
 * report; a probe that crashed, failed or printed no report yields {core, ok: false, why}.
 */
static cJSON *
blas_probe(const char *exe, const char *core)
{
	char *argv[] = { (char *)exe, (char *)"--blas-probe", NULL }, **env = blas_probe_env(core);
	char *buf = xmalloc(BLAS_MAX_REPORT + 1), *why = NULL;
	posix_spawn_file_actions_t fa;
	cJSON *report = NULL, *c;
	size_t len = 0;
	ssize_t n;
	pid_t pid = -1;
	int fds[2] = { -1, -1 }, status, err;

	if (pipe2(fds, O_CLOEXEC) != 0) {
		why = xasprintf("pipe: %s", strerror(errno));
		goto out;
	}
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_adddup2(&fa, fds[1], 1);
	posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
	err = posix_spawn(&pid, exe, &fa, NULL, argv, env);
	posix_spawn_file_actions_destroy(&fa);
	close(fds[1]);
	if (err != 0) {
		why = xasprintf("cannot start %s: %s", exe, strerror(err));
		goto out;
	}
	while (len < BLAS_MAX_REPORT && ((n = read(fds[0], buf + len, BLAS_MAX_REPORT - len)) > 0 ||
	    (n < 0 && errno == EINTR)))
		len += n > 0 ? (size_t)n : 0;
	buf[len] = '\0';
	if (len == BLAS_MAX_REPORT)
		kill(pid, SIGKILL);	/* it would block on a full pipe */
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (WIFSIGNALED(status))
		why = xasprintf("killed by signal %d (%s)", WTERMSIG(status),
		    strsignal(WTERMSIG(status)));
	else if (WEXITSTATUS(status) != 0)
		why = xasprintf("exited with status %d", WEXITSTATUS(status));
	else if ((report = cJSON_Parse(buf)) == NULL || !cJSON_IsObject(report) ||
	    !cJSON_IsString(c = cJSON_GetObjectItemCaseSensitive(report, "core")) ||
	    !cJSON_IsBool(cJSON_GetObjectItemCaseSensitive(report, "ok")))
		why = xstrdup("printed no report");
	else if (*core != '\0' && strcmp(c->valuestring, core) != 0)
		why = xasprintf("OpenBLAS ran %s instead", c->valuestring);
out:
	if (why != NULL) {
		cJSON_Delete(report);
		report = cJSON_CreateObject();
		cJSON_AddStringToObject(report, "core", *core != '\0' ? core : "(OpenBLAS's)");
		cJSON_AddFalseToObject(report, "ok");
		cJSON_AddStringToObject(report, "why", why);
	}
	if (fds[0] >= 0)
		close(fds[0]);
	blas_free_strv(env);
	free(why);
	free(buf);
	return report;
}

/* A report's rate when it passed, else 0. */
static double
blas_rate(const cJSON *report)
{
	const cJSON *g = cJSON_GetObjectItemCaseSensitive(report, "gflops");

	return cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(report, "ok")) && cJSON_IsNumber(g) ?
	    g->valuedouble : 0;
}

/* A report's core name. */
static const char *
blas_report_core(const cJSON *report)
{
	return cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(report, "core"));
}

/* A failed report's reason. */
static const char *
blas_report_why(const cJSON *report)
{
	const char *s = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(report, "why"));

	return s != NULL ? s : "failed";
}

/*
 * Probe def (OpenBLAS's choice; probed as "" unless the test hook names it) and every kernel of
 * its tier or better that cpu supports; choose. Returns the cache entry {core, why, candidates},
 * or NULL with *cause when no kernel passed.
 */
static cJSON *
blas_measure(const char *exe, const char *def, bool def_hooked, const struct blascpu *cpu,
    char **cause)
{
	cJSON *entry = cJSON_CreateObject(), *cands = cJSON_CreateArray(), *r, *best = NULL;
	const char *more[BLASCPU_MAX];
	cJSON *dr;
	int i, n;
	char *failed = xstrdup(""), *why;

	dr = blas_probe(exe, def_hooked ? def : "");
	cJSON_ReplaceItemInObject(dr, "core", cJSON_CreateString(def));
	cJSON_AddItemToArray(cands, dr);
	n = blascpu_candidates(cpu, def, more, BLASCPU_MAX);
	for (i = 0; i < n; i++)
		cJSON_AddItemToArray(cands, blas_probe(exe, more[i]));
	cJSON_ArrayForEach(r, cands) {
		if (blas_rate(r) > (best != NULL ? blas_rate(best) : 0))
			best = r;
		if (blas_rate(r) == 0) {
			char *f = xasprintf("%s%s%s: %s", failed, *failed ? "; " : "",
			    blas_report_core(r), blas_report_why(r));

			free(failed);
			failed = f;
		}
	}
	if (best == NULL) {
		xcause(cause, -ENOEXEC, "no BLAS kernel passed tuna-worker's self-test: %s", failed);
		cJSON_Delete(cands);
		cJSON_Delete(entry);
		entry = NULL;
		goto out;
	}
	if (best != dr && blas_rate(dr) > 0 && blas_rate(best) < BLAS_MARGIN * blas_rate(dr))
		best = dr;	/* a few per cent is noise: keep OpenBLAS's own choice */
	cJSON_AddStringToObject(entry, "core", blas_report_core(best));
	if (best == dr && cJSON_GetArraySize(cands) == 1)
		why = xasprintf("OpenBLAS chose %s, the best kernel for this CPU; verified "
		    "(%.0f GFLOP/s at the trainer's shapes)", def, blas_rate(dr));
	else if (best == dr)
		why = xasprintf("OpenBLAS chose %s; verified, the fastest of %d kernels tried "
		    "(%.0f GFLOP/s at the trainer's shapes)", def, cJSON_GetArraySize(cands),
		    blas_rate(dr));
	else if (blas_rate(dr) > 0)
		why = xasprintf("OpenBLAS chose %s; %s verified, %.1f× faster at the trainer's "
		    "shapes (%.0f vs %.0f GFLOP/s): using it", def, blas_report_core(best),
		    blas_rate(best) / blas_rate(dr), blas_rate(best), blas_rate(dr));
	else
		why = xasprintf("OpenBLAS chose %s, which failed the self-test (%s); %s verified "
		    "(%.0f GFLOP/s at the trainer's shapes): using it", def, blas_report_why(dr),
		    blas_report_core(best), blas_rate(best));
	cJSON_AddStringToObject(entry, "why", why);
	free(why);
	cJSON_AddItemToObject(entry, "candidates", cands);
out:
	free(failed);
	return entry;
}

/* The cache key: what the choice depends on — the probe, the CPU, OpenBLAS, its choice, hooks. */
static char *
blas_key(const struct blascpu *cpu, const char *def)
{
	const char *hook = getenv(BLAS_ENV_TEST);
	const unsigned *r = cpu->regs;

	return xasprintf("tuna-blas %d; cpu %s; cpuid %08x %08x %08x %08x %08x %08x %08x %08x; "
	    "%s; chose %s; test %s", BLAS_VERSION, cpu->brand, r[0], r[1], r[2], r[3], r[4], r[5],
	    r[6], r[7], openblas_get_config(), def, hook != NULL ? hook : "none");
}

/* Read a cache entry for key: the entry when it is whole and says a verified kernel, or NULL. */
static cJSON *
blas_cache_read(const char *path, const char *key)
{
	char *buf = xmalloc(BLAS_MAX_REPORT + 1);
	const cJSON *r, *core;
	cJSON *entry = NULL;
	size_t n = 0;
	FILE *f;

	if ((f = fopen(path, "re")) != NULL) {
		n = fread(buf, 1, BLAS_MAX_REPORT, f);
		fclose(f);
	}
	buf[n] = '\0';
	if (f == NULL || (entry = cJSON_Parse(buf)) == NULL)
		goto out;
	if (strcmp(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(entry, "key")) ?: "",
	    key) != 0 || !cJSON_IsString(cJSON_GetObjectItemCaseSensitive(entry, "why")) ||
	    !cJSON_IsString(core = cJSON_GetObjectItemCaseSensitive(entry, "core")))
		goto stale;
	cJSON_ArrayForEach(r, cJSON_GetObjectItemCaseSensitive(entry, "candidates")) {
		if (blas_rate(r) > 0 && strcmp(blas_report_core(r) ?: "", core->valuestring) == 0)
			goto out;	/* the kernel it names passed */
	}
stale:
	cJSON_Delete(entry);
	entry = NULL;
out:
	free(buf);
	return entry;
}

/*
 * The choice for this machine, from the cache in the worker's cache directory or measured
 * (and cached, under a lock: workers starting at once measure once). NULL with *cause when
 * no kernel passed.
 */
static cJSON *
blas_cached(const char *exe, const char *def, bool def_hooked, char **cause)
{
	struct blascpu cpu;
	char *dir = source_cache_dir(), *key, *text;
	cJSON *entry = NULL;
	int lock = -1;

	blascpu_read(&cpu);
	key = blas_key(&cpu, def);
	blas.cache = "off";
	if (dir != NULL && cache_mkdir(dir, NULL) == 0) {
		blas.cache_path = xasprintf("%s/tuna-blas-%016llx.json", dir,
		    (unsigned long long)cache_hash(key, strlen(key)));
		lock = cache_lock(blas.cache_path, NULL);
		if ((entry = blas_cache_read(blas.cache_path, key)) != NULL) {
			blas.cache = "hit";
			goto out;
		}
		blas.cache = access(blas.cache_path, F_OK) == 0 ? "stale" : "new";
	}
	if ((entry = blas_measure(exe, def, def_hooked, &cpu, cause)) == NULL)
		goto out;
	if (blas.cache_path != NULL) {
		cJSON_AddStringToObject(entry, "key", key);
		text = cJSON_Print(entry);
		if (cache_write(blas.cache_path, text, strlen(text), NULL) != 0)
			blas.cache = "off";	/* a read-only cache directory: measure each time */
		free(text);
	}
out:
	cache_unlock(lock);
	free(key);
	free(dir);
	return entry;
}

/* The time of a monotonic clock, in seconds. */
static double
blas_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

/*
 * Choose the kernel before the first trial; with reexec, re-execute argv with it when it is
 * not the one loaded (this does not return then). 0, or a negative errno with *cause.
 */
int
blas_choose(char **argv, bool reexec, char **cause)
{
	const char *loaded = openblas_get_corename(), *user = getenv("OPENBLAS_CORETYPE");
	const char *chosen = getenv(BLAS_ENV_CHOSEN);
	char *def = blas_hook_default(), exe[4096];
	double t0 = blas_now();
	cJSON *entry = NULL;
	ssize_t n;
	int rc = 0;

	blas.core = xstrdup(loaded);
	if (chosen != NULL) {	/* we are the re-executed worker */
		blas.why = strcmp(user ?: "", loaded) == 0 ? xstrdup(chosen) :
		    xasprintf("%s; but OpenBLAS loaded %s", chosen, loaded);
		blas.cache = "hit";	/* as far as this process knows: the choice is made */
		unsetenv(BLAS_ENV_CHOSEN);
		unsetenv("OPENBLAS_CORETYPE");
		goto out;
	}
	if (user != NULL && *user != '\0') {
		blas.why = strcmp(user, loaded) == 0 ?
		    xasprintf("set by the user (OPENBLAS_CORETYPE=%s)", user) :
		    xasprintf("set by the user (OPENBLAS_CORETYPE=%s; OpenBLAS runs %s)", user,
		    loaded);
		blas.cache = "off";
		goto out;
	}
	if ((n = readlink("/proc/self/exe", exe, sizeof exe - 1)) < 0) {
		rc = xcause(cause, -errno, "/proc/self/exe: %s", strerror(errno));
		goto out;
	}
	exe[n] = '\0';
	if ((entry = blas_cached(exe, def != NULL ? def : loaded, def != NULL, cause)) == NULL) {
		rc = -ENOEXEC;
		goto out;
	}
	blas.why = xstrdup(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(entry, "why")));
	blas.candidates = cJSON_DetachItemFromObjectCaseSensitive(entry, "candidates");
	free(blas.core);
	blas.core = xstrdup(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(entry, "core")));
	if (reexec && strcmp(blas.core, loaded) != 0) {
		setenv("OPENBLAS_CORETYPE", blas.core, 1);
		setenv(BLAS_ENV_CHOSEN, blas.why, 1);
		execv(exe, argv);
		rc = xcause(cause, -errno, "%s: re-executing with OPENBLAS_CORETYPE=%s: %s", exe,
		    blas.core, strerror(errno));
	}
out:
	blas.seconds = blas_now() - t0;
	cJSON_Delete(entry);
	free(def);
	return rc;
}

/* The kernel OpenBLAS runs in this process, once chosen; else NULL. */
const char *
blas_core(void)
{
	return blas.why != NULL ? blas.core : NULL;
}

/* Why it runs that kernel, once chosen; else NULL. */
const char *
blas_why(void)
{
	return blas.why;
}

/* The "blas" event of tuna-worker --blas: the choice, where it came from, the candidates. */
cJSON *
blas_event(void)
{
	cJSON *ev = cJSON_CreateObject();

	cJSON_AddStringToObject(ev, "event", WEV_BLAS);
	cJSON_AddStringToObject(ev, "core", blas.core);
	cJSON_AddStringToObject(ev, "why", blas.why);
	cJSON_AddStringToObject(ev, "openblas", openblas_get_config());
	cJSON_AddStringToObject(ev, "cache", blas.cache);
	if (blas.cache_path != NULL)
		cJSON_AddStringToObject(ev, "cache_path", blas.cache_path);
	cJSON_AddNumberToObject(ev, "seconds", blas.seconds);
	if (blas.candidates != NULL)
		cJSON_AddItemReferenceToObject(ev, "candidates", blas.candidates);
	return ev;
}
