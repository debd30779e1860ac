/* cache_bench.c - replays a build's steps against the step cache in-process:
 * for each step, key = (step, previous step's output digest, config, tool),
 * then bs_cache_restore into OUT/<step>.  Prints hits and wall time.  Keys
 * are computed exactly as `brainsmith artifacts cache key` does, so the
 * entries stored by bench/artifacts/run.sh's cold build are found.
 *
 * usage: bench_artifacts_cache HOME OUT CONFIG_JSON STEP=TOOL...  */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "brainsmith/artifacts.h"
#include "brainsmith/error.h"
#include "brainsmith/util.h"

int main(int argc, char **argv)
{
    if (argc < 5) {
        fprintf(stderr, "usage: %s HOME OUT CONFIG_JSON STEP=TOOL...\n", argv[0]);
        return 2;
    }
    int64_t t0 = bs_now_mono_ns();
    bs_workspace *ws;
    bs_art_store *st;
    if (bs_workspace_open(argv[1], false, &ws) || bs_art_open(ws, NULL, &st)) {
        fprintf(stderr, "open: %s\n", bs_error_msg());
        return 1;
    }
    bs_arena a;
    bs_arena_init(&a, 0);
    char dig[BS_SHA256_HEX_LEN + 1] = "none";
    int hits = 0;
    for (int i = 4; i < argc; i++) {
        char *step = bs_arena_strdup(&a, argv[i]);
        char *tool = strchr(step, '=');
        if (!tool)
            return 2;
        *tool++ = '\0';
        const char *inputs[] = {dig};
        const char *tools[] = {tool};
        bs_cache_key_in in = {.step = step, .inputs = inputs, .ninputs = 1,
                              .config_json = argv[3], .tools = tools, .ntools = 1};
        char key[BS_SHA256_HEX_LEN + 1];
        if (bs_cache_key(&in, key))
            return 1;
        char *dest = bs_arena_sprintf(&a, "%s/%s", argv[2], step);
        bs_art_record r;
        int rc = bs_cache_restore(st, key, dest, &a, &r);
        if (rc) {
            printf("%s: %s\n", step, rc == BS_ENOTFOUND ? "miss" : bs_error_msg());
            break;
        }
        memcpy(dig, r.digest, sizeof dig);
        hits++;
    }
    int64_t t1 = bs_now_mono_ns();
    printf("%d hits, %.1f ms (open + keys + restores)\n", hits, (double)(t1 - t0) / 1e6);
    bs_art_close(st);
    bs_workspace_close(ws);
    bs_arena_free(&a);
    return 0;
}
