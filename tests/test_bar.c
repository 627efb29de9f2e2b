/*
 * test_bar.c: what tuna tail shows of a search's best, tested directly: the progress bar and
 * the search_end line rank done trials by the search's objective in its direction (a search
 * of tuna 1, whose events name no objective, by val_acc, highest first).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#include "bar.h"
#include "event.h"
#include "testutil.h"

/* Feed the bar one event, given as JSON text. */
static void
feed(struct bar *b, const char *text)
{
	cJSON *ev = cJSON_Parse(text);

	ASSERT(ev != NULL);
	bar_event(b, ev);
	cJSON_Delete(ev);
}

/* Assert that the bar's text contains needle. */
static void
shows(const struct bar *b, const char *needle)
{
	char *text = bar_text(b);

	ASSERT_STR_CONTAINS(text, needle);
	printf("ok: %s\n", text);
	free(text);
}

/* The line tuna tail prints for an event (JSON text). */
static char *
line(const char *text)
{
	cJSON *ev = cJSON_Parse(text);
	char *s;

	ASSERT(ev != NULL);
	s = event_format(ev, 0);
	cJSON_Delete(ev);
	return s;
}

/* A search minimizing val_loss: the lowest objective is the best, nulls never are. */
static void
test_min(void)
{
	struct bar b;

	bar_init(&b, 4);
	feed(&b, "{\"event\":\"search_start\",\"search\":4,\"trials\":5,"
	    "\"objective\":{\"metric\":\"val_loss\",\"goal\":\"min\"}}");
	shows(&b, "best val_loss --");
	feed(&b, "{\"event\":\"trial_start\",\"search\":4,\"trial\":10}");
	feed(&b, "{\"event\":\"trial_end\",\"search\":4,\"trial\":10,\"status\":\"done\","
	    "\"val_acc\":0.9,\"objective\":0.40}");
	shows(&b, "best val_loss 0.4000 (trial 10)");
	feed(&b, "{\"event\":\"trial_end\",\"search\":4,\"trial\":11,\"status\":\"done\","
	    "\"val_acc\":0.95,\"objective\":0.55}");
	shows(&b, "best val_loss 0.4000 (trial 10)");	/* higher val_acc, worse loss */
	feed(&b, "{\"event\":\"trial_end\",\"search\":4,\"trial\":12,\"status\":\"done\","
	    "\"val_acc\":0.1,\"objective\":null}");
	shows(&b, "best val_loss 0.4000 (trial 10)");
	feed(&b, "{\"event\":\"trial_end\",\"search\":4,\"trial\":13,\"status\":\"pruned\","
	    "\"objective\":0.1}");
	shows(&b, "best val_loss 0.4000 (trial 10)");	/* only done trials rank */
	feed(&b, "{\"event\":\"trial_end\",\"search\":4,\"trial\":14,\"status\":\"done\","
	    "\"objective\":0.25}");
	shows(&b, "best val_loss 0.2500 (trial 14)");
	feed(&b, "{\"event\":\"search_end\",\"search\":4,\"status\":\"done\","
	    "\"objective\":{\"metric\":\"val_loss\",\"goal\":\"min\"},\"best\":0.25,"
	    "\"best_trial\":14,\"done\":3,\"total\":5}");
	shows(&b, "best val_loss 0.2500 (trial 14) · finished");
}

/* A search of tuna 1: no objective in its events; val_acc, highest first. */
static void
test_v1(void)
{
	struct bar b;
	char *s;

	bar_init(&b, 2);
	feed(&b, "{\"event\":\"search_start\",\"search\":2,\"trials\":2}");
	feed(&b, "{\"event\":\"trial_end\",\"search\":2,\"trial\":5,\"status\":\"done\","
	    "\"val_acc\":0.8}");
	feed(&b, "{\"event\":\"trial_end\",\"search\":2,\"trial\":6,\"status\":\"done\","
	    "\"val_acc\":0.7}");
	shows(&b, "best val_acc 0.8000 (trial 5)");
	feed(&b, "{\"event\":\"search_end\",\"search\":2,\"status\":\"done\","
	    "\"best_trial\":5,\"best_val_acc\":0.8,\"done\":2,\"total\":2}");
	shows(&b, "best val_acc 0.8000 (trial 5) · finished");

	/* the search_end line: tuna 1's words, and the same words for an objective */
	s = line("{\"event\":\"search_end\",\"search\":2,\"status\":\"done\",\"best_trial\":5,"
	    "\"best_val_acc\":0.8,\"done\":2,\"total\":2}");
	ASSERT_STR_CONTAINS(s, "end  done  2/2 trials done  best val_acc 0.8000 (trial 5)");
	free(s);
	s = line("{\"event\":\"search_end\",\"search\":2,\"status\":\"done\","
	    "\"objective\":{\"metric\":\"val_acc\",\"goal\":\"max\"},\"best\":0.8,"
	    "\"best_trial\":5,\"done\":2,\"total\":2}");
	ASSERT_STR_CONTAINS(s, "end  done  2/2 trials done  best val_acc 0.8000 (trial 5)");
	free(s);
	s = line("{\"event\":\"search_end\",\"search\":4,\"status\":\"done\","
	    "\"objective\":{\"metric\":\"val_loss\",\"goal\":\"min\"},\"best\":0.25,"
	    "\"best_trial\":14,\"done\":3,\"total\":5}");
	ASSERT_STR_CONTAINS(s, "best val_loss 0.2500 (trial 14)");
	free(s);
	s = line("{\"event\":\"search_end\",\"search\":4,\"status\":\"cancelled\","
	    "\"objective\":{\"metric\":\"val_loss\",\"goal\":\"min\"},\"done\":0,\"total\":3}");
	ASSERT(strstr(s, "best") == NULL);
	free(s);
}

int
main(void)
{
	test_min();
	test_v1();
	printf("bar: ok\n");
	return 0;
}
