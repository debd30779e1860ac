/* fuzz_onnx.c - libFuzzer target for the model loader: protobuf decoding,
 * IR import, shape/datatype inference, export, and (for small models) the
 * executor on zero inputs.  Nothing may crash, leak or trip a sanitizer.
 *
 * Built as a real fuzzer only with -DBS_FUZZ=ON and clang; otherwise
 * fuzz_replay.c links it with a main() that replays a corpus plus
 * deterministic mutations of it for a bounded time. */
#include "brainsmith/error.h"
#include "brainsmith/exec.h"
#include "brainsmith/ir.h"
#include "brainsmith/log.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    bs_log_set_level(BS_LOG_ERROR);
    bs_ir_graph *g;
    if (bs_ir_load_mem(data, size, "fuzz", &g)) return 0;
    bs_ir_validate(g);
    int irc = bs_ir_infer(g);
    uint8_t *buf;
    size_t len;
    if (!bs_ir_pack(g, &buf, &len)) {
        bs_ir_graph *g2;
        if (!bs_ir_load_mem(buf, len, "fuzz-repacked", &g2)) bs_ir_free(g2);
        free(buf);
    }
    if (!irc && !bs_exec_check(g)) {
        /* only small graphs: the executor's cost is proportional to sizes */
        double total = 0;
        bool ok = true;
        for (int i = 0; i < g->ntensors; i++) {
            int64_t n = bs_ir_tensor_numel(g->tensors[i]);
            if (n < 0 && (g->tensors[i]->producer || g->tensors[i]->is_input)) ok = false;
            if (n > 0) total += (double)n;
        }
        for (int i = 0; i < g->nnodes && ok; i++)
            if (!strcmp(g->nodes[i]->op_type, "Conv") || !strcmp(g->nodes[i]->op_type, "MatMul")) total *= 4;
        bs_exec_session *s;
        if (ok && total < 2e5 && !bs_exec_new(g, &s)) {
            bs_value in[8] = {{0}};
            int nin = bs_exec_num_inputs(s);
            bool bound = nin <= 8;
            for (int i = 0; i < nin && bound; i++) {
                const bs_ir_tensor *t = bs_exec_input_tensor(s, i);
                bound = !bs_value_alloc(&in[i], BS_ELEM_FLOAT, t->rank, t->dims);
            }
            if (bound) bs_exec_run(s, in, nin);
            for (int i = 0; i < 8; i++) bs_value_free(&in[i]);
            bs_exec_free(s);
        }
    }
    bs_ir_free(g);
    bs_error_clear();
    return 0;
}
