/* source.h: what to load — the "dataset" setting of a trial or spec, parsed. */
#ifndef TUNA_SOURCE_H
#define TUNA_SOURCE_H

#include <cJSON.h>

enum dataset_format { DATASET_IDX, DATASET_CSV };

/* What to load: parsed from the trial's "dataset" field. */
struct dataset_source {
	enum dataset_format format;
	char *train_images;	/* IDX */
	char *train_labels;	/* IDX */
	char *test_images;	/* IDX, NULL when there is no test set */
	char *test_labels;	/* IDX, NULL when there is no test set */
	char *train_csv;	/* CSV */
	char *test_csv;		/* CSV, may be NULL */
	int label_column;	/* CSV: 0-based column of the label (-1 with label_name) */
	char *label_name;	/* CSV: the label column's name in the header, or NULL */
	int header;		/* CSV: -1 detect, 0 none, 1 first row is a header */
	double val_fraction;	/* held out of the end of the training file */
	char *cache_dir;	/* NULL: no shared cache, private memory */
};

int source_parse(struct dataset_source *src, const cJSON *json, const char *jpath,
    char **cause);
void source_free(struct dataset_source *src);
char *source_cache_dir(void);

#endif
