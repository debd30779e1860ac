/* import.c - turning a past build's output directory into a brainsmith
 * build with metrics (`brainsmith import DIR`).
 *
 * The directory may be a FINN output dir (report/ JSON files, time_per_step.json,
 * final_hw_config.json, Vivado reports) or any folder of Vivado/HLS
 * reports.  Every report found is parsed; the analyses run; a build row in
 * state "imported" is created whose out_dir is the directory, and the
 * metrics (and any parse errors) are stored under its id. */
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include "brainsmith/error.h"
#include "brainsmith/events.h"
#include "brainsmith/metrics.h"
#include "brainsmith/util.h"

int bs_metrics_import(bs_workspace *ws, const char *dir, const char *name, const char *part,
                      bs_import_result *res,
                      bs_metric_set *s_out)
{
    memset(res, 0, sizeof *res);
    char abs[PATH_MAX];
    if (!realpath(dir, abs))
        return bs_error_set(BS_ENOTFOUND, "import: %s: no such directory", dir);
    if (!bs_is_dir(abs))
        return bs_error_set(BS_EINVAL, "import: %s: not a directory", dir);
    bs_metric_set local, *s = s_out ? s_out : &local;
    bs_metrics_init(s);
    int rc = bs_metrics_collect_dir(s, abs, &res->nfiles);
    if (!rc && res->nfiles == 0)
        rc = bs_error_set(BS_ENOTFOUND,
                          "import: %s: no reports found (expected a FINN output directory or "
                          "Vivado/HLS report files)", dir);
    if (part)
        s->part = bs_arena_strdup(&s->arena, part);   /* the user knows the target best */
    if (!rc)
        rc = bs_metrics_analyze(s);
    if (!rc) {
        const char *label = name;
        if (!label) {
            label = strrchr(abs, '/');
            label = label && label[1] ? label + 1 : abs;
        }
        /* a FINN output dir may carry its build configuration */
        char *cfg = NULL, *cfgpath = bs_path_join(abs, "dataflow_build_config.json");
        size_t cl;
        if (cfgpath && bs_read_file(cfgpath, &cfg, &cl) != 0)
            cfg = NULL;
        bs_error_clear();
        rc = bs_build_create(ws, label, NULL, NULL, s->part, cfg, abs, res->build_id);
        free(cfg);
        free(cfgpath);
    }
    if (!rc)
        rc = bs_build_set_state(ws, res->build_id, "imported");
    if (!rc)
        rc = bs_metrics_store(ws->db, res->build_id, s);
    if (!rc) {
        const char *label = name ? name : strrchr(abs, '/') ? strrchr(abs, '/') + 1 : abs;
        int ne = bs_metrics_publish(ws->bus ? ws->bus : bs_bus_default(), res->build_id, label, s->part,
                                    NULL, s);
        rc = ne < 0 ? ne : 0;
    }
    res->nvalues = (int)s->n;
    res->nerrors = (int)s->nerr;
    if (!s_out)
        bs_metrics_free(&local);
    return rc;
}
