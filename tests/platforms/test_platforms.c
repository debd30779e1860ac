/* test_platforms.c - the board/part registry: FINN's numbers (finn-reference
 * §10), lookup by name/alias/part, guide resources, and user platforms from a
 * real JSON file in a temporary workspace (override, errors that name the
 * file and field, nothing changed on error). */
#include "test_util.h"
#include "brainsmith/error.h"
#include "brainsmith/platforms.h"

static void test_builtin(void **st) {
    const bs_platform *p;
    assert_int_equal(bs_platform_lookup("Pynq-Z1", &p), 0);
    assert_string_equal(p->part, "xc7z020clg400-1");
    assert_true(p->slr[0].lut == 53200 && p->slr[0].ff == 106400 && p->slr[0].bram18 == 280 &&
                p->slr[0].uram == 0 && p->slr[0].dsp == 220);
    assert_int_equal(bs_platform_lookup("pynq-z2", &p), 0);
    assert_string_equal(p->name, "Pynq-Z2");
    assert_int_equal(bs_platform_lookup("ZCU104", &p), 0);
    assert_true(p->slr[0].uram == 92 && p->slr[0].dsp == 1728);
    assert_string_equal(bs_platform_dsp_block(p), "DSP48E2");
    assert_int_equal(bs_platform_lookup("xcu280-fsvh2892-2L-e", &p), 0);   /* by part */
    assert_string_equal(p->name, "U280");
    assert_int_equal(p->nslr, 3);
    bs_res t, g[BS_PLATFORM_MAX_SLR];
    bs_platform_total(p, &t);
    assert_true(t.lut == 400800 + 382080 + 380640 && t.bram18 == 1200 + 1152 + 1152);
    bs_platform_guide(p, g);     /* HBM in SLR0 wins over DDR, DDR in SLR1, nothing in SLR2 */
    assert_true(g[0].lut == 400800 - 10718 && g[1].lut == 382080 - 33256 && g[2].lut == 380640);
    assert_int_equal(bs_platform_lookup("u250", &p), 0);
    assert_true(p->nslr == 4 && p->slr[3].bram18 == 1152 && p->slr[3].dsp == 2880);
    assert_int_equal(bs_platform_lookup("U55C", &p), 0);
    assert_true(p->slr[0].ff == 773000);
    assert_int_equal(bs_platform_lookup("up5k", &p), 0);
    assert_true(p->slr[0].lut == 5280 && p->slr[0].bram18 == 30 && p->slr[0].dsp == 8 && p->bram_bits == 4096);
    assert_string_equal(p->toolchain, "icestorm");
    assert_int_equal(bs_platform_lookup("ICE40-HX8K", &p), 0);
    assert_int_equal(bs_platform_lookup("kv260", &p), 0);
    assert_string_equal(p->part, "xck26-sfvc784-2LV-c");
    assert_int_equal(bs_platform_lookup("VCK190", &p), 0);
    assert_string_equal(bs_platform_dsp_block(p), "DSP58");
    assert_int_equal(bs_platform_lookup("xc7k325t", &p), BS_ENOTFOUND);
    assert_non_null(strstr(bs_error_msg(), "xc7k325t"));
    assert_int_equal(bs_platform_lookup("zcu1", &p), BS_ENOTFOUND);
    assert_non_null(strstr(bs_error_msg(), "did you mean ZCU102, ZCU104, ZCU111"));
}

static void put_file(const char *path, const char *s) {
    assert_int_equal(bs_write_file_atomic(path, s, strlen(s)), 0);
}

static void test_user_file(void **st) {
    char *home = bs_test_mkdtemp("platforms");
    size_t n0 = bs_platform_count();
    assert_int_equal(bs_platforms_load_workspace(home), 0);          /* absent: fine */
    assert_int_equal(bs_platform_count(), n0);
    char *f = bs_path_join(home, "platforms.json");
    put_file(f, "{\"platforms\": [{\"name\": \"MyBoard\", \"part\": \"xc7a35tcpg236-1\", \"family\": \"artix7\","
             " \"clk_ns\": 8.0, \"aliases\": [\"Basys3\"], \"slr\": [{\"LUT\": 20800, \"BRAM_18K\": 100,"
             " \"DSP\": 90}]},"
             " {\"name\": \"ZCU104\", \"part\": \"xczu7ev-ffvc1156-2-e\", \"slr\": [{\"LUT\": 1000, \"FF\": 2000,"
             " \"BRAM_18K\": 10, \"URAM\": 1, \"DSP\": 5}]}]}");
    assert_int_equal(bs_platforms_load_workspace(home), 0);
    assert_int_equal(bs_platform_count(), n0 + 1);                   /* one new, one override */
    const bs_platform *p;
    assert_int_equal(bs_platform_lookup("basys3", &p), 0);
    assert_string_equal(p->name, "MyBoard");
    assert_true(p->slr[0].ff == 41600 && p->clk_ns == 8.0);         /* FF defaults to 2*LUT */
    assert_string_equal(p->source, "user");
    assert_int_equal(bs_platform_lookup("zcu104", &p), 0);
    assert_true(p->slr[0].lut == 1000 && !strcmp(p->source, "user"));
    /* errors: the message names the file and what is wrong; registry unchanged */
    put_file(f, "{\"platforms\": [{\"name\": \"X\", \"slr\": []}]}");
    assert_int_equal(bs_platforms_load_file(f), BS_ENOTFOUND);
    assert_non_null(strstr(bs_error_msg(), "platforms.json"));
    assert_non_null(strstr(bs_error_msg(), "part"));
    put_file(f, "{\"platforms\": [{\"name\": \"X\", \"part\": \"p\", \"slr\": [{\"LUT\": -5}]}]}");
    assert_int_equal(bs_platforms_load_file(f), BS_EINVAL);
    assert_non_null(strstr(bs_error_msg(), "LUT must be >= 0"));
    put_file(f, "{\"platforms\": [{\"name\": \"X\", \"part\": \"p\", \"slr\": [{\"LUT\": 5}]}");
    assert_int_equal(bs_platforms_load_file(f), BS_EPARSE);
    assert_int_equal(bs_platform_lookup("basys3", &p), 0);           /* still the old user set */
    bs_platforms_reset_user();
    assert_int_equal(bs_platform_count(), n0);
    assert_int_equal(bs_platform_lookup("zcu104", &p), 0);
    assert_true(p->slr[0].lut == 230000);
    free(f);
    bs_test_rmdir(home);
}

static void test_all_entries(void **st) {
    for (size_t i = 0; i < bs_platform_count(); i++) {
        const bs_platform *p = bs_platform_at(i), *q;
        assert_int_equal(bs_platform_lookup(p->name, &q), 0);
        assert_ptr_equal(p, q);
        assert_true(p->clk_ns > 0 && p->nslr <= BS_PLATFORM_MAX_SLR);
        for (int s = 0; s < p->nslr; s++) assert_true(p->slr[s].lut > 0 && p->slr[s].bram18 > 0);
    }
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_builtin), cmocka_unit_test(test_user_file), cmocka_unit_test(test_all_entries),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
