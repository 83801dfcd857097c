/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Replays fuzz corpora through a libFuzzer target without libFuzzer, so
 * every ordinary test run (and the ASan/UBSan tier) exercises what the
 * fuzzing sessions found. TAP: one test point per corpus directory.
 *
 * usage: replay DIR...
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int replay_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf = NULL;
	struct stat st;

	if (!f)
		return -1;
	if (fstat(fileno(f), &st) < 0 || !(buf = malloc(st.st_size + 1)) ||
	    fread(buf, 1, st.st_size, f) != (size_t)st.st_size) {
		fclose(f);
		free(buf);
		return -1;
	}
	fclose(f);
	LLVMFuzzerTestOneInput(buf, st.st_size);
	free(buf);
	return 0;
}

int main(int argc, char **argv)
{
	int failed = 0;

	printf("1..%d\n", argc - 1);
	for (int i = 1; i < argc; i++) {
		struct dirent **ents;
		int n = scandir(argv[i], &ents, NULL, alphasort), done = 0, bad = 0;

		if (n < 0) {
			printf("not ok %d - %s: cannot read\n", i, argv[i]);
			failed++;
			continue;
		}
		for (int j = 0; j < n; j++) {
			char path[4096];

			if (ents[j]->d_name[0] != '.') {
				snprintf(path, sizeof(path), "%s/%s", argv[i], ents[j]->d_name);
				if (replay_file(path) < 0)
					bad++;
				else
					done++;
			}
			free(ents[j]);
		}
		free(ents);
		/* an empty corpus would replay nothing and prove nothing */
		if (bad || done == 0) {
			printf("not ok %d - %s: %d inputs replayed, %d unreadable\n", i, argv[i], done, bad);
			failed++;
		} else {
			printf("ok %d - %s: %d inputs replayed\n", i, argv[i], done);
		}
	}
	return failed ? 1 : 0;
}
