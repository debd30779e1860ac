/* test_history_link.c - metrics and history together through the event bus:
 * the history engine subscribed to the workspace bus records every build
 * `bs_metrics_import` measures, as series keyed by model/platform/metric
 * with per-layer values and the registry's direction.  Two real FINN runs
 * of TFC-w2a2 at different foldings form one series. */
#include "test_util.h"

#include <math.h>

#include "brainsmith/error.h"
#include "brainsmith/history.h"
#include "brainsmith/metrics.h"

static void t_import_feeds_history(void **st)
{
    const char *data = bs_test_shared_data();
    if (!data)
        skip();
    char *home = bs_test_mkdtemp("metrics-hist");
    bs_workspace *ws;
    assert_int_equal(bs_workspace_open(home, true, &ws), 0);
    assert_int_equal(bs_history_migrate(ws->db), 0);
    bs_bus *bus = ws->bus ? ws->bus : bs_bus_default();
    int sub = bs_history_subscribe(bus, ws->db);
    assert_true(sub > 0);
    const char *runs[] = {"finn_oracle/tfc_w2a2_fps", "finn_oracle/tfc_w2a2_fold"};
    char ids[2][40];
    for (int i = 0; i < 2; i++) {
        char dir[1024];
        snprintf(dir, sizeof dir, "%s/%s", data, runs[i]);
        bs_import_result r;
        assert_int_equal(bs_metrics_import(ws, dir, "tfc_w2a2", "xc7z020clg400-1", &r, NULL), 0);
        memcpy(ids[i], r.build_id, sizeof ids[i]);
        bs_sleep_ms(5);   /* distinct times */
    }
    bs_bus_unsubscribe(bus, sub);
    bs_hist_filter f = {.model = "tfc_w2a2", .metric = "est.lut"};
    bs_hist_set *set;
    assert_int_equal(bs_history_query(ws->db, &f, &set), 0);
    assert_int_equal(set->n, 1);
    const bs_hist_series *se = &set->series[0];
    assert_string_equal(se->platform, "xc7z020clg400-1");
    assert_int_equal(se->direction, BS_HIST_DIR_LOWER);   /* from the registry */
    assert_int_equal(se->n, 2);
    assert_string_equal(se->points[0].build_id, ids[0]);
    assert_string_equal(se->points[1].build_id, ids[1]);
    assert_true(se->points[0].value > 0 && se->points[1].value > 0);
    assert_true(se->points[0].n_layers >= 4);   /* per-layer LUT estimates */
    bs_hist_set_free(set);
    bs_workspace_close(ws);
    bs_test_rmdir(home);
    (void)st;
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(t_import_feeds_history)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
