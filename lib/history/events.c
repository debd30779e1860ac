/* events.c - the history engine as a subscriber of the event bus.
 *
 * The architecture routes every metric through the bus: whoever measures a
 * build (the metrics collector, a report parser, a script via the daemon)
 * emits a "metric" event and the history records it.  This file turns such
 * an event's JSON payload into a bs_hist_record. */
#include <stdlib.h>
#include <string.h>
#include <cJSON.h>
#include "brainsmith/error.h"
#include "brainsmith/json.h"
#include "brainsmith/log.h"
#include "history_int.h"

static const char *opt_str(const cJSON *o, const char *k)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

int bs_history_record_event(sqlite3 *db, const bs_event *ev)
{
    if (!ev || !ev->kind || strcmp(ev->kind, "metric") != 0)
        return bs_error_set(BS_EINVAL, "history: event is not a metric event");
    if (!ev->build_id || !ev->payload)
        return bs_error_set(BS_EINVAL, "history: metric event without build id or payload");
    cJSON *j = NULL;
    int rc = bs_json_parse(ev->payload, strlen(ev->payload), "metric event", &j);
    if (rc < 0) return rc;
    bs_hist_record r = {.build_id = ev->build_id, .time_ms = ev->time_ms, .value = NAN};
    double *reps = NULL;
    bs_hist_layer *layers = NULL;
    r.model = opt_str(j, "model");
    r.platform = opt_str(j, "platform");
    r.config = opt_str(j, "config");
    r.metric = opt_str(j, "metric");
    r.version = opt_str(j, "version");
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(j, "value");
    if (cJSON_IsNumber(v)) r.value = v->valuedouble;
    else if (v && !cJSON_IsNull(v)) { rc = bs_error_set(BS_EINVAL, "metric event: \"value\" is not a number"); goto out; }
    const char *dir = opt_str(j, "direction");
    if (dir && (rc = bs_hist_direction_parse(dir, &r.direction)) < 0) goto out;
    const cJSON *rp = cJSON_GetObjectItemCaseSensitive(j, "repeats");
    if (cJSON_IsArray(rp)) {
        int n = cJSON_GetArraySize(rp);
        reps = calloc((size_t)n + 1, sizeof(double));
        if (!reps) { rc = bs_error_set(BS_ENOMEM, "metric event"); goto out; }
        const cJSON *e;
        cJSON_ArrayForEach(e, rp) {
            if (!cJSON_IsNumber(e)) { rc = bs_error_set(BS_EINVAL, "metric event: \"repeats\" holds a non-number"); goto out; }
            reps[r.n_repeats++] = e->valuedouble;
        }
        r.repeats = reps;
    }
    const cJSON *ly = cJSON_GetObjectItemCaseSensitive(j, "layers");
    if (cJSON_IsObject(ly)) {
        int n = cJSON_GetArraySize(ly);
        layers = calloc((size_t)n + 1, sizeof(*layers));
        if (!layers) { rc = bs_error_set(BS_ENOMEM, "metric event"); goto out; }
        const cJSON *e;
        cJSON_ArrayForEach(e, ly) {
            if (!cJSON_IsNumber(e)) { rc = bs_error_set(BS_EINVAL, "metric event: layer %s is not a number", e->string); goto out; }
            layers[r.n_layers++] = (bs_hist_layer){e->string, e->valuedouble};
        }
        r.layers = layers;
    }
    if (!r.model || !r.platform || !r.metric) {
        rc = bs_error_set(BS_EINVAL, "metric event of build %s: needs \"model\", \"platform\" and \"metric\"", ev->build_id);
        goto out;
    }
    rc = bs_history_record(db, &r);
out:
    free(reps);
    free(layers);
    cJSON_Delete(j);
    return rc;
}

static void on_event(const bs_event *ev, void *ud)
{
    if (!ev->kind || strcmp(ev->kind, "metric") != 0) return;   /* "metrics.x" etc. */
    if (bs_history_record_event(ud, ev) < 0) {
        BS_WARN("history: %s", bs_error_msg());
        bs_error_clear();
    }
}

int bs_history_subscribe(bs_bus *bus, sqlite3 *db)
{
    if (!bus || !db) return bs_error_set(BS_EINVAL, "history subscribe: NULL bus or database");
    return bs_bus_subscribe(bus, "metric", on_event, db);
}
