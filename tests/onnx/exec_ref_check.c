/* exec_ref_check.c - compares brainsmith's executor with the independent
 * numpy reference written by tests/tools/onnx_ref.py.
 *
 *   exec_ref_check MANIFEST.json        run every case in-process
 *   exec_ref_check --compare A.npy B.npy [--exact]
 *
 * A case passes when every output has the reference's shape and, for
 * "exact" cases (integer / quantized semantics), equal values; otherwise
 * |a - b| <= atol + rtol * |b|.  Prints one line per failure; exit 1 if any. */
#include "brainsmith/error.h"
#include "brainsmith/exec.h"
#include "brainsmith/ir.h"
#include "brainsmith/json.h"
#include "brainsmith/npy.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

static int compare(const char *what, const bs_value *got, const bs_value *exp, bool exact,
                   double rtol, double atol)
{
    if (got->numel != exp->numel || got->rank != exp->rank) {
        printf("FAIL %s: shape %s, reference %s\n", what, bs_value_shape_str(got), bs_value_shape_str(exp));
        return 1;
    }
    for (int i = 0; i < got->rank; i++)
        if (got->dims[i] != exp->dims[i]) {
            printf("FAIL %s: shape %s, reference %s\n", what, bs_value_shape_str(got), bs_value_shape_str(exp));
            return 1;
        }
    int64_t bad = 0, first = -1;
    double worst = 0;
    for (int64_t i = 0; i < got->numel; i++) {
        double a = bs_value_get(got, i), b = bs_value_get(exp, i);
        bool ok = exact ? (a == b || (isnan(a) && isnan(b))) : fabs(a - b) <= atol + rtol * fabs(b);
        if (!ok) {
            if (first < 0) first = i;
            bad++;
            if (fabs(a - b) > worst) worst = fabs(a - b);
        }
    }
    if (bad) {
        printf("FAIL %s: %lld of %lld values differ (%s), first at %lld: %.9g vs %.9g, worst |diff| %.3g\n",
               what, (long long)bad, (long long)got->numel, exact ? "exact" : "tolerance", (long long)first,
               bs_value_get(got, first), bs_value_get(exp, first), worst);
        return 1;
    }
    return 0;
}

static int checked_tensors;

static int run_case(const cJSON *c)
{
    const char *name = cJSON_GetObjectItem(c, "name")->valuestring;
    const char *model = cJSON_GetObjectItem(c, "model")->valuestring;
    const cJSON *ins = cJSON_GetObjectItem(c, "inputs"), *outs = cJSON_GetObjectItem(c, "outputs");
    bool exact = cJSON_IsTrue(cJSON_GetObjectItem(c, "exact"));
    double rtol = cJSON_GetObjectItem(c, "rtol")->valuedouble, atol = cJSON_GetObjectItem(c, "atol")->valuedouble;
    bs_ir_graph *g = NULL;
    bs_exec_session *s = NULL;
    bs_value in[8];
    memset(in, 0, sizeof in);
    int nin = cJSON_GetArraySize(ins), fails = 0, rc;
    if (nin > 8) nin = 8;
    if ((rc = bs_ir_load(model, &g)) || (rc = bs_ir_infer(g))) goto err;
    for (int i = 0; i < nin; i++)
        if ((rc = bs_npy_read(cJSON_GetArrayItem(ins, i)->valuestring, &in[i]))) goto err;
    /* run twice: the second run reuses cached constant subgraphs */
    if ((rc = bs_exec_new(g, &s)) || (rc = bs_exec_run(s, in, nin)) || (rc = bs_exec_run(s, in, nin))) goto err;
    for (int i = 0; i < cJSON_GetArraySize(outs) && i < g->noutputs; i++) {
        bs_value exp = {0};
        if ((rc = bs_npy_read(cJSON_GetArrayItem(outs, i)->valuestring, &exp))) goto err;
        char what[256];
        snprintf(what, sizeof what, "%s output %d", name, i);
        fails += compare(what, bs_exec_output(s, i), &exp, exact, rtol, atol);
        bs_value_free(&exp);
    }
    /* quantizer outputs inside the model: always exact */
    const cJSON *tens = cJSON_GetObjectItem(c, "tensors"), *t;
    int ntens = 0;
    cJSON_ArrayForEach(t, tens) {
        const bs_ir_tensor *it = bs_ir_tensor_find(g, t->string);
        const bs_value *v = it ? bs_exec_value(s, it) : NULL;
        char what[300];
        snprintf(what, sizeof what, "%s tensor '%s'", name, t->string);
        bs_value exp = {0};
        if (!v) { printf("FAIL %s: not computed\n", what); fails++; continue; }
        if ((rc = bs_npy_read(t->valuestring, &exp))) goto err;
        fails += compare(what, v, &exp, true, 0, 0);
        bs_value_free(&exp);
        ntens++;
    }
    checked_tensors += ntens;
    goto done;
err:
    printf("FAIL %s: %s\n", name, bs_error_msg());
    fails++;
done:
    bs_exec_free(s);
    for (int i = 0; i < nin; i++) bs_value_free(&in[i]);
    bs_ir_free(g);
    return fails;
}

int main(int argc, char **argv)
{
    if (argc >= 4 && !strcmp(argv[1], "--compare")) {
        bs_value a = {0}, b = {0};
        if (bs_npy_read(argv[2], &a) || bs_npy_read(argv[3], &b)) {
            printf("FAIL: %s\n", bs_error_msg());
            return 1;
        }
        bool exact = argc > 4 && !strcmp(argv[4], "--exact");
        int r = compare(argv[2], &a, &b, exact, 1e-4, 1e-4);
        bs_value_free(&a);
        bs_value_free(&b);
        return r;
    }
    if (argc != 2) {
        fprintf(stderr, "usage: exec_ref_check MANIFEST.json | --compare A.npy B.npy [--exact]\n");
        return 2;
    }
    cJSON *m;
    if (bs_json_load_file(argv[1], &m)) {
        printf("FAIL: %s\n", bs_error_msg());
        return 1;
    }
    int fails = 0, n = cJSON_GetArraySize(m), exact = 0;
    for (int i = 0; i < n; i++) {
        fails += run_case(cJSON_GetArrayItem(m, i));
        exact += cJSON_IsTrue(cJSON_GetObjectItem(cJSON_GetArrayItem(m, i), "exact"));
    }
    printf("%d cases (%d exact outputs), %d quantizer tensors inside shared models compared exactly, %d failures\n",
           n, exact, checked_tensors, fails);
    cJSON_Delete(m);
    return fails ? 1 : 0;
}
