/* fuzz_replay.c - runs the fuzz target without libFuzzer: every file given
 * (the shared models, a libFuzzer corpus) and then deterministic mutations
 * of them (byte flips, truncations, splices, length-field bumps) until the
 * time budget is spent.  This is what `make check` runs when BS_FUZZ is off.
 *
 *   fuzz_replay SECONDS FILE|DIR ...      exit 0 unless something crashes */
#include "brainsmith/util.h"

#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char *files[512];
static size_t sizes[512];
static int nfiles;

static void add(const char *path)
{
    if (bs_is_dir(path)) {
        DIR *d = opendir(path);
        struct dirent *e;
        while (d && (e = readdir(d))) {
            if (e->d_name[0] == '.') continue;
            char *p = bs_path_join(path, e->d_name);
            add(p);
            free(p);
        }
        if (d) closedir(d);
        return;
    }
    if (nfiles >= 512) return;
    size_t l = strlen(path);
    if (l < 5 || strcmp(path + l - 5, ".onnx")) return;
    if (bs_read_file(path, &files[nfiles], &sizes[nfiles]) == 0) nfiles++;
}

static uint64_t rng = 0x9e3779b97f4a7c15ULL;
static uint64_t next(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: fuzz_replay SECONDS FILE|DIR ...\n");
        return 2;
    }
    double secs = atof(argv[1]);
    for (int i = 2; i < argc; i++) add(argv[i]);
    long runs = 0;
    for (int i = 0; i < nfiles; i++, runs++) LLVMFuzzerTestOneInput((uint8_t *)files[i], sizes[i]);
    int64_t end = bs_now_mono_ms() + (int64_t)(secs * 1000);
    uint8_t *buf = NULL;
    while (nfiles && bs_now_mono_ms() < end) {
        int f = (int)(next() % (uint64_t)nfiles);
        size_t n = sizes[f];
        buf = realloc(buf, n + 64);
        memcpy(buf, files[f], n);
        switch (next() % 5) {
        case 0: /* a few random byte flips */
            for (int k = 0, m = 1 + (int)(next() % 8); k < m && n; k++) buf[next() % n] ^= (uint8_t)(1u << (next() % 8));
            break;
        case 1: /* truncate */
            n = n ? next() % n : 0;
            break;
        case 2: /* set a byte to an interesting value (varint lengths, tags) */
            if (n) buf[next() % n] = (uint8_t[]){0x00, 0x01, 0x7f, 0x80, 0xff, 0x08, 0x12}[next() % 7];
            break;
        case 3: { /* splice a chunk of another model */
            int o = (int)(next() % (uint64_t)nfiles);
            if (n && sizes[o]) {
                size_t at = next() % n, from = next() % sizes[o], len = 1 + next() % 32;
                if (at + len > n) len = n - at;
                if (from + len > sizes[o]) len = sizes[o] - from;
                memcpy(buf + at, files[o] + from, len);
            }
            break;
        }
        default: /* small tail flips (the graph is near the end in many files) */
            for (int k = 0; k < 4 && n; k++) buf[n - 1 - next() % (n < 256 ? n : 256)] ^= (uint8_t)next();
            break;
        }
        LLVMFuzzerTestOneInput(buf, n);
        runs++;
    }
    free(buf);
    printf("fuzz_replay: %d seed files, %ld runs, no crash\n", nfiles, runs);
    for (int i = 0; i < nfiles; i++) free(files[i]);
    return 0;
}
