/*
 * test_metricline.c: unit tests of the metric-line rule (worker/metricline.c) on lines real
 * trainers print — reports in each form, and log lines that must not be taken for reports.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "metricline.h"
#include "testutil.h"

/* A line that must be a report: its epoch (-1: none) and "name=value;…" as parsed (%.15g). */
static void
report(const char *line, int epoch, const char *want)
{
	struct metricline ml;
	char got[4096] = "";
	size_t i, len = strlen(got);
	bool is = metricline_parse(&ml, line, strlen(line));

	for (i = 0; is && i < ml.n; i++)
		len += (size_t)snprintf(got + len, sizeof got - len, "%s%s=%.15g", i ? ";" : "",
		    ml.m[i].name, ml.m[i].value);
	if (!is || strcmp(got, want) != 0 || (ml.has_epoch ? ml.epoch : -1) != epoch) {
		fprintf(stderr, "line: %s\n  report: %d, epoch %d, got \"%s\"\n  want: report, "
		    "epoch %d, \"%s\"\n", line, is, ml.has_epoch ? ml.epoch : -1, got, epoch, want);
		abort();
	}
	metricline_free(&ml);
}

/* A line that must not be a report. */
static void
not_report(const char *line)
{
	struct metricline ml;
	bool is = metricline_parse(&ml, line, strlen(line));

	if (is) {
		fprintf(stderr, "taken for a report (%zu metrics, first %s): %s\n", ml.n,
		    ml.m[0].name, line);
		abort();
	}
	metricline_free(&ml);
}

/* Form 1: JSON objects and Python dicts. */
static void
test_objects(void)
{
	report("{\"epoch\": 3, \"val_loss\": 0.41, \"val_acc\": 0.88}", 3,
	    "val_loss=0.41;val_acc=0.88");
	report("{\"val_loss\":0.5}", -1, "val_loss=0.5");
	report("  {\"step\": 1200, \"loss\": 2.5e-3}  ", 1200, "loss=0.0025");
	/* booleans, strings, nulls and nested values are skipped; commas inside strings too */
	report("{\"epoch\": 2, \"ok\": true, \"note\": \"a, b: c}\", \"hist\": [1, 2], "
	    "\"sub\": {\"x\": 1}, \"none\": null, \"val_loss\": 0.3}", 2, "val_loss=0.3");
	/* Python's print of a dict: single quotes, nan, inf, a fractional epoch rounded up */
	report("{'loss': 0.6931, 'grad_norm': 1.25, 'learning_rate': 4.9e-05, 'epoch': 0.27}", 1,
	    "loss=0.6931;grad_norm=1.25;learning_rate=4.9e-05");
	report("{'eval_loss': 0.41, 'eval_accuracy': 0.88, 'epoch': 1.0}", 1,
	    "eval_loss=0.41;eval_accuracy=0.88");
	report("{'train_loss': nan, 'epoch': 4}", 4, "train_loss=nan");
	report("{\"loss\": NaN, \"grad\": Infinity, \"low\": -Infinity}", -1,
	    "loss=nan;grad=inf;low=-inf");
	report("{'loss': tensor(0.51, device='cuda:0'), 'acc': 0.9, 'flag': True, 'x': None}", -1,
	    "acc=0.9");
	report("{\"a\": 1,}", -1, "a=1");
	/* names: slashes and dots kept; a key that is not a name, and event/id, skipped */
	report("{\"train/loss\": 0.2, \"val.acc\": 0.7, \"bad key\": 1, \"id\": 9, \"event\": 1}",
	    -1, "train/loss=0.2;val.acc=0.7");
	not_report("{\"epoch\": 3}");
	not_report("{}");
	not_report("{\"status\": \"ok\", \"device\": \"cuda\"}");
	not_report("{\"val_loss\": 0.5");		/* not closed */
	not_report("{\"val_loss\": 0.5} and more");
	not_report("{\"val_loss\": [0.5}");
	not_report("{\"val_loss\": \"0.5\"}");	/* a string is not a number */
	not_report("{val_loss: 0.5}");		/* keys are quoted */
	not_report("[{\"val_loss\": 0.5}]");
	printf("ok: objects\n");
}

/* Form 2: name=value pairs, the whole line. */
static void
test_pairs(void)
{
	report("epoch=3 val_loss=0.41", 3, "val_loss=0.41");
	report("epoch=3, val_loss=0.41, val_acc=0.88", 3,
	    "val_loss=0.41;val_acc=0.88");
	report("step=10\tloss=1e-3", 10, "loss=0.001");
	report("val_loss=nan", -1, "val_loss=nan");
	report("loss=inf", -1, "loss=inf");
	report("loss=-0.5 mode=train", -1, "loss=-0.5");	/* a non-number value skipped */
	report("epoch=2 step=900 loss=0.2", 2, "loss=0.2");
	report("step=900 epoch=2 loss=0.2", 2, "loss=0.2");
	not_report("Namespace(lr=0.01, batch=64)");	/* argparse's print */
	not_report("epoch=3");
	not_report("mode=train");
	not_report("training with lr=0.01 batch=64");
	not_report("x=1 2");
	not_report("a==b");
	printf("ok: pairs\n");
}

/* Form 3: "name: value" segments (Keras and the like). */
static void
test_colons(void)
{
	/* Keras 2 (tf.keras): the progress bar redrawn with \r and \b, the last state kept */
	report("  1/469 [..............................] - ETA: 1:23 - loss: 2.3026 - accuracy: "
	    "0.0938\b\b\b\b\r469/469 [==============================] - 3s 5ms/step - loss: 0.5123 "
	    "- accuracy: 0.8190 - val_loss: 0.4123 - val_accuracy: 0.8512", -1,
	    "loss=0.5123;accuracy=0.819;val_loss=0.4123;"
	    "val_accuracy=0.8512");
	/* Keras 3 */
	report("469/469 \xe2\x94\x81\xe2\x94\x81\xe2\x94\x81 3s 5ms/step - accuracy: 0.8190 - "
	    "loss: 0.5123 - val_accuracy: 0.8512 - val_loss: 0.4123", -1,
	    "accuracy=0.819;loss=0.5123;val_accuracy=0.8512;"
	    "val_loss=0.4123");
	report("epoch: 3, val_loss: 0.41", 3, "val_loss=0.41");
	report("epoch: 3 val_loss: 0.41 val_acc: 0.9", 3,
	    "val_loss=0.41;val_acc=0.9");
	report("[INFO] 12:00:01 - step: 100 - loss: 0.3", 100, "loss=0.3");
	report("train_loss: 0.52 | val_loss: 0.48 | time: 3.2s", -1,
	    "train_loss=0.52;val_loss=0.48");
	report("loss: -0.5; acc: 0.5", -1, "loss=-0.5;acc=0.5");
	report("val_loss: nan", -1, "val_loss=nan");
	report("\033[1m\033[32mval_loss: 0.25\033[0m", -1, "val_loss=0.25");	/* colours */
	report("val_loss: 0.25   \r\n", -1, "val_loss=0.25");
	/* guards: lines that look a little like reports */
	not_report("Epoch 1/10");
	not_report("Using device: cuda:0");
	not_report("Downloading: 100%");
	not_report("loss went down: good");
	not_report("epoch: 3");
	not_report("Traceback (most recent call last):");
	not_report("  File \"/abs/train.py\", line 12, in <module>");
	not_report("    model.fit(x, y, epochs=10)");
	not_report("KeyError: 3");
	not_report("ValueError: 0.5");
	not_report("UserWarning: 1");
	not_report("Total params: 101,770");
	not_report("Total params: 101,770 (397.54 KB)");
	not_report("Non-trainable params: 0");
	not_report("Trainable params: 101,770");
	not_report("2024-01-01 12:00:00,123 INFO training started");
	not_report("ETA: 0s");
	not_report("accuracy: 85.2%");
	not_report("time: 3s");
	not_report("lr:0.1");			/* a space after the colon */
	not_report("Epoch 3: loss: 0.5");	/* "Epoch 3:" makes the segment not pairs */
	not_report("100%|##########| 10/10 [00:01<00:00,  9.50it/s]");
	not_report("");
	not_report("   \r  ");
	printf("ok: colons\n");
}

/* Cleaning: carriage returns, trailing blanks, binary output; the epoch's range; names. */
static void
test_edges(void)
{
	struct metricline ml;

	report("epoch=1 loss=9\repoch=2 loss=0.5", 2, "loss=0.5");
	not_report("epoch=2 loss=0.5\rdone: ok");
	ASSERT(!metricline_parse(&ml, "loss=1\0x", 8));	/* a NUL inside */
	metricline_free(&ml);
	report("epoch=-1 loss=1", -1, "loss=1");		/* no epoch: ignored */
	report("epoch=nan loss=1", -1, "loss=1");
	report("epoch=1e30 loss=1", -1, "loss=1");
	report("epoch=0 loss=1", 0, "loss=1");
	report("epoch=2147483647 loss=1", 2147483647, "loss=1");
	ASSERT(metricline_name("a", 1));
	ASSERT(metricline_name("_x9./-", 6));
	ASSERT(!metricline_name("9a", 2));
	ASSERT(!metricline_name("a b", 3));
	ASSERT(!metricline_name("", 0));
	ASSERT(!metricline_name("a:b", 3));
	printf("ok: edges\n");
}

int
main(void)
{
	test_objects();
	test_pairs();
	test_colons();
	test_edges();
	return 0;
}
